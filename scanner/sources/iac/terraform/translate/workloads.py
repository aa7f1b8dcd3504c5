"""The workloads that pull from registries, and the identities they pull with → their live rows.

``azurerm_kubernetes_cluster``, ``azurerm_container_app`` (+ ``_environment``),
``azurerm_container_group`` and ``azurerm_user_assigned_identity`` become the rows the consumer
lists of a live collection hold (docs/snapshot-format.md, "The registries' consumers"), with
what the inventory reads of them: the identity a cluster's nodes pull with, the registries an
app or container group names and the credential for each. Secrets (a registry password) are
not kept, as Azure does not return them. Object and client ids Azure assigns at deployment are
left to the IaC core, which gives them placeholders the role assignments share
(docs/iac-terraform.md, "Resources and their rows").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.sources.iac.terraform.translate import rows
from scanner.sources.iac.terraform.translate.rows import AttrPath, TfInstance, TranslatedRow
from scanner.unknown import Unknown


def _blocks(value: Any) -> list[Mapping[str, Any]] | Unknown:
    return rows.block_list(value)


def _each(value: Any, build: Any) -> Any:
    """``build(block)`` of every nested block (an unknown list stays unknown)."""
    found = _blocks(value)
    return found if isinstance(found, Unknown) else [build(block) for block in found]


def _base(inst: TfInstance, rid: str, arm_type: str, location: bool = True) -> dict[str, Any]:
    """``rows.base_row`` with ``tags`` always present, as a plan (``tags = null``) and source (unset) agree."""
    row = rows.base_row(inst, rid, arm_type, location)
    row.setdefault("tags", {})
    return row


def _identity(inst: TfInstance, row: dict[str, Any], src: dict[str, AttrPath]) -> None:
    identity = rows.identity_of(inst.attrs.get("identity"))
    if identity is not None:
        row["identity"] = identity
        src["identity"] = ("identity",)


def translate_kubernetes_cluster(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """``azurerm_kubernetes_cluster``: its node pool's subnet, and the identity its kubelet pulls with."""
    a = inst.attrs
    row = _base(inst, rid, "Microsoft.ContainerService/managedClusters")
    src: dict[str, AttrPath] = {"properties.agentPoolProfiles": ("default_node_pool",)}
    _identity(inst, row, src)
    pool = rows.first_block(a.get("default_node_pool"))
    pools: Any = pool
    if isinstance(pool, Mapping):
        pools = [
            {
                "name": pool.get("name"),
                "count": pool.get("node_count"),
                "vmSize": pool.get("vm_size"),
                "vnetSubnetID": pool.get("vnet_subnet_id"),
                "mode": "System",
            }
        ]
    props: dict[str, Any] = {"dnsPrefix": a.get("dns_prefix"), "agentPoolProfiles": pools if pools is not None else []}
    rows.put(props, "kubernetesVersion", a.get("kubernetes_version"))
    rows.put(props, "nodeResourceGroup", a.get("node_resource_group"))
    principal = rows.first_block(a.get("service_principal"))
    if isinstance(principal, Mapping):
        props["servicePrincipalProfile"] = {"clientId": principal.get("client_id")}
        src["properties.servicePrincipalProfile"] = ("service_principal",)
    elif "identity" in row:
        props["servicePrincipalProfile"] = {"clientId": "msi"}  # what Azure returns for a managed identity
    kubelet = rows.first_block(a.get("kubelet_identity"))
    if isinstance(kubelet, Mapping):
        declared = {
            "resourceId": kubelet.get("user_assigned_identity_id"),
            "clientId": kubelet.get("client_id"),
            "objectId": kubelet.get("object_id"),
        }
        props["identityProfile"] = {"kubeletidentity": {k: v for k, v in declared.items() if v is not None}}
        src["properties.identityProfile"] = ("kubelet_identity",)
    network = rows.first_block(a.get("network_profile"))
    if isinstance(network, Mapping):
        props["networkProfile"] = {
            "networkPlugin": network.get("network_plugin"),
            "outboundType": rows.or_default(network.get("outbound_type"), "loadBalancer"),
        }
        src["properties.networkProfile"] = ("network_profile",)
    row["properties"] = props
    return [TranslatedRow(row, inst, src)]


