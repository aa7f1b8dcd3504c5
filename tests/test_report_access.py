"""The report's access panels and pull diagrams without a browser: grouping, caps, the SVG
builder's escaping, and the network row drawn only from the fields a document has.

What the browser shows is in tests/test_html_access.py.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from scanner.config import Config
from scanner.inventory.access_paths import access_of
from scanner.outputs import html_access
from scanner.outputs.access.panel import PanelBuilder, allocate, path_kind
from scanner.outputs.html_format import HtmlFormat
from scanner.outputs.pull_diagrams import diagram, documents_by_registry
from scanner.outputs.svg_path import BROKEN, OK, UNKNOWN, Lane, Link, Node, render
from scanner.scan import prepare_rules, run_scan
from scanner.scan_result import ScanResult
from scanner.sources.snapshot import SnapshotFileSource
from scanner.unknown import Unknown
from tests.conftest import DEMO

ATTRIBUTE = re.compile(r'\s([a-zA-Z:-]+)="')


@pytest.fixture(scope="module")
def demo_result() -> ScanResult:
    config = Config()
    rules, pack_hash = prepare_rules(config)
    return run_scan(SnapshotFileSource(DEMO), rules, pack_hash, config, datetime(2026, 11, 27, 2, tzinfo=UTC))


def _registry(result: ScanResult, name: str) -> Any:
    assert result.inventory is not None
    return next(r for r in result.inventory.registries.values() if r.name == name)


def test_allocate_shares_the_cap_fairly_and_gives_the_priority_kinds_a_row() -> None:
    assert allocate([1, 5, 215, 3, 1], 10) == [1, 3, 3, 2, 1]
    assert allocate([1, 5, 215, 3, 1], 100) == [1, 5, 90, 3, 1]
    assert allocate([2, 2], 100) == [2, 2]
    assert allocate([4, 4, 4], 2) == [1, 1, 0]
    assert allocate([4, 4, 4], 2, priority=[2, 0, 1]) == [1, 0, 1]
    assert allocate([3], 0) == [0]


def test_the_panel_groups_grants_by_path_kind(demo_result: ScanResult) -> None:
    assert demo_result.inventory is not None
    access = access_of(demo_result.inventory, _registry(demo_result, "contosoprodacr"))
    panel = PanelBuilder(50, 30).panel(access)
    kinds = [g.kind for g in panel.groups]
    assert kinds == ["resource", "resourceGroup", "subscription", "managementGroup", "root", "groupMembers", "tokens"]
    assert panel.grant_total == len(list(access.grants())) and panel.hidden_grants == 0
    assert all(path_kind(g) == group.kind for group in panel.groups for g in group.grants)
    # Within a kind, who can delete comes first.
    members = next(g for g in panel.groups if g.kind == "groupMembers").grants
    assert [g.actions for g in members][:2] == [("pull", "push", "delete")] * 2
    assert dict(panel.holders) == {
        action: len({g.principal for g in access.grants() if action in g.actions})
        for action in ("pull", "push", "delete")
    }


def test_a_capped_panel_says_how_many_are_left_and_which_command_lists_them(
    demo_result: ScanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert demo_result.inventory is not None
    access = access_of(demo_result.inventory, _registry(demo_result, "contosoprodacr"))
    panel = PanelBuilder(3, 1).panel(access)
    assert sum(len(g.grants) for g in panel.groups) == 3 and len(panel.escalations) == 1
    assert panel.hidden_grants == panel.grant_total - 3 > 0
    assert panel.command == "acr-scan access --registry contosoprodacr"

    monkeypatch.setattr(html_access, "GRANTS_PER_REGISTRY", (3, 3))
    monkeypatch.setattr(html_access, "ESCALATIONS_PER_REGISTRY", (1, 1))
    monkeypatch.setattr(html_access, "DIAGRAMS_PER_REGISTRY", (1, 1))
    buffer = io.BytesIO()
    HtmlFormat().write(demo_result, buffer)
    page = buffer.getvalue().decode()
    more = f"{panel.hidden_grants} more grants and {panel.escalation_total - 1} more escalations"
    assert f"{more} &mdash; see <code>acr-scan access --registry contosoprodacr</code>" in page
    assert "1 more workload pull not drawn" in page  # contosoprodacr: payments-api drawn, aks-prod counted
    assert page.count('<figure class="pull-path" data-consumer="payments-api" data-status="broken">') == 1


def test_the_report_is_bounded_by_its_budgets() -> None:
    assert html_access.share(html_access.GRANT_ROWS, 5000, html_access.GRANTS_PER_REGISTRY) == 1
    assert html_access.share(html_access.GRANT_ROWS, 11, html_access.GRANTS_PER_REGISTRY) == 50
    assert html_access.share(html_access.ESCALATION_ROWS, 5000, html_access.ESCALATIONS_PER_REGISTRY) == 0
    assert html_access.share(html_access.DIAGRAMS, 50_000, html_access.DIAGRAMS_PER_REGISTRY) == 2


def test_svg_text_is_escaped_and_the_markup_has_no_reference_or_style() -> None:
    hostile = "</svg><script>alert(1)</script>\"' onmouseover=x \u202e\x07"
    lane = Lane((Node(hostile, hostile, hostile),), (), hostile).then(
        Node("b", state=UNKNOWN), Link(BROKEN, hostile + " holds no pull permission")
    )
    svg = str(render([lane], hostile))
    assert "<script" not in svg and "</svg><" not in svg and "\u202e" not in svg and "\x07" not in svg
    assert "&lt;script&gt;" in svg and "\\u202e" in svg and "&#34;&#39; onmouseover" in svg
    allowed = {"class", "viewBox", "width", "height", "role", "aria-label", "x", "y", "rx", "x1", "y1", "x2", "y2"}
    assert set(ATTRIBUTE.findall(svg)) <= allowed | {"points"}
    for banned in ("style", "href", "url(", "xmlns", " id=", " on"):
        assert banned not in svg.replace("onmouseover=x", ""), banned
    assert svg.startswith('<svg class="pathdiagram"') and svg.endswith("</svg>") and svg.count("<svg") == 1
    # A note keeps its words when wrapped: the text reads whole.
    note = re.search(r'<g class="note broken"><title>.*?</title><text>(.*?)</text>', svg)
    assert note is not None
    text = re.sub(r"<[^>]+>", "", note.group(1))
    assert "holds no pull permission" in text.replace("&#39;", "'")


def test_states_are_a_closed_set() -> None:
    with pytest.raises(ValueError):
        Node("a", state='ok" onload="x')
    with pytest.raises(ValueError):
        Link("red")
    with pytest.raises(ValueError):
        Lane((Node("a"), Node("b")))


def _doc(**extra: Any) -> dict[str, Any]:
    """A ``pull_path`` document (an unknown pull unless ``extra`` says otherwise)."""
    why = Unknown("role assignments: not collected")
    return {
        "consumer": {
            "id": "/subscriptions/s/providers/Microsoft.App/containerApps/app",
            "name": "app",
            "kind": "containerApp",
        },
        "registry": {"id": "/r/reg", "name": "reg", "loginServer": "reg.azurecr.io", "roleAssignmentMode": None},
        "identity": {"kind": "managedIdentity", "label": "system-assigned identity", "principalId": "p"},
        "pull": {"allowed": why, "via": [], "reason": why.reason},
        **extra,
    }


def test_an_unknown_pull_is_amber_and_no_network_row_is_invented() -> None:
    drawn = diagram(_doc(), {})
    svg = str(drawn.svg)
    assert drawn.status == UNKNOWN and '<g class="link unknown">' in svg and "role assignments: not collected" in svg
    assert svg.count('<g class="lane">') == 1 and "zone link" not in svg


VNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-app"
ALLOWED = {"allowed": True, "via": ["AcrPull at /r/reg"], "reason": ""}


def _network_row(network: Any) -> tuple[str, list[str], list[str], str]:
    """(status, box labels, link states, whole svg) of the network row of an allowed pull."""
    drawn = diagram(_doc(pull=ALLOWED, network=network), {})
    svg = str(drawn.svg)
    lanes = svg.split('<g class="lane">')[1:]
    assert len(lanes) == 2 and "network: " in lanes[1]
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', lanes[1])
    return drawn.status, labels, re.findall(r'<g class="link (\w+)">', lanes[1]), lanes[1]


def test_the_private_path_is_vnet_zone_link_endpoint_registry() -> None:
    private = {"vnets": [VNET], "resolvesPrivately": True, "reachable": True, "via": "privateEndpoint",
               "endpoints": ["pe-reg"], "reason": "from vnet-app, 2 names resolve to pe-reg"}  # fmt: skip
    status, labels, links, _ = _network_row({"private": private, "public": {"access": "disabled"}})
    assert (status, labels, links) == (OK, ["vnet-app", "privatelink.azurecr.io", "pe-reg", "reg"], [OK] * 3)

    nxdomain = "the zone linked to vnet-app has no A record reg.westeurope.data: NXDOMAIN"
    private |= {"reachable": False, "endpoints": [], "reason": nxdomain}
    status, labels, links, svg = _network_row({"private": private})
    assert status == BROKEN  # the identity may pull; the network does not let the pull through
    assert labels == ["vnet-app", "privatelink.azurecr.io", "none reached", "reg"]
    assert links == [OK, BROKEN, BROKEN]
    assert "NXDOMAIN" in svg and svg.count('<g class="note broken">') == 1

    private |= {"resolvesPrivately": Unknown("vnet-app uses custom DNS servers")}
    status, _, links, svg = _network_row({"private": private})
    assert status == UNKNOWN and links == [UNKNOWN] * 3 and '<g class="note unknown">' in svg


def test_a_pull_that_resolves_publicly_is_drawn_through_the_public_endpoint() -> None:
    private = {"vnets": [VNET], "resolvesPrivately": False, "reachable": False,
               "reason": "reg has no approved private endpoint, so vnet-app resolves it publicly"}  # fmt: skip
    public = {
        "access": "firewalled",
        "egress": ["203.0.113.40"],
        "admitsWorkload": False,
        "notAdmitted": ["203.0.113.40"],
    }
    status, labels, links, svg = _network_row({"private": private, "public": public})
    assert (status, labels, links) == (BROKEN, ["203.0.113.40", "firewalled", "reg"], [BROKEN, BROKEN])
    assert "resolves it publicly" in svg and "refuses 203.0.113.40" in svg
    public |= {"access": "open", "admitsWorkload": True, "notAdmitted": []}
    assert _network_row({"private": private, "public": public})[:3] == (OK, ["203.0.113.40", "open", "reg"], [OK, OK])
    public |= {"egress": Unknown("a container group's egress address is not exposed by Azure")}
    _, labels, links, svg = _network_row({"private": {}, "public": public})
    assert labels[0] == "not known" and '<g class="node unknown">' in svg and links == [OK, OK]


def test_the_trusted_services_bypass_is_one_hop() -> None:
    private = {"vnets": [], "resolvesPrivately": False, "reachable": True, "via": "trustedServices", "reason": "bypass"}
    assert _network_row({"private": private})[:3] == (OK, ["trusted services", "reg"], [OK])


def test_no_network_row_is_invented() -> None:
    for other in (None, {"private": {"vnets": []}}, {"public": {}}, Unknown("not collected"), ["x"]):
        drawn = diagram(_doc(pull=ALLOWED, network=other) if other is not None else _doc(pull=ALLOWED), {})
        assert drawn.status == OK and str(drawn.svg).count('<g class="lane">') == 1


def test_pull_documents_are_grouped_by_registry(demo_result: ScanResult) -> None:
    assert demo_result.inventory is not None
    documents = documents_by_registry(demo_result.inventory)
    prod = _registry(demo_result, "contosoprodacr")
    names = sorted(d["consumer"]["name"] for d in documents[prod.key])
    assert names == ["aks-prod", "payments-api"]
    # Every pull path to a known registry (aks-prod's may also reach contoso-lab's unlisted ones:
    # that path names no registry, so no registry groups it).
    pulls = [f for f in demo_result.findings if f.rule_id == "ACR-050" and f.subject.registry_id is not None]
    assert sum(map(len, documents.values())) == len(pulls)
