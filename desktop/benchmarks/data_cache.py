"""Where downloaded benchmark data is kept: outside the data folder, shared by every profile."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """`$HEARTH_EVAL_CACHE`, else the platform's per-user cache folder for Hearth."""
    env = os.environ.get("HEARTH_EVAL_CACHE")
    path = Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("hearth", appauthor=False)) / "evals"
    path.mkdir(parents=True, exist_ok=True)
    return path
