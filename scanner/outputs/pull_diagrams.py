"""The report's pull path diagrams: per registry, one small diagram per workload that pulls from it.

The diagrams draw the ``pull_path`` subject documents (``scanner.inventory.subjects.pull_path``,
the documents ACR-050 and ACR-055 judge), rebuilt once from the scan's inventory: the
findings' evidence holds only the fields a rule read, not the path. Each diagram reads
workload → identity → the hops of the path that allows the pull → registry; when no path
allows it, the identity's arrow into the registry is broken (red) with the document's reason
and the error the pull will hit, or unknown (amber) with why the access model cannot tell.

When the document has the network fields (``network``, ACR-051) a second row draws how the
pull reaches the registry, the same way: VNet → zone link → private endpoint → registry when
the names resolve through a ``privatelink.azurecr.io`` zone linked to the workload's VNet (the
broken hop with its reason: NXDOMAIN, a connection timeout), else the trusted-services bypass,
else egress address → public endpoint → registry. A document without them gets no such row:
nothing is inferred here. The diagrams only draw what the documents say; the verdicts are the
access model's and the network model's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec
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


class PullDiagram(msgspec.Struct, frozen=True):
    """One workload pulling from one registry, drawn."""

    consumer: str
    consumer_kind: str
    status: str  # svg_path.OK, BROKEN or UNKNOWN
    reason: str  # why not (empty when it can pull)
    paths: int  # how many paths allow the pull
    svg: Markup


class RegistryPulls(msgspec.Struct, frozen=True):
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


def _names(values: object) -> list[str]:
    return [v for v in values if type(v) is str] if isinstance(values, list) else []


def _first(names: list[str], shown: Callable[[str], str] = str) -> str:
    return shown(names[0]) + (f" +{len(names) - 1}" if len(names) > 1 else "")


def _chain(states: Sequence[str], note: str) -> tuple[Link, ...]:
    """Links in ``states``: the note goes on the first that does not hold, and the links after
    it are drawn in its state (a pull that stops at one hop does not get further)."""
    links: list[Link] = []
    stopped: str | None = None
    for state in states:
        if stopped is not None:
            links.append(Link(stopped))
        elif state != OK:
            stopped = state
            links.append(Link(state, note))
        else:
            links.append(Link())
    return tuple(links)


def _private_lane(private: Mapping[str, Any], registry: Node) -> Lane | None:
    """VNet → zone link → private endpoint → registry: the pull resolves the registry's names
    through a ``privatelink.azurecr.io`` zone linked to its VNet (or may: unknown)."""
    vnets = _names(private.get("vnets"))
    resolves = _state(private.get("resolvesPrivately"))
    if not vnets or resolves == BROKEN:
        return None
    endpoints = _names(private.get("endpoints"))
    reachable = _state(private.get("reachable"))
    endpoint = _first(endpoints, last_segment) if endpoints else "none reached"
    nodes = (
        Node(_first(vnets, last_segment), "VNet", ", ".join(vnets)),
        Node("privatelink.azurecr.io", "zone link"),
        Node(endpoint, "private endpoint", ", ".join(endpoints)),
        registry,
    )
    links = _chain((resolves, reachable, reachable), str(private.get("reason") or ""))
    return Lane(nodes, links, "network: private endpoint")


def _public_lane(public: Mapping[str, Any], private: Mapping[str, Any], registry: Node) -> Lane | None:
    """Egress addresses → public endpoint → registry: the names resolve publicly."""
    access = public.get("access")
    if type(access) is not str:
        return None
    egress = public.get("egress")
    addresses = _names(egress)
    source = (
        Node(_first(addresses), "egress address", ", ".join(addresses))
        if addresses
        else Node("not known", "egress address", egress.reason if isinstance(egress, Unknown) else "", UNKNOWN)
    )
    admits = public.get("admitsWorkload")
    refused = _names(public.get("notAdmitted"))
    if isinstance(admits, Unknown):
        note = admits.reason
    else:
        why = [str(private.get("reason") or ""), f"the public endpoint is {access}"]
        if refused:
            why.append(f"it refuses {', '.join(refused)} (403: client with IP … is not allowed access)")
        note = "; ".join(w for w in why if w)
    state = _state(admits)
    nodes = (source, Node(access, "public endpoint", f"public network access: {access}"), registry)
    return Lane(nodes, _chain((state, state), note), "network: public endpoint")


def _network_lane(network: object, registry: Node) -> Lane | None:
    """The network row of a document with the network fields (ACR-051): the private path when
    the names resolve privately (or may), the trusted-services bypass when that is the way in,
    else the public endpoint. A document without them gets no row."""
    if not isinstance(network, Mapping):
        return None
    private = network.get("private")
    private = private if isinstance(private, Mapping) else {}
    lane = _private_lane(private, registry)
    if lane is not None:
        return lane
    if private.get("via") == "trustedServices":
        bypass = Node("trusted services", "network bypass", str(private.get("reason") or ""))
        state = _state(private.get("reachable"))
        return Lane((bypass, registry), _chain((state,), str(private.get("reason") or "")), "network: bypass")
    public = network.get("public")
    return _public_lane(public, private, registry) if isinstance(public, Mapping) else None


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
    network = _network_lane(doc.get("network"), registry)
    if network is not None:
        lanes.append(network)
        # A pull the identity may make still fails when the network does not let it through.
        stop = next((link for link in network.links if link.state != OK), None)
        if stop is not None and _STATUS_ORDER[stop.state] < _STATUS_ORDER[status]:
            status, reason = stop.state, stop.note
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


def status_of(doc: Mapping[str, Any]) -> str:
    """The worst state a document's diagram shows: the identity's verdict, then the network's."""
    status = _state((doc.get("pull") or {}).get("allowed"))
    network = _network_lane(doc.get("network"), Node("registry"))
    for link in network.links if network is not None else ():
        if _STATUS_ORDER[link.state] < _STATUS_ORDER[status]:
            status = link.state
    return status


def _order(doc: Mapping[str, Any]) -> tuple[int, str, str]:
    consumer = doc.get("consumer") or {}
    return _STATUS_ORDER[status_of(doc)], str(consumer.get("name") or "").casefold(), str(consumer.get("id") or "")


def registry_pulls(inv: Inventory, registry_key: str, docs: Sequence[Mapping[str, Any]], cap: int) -> RegistryPulls:
    """The diagrams of one registry's pulls: the ones that fail first, then unknown, then the
    ones that hold, each by workload name; at most ``cap`` drawn."""
    ordered = sorted(docs, key=_order)
    statuses = [status_of(d) for d in ordered]
    drawn_allowed = any(_state((d.get("pull") or {}).get("allowed")) == OK for d in ordered[:cap])
    index = _path_index(inv, registry_key) if drawn_allowed else {}  # (the hops of the paths drawn)
    drawn = tuple(diagram(d, index) for d in ordered[:cap])
    return RegistryPulls(drawn, len(ordered), statuses.count(BROKEN), statuses.count(UNKNOWN))
