"""The pictures at the top of the HTML report: what people would rather see than read.

Plain data with the geometry worked out here; ``reports/report_charts.html.j2`` draws it as
inline SVG (no script, no external resource: the report's CSP stays as it is), each picture
with a title, a text equivalent and its numbers in ``data-*`` attributes so a test can check
them against the JSON results.

- a severity breakdown of the failing findings (one stacked bar);
- compliance per framework (controls passing, failing, unknown, per framework);
- a heat map of registries × rule families (the worst registries first, at most
  :data:`HEAT_ROWS` of them);
- with a scan history (``scan --history``): the trend of the last nights (pass rate and
  failing findings by severity), the time to fix per rule, the oldest open failures and
  tonight's regressions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from scanner.results import SEVERITY_ORDER, Finding

BAR_WIDTH = 600.0
HEAT_ROWS = 30
TREND_NIGHTS = 30
#: Rule families by the tens of the rule number (ACR-0NX): the report's heat map columns.
FAMILIES: dict[str, str] = {
    "0": "Authentication",
    "1": "Identities and roles",
    "2": "Network",
    "3": "Network edges and export",
    "4": "Data protection and resilience",
    "5": "Pull paths",
    "6": "Defender and supply chain",
}


class Segment(msgspec.Struct, frozen=True):
    """One part of a stacked bar: its label, count and place (x and width in SVG units)."""

    key: str
    label: str
    value: int
    x: float
    width: float


class Bar(msgspec.Struct, frozen=True):
    key: str
    label: str
    total: int
    segments: tuple[Segment, ...]


class HeatCell(msgspec.Struct, frozen=True):
    family: str
    level: str  # fail, unknown, pass, none
    failing: int
    unknown: int
    total: int


class HeatRow(msgspec.Struct, frozen=True):
    registry: str
    failing: int
    cells: tuple[HeatCell, ...]


class HeatMap(msgspec.Struct, frozen=True):
    families: tuple[str, ...]
    rows: tuple[HeatRow, ...]
    registries: int  # how many registries have findings (rows shows the worst HEAT_ROWS)


def family_of(rule_id: str) -> str:
    """The family a rule belongs to: ``ACR-027`` → Network (the tens of its number)."""
    number = rule_id.rsplit("-", 1)[-1]
    return FAMILIES.get(number[-2:-1] if len(number) >= 2 else "", "Other")


def stacked(key: str, label: str, counts: Sequence[tuple[str, str, int]]) -> Bar:
    """A bar of ``(key, label, count)`` parts, scaled to :data:`BAR_WIDTH`."""
    total = sum(n for _, _, n in counts)
    segments, x = [], 0.0
    for part, text, n in counts:
        width = BAR_WIDTH * n / total if total else 0.0
        if n:
            segments.append(Segment(part, text, n, round(x, 2), round(width, 2)))
        x += width
    return Bar(key, label, total, tuple(segments))


def severity_bar(failing_by_severity: Mapping[str, int]) -> Bar:
    parts = [(s.value, s.value, failing_by_severity.get(s.value, 0)) for s in SEVERITY_ORDER]
    return stacked("failing", "Failing findings by severity", parts)


def framework_bars(frameworks: Iterable[Any]) -> list[Bar]:
    """Per framework: how many of its controls pass, fail, are unknown or have nothing to judge."""
    bars = []
    for fw in frameworks:
        verdicts = Counter(c.verdict for c in fw.controls)
        parts = [
            ("fail", "failing", verdicts["fail"]),
            ("unknown", "unknown", verdicts["unknown"]),
            ("pass", "passing", verdicts["pass"] + verdicts["suppressed"]),
            ("not_applicable", "nothing to judge", verdicts["not_applicable"] + verdicts["none"]),
        ]
        bars.append(stacked(fw.key, fw.label, parts))
    return bars


def heat_map(findings: Iterable[Finding]) -> HeatMap:
    counts: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for f in findings:
        name = f.subject.registry_name
        if name:
            counts[name][family_of(f.rule_id)][f.status.value] += 1
    families = tuple(label for label in FAMILIES.values() if any(label in fam for fam in counts.values()))
    rows = []
    for registry, by_family in counts.items():
        cells = tuple(_cell(label, by_family.get(label, Counter())) for label in families)
        rows.append(HeatRow(registry, sum(c.failing for c in cells), cells))
    rows.sort(key=lambda r: (-r.failing, -sum(c.unknown for c in r.cells), r.registry.casefold()))
    return HeatMap(families, tuple(rows[:HEAT_ROWS]), len(rows))


def _cell(family: str, statuses: Counter[str]) -> HeatCell:
    failing, unknown, total = statuses["fail"], statuses["unknown"] + statuses["error"], sum(statuses.values())
    level = "fail" if failing else "unknown" if unknown else "pass" if total else "none"
    return HeatCell(family, level, failing, unknown, total)


class TrendNight(msgspec.Struct, frozen=True):
    """One night of the trend chart: its column of failing findings by severity."""

    run: int
    scanned_at: str
    x: float
    failing: int
    pass_rate: float | None
    segments: tuple[tuple[str, int, float, float], ...]  # (severity, count, y, height)


class TrendChart(msgspec.Struct, frozen=True):
    width: float
    height: float
    column: float
    most_failing: int
    nights: tuple[TrendNight, ...]
    rate_points: str  # the pass-rate line: "x,y x,y ..." (nights without a rate left out)


def trend_chart(points: Sequence[Any], height: float = 160.0) -> TrendChart:
    """Failing findings by severity as a column per night, the pass rate as a line over them."""
    step = BAR_WIDTH / max(len(points), 1)
    most = max((sum(p.failing_by_severity.values()) for p in points), default=0)
    nights, line = [], []
    for i, p in enumerate(points):
        x = round(i * step, 2)
        y, segments = height, []
        for sev in SEVERITY_ORDER:
            n = p.failing_by_severity.get(sev.value, 0)
            h = round(height * n / most, 2) if most else 0.0
            y = round(y - h, 2)
            if n:
                segments.append((sev.value, n, y, h))
        failing = sum(p.failing_by_severity.values())
        nights.append(TrendNight(p.run, p.scanned_at, x, failing, p.pass_rate, tuple(segments)))
        if p.pass_rate is not None:
            line.append(f"{round(x + step / 2, 2)},{round(height - height * p.pass_rate, 2)}")
    return TrendChart(BAR_WIDTH, height, round(step * 0.7, 2), most, tuple(nights), " ".join(line))
