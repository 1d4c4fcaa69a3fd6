"""The GBNF grammars Hearth ships in `resources/grammars/` (written for this project)."""
from __future__ import annotations

from desktop.errors import HearthError
from desktop.paths import resource_path


def names() -> list[str]:
    """Names of the built-in grammars (file names without `.gbnf`)."""
    folder = resource_path("grammars")
    return sorted(p.name.removesuffix(".gbnf") for p in folder.iterdir() if p.name.endswith(".gbnf"))


def builtin(name: str) -> str:
    """The text of built-in grammar `name` (e.g. "json_object")."""
    path = resource_path("grammars", f"{name}.gbnf")
    if not path.is_file():
        raise HearthError(f"no built-in grammar {name!r}; available: {', '.join(names())}")
    return path.read_text(encoding="utf-8")
