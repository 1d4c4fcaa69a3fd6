"""Saved remote engines: names and URLs in engines.json, keys in a keyring or a private file, never
beside the URL, in settings.json or in a log."""
from __future__ import annotations

import logging
import stat
from pathlib import Path

import keyring
import pytest

from desktop.engine import remote_store
from desktop.engine.remote_store import SavedEngine
from desktop.errors import HearthError
from tests.engine.remote_servers import keyring_backend

KEY = "sk-secret-123"


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch):
    with keyring_backend(monkeypatch, "keyring.backends.fail.Keyring"):
        yield


@pytest.fixture
def file_keyring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """keyrings.alt's file backend, configured on purpose as a user would (a real keyring backend)."""
    with keyring_backend(monkeypatch, "keyrings.alt.file.PlaintextKeyring", XDG_DATA_HOME=str(tmp_path / "xdg")):
        yield tmp_path / "xdg"


def test_without_a_keyring_the_key_goes_to_a_file_only_its_owner_reads(no_keyring, hearth_home: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    where = remote_store.save_engine(SavedEngine("gpu box", "https://gpu.example:8000/v1"), KEY)
    assert where == "file" and remote_store.key_store() == "file"
    keys = hearth_home / remote_store.KEYS_FILE
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600 and KEY in keys.read_text()
    assert KEY not in (hearth_home / remote_store.ENGINES_FILE).read_text()
    assert not (hearth_home / "settings.json").exists() or KEY not in (hearth_home / "settings.json").read_text()
    server = remote_store.saved_server("gpu box")
    assert server.url == "https://gpu.example:8000/v1" and server.api_key == KEY and server.name == "gpu box"
    assert remote_store.server_for_url("https://gpu.example:8000/v1").api_key == KEY
    assert KEY not in caplog.text
    remote_store.remove_engine("gpu box")
    assert remote_store.saved_engines() == [] and KEY not in keys.read_text()


def test_a_loosened_key_file_is_made_private_again(no_keyring, hearth_home: Path) -> None:
    remote_store.save_engine(SavedEngine("box", "http://10.0.0.5:8080"), KEY)
    keys = hearth_home / remote_store.KEYS_FILE
    keys.chmod(0o644)
    assert remote_store.saved_server("box").api_key == KEY
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600


def test_with_a_keyring_the_key_lives_there_and_nowhere_else(file_keyring: Path, hearth_home: Path) -> None:
    assert remote_store.save_engine(SavedEngine("team", "http://10.0.0.7:8000", ca_file="/etc/team-ca.pem"),
                                    KEY) == "keyring"
    assert remote_store.key_store() == "PlaintextKeyring"
    assert not (hearth_home / remote_store.KEYS_FILE).exists()
    assert KEY not in (hearth_home / remote_store.ENGINES_FILE).read_text()
    assert keyring.get_password(remote_store.KEYRING_SERVICE, "team") == KEY
    assert any(p.is_file() for p in file_keyring.rglob("*"))  # the backend's own file, outside Hearth's
    server = remote_store.saved_server("team")
    assert server.api_key == KEY and server.ca_file == "/etc/team-ca.pem"
    remote_store.save_engine(SavedEngine("team", "http://10.0.0.7:8000"), None)  # key taken away
    assert remote_store.saved_server("team").api_key is None


def test_a_damaged_list_reads_as_empty_and_is_rewritten(no_keyring, hearth_home: Path) -> None:
    (hearth_home / remote_store.ENGINES_FILE).write_text("{not json")
    assert remote_store.saved_engines() == []
    remote_store.save_engine(SavedEngine("a", "http://127.0.0.1:9"), None)
    assert [e.name for e in remote_store.saved_engines()] == ["a"]


def test_what_is_not_an_engine_is_refused(no_keyring) -> None:
    with pytest.raises(HearthError, match="not a server address"):
        remote_store.save_engine(SavedEngine("x", "gpu-box:8000"), None)
    with pytest.raises(HearthError, match="name"):
        remote_store.save_engine(SavedEngine(" ", "http://gpu-box:8000"), None)
    assert remote_store.saved_server("nobody") is None
