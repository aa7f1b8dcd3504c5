"""``acr-scan merge``: several snapshots of one estate (the shards of ``collect --shard K/N``, or
collections split by hand) joined into one, which scans exactly as one collection would.

- Every list (``resourceGraph``, ``graph``) is the union of the inputs' rows by lower-cased id,
  sorted by it as a collection sorts them. Tenant-level rows (role definitions, management-group
  assignments, service principals, a group's members) come with every shard: identical copies
  are one row; copies that differ are a *conflict*, reported, and the first input's is kept.
- ``arm`` entries are joined by registry; the same registry in two inputs is a conflict unless
  identical. ``errors`` are all kept (identical ones once). A Resource Graph or ARM error that
  names no scope covered everything *its input* asked for: it is written once per subscription
  of that input (:func:`_confined`), so one part's failed list leaves the other parts'
  registries judged on their own data instead of turning them all ``unknown``.
- A list one input did not collect (absent) is not collected in the result either: a part of
  the estate would otherwise pass unseen (fail closed).
- ``scope`` is the union (the shards' common scope, without the shard marks), ``collectedAt``
  the earliest, and ``merged`` records every input: its file, SHA-256, collection time and scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from scanner.azure.sections import GROUP_MEMBERS
from scanner.errors import InputError

_GRAPH_LISTS = ("servicePrincipals", "applications", "directoryObjects")


class Input(msgspec.Struct, frozen=True):
    """One snapshot to merge: where it came from, its file's SHA-256 and its document."""

    name: str
    sha256: str
    document: dict[str, Any]


class Merged(msgspec.Struct, frozen=True):
    document: dict[str, Any]
    conflicts: tuple[str, ...]


def _key(row: Any) -> str:
    return str(row.get("id", "")).lower() if isinstance(row, dict) else ""


