"""ARM templates (and Bicep compiled with ``az bicep build``) → declared resources in their live shape.

What is read:

* top-level resources (a list, or the symbolic-name object of ``languageVersion 2.0``; an
  ``existing`` resource is a reference, not a deployment) and child resources nested in
  ``resources`` (type and name extended from the parent's), including the old extension form
  ``.../registries/providers/roleAssignments`` named ``acr/Microsoft.Authorization/<guid>``;
* ``copy`` loops on resources and on properties, ``copyIndex()`` with loop names and offsets,
  and ``condition`` (false: not deployed, so skipped; unresolved: kept);
* parameters (defaults, and values from parameters files), variables (including variables
  built from other variables and variable copy loops);
* nested ``Microsoft.Resources/deployments``: an inline ``template`` or a ``templateLink``
  with a ``relativePath`` next to this file, evaluated in the outer scope (the parent's
  parameters and variables) or, with ``expressionEvaluationOptions.scope: inner`` (and always
  for linked templates), in their own scope with the ``parameters`` the deployment passes;
  ``resourceGroup`` and ``subscriptionId`` move the resources they deploy;
* extension resources (role assignments, diagnostic settings) with a ``scope``.

Each resource of a type the scanner reads becomes an :class:`IacResource`: its row (id built
as Azure would build it, see :mod:`scanner.sources.iac.ids`), the line of the resource and,
on demand, of any property, and its inline suppressions, declared in the resource's
``metadata``::

    "metadata": {"acr-scan:ignore": [{"rule": "ACR-001", "reason": "break-glass registry"}]}

(also ``{"ACR-001": "reason"}`` or ``"ACR-001 reason"``; the reason is required).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.azure.sections import wanted
from scanner.errors import InputError
from scanner.sources.declarations import IacResource, InlineSuppression
from scanner.sources.iac import budget
from scanner.sources.iac.arm.expressions.context import Target
from scanner.sources.iac.arm.expressions.evaluator import copy_count, evaluate_string, evaluate_value
from scanner.sources.iac.arm.expressions.parser import ExpressionError
from scanner.sources.iac.arm.expressions.scope import Env, Scope
from scanner.sources.iac.arm.expressions.values import Unresolved, to_text
from scanner.sources.iac.arm.json_doc import JsonDoc, decode, load_json
from scanner.sources.iac.budget import BudgetExceeded, Meter
from scanner.sources.iac.ids import DEFAULT_RESOURCE_GROUP
from scanner.unknown import Unknown

SUPPRESS_KEY = "acr-scan:ignore"
DEPLOYMENTS = "microsoft.resources/deployments"
_EXTENSIONS = frozenset({"microsoft.authorization/roleassignments", "microsoft.insights/diagnosticsettings"})
_ROW_FIELDS = ("location", "sku", "kind", "tags", "identity", "properties", "zones", "plan")

# Canonical casing of the property names rules read: ARM accepts any casing in a template,
# Azure returns these, and rules compare paths exactly.
_CANONICAL_NAMES = (
    "adminUserEnabled anonymousPullEnabled publicNetworkAccess networkRuleSet defaultAction ipRules "
    "value action policies exportPolicy status retentionPolicy days trustPolicy type quarantinePolicy "
    "azureADAuthenticationAsArmPolicy softDeletePolicy encryption keyVaultProperties dataEndpointEnabled "
    "zoneRedundancy networkRuleBypassOptions privateEndpointConnections privateEndpoint "
    "privateLinkServiceConnectionState subnet id name privateLinkServiceConnections "
    "manualPrivateLinkServiceConnections privateLinkServiceId groupIds virtualNetwork registrationEnabled "
    "virtualNetworkLinkState roleDefinitionId principalId principalType scope condition workspaceId "
    "storageAccountId logs category categoryGroup enabled scopeMapId credentials passwords expiry "
    "creationTime aRecords ipv4Address privateDnsZoneConfigs privateDnsZoneId actions regionEndpointEnabled "
    "roleName permissions notActions dataActions notDataActions assignableScopes serviceUri"
)
_CANONICAL = {name.lower(): name for name in _CANONICAL_NAMES.split()}
_KNOWN = frozenset(_CANONICAL.values())


def _canonical(key: str) -> str:
    return key if key in _KNOWN else _CANONICAL.get(key.lower(), key)


_KEYS: dict[str, tuple[str, bool]] = {}  # property name → (canonical name, holds an id)


def _id_like(key: str) -> bool:
    """Properties holding resource ids: an unresolved one keeps its placeholder, so relations join."""
    return key == "id" or key == "scope" or key.endswith("Id")


@dataclass(frozen=True, slots=True)
class _File:
    """The file being read: its document (for lines) and its label (repo-relative path)."""

    doc: JsonDoc
    label: str
    path: Path


@dataclass(frozen=True, slots=True)
class _Parent:
    type: str
    name: str
    id: str


class PropertyLines(Mapping[str, int]):
    """Lines of a resource's properties, looked up in the template only when a finding needs one.

    Keys are row paths (``properties.networkRuleSet.ipRules.0.value``); a path through a value
    that an expression or a property copy loop produced is not in the file and is absent.
    """

    __slots__ = ("_doc", "_flat", "_lower", "_raw")

    def __init__(self, doc: JsonDoc, raw: Mapping[str, Any]) -> None:
        self._doc = doc
        self._raw = raw
        self._flat: dict[str, int] | None = None
        self._lower: dict[int, dict[str, str]] | None = None

    def nearest(self, path: str) -> tuple[int | None, bool]:
        """(line, exact): the line of ``path``, or of its deepest declared parent below the top level."""
        cur: Any = self._raw
        table = self._doc.offsets
        offset: int | None = None  # of the deepest key found below the top level
        block: Any = None  # or, for a list item, the object found there
        parts = path.split(".")
        top = len(parts) > 1  # the top level ("properties") alone is too coarse to point at
        for part in parts:
            kind = type(cur)
            if kind is dict:
                key = part if part in cur else self._lowered(cur).get(part.lower())
                if key is None:
                    return self._line(offset, block), False
                if top:
                    top = False
                else:
                    keys = table.get(id(cur))
                    offset, block = (keys.get(key) if keys is not None else None), None
                cur = cur[key]
            elif kind is list and part.isdigit() and int(part) < len(cur):
                cur = cur[int(part)]
                top = False
                if type(cur) is dict:
                    block = cur
            else:
                return self._line(offset, block), False
        return self._line(offset, block), True

    def _line(self, offset: int | None, block: Any) -> int | None:
        if block is not None:
            line = self._doc.object_line(block)
            if line is not None:
                return line
        return None if offset is None else self._doc.line_at(offset)

    def _lowered(self, obj: dict[str, Any]) -> dict[str, str]:
        """Lower-cased key → key of an object of the template (ARM names are case-insensitive)."""
        if self._lower is None:
            self._lower = {}
        mapping = self._lower.get(id(obj))
        if mapping is None:
            mapping = self._lower[id(obj)] = {k.lower(): k for k in obj if isinstance(k, str)}
        return mapping

    def __getitem__(self, path: str) -> int:
        line, exact = self.nearest(path)
        if line is None or not exact:
            raise KeyError(path)
        return line

    def _all(self) -> dict[str, int]:
        if self._flat is None:
            flat: dict[str, int] = {}

            def walk(node: Any, prefix: str) -> None:
                if isinstance(node, Mapping):
                    for key, value in node.items():
                        line = self._doc.key_line(node, key)
                        path = f"{prefix}{_canonical(key)}"
                        if line is not None:
                            flat[path] = line
                        walk(value, path + ".")
                elif isinstance(node, list):
                    for index, value in enumerate(node):
                        walk(value, f"{prefix}{index}.")

            for key in _ROW_FIELDS:
                if key in self._raw:
                    line = self._doc.key_line(self._raw, key)
                    if line is not None:
                        flat[key] = line
                    walk(self._raw[key], key + ".")
            self._flat = flat
        return self._flat

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def _level(template: Mapping[str, Any]) -> str:
    schema = str(template.get("$schema") or "").lower()
    for marker, level in (
        ("subscriptiondeploymenttemplate", "subscription"),
        ("managementgroupdeploymenttemplate", "managementGroup"),
        ("tenantdeploymenttemplate", "tenant"),
    ):
        if marker in schema:
            return level
    return "resourceGroup"


def read_parameters(path: Path, raw: bytes | None = None) -> dict[str, Any]:
    """The values of an ARM parameters file (``{"parameters": {"name": {"value": ...}}}``)."""
    if raw is None:
        raw = budget.read_bounded(path, budget.TEMPLATE_BYTES, str(path), "parameters file")
    _bytes, data = decode(str(path), raw)
    budget.check_json(data, str(path))
    params = data.get("parameters") if isinstance(data, Mapping) else None
    if not isinstance(params, Mapping):
        raise InputError(f"{path}: not an ARM parameters file (no 'parameters' object)")
    values: dict[str, Any] = {}
    for name, entry in params.items():
        if isinstance(entry, Mapping) and "value" in entry:
            values[name] = entry["value"]
        elif isinstance(entry, Mapping) and "reference" in entry:
            values[name] = Unresolved(
                f"parameter '{name}' is a Key Vault reference, read at deployment ({path.name})", f"<{name}>"
            )
    return values


class _Reader:
    def __init__(self, repo_root: Path, meter: Meter, trees: Sequence[Path]) -> None:
        self.repo_root = repo_root
        self.meter = meter
        self.trees = trees  # where a linked template may be (the scanned folders, the repository)
        self.out: list[IacResource] = []
        self.deployed: list[int] = []  # resources each template being read has deployed so far (innermost last)
        self.links: list[Path] = []  # the chain of template files being read, outermost first
        self.linked_docs: dict[Path, JsonDoc] = {}  # a linked template is parsed once however often deployed

    # ------------------------------------------------------------------ values

    def _prop(self, value: Any, env: Env, id_like: bool) -> Any:
        """A property value with its expressions evaluated (the hot loop of a large template)."""
        kind = type(value)
        if kind is str:
            if value[:1] != "[":
                self.meter.size += len(value)  # a literal: counted here, checked with the next object
                return value
            return self._finish(evaluate_string(value, env), value, id_like)
        if kind is not dict and kind is not list:
            return value
        meter = self.meter
        meter.size += len(value) * budget.ITEM_SIZE
        if meter.size > budget.SCAN_VALUE_SIZE:
            meter.spend(0, "a resource's properties")
        if kind is dict:
            loops = value.get("copy")
            if loops is not None and not (
                isinstance(loops, list) and loops and all(isinstance(x, dict) and "input" in x for x in loops)
            ):
                loops = None
            out: dict[str, Any] = {}
            keys = _KEYS
            for key, item in value.items():
                if loops is not None and key == "copy":
                    continue
                info = keys.get(key)
                if info is None:
                    if key[:1] == "[":
                        key = to_text(self._finish(evaluate_string(key, env), key, True))
                        info = (_canonical(key), _id_like(key))
                    else:
                        info = keys[key] = (_canonical(key), _id_like(_canonical(key)))
                item_kind = type(item)
                if item_kind is str:
                    if item[:1] != "[":
                        meter.size += len(item)  # a literal: counted here, checked with the next object
                        out[info[0]] = item
                    else:
                        out[info[0]] = self._finish(evaluate_string(item, env), item, info[1])
                elif item_kind is dict or item_kind is list:
                    out[info[0]] = self._prop(item, env, info[1])
                else:
                    out[info[0]] = item
            for loop in loops or ():
                name = str(loop.get("name"))
                count = copy_count(loop.get("count"), env, name)
                if isinstance(count, Unresolved):
                    out[name] = Unknown(
                        f"the count of property copy loop '{name}' could not be resolved: {count.reason}"
                    )
                else:
                    out[name] = [self._prop(loop["input"], env.with_copy(name, i), False) for i in range(count)]
            return out
        if kind is list:
            return [self._prop(item, env, id_like) for item in value]
        return value

    def _finish(self, result: Any, source: str, id_like: bool) -> Any:
        """An expression's value as a row holds it: unresolved → Unknown (or the placeholder, for ids)."""
        kind = type(result)
        if kind is str:
            self.meter.spend(len(result), "a resource's properties", source)
            return result
        if kind is Unresolved:
            if id_like:
                return result.placeholder
            return Unknown(f"{source} could not be resolved: {result.reason}")
        if kind is list or kind is dict:
            # The row gets its own copy: a value built from the same array twice is twice its size here.
            self.meter.charge_value(result, "a resource's properties", source)
            return self._finish_deep(result, source, 1)
        return result

    def _finish_deep(self, value: Any, source: str, depth: int) -> Any:
        if type(value) is Unresolved:
            return Unknown(f"{source} could not be resolved: {value.reason}")
        if isinstance(value, dict | list) and depth > budget.JSON_DEPTH:
            raise BudgetExceeded(
                f"the expression's value nests arrays and objects more than {budget.JSON_DEPTH} levels deep "
                "(the limit)",
                source,
            )
        if isinstance(value, dict):
            return {_canonical(k): self._finish_deep(v, source, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [self._finish_deep(v, source, depth + 1) for v in value]
        return value

    def _text(self, value: Any, env: Env) -> str:
        """A name, type or scope: always a string (an unresolved one is its placeholder)."""
        if type(value) is str and value[:1] != "[":
            return value
        result = evaluate_value(value, env) if isinstance(value, str) else value
        if type(result) is Unresolved:
            return result.placeholder
        return to_text(result)

    # ------------------------------------------------------------------ resources

    def template(self, template: Mapping[str, Any], env: Env, target: Target, file: _File) -> None:
        resources = template.get("resources")
        self.deployed.append(0)
        try:
            if isinstance(resources, Mapping):  # languageVersion 2.0: symbolic names
                for symbolic, raw in resources.items():
                    self._resource(raw, env, None, target, file, str(symbolic))
            elif isinstance(resources, list):
                for raw in resources:
                    self._resource(raw, env, None, target, file, None)
        finally:
            self.deployed.pop()

    def _resource(
        self, raw: Any, env: Env, parent: _Parent | None, target: Target, file: _File, symbolic: str | None
    ) -> None:
        if not isinstance(raw, Mapping) or raw.get("existing") is True:
            return
        copy = raw.get("copy")
        if not isinstance(copy, Mapping):
            self._located(raw, env, parent, target, file, symbolic)
            return
        name = str(copy.get("name") or "copy")
        count = self._guard(lambda: copy_count(copy.get("count"), env, name), raw, file)
        if isinstance(count, Unresolved):
            # One representative instance: its findings hold for every copy the loop makes.
            self._located(raw, env.with_copy(name, count), parent, target, file, symbolic)
            return
        assert isinstance(count, int)
        for index in range(count):
            self._located(raw, env.with_copy(name, index), parent, target, file, symbolic)

    def _guard(self, work: Any, raw: Mapping[str, Any], file: _File) -> Any:
        try:
            return work()
        except (ExpressionError, BudgetExceeded) as exc:
            offset = -1
            if exc.expression is not None:
                needle = json.dumps(exc.expression, ensure_ascii=False)[1:-1].encode()
                offset = file.doc.raw.find(needle)
            line = file.doc.line_at(offset) if offset >= 0 else file.doc.object_line(raw)
            where = f"{file.label}:{line}" if line is not None else file.label
            raise InputError(f"{where}: {exc}") from None

    def _located(
        self,
        raw: Mapping[str, Any],
        env: Env,
        parent: _Parent | None,
        target: Target,
        file: _File,
        symbolic: str | None,
    ) -> None:
        self._guard(lambda: self._instance(raw, env, parent, target, file, symbolic), raw, file)

    def _count(self) -> None:
        """One more resource instance: within its template's limit and the scan's."""
        self.deployed[-1] += 1
        if self.deployed[-1] > budget.TEMPLATE_RESOURCES:
            raise BudgetExceeded(
                f"the template deploys more than {budget.TEMPLATE_RESOURCES} resources (copies included), "
                "over Azure's limit"
            )
        self.meter.resource()

    def _instance(
        self,
        raw: Mapping[str, Any],
        env: Env,
        parent: _Parent | None,
        target: Target,
        file: _File,
        symbolic: str | None,
    ) -> None:
        self._count()
        fields = {k.lower(): v for k, v in raw.items()}
        if "condition" in fields:
            condition = evaluate_value(fields["condition"], env)
            if condition is False:
                return
        raw_type, raw_name = fields.get("type"), fields.get("name")
        if not isinstance(raw_type, str) or raw_name is None:
            return
        rtype = self._text(raw_type, env)
        name = self._text(raw_name, env)
        full_type, full_name = _qualify(parent, rtype, name)
        if full_type.lower() == DEPLOYMENTS:
            self._deployment(fields, env, target, file)
            return
        scope_id: str | None = None
        ext_type, ext_name = full_type, full_name
        if "/providers/" in full_type.lower():
            scope_id, ext_type, ext_name = _split_extension(target, full_type, full_name)
        elif "scope" in fields:
            scope_id = _absolute_scope(target, self._text(fields["scope"], env))
        elif full_type.lower() in _EXTENSIONS:
            scope_id = target.scope_id()
        rid = _resource_id(target, ext_type, ext_name, scope_id)
        if wanted(ext_type):
            self.out.append(self._row(raw, fields, env, target, file, symbolic, rid, ext_type, ext_name, scope_id))
        children = fields.get("resources")
        if isinstance(children, list):
            me = _Parent(full_type, full_name, rid)
            for child in children:
                self._resource(child, env, me, target, file, None)

    def _row(
        self,
        raw: Mapping[str, Any],
        fields: Mapping[str, Any],
        env: Env,
        target: Target,
        file: _File,
        symbolic: str | None,
        rid: str,
        rtype: str,
        name: str,
        scope_id: str | None,
    ) -> IacResource:
        row: dict[str, Any] = {"id": rid, "name": name.rsplit("/", 1)[-1], "type": rtype}
        if scope_id is None:
            row["subscriptionId"] = target.subscription_id
            if target.resource_group is not None and target.level == "resourceGroup":
                row["resourceGroup"] = target.resource_group
        for key in _ROW_FIELDS:
            if key in fields:
                row[key] = self._prop(fields[key], env, False)
        if rtype.lower() == "microsoft.authorization/roleassignments":
            props = row.get("properties")
            if isinstance(props, dict) and scope_id is not None:
                props["scope"] = scope_id
        return IacResource(
            row=row,
            file=file.label,
            line=file.doc.object_line(raw) or 1,
            property_lines=PropertyLines(file.doc, raw),
            suppressions=_suppressions(fields.get("metadata"), file),
            address=symbolic or f"{rtype}/{name}",
        )

    # ------------------------------------------------------------------ nested deployments

    def _deployment(self, fields: Mapping[str, Any], env: Env, target: Target, file: _File) -> None:
        props = fields.get("properties")
        if not isinstance(props, Mapping):
            return
        subscription = self._text(fields["subscriptionid"], env) if "subscriptionid" in fields else None
        group = self._text(fields["resourcegroup"], env) if "resourcegroup" in fields else None
        template = props.get("template")
        inner_file = file
        linked = False
        link = props.get("templateLink")
        if (
            not isinstance(template, Mapping)
            and isinstance(link, Mapping)
            and isinstance(link.get("relativePath"), str)
        ):
            inner_file = self._linked(self._text(link["relativePath"], env), file)
            template, linked = inner_file.doc.data, True
        if not isinstance(template, Mapping):
            return  # a templateLink by URI: not in the repository, nothing to read
        if len(self.deployed) > budget.DEPLOYMENT_DEPTH:
            raise BudgetExceeded(
                f"deployments nest more than {budget.DEPLOYMENT_DEPTH} levels deep (the limit)",
                str(fields.get("name")) if isinstance(fields.get("name"), str) else None,
            )
        level = _level(template)
        inner_target = Target(
            subscription_id=subscription or target.subscription_id,
            resource_group=None
            if level != "resourceGroup"
            else group or target.resource_group or DEFAULT_RESOURCE_GROUP,
            level=level,
        )
        options = props.get("expressionEvaluationOptions")
        inner = linked or (isinstance(options, Mapping) and str(options.get("scope", "")).lower() == "inner")
        if inner:
            supplied: dict[str, Any] = {}
            passed = props.get("parameters")
            if isinstance(passed, Mapping):
                for pname, entry in passed.items():
                    if isinstance(entry, Mapping) and "value" in entry:
                        supplied[pname] = evaluate_value(entry["value"], env)
                    elif isinstance(entry, Mapping) and "reference" in entry:
                        supplied[pname] = Unresolved(f"parameter '{pname}' is a Key Vault reference", f"<{pname}>")
            inner_env = Env(Scope(template, supplied, inner_target, self.meter))
        else:
            inner_env = env  # outer scope: the parent's parameters, variables and resourceGroup()
        if linked:
            self.links.append(inner_file.path)
        try:
            self.template(template, inner_env, inner_target, inner_file)
        except RecursionError:
            if not linked:
                raise
            raise _too_deep(inner_file.label) from None
        finally:
            if linked:
                self.links.pop()

    def _linked(self, relative: str, file: _File) -> _File:
        """The template a ``templateLink.relativePath`` names: a regular file in the scanned tree, not a cycle."""
        path = Path(os.path.realpath(file.path.parent / relative))
        shown = f"{file.label}: linked template {relative}"
        if not budget.inside(path, self.trees):
            raise InputError(f"{shown} is outside the scanned folders and the repository")
        if path in self.links:
            chain = [*self.links[self.links.index(path) :], path]
            raise InputError(
                f"{file.label}: linked templates form a cycle: " + " -> ".join(_label(p, self.repo_root) for p in chain)
            )
        doc = self.linked_docs.get(path)
        if doc is None:
            raw_bytes = budget.read_bounded(path, budget.TEMPLATE_BYTES, shown, "the template")
            doc = self.linked_docs[path] = load_json(str(path), raw_bytes)
        return _File(doc, _label(path, self.repo_root), path)


def _qualify(parent: _Parent | None, rtype: str, name: str) -> tuple[str, str]:
    """Full type and name of a resource (a child's are its parent's plus its own segments)."""
    rtype = rtype.strip("/")
    name = name.strip("/")
    if parent is None:
        return rtype, name
    if rtype.lower().startswith(parent.type.lower() + "/"):
        full_type = rtype
    elif "/" not in rtype or rtype.lower().startswith("providers/"):
        full_type = f"{parent.type}/{rtype}"
    else:
        return rtype, name  # a full type of its own: not really a child
    if full_type.lower().startswith(parent.type.lower() + "/providers/"):
        return full_type, f"{parent.name}/{name}"
    expected = len(full_type.split("/")) - 1
    if len(name.split("/")) == expected:
        return full_type, name
    return full_type, f"{parent.name}/{name}"


def _split_extension(target: Target, full_type: str, full_name: str) -> tuple[str, str, str]:
    """``Ns/base/providers/type`` named ``base/Ns2/name`` → (base id, ``Ns2/type``, ``name``)."""
    cut = full_type.lower().find("/providers/")
    base_type, ext = full_type[:cut], full_type[cut + len("/providers/") :]
    names = full_name.split("/")
    base_count = len(base_type.split("/")) - 1
    base_names, rest = names[:base_count], names[base_count:]
    namespace = rest[0] if rest else "<namespace>"
    ext_name = "/".join(rest[1:]) or "<name>"
    base_id = _resource_id(target, base_type, "/".join(base_names), None)
    return base_id, f"{namespace}/{ext}", ext_name


def _absolute_scope(target: Target, scope: str) -> str:
    """A ``scope`` property: absolute ids as they are; Bicep's relative ones under the deployment."""
    if scope.startswith("/"):
        return scope.rstrip("/") or "/"
    prefix = (
        target.resource_group_id() if target.level == "resourceGroup" else f"/subscriptions/{target.subscription_id}"
    )
    return f"{prefix}/providers/{scope.strip('/')}"


def _resource_id(target: Target, rtype: str, name: str, scope_id: str | None) -> str:
    namespace, *types = rtype.split("/")
    names = [n for n in name.split("/") if n] or ["<name>"]
    while len(names) < len(types):
        names.insert(0, "<missing parent name>")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=False))
    if len(names) > len(types):
        path += "/" + "/".join(names[len(types) :])
    provider = f"providers/{namespace}/{path}"
    if scope_id is not None:
        return f"{scope_id.rstrip('/')}/{provider}"
    if target.level == "resourceGroup" and target.resource_group is not None:
        return f"{target.resource_group_id()}/{provider}"
    if target.level in ("resourceGroup", "subscription"):
        return f"/subscriptions/{target.subscription_id}/{provider}"
    return f"/{provider}"


