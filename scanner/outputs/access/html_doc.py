"""``acr-scan access --format html``: the access report as one self-contained page.

The same content as the table: per registry its mode and what could not be read, the grants
with their paths, and the escalations. Rendered from ``reports/access.html.j2`` by the HTML
report's Jinja2 environment (autoescape on) with the report's stylesheet inlined; the page
carries no script at all, so its Content-Security-Policy allows that one stylesheet (by hash)
and nothing else: no script, no network.
"""

from __future__ import annotations

from functools import cache
from typing import BinaryIO

from jinja2 import Template
from markupsafe import Markup

from scanner.azure import rbac
from scanner.outputs.access.report import AccessReport
from scanner.outputs.html_format import csp_hash, environment, inline_asset

TEMPLATE = "access.html.j2"
STYLESHEET = "report.css"
#: Registry sections start open when there are at most this many registries.
OPEN_SECTIONS_UP_TO = 50


@cache
def _template() -> tuple[Template, Markup, str]:
    css = inline_asset(STYLESHEET, "</style")
    csp = f"default-src 'none'; style-src '{csp_hash(css)}'; base-uri 'none'; form-action 'none'"
    return environment().get_template(TEMPLATE), Markup(css), csp


def _meaning(capability: str) -> str:
    return rbac.ESCALATION_MEANING.get(capability, "")


class AccessHtml:
    """``--format html`` (deterministic for the same input)."""

    name = "html"

    def write(self, report: AccessReport, stream: BinaryIO) -> None:
        template, css, csp = _template()
        f = report.filters
        filters = [
            *(f"registry {r}" for r in f.registries),
            *(f"principal {p}" for p in f.principals),
            *(f"action {a}" for a in f.actions),
        ]
        page = template.render(
            source=report.source,
            registries=report.registries,
            grant_count=report.grant_count,
            escalation_count=report.escalation_count,
            filters=filters,
            narrowed=f.narrows_grants,
            open_sections=len(report.registries) <= OPEN_SECTIONS_UP_TO,
            meaning=_meaning,
            css=css,
            csp=csp,
        )
        stream.write(page.encode("utf-8", "replace"))
