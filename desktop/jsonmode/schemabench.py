"""The JSONSchemaBench subset (524 real-world schemas) read from where it lies: never copied.

Layout: `<bench dir>/<Subset>/<id>.json`, one schema per file (see the folder's README).
The default place is `../shared/jsonschemabench` next to the repository checkout.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.errors import HearthError

PROMPT = "Generate one realistic example of data that follows the schema. Output only the JSON."


@dataclass(frozen=True)
class BenchSchema:
    id: str  # "<Subset>/<file stem>"
    subset: str
    schema: Any


def default_dir() -> Path:
    """`../shared/jsonschemabench` relative to the repository root."""
    return Path(__file__).resolve().parents[2].parent / "shared" / "jsonschemabench"


def load(bench_dir: Path | None = None) -> list[BenchSchema]:
    """Every schema, sorted by subset then id; HearthError if the folder is missing or empty."""
    root = Path(bench_dir) if bench_dir else default_dir()
    if not root.is_dir():
        raise HearthError(f"JSONSchemaBench folder not found: {root} (pass --bench-dir)")
    out = []
    for path in sorted(root.glob("*/*.json")):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HearthError(f"{path}: not a readable JSON file ({exc})") from None
        out.append(BenchSchema(f"{path.parent.name}/{path.stem}", path.parent.name, schema))
    if not out:
        raise HearthError(f"no schemas (<subset>/<id>.json) in {root}")
    return out
