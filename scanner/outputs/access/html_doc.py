"""``acr-scan access --format html``: the access report as one self-contained page.

The same content as the table: per registry its mode and what could not be read, the grants
with their paths, and the escalations. Rendered from ``reports/access.html.j2`` (its table rows
from the macros of ``reports/access_rows.html.j2``) by the HTML report's Jinja2 environment
(autoescape on) with the report's stylesheet inlined; the page
carries no script at all, so its Content-Security-Policy allows that one stylesheet (by hash)
and nothing else: no script, no network.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Any, BinaryIO

from jinja2 import Template
from markupsafe import Markup

from scanner.azure import rbac
from scanner.inventory.access_paths import Escalation, Grant
from scanner.outputs.access.report import AccessReport, per_object
from scanner.outputs.html_page import csp_hash, environment, inline_asset, write_chunks

TEMPLATE = "access.html.j2"
ROWS = "access_rows.html.j2"
STYLESHEET = "report.css"
#: Registry sections start open when there are at most this many registries.
OPEN_SECTIONS_UP_TO = 50


@cache
def _template() -> tuple[Template, Any, Markup, str]:
    css = inline_asset(STYLESHEET, "</style")
    csp = f"default-src 'none'; style-src '{csp_hash(css)}'; base-uri 'none'; form-action 'none'"
    env = environment()
    return env.get_template(TEMPLATE), env.get_template(ROWS).module, Markup(css), csp


def _meaning(capability: str) -> str:
    return rbac.ESCALATION_MEANING.get(capability, "")


def _escalation_row(rows: Any, escalation: Escalation) -> Markup:
    row: Markup = rows.escalation_row(escalation, _meaning(escalation.capability))
    return row


def row_renderers() -> tuple[Callable[[Grant], Markup], Callable[[Escalation], Markup]]:
    """The table row of a grant and of an escalation (the macros of ``access_rows.html.j2``),
    for this page and the scan report's access panel.

    An inherited grant is the same object in every registry below its scope: its row is
    rendered once (by the autoescaping macro) and repeated.
    """
    rows = _template()[1]
    return per_object(rows.grant_row), per_object(partial(_escalation_row, rows))


class AccessHtml:
    """``--format html`` (deterministic for the same input)."""

    name = "html"

    def write(self, report: AccessReport, stream: BinaryIO) -> None:
        template, _, css, csp = _template()
        grant_row, escalation_row = row_renderers()
        f = report.filters
        filters = [
            *(f"registry {r}" for r in f.registries),
            *(f"principal {p}" for p in f.principals),
            *(f"action {a}" for a in f.actions),
        ]
        page = {
            "source": report.source,
            "registries": report.registries,
            "grant_count": report.grant_count,
            "escalation_count": report.escalation_count,
            "filters": filters,
            "narrowed": f.narrows_grants,
            "open_sections": len(report.registries) <= OPEN_SECTIONS_UP_TO,
            "grant_row": grant_row,
            "escalation_row": escalation_row,
            "css": css,
            "csp": csp,
        }
        write_chunks(template.generate(page), stream)
