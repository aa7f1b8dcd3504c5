"""Declared workloads: the consumer lists of an IaC scan, and the identities Azure assigns them at deployment.

When the files declare a workload (an AKS cluster, a Container App, an App Service site, a
container group), the IaC core hands the inventory the same consumer lists a live collection
has, holding exactly the declared workloads and user-assigned identities (decision 0014);
when they declare none, the lists stay live-only, as before (decision 0012).

A workload's identity gets its object id only when Azure creates it, yet a role assignment in
the same files names it (``reference(...).identityProfile.kubeletidentity.objectId``,
``azurerm_kubernetes_cluster.aks.kubelet_identity[0].object_id``). The readers mark such a
value as a :class:`~scanner.sources.declarations.RuntimeValue` naming the resource and the
identity; here both sides get the same placeholder principal id,
``iac-principal:<lower-cased resource id>/<identity>``, so the access model matches them as it
will once deployed. A stand-in for a resource the files do not declare keeps the value it had
before (unknown, or the ARM reader's placeholder), and so does every stand-in of a scan that
declares no workload: placeholders only serve to pair a workload with its role assignments
(docs/iac.md, "Workloads and the identities they pull with").
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from scanner.azure.ids import norm
from scanner.azure.sections import IAC_CONSUMER_LISTS, REGISTRY, SECTIONS, SITE_CONFIG, WORKLOAD_LISTS
from scanner.sources.declarations import PLACEHOLDER_PRINCIPAL, RUNTIME_ATTRIBUTES, IacResource, RuntimeValue
from scanner.unknown import Unknown

_CLUSTER = "microsoft.containerservice/managedclusters"
_IDENTITY = "microsoft.managedidentity/userassignedidentities"
_SITE = "microsoft.web/sites"
_SITE_CONFIG_TYPE = "microsoft.web/sites/config"
_ASSIGNMENT = "microsoft.authorization/roleassignments"
_WORKLOAD_TYPES = frozenset(t for t, (section, name) in SECTIONS.items() if name in WORKLOAD_LISTS)
_CONSUMER_TYPES = frozenset(t for t, (section, name) in SECTIONS.items() if name in IAC_CONSUMER_LISTS)
# What Azure never returns in a GET of these resources and a snapshot never stores: secrets a
# template may pass in (registry passwords, Container Apps secret values, app settings).
# Type → (path of a list in ``properties``, the key dropped from each of its objects).
_SECRETS = {
    "microsoft.containerinstance/containergroups": (("imageRegistryCredentials",), "password"),
    "microsoft.app/containerapps": (("configuration", "secrets"), "value"),
}
_SITE_SECRETS = ("appSettings", "connectionStrings")


def principal_placeholder(resource_id: str, identity: str) -> str:
    """The object id an identity of a declared resource stands under until Azure assigns it."""
    return f"{PLACEHOLDER_PRINCIPAL}{norm(resource_id)}/{identity}"


def client_placeholder(resource_id: str) -> str:
    """The client id a declared user-assigned identity stands under until Azure assigns it."""
    return f"iac-client:{norm(resource_id)}/userassigned"


def _type(row: Mapping[str, Any]) -> str:
    return str(row.get("type", "")).lower()


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _props(row: Mapping[str, Any]) -> Mapping[str, Any]:
    return _map(row.get("properties"))


class Workloads:
    """The declared rows by lower-cased id, and what their identities stand under before deployment."""

    def __init__(self, resources: Sequence[IacResource]) -> None:
        self.present = any(_type(r.row) in _WORKLOAD_TYPES for r in resources)
        self.rows: dict[str, Mapping[str, Any]] = {}  # (only needed when workloads are declared)
        for resource in resources if self.present else ():
            rid = resource.row.get("id")
            if isinstance(rid, str):
                self.rows.setdefault(norm(rid), resource.row)

    # ------------------------------------------------------------------ identities

    def system_principal(self, row: Mapping[str, Any]) -> str | Unknown | None:
        """The principal id of a row's system-assigned identity (``None``: it has none)."""
        identity = row.get("identity")
        if isinstance(identity, Unknown):
            return identity
        kind = _map(identity).get("type")
        if isinstance(kind, Unknown):
            return kind
        if not isinstance(kind, str) or "systemassigned" not in kind.replace(" ", "").lower():
            return None
        declared = _map(identity).get("principalId")
        return declared if isinstance(declared, str) else principal_placeholder(str(row["id"]), "systemassigned")

    def user_assigned(self, resource_id: str, attribute: str) -> str | None:
        """``principalId`` or ``clientId`` of a declared user-assigned identity (``None``: not declared)."""
        row = self.rows.get(norm(resource_id))
        if row is None or _type(row) != _IDENTITY:
            return None
        declared = _props(row).get(attribute)
        if isinstance(declared, str):
            return declared
        rid = str(row["id"])
        return principal_placeholder(rid, "userassigned") if attribute == "principalId" else client_placeholder(rid)

    def kubelet(self, row: Mapping[str, Any]) -> str | Unknown | None:
        """The object id of a cluster's kubelet identity (``None``: it pulls with a service principal)."""
        props = _props(row)
        kubelet = _map(_map(props.get("identityProfile")).get("kubeletidentity"))
        declared = kubelet.get("objectId")
        if isinstance(declared, str):
            return declared
        identity_id = kubelet.get("resourceId")
        if isinstance(identity_id, str) and identity_id:
            found = self.user_assigned(identity_id, "principalId")
            if found is not None:
                return found
            return Unknown(
                f"the kubelet identity is user-assigned identity {identity_id}, which the files do not declare: "
                "its object id and roles are only known in Azure"
            )
        client = _map(props.get("servicePrincipalProfile")).get("clientId")
        if isinstance(client, str) and client.lower() != "msi":
            return None
        # A cluster with a managed identity gets a kubelet identity in its node resource group.
        system = self.system_principal(row)
        if isinstance(system, Unknown):
            return system
        kind = _map(row.get("identity")).get("type")
        if system is None and not (isinstance(kind, str) and "userassigned" in kind.lower()):
            return Unknown(f"cluster {row.get('name')} declares neither a managed identity nor a service principal")
        return principal_placeholder(str(row["id"]), "kubeletidentity")

    def runtime_value(self, value: RuntimeValue) -> Any:
        """What a reader's stand-in becomes: the value of a declared resource, else what it held before."""
        target = self.rows.get(norm(value.resource_id)) if self.present else None
        types = RUNTIME_ATTRIBUTES.get(value.attribute)
        if target is None or types is None or (types and _type(target) not in types):
            return value.fallback if value.fallback is not None else Unknown(value.reason, value.live_only)
        found: str | Unknown | None
        if value.attribute == "kubeletIdentity.objectId":
            found = self.kubelet(target)
        elif value.attribute == "identity.principalId":
            found = self.system_principal(target)
        elif value.attribute == "loginServer":
            found = _login_server(target)
        else:
            found = self.user_assigned(str(target["id"]), value.attribute)
        if found is None:
            return Unknown(f"{value.reason}; {target.get('name')} has no such identity")
        return found

    # ------------------------------------------------------------------ rows

    def settle(self, resources: Sequence[IacResource]) -> list[IacResource]:
        """Every resource with its stand-ins resolved and, when workloads are declared, the
        identities of workload and identity rows filled in as Azure will."""
        out: list[IacResource] = []
        for resource in resources:
            row = resource.row
            if resource.runtime_values:
                row = self._resolved(row)
                if _type(row) == _ASSIGNMENT:
                    row = _service_principal_type(row)
            if self.present and _type(row) in _CONSUMER_TYPES:
                row = self._completed(row)
            if row is not resource.row or resource.runtime_values:
                resource = msgspec.structs.replace(resource, row=row, runtime_values=False)
            out.append(resource)
        return out

    def _resolved(self, value: Any) -> Any:
        if isinstance(value, RuntimeValue):
            return self.runtime_value(value)
        if isinstance(value, Mapping):
            return {k: self._resolved(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolved(v) for v in value]
        return value

    def _completed(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        """A workload or identity row with the ids Azure assigns at deployment, and no secrets."""
        out = dict(row)
        kind = _type(row)
        props = dict(_props(row))
        if kind == _IDENTITY:
            for attribute in ("principalId", "clientId"):
                props[attribute] = self.user_assigned(str(row["id"]), attribute)
        if kind == _CLUSTER:
            kubelet = self.kubelet(row)
            if kubelet is not None:
                profile = dict(_map(props.get("identityProfile")))
                profile["kubeletidentity"] = {**_map(profile.get("kubeletidentity")), "objectId": kubelet}
                props["identityProfile"] = profile
        secret = _SECRETS.get(kind)
        if secret is not None:
            props = _without(props, *secret)
        if kind == _SITE and isinstance(props.get("siteConfig"), Mapping):
            props["siteConfig"] = {k: v for k, v in props["siteConfig"].items() if k not in _SITE_SECRETS}
        if "properties" in row or props:
            out["properties"] = props
        identity = row.get("identity")
        if isinstance(identity, Mapping):
            out["identity"] = self._identity(row, identity)
        return out

    def _identity(self, row: Mapping[str, Any], identity: Mapping[str, Any]) -> Mapping[str, Any]:
        out = dict(identity)
        system = self.system_principal(row)
        if isinstance(system, str):
            out["principalId"] = system
        attached = identity.get("userAssignedIdentities")
        if isinstance(attached, Mapping):
            filled: dict[str, Any] = {}
            for rid, value in attached.items():
                entry = dict(_map(value))
                for attribute in ("principalId", "clientId"):
                    found = self.user_assigned(str(rid), attribute)
                    if found is not None and not isinstance(entry.get(attribute), str):
                        entry[attribute] = found
                filled[rid] = entry
            out["userAssignedIdentities"] = filled
        return out

    # ------------------------------------------------------------------ the document's parts

    def site_configs(self, resources: Sequence[IacResource]) -> dict[str, dict[str, Any]]:
        """The ``arm`` entry of every declared site (``resources`` settled): its ``config/web``, from
        the site's ``siteConfig`` and its declared ``config/web`` child (which wins), as Azure merges them."""
        children = {
            norm(str(r.row["id"])): _props(r.row)
            for r in resources
            if _type(r.row) == _SITE_CONFIG_TYPE and str(r.row.get("id", "")).lower().endswith("/config/web")
        }
        out: dict[str, dict[str, Any]] = {}
        for resource in resources:
            row = resource.row
            if _type(row) != _SITE or not isinstance(row.get("id"), str):
                continue
            key = norm(row["id"])
            merged = {**_map(_props(row).get("siteConfig")), **children.get(f"{key}/config/web", {})}
            config = {k: v for k, v in merged.items() if k not in _SITE_SECRETS}
            out.setdefault(
                key,
                {
                    SITE_CONFIG: {
                        "id": f"{row['id']}/config/web",
                        "name": "web",
                        "type": "Microsoft.Web/sites/config",
                        "properties": config,
                    }
                },
            )
        return out

    def co_declared(self, units: Sequence[Sequence[IacResource]]) -> dict[str, tuple[str, ...]]:
        """Lower-cased cluster id → the registries declared in the same deployment.

        A deployment is a unit of files (a template with its parameters and linked templates,
        a plan), except that the ``.tf`` source of a scan is one unit of several root modules:
        there each root module directory (with the modules it calls) is one deployment.
        """
        deployments: dict[tuple[int, str], list[str]] = {}
        for index, unit in enumerate(units):
            for resource in unit:
                if isinstance(resource.row.get("id"), str):
                    deployments.setdefault((index, _root_module(resource)), []).append(norm(resource.row["id"]))
        out: dict[str, tuple[str, ...]] = {}
        for ids in deployments.values():
            registries = tuple(sorted({k for k in ids if _type(self.rows.get(k, {})) == REGISTRY}))
            for key in ids:
                if registries and _type(self.rows.get(key, {})) == _CLUSTER:
                    out.setdefault(key, registries)
        return out


def _root_module(resource: IacResource) -> str:
    """The root module directory of a resource read from ``.tf`` source (``""`` for other files)."""
    file = resource.module_calls[0].file if resource.module_calls else resource.file
    return posixpath.dirname(file) if file.endswith((".tf", ".tf.json")) else ""


def _login_server(registry: Mapping[str, Any]) -> str | None:
    """A declared registry's login server: as declared, else ``<name>.azurecr.io`` as Azure names it
    (and as the inventory pairs workloads with registries)."""
    declared = _props(registry).get("loginServer")
    name = registry.get("name")
    if isinstance(declared, str):
        return declared
    return f"{name.lower()}.azurecr.io" if isinstance(name, str) else None


def _without(props: dict[str, Any], path: tuple[str, ...], key: str) -> dict[str, Any]:
    """``props`` with ``key`` dropped from every object of the list at ``path`` (a secret a GET never returns)."""
    head, *rest = path
    value = props.get(head)
    if rest and isinstance(value, Mapping):
        return {**props, head: _without(dict(value), tuple(rest), key)}
    if not rest and isinstance(value, list):
        items = [{k: v for k, v in item.items() if k != key} if isinstance(item, Mapping) else item for item in value]
        return {**props, head: items}
    return props


def _service_principal_type(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """A role assignment for an identity the files declare is for a service principal: every
    managed identity is one, as Azure records it at deployment (the Terraform readers infer
    the same from the reference)."""
    props = _props(row)
    principal = props.get("principalId")
    if props.get("principalType") is not None or not (
        isinstance(principal, str) and principal.startswith(PLACEHOLDER_PRINCIPAL)
    ):
        return row
    return {**row, "properties": {**props, "principalType": "ServicePrincipal"}}
