"""PSRule for Azure's own ACR test cases, scanned by us: the same verdicts, or a written reason.

The registries of PSRule's unit-test data (tests/data/psrule, MIT) become a snapshot as Resource
Graph would return them; each compared rule's verdict per registry is checked against what
PSRule's tests expect, except the differences docs/rules-notes.md explains ("PSRule for Azure's
test cases"): where PSRule fails for lack of data we say ``unknown``, and where Azure does not
offer a feature on a registry's SKU we say ``not_applicable``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, scan_json

CASES = ROOT / "tests" / "data" / "psrule" / "Resources.ACR.json"


def _named(letters: str, outcome: str) -> dict[str, str]:
    return {f"registry-{letter}": outcome for letter in letters}


REGISTRIES = list(_named("ABCDEFGHIJ", ""))

#: PSRule rule → our rule, and PSRule's expected outcome per registry (Azure.ACR.Tests.ps1;
#: PSRule's "None" is its not-applicable).
PSRULE: dict[str, tuple[str, dict[str, str]]] = {
    "Azure.ACR.MinSku": ("ACR-049", _named("A", "fail") | _named("BCDEFGHIJ", "pass")),
    "Azure.ACR.GeoReplica": ("ACR-046", _named("ADFGHIJ", "fail") | _named("BCE", "pass")),
    "Azure.ACR.SoftDelete": (
        "ACR-048",
        _named("ADH", "fail") | _named("GIJ", "pass") | _named("BCEF", "not_applicable"),
    ),
    "Azure.ACR.ContainerScan": ("ACR-060", _named("ADFGHIJ", "fail") | _named("BCE", "pass")),
    "Azure.ACR.ImageHealth": (
        "ACR-061",
        _named("BE", "fail") | _named("C", "pass") | _named("ADFGHIJ", "not_applicable"),
    ),
}
#: Where we differ, and why (each also written down in docs/rules-notes.md).
OURS_DIFFER: dict[tuple[str, str], tuple[str, str]] = {
    # Geo-replication is a Premium feature: a Basic or Standard registry cannot have replicas
    # (PSRule's B and C, Standard with replicas, cannot exist in Azure); the SKU is ACR-049's
    # business (minimum_sku: Premium where replicas are required).
    **{("ACR-046", f"registry-{r}"): ("not_applicable", "geo-replication needs Premium") for r in "ABCFGHI"},
    # A registry row without softDeletePolicy comes from a stable API version, which does not
    # return the (preview) policy: whether soft delete is on is unknown, not off.
    **{("ACR-048", f"registry-{r}"): ("unknown", "no softDeletePolicy in the data") for r in "AD"},
    # PSRule infers the scanning from an assessment being there; ACR-060 reads the Defender plan
    # of the subscription, which PSRule's data does not hold: unknown, not a guess either way.
    **{("ACR-060", name): ("unknown", "no securityPricings in the data") for name in REGISTRIES},
    # A registry without any vulnerability assessment: PSRule skips it, for us the images' state
    # is not known (Defender may not have scanned it yet, or the plan is off: ACR-060's question).
    **{("ACR-061", f"registry-{r}"): ("unknown", "no assessment for the registry") for r in "ADFGHIJ"},
}
#: The assessment PSRule's data holds ("powered by Qualys", under a placeholder name) is Defender's
#: retired Qualys assessment, whose real name the collector asks Resource Graph for.
QUALYS_ASSESSMENT = "dbd0cb49-b563-45e7-9724-889e799fa648"


def _snapshot(items: list[dict[str, Any]]) -> dict[str, Any]:
    """PSRule's resource objects as the rows our collector stores (Resource Graph's shape)."""
    registries, replications, assessments = [], [], []
    for item in items:
        registries.append(
            {
                "id": item["Id"],
                "name": item["Name"],
                "type": "microsoft.containerregistry/registries",
                "location": item["Location"],
                "resourceGroup": item["ResourceGroupName"],
                "subscriptionId": item["SubscriptionId"],
                "sku": {"name": item["Sku"]["Name"], "tier": item["Sku"]["Tier"]},
                "properties": item["Properties"],
            }
        )
        for child in item.get("resources", ()):
            if child.get("Type") == "Microsoft.ContainerRegistry/registries/replications":
                replications.append(
                    {
                        "id": child["Id"],
                        "name": child["Name"],
                        "type": "microsoft.containerregistry/registries/replications",
                        "location": child["Location"],
                        "properties": child["Properties"],
                    }
                )
            elif child.get("ExtensionResourceType") == "Microsoft.Security/assessments":
                assessments.append(
                    {
                        "id": child["Id"].rsplit("/", 1)[0] + "/" + QUALYS_ASSESSMENT,
                        "name": QUALYS_ASSESSMENT,
                        "type": "microsoft.security/assessments",
                        "properties": child["Properties"],
                    }
                )
    return {
        "kind": "acr-snapshot",
        "version": 1,
        "collectedAt": "2026-06-01T00:00:00Z",
        "resourceGraph": {"registries": registries, "replications": replications, "securityAssessments": assessments},
    }


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str]:
    folder = tmp_path_factory.mktemp("psrule")
    snapshot = folder / "psrule.snapshot.json"
    snapshot.write_text(json.dumps(_snapshot(json.loads(CASES.read_text()))))
    rules = ",".join(ours for ours, _ in PSRULE.values())
    _, results = scan_json(snapshot, "--rules", rules, tmp=Path(folder))
    return {(f["rule_id"], f["subject"]["name"]): f["status"] for f in results["findings"]}


@pytest.mark.parametrize("psrule", sorted(PSRULE))
def test_psrule_cases_get_our_equivalent_verdicts(psrule: str, verdicts: dict[tuple[str, str], str]) -> None:
    ours, expected = PSRULE[psrule]
    got = {name: verdicts.get((ours, name)) for name in REGISTRIES}
    want = {name: OURS_DIFFER.get((ours, name), (outcome, ""))[0] for name, outcome in expected.items()}
    assert got == want
