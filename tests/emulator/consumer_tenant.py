"""A test tenant with the registries' consumers: a snapshot document the emulator can serve.

``with_consumers(tenant)`` returns a copy of a tenant (the demo tenant, usually) with one of each
consumer the collector reads: an AKS cluster, a container app and its environment, a container
web app and a plain one, a container group, user-assigned identities, virtual networks (one
peered), public IPs, the ``config/web`` of the container site in ``arm``, and the transitive
members of every group holding a role. The rows are Microsoft's own examples
(``tests/data/azure-api/consumers``, see LICENSE-NOTE.md there) moved into the tenant's first
subscription; the fields the examples lack are added in the shapes of the REST specs' models.
The demo snapshot fixture itself is never changed.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

JSON = Any
PAYLOADS = Path(__file__).resolve().parents[1] / "data" / "azure-api" / "consumers"
GROUP = "rg-workloads"
KUBELET_CLIENT_ID = "4024ab25-56a8-4370-aea6-6389221caf29"  # the identity example's clientId
KUBELET_OBJECT_ID = "25cc773c-7f05-40fc-a104-32d2300754ad"  # and its principalId


@cache
def _payload(name: str) -> str:
    return (PAYLOADS / name).read_text(encoding="utf-8")


def _moved(name: str, subscription: str) -> JSON:
    """An example payload with every ``/subscriptions/<id>/resourceGroups/<group>`` in ``subscription``'s GROUP."""
    text = re.sub(
        r"/subscriptions/[^/\"]+/resource[Gg]roups/[^/\"]+",
        f"/subscriptions/{subscription}/resourceGroups/{GROUP}",
        _payload(name),
    )
    return json.loads(text)


def _groups(tenant: JSON) -> list[str]:
    """Object ids of the groups holding a role in the tenant, in first-seen order."""
    seen: dict[str, None] = {}
    for row in tenant["resourceGraph"]["roleAssignments"]:
        props = row.get("properties") or {}
        if str(props.get("principalType") or "").lower() == "group":
            seen[str(props["principalId"])] = None
    return list(seen)


def members_of(group_id: str, count: int = 3) -> list[JSON]:
    """``count`` transitive members of a group, as Graph returns them with the collector's ``$select``."""
    example = json.loads(_payload("graph_v1.0_group_transitiveMembers_example1.json"))["value"][0]
    members: list[JSON] = [
        {"@odata.type": example["@odata.type"], "id": example["id"], "displayName": "Group One User"}
    ]
    for n in range(1, count):
        members.append(
            {
                "@odata.type": "#microsoft.graph.servicePrincipal",
                "id": f"{group_id[:8]}-0000-4000-8000-{n:012d}",
                "displayName": f"workload-{n}",
                "servicePrincipalType": "ManagedIdentity",
            }
        )
    return sorted(members, key=lambda member: member["id"].lower())


def public_ips(subscription: str, count: int) -> list[JSON]:
    """``count`` more public IP rows (to make a list page)."""
    template = _moved("network_2024-07-01_PublicIpAddressList.json", subscription)["value"][1]
    rows = []
    for n in range(count):
        row = copy.deepcopy(template)
        row["name"] = f"pip-{n:05d}"
        row["id"] = template["id"].rsplit("/", 1)[0] + f"/pip-{n:05d}"
        row["properties"]["ipAddress"] = f"40.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        rows.append(row)
    return rows


