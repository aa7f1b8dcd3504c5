"""Small left-to-right path diagrams (boxes joined by arrows) as inline SVG for the HTML report.

A diagram is one or more :class:`Lane` rows, each a chain of :class:`Node` boxes joined by
:class:`Link` arrows; a link that does not hold is drawn dashed, red when it is broken and
amber when it is unknown, with its note (the reason, and the error it predicts) written under
the row. Lanes are plain data, so a caller adds a hop by appending to a lane
(:meth:`Lane.then`) or a row by adding a lane; the drawing code does not know what a hop is.

The markup is built to be inert whatever the names hold, and to satisfy the report's
Content-Security-Policy (``default-src 'none'``, styles only from the hashed stylesheet):

- every text goes through :func:`scanner.outputs.terminal.safe_text` (control characters and
  bidirectional overrides become visible escapes: a direction override inside a fixed-width
  box would otherwise rearrange what the reader sees) and is then escaped by MarkupSafe;
- attribute values are integers computed here, or class names from the fixed :data:`STATES`;
- no ``style`` attribute, no ``id``, no ``href``, no ``url(...)``, no script, no namespace URL:
  colours and fonts come from classes of ``reports/access.css``, and arrowheads are polygons
  rather than markers (a marker needs an id and a ``url(#id)`` reference).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

import msgspec
from markupsafe import Markup

from scanner.outputs.terminal import safe_text

OK, BROKEN, UNKNOWN = "ok", "broken", "unknown"
#: The states a node or link can be drawn in (each is a class of reports/access.css).
STATES = frozenset({OK, BROKEN, UNKNOWN})
_MARKS = {BROKEN: "✗", UNKNOWN: "?"}

BOX_W, BOX_H, GAP, PAD = 176, 44, 44, 8
# Average glyph widths (the bold 12px labels, the 10px captions, the 12px notes): where text is
# cut or wrapped so that it stays inside its box or the diagram.
LABEL_CHAR_W, CAPTION_CHAR_W, NOTE_CHAR_W = 7.4, 5.6, 6.6
LANE_LABEL_H, NOTE_LINE_H = 16, 15
MAX_NOTE_LINES = 4
#: A tooltip longer than this is cut: a hostile 50,000-character name must not inflate the page.
MAX_DETAIL = 400


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def _checked(state: str) -> str:
    if state not in STATES:
        raise ValueError(f"unknown diagram state {state!r} (one of {sorted(STATES)})")
    return state


class Node(msgspec.Struct, frozen=True):
    """A box: its label (cut to fit), a small caption above it, and the whole text as tooltip."""

    label: str
    caption: str = ""
    detail: str = ""
    state: str = OK

    def __post_init__(self) -> None:
        _checked(self.state)


class Link(msgspec.Struct, frozen=True):
    """The arrow into the next box; a note says why it is broken or unknown."""

    state: str = OK
    note: str = ""

    def __post_init__(self) -> None:
        _checked(self.state)


_OK_LINK = Link()


class Lane(msgspec.Struct, frozen=True):
    """One row: ``nodes`` joined by ``links`` (one link fewer than nodes)."""

    nodes: tuple[Node, ...]
    links: tuple[Link, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if not self.nodes or len(self.links) != len(self.nodes) - 1:
            raise ValueError("a lane needs at least one node and one link between each two nodes")

    def then(self, node: Node, link: Link = _OK_LINK) -> Lane:
        """This lane with one more hop at its end."""
        return Lane((*self.nodes, node), (*self.links, link), self.label)


def _text(value: str, limit: int) -> str:
    return _clip(safe_text(value), limit)


def _wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters; a line that ended at a space keeps it,
    so the lines read as the whole text (copied, searched, or read by a screen reader)."""
    lines = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
    out, pos = [], 0
    for line in lines:
        pos = text.find(line, pos) + len(line)  # (safe text has no tab or newline: lines are substrings)
        out.append(line + " " if text[pos : pos + 1] == " " else line)
    return out


def _notes(lane: Lane, width: int) -> list[tuple[str, list[str], str]]:
    """(state, wrapped lines, whole text) of every note of the lane, in link order."""
    per_line = max(20, int((width - 2 * PAD) / NOTE_CHAR_W))
    out = []
    for link in lane.links:
        if link.note and link.state != OK:
            whole = _text(link.note, MAX_DETAIL)
            lines = _wrap(f"{_MARKS[link.state]} {whole}", per_line)
            if len(lines) > MAX_NOTE_LINES:
                lines = [*lines[: MAX_NOTE_LINES - 1], _clip(lines[MAX_NOTE_LINES - 1], per_line - 1) + "…"]
            out.append((link.state, lines, whole))
    return out