class _Joiner:
    def __init__(self) -> None:
        self.conflicts: list[str] = []

    def _conflict(self, where: str, key: str, first: str, other: str) -> None:
        self.conflicts.append(f"{where} {key}: {first} and {other} differ ({first}'s kept)")

    def rows(self, where: str, parts: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """The union of rows by lower-cased id (a conflict when two inputs differ on one id)."""
        kept: dict[str, tuple[str, Any]] = {}
        for name, rows in parts:
            for row in rows:
                key = _key(row)
                first = kept.get(key)
                if first is None:
                    kept[key] = (name, row)
                elif first[1] != row:
                    self._conflict(where, key or "<no id>", first[0], name)
        return [kept[key][1] for key in sorted(kept)]

    def mapping(self, where: str, parts: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        kept: dict[str, tuple[str, Any]] = {}
        for name, entries in parts:
            for key, value in entries.items():
                first = kept.get(key)
                if first is None:
                    kept[key] = (name, value)
                elif first[1] != value:
                    self._conflict(where, key, first[0], name)
        return {key: kept[key][1] for key in sorted(kept)}


def _section(inputs: Sequence[Input], section: str) -> list[tuple[str, dict[str, Any]]]:
    return [(i.name, i.document.get(section) or {}) for i in inputs]


def _lists(joiner: _Joiner, inputs: Sequence[Input], section: str, names: Sequence[str]) -> dict[str, Any]:
    """Each list present in every input, joined; a list some input lacks stays absent (not collected)."""
    parts = _section(inputs, section)
    out: dict[str, Any] = {}
    for name in names:
        if all(name in doc for _, doc in parts):
            out[name] = joiner.rows(f"{section}.{name}", [(n, list(doc[name])) for n, doc in parts])
    return out


def _scope(inputs: Sequence[Input]) -> dict[str, Any]:
    scopes = [dict(i.document.get("scope") or {}) for i in inputs]
    out: dict[str, Any] = {}
    if any(s.get("tenant") for s in scopes):
        out["tenant"] = True
    for key in ("subscriptions", "managementGroups"):
        union = sorted({str(v).lower() if key == "subscriptions" else str(v) for s in scopes for v in s.get(key) or ()})
        if union:
            out[key] = union
    return out


def _subscriptions_read(doc: dict[str, Any]) -> list[str] | None:
    """The subscriptions one input's queries covered, or None when that is not known for sure.

    A part of ``collect --shard`` says which; a collection by subscription names them in its
    scope. A management-group or tenant collection lists them in ``resourceGraph.subscriptions``
    only when that list was read without an error; otherwise nothing narrower than "all" is safe.
    """
    found = doc.get("scope")
    scope: dict[str, Any] = found if isinstance(found, dict) else {}
    shard = scope.get("shard")
    if isinstance(shard, dict) and isinstance(shard.get("subscriptions"), list):
        return [str(s).lower() for s in shard["subscriptions"]]
    if scope.get("subscriptions") and not scope.get("managementGroups") and not scope.get("tenant"):
        return [str(s).lower() for s in scope["subscriptions"]]
    listed = (doc.get("resourceGraph") or {}).get("subscriptions")
    failed = any("subscriptions" in (e.get("affects") or ()) for e in doc.get("errors") or () if isinstance(e, dict))
    if isinstance(listed, list) and not failed:
        return sorted({str(r.get("subscriptionId") or "").lower() for r in listed if isinstance(r, dict)} - {""})
    return None


def _confined(doc: dict[str, Any]) -> list[Any]:
    """One input's ``errors``, each unscoped Resource Graph or ARM error confined to the input's
    subscriptions (one entry per subscription). Microsoft Graph errors stay as they are: every
    part asks Graph about its own principals, and a principal may hold roles in any part."""
    errors = [e for e in doc.get("errors") or () if isinstance(e, dict)]
    subscriptions = _subscriptions_read(doc)
    if subscriptions is None:
        return errors
    out: list[Any] = []
    for error in errors:
        if error.get("scope") or error.get("source") not in ("resourceGraph", "arm"):
            out.append(error)
        else:
            out.extend({**error, "scope": f"/subscriptions/{s}"} for s in subscriptions)
    return out


def _check(inputs: Sequence[Input]) -> None:
    if not inputs:
        raise InputError("merge: no snapshot given")
    for i in inputs:
        doc = i.document
        if doc.get("kind") != "acr-snapshot" or doc.get("version") != 1:
            raise InputError(f"{i.name}: not an acr-scan snapshot (kind acr-snapshot, version 1)")
        if "merged" in doc:
            raise InputError(f"{i.name}: already a merged snapshot: merge the shards it was made of instead")
    marks = [(i.document.get("scope") or {}).get("shard") for i in inputs]
    splits = sorted({int(m["of"]) for m in marks if isinstance(m, dict)})
    if len(splits) > 1:
        raise InputError(f"merge: the inputs are parts of different splits ({', '.join(map(str, splits))} parts)")


def merge(inputs: Sequence[Input]) -> Merged:
    """One snapshot from ``inputs`` (in the order given: on a conflict, the earlier input's row wins)."""
    _check(inputs)
    joiner = _Joiner()
    tenants = {i.document.get("tenantId") for i in inputs if i.document.get("tenantId")}
    if len(tenants) > 1:
        joiner.conflicts.append(f"tenantId: the inputs come from {len(tenants)} tenants; none is recorded")
    rg_names = sorted({name for _, doc in _section(inputs, "resourceGraph") for name in doc})
    graph_parts = _section(inputs, "graph")
    graph: dict[str, Any] = _lists(joiner, inputs, "graph", _GRAPH_LISTS)
    if all("missingPrincipals" in doc for _, doc in graph_parts):
        graph["missingPrincipals"] = sorted({str(p) for _, doc in graph_parts for p in doc["missingPrincipals"]})
    if all(GROUP_MEMBERS in doc for _, doc in graph_parts):
        members = [(n, doc[GROUP_MEMBERS]) for n, doc in graph_parts]
        graph[GROUP_MEMBERS] = joiner.mapping(f"graph.{GROUP_MEMBERS}", members)
    errors: list[Any] = []
    for i in inputs:
        # (One input alone is kept as it is: there is no other part its errors could spill onto.)
        own = _confined(i.document) if len(inputs) > 1 else list(i.document.get("errors") or ())
        errors.extend(e for e in own if e not in errors)
    document: dict[str, Any] = {
        "kind": "acr-snapshot",
        "version": 1,
        "collectedAt": min(str(i.document["collectedAt"]) for i in inputs),
        "scope": _scope(inputs),
        "collector": dict(inputs[0].document.get("collector") or {}),
        "resourceGraph": _lists(joiner, inputs, "resourceGraph", rg_names),
        "arm": joiner.mapping("arm", [(n, dict(doc)) for n, doc in _section(inputs, "arm")]),
        "graph": graph,
        "errors": errors,
        "merged": [
            {
                "file": i.name,
                "sha256": i.sha256,
                "collectedAt": i.document["collectedAt"],
                "scope": i.document.get("scope") or {},
            }
            for i in inputs
        ],
    }
    if len(tenants) == 1:
        document["tenantId"] = next(iter(tenants))
    return Merged(document, tuple(joiner.conflicts))
