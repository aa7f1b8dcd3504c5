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

# The cases: the files scanned together, in the column order of VERDICTS.
CASES: dict[str, list[Path]] = {
    # Issue 17: only `name`; nullable parameters are null, copy loops over them deploy nothing.
    "avm name only": [AVM / "main.json", AVM / "main.parameters.name-only.json"],
    "avm admin user on (Standard)": [AVM / "main.json", AVM / "main.parameters.admin-user.json"],
    "avm public access off, private endpoint, AcrPull, diagnostics": [
        AVM / "main.json",
        AVM / "main.parameters.private.json",
    ],
    "avm geo-replication": [AVM / "main.json", AVM / "main.parameters.geo-replication.json"],
    "avm customer-managed key": [AVM / "main.json", AVM / "main.parameters.customer-managed-key.json"],
    # Without any parameters file the name is a placeholder; nothing else needs it.
    "avm without parameters": [AVM / "main.json"],
    "quickstart container-registry": [
        QUICKSTARTS / "container-registry" / "azuredeploy.json",
        QUICKSTARTS / "container-registry" / "azuredeploy.parameters.json",
    ],
    "quickstart geo-replication": [
        QUICKSTARTS / "container-registry-geo-replication" / "azuredeploy.json",
        QUICKSTARTS / "container-registry-geo-replication" / "azuredeploy.parameters.us.json",
    ],
    "quickstart policies and diagnostics (defaults)": [
        QUICKSTARTS / "container-registry-with-policies-and-diagnostics" / "azuredeploy.json"
    ],
}

# Every rule's status per case (columns in CASES order): F fail, P pass, - not_applicable,
# . no finding (no subject of that kind) or a justified unknown. ACR-027 fails with a private
# endpoint: the private DNS zone is outside the module, so no VNet link to it is declared.
VERDICTS = """
ACR-001  P F P P P P P P P
ACR-002  P P P P P P - P -
ACR-003  P P P P P P F F F
ACR-010  . . - . . . . . .
ACR-011  . . - . . . . . .
ACR-012  . . - . . . . . .
ACR-013  . . P . . . . . .
ACR-014  . . - . . . . . .
ACR-015  . . - . . . . . .
ACR-054  . . - . . . . . .
ACR-020  F F P F F F F F F
ACR-021  F F P F F F F F F
ACR-022  - - - - - - - - -
ACR-023  P P P P P P P P P
ACR-024  P P P P P P P P P
ACR-025  - - P - - - - - -
ACR-026  F - P F F F - F -
ACR-027  . . F . . . . . .
ACR-028  . . - . . . . . .
ACR-029  P - P P P P - P -
ACR-030  F - P F F F - F -
ACR-032  - - P - - - - - -
ACR-035  - - - - - - - - -
ACR-040  F - F F . F - F -
ACR-041  P P P P P P P P P
ACR-042  P - P P P P - F -
ACR-043  - - - - - - - - -
ACR-044  F F P F F F F F F
ACR-046  F - F P F F - P -
ACR-047  - - - - - - - - -
ACR-048  - F - - - - F - F
ACR-049  P P P P P P F P F
ACR-031  - - - - - - - - -
ACR-033  - - P - - - - - -
ACR-060  - - - - - - - - -
ACR-061  - - - - - - - - -
ACR-062  - - - - - - - - -
ACR-063  - - - - - - - - -
"""
_STATUS = {"F": "fail", "P": "pass", "-": "not_applicable"}


def expected(case: str) -> dict[str, str]:
    column = list(CASES).index(case)
    rows = (line.split() for line in VERDICTS.strip().splitlines())
    return {row[0]: _STATUS[row[1 + column]] for row in rows if row[1 + column] != "."}


#: (case, rule) → why the verdict cannot be known from the files; a new entry needs a reason
#: such as "a value only known after deployment".
JUSTIFIED_UNKNOWN: dict[tuple[str, str], str] = {
    ("avm customer-managed key", "ACR-040"): (
        "the key identifier is the keyUri of an existing Key Vault key, only known after deployment, "
        "so whether the registry follows key rotation (a versionless identifier) is unknown"
    ),
}


def scan(paths: list[Path]) -> list[Finding]:
    config = Config()
    rules, pack = prepare_rules(config)
    return list(run_scan(IacSource(paths, ROOT, collected_at=NOW), rules, pack, config, None).findings)


@pytest.mark.parametrize("case", list(CASES))
def test_every_verdict_of_the_corpus(case: str) -> None:
    findings = scan(CASES[case])
    statuses: dict[str, set[str]] = defaultdict(set)
    for finding in findings:
        statuses[finding.rule_id].add(finding.status.value)
    unexplained = [
        f"{f.rule_id} {f.subject.name}: {f.message}"
        for f in findings
        if f.status.value == "unknown" and (case, f.rule_id) not in JUSTIFIED_UNKNOWN
    ]
    assert not unexplained, unexplained
    wanted = expected(case)
    got = {rule: "/".join(sorted(s)) for rule, s in statuses.items() if (case, rule) not in JUSTIFIED_UNKNOWN}
    assert got == wanted
    justified = {rule for justified_case, rule in JUSTIFIED_UNKNOWN if justified_case == case}
    assert {rule: statuses[rule] for rule in justified} == {rule: {"unknown"} for rule in justified}  # still unknown


def test_copy_loops_over_null_parameters_deploy_nothing() -> None:
    kinds = {f.subject.kind for f in scan([AVM / "main.json", AVM / "main.parameters.name-only.json"])}
    assert kinds == {"registry"}  # no phantom role assignment, token, scope map or private endpoint
