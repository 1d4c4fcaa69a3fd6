"""The store's modules import one way: records at the bottom, Store above, export/import over it."""
from __future__ import annotations

import ast
from pathlib import Path

import desktop.store

STORE = Path(desktop.store.__file__).parent


def _store_imports(path: Path) -> set[str]:
    """The desktop.store modules a file imports (TYPE_CHECKING imports count: they are edges too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("desktop.store"):
            parts = node.module.split(".")
            names |= {parts[2]} if len(parts) > 2 else {alias.name for alias in node.names}
    return names - {path.stem}


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    done: set[str] = set()

    def visit(name: str, stack: list[str]) -> list[str]:
        for dep in sorted(graph.get(name, ())):
            if dep in stack:
                return stack[stack.index(dep):] + [dep]
            if dep not in done:
                found = visit(dep, stack + [dep])
                if found:
                    return found
        done.add(name)
        return []

    for name in sorted(graph):
        found = visit(name, [name])
        if found:
            return found
    return []


def test_the_store_package_has_no_import_cycle():
    graph = {p.stem: _store_imports(p) for p in STORE.glob("*.py") if p.stem != "__init__"}
    assert _cycle(graph) == []


def test_the_cycle_check_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_shared_names_live_below_everything_else():
    assert _store_imports(STORE / "records.py") == set()
    assert "store" not in _store_imports(STORE / "outbox.py")
