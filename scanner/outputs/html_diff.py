"""``acr-scan diff --format html``: new, fixed and changed findings as one self-contained page.

Shares the report's stylesheet; carries no script at all, so its Content-Security-Policy can
forbid every script and every network request.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Template
from markupsafe import Markup

from scanner.baseline import Drift, Observation, ResultsFile
from scanner.outputs.html_format import csp_hash, environment, inline_asset

TEMPLATE = "diff.html.j2"
STYLESHEET = "report.css"


def _state(o: Observation | None) -> str:
    return "absent" if o is None else f"{o.status} ({o.severity})"


@cache
def _template() -> tuple[Template, Markup, str]:
    css = inline_asset(STYLESHEET, "</style")
    csp = f"default-src 'none'; style-src '{csp_hash(css)}'; base-uri 'none'; form-action 'none'"
    return environment().get_template(TEMPLATE), Markup(css), csp


def drift_html(drift: Drift, old: ResultsFile, new: ResultsFile) -> str:
    """The drift page (deterministic for the same inputs)."""
    template, css, csp = _template()
    sections = [("New", drift.new), ("Fixed", drift.fixed), ("Changed", drift.changed)]
    return template.render(old=old, new=new, counts=drift.counts(), sections=sections, state=_state, css=css, csp=csp)
