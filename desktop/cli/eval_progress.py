"""The part every resumable benchmark command shares: skip what the journal holds, show progress
with the time left, stop cleanly on Ctrl+C (or, for the app, on a `cancel` line), print and save
the table at the end.

Two ways to show progress: a tqdm bar on stderr for people, or `--progress-json` for the app's
Run a benchmark dialog, which starts the command as its own process: one JSON object per line on
stdout (`{"stage": "progress", "done", "total", "elapsed_s", "left_s"}`, then `"result"` with the
saved file, the summary and the table, or `"cancelled"`), and stdin read for a line `cancel` (its
end counts too, so a dying app never leaves a run going).
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

EXIT_CANCELLED = 130


def add_progress_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--progress-json", action="store_true",
                        help="progress as JSON lines on stdout, 'cancel' on stdin stops (for the app)")


def emit(stage: str, **fields: Any) -> None:
    print(json.dumps({"stage": stage, **fields}, ensure_ascii=False), flush=True)


class JsonProgress:
    """tqdm's update/close, written as JSON lines; the time left is this session's rate, so a
    resumed run's earlier answers do not make it look faster than it is."""

    def __init__(self, total: int, initial: int) -> None:
        self.total, self.done, self.start_done = total, initial, initial
        self.start = time.monotonic()
        self._emit()

    def _emit(self) -> None:
        elapsed = time.monotonic() - self.start
        new = self.done - self.start_done
        left = round(elapsed / new * (self.total - self.done), 1) if new else None
        emit("progress", done=self.done, total=self.total, elapsed_s=round(elapsed, 1), left_s=left)

    def update(self, n: int) -> None:
        self.done += n
        self._emit()

    def close(self) -> None:
        pass


def cancel_on_stdin(cancel: threading.Event) -> None:
    """Set `cancel` when stdin says `cancel` or ends (the app closed the pipe or died)."""
    def listen() -> None:
        for line in sys.stdin:
            if line.strip() == "cancel":
                break
        cancel.set()

    threading.Thread(target=listen, name="cancel-listener", daemon=True).start()


def run_journalled(journal: Any, ids: list[str], desc: str, unit: str,
                   work: Callable[[set[str], Callable[[Any], None]], Any],
                   cancel: threading.Event, as_json: bool = False) -> bool:
    """Call work(done_ids, after_each) with progress; False when Ctrl+C or `cancel` stopped it
    (work returns False when it saw `cancel`)."""
    from tqdm import tqdm

    done = journal.done_ids() & set(ids)
    if done:
        print(f"resuming {journal.path.name}: {len(done)} of {len(ids)} already scored", file=sys.stderr)
    if as_json:
        cancel_on_stdin(cancel)
        bar: Any = JsonProgress(len(ids), len(done))
    else:
        bar = tqdm(total=len(ids), initial=len(done), unit=unit, file=sys.stderr, desc=desc, dynamic_ncols=True)
    try:
        finished = work(done, lambda _answer: bar.update(1)) is not False
    except KeyboardInterrupt:
        finished = False
    finally:
        bar.close()
    if not finished:
        print(f"\nhearth: interrupted; {len(journal.records)} answers kept in {journal.path}, "
              "rerun the same command to continue", file=sys.stderr)
        if as_json:
            emit("cancelled", kept=len(journal.records), total=len(ids), journal=str(journal.path))
    return finished


def report(journal: Any, summary: dict[str, Any], text: str, as_json: bool = False) -> int:
    saved = journal.finish(summary, text)
    if as_json:
        emit("result", saved=str(saved), summary=summary, table=text)
    else:
        print(text)
    print(f"\nsaved: {saved}", file=sys.stderr)
    return 0
