"""The package's layers import downward only, and no modules import each other in a cycle.

The layers, lowest first, are drawn in docs/architecture.md. Every import counts, including
those inside function bodies (a lazy import keeps start-up fast; it must still point down).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "scanner"

# Lowest first. A module belongs to the first layer with a prefix matching its dotted name.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation",
        (
            "scanner",
            "scanner.errors",
            "scanner.timeutil",
            "scanner.atomic",
            "scanner.input_limits",
            "scanner.plain_data",
            "scanner.safeyaml",
            "scanner.resources",
            "scanner.unknown",
            "scanner.results",
            "scanner.config",
        ),
    ),
    ("azure", ("scanner.azure",)),
    ("sources", ("scanner.sources",)),
    ("inventory", ("scanner.inventory",)),
    ("engine", ("scanner.engine",)),
    (
        "scan",
        ("scanner.scan", "scanner.scan_result", "scanner.placement", "scanner.suppress", "scanner.gate"),
    ),
    ("reports", ("scanner.outputs", "scanner.evidence", "scanner.drift", "scanner.history", "scanner.export")),
    ("probe", ("scanner.probe",)),
    ("cli", ("scanner.cli", "scanner.__main__")),
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer_of(module: str) -> int:
    best, best_len = -1, -1
    for rank, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and len(prefix) > best_len and (prefix != "scanner" or module == "scanner"):
                best, best_len = rank, len(prefix)
    assert best >= 0, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
    return best


def _imports(path: Path, module: str) -> Iterator[tuple[str, int]]:
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from package import name` imports a submodule when one has that name.
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield (submodule if _exists(submodule) else target), node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno


def _exists(module: str) -> bool:
    if not module.startswith("scanner."):
        return module == "scanner"
    relative = PACKAGE.joinpath(*module.split(".")[1:])
    return relative.with_suffix(".py").is_file() or relative.is_dir()


def _graph() -> dict[str, dict[str, int]]:
    graph: dict[str, dict[str, int]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        edges = graph.setdefault(module, {})
        for target, line in _imports(path, module):
            if target == "scanner" or target.startswith("scanner."):
                # Resolve `scanner.a.b.name` to the deepest module that exists.
                while not _exists(target) and target.count("."):
                    target = target.rsplit(".", 1)[0]
                if target != module:
                    edges.setdefault(target, line)
    return graph


def test_every_import_points_down_or_sideways() -> None:
    upward = []
    for module, edges in _graph().items():
        for target, line in edges.items():
            if _layer_of(target) > _layer_of(module):
                upward.append(
                    f"{module}:{line} imports {target} "
                    f"({LAYERS[_layer_of(module)][0]} -> {LAYERS[_layer_of(target)][0]})"
                )
    assert not upward, "imports that point up a layer:\n" + "\n".join(sorted(upward))


def test_no_import_cycles() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert not cycles, "modules that import each other: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_layer_table_names_real_packages() -> None:
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            assert _exists(prefix), f"layer {name}: {prefix} does not exist"
