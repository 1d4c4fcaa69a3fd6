"""Issue 18.6: one spelling each for Qt signals, re-translation methods and translated placeholders."""
from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI_FILES = sorted(p for p in (ROOT / "desktop" / "ui").rglob("*.py"))
SNAKE = re.compile(r"_?[a-z][a-z0-9_]*")


def _classes():
    for path in UI_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                yield path, node


def test_every_signal_is_snake_case():
    bad = []
    for path, cls in _classes():
        for stmt in cls.body:
            if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
                    and getattr(stmt.value.func, "id", None) == "Signal"):
                bad += [f"{path.name}: {t.id}" for t in stmt.targets if not SNAKE.fullmatch(t.id)]
    assert bad == []


def test_re_translation_is_always_called_retranslate():
    bad = [f"{path.name}: {cls.name}.{f.name}" for path, cls in _classes() for f in cls.body
           if isinstance(f, ast.FunctionDef) and "translat" in f.name.lower()
           and not re.fullmatch(r"retranslate|_retranslate_[a-z_]+", f.name)]
    assert bad == []


def test_translated_strings_use_named_placeholders_only():
    sources = [m.findtext("source") for m in ET.parse(ROOT / "resources/translations/hearth_zh_CN.ts").iter("message")]
    assert len(sources) > 300
    assert [s for s in sources if re.search(r"%\d|\{\d*\}", s)] == []
