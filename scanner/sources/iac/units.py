"""Which ARM files are read together: a template with its parameters files, and the templates it links.

A template that another one deploys through ``templateLink.relativePath`` is read through
that deployment, with the parameters it passes, not on its own. ``--changed-since``
(:mod:`.changed`) uses the same pairing to keep a unit whole when one of its files changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.sources.iac.detect import Found


def _parameters_base(path: Path) -> tuple[str, bool]:
    """``main.parameters.json`` → (``main``, exact); ``main.parameters.prod.json`` → (``main``, not exact)."""
    stem = path.name[: -len(".json")] if path.name.lower().endswith(".json") else path.stem
    lowered = stem.lower()
    if lowered.endswith(".parameters"):
        return stem[: -len(".parameters")], True
    cut = lowered.find(".parameters.")
    if cut > 0:
        return stem[:cut], False
    return stem, False


def pair_parameters(templates: Sequence[Found], parameters: Sequence[Found]) -> dict[Path, list[Path]]:
    """Which parameters files apply to which template.

    ``X.parameters.json`` applies to ``X.json`` beside it. A parameters file named on the
    command line also applies by base name (``X.parameters.prod.json``), else to the only
    template in its folder, else to the only template named on the command line.
    """
    pairs: dict[Path, list[Path]] = {}
    if not parameters:
        return pairs
    by_dir_stem = {(t.path.parent.resolve(), t.path.name[: -len(".json")].lower()): t.path for t in templates}
    for found in sorted(parameters, key=lambda f: (f.explicit, str(f.path))):
        base, exact = _parameters_base(found.path)
        target = by_dir_stem.get((found.path.parent.resolve(), base.lower()))
        if target is not None and (exact or found.explicit):
            pairs.setdefault(target, []).append(found.path)
            continue
        if not found.explicit:
            continue
        beside = [t.path for t in templates if t.path.parent.resolve() == found.path.parent.resolve()]
        named = [t.path for t in templates if t.explicit]
        choice = beside if len(beside) == 1 else named if len(named) == 1 else []
        if not choice:
            raise InputError(
                f"{found.path}: cannot tell which template these parameters are for; "
                "name it <template>.parameters.json or scan it with that one template"
            )
        pairs.setdefault(choice[0], []).append(found.path)
    return pairs


def _links(resources: Any, folder: Path, out: set[Path]) -> None:
    """Files that deployments in ``resources`` link by a literal ``templateLink.relativePath``."""
    items = resources.values() if isinstance(resources, Mapping) else resources if isinstance(resources, list) else ()
    for resource in items:
        if not isinstance(resource, Mapping):
            continue
        props = resource.get("properties")
        if str(resource.get("type", "")).lower() == "microsoft.resources/deployments" and isinstance(props, Mapping):
            link = props.get("templateLink")
            relative = link.get("relativePath") if isinstance(link, Mapping) else None
            if isinstance(relative, str) and not relative.startswith("["):
                out.add((folder / relative).resolve())
            inline = props.get("template")
            if isinstance(inline, Mapping):
                _links(inline.get("resources"), folder, out)
        _links(resource.get("resources"), folder, out)


def linked_templates(templates: Sequence[Found]) -> set[Path]:
    """Templates another template deploys through a ``templateLink``: read there, with its parameters.

    Only those reached from a template that is read on its own count: templates that link only
    one another in a cycle are each read on their own, so the cycle is found and named instead of
    nothing being read at all.
    """
    graph: dict[Path, set[Path]] = {}
    for found in templates:
        targets: set[Path] = set()
        if found.doc is not None and isinstance(found.doc.data, Mapping) and b"templateLink" in found.doc.raw:
            _links(found.doc.data.get("resources"), found.path.parent, targets)
        graph[found.path.resolve()] = targets
    linked = set().union(*graph.values()) if graph else set()
    explicit = {f.path.resolve() for f in templates if f.explicit}
    stack = [path for path in graph if path not in linked or path in explicit]
    reached: set[Path] = set()
    while stack:
        for target in graph.get(stack.pop(), ()):
            if target not in reached:
                reached.add(target)
                stack.append(target)
    return reached
