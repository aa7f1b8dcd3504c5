"""Real templates as Bicep and the Azure Quickstarts compile them: the verdict of every rule is known.

The corpus (tests/data/corpus, see its LICENSE notes) is the Azure Verified Module
``avm/res/container-registry/registry`` (languageVersion 2.0: symbolic resources, nullable and
user-defined types, ``tryGet``, lambdas, nested deployments for its child modules) with one
parameters file per way it is used, and three Quickstart templates. Each case names the status
of every rule; a finding that is ``unknown`` although the files determine it fails the test,
unless :data:`JUSTIFIED_UNKNOWN` lists it with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.results import Finding
from scanner.scan import prepare_rules, run_scan
from scanner.sources.iac.source import IacSource
from tests.conftest import ROOT

AVM = ROOT / "tests" / "data" / "corpus" / "avm-bicep-registry"
QUICKSTARTS = ROOT / "tests" / "data" / "corpus" / "quickstarts"
NOW = "2026-11-27T00:00:00Z"

# The registry's own rules, as every AVM case without a private endpoint reads them.
_AVM_PUBLIC = {
    "fail": "ACR-020 ACR-021 ACR-026 ACR-030 ACR-040 ACR-044",
    "pass": "ACR-001 ACR-002 ACR-003 ACR-023 ACR-024 ACR-029 ACR-041 ACR-042",
    "not_applicable": "ACR-022 ACR-025 ACR-043",
}

CASES: dict[str, tuple[list[Path], dict[str, str]]] = {
    # Issue 17: only `name`; nullable parameters are null, copy loops over them deploy nothing.
    "avm name only": ([AVM / "main.json", AVM / "main.parameters.name-only.json"], _AVM_PUBLIC),
    "avm admin user on (Standard)": (
        [AVM / "main.json", AVM / "main.parameters.admin-user.json"],
        {
            "fail": "ACR-001 ACR-020 ACR-021 ACR-044",
            "pass": "ACR-002 ACR-003 ACR-023 ACR-024 ACR-041",
            "not_applicable": "ACR-022 ACR-025 ACR-026 ACR-029 ACR-030 ACR-040 ACR-042 ACR-043",
        },
    ),
    "avm public access off, private endpoint, AcrPull, diagnostics": (
        [AVM / "main.json", AVM / "main.parameters.private.json"],
        {
            # The private DNS zone is outside the module: no VNet link to it is declared.
            "fail": "ACR-027 ACR-040",
            "pass": "ACR-001 ACR-002 ACR-003 ACR-013 ACR-020 ACR-021 ACR-023 ACR-024 ACR-025 ACR-026 ACR-029 "
            "ACR-030 ACR-041 ACR-042 ACR-044",
            "not_applicable": "ACR-010 ACR-011 ACR-012 ACR-014 ACR-015 ACR-022 ACR-028 ACR-043",
        },
    ),
    "avm geo-replication": ([AVM / "main.json", AVM / "main.parameters.geo-replication.json"], _AVM_PUBLIC),
    "avm customer-managed key": (
        [AVM / "main.json", AVM / "main.parameters.customer-managed-key.json"],
        {
            "fail": "ACR-020 ACR-021 ACR-026 ACR-030 ACR-044",
            "pass": "ACR-001 ACR-002 ACR-003 ACR-023 ACR-024 ACR-029 ACR-040 ACR-041 ACR-042",
            "not_applicable": "ACR-022 ACR-025 ACR-043",
        },
    ),
    # Without any parameters file the name is a placeholder; nothing else needs it.
    "avm without parameters": ([AVM / "main.json"], _AVM_PUBLIC),
    "quickstart container-registry": (
        [
            QUICKSTARTS / "container-registry" / "azuredeploy.json",
            QUICKSTARTS / "container-registry" / "azuredeploy.parameters.json",
        ],
        {
            "fail": "ACR-003 ACR-020 ACR-021 ACR-044",
            "pass": "ACR-001 ACR-023 ACR-024 ACR-041",
            "not_applicable": "ACR-002 ACR-022 ACR-025 ACR-026 ACR-029 ACR-030 ACR-040 ACR-042 ACR-043",
        },
    ),
    "quickstart geo-replication": (
        [
            QUICKSTARTS / "container-registry-geo-replication" / "azuredeploy.json",
            QUICKSTARTS / "container-registry-geo-replication" / "azuredeploy.parameters.us.json",
        ],
        {
            "fail": "ACR-003 ACR-020 ACR-021 ACR-026 ACR-030 ACR-040 ACR-042 ACR-044",
            "pass": "ACR-001 ACR-002 ACR-023 ACR-024 ACR-029 ACR-041",
            "not_applicable": "ACR-022 ACR-025 ACR-043",
        },
    ),
    "quickstart policies and diagnostics (defaults)": (
        [QUICKSTARTS / "container-registry-with-policies-and-diagnostics" / "azuredeploy.json"],
        {
            "fail": "ACR-003 ACR-020 ACR-021 ACR-044",
            "pass": "ACR-001 ACR-023 ACR-024 ACR-041",
            "not_applicable": "ACR-002 ACR-022 ACR-025 ACR-026 ACR-029 ACR-030 ACR-040 ACR-042 ACR-043",
        },
    ),
}

#: (case, rule) → why the verdict cannot be known from the files. None remain today; a new
#: entry needs a reason such as "a value only known after deployment".
JUSTIFIED_UNKNOWN: dict[tuple[str, str], str] = {}


def scan(paths: list[Path]) -> list[Finding]:
    config = Config()
    rules, pack = prepare_rules(config)
    return list(run_scan(IacSource(paths, ROOT, collected_at=NOW), rules, pack, config, None).findings)


@pytest.mark.parametrize("case", list(CASES))
def test_every_verdict_of_the_corpus(case: str) -> None:
    paths, expected = CASES[case]
    findings = scan(paths)
    statuses: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        statuses[finding.rule_id].add(finding.status.value)
    unexplained = [
        f"{f.rule_id} {f.subject.name}: {f.message}"
        for f in findings
        if f.status.value == "unknown" and (case, f.rule_id) not in JUSTIFIED_UNKNOWN
    ]
    assert not unexplained, unexplained
    wanted = {rule: status for status, rules in expected.items() for rule in rules.split()}
    got = {rule: "/".join(sorted(s)) for rule, s in statuses.items() if (case, rule) not in JUSTIFIED_UNKNOWN}
    assert got == wanted


def test_copy_loops_over_null_parameters_deploy_nothing() -> None:
    kinds = {f.subject.kind for f in scan([AVM / "main.json", AVM / "main.parameters.name-only.json"])}
    assert kinds == {"registry"}  # no phantom role assignment, token, scope map or private endpoint
