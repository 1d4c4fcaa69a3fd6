"""The app's side of model identity: every loaded model is hashed in the background, and answers
(and report drafts) stored before the hash was ready get it the moment it is.

However the model was opened (welcome page, Open GGUF…, drag and drop, the model manager, a hub
download, the converter) it ends in `EngineBridge.loaded`, so that one signal starts the hash.
Hashing never delays an answer: an answer begun meanwhile is stored without a sha256 and filled
in by `desktop.feedback.late_hash` on the store's thread.
"""
from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.engine.types import ModelInfo
from desktop.feedback.late_hash import fill_in_sha256
from desktop.models.identity import hash_in_background, parse_remote_reference
from desktop.ui.engine_bridge import EngineBridge
from desktop.ui.store_bridge import StoreBridge

log = logging.getLogger(__name__)


class ModelIdentities(QObject):
    """`sha256_for(path)` for the answer being stored; `answer_started(message)` after it is."""

    identified = Signal(str, str)  # model path, sha256: the file is hashed and answers filled in
    _hashed = Signal(str, object)  # model path, the finished Future (crosses to the UI thread)

    def __init__(self, engine: EngineBridge, store: StoreBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._sha256: dict[str, str] = {}  # model file name -> sha256, once hashed
        self._waiting: dict[str, list[int]] = {}  # model file name -> answers stored without it
        self._started: set[str] = set()  # paths whose hash was asked for
        self._hashed.connect(self._on_hashed)
        engine.loaded.connect(self._loaded)

    def _loaded(self, info: ModelInfo) -> None:
        """A (re)load: the file may have been replaced since, so its hash is asked for again
        (the cache answers at once when size and mtime are unchanged)."""
        self._started.discard(info.path)
        self._sha256.pop(Path(info.path).name, None)
        self._watch(info.path)

    def _watch(self, path: str) -> None:
        """Hash `path` unless that is done or under way (a remote model has no file to hash)."""
        if path in self._started or parse_remote_reference(path):
            return
        self._started.add(path)
        future = hash_in_background(path)
        future.add_done_callback(lambda done: self._hashed.emit(path, done))

    def sha256_for(self, path: str | None) -> str | None:
        """The file's sha256 if it is known already; None while it is being hashed."""
        if not path:
            return None
        self._watch(path)  # a model loaded before this object existed
        return self._sha256.get(Path(path).name)

    def answer_started(self, message: Any) -> None:
        """An answer was stored: if it went in without a sha256, it gets one when the hash is done."""
        if message.model_sha256 or not message.model_file:
            return
        sha256 = self._sha256.get(message.model_file)
        if sha256 is not None:  # the hash finished between storing and now
            self._fill([message.id], sha256)
        else:
            self._waiting.setdefault(message.model_file, []).append(message.id)

    def _on_hashed(self, path: str, future: Future) -> None:
        name = Path(path).name
        try:
            sha256 = future.result()
        except Exception:  # an unreadable file: its answers keep no hash, reports say why
            log.warning("could not hash %s", path, exc_info=True)
            self._waiting.pop(name, None)
            self._started.discard(path)  # a later answer tries again
            return
        self._sha256[name] = sha256
        waiting = self._waiting.pop(name, [])
        if waiting:
            self._fill(waiting, sha256)
        self.identified.emit(path, sha256)

    def _fill(self, message_ids: list[int], sha256: str) -> None:
        self.store.call(lambda store: fill_in_sha256(store, message_ids, sha256))
