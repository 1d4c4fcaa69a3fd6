"""MMLU and C-Eval as the Hugging Face tools leave them on disk, read offline.

Two layouts, under `$HF_HOME` (default ~/.cache/huggingface):
- `huggingface_hub` (`hf download cais/mmlu --repo-type dataset`, and what `datasets` fetches
  first): `hub/datasets--<owner>--<name>/snapshots/<revision>/<subject>/<split>-00000-of-00001.parquet`,
  the revision `refs/main` names (else the newest).
- `datasets` (`load_dataset("cais/mmlu", "all")`): `datasets/<owner>___<name>/<subject>/<version>/
  <hash>/<name>-<split>[-NNNNN-of-NNNNN].arrow`, Arrow IPC streams.

The columns are those of the two repositories: cais/mmlu `question, subject, choices[4], answer`
(0-3); ceval/ceval-exam `id, question, A, B, C, D, answer` (a letter). MMLU's `all` subject holds
every question with its subject column, so when it is there the per-subject folders are not read
again. Reading parquet and Arrow needs pyarrow, imported only here and only when such a file is
read; without it the error says so in one line.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from desktop.errors import HearthError

REPOS = {"mmlu": "cais/mmlu", "ceval": "ceval/ceval-exam"}
SPLIT_NAMES = {"val": ("val", "validation")}  # our split name -> the names the repositories use
_SHARD = re.compile(r"-\d{5}-of-\d{5}$")


def hf_home() -> Path:
    return Path(os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface").expanduser()


def hub_cache() -> Path:
    env = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    return Path(env).expanduser() if env else hf_home() / "hub"


def datasets_cache() -> Path:
    env = os.environ.get("HF_DATASETS_CACHE")
    return Path(env).expanduser() if env else hf_home() / "datasets"


def locate(benchmark: str) -> Path | None:
    """The cached copy of a benchmark's repository (a hub snapshot or a datasets-cache folder),
    or None."""
    owner, name = REPOS[benchmark].split("/")
    repo = hub_cache() / f"datasets--{owner}--{name}"
    ref = repo / "refs" / "main"
    snapshots = repo / "snapshots"
    if ref.is_file() and (snapshots / ref.read_text().strip()).is_dir():
        return snapshots / ref.read_text().strip()
    found = sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime) if snapshots.is_dir() else []
    if found:
        return found[-1]
    arrow = datasets_cache() / f"{owner}___{name}"
    return arrow if arrow.is_dir() else None


def where_to_put(benchmark: str) -> str:
    return (f"download {REPOS[benchmark]} into the Hugging Face cache ({hub_cache()}), "
            f"or pass --data with the authors' CSV folder")


def files(folder: Path, split: str) -> dict[str, list[Path]]:
    """Per subject, the parquet or arrow files of one split under `folder`, sorted (shards in order)."""
    names = SPLIT_NAMES.get(split, (split,))
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".parquet", ".arrow") or not path.is_file():
            continue
        stem = _SHARD.sub("", path.stem)
        if not any(stem == n or stem.endswith(f"-{n}") for n in names):
            continue
        subject = path.relative_to(folder).parts[0] if len(path.relative_to(folder).parts) > 1 else ""
        found.setdefault(subject, []).append(path)
    if "all" in found and len(found) > 1:
        found = {"all": found["all"]}
    return {subject: _newest_copy(paths) for subject, paths in found.items()}


def _newest_copy(paths: list[Path]) -> list[Path]:
    """The shards of the newest copy: `datasets` keeps one folder per version and hash, and a
    subject prepared twice must not count twice."""
    newest = max({p.parent for p in paths}, key=lambda folder: folder.stat().st_mtime)
    return [p for p in paths if p.parent == newest]


def rows(path: Path) -> list[dict[str, Any]]:
    """The rows of one parquet file or Arrow stream, as dictionaries."""
    try:
        import pyarrow.ipc
        import pyarrow.parquet
    except ImportError:
        raise HearthError(f"reading {path.name} (the Hugging Face cache) needs pyarrow: `pip install pyarrow`, "
                          "or pass --data with the authors' CSV folder") from None
    try:
        if path.suffix == ".parquet":
            table = pyarrow.parquet.read_table(path)
        else:
            with pyarrow.memory_map(str(path)) as source:
                table = pyarrow.ipc.open_stream(source).read_all()
    except (OSError, pyarrow.ArrowException) as exc:
        raise HearthError(f"{path}: cannot read it ({type(exc).__name__}: {exc})") from None
    return table.to_pylist()