def _node(node: Node, x: int, y: int) -> Markup:
    per_box = int((BOX_W - 12) / LABEL_CHAR_W)
    middle = x + BOX_W // 2
    detail = _text(node.detail or node.label, MAX_DETAIL)
    parts = [
        Markup('<g class="node {}"><title>{}</title>').format(node.state, detail),
        Markup('<rect x="{}" y="{}" width="{}" height="{}" rx="6"></rect>').format(x, y, BOX_W, BOX_H),
    ]
    if node.caption:
        parts.append(Markup('<text class="caption" x="{}" y="{}">{}</text>').format(
            middle, y + 15, _text(node.caption, int((BOX_W - 8) / CAPTION_CHAR_W))
        ))  # fmt: skip
    label_y = y + (33 if node.caption else 27)
    parts.append(Markup('<text class="label" x="{}" y="{}">{}</text></g>').format(
        middle, label_y, _text(node.label, per_box)
    ))  # fmt: skip
    return Markup("").join(parts)


def _link(link: Link, x: int, y: int) -> Markup:
    """The arrow from ``x`` (the right edge of a box) to the next box, at height ``y``."""
    end = x + GAP - 2
    parts = [
        Markup('<g class="link {}">').format(link.state),
        Markup('<line x1="{}" y1="{}" x2="{}" y2="{}"></line>').format(x + 2, y, end - 6, y),
        Markup('<polygon points="{},{} {},{} {},{}"></polygon>').format(end - 8, y - 5, end, y, end - 8, y + 5),
    ]
    mark = _MARKS.get(link.state)
    if mark:
        parts.append(Markup('<text class="mark" x="{}" y="{}">{}</text>').format(x + GAP // 2 - 2, y - 6, mark))
    parts.append(Markup("</g>"))
    return Markup("").join(parts)


def _lane_height(lane: Lane, notes: Sequence[tuple[str, list[str], str]]) -> int:
    lines = sum(len(lines) for _, lines, _ in notes)
    return (LANE_LABEL_H if lane.label else 0) + BOX_H + 6 + lines * NOTE_LINE_H + PAD


def width_of(lanes: Iterable[Lane]) -> int:
    """The diagram's width: its longest lane."""
    longest = max((len(lane.nodes) for lane in lanes), default=1)
    return 2 * PAD + longest * BOX_W + (longest - 1) * GAP


def render(lanes: Sequence[Lane], title: str) -> Markup:
    """The ``<svg>`` element of ``lanes``, labelled ``title`` for assistive technology."""
    width = width_of(lanes)
    notes = [_notes(lane, width) for lane in lanes]
    height = PAD + sum(_lane_height(lane, n) for lane, n in zip(lanes, notes, strict=True))
    label = _text(title, MAX_DETAIL)
    parts = [
        Markup(
            '<svg class="pathdiagram" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}">'
            "<title>{t}</title>"
        ).format(w=width, h=height, t=label)
    ]
    y = PAD
    for lane, lane_notes in zip(lanes, notes, strict=True):
        parts.append(Markup('<g class="lane">'))
        if lane.label:
            parts.append(Markup('<text class="lane-label" x="{}" y="{}">{}</text>').format(PAD, y + 11, _text(
                lane.label, 60
            )))  # fmt: skip
            y += LANE_LABEL_H
        x = PAD
        for i, node in enumerate(lane.nodes):
            parts.append(_node(node, x, y))
            if i < len(lane.links):
                parts.append(_link(lane.links[i], x + BOX_W, y + BOX_H // 2))
            x += BOX_W + GAP
        y += BOX_H + 6
        for state, lines, whole in lane_notes:
            parts.append(Markup('<g class="note {}"><title>{}</title><text>').format(state, whole))
            for line in lines:
                y += NOTE_LINE_H
                parts.append(Markup('<tspan x="{}" y="{}">{}</tspan>').format(PAD, y - 3, line))
            parts.append(Markup("</text></g>"))
        y += PAD
        parts.append(Markup("</g>"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
