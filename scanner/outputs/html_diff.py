"""``acr-scan diff --format html``: new, fixed and changed findings as one self-contained page.

Shares the report's stylesheet; carries no script at all, so its Content-Security-Policy can
forbid every script and every network request.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from scanner.baseline import Drift, Observation, ResultsFile
from scanner.resources import data_dir

TEMPLATE = "diff.html.j2"
STYLESHEET = "report.css"


def _state(o: Observation | None) -> str:
    return "absent" if o is None else f"{o.status} ({o.severity})"


@cache
def _template() -> tuple[Template, Markup, str]:
    env = Environment(
        loader=FileSystemLoader(str(data_dir("reports"))),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    css = (data_dir("reports") / STYLESHEET).read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise ValueError(f"reports/{STYLESHEET} must not contain '</style'")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    csp = f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    return env.get_template(TEMPLATE), Markup(css), csp


def drift_html(drift: Drift, old: ResultsFile, new: ResultsFile) -> str:
    """The drift page (deterministic for the same inputs)."""
    template, css, csp = _template()
    sections = [("New", drift.new), ("Fixed", drift.fixed), ("Changed", drift.changed)]
    return template.render(
        old=old, new=new, counts=drift.counts(), sections=sections, state=_state, css=css, csp=csp
    )
