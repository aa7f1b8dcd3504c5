"""``--format html`` opened in headless Chromium: totals, filters, search, copy, print, XSS.

The reports are made by the real CLI and checked against the JSON report of the same scan;
the browser is Debian's Chromium driven by Playwright, with every non-file request blocked
(and recorded) so the report is proven self-contained.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from scanner.config import Config
from scanner.outputs.html_format import HtmlFormat
from scanner.scan import prepare_rules, run_scan
from scanner.sources.snapshot import SnapshotFileSource
from tests.conftest import DEMO, run_cli

NOW = "2026-11-27T02:00:00Z"
STATUS_ORDER = ["fail", "unknown", "error", "suppressed", "not_applicable", "pass"]
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_TAG = "</script><script>alert(1)</script>"
TRAP = """
window.__xss = false;
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
for (const name of ["alert", "confirm", "prompt"]) {
  const original = window[name];
  window[name] = function (...args) { window.__xss = true; return original.apply(this, args); };
}
"""
VISIBLE_ROWS = "rows => rows.filter(r => !r.hidden).map(r => Number(r.dataset.i))"


def render(snapshot: Path, out: Path, *extra: str) -> tuple[Path, dict[str, Any]]:
    """The same scan through the real CLI as HTML and as JSON."""
    html, results = out / "report.html", out / "results.json"
    for fmt, path in (("html", html), ("json", results)):
        args = ["--snapshot", str(snapshot), "--now", NOW, "--format", fmt, "--output", str(path), "--quiet"]
        proc = run_cli("scan", *args, *extra)
        assert proc.returncode in (0, 1, 3), proc.stderr
    return html, json.loads(results.read_text())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return render(DEMO, tmp_path_factory.mktemp("html-demo"))


@dataclass
class Opened:
    page: Page
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)  # warnings and errors (a CSP violation is one)

    def csp_violations(self) -> list[str]:
        """What the Content-Security-Policy refused so far (the page's own report of it)."""
        found: list[str] = self.page.evaluate("window.__csp")
        return found

    def visible(self) -> list[int]:
        """``data-i`` of the table rows the filters leave shown (checked against Playwright)."""
        shown: list[int] = self.page.eval_on_selector_all("#findings-table tbody tr", VISIBLE_ROWS)
        assert self.page.locator("#findings-table tbody tr:visible").count() == len(shown)
        return shown


def _record_console(state: Opened, message: Any) -> None:
    if message.type in ("error", "warning"):
        state.console.append(f"{message.type}: {message.text}")


@contextmanager
def opened(browser: Browser, path: Path) -> Iterator[Opened]:
    """Open ``path`` with the network cut off, dialogs recorded and clipboard access granted."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    state = Opened(page=context.new_page())

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            state.blocked.append(r.request.url)
            r.abort()

    def dialog(d: Any) -> None:
        state.dialogs.append(d.message)
        d.dismiss()

    context.route("**/*", route)
    page = state.page
    page.on("request", lambda req: None if req.url.startswith(("file:", "data:")) else state.blocked.append(req.url))
    page.on("dialog", dialog)
    page.on("pageerror", lambda exc: state.errors.append(str(exc)))
    page.on("console", lambda m: _record_console(state, m))
    page.add_init_script(TRAP)
    page.goto(path.as_uri())
    try:
        yield state
        violations = state.csp_violations()
    finally:
        context.close()
    assert violations == [], f"the Content-Security-Policy refused: {violations}"
    assert state.console == [], state.console
    assert state.blocked == [], f"the report tried to reach the network: {state.blocked}"
    assert state.errors == [], state.errors


def listed_rows(page: Page) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = page.eval_on_selector_all(
        "#findings-table tbody tr", "rows => rows.map(r => Object.assign({}, r.dataset))"
    )
    return rows


def row_text(f: dict[str, Any]) -> str:
    """What a table row shows of a finding (the search runs over exactly this)."""
    s = f["subject"]
    fields = [f["severity"], f["status"].replace("_", " "), f["rule_id"], s["name"], s["kind"]]
    fields += [s["resource_group"] or "", s["registry_name"] or "", f["message"]]
    return " ".join(fields).lower()


def test_self_contained_and_totals_match_json(browser: Browser, demo: tuple[Path, dict[str, Any]]) -> None:
    html, results = demo
    with opened(browser, html) as o:
        page = o.page
        assert page.locator("script[src], link[rel=stylesheet], img, iframe, object, embed").count() == 0
        assert page.locator("script").count() == 1
        csp = page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content") or ""
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert page.get_attribute("html", "lang") == "en"

        summary = results["summary"]
        assert int(page.text_content("[data-count-total]") or "") == summary["total"]
        for status, n in summary["by_status"].items():
            assert int(page.text_content(f"[data-count-status={status}]") or "") == n, status
        for severity, n in summary["failing_by_severity"].items():
            assert int(page.text_content(f"[data-count-failing={severity}]") or "") == n, severity
        matrix = Counter((f["severity"], f["status"]) for f in results["findings"])
        cells = page.eval_on_selector_all(
            "#severity-matrix td", "tds => tds.map(td => [td.dataset.sev, td.dataset.st, Number(td.textContent)])"
        )
        assert len(cells) == 5 * 7
        for sev, st, n in cells:
            expected = sum(matrix[(sev, s)] for s in STATUS_ORDER) if st == "total" else matrix[(sev, st)]
            assert n == expected, (sev, st)

        scan = results["scan"]
        assert page.text_content("#meta-tenant") == scan["tenant_id"]
        assert page.text_content("#meta-collected") == scan["collected_at"]
        assert page.text_content("#meta-now") == scan["now"]
        assert page.text_content("#meta-source") == scan["source"]
        assert page.text_content("#meta-hash") == scan["policy_pack_hash"]
        assert results["tool"]["version"] in (page.text_content("#meta-version") or "")
        for sub in scan["scope"]["subscriptions"]:
            assert page.get_by_text(sub, exact=False).count() > 0
        assert page.locator("#coverage-complete").is_visible() == (not results["coverage"])


def test_framework_controls_match_json(browser: Browser, demo: tuple[Path, dict[str, Any]]) -> None:
    html, results = demo
    by_rule: dict[str, Counter[str]] = {}
    for f in results["findings"]:
        by_rule.setdefault(f["rule_id"], Counter())[f["status"]] += 1
    expected: dict[tuple[str, str], Counter[str]] = {}
    for rule in results["rules"]:
        for framework, controls in rule["frameworks"].items():
            for control in controls:
                expected.setdefault((framework, control), Counter()).update(by_rule.get(rule["id"], Counter()))
    with opened(browser, html) as o:
        shown = o.page.eval_on_selector_all(
            "table.controls tbody tr",
            """rows => rows.map(r => [r.closest('table').dataset.framework, r.dataset.control, Object.fromEntries(
                [...r.querySelectorAll('td[data-st]')].map(td => [td.dataset.st, Number(td.textContent)]))])""",
        )
        assert {(fw, c) for fw, c, _ in shown} == set(expected)
        for fw, control, counts in shown:
            assert counts == {s: expected[(fw, control)][s] for s in STATUS_ORDER}, (fw, control)
        ns2 = o.page.locator("table.controls[data-framework=mcsb] tr[data-control='NS-2']")
        assert ns2.count() == 1 and "fail" in (ns2.text_content() or "")
        # Azure Policy definitions are named as Azure names them, with the GUID an auditor looks up.
        admin = o.page.locator(
            "table.controls[data-framework=azure_policy] tr[data-control='dc921057-6b28-4fbe-9b83-f7bec05db6c2'] th"
        )
        assert (
            admin.locator(".control-title").inner_text()
            == "Container registries should have local admin account disabled."
        )
        assert admin.locator(".control-id").is_visible()
        titled = o.page.locator("table.controls[data-framework=azure_policy] tbody th .control-title")
        assert titled.count() == o.page.locator("table.controls[data-framework=azure_policy] tbody tr").count()


def test_pictures_show_the_json_numbers(browser: Browser, demo: tuple[Path, dict[str, Any]]) -> None:
    """The severity bar, the framework bars and the heat map are drawn, accessible, and agree with the JSON."""
    from scanner.outputs.html_charts import family_of

    html, results = demo
    failing = [f for f in results["findings"] if f["status"] == "fail"]
    with opened(browser, html) as o:
        page = o.page
        severity = page.locator("figure[data-chart=failing]")
        assert severity.locator("svg > title").text_content() == "Failing findings by severity"
        drawn = page.eval_on_selector_all(
            "figure[data-chart=failing] rect.seg", "rs => rs.map(r => [r.dataset.part, Number(r.dataset.value)])"
        )
        assert dict(drawn) == {s: n for s, n in results["summary"]["failing_by_severity"].items() if n}
        assert int(severity.get_attribute("data-total") or -1) == len(failing)
        assert severity.locator("svg").bounding_box()["width"] > 100  # (drawn, not collapsed)
        # One bar per framework; its parts count the framework's controls, as the compliance table lists them.
        for fw in page.eval_on_selector_all("table.controls", "ts => ts.map(t => t.dataset.framework)"):
            controls = page.locator(f"table.controls[data-framework={fw}] tbody tr").count()
            assert int(page.locator(f"figure[data-chart={fw}]").get_attribute("data-total") or -1) == controls
        # The heat map: each cell's failing count is the JSON's, registry by rule family.
        expected: dict[tuple[str, str], int] = {}
        for f in failing:
            if f["subject"]["registry_name"]:
                key = (f["subject"]["registry_name"], family_of(f["rule_id"]))
                expected[key] = expected.get(key, 0) + 1
        cells = page.eval_on_selector_all(
            "figure[data-chart=heat-map] rect[data-registry]",
            "rs => rs.map(r => [r.dataset.registry, r.dataset.family, Number(r.dataset.failing), "
            "r.getAttribute('class')])",
        )
        assert cells and {(r, fam): n for r, fam, n, _ in cells if n} == expected
        assert all((cls == "heat-fail") == (n > 0) for _, _, n, cls in cells)
        assert page.locator("figure[data-chart=heat-map] svg").get_attribute("role") == "img"
        assert page.locator("table.heat-table tbody tr").count() == len({r for r, _, _, _ in cells})


def test_table_lists_findings_worst_first(browser: Browser, demo: tuple[Path, dict[str, Any]]) -> None:
    html, results = demo
    findings = results["findings"]
    with opened(browser, html) as o:
        rows = listed_rows(o.page)
        # Below the cap, so every finding is listed, each with its own data.
        assert sorted(int(r["i"]) for r in rows) == list(range(len(findings)))
        for r in rows:
            f = findings[int(r["i"])]
            assert (r["sev"], r["st"], r["rule"]) == (f["severity"], f["status"], f["rule_id"])
        keys = [(STATUS_ORDER.index(r["st"]), -SEVERITY_RANK[r["sev"]]) for r in rows]
        assert keys == sorted(keys)
        assert rows[0]["st"] == "fail"
        passing = sum(1 for f in findings if f["status"] in ("pass", "not_applicable"))
        note = " ".join((o.page.text_content("#listing-note") or "").split())
        assert f"All {passing} pass and not-applicable findings are listed" in note


def test_severity_status_and_registry_filters(browser: Browser, demo: tuple[Path, dict[str, Any]]) -> None:
    html, results = demo
    findings = results["findings"]
    with opened(browser, html) as o:
        page = o.page
        listed = {int(r["i"]) for r in listed_rows(page)}
        for severity in ("critical", "high", "info"):
            page.select_option("#filter-sev", severity)
            expected = {i for i in listed if findings[i]["severity"] == severity}
            assert set(o.visible()) == expected, severity
            assert page.locator("#no-match").is_visible() == (not expected)

        page.select_option("#filter-sev", "high")
        page.select_option("#filter-st", "fail")
        expected = {i for i in listed if findings[i]["severity"] == "high" and findings[i]["status"] == "fail"}
        assert expected and set(o.visible()) == expected
        assert page.text_content("#filter-count") == f"{len(expected)} of {len(listed)} listed findings shown"

        page.click("#filter-reset")
        assert len(o.visible()) == len(listed)
        page.select_option("#filter-reg", label="partnerdistacr")
        expected = {i for i in listed if findings[i]["subject"]["registry_name"] == "partnerdistacr"}
        assert expected and set(o.visible()) == expected

        page.click("#filter-reset")
        sub = results["scan"]["scope"]["subscriptions"][1]
        page.select_option("#filter-sub", label=sub)
        page.select_option("#filter-rule", "ACR-001")
        expected = {
            i for i in listed if (findings[i]["subject"]["subscription_id"], findings[i]["rule_id"]) == (sub, "ACR-001")
        }
        assert expected and set(o.visible()) == expected


def test_search_by_registry_name(browser: Browser, demo: tuple[Path, dict[str, Any]]) -> None:
    html, results = demo
    findings = results["findings"]
    with opened(browser, html) as o:
        page = o.page
        listed = {int(r["i"]) for r in listed_rows(page)}
        for query in ("partnerdistacr", "LEGACYBUILD", "no such thing anywhere"):
            page.fill("#filter-q", query)
            page.press("#filter-q", "Enter")
            expected = {i for i in listed if query.lower() in row_text(findings[i])}
            assert set(o.visible()) == expected, query
            assert all(query.lower() in (page.text_content(f"tr[data-i='{i}']") or "").lower() for i in expected)
        assert page.locator("#no-match").is_visible()
        page.fill("#filter-q", "")
        page.press("#filter-q", "Enter")
        assert len(o.visible()) == len(listed)


def test_copy_button_copies_the_remediation_command(browser: Browser, demo: tuple[Path, dict[str, Any]]) -> None:
    html, results = demo
    findings = results["findings"]
    with opened(browser, html) as o:
        page = o.page
        cards = page.locator("article.finding:has(button.copy)")
        assert cards.count() == sum(1 for f in findings if f["remediation"] and f["remediation"]["command"])
        for n in (0, cards.count() - 1):
            card = cards.nth(n)
            command = findings[int((card.get_attribute("id") or "f")[1:])]["remediation"]["command"]
            assert card.locator("pre").text_content() == command
            card.locator("button.copy").click()
            assert page.evaluate("navigator.clipboard.readText()") == command
            assert card.locator("button.copy").text_content() == "Copied"

        # A table row links to its card, and following the link opens a collapsed section.
        first = listed_rows(page)[0]["i"]
        page.evaluate("document.querySelectorAll('details.registry').forEach(d => d.open = false)")
        page.click(f"tr[data-i='{first}'] a")
        assert page.locator(f"#f{first}").is_visible()


def test_screenshot_and_print(browser: Browser, demo: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    html, _ = demo
    with opened(browser, html) as o:
        page = o.page
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        first = page.locator("details.registry").first
        first.evaluate("d => d.open = false")
        body = first.locator("article.finding").first
        assert page.locator("#filters").is_visible() and not body.is_visible()
        page.emulate_media(media="print")
        assert not page.locator("#filters").is_visible()
        assert page.locator("button.copy").first.is_hidden()
        assert page.locator("#expand-all").is_hidden()
        assert body.is_visible(), "printing must expand collapsed registry sections"
        assert page.locator("#findings-table tbody tr").first.is_visible()
        pdf = page.pdf(format="A4")
        assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000
        page.emulate_media(media="screen")
        assert page.locator("#filters").is_visible()


def _hostile_snapshot(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The demo with a hostile registry name, tag value, credential name and coverage error."""
    registry = next(r for r in data["resourceGraph"]["registries"] if r["name"] == "contosopublicacr")
    registry["name"] = HOSTILE_NAME  # the id stays as it was
    registry.setdefault("tags", {})["owner"] = HOSTILE_TAG
    apps = [a for a in data["graph"]["applications"] if a.get("passwordCredentials")]
    apps[0]["passwordCredentials"][0]["displayName"] = HOSTILE_TAG
    data["errors"] = [
        {
            "source": "arm",
            "scope": "/subscriptions/00000000-0000-0000-0000-000000000000",
            "status": 403,
            "code": "AuthorizationFailed",
            "message": HOSTILE_TAG,
            "affects": ["tokens"],
        }
    ]
    return data, registry["id"]


def test_hostile_names_render_as_text(
    browser: Browser, demo_copy: dict[str, Any], write_snapshot: Callable[..., Path], tmp_path: Path
) -> None:
    data, registry_id = _hostile_snapshot(demo_copy)
    html, results = render(write_snapshot(data), tmp_path)
    raw = html.read_text()
    assert HOSTILE_NAME not in raw and HOSTILE_TAG not in raw  # escaped, never raw markup
    ours = [f for f in results["findings"] if f["subject"]["registry_name"] == HOSTILE_NAME]
    assert ours and all(f["subject"]["registry_id"] == registry_id for f in ours)
    assert any(HOSTILE_TAG in json.dumps(f["evidence"]) for f in results["findings"])
    with opened(browser, html) as o:
        page = o.page
        page.wait_for_timeout(200)  # give an injected onerror handler its chance
        assert o.dialogs == []
        assert page.evaluate("window.__xss") is False
        assert page.locator("img").count() == 0 and page.locator("script").count() == 1
        text = page.evaluate("document.body.textContent")
        assert text.count(HOSTILE_NAME) >= len(ours) and HOSTILE_TAG in text
        name = page.locator("#registries summary .name").get_by_text(HOSTILE_NAME, exact=True)
        assert name.count() == 1 and name.is_visible()
        own_name = page.locator("summary .name").get_by_text(HOSTILE_NAME, exact=True)
        section = page.locator("details.registry", has=own_name)
        section.evaluate("d => d.open = true")
        tag = section.locator(".tags .tag-value").get_by_text(HOSTILE_TAG, exact=True)
        assert tag.count() == 1 and tag.is_visible()  # the registry's own tag, shown as text
        assert section.locator(".sku").inner_text() in {"Basic", "Standard", "Premium"}
        assert page.locator("#coverage-errors td").get_by_text(HOSTILE_TAG, exact=True).is_visible()
        assert page.locator("#coverage-errors tbody tr").count() == len(results["coverage"]) == 1
        assert page.locator("#filter-reg option", has_text=HOSTILE_NAME).count() == 1

        page.fill("#filter-q", HOSTILE_NAME)
        page.press("#filter-q", "Enter")
        listed = {int(r["i"]) for r in listed_rows(page)}
        findings = results["findings"]
        assert set(o.visible()) == {i for i in listed if HOSTILE_NAME.lower() in row_text(findings[i])}

        card = page.locator("article.finding:has(button.copy)", has_text=HOSTILE_NAME).first
        command = findings[int((card.get_attribute("id") or "f")[1:])]["remediation"]["command"]
        assert HOSTILE_NAME in command
        card.locator("button.copy").click()
        assert page.evaluate("navigator.clipboard.readText()") == command
        assert o.dialogs == [] and page.evaluate("window.__xss") is False


def test_coverage_and_suppressions(browser: Browser, tmp_path: Path) -> None:
    config = tmp_path / "acr-scan.yaml"
    config.write_text(
        "suppressions:\n"
        "  - rule: ACR-001\n"
        "    resource: '/subscriptions/*/resourcegroups/rg-dev-sandbox/*'\n"
        "    justification: Sandbox registry, admin user needed for a legacy demo (SEC-42).\n"
        "    expires: 2026-12-31\n"
        "  - rule: ACR-002\n"
        "    resource: '*contosopublicacr'\n"
        "    justification: Public docs images, reviewed in 2025.\n"
        "    expires: 2026-01-31\n"
        "  - rule: ACR-003\n"
        "    resource: '*nosuchregistry'\n"
        "    justification: Matches nothing.\n"
    )
    html, results = render(DEMO, tmp_path, "--config", str(config))
    suppressed = [i for i, f in enumerate(results["findings"]) if f["status"] == "suppressed"]
    assert len(suppressed) == 1
    with opened(browser, html) as o:
        page = o.page
        assert int(page.text_content("[data-count-status=suppressed]") or "") == 1
        applied = page.locator("#suppressions-applied tbody tr")
        assert applied.count() == 2  # in force: the sandbox one (1 finding) and the unused one
        assert "SEC-42" in (applied.nth(0).text_content() or "")
        assert applied.nth(0).locator("td").last.text_content() == "1"
        assert "ACR-002" in (page.text_content("#suppressions-expired tbody") or "")
        assert "nosuchregistry" in (page.text_content("#suppressions-unused tbody") or "")
        card = page.locator(f"#f{suppressed[0]}")
        assert card.is_visible() and "SEC-42" in (card.locator(".suppression").text_content() or "")
        page.select_option("#filter-st", "suppressed")
        assert o.visible() == suppressed


def test_output_is_deterministic(demo: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    html, _ = demo
    again, _ = render(DEMO, tmp_path)
    assert again.read_bytes() == html.read_bytes()


def test_passing_rows_are_capped_and_the_report_says_so(browser: Browser, tmp_path: Path) -> None:
    config = Config()
    rules, pack_hash = prepare_rules(config)
    result = run_scan(SnapshotFileSource(DEMO), rules, pack_hash, config, datetime(2026, 11, 27, 2, tzinfo=UTC))
    buffer = io.BytesIO()
    HtmlFormat(cap=5).write(result, buffer)
    path = tmp_path / "capped.html"
    path.write_bytes(buffer.getvalue())
    attention = sum(1 for f in result.findings if f.status.value not in ("pass", "not_applicable"))
    passing = len(result.findings) - attention
    with opened(browser, path) as o:
        statuses = Counter(r["st"] for r in listed_rows(o.page))
        assert statuses["pass"] + statuses["not_applicable"] == 5
        assert sum(statuses.values()) == attention + 5
        note = " ".join((o.page.text_content("#listing-note") or "").split())
        assert f"Only the first 5 of {passing} pass and not-applicable findings are listed" in note
        # Per-registry counts still cover every finding.
        counted = o.page.eval_on_selector_all(
            "#registries summary .count", "els => els.map(e => Number(e.textContent.split(' ')[0]))"
        )
        assert sum(counted) == len(result.findings)