def _suppressions(metadata: Any, file: _File) -> tuple[InlineSuppression, ...]:
    if not isinstance(metadata, Mapping):
        return ()
    key = next((k for k in metadata if isinstance(k, str) and k.lower() == SUPPRESS_KEY), None)
    if key is None:
        return ()
    line = file.doc.key_line(metadata, key)
    where = f"{file.label}:{line}" if line else file.label
    value = metadata[key]
    entries: list[tuple[str, Any]] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            rule, _, reason = item.strip().partition(" ")
            entries.append((rule, reason))
        elif isinstance(item, Mapping) and ("rule" in item or "id" in item):
            entries.append((str(item.get("rule") or item.get("id")), item.get("reason")))
        elif isinstance(item, Mapping):
            entries.extend((str(rule), reason) for rule, reason in item.items())
        else:
            raise InputError(f'{where}: {SUPPRESS_KEY} entries are "RULE reason" or {{"rule": ..., "reason": ...}}')
    out = []
    for rule, reason in entries:
        if not rule or not isinstance(reason, str) or not reason.strip():
            raise InputError(f"{where}: {SUPPRESS_KEY} {rule or '(no rule id)'} needs a reason")
        out.append(InlineSuppression(rule_id=rule.strip().upper(), reason=reason.strip(), line=line))
    return tuple(out)


