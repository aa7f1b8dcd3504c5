"""Subjects: the documents rules are evaluated against, one enumerator per subject kind.

A subject document is a plain mapping: the raw Azure properties plus the relations the
inventory resolved (a registry's endpoints, a private endpoint's linked zones and records, a
role assignment's role and principal). Values that were not collected are :class:`Unknown`,
so a rule needing them reports ``unknown``. When even the list of subjects cannot be known
(the tokens of a registry were not collected), the enumerator yields a placeholder subject
carrying that reason, so the gap shows up as a finding instead of silently vanishing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any

from scanner.azure import facts
from scanner.azure.ids import last_segment, norm
from scanner.inventory.model import (
    Credential,
    Inventory,
    Principal,
    PrivateEndpoint,
    Raw,
    Registry,
    RoleAssignment,
    RoleDefinition,
)
from scanner.results import SubjectRef, new_subject_ref
from scanner.unknown import Unknown

SUBJECT_KINDS = ("registry", "private_endpoint", "role_assignment", "credential", "token", "token_password")


@dataclass(frozen=True, slots=True)
class Subject:
    """One thing a rule is evaluated against."""

    kind: str
    ref: SubjectRef
    doc: Mapping[str, Any]
    unknown: Unknown | None = None
    not_applicable: str | None = None


def _ref(reg: Registry, kind: str, rid: str, name: str) -> SubjectRef:
    return new_subject_ref(rid, name, kind, reg.subscription_id, reg.resource_group, reg.id, reg.name)


def _registry_ref(reg: Registry) -> SubjectRef:
    return _ref(reg, "registry", reg.id, reg.name)


def _count(value: list[Raw] | Unknown) -> int | Unknown:
    return value if isinstance(value, Unknown) else len(value)


def _usage_doc(usages: list[Raw] | Unknown, rid: str) -> Mapping[str, Any] | Unknown:
    if isinstance(usages, Unknown):
        return usages
    by_name: dict[str, Any] = {}
    for usage in usages:
        name, limit, current = usage.get("name"), usage.get("limit"), usage.get("currentValue")
        ratio: Any
        if current is not None and isinstance(limit, int | float) and limit > 0:
            ratio = round(current / limit, 4)
        else:
            ratio = Unknown(f"usage {name} has no limit")
        unit = usage.get("unit")
        by_name[str(usage.get("name", "")).lower()] = {
            "name": name,
            "currentValue": current,
            "limit": limit,
            "unit": unit,
            "ratio": ratio,
        }
    if "size" not in by_name:
        by_name["size"] = Unknown(f"registry {rid} reported no Size usage")
    return by_name


def _geo_regions(reg: Registry) -> list[str] | Unknown:
    if isinstance(reg.replications, Unknown):
        return reg.replications
    home = reg.location.lower()
    return sorted(
        {(r["location"] if type(r.get("location")) is str else _location(r)).lower() for r in reg.replications}
        - {home, ""}
    )


def _location(row: Raw) -> str:
    location = row.get("location", "")
    if type(location) is str:
        return location
    # IaC: a replica whose region is an unresolved expression is still a replica.
    return "<unresolved region>" if isinstance(location, Unknown) else str(location or "")


def _object(value: Any) -> Any:
    """A row's object field for the document: absent is ``{}``; an :class:`Unknown` stays unknown."""
    return {} if value is None else value


def _sku_limits(reg: Registry) -> Mapping[str, int] | Unknown:
    limits = facts.SKU_LIMITS.get(reg.sku.lower())
    if limits is not None:
        return limits
    sku = reg.raw.get("sku")
    name = sku.get("name") if isinstance(sku, Mapping) else sku
    if isinstance(name, Unknown):
        return name  # IaC: the SKU is an unresolved expression, so are its limits
    return facts.SKU_LIMITS["basic"]


