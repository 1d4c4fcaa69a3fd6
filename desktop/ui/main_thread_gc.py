"""Garbage collection only on the UI thread.

Python's collector runs in whichever thread happens to allocate when a threshold is crossed. If
that is a worker thread (a model scan, a store call) and the garbage holds Qt objects created on
the UI thread, Qt destroys them from the wrong thread and the process can crash. So automatic
collection is switched off and the UI thread collects on a timer instead, with CPython's own
rule for which generation is due (the approach qutebrowser takes).
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self, interval=INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()

    @staticmethod
    def collect_due() -> None:
        """Collect the oldest generation whose allocation count passed its threshold."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return
