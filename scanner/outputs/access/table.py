"""``acr-scan access`` on a terminal: who can pull, push and delete on each registry, and how.

Per registry a header line (name, role assignment mode, what could not be read), then one row
per grant: principal (display name, else id), type, actions, repositories and the path from
the principal to the registry (hops joined by " → "), with "(unknown: …)" when the grant may be
wider than shown. The registry's escalations follow under "Escalations", one row per principal
and path with the capabilities it holds; what each capability means is said once at the end.
A registry where nothing matches the filters and nothing is unknown is only named, on one line
at the end.

Names come from the tenant or the IaC under review: every piece of text from the input goes
through :func:`scanner.outputs.terminal.safe_text` before it is padded or coloured, and the
colours (``--color``) are added around the escaped text, never inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

from scanner.azure import rbac
from scanner.inventory.access_paths import Escalation, Grant, Hop
from scanner.outputs.access.report import AccessReport, RegistryView, per_object
from scanner.outputs.terminal import safe_text

_BOLD = "\033[1m"
_ACTION_COLORS = {rbac.PUSH: "\033[33m", rbac.DELETE: "\033[31m"}
_NOTE = "\033[2m"
_RESET = "\033[0m"
#: A column wider than this stops aligning the others (its text is still shown whole).
MAX_WIDTH = 80
ARROW = " → "
_FLUSH_EVERY = 5000  # lines


def path_text(via: Sequence[Hop]) -> str:
    """The hops of a path, escaped and joined by " → "."""
    return ARROW.join(safe_text(hop.name) for hop in via)


def _who(principal: str, display_name: str | None) -> str:
    return safe_text(display_name or principal)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


class _Cell:
    """A cell's visible text and the same text as printed (perhaps coloured)."""

    __slots__ = ("plain", "shown")

    def __init__(self, plain: str, shown: str | None = None) -> None:
        self.plain = plain
        self.shown = plain if shown is None else shown


class AccessTable:
    """``--format table`` (the default)."""

    name = "table"

    def __init__(self, color: bool = False) -> None:
        self.color = color

    def _paint(self, text: str, code: str | None) -> str:
        return f"{code}{text}{_RESET}" if self.color and code else text

    def _actions(self, actions: Sequence[str]) -> _Cell:
        plain = ", ".join(safe_text(a) for a in actions) or "none"
        shown = ", ".join(self._paint(safe_text(a), _ACTION_COLORS.get(a)) for a in actions) or "none"
        return _Cell(plain, shown)

    def _rows(self, rows: list[list[_Cell]], indent: str = "  ") -> list[str]:
        """Align every column but the last (the path, which runs on)."""
        if not rows:
            return []
        widths = [min(MAX_WIDTH, max(len(r[i].plain) for r in rows)) for i in range(len(rows[0]) - 1)]
        lines = []
        for r in rows:
            cells = [c.shown + " " * max(0, w - len(c.plain)) for c, w in zip(r, widths, strict=False)]
            lines.append((indent + "  ".join([*cells, r[-1].shown])).rstrip())
        return lines

    def _grant_row(self, grant: Grant) -> list[_Cell]:
        path = path_text(grant.via)
        if grant.unknown:
            note = "(unknown: " + "; ".join(safe_text(u) for u in grant.unknown) + ")"
            path = f"{path} {self._paint(note, _NOTE)}"
        return [
            _Cell(_who(grant.principal, grant.display_name)),
            _Cell(safe_text(grant.principal_type)),
            self._actions(grant.actions),
            _Cell(", ".join(safe_text(r) for r in grant.repositories) or "none"),
            _Cell(path),
        ]

    def _escalation_rows(self, escalations: Sequence[Escalation]) -> list[list[_Cell]]:
        """One row per principal and path, with every capability it holds there."""
        grouped: dict[tuple[object, ...], tuple[Escalation, list[str]]] = {}
        for e in escalations:
            key = (e.principal, e.principal_type, e.display_name, e.via)
            grouped.setdefault(key, (e, []))[1].append(e.capability)
        return [
            [
                _Cell(_who(e.principal, e.display_name)),
                _Cell(safe_text(e.principal_type)),
                _Cell(", ".join(safe_text(c) for c in capabilities)),
                _Cell(path_text(e.via)),
            ]
            for e, capabilities in grouped.values()
        ]

    def _registry(self, view: RegistryView, narrowed: bool, grant_row: Callable[[Grant], list[_Cell]]) -> list[str]:
        access = view.access
        header = f"== {safe_text(view.name)}  [{safe_text(access.mode or 'role assignment mode unknown')}]"
        if access.unknown:
            header += "  (unknown: " + "; ".join(safe_text(u) for u in access.unknown) + ")"
        lines = ["", self._paint(header, _BOLD)]
        if view.grants:
            head = [_Cell(h) for h in ("PRINCIPAL", "TYPE", "ACTIONS", "REPOSITORIES", "PATH")]
            lines += self._rows([head, *map(grant_row, view.grants)])
        else:
            lines.append("  no grant matches" if narrowed else "  no grant")
        if view.escalations:
            lines.append("  Escalations")
            head = [_Cell(h) for h in ("PRINCIPAL", "TYPE", "CAN", "PATH")]
            lines += self._rows([head, *self._escalation_rows(view.escalations)], indent="    ")
        return lines

    def lines(self, report: AccessReport) -> Iterator[str]:
        """The report line by line (a registry's block at a time)."""
        f = report.filters
        chosen = [
            *(f"registry {safe_text(r)}" for r in f.registries),
            *(f"principal {safe_text(p)}" for p in f.principals),
            *(f"action {safe_text(a)}" for a in f.actions),
        ]
        yield (
            f"access from {safe_text(report.source)}: {_count(len(report.registries), 'registry', 'registries')}, "
            f"{_count(report.grant_count, 'grant', 'grants')}, "
            f"{_count(report.escalation_count, 'escalation', 'escalations')}"
            + (f" ({', '.join(chosen)})" if chosen else "")
        )
        if not report.registries:
            yield "no registries"
        grant_row = per_object(self._grant_row)  # (an inherited grant is one object in every registry below)
        quiet: list[str] = []  # nothing kept and nothing unknown: one line for them all
        for view in report.registries:
            if view.grants or view.escalations or view.access.unknown:
                yield from self._registry(view, f.narrows_grants, grant_row)
            else:
                quiet.append(safe_text(view.name))
        if quiet:
            where = _count(len(quiet), "registry", "registries")
            lead = "no grant or escalation matches on" if f.narrows_grants else "no grant or escalation on"
            yield ""
            yield f"{lead} {where}: " + ", ".join(quiet)
        seen = sorted({e.capability for v in report.registries for e in v.escalations})
        if seen:
            yield ""
            yield "Escalations are control-plane rights that can open a data path:"
            for c in seen:
                yield f"  {safe_text(c)}: {safe_text(rbac.ESCALATION_MEANING.get(c, 'not described'))}"

    def render(self, report: AccessReport) -> str:
        return "".join(line + "\n" for line in self.lines(report))

    def write(self, report: AccessReport, stream: BinaryIO) -> None:
        chunk: list[str] = []
        for line in self.lines(report):
            chunk.append(line)
            if len(chunk) >= _FLUSH_EVERY:
                stream.write(("\n".join(chunk) + "\n").encode("utf-8", "replace"))
                chunk = []
        stream.write(("\n".join(chunk) + "\n").encode("utf-8", "replace") if chunk else b"")