def registry_doc(inv: Inventory, reg: Registry) -> dict[str, Any]:
    """The document of a registry subject (see RULES.md for the fields rules use)."""
    endpoints: list[Any] | Unknown
    if isinstance(inv.private_endpoints, Unknown):
        endpoints = inv.private_endpoints
    else:
        endpoints = []
        for pe in inv.endpoints_by_registry.get(reg.key, ()):
            for target, status in pe.targets:
                if target == reg.key:
                    endpoints.append({"id": pe.id, "name": pe.name, "status": status})
    arm = reg.arm
    raw = reg.raw
    tags, sku, props = raw.get("tags"), raw.get("sku"), raw.get("properties")
    return {
        "id": reg.id,
        "name": reg.name,
        "type": reg.raw.get("type"),
        "location": reg.location,
        "resourceGroup": reg.resource_group,
        "subscriptionId": reg.subscription_id,
        "tags": {} if tags is None else tags,  # (not ``or {}``: an IaC value may be Unknown)
        "sku": {} if sku is None else sku,
        "identity": reg.raw.get("identity"),
        "properties": {} if props is None else props,
        "replications": reg.replications,
        "geoReplicaRegions": _geo_regions(reg),
        "webhooks": reg.webhooks,
        "privateEndpointConnections": [
            {"id": c.id, "name": last_segment(c.id), "status": c.status, "privateEndpointId": c.private_endpoint_id}
            for c in reg.connections
        ],
        "privateEndpoints": endpoints,
        "tokens": arm.tokens,
        "scopeMaps": arm.scope_maps,
        "diagnosticSettings": arm.diagnostic_settings,
        "usage": _usage_doc(arm.usages, reg.id),
        "counts": {
            "webhooks": _count(reg.webhooks),
            "tokens": _count(arm.tokens),
            "scopeMaps": _count(arm.scope_maps),
        },
        "skuLimits": _sku_limits(reg),
    }


def registries(inv: Inventory) -> Iterator[Subject]:
    """One subject per registry (placeholders for scopes whose registries were not listed)."""
    missing = inv.coverage.missing("resourceGraph", "registries")
    if missing is not None and not inv.coverage.has_section("resourceGraph", "registries"):
        yield _scope_placeholder("registry", missing)
        return
    for error in inv.coverage.scope_errors("registries"):
        yield _scope_placeholder("registry", Unknown(error.describe()), error.scope)
    for reg in inv.registries.values():
        yield Subject("registry", _registry_ref(reg), registry_doc(inv, reg))


def _scope_placeholder(kind: str, reason: Unknown, scope: str | None = None) -> Subject:
    scope_id = scope or "/"
    return Subject(kind, SubjectRef(id=scope_id, name=f"scope {scope_id}", kind="scope"), {}, unknown=reason)


# --------------------------------------------------------------------------- private endpoints


