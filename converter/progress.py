"""Progress reports and cancellation, shared by the CLI, the JSON-lines mode and the app.

A conversion reports `Step`s to one callback. The CLI turns them into a tqdm bar or, with
`--progress-json`, into one JSON object per line on stdout for a parent process (the app's
Convert dialog). Cancelling is a `threading.Event` checked between chunks; a cancelled
conversion raises `Cancelled` after removing its temporary files.
"""
from __future__ import annotations

import json
import sys
import threading
from dataclasses import asdict, dataclass
from typing import Callable

from desktop.errors import HearthError


@dataclass(frozen=True)
class Step:
    """One progress report. `stage` is one of: download, read, write, quantize, verify, done."""

    stage: str
    done: int = 0  # units finished in this stage (bytes for write, tensors for quantize)
    total: int = 0
    message: str = ""

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


ProgressCallback = Callable[[Step], None]


class Cancelled(HearthError):
    """The conversion was cancelled; nothing was left behind."""

    def __init__(self) -> None:
        super().__init__("conversion cancelled; no output file was written")


def check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()


def ignore(step: Step) -> None:
    """The default callback: report nothing."""


def json_lines(step: Step) -> None:
    """`--progress-json`: one JSON object per line, flushed, for a parent process to read."""
    print(step.as_json(), flush=True)


class TqdmBar:
    """A progress bar per stage on stderr, plus plain lines for messages."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self._bar = None
        self._stage = ""

    def __call__(self, step: Step) -> None:
        if step.message:
            self._close()
            print(f"hearth-convert: {step.message}", file=sys.stderr)
            return
        if step.stage == "done":
            self._close()
            return
        if step.stage != self._stage or self._bar is None:
            self._close()
            unit = "B" if step.stage == "write" else "it"
            self._bar = self._tqdm(total=step.total, desc=step.stage, unit=unit, unit_scale=unit == "B",
                                   file=sys.stderr, leave=False, disable=None)  # None: no bar unless a TTY
            self._stage = step.stage
        self._bar.total = step.total
        self._bar.update(step.done - self._bar.n)

    def close(self) -> None:
        """Clear the bar (before printing an error line, for instance)."""
        self._close()

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._stage = ""
