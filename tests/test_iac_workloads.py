"""Issue 13 part 6: workloads declared in IaC, and the role assignments that name their identities.

An AKS cluster, a Container App, an App Service site or a container group declared in ARM or
Terraform becomes the consumer row a live collection holds; a role assignment naming the
identity Azure creates for it (``reference(...).identityProfile.kubeletidentity.objectId``,
``kubelet_identity[0].object_id``, ``principal_id``) gets the same placeholder principal id as
the workload, so ACR-050/055 judge the pull before deployment, and a change that drops the pull
role fails at the workload's file and line. Fixtures: tests/data/workloads (README there).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.config import Config
from scanner.placement import declaration
from scanner.results import Finding, Status, SubjectRef
from scanner.scan import prepare_rules, run_scan
from scanner.sources.declarations import IacResource, RuntimeValue
from scanner.sources.iac.source import IacSource
from scanner.sources.iac.workloads import Workloads
from scanner.unknown import Unknown
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "fixtures"))
import make_equivalence
from tfmodel import Blocks, Ref, TfResource

DATA = ROOT / "tests" / "data" / "workloads"
NOW = "2026-11-27T00:00:00Z"
PULL_RULES = ("ACR-050", "ACR-055")


def scan(*paths: Path, root: Path = ROOT) -> list[Finding]:
    config = Config()
    rules, pack = prepare_rules(config)
    return list(run_scan(IacSource(list(paths), root, collected_at=NOW), rules, pack, config, None).findings)


def verdicts(findings: list[Finding]) -> dict[tuple[str, str], Status]:
    """(rule, subject name) → status of the pull-path findings."""
    return {(f.rule_id, f.subject.name): f.status for f in findings if f.rule_id in PULL_RULES}


def one(findings: list[Finding], rule: str, name: str) -> Finding:
    (found,) = [f for f in findings if f.rule_id == rule and f.subject.name == name]
    return found


def line_of(path: Path, needle: str, before: int = 0) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if needle in text) - before


def document(*paths: Path) -> dict[str, Any]:
    return IacSource(list(paths), ROOT, collected_at=NOW).load().data


# --------------------------------------------------------------------------- AKS: a dropped AcrPull fails


@pytest.mark.parametrize("form", ["arm", "tf"])
def test_a_cluster_whose_kubelet_identity_holds_acrpull_can_pull(form: str) -> None:
    findings = scan(DATA / f"{form}-aks")
    assert verdicts(findings) == {
        ("ACR-050", "aks-shop → acrshop"): Status.PASS,
        ("ACR-055", "aks-shop → acrshop"): Status.PASS,
    }


@pytest.mark.parametrize(
    ("form", "file", "needle", "before"),
    [
        ("arm", "main.json", '"type": "Microsoft.ContainerService/managedClusters"', 1),
        ("tf", "main.tf", 'resource "azurerm_kubernetes_cluster"', 0),
    ],
)
def test_a_change_that_drops_the_acrpull_assignment_fails_at_the_cluster(
    form: str, file: str, needle: str, before: int
) -> None:
    folder = DATA / f"{form}-aks-no-pull"
    found = one(scan(folder), "ACR-050", "aks-shop → acrshop")
    assert found.status is Status.FAIL
    assert "kubelet identity holds no pull permission" in found.message
    assert found.location.file == f"tests/data/workloads/{form}-aks-no-pull/{file}"
    assert found.location.line == line_of(folder / file, needle, before)  # the cluster's declaration


def _aks_plan(tmp_path: Path, *, with_pull: bool) -> Path:
    """``terraform show -json`` of tests/data/workloads/tf-aks (without its assignment when asked)."""
    rg, loc = Ref("azurerm_resource_group.shop.name"), Ref("azurerm_resource_group.shop.location")
    resources = [
        TfResource("azurerm_resource_group", "shop", {"name": "rg-shop", "location": "westeurope"}),
        TfResource(
            "azurerm_container_registry",
            "shop",
            {"name": "acrshop", "resource_group_name": rg, "location": loc, "sku": "Premium"},
        ),
        TfResource(
            "azurerm_kubernetes_cluster",
            "shop",
            {
                "name": "aks-shop",
                "resource_group_name": rg,
                "location": loc,
                "dns_prefix": "aks-shop",
                "default_node_pool": Blocks(({"name": "system", "node_count": 3, "vm_size": "Standard_D4s_v5"},)),
                "identity": Blocks(({"type": "SystemAssigned"},)),
            },
        ),
    ]
    if with_pull:
        resources.append(
            TfResource(
                "azurerm_role_assignment",
                "kubelet_pull",
                {
                    "scope": Ref("azurerm_container_registry.shop.id"),
                    "role_definition_name": "AcrPull",
                    "principal_id": Ref("azurerm_kubernetes_cluster.shop.kubelet_identity[0].object_id"),
                },
            )
        )
    module = make_equivalence.TfModule("", (), {}, tuple(resources))
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(make_equivalence.terraform_plan(module, timestamp=NOW), indent=2))
    return path


def test_the_plan_of_the_cluster_gives_the_same_verdicts(tmp_path: Path) -> None:
    passing = scan(_aks_plan(tmp_path, with_pull=True), root=tmp_path)
    assert verdicts(passing)[("ACR-050", "aks-shop → acrshop")] is Status.PASS
    dropped = one(scan(_aks_plan(tmp_path, with_pull=False), root=tmp_path), "ACR-050", "aks-shop → acrshop")
    assert dropped.status is Status.FAIL
    text = (tmp_path / "plan.json").read_text()
    change = text.index('"address": "azurerm_kubernetes_cluster.shop"', text.index('"resource_changes"'))
    assert dropped.location.line == text.count("\n", 0, change) + 1  # its entry in resource_changes


_AZAPI = """
resource "azapi_resource" "acr" {
  type      = "Microsoft.ContainerRegistry/registries@2023-07-01"
  name      = "acrshop"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop"
  location  = "westeurope"
  body      = { sku = { name = "Premium" } }
}

