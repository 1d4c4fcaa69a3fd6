"""The app's preferences, kept as one small JSON file in the data folder.

JSON rather than QSettings because everything a user owns lives in one folder (backing up or moving
Hearth is copying that folder) and tests point `HEARTH_HOME` at a temporary one. A damaged or
hand-edited file never stops the app: unreadable files are kept as a backup and bad values fall back
to their defaults, with `notice` saying what happened.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from desktop import paths
from desktop.engine.types import FLASH_ATTENTION, KV_CACHE_TYPES, SERVE_PARALLEL, LoadOptions
from desktop.models.identity import parse_remote_reference

THEMES = ("system", "light", "dark")
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
FONT_SIZES = range(8, 25)
MAX_RECENT_MODELS = 10

DEFAULT_PRESETS = {
    "Helpful assistant": "You are a helpful assistant.",
    "Concise": "Answer briefly and precisely. Use lists when they help.",
    "Coder": "You are an expert programmer. Answer with working code and a short explanation.",
    "中文助手": "你是一个乐于助人的助手。请用简体中文回答。",
}


def _default_presets() -> dict[str, str]:
    return dict(DEFAULT_PRESETS)


@dataclass
class Settings:
    """Everything the app remembers between runs. `notice` is not stored: it reports a repair."""

    theme: str = "system"
    font_size: int = 11
    language: str = "en"
    api_enabled: bool = False
    api_port: int = 8080
    allow_online: bool = True  # Hugging Face downloads and sending feedback may use the network
    redact_feedback: bool = True  # feedback reports are redacted before the preview
    share_usage_stats: bool = False  # attach speed figures to feedback without asking each time
    last_model: str = ""
    recent_models: list[str] = field(default_factory=list)
    gpu_layers: int | None = None  # None: let the engine decide
    n_ctx: int = 4096
    flash_attn: str = "auto"  # llama.cpp decides per device
    kv_type: str = "f16"
    threads: int | None = None  # None: physical cores
    presets: dict[str, str] = field(default_factory=_default_presets)
    backups_kept: int = 7  # automatic backups of the session store (desktop/store/backup.py)
    last_folder: str = ""  # where the last file dialog was left: the next one opens there
    notice: str | None = field(default=None, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> "Settings":
        """Read the settings file; a missing file gives the defaults, a damaged one is kept aside."""
        path = path or paths.settings_path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            backup = path.with_name(path.name + ".bad")
            try:
                os.replace(path, backup)
            except OSError:
                backup = path
            return cls(notice=f"The settings file could not be read ({exc}); it was kept as "
                              f"{backup} and the defaults are in use.")
        return cls._from_dict(raw)

    @classmethod
    def _from_dict(cls, raw: dict[str, Any]) -> "Settings":
        settings, rejected = cls(), []
        for f in fields(cls):
            if f.name == "notice" or f.name not in raw:
                continue
            value = raw[f.name]
            if _valid(f.name, value):
                setattr(settings, f.name, value)
            else:
                rejected.append(f.name)
        if rejected:
            settings.notice = ("Some settings had invalid values and were reset to their defaults: "
                               + ", ".join(rejected) + ".")
        return settings

    def save(self, path: Path | None = None) -> None:
        """Write atomically (temporary file, then rename) so a crash never leaves half a file."""
        path = path or paths.settings_path()
        data = {k: v for k, v in asdict(self).items() if k != "notice"}
        text = json.dumps(data, ensure_ascii=False, indent=2)
        fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def remember_model(self, model_path: str | Path) -> None:
        """Make this the last model and put it first in the recent list (a remote model is only the
        last one: the list is of files)."""
        if parse_remote_reference(str(model_path)):
            self.last_model = str(model_path)
            return
        text = str(Path(model_path).expanduser().resolve())
        self.last_model = text
        self.recent_models = [text] + [p for p in self.recent_models if p != text]
        del self.recent_models[MAX_RECENT_MODELS:]

    def remember_folder(self, chosen: str | Path) -> None:
        """Remember the folder of a file the user chose in a file dialog."""
        self.last_folder = str(Path(chosen).expanduser().absolute().parent)

    def folder_for(self) -> str:
        """Where a file dialog opens: the last folder used while it exists, else the home folder."""
        return self.last_folder if self.last_folder and Path(self.last_folder).is_dir() else str(Path.home())

    def load_options(self, model_path: str | Path) -> LoadOptions:
        """The load options the user chose last time, for this model file. With the Local API
        server on, several requests are answered at once (each slot has its own KV cache)."""
        return LoadOptions(str(model_path), n_ctx=self.n_ctx, n_gpu_layers=self.gpu_layers,
                           n_threads=self.threads, flash_attn=self.flash_attn, kv_type=self.kv_type,
                           parallel=SERVE_PARALLEL if self.api_enabled else 1)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# What each stored value must look like; anything else is reset to the default on load.
_VALIDATORS = {
    "theme": lambda v: v in THEMES,
    "font_size": lambda v: _is_int(v) and v in FONT_SIZES,
    "language": lambda v: v in LANGUAGES,
    "api_enabled": lambda v: isinstance(v, bool),
    "api_port": lambda v: _is_int(v) and 1 <= v <= 65535,
    "allow_online": lambda v: isinstance(v, bool),
    "redact_feedback": lambda v: isinstance(v, bool),
    "share_usage_stats": lambda v: isinstance(v, bool),
    "last_model": lambda v: isinstance(v, str),
    "recent_models": lambda v: isinstance(v, list) and all(isinstance(p, str) for p in v),
    "gpu_layers": lambda v: v is None or (_is_int(v) and v >= -1),
    "flash_attn": lambda v: v in FLASH_ATTENTION,
    "kv_type": lambda v: v in KV_CACHE_TYPES,
    "n_ctx": lambda v: _is_int(v) and 128 <= v <= 1_048_576,
    "threads": lambda v: v is None or (_is_int(v) and 1 <= v <= 1024),
    "backups_kept": lambda v: _is_int(v) and 1 <= v <= 365,
    "last_folder": lambda v: isinstance(v, str),
    "presets": lambda v: isinstance(v, dict) and all(isinstance(k, str) and isinstance(t, str)
                                                     for k, t in v.items()),
}


def _valid(name: str, value: Any) -> bool:
    return _VALIDATORS[name](value)
