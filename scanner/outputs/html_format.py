"""HTML report: one self-contained file an auditor can open from an email.

The page is rendered from ``reports/report.html.j2`` by Jinja2 with autoescaping on; the CSS
and JavaScript beside it are inlined and pinned by hash in a Content-Security-Policy that
allows nothing else (no network, no injected script). No scan data is ever placed inside a
``<script>`` block: rows are autoescaped HTML and the script only filters them through their
``data-*`` attributes and reads text with ``textContent``.

Every fail, unknown, error and suppressed finding is listed in full; pass and not-applicable
findings (most of a large scan) are counted per registry and listed only up to
:data:`PASSING_ROW_CAP` rows, which the report states.

Each registry section also shows who can pull, push and delete on it and a diagram of each
workload pulling from it (:mod:`scanner.outputs.html_access`). Their stylesheet is inlined, and
its hash added to the policy, only in a report that has them: the others keep their bytes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, BinaryIO

import msgspec
import orjson
from jinja2 import Template
from markupsafe import Markup

from scanner.azure import policy_definitions
from scanner.outputs import html_charts, jsonsafe
from scanner.outputs.access.panel import AccessPanel
from scanner.outputs.html_access import access_sections
from scanner.outputs.html_page import csp_hash, environment, inline_asset, write_chunks
from scanner.outputs.pull_diagrams import RegistryPulls
from scanner.outputs.summary import tally
from scanner.results import SEVERITY_ORDER, SEVERITY_RANK, STATUS_ORDER, Finding, RegistryFacts, Status
from scanner.scan_result import ScanResult
from scanner.timeutil import format_datetime
from scanner.unknown import Unknown

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
SCRIPT = "report.js"
ACCESS_STYLESHEET = "access.css"

#: Pass and not-applicable rows listed in the findings table at most (the rest are counted).
PASSING_ROW_CAP = 1000
#: Registry sections start open when there are at most this many registries.
OPEN_SECTIONS_UP_TO = 50

DETAILED = frozenset({Status.FAIL, Status.UNKNOWN, Status.ERROR, Status.SUPPRESSED})
_STATUS_RANK = {s: i for i, s in enumerate(STATUS_ORDER)}

FRAMEWORK_LABELS = {
    "mcsb": "Microsoft cloud security benchmark (MCSB)",
    "cis_azure": "CIS Microsoft Azure Foundations Benchmark",
    "nist_800_53": "NIST SP 800-53",
    "azure_policy": "Azure Policy built-in definitions",
}
STATUS_LABELS = {s.value: s.value.replace("_", " ") for s in Status}


class Detail(msgspec.Struct, frozen=True):
    """A finding shown with its evidence and remediation."""

    index: int
    finding: Finding
    evidence: tuple[tuple[str, str], ...]


class Group(msgspec.Struct):
    """The findings of one registry (or of subjects not tied to one registry)."""

    key: str
    name: str
    registry_id: str | None
    subscription_id: str | None
    resource_group: str | None
    anchor: str = ""
    counts: Counter[str] = msgspec.field(default_factory=Counter)
    detail_indexes: list[int] = msgspec.field(default_factory=list)
    details: list[Detail] = msgspec.field(default_factory=list)
    passing: Counter[tuple[str, str]] = msgspec.field(default_factory=Counter)
    open: bool = False
    facts: RegistryFacts | None = None
    access: AccessPanel | None = None
    pulls: RegistryPulls | None = None

    def rule_counts(self, status: str) -> list[tuple[str, int]]:
        """``(rule id, findings)`` of one passing status, by rule id."""
        return sorted((rule, n) for (s, rule), n in self.passing.items() if s == status)


class Row(msgspec.Struct, frozen=True):
    """One row of the findings table."""

    index: int
    finding: Finding
    group: Group
    target: str
    subscription: str


class Control(msgspec.Struct, frozen=True):
    """Compliance of one framework control: findings of every rule mapped to it."""

    control: str
    title: str | None  # (what the control is called, where the id alone says little: Azure Policy GUIDs)
    rules: tuple[str, ...]
    counts: Mapping[str, int]
    verdict: str


class Framework(msgspec.Struct, frozen=True):
    key: str
    label: str
    controls: tuple[Control, ...]


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


def _default(value: Any) -> Any:
    if isinstance(value, Unknown):  # inside evidence: its fields, as the JSON report writes it
        return jsonsafe.struct_object(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def evidence_value(value: Any) -> str:
    """Evidence as a reader sees it: strings bare, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown):
        return f"unknown: {value.reason}"
    return jsonsafe.dumps(value, default=_default, option=orjson.OPT_SORT_KEYS).decode()


