"""``acr-scan diff --format markdown``: the drift as a pull-request comment."""

from __future__ import annotations

from typing import BinaryIO

from scanner.drift.base import Comparison
from scanner.drift.compare import state_label
from scanner.outputs.markdown_format import LIMIT, md_code, md_text


class DriftMarkdown:
    """At most ``limit`` characters (a comment's size limit), untrusted text escaped."""

    name = "markdown"

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit

    def render(self, comparison: Comparison) -> str:
        drift, old, new = comparison.drift, comparison.old, comparison.new
        n = drift.counts()
        icon = "❌" if drift.new else "✅"
        lines = [
            f"## {icon} ACR policy drift: {n['new']:,} new, {n['fixed']:,} fixed, {n['changed']:,} changed",
            "",
            f"from {md_code(str(old.path), 200)} ({md_text(old.scan_time or 'unknown time')}) "
            f"to {md_code(str(new.path), 200)} ({md_text(new.scan_time or 'unknown time')}); "
            f"{n['existing']:,} findings needing attention were already there.",
        ]
        size = sum(len(line) + 1 for line in lines)
        total = len(drift.new) + len(drift.fixed) + len(drift.changed)
        shown = 0
        full = False
        for title, changes in (("New", drift.new), ("Fixed", drift.fixed), ("Changed", drift.changed)):
            block = ["", f"### {title} ({len(changes):,})", ""]
            for c in changes:
                o = c.current
                item = (
                    f"- {md_text(o.rule_id)} **{md_text(o.subject_name, 200)}** ({md_text(o.subject_kind, 40)}): "
                    f"{md_text(state_label(c.before))} → {md_text(state_label(c.after))}: {md_text(o.message)}"
                )
                cost = len(item) + 1 + sum(len(line) + 1 for line in block)
                if size + cost + 120 > self.limit:
                    full = True
                    break
                lines += [*block, item]
                block = []
                size += cost
                shown += 1
            if full:
                break
        if shown < total:
            lines += ["", f"**… and {total - shown:,} more changes** (see acr-scan diff --format json)."]
        return "\n".join(lines) + "\n"

    def write(self, comparison: Comparison, stream: BinaryIO) -> None:
        stream.write(self.render(comparison).encode("utf-8", "replace"))
