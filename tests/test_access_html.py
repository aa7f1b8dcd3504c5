"""``acr-scan access --format html`` opened in headless Chromium: the same edges as the JSON,
nothing fetched, no script, hostile names shown as text.

Debian's Chromium driven by Playwright, as in tests/test_html_report.py (skipped with a note
when Chromium is missing, a failure with ACR_SCAN_REQUIRE_TOOLS=1).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser

from tests.conftest import DEMO, run_cli
from tests.test_hostile_output import SNAPSHOT as HOSTILE_SNAPSHOT
from tests.test_html_report import opened

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_REGISTRY = "</style><script>alert(2)</script>"


def render(snapshot: Path, out: Path, *extra: str) -> tuple[Path, dict[str, Any]]:
    """The same answer through the real CLI as HTML and as JSON."""
    page, document = out / "access.html", out / "access.json"
    for fmt, path in (("html", page), ("json", document)):
        proc = run_cli("access", "--snapshot", str(snapshot), "--format", fmt, "-o", str(path), *extra)
        assert proc.returncode == 0, proc.stderr
    return page, json.loads(document.read_text())


def test_the_page_lists_the_json_edges_and_fetches_nothing(browser: Browser, tmp_path: Path) -> None:
    page_path, document = render(DEMO, tmp_path)
    assert "<script" not in page_path.read_text()
    with opened(browser, page_path) as state:
        page = state.page
        csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content") or ""
        assert csp.startswith("default-src 'none'; style-src 'sha256-") and "script-src" not in csp
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "14px"  # the CSS applied
        sections = page.eval_on_selector_all("details.registry", "els => els.map(e => e.dataset.registry)")
        assert sections == [r["id"] for r in document["registries"]]
        rows = page.eval_on_selector_all("table.grants tbody tr", "rows => rows.map(r => r.dataset.principal)")
        assert rows == [e["principal"] for e in document["edges"]]
        actions = page.eval_on_selector_all("table.grants tbody tr", "rows => rows.map(r => r.dataset.actions)")
        assert actions == [" ".join(e["actions"]) for e in document["edges"]]
        escalations = page.eval_on_selector_all(
            "table.escalations tbody tr", "rows => rows.map(r => r.dataset.capability)"
        )
        assert escalations == [e["capability"] for e in document["escalations"]]
        assert page.locator("table.grants tbody tr:visible").count() == len(document["edges"])  # sections open
        first = document["edges"][0]
        hops = page.locator("table.grants tbody tr").first.locator(".hop").all_text_contents()
        assert hops == [h["name"] for h in first["via"]]
        assert page.locator("#totals").text_content() == (
            f"{len(document['registries'])} registries, {len(document['edges'])} grants, "
            f"{len(document['escalations'])} escalations"
        )
        assert state.errors == [] and state.dialogs == []


def test_filters_are_stated_and_an_empty_answer_still_renders(browser: Browser, tmp_path: Path) -> None:
    page_path, document = render(DEMO, tmp_path, "--registry", "contosopublicacr", "--principal", "nobody")
    assert document["edges"] == []
    with opened(browser, page_path) as state:
        lede = state.page.locator(".lede").text_content() or ""
        assert "filtered by registry contosopublicacr, principal nobody" in lede
        assert state.page.locator("text=No grant matches the filters.").count() == 1


def test_hostile_names_are_text_not_markup(
    browser: Browser, tmp_path: Path, demo_copy: dict[str, Any], write_snapshot: Callable[..., Path]
) -> None:
    for sp in demo_copy["graph"]["servicePrincipals"]:
        if sp["displayName"] == "azure-devops-contoso-prod":
            sp["displayName"] = HOSTILE_NAME
    registry = next(r for r in demo_copy["resourceGraph"]["registries"] if r["name"] == "contosoprodacr")
    registry["name"] = HOSTILE_REGISTRY
    page_path, document = render(write_snapshot(demo_copy), tmp_path, "--principal", HOSTILE_NAME)
    assert document["edges"]
    html = page_path.read_text()
    assert HOSTILE_NAME not in html and HOSTILE_REGISTRY not in html
    with opened(browser, page_path) as state:
        page = state.page
        assert page.evaluate("window.__xss") is False and state.dialogs == []
        assert page.locator("img").count() == 0 and page.locator("script").count() == 0
        names = page.locator("table.grants tbody tr td:first-child strong").all_text_contents()
        assert names and set(names) == {HOSTILE_NAME}
        assert HOSTILE_REGISTRY in page.locator("details.registry summary .name").all_text_contents()


def test_control_characters_from_the_corpus_do_not_break_the_page(browser: Browser, tmp_path: Path) -> None:
    page_path, document = render(HOSTILE_SNAPSHOT, tmp_path)
    with opened(browser, page_path) as state:
        assert state.page.locator("table.grants tbody tr").count() == len(document["edges"])
        assert state.errors == [] and state.dialogs == []