def sort_key(index: int, finding: Finding) -> tuple[Any, ...]:
    """Table order: fail and unknown first, worst severity first, then rule and subject."""
    s = finding.subject
    return (
        _STATUS_RANK[finding.status],
        -SEVERITY_RANK[finding.severity],
        finding.rule_id,
        (s.registry_name or "").casefold(),
        s.id.casefold(),
        index,
    )


def _verdict(counts: Mapping[str, int]) -> str:
    if counts["fail"]:
        return "fail"
    if counts["unknown"] or counts["error"]:
        return "unknown"
    for status in ("suppressed", "pass", "not_applicable"):
        if counts[status]:
            return status
    return "none"


def frameworks(result: ScanResult, by_rule: Mapping[str, Counter[str]]) -> list[Framework]:
    """Group the rules by the framework controls they map to, with their findings' counts."""
    mapped: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for rule in result.rules:
        for framework, controls in rule.frameworks.items():
            for control in controls:
                mapped[framework][control].append(rule.id)
    order = {key: i for i, key in enumerate(FRAMEWORK_LABELS)}
    out = []
    for key in sorted(mapped, key=lambda k: (order.get(k, len(order)), k)):
        rows = []
        for control in sorted(mapped[key], key=_natural):
            rules = tuple(sorted(set(mapped[key][control])))
            counts = {s.value: sum(by_rule[r][s.value] for r in rules) for s in STATUS_ORDER}
            title = policy_definitions.display_name(control) if key == "azure_policy" else None
            rows.append(Control(control, title, rules, counts, _verdict(counts)))
        out.append(Framework(key, FRAMEWORK_LABELS.get(key, key), tuple(rows)))
    return out


def _group_key(finding: Finding) -> str:
    rid = finding.subject.registry_id
    return rid.casefold() if rid else ""


def build_groups(findings: Iterable[Finding]) -> tuple[list[Group], dict[str, Group]]:
    """One group per registry (by name), then one for subjects outside any single registry."""
    groups: dict[str, Group] = {}
    for i, f in enumerate(findings):
        key = _group_key(f)
        group = groups.get(key)
        s = f.subject
        if group is None:
            if key:
                group = Group(key, s.registry_name or s.name, s.registry_id, s.subscription_id, s.resource_group)
            else:
                group = Group(key, "Not tied to a single registry", None, None, None)
            groups[key] = group
        elif key and s.kind == "registry":  # prefer the registry's own view of its names
            group.name, group.subscription_id, group.resource_group = s.name, s.subscription_id, s.resource_group
        group.counts[f.status.value] += 1
        if f.status in DETAILED:
            group.detail_indexes.append(i)
        else:
            group.passing[(f.status.value, f.rule_id)] += 1
    ordered = sorted((g for g in groups.values() if g.key), key=lambda g: (g.name.casefold(), g.key))
    if "" in groups:
        ordered.append(groups[""])
    for n, group in enumerate(ordered):
        group.anchor = f"r{n}"
    return ordered, groups


