"""The remote engines a person saved (Settings ▸ Engines), and where their API keys are kept.

Names, URLs and CA files go in `<data>/engines.json`; a key never does, nor into settings.json or a
log. Keys live in the system keyring (macOS Keychain, Windows Credential Manager, the Secret Service
of GNOME or KDE) through the `keyring` package when one is there, else in `<data>/engine-keys.json`,
readable only by its owner (0600). keyring's fallback backends (plain or weakly encrypted files) are
used only when the user configured one on purpose (PYTHON_KEYRING_BACKEND or keyring's config file).
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.atomic_write import write_atomically
from desktop.engine.remote import RemoteServer
from desktop.errors import HearthError
from desktop.paths import data_dir

ENGINES_FILE = "engines.json"
KEYS_FILE = "engine-keys.json"
KEYRING_SERVICE = "Hearth remote engines"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedEngine:
    name: str
    url: str
    ca_file: str | None = None

    def server(self, api_key: str | None) -> RemoteServer:
        return RemoteServer(self.url, api_key, self.ca_file, self.name)


def saved_engines() -> list[SavedEngine]:
    """The saved engines, in the order they were added; a damaged file reads as none."""
    try:
        data = json.loads((data_dir() / ENGINES_FILE).read_text(encoding="utf-8"))
        return [SavedEngine(str(e["name"]), str(e["url"]), e.get("ca_file") or None) for e in data["engines"]]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("%s is damaged; no remote engines are listed", ENGINES_FILE)
        return []


def save_engine(engine: SavedEngine, api_key: str | None) -> str:
    """Add or replace an engine (by name) and keep its key; returns where the key went."""
    if not engine.name.strip():
        raise HearthError("give the engine a name")
    RemoteServer(engine.url).base_url  # refuses what is not an http(s) address
    engines = [e for e in saved_engines() if e.name != engine.name] + [engine]
    _write_engines(engines)
    return _keep_key(engine.name, api_key)


def remove_engine(name: str) -> None:
    _write_engines([e for e in saved_engines() if e.name != name])
    _keep_key(name, None)


def saved_server(name: str) -> RemoteServer | None:
    """The RemoteServer of a saved engine, key included, or None if no engine has that name."""
    for engine in saved_engines():
        if engine.name == name:
            return engine.server(api_key(name))
    return None


def server_for_url(url: str) -> RemoteServer | None:
    """The saved engine whose API root is `url` (how a remote model reference finds its key)."""
    for engine in saved_engines():
        try:
            if RemoteServer(engine.url).base_url == url:
                return engine.server(api_key(engine.name))
        except HearthError:
            continue
    return None


def _write_engines(engines: list[SavedEngine]) -> None:
    data = {"engines": [{"name": e.name, "url": e.url, "ca_file": e.ca_file} for e in engines]}
    write_atomically(data_dir() / ENGINES_FILE, json.dumps(data, indent=1))


# --- keys ----------------------------------------------------------------------------------------

def key_store() -> str:
    """Where keys are kept, for the settings page: the keyring's name or "file"."""
    backend = _keyring()
    return type(backend).__name__ if backend is not None else "file"


def api_key(name: str) -> str | None:
    backend = _keyring()
    if backend is not None:
        try:
            return backend.get_password(KEYRING_SERVICE, name)
        except Exception:  # noqa: BLE001 - a locked or broken keyring: say nothing of the key, ask again
            log.warning("the system keyring did not answer; the engine's key is not available")
            return None
    return _read_keys().get(name)


def _keep_key(name: str, key: str | None) -> str:
    backend = _keyring()
    if backend is not None:
        try:
            if key:
                backend.set_password(KEYRING_SERVICE, name, key)
            elif backend.get_password(KEYRING_SERVICE, name) is not None:
                backend.delete_password(KEYRING_SERVICE, name)
            return "keyring"
        except Exception as exc:  # noqa: BLE001 - any backend failure: one line, never the key
            raise HearthError(f"the system keyring refused the key ({type(exc).__name__})") from None
    keys = _read_keys()
    if key:
        keys[name] = key
    else:
        keys.pop(name, None)
    write_atomically(_keys_path(), json.dumps(keys), mode=0o600)
    return "file" if key else "none"


def _keys_path() -> Path:
    return data_dir() / KEYS_FILE


def _read_keys() -> dict[str, str]:
    path = _keys_path()
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)  # someone loosened it: keep it private
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        log.warning("%s is damaged; saved engine keys are not available", KEYS_FILE)
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _keyring() -> Any | None:
    """The system keyring, or None where there is none worth trusting with a key."""
    try:
        import keyring
        import keyring.core
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a keyring that cannot even start: use the file
        return None
    chosen = bool(os.environ.get("PYTHON_KEYRING_BACKEND")) or keyring.core.load_config() is not None
    priority = getattr(backend, "priority", 0)
    if type(backend).__module__.startswith("keyring.backends.fail") or (priority < 1 and not chosen):
        return None
    return backend
