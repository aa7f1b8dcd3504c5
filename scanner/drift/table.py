"""``acr-scan diff`` (the default format): the drift as plain text for a terminal."""

from __future__ import annotations

from typing import BinaryIO

from scanner.drift.base import Comparison
from scanner.drift.compare import state_label
from scanner.outputs.terminal import safe_text


class DriftTable:
    """Every line escaped (:func:`safe_text`), since names and messages come from the results files."""

    name = "table"

    def render(self, comparison: Comparison) -> str:
        drift, old, new = comparison.drift, comparison.old, comparison.new
        lines = [
            safe_text(f"drift from {old.path} ({old.scan_time}) to {new.path} ({new.scan_time})"),
            ", ".join(f"{n} {k}" for k, n in drift.counts().items()),
        ]
        for title, changes in (("new", drift.new), ("fixed", drift.fixed), ("changed", drift.changed)):
            if not changes:
                continue
            lines += ["", f"== {title} ({len(changes)})"]
            for c in changes:
                o = c.current
                if title == "changed" and c.before and c.after:
                    state = f"{state_label(c.before)} -> {state_label(c.after)}"
                elif title == "fixed":
                    state = f"{state_label(c.before)} -> {state_label(c.after) if c.after else 'gone'}"
                else:
                    state = state_label(o)
                lines.append(safe_text(f"  {o.rule_id}  {o.subject_kind} {o.subject_name}  [{state}]  {o.message}"))
        return "\n".join(lines) + "\n"

    def write(self, comparison: Comparison, stream: BinaryIO) -> None:
        stream.write(self.render(comparison).encode("utf-8", "replace"))
