"""Safe YAML loading: never constructs Python objects from tags.

``yaml.CSafeLoader`` is libyaml's implementation of ``SafeLoader`` (same constructor, same
safety as ``yaml.safe_load``) and parses the rule pack ten times faster; PyYAML builds
without libyaml fall back to ``yaml.safe_load`` itself.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def _plain(value: Any) -> Any:
    """Turn YAML's implicit timestamps back into ISO strings, so data stays JSON-shaped.

    ``expires: 2027-03-31`` would otherwise be a ``datetime.date`` that JSON Schema cannot
    validate and that rules would compare differently from the strings Azure returns.
    """
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        text = value.isoformat()
        return text.replace("+00:00", "Z") if value.tzinfo is not None else text
    if isinstance(value, date):
        return value.isoformat()
    return value


def load_yaml(text: str) -> Any:
    """Parse YAML text with the safe loader only; timestamps come back as ISO strings.

    PyYAML is imported here, not at start-up: a scan whose rules come from the rule cache
    and that has no YAML config never needs it.
    """
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return _plain(yaml.safe_load(text))
    return _plain(yaml.load(text, Loader=loader))