def consumer_rows(subscription: str, login_server: str) -> tuple[dict[str, list[JSON]], dict[str, JSON]]:
    """(consumer lists, ``arm`` entries) of the test workloads in ``subscription``."""
    identity = _moved("msi_2024-11-30_IdentityGet.json", subscription)
    networks = _moved("network_2025-03-01_VirtualNetworkListAll.json", subscription)["value"]
    peering = _moved("network_2024-07-01_VirtualNetworkPeeringGet.json", subscription)
    networks[0]["properties"]["virtualNetworkPeerings"] = [peering]
    subnet = networks[0]["properties"]["subnets"][0]["id"]

    cluster = _moved("aks_2025-10-01_ManagedClustersGet.json", subscription)
    cluster["properties"]["identityProfile"] = {  # ManagedClusterProperties.identityProfile (absent from the example)
        "kubeletidentity": {"resourceId": identity["id"], "clientId": KUBELET_CLIENT_ID, "objectId": KUBELET_OBJECT_ID}
    }
    cluster["properties"]["agentPoolProfiles"][0]["vnetSubnetID"] = subnet

    app = _moved("containerapps_2025-07-01_ContainerApps_Get.json", subscription)
    app_identity = next(iter(app["identity"]["userAssignedIdentities"]))
    app["properties"]["configuration"]["registries"] = [  # Configuration.registries (absent from the example)
        {"server": login_server, "identity": app_identity},
        {"server": "partner.azurecr.io", "username": "puller", "passwordSecretRef": "partner-password"},
    ]
    environment = _moved("containerapps_2025-07-01_ManagedEnvironments_Get.json", subscription)
    environment["properties"]["vnetConfiguration"]["internal"] = True

    site = _moved("web_2025-03-01_GetWebApp.json", subscription)
    plain = copy.deepcopy(site)
    site["kind"] = "app,linux,container"
    site["properties"]["virtualNetworkSubnetId"] = subnet  # absent from the example
    plain["name"] = "plain-site"
    plain["id"] = site["id"].rsplit("/", 1)[0] + "/plain-site"
    config = _moved("web_2024-11-01_GetSiteConfig.json", subscription)
    config["properties"]["linuxFxVersion"] = f"DOCKER|{login_server}/web/app:1"
    config["properties"]["acrUseManagedIdentityCreds"] = True
    config["properties"]["acrUserManagedIdentityID"] = KUBELET_CLIENT_ID  # absent from the example

    group = _moved("aci_2025-09-01_ContainerGroupsGet_Succeeded.json", subscription)
    group["properties"]["subnetIds"] = [{"id": subnet}]  # ContainerGroupProperties.subnetIds
    group["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {identity["id"]: {}}}

    lists = {
        "managedClusters": [cluster],
        "containerApps": [app],
        "managedEnvironments": [environment],
        "webApps": [plain, site],
        "containerGroups": [group],
        "userAssignedIdentities": [identity],
        "virtualNetworks": networks,
        "publicIpAddresses": _moved("network_2024-07-01_PublicIpAddressList.json", subscription)["value"],
    }
    sort = {name: sorted(rows, key=lambda row: str(row["id"]).lower()) for name, rows in lists.items()}
    return sort, {site["id"].lower(): {"siteConfig": config}}


def healthy(tenant: JSON) -> JSON:
    """A copy of ``tenant`` without the gaps it records (the demo tenant's refused ARM lists are
    read, and empty), for tests about something else than a refusal: their collection is whole."""
    out = copy.deepcopy(tenant)
    for gap in out.get("errors") or ():
        if gap.get("source") == "arm":
            entry = out.get("arm", {}).setdefault(str(gap["scope"]).lower(), {})
            for name in gap.get("affects") or ():
                entry.setdefault(name, [])
    out["errors"] = []
    return out


def with_consumers(tenant: JSON, *, members: int = 3, extra_public_ips: int = 0) -> JSON:
    """A healthy copy of ``tenant`` with the test workloads, their site configuration and group members."""
    out = healthy(tenant)
    registry = out["resourceGraph"]["registries"][0]
    subscription = registry["id"].split("/")[2]
    login = str((registry.get("properties") or {}).get("loginServer") or f"{registry['name']}.azurecr.io")
    lists, arm = consumer_rows(subscription, login)
    lists["publicIpAddresses"] = sorted(
        lists["publicIpAddresses"] + public_ips(subscription, extra_public_ips), key=lambda row: row["id"].lower()
    )
    # The test workloads replace the tenant's own (the demo tenant has a few): every test then
    # knows exactly which workloads, sites and groups the collector meets.
    out["resourceGraph"].update(lists)
    own_sites = [key for key in out.get("arm", {}) if "/providers/microsoft.web/sites/" in key]
    out["arm"] = {**{k: v for k, v in out.get("arm", {}).items() if k not in own_sites}, **arm}
    out["graph"]["groupMembers"] = {gid: members_of(gid, members) for gid in sorted(_groups(out))}
    return out