def _is_private(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_private
    except ValueError:
        return False


def _expected_records(inv: Inventory, reg: Registry, pe: PrivateEndpoint) -> dict[str, str | Unknown]:
    """Record name → the endpoint IP it must resolve to (from the NIC's member names)."""
    regions = _geo_regions(reg)
    names = [reg.name.lower(), f"{reg.name.lower()}.{reg.location.lower()}.data"]
    if not isinstance(regions, Unknown):
        names += [f"{reg.name.lower()}.{region}.data" for region in regions]
    by_member: dict[str, str] = {}
    nic_unknown: Unknown | None = None
    if isinstance(inv.nic_configs, Unknown):
        nic_unknown = inv.nic_configs
    else:
        for nic in pe.nic_keys:
            configs = inv.nic_configs.get(nic)
            if configs is None:
                nic_unknown = Unknown(f"network interface {nic} of {pe.name} was not collected")
                continue
            for cfg in configs:
                by_member[cfg.member.lower()] = cfg.ip
    expected: dict[str, str | Unknown] = {}
    for name in names:
        if name == reg.name.lower():
            member = "registry"
        else:
            member = "registry_data_" + name[len(reg.name) + 1 : -len(".data")]
        ip = by_member.get(member)
        if ip:
            expected[name] = ip
        else:
            expected[name] = nic_unknown if nic_unknown is not None else Unknown(f"{pe.name} has no IP for {member}")
    return expected


def _endpoint_doc(inv: Inventory, reg: Registry, pe: PrivateEndpoint) -> dict[str, Any]:
    links: list[dict[str, Any]] | Unknown
    linked_zone_keys: list[str] = []
    if pe.subnet_unknown is not None:
        links = pe.subnet_unknown
    elif isinstance(inv.links_by_vnet, Unknown):
        links = inv.links_by_vnet
    elif isinstance(inv.zones, Unknown):
        links = inv.zones
    else:
        zones = inv.zones
        links = []
        for link in inv.links_by_vnet.get(pe.vnet_key or "", ()):
            zone = zones[link.zone_key]
            links.append(
                {
                    "zoneId": zone.id,
                    "zoneResourceGroup": zone.resource_group,
                    "linkName": link.name,
                    "state": link.state,
                    "registrationEnabled": link.registration_enabled,
                }
            )
            if link.state.lower() == "completed":
                linked_zone_keys.append(link.zone_key)
        if not linked_zone_keys and inv.unknown_links:
            # IaC: a link to an unresolved VNet may be this endpoint's link.
            links = next(iter(inv.unknown_links.values()))
    records: list[dict[str, Any]] | Unknown
    if isinstance(inv.records_by_zone, Unknown):
        records = inv.records_by_zone
    elif isinstance(inv.nic_configs, Unknown) and inv.nic_configs.live_only:
        records = inv.nic_configs  # IaC: the endpoint's IP addresses are assigned at deployment
    else:
        records = []
        expected = _expected_records(inv, reg, pe)
        regions = _geo_regions(reg)
        if isinstance(regions, Unknown):
            records = regions
        else:
            for name, ip in sorted(expected.items()):
                actual: list[str] | None = None
                for zone_key in linked_zone_keys:
                    rec = inv.records_by_zone.get(zone_key, {}).get(name)
                    if rec is not None:
                        actual = list(rec.ips)
                        break
                points: bool | Unknown
                if actual is None:
                    points = False
                elif isinstance(ip, Unknown):
                    points = ip
                else:
                    points = bool(actual) and all(a == ip for a in actual)
                records.append(
                    {
                        "record": name,
                        "expectedIp": ip,
                        "actualIps": actual or [],
                        "present": actual is not None,
                        "pointsToEndpoint": points,
                        "allPrivate": all(_is_private(a) for a in actual or ()),
                    }
                )
    zone_rg = None
    if linked_zone_keys and not isinstance(inv.zones, Unknown):
        zone_rg = inv.zones[linked_zone_keys[0]].resource_group
    return {
        "id": pe.id,
        "name": pe.name,
        "subscriptionId": pe.subscription_id,
        "resourceGroup": pe.resource_group,
        "subnetId": pe.subnet_id if pe.subnet_unknown is None else pe.subnet_unknown,
        "vnetId": pe.vnet_id if pe.subnet_unknown is None else pe.subnet_unknown,
        "registry": {"id": reg.id, "name": reg.name, "location": reg.location},
        "zoneLinks": links,
        "zoneLinked": bool(linked_zone_keys) if not isinstance(links, Unknown) else links,
        "zoneResourceGroup": zone_rg,
        "dnsRecords": records,
        "properties": _object(pe.raw.get("properties")),
    }


def private_endpoints(inv: Inventory) -> Iterator[Subject]:
    """One subject per approved private endpoint connection of every registry."""
    for reg in inv.registries.values():
        approved: dict[str, str] = {}
        for conn in reg.connections:
            if conn.status.lower() == "approved" and conn.private_endpoint_id:
                approved[norm(conn.private_endpoint_id)] = conn.private_endpoint_id
        for pe in inv.endpoints_by_registry.get(reg.key, ()):
            if any(t == reg.key and s.lower() == "approved" for t, s in pe.targets):
                approved.setdefault(pe.key, pe.id)
        for key, pe_id in sorted(approved.items()):
            ref = _ref(reg, "private_endpoint", pe_id, last_segment(pe_id))
            if isinstance(inv.private_endpoints, Unknown):
                yield Subject("private_endpoint", ref, {}, unknown=inv.private_endpoints)
                continue
            endpoint = inv.private_endpoints.get(key)
            if endpoint is None:
                reason = Unknown(f"private endpoint {pe_id} is outside the collected scope")
                yield Subject("private_endpoint", ref, {}, unknown=reason)
                continue
            yield Subject("private_endpoint", ref, _endpoint_doc(inv, reg, endpoint))


# --------------------------------------------------------------------------- role assignments


@dataclass(slots=True)
class _Access:
    assignment: RoleAssignment
    role: RoleDefinition | Unknown
    registries: list[Registry]
    names: list[str]


@dataclass(slots=True)
class _AccessMap:
    entries: list[_Access]
    gaps: list[tuple[Registry, Unknown]]
    every_name: list[str] | None  # sorted names of all registries in reach (None if a name repeats)


def _role_for(inv: Inventory, guid: str) -> RoleDefinition | Unknown:
    if isinstance(inv.role_definitions, Unknown):
        return inv.role_definitions
    role = inv.role_definitions.get(guid)
    return role if role is not None else Unknown(f"role definition {guid} was not collected")


MG_PREFIX = "/providers/microsoft.management/managementgroups/"
UNCHAINED = "<registries without a management group chain>"


def _registries_by_scope(inv: Inventory, covered: list[Registry]) -> dict[str, list[Registry]]:
    """Registries under each scope that can hold one (itself, its RG, its subscription, MGs, root).

    Lists are shared between every assignment at the same scope, so a subscription-wide
    assignment costs one dictionary lookup, not one entry per registry.
    """
    index: dict[str, list[Registry]] = {"/": covered}
    unchained: list[Registry] = []  # subscription → MG chain not collected: any MG may hold it
    for reg in covered:  # already in key order, so every list is sorted
        index.setdefault(reg.key, []).append(reg)
        chain = inv.subscription_mgs.get(reg.subscription_id.lower()) if reg.subscription_id else None
        if reg.subscription_id:
            sub = f"/subscriptions/{reg.subscription_id.lower()}"
            index.setdefault(sub, []).append(reg)
            if reg.resource_group:
                index.setdefault(f"{sub}/resourcegroups/{reg.resource_group.lower()}", []).append(reg)
            for mg in chain or ():
                index.setdefault(mg, []).append(reg)
        if chain is None and inv.subscription_mgs:
            unchained.append(reg)
    if unchained:
        # Fail closed: a management-group assignment is taken to reach a registry whose
        # subscription's chain is missing (under-reporting access would be a silent pass).
        for scope, regs in list(index.items()):
            if scope.startswith(MG_PREFIX):
                index[scope] = sorted([*regs, *unchained], key=lambda r: r.key)
        index[UNCHAINED] = unchained
    return index


def registry_access(inv: Inventory) -> _AccessMap | Unknown:
    """Role assignments that grant access to at least one registry, with those registries.

    Registries whose subscription's role assignments could not be read (an ``errors`` entry
    affecting ``roleAssignments``) are returned as gaps, so their rules report ``unknown``.
    A management-group assignment covers the registries of the subscriptions under that group
    when the snapshot carries the subscription → management group chain, and every registry
    in scope otherwise (ARG returned it as an ancestor of a scanned subscription); a
    subscription whose chain alone is missing counts as under every group (fail closed).
    """
    if isinstance(inv.assignments_by_scope, Unknown):
        return inv.assignments_by_scope
    cached = inv.derived.get("registry_access")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    covered: list[Registry] = []
    gaps: list[tuple[Registry, Unknown]] = []
    for reg in inv.registries.values():
        gap = inv.coverage.missing("resourceGraph", "roleAssignments", reg.id)
        if gap is not None:
            gaps.append((reg, gap))
        else:
            covered.append(reg)
    index = _registries_by_scope(inv, covered)
    every_name = sorted(r.name for r in covered)
    names: dict[int, list[str]] = {id(covered): every_name}
    entries: list[_Access] = []
    assignments = [a for group in inv.assignments_by_scope.values() for a in group] + inv.above_subscription
    for assignment in assignments:
        regs = index.get(assignment.scope_key)
        if regs is None and assignment.scope_level == "managementGroup":
            regs = index.get(UNCHAINED) if inv.subscription_mgs else covered
        if not regs:
            continue
        role = _role_for(inv, assignment.role_guid)
        if not isinstance(role, Unknown) and not role.grants_registry_access:
            continue
        shared = names.get(id(regs))
        if shared is None:
            shared = names[id(regs)] = sorted(r.name for r in regs)
        entries.append(_Access(assignment, role, regs, shared))
    entries.sort(key=lambda a: a.assignment.key)
    result = _AccessMap(entries, gaps, every_name if len(set(every_name)) == len(every_name) else None)
    inv.derived["registry_access"] = result
    return result


def principals_with_access(inv: Inventory) -> dict[str, str]:
    """Object id → principalType of every principal holding a role over a registry.

    The live collector asks Microsoft Graph about exactly these.
    """
    access = registry_access(inv)
    if isinstance(access, Unknown):
        return {}
    return {
        e.assignment.principal_id: e.assignment.principal_type
        for e in access.entries
        if type(e.assignment.principal_type) is str
    }


def _principal_doc(inv: Inventory, assignment: RoleAssignment) -> dict[str, Any]:
    pid = assignment.principal_id
    missing = inv.missing_principals
    principals = inv.principals
    deleted: bool | Unknown
    found: bool | Unknown
    lookup_failed = inv.coverage.principal_error(pid)
    if isinstance(missing, Unknown):
        deleted = missing
    elif lookup_failed is not None and pid not in missing:
        deleted = lookup_failed  # Graph could not say whether it exists: not a pass
    else:
        deleted = pid in missing
    doc: dict[str, Any] = {"id": pid, "type": assignment.principal_type}
    if isinstance(principals, Unknown):
        found = principals
        doc.update(servicePrincipalType=principals, hasPasswordCredentials=principals)
    else:
        sp = principals.get(pid)
        found = sp is not None
        if sp is not None:
            doc.update(
                displayName=sp.display_name,
                appId=sp.app_id,
                servicePrincipalType=sp.sp_type,
                hasPasswordCredentials=bool(sp.credentials),
                passwordCredentialCount=len(sp.credentials),
            )
        elif _is_service_principal(assignment) and deleted is not True:
            reason = Unknown(f"service principal {pid} was not returned by Microsoft Graph")
            doc.update(servicePrincipalType=reason, hasPasswordCredentials=reason)
            if deleted is False:
                deleted = reason
    doc["deleted"] = deleted
    doc["found"] = found
    return doc


def _is_service_principal(assignment: RoleAssignment) -> bool:
    kind = assignment.principal_type
    return type(kind) is str and kind.lower() == "serviceprincipal"


def _role_doc(role: RoleDefinition | Unknown) -> Mapping[str, Any] | Unknown:
    if isinstance(role, Unknown):
        return role
    return {
        "guid": role.guid,
        "id": role.id,
        "name": role.name,
        "type": role.role_type,
        "grantsRegistryWrite": role.grants_registry_write,
        "grantsListCredentials": role.grants_list_credentials,
    }


def role_assignments(inv: Inventory) -> Iterator[Subject]:
    """One subject per role assignment that reaches at least one registry."""
    access = registry_access(inv)
    if isinstance(access, Unknown):
        for reg in inv.registries.values():
            yield Subject("role_assignment", _registry_ref(reg), {}, unknown=access)
        return
    for reg, gap in access.gaps:
        yield Subject("role_assignment", _registry_ref(reg), {}, unknown=gap)
    # Documents are read-only for rules, so one role (or principal) document serves every
    # assignment that names it.
    role_docs: dict[str, Any] = {}
    principal_docs: dict[tuple[str, str | Unknown], Any] = {}
    for entry in access.entries:
        a = entry.assignment
        principal_key = (a.principal_id, a.principal_type)
        if a.role_guid not in role_docs:
            role_docs[a.role_guid] = _role_doc(entry.role)
        if principal_key not in principal_docs:
            principal_docs[principal_key] = _principal_doc(inv, a)
        regs = entry.registries
        first = regs[0]
        doc = {
            "id": a.id,
            "name": a.name,
            "scope": a.scope,
            "scopeLevel": a.scope_level,
            "principalId": a.principal_id,
            "principalType": a.principal_type,
            "condition": a.condition,
            "role": role_docs[a.role_guid],
            "principal": principal_docs[principal_key],
            "registries": entry.names,
            "registryCount": len(regs),
            "registry": {"id": first.id, "name": first.name},
        }
        ref = new_subject_ref(
            a.id,
            f"{doc['role']['name'] if isinstance(doc['role'], Mapping) else a.role_guid} → {a.principal_id}",
            "role_assignment",
            first.subscription_id if a.scope_level != "root" else None,
            first.resource_group if a.scope_level in ("resource", "resourceGroup") else None,
            first.id if len(regs) == 1 else None,
            first.name if len(regs) == 1 else None,
        )
        yield Subject("role_assignment", ref, doc)


# --------------------------------------------------------------------------- credentials


def _credential_doc(principal: Principal, cred: Credential | None, regs: list[str]) -> dict[str, Any]:
    return {
        "id": f"{principal.id}/passwordCredentials/{cred.key_id}" if cred else principal.id,
        "name": (cred.display_name or cred.key_id) if cred else (principal.display_name or principal.id),
        "principal": {
            "id": principal.id,
            "appId": principal.app_id,
            "displayName": principal.display_name,
            "servicePrincipalType": principal.sp_type,
            "applicationObjectId": principal.application_id,
        },
        "credential": None
        if cred is None
        else {
            "keyId": cred.key_id,
            "displayName": cred.display_name,
            "startDateTime": cred.start,
            "endDateTime": cred.end,
            "owner": cred.owner,
            "ownerId": cred.owner_id,
        },
        "registries": regs,
    }


def _union_sorted(lists: list[list[str]], every_name: list[str] | None) -> list[str]:
    """Sorted union of sorted registry-name lists; a single (shared) list is reused as is.

    A principal holding a management-group or root assignment has one list naming every
    registry in reach (``every_name``, when no name repeats): the union is that list, and
    merging it again for each such principal would grow with the square of the tenant.
    Otherwise concatenated sorted runs sort in linear time (Timsort merges runs), and
    ``dict.fromkeys`` drops the duplicates while keeping that order.
    """
    if len(lists) == 1:
        return lists[0]
    if every_name is not None and any(len(names) == len(every_name) for names in lists):
        return every_name
    return list(dict.fromkeys(sorted(chain.from_iterable(lists))))


def credentials(inv: Inventory) -> Iterator[Subject]:
    """One subject per password credential of each service principal with registry access."""
    access = registry_access(inv)
    if isinstance(access, Unknown):
        for reg in inv.registries.values():
            yield Subject("credential", _registry_ref(reg), {}, unknown=access)
        return
    for reg, gap in access.gaps:
        yield Subject("credential", _registry_ref(reg), {}, unknown=gap)
    lists_by_principal: dict[str, dict[int, list[str]]] = {}
    for entry in access.entries:
        if _is_service_principal(entry.assignment):
            lists_by_principal.setdefault(entry.assignment.principal_id, {})[id(entry.names)] = entry.names
    for pid in sorted(lists_by_principal):
        regs = _union_sorted(list(lists_by_principal[pid].values()), access.every_name)
        base = SubjectRef(id=pid, name=pid, kind="credential")
        if isinstance(inv.missing_principals, Unknown):
            yield Subject("credential", base, {"registries": regs}, unknown=inv.missing_principals)
            continue
        if pid in inv.missing_principals:
            yield Subject("credential", base, {"registries": regs}, not_applicable="principal was deleted")
            continue
        if isinstance(inv.principals, Unknown):
            yield Subject("credential", base, {"registries": regs}, unknown=inv.principals)
            continue
        principal = inv.principals.get(pid)
        if principal is None:
            reason = Unknown(f"service principal {pid} was not returned by Microsoft Graph")
            yield Subject("credential", base, {"registries": regs}, unknown=reason)
            continue
        name = principal.display_name or pid
        if not principal.credentials:
            ref = new_subject_ref(principal.id, name, "credential")
            yield Subject("credential", ref, _credential_doc(principal, None, regs))
            continue
        for cred in sorted(principal.credentials, key=lambda c: (c.owner, c.key_id)):
            doc = _credential_doc(principal, cred, regs)
            ref = new_subject_ref(doc["id"], f"{name}: {doc['name']}", "credential")
            yield Subject("credential", ref, doc)


# --------------------------------------------------------------------------- tokens


def _scope_map_doc(reg: Registry, scope_map_id: str | Unknown | None) -> Mapping[str, Any] | Unknown | None:
    if isinstance(scope_map_id, Unknown):
        return scope_map_id
    if not scope_map_id:
        return None
    maps = reg.arm.scope_maps
    if isinstance(maps, Unknown):
        return maps
    key = norm(scope_map_id)
    for sm in maps:
        if norm(sm["id"]) == key:
            props = sm.get("properties") or {}
            actions = props.get("actions")
            return {
                "id": sm["id"],
                "name": sm.get("name"),
                "type": props.get("type"),
                "actions": actions if isinstance(actions, Unknown) else list(actions or ()),
            }
    return {
        "id": scope_map_id,
        "name": last_segment(scope_map_id),
        "type": None,
        "actions": Unknown(f"scope map {scope_map_id} was not returned by ScopeMaps_List"),
    }


def _token_fields(token: Raw) -> tuple[Mapping[str, Any], str | Unknown, list[dict[str, Any]]]:
    """A token's properties, its status (enabled unless it says otherwise), and its passwords."""
    props = token.get("properties") or {}
    creds = props.get("credentials")
    creds = creds if type(creds) is dict or isinstance(creds, Mapping) else {}
    status = props.get("status")
    passwords = creds.get("passwords")
    return (
        props,
        "enabled" if status is None or status == "" else status,
        [
            {"name": p.get("name"), "creationTime": p.get("creationTime"), "expiry": p.get("expiry")}
            for p in (passwords if type(passwords) is list else ())
        ],
    )


def _token_doc(reg: Registry, token: Raw) -> dict[str, Any]:
    props, status, passwords = _token_fields(token)
    return {
        "id": token["id"],
        "name": token.get("name"),
        "status": status,
        "scopeMapId": props.get("scopeMapId"),
        "scopeMap": _scope_map_doc(reg, props.get("scopeMapId")),
        "passwords": passwords,
        "registry": {"id": reg.id, "name": reg.name},
        "properties": props,
    }


def tokens(inv: Inventory) -> Iterator[Subject]:
    """One subject per repository-scoped token of every registry."""
    for reg in inv.registries.values():
        if isinstance(reg.arm.tokens, Unknown):
            yield Subject("token", _registry_ref(reg), {}, unknown=reg.arm.tokens)
            continue
        for token in sorted(reg.arm.tokens, key=lambda t: norm(t["id"])):
            yield Subject("token", _ref(reg, "token", token["id"], str(token.get("name"))), _token_doc(reg, token))


def token_passwords(inv: Inventory) -> Iterator[Subject]:
    """One subject per password of every token (one for a token without passwords)."""
    for reg in inv.registries.values():
        if isinstance(reg.arm.tokens, Unknown):
            yield Subject("token_password", _registry_ref(reg), {}, unknown=reg.arm.tokens)
            continue
        registry = {"id": reg.id, "name": reg.name}
        for token in sorted(reg.arm.tokens, key=lambda t: norm(t["id"])):
            # Only the token's id, name, status and passwords: its scope map is the token
            # subject's business, not worth resolving once per password.
            _, status, listed = _token_fields(token)
            token_id, token_name = token["id"], token.get("name")
            token_info = {"id": token_id, "name": token_name, "status": status}
            passwords: list[dict[str, Any] | None] = [*listed] or [None]
            for password in passwords:
                suffix = f"/passwords/{password['name']}" if password else ""
                pname = f"{token_name}/{password['name']}" if password else f"{token_name} (no passwords)"
                doc = {
                    "id": token_id + suffix,
                    "name": pname,
                    "token": token_info,
                    "password": password,
                    "registry": registry,
                }
                yield Subject("token_password", _ref(reg, "token_password", doc["id"], pname), doc)


ENUMERATORS: dict[str, Callable[[Inventory], Iterator[Subject]]] = {
    "registry": registries,
    "private_endpoint": private_endpoints,
    "role_assignment": role_assignments,
    "credential": credentials,
    "token": tokens,
    "token_password": token_passwords,
}
