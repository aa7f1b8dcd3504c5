"""The report's pull path diagrams: per registry, one small diagram per workload that pulls from it.

The diagrams draw the ``pull_path`` subject documents (``scanner.inventory.subjects.pull_path``,
the documents ACR-050 and ACR-055 judge), rebuilt once from the scan's inventory: the
findings' evidence holds only the fields a rule read, not the path. Each diagram reads
workload → identity → the hops of the path that allows the pull → registry; when no path
allows it, the identity's arrow into the registry is broken (red) with the document's reason
and the error the pull will hit, or unknown (amber) with why the access model cannot tell.

When the document has the network fields (``network.private``: the VNets, whether the
registry's names resolve through a ``privatelink.azurecr.io`` zone linked to them, the private
endpoints they reach) a second row draws VNet → zone link → private endpoint → registry the
same way. A document without them gets no such row: nothing is inferred here. The diagrams
only draw what the documents say; the verdicts are the access model's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from scanner.azure.ids import last_segment, norm, scope_level
from scanner.inventory.access_paths import Hop, access_of
from scanner.inventory.model import Inventory
from scanner.inventory.subjects.kinds import ENUMERATORS
from scanner.outputs.svg_path import BROKEN, OK, UNKNOWN, Lane, Link, Node, render
from scanner.unknown import Unknown

#: What a pull that no path allows will hit (as ACR-050 says it).
PREDICTED = "the next pull fails with 401/403 unauthorized"
#: Paths drawn for one pull that several paths allow (the others are counted in the caption).
MAX_PATHS = 3
ARROW = " → "

_CONSUMER_KINDS = {
    "aks": "AKS cluster",
    "containerApp": "container app",
    "containerGroup": "container group",
    "webApp": "web app",
}
# Identity labels are "<what> <name>" (scanner.inventory.consumers): the box shows the name
# under the "what", so a long kind does not push the name out of the box.
_IDENTITY_PREFIXES = (
    "user-assigned identity",
    "cluster service principal",
    "service principal",
    "identity with client id",
    "username",
)
_LEVELS = {
    "resource": "registry",
    "resourceGroup": "resource group",
    "subscription": "subscription",
    "managementGroup": "management group",
    "root": "root",
}
_STATUS_ORDER = {BROKEN: 0, UNKNOWN: 1, OK: 2}


@dataclass(frozen=True, slots=True)
class PullDiagram:
    """One workload pulling from one registry, drawn."""

    consumer: str
    consumer_kind: str
    status: str  # svg_path.OK, BROKEN or UNKNOWN
    reason: str  # why not (empty when it can pull)
    paths: int  # how many paths allow the pull
    svg: Markup


@dataclass(frozen=True, slots=True)
class RegistryPulls:
    """The diagrams of one registry: the first ``len(diagrams)`` of ``total``, worst first."""

    diagrams: tuple[PullDiagram, ...]
    total: int
    broken: int
    unknown: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.diagrams)


def documents_by_registry(inv: Inventory) -> dict[str, list[Mapping[str, Any]]]:
    """The ``pull_path`` documents of the inventory, by registry key (:func:`norm` of its id).

    Placeholders (a consumer list that was not collected, a workload whose registry is not
    known) have no document and no registry to be drawn under; their findings say why.
    """
    found: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for subject in ENUMERATORS["pull_path"](inv):
        if subject.doc and subject.ref.registry_id:
            found[norm(subject.ref.registry_id)].append(subject.doc)
    return dict(found)


def _state(value: object) -> str:
    if value is True:
        return OK
    return UNKNOWN if isinstance(value, Unknown) or value is None else BROKEN


def _hop_node(hop: Hop) -> Node:
    name = hop.name
    if hop.kind == "roleAssignment":
        # "<role> at <scope>" (scanner.inventory.access_paths.roles): the role in the box, the
        # scope's level as its caption, the whole assignment in the tooltip.
        role, sep, scope = name.partition(" at /")
        if sep:
            level = _LEVELS.get(scope_level("/" + scope), "scope")
            return Node(role, f"role at {level}", f"{name} ({hop.id})")
    captions = {
        "group": "group membership",
        "token": "token",
        "scopeMap": "scope map",
        "adminUser": "admin user",
        "anonymousPull": "anonymous pull",
    }
    label = hop.id if hop.kind == "group" else name
    return Node(label, captions.get(hop.kind, ""), f"{name} ({hop.id})")


def _path_index(inv: Inventory, registry_key: str) -> dict[str, tuple[Hop, ...]]:
    """Path text (as ``pull.via`` states it) → the hops of that path, for one registry."""
    reg = inv.registries.get(registry_key)
    if reg is None:
        return {}
    return {ARROW.join(hop.name for hop in g.via): g.via for g in access_of(inv, reg).grants()}


def _path_nodes(text: str, index: Mapping[str, tuple[Hop, ...]]) -> list[Node]:
    hops = index.get(text)
    if hops is not None:
        return [_hop_node(h) for h in hops]
    # A path the access model states without a grant of its own (the admin user a username
    # names): its text, one box per hop.
    return [Node(part, "path") for part in text.split(ARROW) if part]


def _identity_node(identity: object) -> Node:
    if not isinstance(identity, Mapping):
        reason = identity.reason if isinstance(identity, Unknown) else "not stated"
        return Node("not known", "identity", reason, UNKNOWN)
    label = str(identity.get("label") or identity.get("kind") or "identity")
    principal = identity.get("principalId")
    detail = f"{label} ({principal})" if type(principal) is str else label
    for prefix in _IDENTITY_PREFIXES:
        if label.startswith(prefix + " "):
            return Node(label[len(prefix) + 1 :], prefix, detail)
    return Node(label, "identity", detail)


def _private_lane(network: object, registry: Node) -> Lane | None:
    """VNet → zone link → private endpoint → registry, when the document has ``network.private``
    with the VNets the pulls start in (none: the workload runs outside any VNet, nothing to draw)."""
    private = network.get("private") if isinstance(network, Mapping) else None
    if not isinstance(private, Mapping):
        return None
    vnets = private.get("vnets")
    if not isinstance(vnets, list) or not vnets or not all(type(v) is str for v in vnets):
        return None
    vnet = last_segment(vnets[0]) + (f" +{len(vnets) - 1}" if len(vnets) > 1 else "")
    endpoints = [e for e in private.get("endpoints") or () if type(e) is str]
    trusted = private.get("via") == "trustedServices"
    endpoint = Node(
        "trusted services" if trusted else (last_segment(endpoints[0]) if endpoints else "none reached"),
        "bypass" if trusted else "private endpoint",
        ", ".join(endpoints) or ("trusted-services bypass" if trusted else "no private endpoint is reached"),
    )
    resolves, reachable = _state(private.get("resolvesPrivately")), _state(private.get("reachable"))
    reason = str(private.get("reason") or "")
    # One note per row, on the first hop that does not hold; the hops after it take its state.
    first = Link(resolves, reason if resolves != OK else "")
    rest = Link(reachable, reason if resolves == OK and reachable != OK else "")
    after = rest if resolves == OK else Link(resolves)
    nodes = (
        Node(vnet, "VNet", ", ".join(vnets)),
        Node("privatelink.azurecr.io", "zone link"),
        endpoint,
        registry,
    )
    return Lane(nodes, (first, after, Link(after.state)), "network")


def _lanes(doc: Mapping[str, Any], index: Mapping[str, tuple[Hop, ...]]) -> tuple[list[Lane], str, str, int]:
    """(rows, status, reason, paths allowing the pull) of one document."""
    consumer = doc.get("consumer") or {}
    registry_doc = doc.get("registry") or {}
    kind = str(consumer.get("kind") or "")
    name, registry_name = str(consumer.get("name") or "?"), str(registry_doc.get("name") or "?")
    workload = Node(name, _CONSUMER_KINDS.get(kind, kind), f"{name} ({consumer.get('id')})")
    server = registry_doc.get("loginServer") or registry_doc.get("id")
    registry = Node(registry_name, "registry", f"{registry_name} ({server})")
    identity = _identity_node(doc.get("identity"))
    pull = doc.get("pull") or {}
    status = _state(pull.get("allowed"))
    reason = str(pull.get("reason") or "")
    via = [v for v in pull.get("via") or () if type(v) is str] if status == OK else []
    lanes: list[Lane] = []
    if via:
        for n, path in enumerate(via[:MAX_PATHS]):
            nodes = (workload, identity, *_path_nodes(path, index), registry)
            label = f"path {n + 1} of {len(via)}" if len(via) > 1 else ""
            lanes.append(Lane(nodes, tuple(Link() for _ in nodes[1:]), label))
    else:
        note = f"{reason}: {PREDICTED}" if status == BROKEN else reason
        lanes.append(Lane((workload, identity, registry), (Link(), Link(status, note))))
    network = _private_lane(doc.get("network"), registry)
    if network is not None:
        lanes.append(network)
    return lanes, status, reason, len(via)


def diagram(doc: Mapping[str, Any], index: Mapping[str, tuple[Hop, ...]]) -> PullDiagram:
    """The diagram of one ``pull_path`` document."""
    lanes, status, reason, paths = _lanes(doc, index)
    consumer = doc.get("consumer") or {}
    name = str(consumer.get("name") or "?")
    registry = str((doc.get("registry") or {}).get("name") or "?")
    verdict = {OK: "can pull", BROKEN: "cannot pull", UNKNOWN: "may not be able to pull"}[status]
    title = f"{name} {verdict} from {registry}" + (f": {reason}" if reason else "")
    kind = str(consumer.get("kind") or "")
    return PullDiagram(name, _CONSUMER_KINDS.get(kind, kind), status, reason, paths, render(lanes, title))


def _order(doc: Mapping[str, Any]) -> tuple[int, str, str]:
    consumer = doc.get("consumer") or {}
    status = _state((doc.get("pull") or {}).get("allowed"))
    return _STATUS_ORDER[status], str(consumer.get("name") or "").casefold(), str(consumer.get("id") or "")


def registry_pulls(inv: Inventory, registry_key: str, docs: Sequence[Mapping[str, Any]], cap: int) -> RegistryPulls:
    """The diagrams of one registry's pulls: the ones that fail first, then unknown, then the
    ones that hold, each by workload name; at most ``cap`` drawn."""
    ordered = sorted(docs, key=_order)
    statuses = [_state((d.get("pull") or {}).get("allowed")) for d in ordered]
    index = _path_index(inv, registry_key) if any(s == OK for s in statuses[:cap]) else {}
    drawn = tuple(diagram(d, index) for d in ordered[:cap])
    return RegistryPulls(drawn, len(ordered), statuses.count(BROKEN), statuses.count(UNKNOWN))