resource "azapi_resource" "aks" {
  type      = "Microsoft.ContainerService/managedClusters@2024-02-01"
  name      = "aks-shop"
  parent_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop"
  location  = "westeurope"
  identity {
    type = "SystemAssigned"
  }
  body = { properties = { dnsPrefix = "aks-shop", agentPoolProfiles = [{ name = "system", count = 3 }] } }
}

resource "azapi_resource" "pull" {
  type      = "Microsoft.Authorization/roleAssignments@2022-04-01"
  name      = "5d3c1f7e-2b8a-4c61-9e0d-7a4b2c9f1e99"
  parent_id = azapi_resource.acr.id
  body = {
    properties = {
      roleDefinitionId = "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"
      principalId      = azapi_resource.aks.output.properties.identityProfile.kubeletidentity.objectId
      principalType    = "ServicePrincipal"
    }
  }
}
"""


def test_azapi_resources_and_their_output(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_AZAPI)
    assert verdicts(scan(tmp_path, root=tmp_path))[("ACR-050", "aks-shop → acrshop")] is Status.PASS
    (tmp_path / "main.tf").write_text(_AZAPI[: _AZAPI.index('resource "azapi_resource" "pull"')])
    assert verdicts(scan(tmp_path, root=tmp_path))[("ACR-050", "aks-shop → acrshop")] is Status.FAIL


# --------------------------------------------------------------------------- apps, sites, container groups


@pytest.mark.parametrize("form", ["arm", "tf"])
def test_a_container_app_pulls_only_where_its_identity_holds_a_pull_role(form: str) -> None:
    findings = scan(DATA / f"{form}-container-app")
    got = verdicts(findings)
    assert got[("ACR-050", "payments-api → acrpayments")] is Status.PASS
    assert got[("ACR-050", "payments-api → acrshared")] is Status.FAIL  # the second registry: no role
    failing = one(findings, "ACR-050", "payments-api → acrshared")
    assert "user-assigned identity id-payments holds no pull permission" in failing.message


def test_a_web_app_pulling_by_client_id_and_holding_push() -> None:
    got = verdicts(scan(DATA / "tf-container-app"))
    assert got[("ACR-050", "shop-web → acrshared")] is Status.PASS  # its identity, named by client id
    assert got[("ACR-055", "shop-web → acrshared")] is Status.FAIL  # AcrPush: more than pulling needs


def test_a_site_config_child_a_system_identity_and_an_admin_username() -> None:
    findings = scan(DATA / "arm-sites")
    assert verdicts(findings) == {
        ("ACR-050", "shop-web → acrshop"): Status.PASS,  # reference(site, v, 'Full').identity.principalId
        ("ACR-055", "shop-web → acrshop"): Status.PASS,
        ("ACR-050", "ci-runner → acrshop"): Status.FAIL,  # the admin user, which the registry has off
        ("ACR-055", "ci-runner → acrshop"): Status.NOT_APPLICABLE,
    }
    (acr013,) = [f for f in findings if f.rule_id == "ACR-013"]
    assert "iac-principal:" in acr013.subject.name
    assert acr013.status is Status.PASS  # principalType left out: a managed identity's is ServicePrincipal


def test_secrets_a_template_passes_to_workloads_are_not_kept() -> None:
    data = document(DATA / "arm-sites")
    (group,) = data["resourceGraph"]["containerGroups"]
    assert group["properties"]["imageRegistryCredentials"] == [{"server": "acrshop.azurecr.io", "username": "acrshop"}]
    (site,) = data["resourceGraph"]["webApps"]
    assert "appSettings" not in site["properties"]["siteConfig"]
    (app,) = document(DATA / "arm-container-app")["resourceGraph"]["containerApps"]
    assert app["properties"]["configuration"]["secrets"] == [{"name": "webhook-token"}]
    config = next(v["siteConfig"] for k, v in data["arm"].items() if k.endswith("/sites/shop-web"))
    assert config["properties"] == {
        "linuxFxVersion": "DOCKER|acrshop.azurecr.io/shop/storefront:3.2",
        "acrUseManagedIdentityCreds": True,
    }


# --------------------------------------------------------------------------- the placeholder mechanism


def test_the_assignment_and_the_workload_share_one_placeholder() -> None:
    data = document(DATA / "arm-aks")
    (cluster,) = data["resourceGraph"]["managedClusters"]
    (assignment,) = data["resourceGraph"]["roleAssignments"]
    kubelet = cluster["properties"]["identityProfile"]["kubeletidentity"]["objectId"]
    assert kubelet == (
        "iac-principal:/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/iac-rg"
        "/providers/microsoft.containerservice/managedclusters/aks-shop/kubeletidentity"
    )
    assert assignment["properties"]["principalId"] == kubelet


def _with_principal(tmp_path: Path, principal: str) -> Path:
    template = json.loads((DATA / "arm-aks" / "main.json").read_text())
    template["parameters"]["kubeletObjectId"] = {"type": "string"}  # no value: not known before deployment
    template["resources"][2]["properties"]["principalId"] = principal
    path = tmp_path / "main.json"
    path.write_text(json.dumps(template))
    return path


@pytest.mark.parametrize(
    "principal",
    [
        "[parameters('kubeletObjectId')]",  # a parameter without a value
        "[reference(resourceId('Microsoft.ContainerService/managedClusters', 'aks-other')).identityProfile"
        ".kubeletidentity.objectId]",  # a cluster the files do not declare
        "[reference(resourceId('Microsoft.ContainerService/managedClusters', 'aks-shop')).identity.principalId]",
    ],
)
def test_a_principal_not_tied_to_the_workload_leaves_its_pull_unknown(tmp_path: Path, principal: str) -> None:
    found = one(scan(_with_principal(tmp_path, principal), root=tmp_path), "ACR-050", "aks-shop → acrshop")
    assert found.status is Status.UNKNOWN  # the assignment may be the cluster's: never a guessed pass or fail
    assert "its principal is not known before deployment" in found.message


def test_a_terraform_principal_without_a_value_leaves_the_pull_unknown(tmp_path: Path) -> None:
    source = (DATA / "tf-aks" / "main.tf").read_text()
    source = source.replace("azurerm_kubernetes_cluster.shop.kubelet_identity[0].object_id", "var.kubelet_object_id")
    (tmp_path / "main.tf").write_text(source + '\nvariable "kubelet_object_id" {\n  type = string\n}\n')
    found = one(scan(tmp_path, root=tmp_path), "ACR-050", "aks-shop → acrshop")
    assert found.status is Status.UNKNOWN
    assert "its principal is not known before deployment" in found.message


def test_an_identity_the_files_do_not_declare_is_not_guessed(tmp_path: Path) -> None:
    template = json.loads((DATA / "arm-container-app" / "main.json").read_text())
    other = (
        "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-id"
        "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-existing"
    )
    template["parameters"]["identityId"]["defaultValue"] = other
    (tmp_path / "main.json").write_text(json.dumps(template))
    findings = scan(tmp_path / "main.json", root=tmp_path)
    for registry in ("acrpayments", "acrshared"):
        found = one(findings, "ACR-050", f"payments-api → {registry}")
        assert found.status is Status.UNKNOWN, registry  # its roles outside the files are not known
        assert "id-existing was not found" in found.message


# --------------------------------------------------------------------------- partial declarations


def test_without_a_workload_the_consumer_lists_stay_live_only() -> None:
    features = ROOT / "fixtures" / "iac" / "terraform" / "features"
    raw = IacSource([features], ROOT, collected_at=NOW).load()
    assert not set(raw.data["resourceGraph"]) & {"managedClusters", "userAssignedIdentities"}
    assert raw.declarations is not None and "managedClusters" in raw.declarations.live_only
    # and a role assignment naming a declared identity's principal id stays unknown, as before
    push = next(r for r in raw.data["resourceGraph"]["roleAssignments"] if r["properties"]["roleDefinitionId"])
    assert any(
        isinstance(r["properties"]["principalId"], Unknown) for r in raw.data["resourceGraph"]["roleAssignments"]
    )
    assert not isinstance(push["properties"]["principalId"], RuntimeValue)


def test_with_a_workload_the_lists_hold_exactly_the_declared_workloads() -> None:
    raw = IacSource([DATA / "arm-aks"], ROOT, collected_at=NOW).load()
    graph = raw.data["resourceGraph"]
    assert [r["name"] for r in graph["managedClusters"]] == ["aks-shop"]
    assert graph["containerApps"] == graph["webApps"] == graph["containerGroups"] == []
    assert graph["managedEnvironments"] == graph["userAssignedIdentities"] == []
    assert "virtualNetworks" not in graph  # networks stay live-only
    assert raw.declarations is not None
    assert "managedClusters" not in raw.declarations.live_only and "virtualNetworks" in raw.declarations.live_only


def test_a_cluster_is_expected_only_to_pull_from_registries_of_its_own_deployment(tmp_path: Path) -> None:
    template = json.loads((DATA / "arm-aks-no-pull" / "main.json").read_text())
    registry, cluster = template["resources"]
    for name, resource in (("registry.json", registry), ("cluster.json", cluster)):
        (tmp_path / name).write_text(json.dumps({**template, "resources": [resource]}))
    findings = scan(tmp_path, root=tmp_path)
    assert verdicts(findings) == {}  # two templates, two deployments: nothing says the cluster uses it


def test_a_terraform_deployment_is_a_root_module_with_the_modules_it_calls(tmp_path: Path) -> None:
    source = (DATA / "tf-aks-no-pull" / "main.tf").read_text()
    registry, cluster = (
        source.index('resource "azurerm_container_registry"'),
        source.index('resource "azurerm_kubernetes'),
    )
    (tmp_path / "acr").mkdir()
    (tmp_path / "acr" / "main.tf").write_text(source[:cluster])
    (tmp_path / "aks").mkdir()
    (tmp_path / "aks" / "main.tf").write_text(source[:registry] + source[cluster:])
    assert verdicts(scan(tmp_path, root=tmp_path)) == {}  # two root modules: two deployments
    (tmp_path / "acr" / "aks.tf").write_text('module "aks" {\n  source = "../aks"\n}\n')
    found = one(scan(tmp_path / "acr", root=tmp_path), "ACR-050", "aks-shop → acrshop")
    assert found.status is Status.FAIL  # the cluster of a module the registry's root module calls
    assert (found.location.file, found.location.line) == (
        "aks/main.tf",
        line_of(tmp_path / "aks" / "main.tf", "azurerm_kubernetes"),
    )


def test_a_group_holding_pull_does_not_hide_a_dropped_assignment(tmp_path: Path) -> None:
    template = json.loads((DATA / "arm-aks" / "main.json").read_text())
    assignment = template["resources"][2]
    assignment["properties"]["principalId"] = "5a4f3e2d-1c0b-4a98-8776-655443322110"
    assignment["properties"]["principalType"] = "Group"
    (tmp_path / "main.json").write_text(json.dumps(template))
    found = one(scan(tmp_path / "main.json", root=tmp_path), "ACR-050", "aks-shop → acrshop")
    # the kubelet identity is created by this deployment: no group in Entra ID holds it yet
    assert found.status is Status.FAIL


# --------------------------------------------------------------------------- units


def _resource(row: dict[str, Any]) -> IacResource:
    return IacResource(row=row, file="main.json", line=1)


_SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers"
_UAMI = f"{_SUB}/Microsoft.ManagedIdentity/userAssignedIdentities/id-kubelet"
_AKS = f"{_SUB}/Microsoft.ContainerService/managedClusters/aks"


def test_a_user_assigned_kubelet_identity_is_that_identity() -> None:
    cluster = {
        "id": _AKS,
        "type": "Microsoft.ContainerService/managedClusters",
        "identity": {"type": "UserAssigned"},
        "properties": {"identityProfile": {"kubeletidentity": {"resourceId": _UAMI}}},
    }
    identity = {"id": _UAMI, "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "id-kubelet"}
    declared = Workloads([_resource(cluster), _resource(identity)])
    assert declared.kubelet(cluster) == declared.user_assigned(_UAMI, "principalId")
    alone = Workloads([_resource(cluster)])  # the identity is not in the files: not guessed
    unknown = alone.kubelet(cluster)
    assert isinstance(unknown, Unknown) and "which the files do not declare" in unknown.reason


def test_a_stand_in_only_resolves_to_what_the_declared_resource_has() -> None:
    cluster = {"id": _AKS, "type": "Microsoft.ContainerService/managedClusters", "name": "aks", "properties": {}}
    declared = Workloads([_resource(cluster)])
    no_identity = declared.runtime_value(RuntimeValue("r", resource_id=_AKS, attribute="identity.principalId"))
    assert isinstance(no_identity, Unknown) and "has no such identity" in no_identity.reason
    wrong_type = RuntimeValue("r", resource_id=_AKS, attribute="principalId", fallback="<placeholder>")
    assert declared.runtime_value(wrong_type) == "<placeholder>"  # a cluster has no principalId: as before
    nothing_declared = Workloads([])
    assert nothing_declared.runtime_value(RuntimeValue("r", resource_id=_AKS, attribute="loginServer")) == Unknown("r")


def test_placement_points_a_pull_path_at_its_workload() -> None:
    workload = _resource({"id": _AKS})
    registry = _resource({"id": f"{_SUB}/Microsoft.ContainerRegistry/registries/acr"})
    resources = {_AKS.lower(): workload, registry.row["id"].lower(): registry}
    ref = SubjectRef(f"{_AKS}/pullsFrom/acr", "aks → acr", "pull_path", None, None, registry.row["id"], "acr")
    assert declaration(ref, resources) is workload