def _label(path: Path, repo_root: Path) -> str:
    from scanner.sources.iac.detect import repo_relative

    return repo_relative(path, repo_root)


def read_template(
    path: Path,
    repo_root: Path,
    *,
    doc: JsonDoc | None = None,
    parameter_files: Sequence[Path] = (),
    meter: Meter | None = None,
    trees: Sequence[Path] = (),
) -> list[IacResource]:
    """Every declared resource the scanner reads from one template, with its parameters applied.

    ``meter`` carries the scan's budgets across templates; ``trees`` are the folders a linked
    template may be read from (besides ``repo_root`` and this template's folder).
    """
    if doc is None:
        raw = budget.read_bounded(path, budget.TEMPLATE_BYTES, str(path), "template")
        doc = load_json(str(path), raw)
    template = doc.data
    if not isinstance(template, Mapping):
        raise InputError(f"{path}: an ARM template is a JSON object")
    supplied: dict[str, Any] = {}
    for parameters in parameter_files:
        supplied.update(read_parameters(parameters))
    target = Target(level=_level(template))
    if target.level != "resourceGroup":
        target = Target(resource_group=None, level=target.level)
    meter = meter if meter is not None else Meter()
    file = _File(doc, _label(path, repo_root), path)
    reader = _Reader(repo_root, meter, [*trees, repo_root, path.parent])
    reader.links.append(Path(os.path.realpath(path)))
    try:
        reader.template(template, Env(Scope(template, supplied, target, meter)), target, file)
    except RecursionError:
        raise _too_deep(file.label) from None
    return reader.out


def _too_deep(label: str) -> InputError:
    """Each kind of nesting has its own limit; this is the backstop for a combination of them."""
    return InputError(
        f"{label}: expressions, variables and nested deployments nest too deeply to evaluate together "
        f"(limits: {budget.EXPRESSION_DEPTH} levels per expression, {budget.REFERENCE_DEPTH} chained "
        f"references, {budget.DEPLOYMENT_DEPTH} nested deployments)"
    )


def sniff(data: Any) -> str | None:
    """``template`` / ``parameters`` for a decoded ARM document, else None."""
    if not isinstance(data, Mapping):
        return None
    schema = data.get("$schema")
    schema = schema.lower() if isinstance(schema, str) else ""
    if "deploymentparameters" in schema:
        return "parameters"
    if "deploymenttemplate" in schema:
        return "template"
    if "resources" in data and "contentVersion" in data:
        return "template"
    return None
