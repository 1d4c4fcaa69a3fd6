"""The import graph keeps the shape drawn in docs/architecture.md: imports run downward only, and
no module reaches itself again through others.

Every `import` in desktop/ and converter/ counts, the ones inside functions too: a lazy import
changes when a module loads, not what it depends on.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Higher numbers may import lower ones (and their own layer); never the other way round.
LAYERS = {
    "desktop.ui": 4, "desktop.cli": 4, "desktop.__main__": 4,
    "desktop.api": 3, "desktop.feedback": 3,
    "desktop.engine": 2, "desktop.benchmarks": 2,
    "desktop.jsonmode": 1, "desktop.store": 1, "desktop.models": 1,
    "desktop.paths": 0, "desktop.errors": 0, "desktop.atomic_write": 0, "desktop.chat_messages": 0,
    "desktop": 0,  # the package's __init__
}
# The converter stands apart: a library the UI may call, which never needs the UI or Qt.
CONVERTER_NEVER_IMPORTS = ("desktop.ui", "PySide6", "shiboken6")

# Known violations, each with the issue part that removes it: empty since issue 18 part 2 untied
# the store's circle. The test fails on an entry that no longer happens, so the list only shrinks.
ALLOWED: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for package in ("desktop", "converter")
            for path in sorted((ROOT / package).rglob("*.py"))}


def imports_of(name: str, path: Path) -> set[str]:
    """Dotted names of everything `name` imports: `import a.b` gives a.b; `from a import b` gives
    a.b (b may be a submodule) and a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def graph() -> dict[str, set[str]]:
    """Edges between our own modules: to a.b when a.b is one, else to the nearest enclosing one."""
    known = modules()
    edges = {}
    for name, path in known.items():
        targets = set()
        for imported in imports_of(name, path):
            while imported and imported not in known:
                imported = imported.rpartition(".")[0]
            if imported:
                targets.add(imported)
        # `from a import b` with b a module names a too; a's __init__ then runs, but the
        # dependency is on b: drop a when only submodules of it were asked for by name
        edges[name] = {t for t in targets if not any(o.startswith(t + ".") for o in targets)
                       or t in plain_imports(name, path, known)} - {name}
    return edges


def plain_imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Modules from which something that is no module is imported, or imported whole."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    plain = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            plain.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if any(f"{base}.{alias.name}" not in known for alias in node.names):
                plain.add(base)
    return plain


def layer(name: str) -> int | None:
    while name:
        if name in LAYERS:
            return LAYERS[name]
        name = name.rpartition(".")[0]
    return None


def upward_imports(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(source, target) for source, targets in edges.items() for target in targets
            if layer(source) is not None and layer(target) is not None and layer(target) > layer(source)}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = stack[stack.index(node):]
            del stack[stack.index(node):]
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def cycle_edges(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    """The edges that lie inside a cycle."""
    return {(s, t) for component in cycles(edges) for s in component for t in edges[s] if t in component}


def describe(edges: dict[str, set[str]], pairs: list[tuple[str, str]]) -> str:
    upward = upward_imports(edges)
    return "\n".join(f"  {s} -> {t}  ({'upward' if (s, t) in upward else 'cycle'})" for s, t in pairs)


def test_imports_run_downward_and_never_in_a_circle() -> None:
    edges = graph()
    problems = upward_imports(edges) | cycle_edges(edges)
    unexpected = sorted(problems - ALLOWED)
    assert not unexpected, "imports against the layers or in a cycle:\n" + describe(edges, unexpected)
    gone = sorted(ALLOWED - problems)
    assert not gone, "these allowed violations are gone, remove them from ALLOWED:\n" + describe(edges, gone)


def test_the_converter_never_imports_the_ui_or_qt() -> None:
    bad = sorted((name, imported) for name, path in modules().items() if name.startswith("converter")
                 for imported in imports_of(name, path) if imported.startswith(CONVERTER_NEVER_IMPORTS))
    assert not bad, bad


def test_every_desktop_module_has_a_layer() -> None:
    assert [name for name in modules() if name.startswith("desktop") and layer(name) is None] == []


def test_the_checks_catch_an_upward_import_and_a_cycle() -> None:
    """The checker itself, on a made-up graph: a store module importing the UI, and two engine
    modules importing each other."""
    edges = {"desktop.store.x": {"desktop.ui.y"}, "desktop.ui.y": set(),
             "desktop.engine.a": {"desktop.engine.b"}, "desktop.engine.b": {"desktop.engine.a"}}
    assert upward_imports(edges) == {("desktop.store.x", "desktop.ui.y")}
    assert cycles(edges) == [["desktop.engine.a", "desktop.engine.b"]]
