"""How a workload's pulls reach a registry: the private path (ACR-051), the firewall (ACR-052) and
ARM-audience tokens (ACR-053), on hand-built tenants.

The base tenant: registry prodacr (eastus, public access disabled) with an approved private
endpoint in VNet ``hub`` (10.10.4.4 for the login server, 10.10.4.5 for the eastus data
endpoint); the privatelink.azurecr.io zone is linked to ``spoke`` and holds both records; AKS
cluster aks runs in ``spoke`` (peered with ``hub``, Connected), egresses from 203.0.113.40 and
pulls with a kubelet identity holding AcrPull. Each test changes one hop.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from scanner.azure.sections import CONSUMER_LISTS
from scanner.engine.evaluate import evaluate
from scanner.engine.loader import load_rules
from scanner.engine.rule import compile_rule
from scanner.inventory.build import build_inventory
from scanner.inventory.model import Inventory
from scanner.inventory.subjects.kinds import ENUMERATORS
from scanner.unknown import Unknown

SUB = "11111111-1111-1111-1111-111111111111"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _id(group: str, path: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{group}/providers/{path}"


REG = _id("rg-acr", "Microsoft.ContainerRegistry/registries/prodacr")
HUB = _id("rg-net", "Microsoft.Network/virtualNetworks/hub")
SPOKE = _id("rg-net", "Microsoft.Network/virtualNetworks/spoke")
OTHER = _id("rg-net", "Microsoft.Network/virtualNetworks/other")
PE = _id("rg-net", "Microsoft.Network/privateEndpoints/pe-prodacr")
NIC = _id("rg-net", "Microsoft.Network/networkInterfaces/pe-prodacr-nic")
ZONE = _id("rg-dns", "Microsoft.Network/privateDnsZones/privatelink.azurecr.io")
PIP = _id("rg-aks-nodes", "Microsoft.Network/publicIPAddresses/pip-out")
CLUSTER = _id("rg-aks", "Microsoft.ContainerService/managedClusters/aks")
SITE = _id("rg-web", "Microsoft.Web/sites/shop")
GROUP = _id("rg-aci", "Microsoft.ContainerInstance/containerGroups/etl")
UAMI = _id("rg-aci", "Microsoft.ManagedIdentity/userAssignedIdentities/id-etl")
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
KUBELET = "00000000-0000-0000-0000-0000000000a1"


def _vnet(vnet_id: str, peerings: dict[str, str] | None = None, dns: list[str] | None = None) -> dict[str, Any]:
    return {
        "id": vnet_id,
        "name": vnet_id.rsplit("/", 1)[-1],
        "properties": {
            "dhcpOptions": {"dnsServers": dns or []},
            "virtualNetworkPeerings": [
                {
                    "name": f"to-{remote.rsplit('/', 1)[-1]}",
                    "properties": {"peeringState": state, "remoteVirtualNetwork": {"id": remote}},
                }
                for remote, state in (peerings or {}).items()
            ],
        },
    }


def _record(name: str, *ips: str) -> dict[str, Any]:
    return {"id": f"{ZONE}/A/{name}", "name": name, "properties": {"aRecords": [{"ipv4Address": ip} for ip in ips]}}


def _tenant() -> dict[str, Any]:
    registry_props: dict[str, Any] = {
        "loginServer": "prodacr.azurecr.io",
        "publicNetworkAccess": "Disabled",
        "networkRuleSet": {"defaultAction": "Deny", "ipRules": []},
        "policies": {"azureADAuthenticationAsArmPolicy": {"status": "enabled"}},
        "privateEndpointConnections": [
            {
                "id": f"{REG}/privateEndpointConnections/c1",
                "properties": {
                    "privateEndpoint": {"id": PE},
                    "privateLinkServiceConnectionState": {"status": "Approved"},
                },
            }
        ],
    }
    return {
        "collectedAt": "2026-06-01T00:00:00Z",
        "resourceGraph": {
            "registries": [
                {
                    "id": REG,
                    "name": "prodacr",
                    "location": "eastus",
                    "sku": {"name": "Premium"},
                    "properties": registry_props,
                }
            ],
            "replications": [],
            "privateEndpoints": [
                {
                    "id": PE,
                    "name": "pe-prodacr",
                    "properties": {
                        "subnet": {"id": f"{HUB}/subnets/pl"},
                        "networkInterfaces": [{"id": NIC}],
                        "privateLinkServiceConnections": [
                            {
                                "properties": {
                                    "privateLinkServiceId": REG,
                                    "privateLinkServiceConnectionState": {"status": "Approved"},
                                }
                            }
                        ],
                    },
                }
            ],
            "networkInterfaces": [
                {
                    "id": NIC,
                    "properties": {
                        "ipConfigurations": [
                            {
                                "properties": {
                                    "privateIPAddress": ip,
                                    "privateLinkConnectionProperties": {"requiredMemberName": member},
                                }
                            }
                            for member, ip in (("registry", "10.10.4.4"), ("registry_data_eastus", "10.10.4.5"))
                        ]
                    },
                }
            ],
            "privateDnsZones": [{"id": ZONE, "name": "privatelink.azurecr.io"}],
            "virtualNetworkLinks": [
                {
                    "id": f"{ZONE}/virtualNetworkLinks/spoke",
                    "name": "spoke",
                    "properties": {"virtualNetwork": {"id": SPOKE}, "virtualNetworkLinkState": "Completed"},
                }
            ],
            "privateDnsRecordSets": [_record("prodacr", "10.10.4.4"), _record("prodacr.eastus.data", "10.10.4.5")],
            "roleDefinitions": [
                {
                    "id": f"/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}",
                    "properties": {
                        "roleName": "AcrPull",
                        "permissions": [{"actions": ["Microsoft.ContainerRegistry/registries/pull/read"]}],
                    },
                }
            ],
            "roleAssignments": [
                {
                    "id": f"{REG}/providers/Microsoft.Authorization/roleAssignments/a1",
                    "properties": {
                        "scope": REG,
                        "principalId": KUBELET,
                        "principalType": "ServicePrincipal",
                        "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{ACR_PULL}",
                    },
                }
            ],
            "subscriptions": [{"id": f"/subscriptions/{SUB}", "properties": {"managementGroupAncestorsChain": []}}],
            "managedClusters": [
                {
                    "id": CLUSTER,
                    "name": "aks",
                    "properties": {
                        "identityProfile": {"kubeletidentity": {"objectId": KUBELET}},
                        "agentPoolProfiles": [{"name": "system", "vnetSubnetID": f"{SPOKE}/subnets/nodes"}],
                        "networkProfile": {
                            "outboundType": "loadBalancer",
                            "loadBalancerProfile": {"effectiveOutboundIPs": [{"id": PIP}]},
                        },
                    },
                }
            ],
            "containerApps": [],
            "managedEnvironments": [],
            "webApps": [],
            "containerGroups": [],
            "userAssignedIdentities": [],
            "virtualNetworks": [_vnet(SPOKE, {HUB: "Connected"}), _vnet(HUB, {SPOKE: "Connected"}), _vnet(OTHER)],
            "publicIpAddresses": [{"id": PIP, "properties": {"ipAddress": "203.0.113.40"}}],
        },
        "graph": {"servicePrincipals": [], "applications": [], "missingPrincipals": [], "groupMembers": {}},
        "arm": {REG.lower(): {"tokens": [], "scopeMaps": [], "usages": [], "diagnosticSettings": []}},
    }


def _rg(tenant: dict[str, Any]) -> dict[str, Any]:
    rg: dict[str, Any] = tenant["resourceGraph"]
    return rg


def _registry(tenant: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = _rg(tenant)["registries"][0]["properties"]
    return props


def _public_firewalled(tenant: dict[str, Any], *rules: str) -> None:
    """prodacr without its private endpoint, public behind a firewall with ``rules``."""
    _registry(tenant).update(
        publicNetworkAccess="Enabled",
        networkRuleSet={"defaultAction": "Deny", "ipRules": [{"action": "Allow", "value": r} for r in rules]},
        privateEndpointConnections=[],
    )
    _rg(tenant)["privateEndpoints"] = []


def _inventory(tenant: dict[str, Any]) -> Inventory:
    return build_inventory(copy.deepcopy(tenant), NOW)


def _docs(tenant: dict[str, Any]) -> dict[str, Any]:
    """Subject name → the ``network`` and ``armAudienceTokens`` of each pull_path document."""
    return {s.ref.name: s.doc for s in ENUMERATORS["pull_path"](_inventory(tenant))}


def _findings(tenant: dict[str, Any], rule_id: str, **params: Any) -> dict[str, tuple[str, str]]:
    """Subject name → (status, message) of one rule."""
    (spec,) = [s for s in load_rules() if s.id == rule_id]
    found = evaluate([compile_rule(spec, params or None, None)], _inventory(tenant), NOW)
    return {f.subject.name: (f.status, f.message) for f in found}


def _aks(tenant: dict[str, Any], rule_id: str) -> tuple[str, str]:
    return _findings(tenant, rule_id)["aks → prodacr"]


# ----------------------------------------------------------------------------- ACR-051: the private path


def test_endpoint_in_a_peered_vnet_with_the_zone_linked_to_the_spoke_passes() -> None:
    status, message = _aks(_tenant(), "ACR-051")
    assert status == "pass", message
    private = _docs(_tenant())["aks → prodacr"]["network"]["private"]
    assert private["reachable"] is True and private["via"] == "privateEndpoint"
    assert private["endpoints"] == ["pe-prodacr"] and private["vnets"] == [SPOKE]


def test_a_peering_that_is_only_initiated_times_out() -> None:
    tenant = _tenant()
    _rg(tenant)["virtualNetworks"][0] = _vnet(SPOKE, {HUB: "Initiated"})
    status, message = _aks(tenant, "ACR-051")
    assert status == "fail"
    assert "peering to-hub with it is Initiated, not Connected" in message and "time out" in message


def test_an_unpeered_vnet_cannot_reach_the_endpoint() -> None:
    tenant = _tenant()
    _rg(tenant)["virtualNetworks"][0] = _vnet(SPOKE)
    status, message = _aks(tenant, "ACR-051")
    assert status == "fail" and "pe-prodacr is in hub, which spoke is not peered with" in message


def test_a_zone_linked_to_the_endpoints_vnet_only_resolves_publicly() -> None:
    tenant = _tenant()
    _rg(tenant)["virtualNetworkLinks"][0]["properties"]["virtualNetwork"]["id"] = HUB
    status, message = _aks(tenant, "ACR-051")
    assert status == "fail"
    assert (
        "no privatelink.azurecr.io zone is linked to spoke, so prodacr.azurecr.io resolves to the public endpoint"
        in message
    )
    assert _docs(tenant)["aks → prodacr"]["network"]["private"]["resolvesPrivately"] is False


def test_a_missing_data_endpoint_record_is_nxdomain() -> None:
    tenant = _tenant()
    _rg(tenant)["privateDnsRecordSets"].pop()
    status, message = _aks(tenant, "ACR-051")
    assert status == "fail"
    assert "no A record prodacr.eastus.data: prodacr.eastus.data.azurecr.io does not resolve (NXDOMAIN)" in message


def test_every_replica_region_needs_its_data_record() -> None:
    tenant = _tenant()
    _rg(tenant)["replications"] = [{"id": f"{REG}/replications/westus2", "location": "westus2"}]
    status, message = _aks(tenant, "ACR-051")
    assert status == "fail" and "prodacr.westus2.data.azurecr.io does not resolve" in message


def test_a_record_pointing_elsewhere_times_out() -> None:
    tenant = _tenant()
    _rg(tenant)["privateDnsRecordSets"][0] = _record("prodacr", "10.99.0.9")
    status, message = _aks(tenant, "ACR-051")
    assert status == "fail" and "prodacr.azurecr.io resolves to 10.99.0.9" in message


def test_custom_dns_servers_make_it_unknown_not_pass() -> None:
    tenant = _tenant()
    _rg(tenant)["virtualNetworks"][0] = _vnet(SPOKE, {HUB: "Connected"}, dns=["10.0.0.4"])
    status, message = _aks(tenant, "ACR-051")
    assert status == "unknown", message
    private = _docs(tenant)["aks → prodacr"]["network"]["private"]
    assert isinstance(private["reachable"], Unknown) and "own DNS servers (10.0.0.4)" in private["reachable"].reason


def test_custom_dns_does_not_hide_a_missing_endpoint() -> None:
    tenant = _tenant()
    _rg(tenant)["virtualNetworks"][0] = _vnet(SPOKE, dns=["10.0.0.4"])
    assert _aks(tenant, "ACR-051")[0] == "fail"


def test_virtual_networks_not_collected_make_it_unknown_with_the_reason() -> None:
    tenant = _tenant()
    del _rg(tenant)["virtualNetworks"]
    status, _ = _aks(tenant, "ACR-051")
    assert status == "unknown"
    reachable = _docs(tenant)["aks → prodacr"]["network"]["private"]["reachable"]
    assert isinstance(reachable, Unknown) and reachable.reason == "resourceGraph.virtualNetworks was not collected"


def test_a_workload_outside_any_vnet_cannot_reach_a_private_registry() -> None:
    tenant = _tenant()
    _web_app(tenant)
    status, message = _findings(tenant, "ACR-051")["shop → prodacr"]
    assert status == "fail" and "outside any virtual network" in message  # (App Service is no trusted service)


def test_a_cluster_without_subnets_runs_in_the_vnet_of_its_node_resource_group() -> None:
    tenant = _tenant()
    _rg(tenant)["managedClusters"][0]["properties"]["agentPoolProfiles"] = [{"name": "system"}]
    _rg(tenant)["managedClusters"][0]["properties"]["nodeResourceGroup"] = "rg-aks-nodes"
    status, message = _aks(tenant, "ACR-051")
    assert status == "unknown"  # (no subnet, and no VNet in the node resource group: not known)
    _rg(tenant)["virtualNetworks"].append(_vnet(_id("rg-aks-nodes", "Microsoft.Network/virtualNetworks/aks-vnet")))
    status, message = _aks(tenant, "ACR-051")
    assert status == "fail" and "aks-vnet" in message  # (the VNet AKS made in the node resource group)


def test_an_open_registry_without_endpoints_is_not_applicable() -> None:
    tenant = _tenant()
    _registry(tenant).update(
        publicNetworkAccess="Enabled", networkRuleSet={"defaultAction": "Allow"}, privateEndpointConnections=[]
    )
    _rg(tenant)["privateEndpoints"] = []
    assert _aks(tenant, "ACR-051")[0] == "not_applicable"
    assert _aks(tenant, "ACR-052")[0] == "not_applicable"


def test_private_dns_takes_an_open_registrys_pulls_down_the_private_path() -> None:
    tenant = _tenant()
    _registry(tenant).update(publicNetworkAccess="Enabled", networkRuleSet={"defaultAction": "Allow"})
    _rg(tenant)["virtualNetworks"][0] = _vnet(SPOKE)
    status, message = _aks(tenant, "ACR-051")
    assert status == "fail" and "not peered" in message  # (the zone resolves it to an endpoint out of reach)


# ----------------------------------------------------------------------------- trusted services


def _container_group(tenant: dict[str, Any], credential: dict[str, Any], bypass: str = "AzureServices") -> None:
    _registry(tenant)["networkRuleBypassOptions"] = bypass
    _rg(tenant)["userAssignedIdentities"] = [{"id": UAMI, "properties": {"principalId": KUBELET, "clientId": "c1"}}]
    _rg(tenant)["containerGroups"] = [
        {
            "id": GROUP,
            "name": "etl",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {UAMI: {}}},
            "properties": {
                "containers": [{"name": "etl", "properties": {"image": "prodacr.azurecr.io/etl:1"}}],
                "imageRegistryCredentials": [{"server": "prodacr.azurecr.io", **credential}],
            },
        }
    ]


def test_a_container_group_with_a_user_assigned_identity_goes_through_the_trusted_services_bypass() -> None:
    tenant = _tenant()
    _container_group(tenant, {"identity": UAMI})
    assert _findings(tenant, "ACR-051")["etl → prodacr"][0] == "pass"
    assert _docs(tenant)["etl → prodacr"]["network"]["private"]["via"] == "trustedServices"
    _container_group(tenant, {"identity": UAMI}, bypass="None")
    assert _findings(tenant, "ACR-051")["etl → prodacr"][0] == "fail"


def test_the_bypass_needs_a_managed_identity() -> None:
    tenant = _tenant()
    _container_group(tenant, {"username": "prodacr"})
    assert _findings(tenant, "ACR-051")["etl → prodacr"][0] == "fail"


# ----------------------------------------------------------------------------- ACR-052: the firewall


def test_egress_inside_an_ip_rule_is_admitted() -> None:
    tenant = _tenant()
    _public_firewalled(tenant, "198.51.100.17", "203.0.113.0/24")
    assert _aks(tenant, "ACR-052")[0] == "pass"
    assert _aks(tenant, "ACR-051")[0] == "not_applicable"


def test_egress_outside_every_ip_rule_is_refused() -> None:
    tenant = _tenant()
    _public_firewalled(tenant, "198.51.100.0/24")
    status, message = _aks(tenant, "ACR-052")
    assert status == "fail" and "refuses aks's egress 203.0.113.40" in message
    assert _aks(tenant, "ACR-051")[0] == "fail"  # (it must reach it privately, and has no endpoint)


def test_unknown_egress_is_unknown() -> None:
    tenant = _tenant()
    _public_firewalled(tenant, "198.51.100.0/24")
    _rg(tenant)["managedClusters"][0]["properties"]["networkProfile"]["outboundType"] = "userDefinedRouting"
    assert _aks(tenant, "ACR-052")[0] == "unknown"
    del _rg(tenant)["publicIpAddresses"]
    _rg(tenant)["managedClusters"][0]["properties"]["networkProfile"]["outboundType"] = "loadBalancer"
    assert _aks(tenant, "ACR-052")[0] == "unknown"  # (the outbound IP's address was not collected)


def test_every_possible_outbound_address_of_a_web_app_must_be_admitted() -> None:
    tenant = _tenant()
    _public_firewalled(tenant, "20.50.2.0/31")
    _web_app(tenant, possible="20.50.2.0,20.50.2.1,20.50.2.7")
    status, message = _findings(tenant, "ACR-052")["shop → prodacr"]
    assert status == "fail" and "20.50.2.7" in message and "20.50.2.1," not in message


# ----------------------------------------------------------------------------- ACR-053: ARM-audience tokens


def _web_app(tenant: dict[str, Any], possible: str = "20.50.2.10", **extra: Any) -> None:
    _rg(tenant)["webApps"] = [
        {
            "id": SITE,
            "name": "shop",
            "kind": "app,linux,container",
            "identity": {"type": "SystemAssigned", "principalId": "00000000-0000-0000-0000-0000000000b2"},
            "properties": {"possibleOutboundIpAddresses": possible, **extra},
        }
    ]
    tenant["arm"][SITE.lower()] = {
        "siteConfig": {
            "properties": {"linuxFxVersion": "DOCKER|prodacr.azurecr.io/shop/web:1", "acrUseManagedIdentityCreds": True}
        }
    }


def test_arm_audience_disabled_breaks_a_web_app_but_not_a_username() -> None:
    tenant = _tenant()
    _registry(tenant)["policies"] = {"azureADAuthenticationAsArmPolicy": {"status": "disabled"}}
    _web_app(tenant)
    _container_group(tenant, {"username": "prodacr"})
    found = _findings(tenant, "ACR-053")
    assert found["shop → prodacr"][0] == "fail" and "401" in found["shop → prodacr"][1]
    assert found["etl → prodacr"][0] == "not_applicable"
    assert found["aks → prodacr"][0] == "not_applicable"  # (aks is not in the default kinds)
    assert _findings(tenant, "ACR-053", kinds=["aks"])["aks → prodacr"][0] == "fail"
    _registry(tenant)["policies"] = {}  # (absent: enabled)
    assert _findings(tenant, "ACR-053")["shop → prodacr"][0] == "pass"


def test_a_web_app_whose_pulls_may_use_its_vnet_integration_is_unknown() -> None:
    tenant = _tenant()
    _web_app(tenant, virtualNetworkSubnetId=f"{SPOKE}/subnets/web")
    assert _findings(tenant, "ACR-051")["shop → prodacr"][0] == "unknown"  # (WEBSITE_PULL_IMAGE_OVER_VNET)
    _web_app(tenant, virtualNetworkSubnetId=f"{SPOKE}/subnets/web", outboundVnetRouting={"imagePullTraffic": True})
    assert _findings(tenant, "ACR-051")["shop → prodacr"][0] == "pass"


# ----------------------------------------------------------------------------- the registry's consumers


def test_the_registry_lists_its_managed_identity_consumers_for_acr_003() -> None:
    tenant = _tenant()
    _web_app(tenant)
    _container_group(tenant, {"username": "prodacr"})
    (registry,) = ENUMERATORS["registry"](_inventory(tenant))
    assert registry.doc["consumers"] == {"aks": ["aks"], "containerApp": [], "webApp": ["shop"], "containerGroup": []}
    status, message = _findings(tenant, "ACR-003")["prodacr"]
    assert status == "fail" and "App Service sites (shop)" in message and "Container Apps (none)" in message


def test_iac_scans_have_no_consumers_to_judge() -> None:
    tenant = _tenant()
    for name in CONSUMER_LISTS:
        del _rg(tenant)[name]
    live_only = {name: "only known once deployed" for name in CONSUMER_LISTS}
    inventory = build_inventory(copy.deepcopy(tenant), NOW, live_only)
    assert list(ENUMERATORS["pull_path"](inventory)) == []
    (registry,) = ENUMERATORS["registry"](inventory)
    assert all(isinstance(v, Unknown) and v.live_only for v in registry.doc["consumers"].values())