def view(result: ScanResult, cap: int = PASSING_ROW_CAP) -> dict[str, Any]:
    """Everything the template shows, computed once in plain Python."""
    findings = result.findings
    meta = result.metadata
    ordered, groups = build_groups(findings)
    open_sections = len(ordered) <= OPEN_SECTIONS_UP_TO
    facts = {r.id.casefold(): r for r in result.registries}
    for group in ordered:
        group.facts = facts.get(group.key) if group.key else None
        group.detail_indexes.sort(key=lambda i: sort_key(i, findings[i]))
        group.details = [
            Detail(i, findings[i], tuple((k, evidence_value(v)) for k, v in findings[i].evidence.items()))
            for i in group.detail_indexes
        ]
        group.open = open_sections and bool(group.details)
    access = access_sections(result.inventory, ((g.key, g.registry_id) for g in ordered if g.registry_id))
    for group in ordered:
        group.access = access.panels.get(group.key)
        group.pulls = access.pulls.get(group.key)

    detailed = [i for i, f in enumerate(findings) if f.status in DETAILED]
    passing = [i for i, f in enumerate(findings) if f.status not in DETAILED]
    passing.sort(key=lambda i: sort_key(i, findings[i]))
    listed = sorted(detailed + passing[:cap], key=lambda i: sort_key(i, findings[i]))
    subscriptions = sorted({f.subject.subscription_id for f in findings if f.subject.subscription_id})
    sub_keys = {sub: f"s{n}" for n, sub in enumerate(subscriptions)}
    rows = []
    for i in listed:
        f = findings[i]
        group = groups[_group_key(f)]
        target = f"f{i}" if f.status in DETAILED else group.anchor
        rows.append(Row(i, f, group, target, sub_keys.get(f.subject.subscription_id or "", "")))

    by_rule: dict[str, Counter[str]] = defaultdict(Counter)
    matrix: Counter[tuple[str, str]] = Counter()
    for f in findings:
        by_rule[f.rule_id][f.status.value] += 1
        matrix[(f.severity.value, f.status.value)] += 1
    totals = tally(findings)
    controls = frameworks(result, by_rule)
    by_severity = []
    for sev in SEVERITY_ORDER:
        cells = [matrix[(sev.value, st.value)] for st in STATUS_ORDER]
        by_severity.append((sev.value, cells, sum(cells)))
    return {
        "meta": {
            "scope": [(k, v if isinstance(v, str) else ", ".join(map(str, v))) for k, v in sorted(meta.scope.items())],
            "now": format_datetime(meta.now),
            "collected_at": format_datetime(meta.collected_at),
            "source": meta.source,
            "tenant_id": meta.tenant_id,
            "tool_version": meta.tool_version,
            "policy_pack_hash": meta.policy_pack_hash,
            "config": meta.config_source,
            "rules": len(result.rules),
        },
        "total": len(findings),
        "status_counts": totals.by_status,
        "failing_by_severity": totals.failing_by_severity,
        "by_severity": by_severity,
        "statuses": [s.value for s in STATUS_ORDER],
        "severities": [s.value for s in SEVERITY_ORDER],
        "status_labels": STATUS_LABELS,
        "frameworks": controls,
        "charts": {
            "severity": html_charts.severity_bar(totals.failing_by_severity),
            "frameworks": html_charts.framework_bars(controls),
            "heat": html_charts.heat_map(findings),
        },
        "rows": rows,
        "passing_total": len(passing),
        "passing_listed": min(len(passing), cap),
        "cap": cap,
        "groups": ordered,
        "rules": sorted(result.rules, key=lambda r: r.id),
        "subscriptions": subscriptions,
        "coverage_errors": result.coverage_errors,
        "suppressions": result.suppressions,
        "unknown_total": totals.by_status["unknown"],
        "with_access": bool(access),
        "grant_row": access.grant_row,
        "escalation_row": access.escalation_row,
    }


class _Page(msgspec.Struct, frozen=True):
    template: Template
    css: Markup
    js: Markup
    access_css: Markup  # only in a report with access panels or pull diagrams
    csp: str
    access_csp: str


def _csp(js: str, *styles: str) -> str:
    hashes = " ".join(f"'{csp_hash(css)}'" for css in styles)
    return (
        f"default-src 'none'; script-src '{csp_hash(js)}'; style-src {hashes}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


@cache
def _page() -> _Page:
    css = inline_asset(STYLESHEET, "</style")
    access_css = inline_asset(ACCESS_STYLESHEET, "</style")
    js = inline_asset(SCRIPT, "</script")
    template = environment().get_template(TEMPLATE)
    return _Page(template, Markup(css), Markup(js), Markup(access_css), _csp(js, css), _csp(js, css, access_css))


def render(result: ScanResult, cap: int = PASSING_ROW_CAP, history: Any = None) -> Iterable[str]:
    """The report as a stream of text chunks (with a history section when ``history`` is given)."""
    page = _page()
    context = view(result, cap)
    context["history"] = history
    context["trend"] = html_charts.trend_chart(history.trend) if history is not None else None
    # (the access stylesheet and its hash only where it is used: a report without access
    # sections, an IaC scan's, keeps the bytes it had)
    with_access = context.pop("with_access")
    return page.template.generate(
        **context,
        css=page.css,
        js=page.js,
        access_css=page.access_css if with_access else None,
        csp=page.access_csp if with_access else page.csp,
    )


class HtmlFormat:
    """``--format html``: a self-contained, filterable, printable report."""

    name = "html"
    extension = ".html"
    default_filename = "report.html"

    def __init__(self, cap: int = PASSING_ROW_CAP, history: Any = None) -> None:
        # (history: a scanner.history.view.HistoryView, with scan --history)
        self.cap, self.history = cap, history

    def write(self, result: ScanResult, stream: BinaryIO) -> None:
        write_chunks(render(result, self.cap, self.history), stream)