def _registry(block: Mapping[str, Any]) -> dict[str, Any]:
    """A ``registry`` block of a Container App (no password: it is a secret reference)."""
    entry: dict[str, Any] = {"server": block.get("server")}
    rows.put(entry, "identity", block.get("identity"))
    rows.put(entry, "username", block.get("username"))
    rows.put(entry, "passwordSecretRef", block.get("password_secret_name"))
    return entry


def translate_container_app(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """``azurerm_container_app``: the registries it names, with the credential for each, and its images."""
    a = inst.attrs
    row = _base(inst, rid, "Microsoft.App/containerApps", location=False)
    src: dict[str, AttrPath] = {"properties.configuration.registries": ("registry",)}
    _identity(inst, row, src)
    template = rows.first_block(a.get("template"))
    containers: Any = []
    if isinstance(template, Unknown):
        containers = template
    elif isinstance(template, Mapping):
        containers = _each(template.get("container"), lambda c: {"name": c.get("name"), "image": c.get("image")})
        src["properties.template"] = ("template",)
    row["properties"] = {
        "managedEnvironmentId": a.get("container_app_environment_id"),
        "configuration": {
            "registries": _each(a.get("registry"), _registry),
            "secrets": _each(a.get("secret"), lambda s: {"name": s.get("name")}),  # values are never returned
        },
        "template": {"containers": containers},
    }
    return [TranslatedRow(row, inst, src)]


def translate_container_app_environment(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """``azurerm_container_app_environment``: the subnet its apps pull from."""
    a = inst.attrs
    row = _base(inst, rid, "Microsoft.App/managedEnvironments")
    props: dict[str, Any] = {}
    subnet = a.get("infrastructure_subnet_id")
    if subnet is not None:
        internal = rows.as_bool(
            a.get("internal_load_balancer_enabled"), False, f"{inst.address}.internal_load_balancer_enabled"
        )
        props["vnetConfiguration"] = {"infrastructureSubnetId": subnet, "internal": internal}
    row["properties"] = props
    return [TranslatedRow(row, inst, {"properties.vnetConfiguration": ("infrastructure_subnet_id",)})]


def _credential(block: Mapping[str, Any]) -> dict[str, Any]:
    """An ``image_registry_credential`` of a container group (never its password)."""
    entry: dict[str, Any] = {"server": block.get("server")}
    rows.put(entry, "username", block.get("username"))
    rows.put(entry, "identity", block.get("user_assigned_identity_id"))
    return entry


def translate_container_group(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """``azurerm_container_group``: its images, the registries it has credentials for, its subnets."""
    a = inst.attrs
    row = _base(inst, rid, "Microsoft.ContainerInstance/containerGroups")
    src: dict[str, AttrPath] = {
        "properties.imageRegistryCredentials": ("image_registry_credential",),
        "properties.containers": ("container",),
    }
    _identity(inst, row, src)
    subnets = rows.str_list(a.get("subnet_ids"))
    row["properties"] = {
        "osType": a.get("os_type"),
        "containers": _each(
            a.get("container"), lambda c: {"name": c.get("name"), "properties": {"image": c.get("image")}}
        ),
        "imageRegistryCredentials": _each(a.get("image_registry_credential"), _credential),
        "subnetIds": subnets if isinstance(subnets, Unknown) else [{"id": s} for s in subnets],
    }
    return [TranslatedRow(row, inst, src)]


def translate_user_assigned_identity(inst: TfInstance, rid: str) -> list[TranslatedRow]:
    """``azurerm_user_assigned_identity``: its principal and client ids once created (the core's placeholders)."""
    a = inst.attrs
    row = _base(inst, rid, "Microsoft.ManagedIdentity/userAssignedIdentities")
    props: dict[str, Any] = {}
    for attr, key in (("principal_id", "principalId"), ("client_id", "clientId"), ("tenant_id", "tenantId")):
        rows.put(props, key, a.get(attr))
    row["properties"] = props
    return [TranslatedRow(row, inst, {})]
