"""A model download shown as a progress bar with a Cancel button.

The download itself (`desktop.models.fetch.ensure_model`) blocks, so it runs in a background thread
and reports through Qt signals, which Qt delivers on the UI thread; the UI never waits for the
network. Progress arrives once per megabyte and is passed on at most every 100 ms so a fast disk
cannot flood the event loop. The welcome page and the model manager both use this widget.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.errors import HearthError
from desktop.models.fetch import Progress

# A download job: called on a worker thread with (progress callback, cancel event), returns the file.
Job = Callable[[Progress, threading.Event], Path]

_EMIT_INTERVAL_S = 0.1


class DownloadTask(QObject):
    """Runs one job on a worker thread; signals arrive on the UI thread."""

    progress = Signal(object, object, str)  # bytes done, bytes total (0: unknown), what is happening
    finished = Signal(str)  # the model file
    failed = Signal(str)  # one line; "cancelled" downloads fail too

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()

    def start(self, job: Job) -> None:
        self._cancel.clear()
        threading.Thread(target=self._run, args=(job,), name="hearth-download", daemon=True).start()

    def cancel(self) -> None:
        self._cancel.set()

    def _run(self, job: Job) -> None:
        last = 0.0

        def report(done: int, total: int, what: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= _EMIT_INTERVAL_S or (total and done >= total):
                last = now
                self.progress.emit(done, total, what)

        try:
            path = job(report, self._cancel)
        except HearthError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - a bug in a download must not take the app down: say it in one line
            self.failed.emit(f"download failed: {type(exc).__name__}: {exc}")
        else:
            self.finished.emit(str(path))


def human_size(n_bytes: int | None) -> str:
    """1.5 GB, 98 MB, 12 KB: sizes as people read them (decimal units, like file managers)."""
    if n_bytes is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n_bytes >= scale:
            value = n_bytes / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{n_bytes} B"


class DownloadProgress(QWidget):
    """Progress bar, status line and Cancel for one download at a time; hidden when idle."""

    finished = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._task = DownloadTask(self)
        self._task.progress.connect(self._on_progress)
        self._task.finished.connect(self._on_finished)
        self._task.failed.connect(self._on_failed)
        self._title = ""
        self._busy = False  # from start() until finished/failed has been handled on the UI thread
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.status = QLabel()
        self.status.setProperty("role", "hint")
        self.status.setWordWrap(True)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        self.retranslate()
        self.hide()

    def start(self, title: str, job: Job) -> None:
        """Start a download (one at a time); `title` names what is being fetched."""
        if self._busy:
            return
        self._busy = True
        self._title = title
        self.bar.setRange(0, 0)  # busy until the first progress report says how much
        self.status.setProperty("role", "hint")
        self.status.setText(self.tr("Starting the download of {title}…").format(title=title))
        self.cancel_button.setEnabled(True)
        self.show()
        self._task.start(job)

    def is_running(self) -> bool:
        return self._busy

    def cancel(self) -> None:
        self._task.cancel()
        self.cancel_button.setEnabled(False)
        self.status.setText(self.tr("Cancelling…"))

    def _on_progress(self, done: int, total: int, what: str) -> None:
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * done / total))
            self.status.setText(self.tr("{what}: {done} of {total}").format(
                what=what, done=human_size(done), total=human_size(total)))
        else:
            self.status.setText(what)

    def _on_finished(self, path: str) -> None:
        self._busy = False
        self.hide()
        self.finished.emit(path)

    def _on_failed(self, message: str) -> None:
        self._busy = False
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(False)
        self.status.setProperty("role", "error")
        self.status.style().polish(self.status)
        self.status.setText(message)
        self.failed.emit(message)

    def retranslate(self) -> None:
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel the download"))
        self.bar.setAccessibleName(self.tr("Download progress"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
