"""``acr-scan diff --format html``: new, fixed and changed findings as one self-contained page.

Shares the report's stylesheet; carries no script at all, so its Content-Security-Policy can
forbid every script and every network request.
"""

from __future__ import annotations

from functools import cache
from typing import BinaryIO

from jinja2 import Template
from markupsafe import Markup

from scanner.drift.base import Comparison
from scanner.drift.compare import Observation
from scanner.outputs.html_page import csp_hash, environment, inline_asset

TEMPLATE = "diff.html.j2"
STYLESHEET = "report.css"


def _state(o: Observation | None) -> str:
    return "absent" if o is None else f"{o.status} ({o.severity})"


@cache
def _template() -> tuple[Template, Markup, str]:
    css = inline_asset(STYLESHEET, "</style")
    csp = f"default-src 'none'; style-src '{csp_hash(css)}'; base-uri 'none'; form-action 'none'"
    return environment().get_template(TEMPLATE), Markup(css), csp


class DriftHtml:
    """The drift page (deterministic for the same inputs)."""

    name = "html"

    def write(self, comparison: Comparison, stream: BinaryIO) -> None:
        template, css, csp = _template()
        drift = comparison.drift
        sections = [("New", drift.new), ("Fixed", drift.fixed), ("Changed", drift.changed)]
        page = template.render(
            old=comparison.old, new=comparison.new, counts=drift.counts(),
            sections=sections, state=_state, css=css, csp=csp,
        )  # fmt: skip
        stream.write(page.encode("utf-8", "replace"))
