"""Find the line of a value inside a YAML file, for ``file:line: what is wrong`` errors.

Rule files are loaded with ``yaml.safe_load``; only when something is wrong do we compose the
file again (still the safe loader) to map a JSON-style path back to a line.
"""

from __future__ import annotations

from collections.abc import Sequence


def line_of(text: str, pointer: Sequence[str | int]) -> int | None:
    """1-based line of the node at ``pointer`` (or of its deepest existing ancestor)."""
    import yaml  # (only reached when a file is wrong: no start-up cost)

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in pointer:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
