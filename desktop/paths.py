"""Where Hearth keeps things on disk.

Everything a user owns lives under one data directory so that backing up, moving or wiping Hearth
is one folder. Tests and power users point `HEARTH_HOME` elsewhere; models may live in a separate
folder (`HEARTH_MODELS`) because they are large and shared between profiles.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The data directory: `$HEARTH_HOME`, else the platform's standard per-user data folder."""
    env = os.environ.get("HEARTH_HOME")
    path = Path(env).expanduser() if env else Path(platformdirs.user_data_dir("hearth", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    """Where downloaded and converted models go: `$HEARTH_MODELS`, else `<data>/models`."""
    env = os.environ.get("HEARTH_MODELS")
    path = Path(env).expanduser() if env else data_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path() -> Path:
    """The SQLite file holding sessions, messages and the feedback outbox."""
    return data_dir() / "hearth.sqlite3"


def settings_path() -> Path:
    """The application's settings file (JSON)."""
    return data_dir() / "settings.json"


def resource_path(*parts: str) -> Path:
    """A file shipped in `resources/` (installed as the `hearth_resources` package)."""
    return Path(str(resources.files("hearth_resources").joinpath(*parts)))
