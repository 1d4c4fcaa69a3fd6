"""`--progress-json`: the lines the app's benchmark dialog reads, and the stdin line that stops a run."""
from __future__ import annotations

import io
import json
import threading

from desktop.cli import eval_progress


def lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_the_time_left_counts_only_this_sessions_answers(capsys):
    bar = eval_progress.JsonProgress(total=10, initial=4)  # resumed: 4 were scored before
    bar.update(1)
    first, second = lines(capsys)
    assert first == {"stage": "progress", "done": 4, "total": 10, "elapsed_s": first["elapsed_s"], "left_s": None}
    assert second["done"] == 5 and abs(second["left_s"] - second["elapsed_s"] * 5) <= 0.5  # 5 left at 1 per elapsed


def test_a_cancel_line_or_the_end_of_stdin_sets_cancel(monkeypatch):
    for text in ("noise\ncancel\n", ""):
        monkeypatch.setattr("sys.stdin", io.StringIO(text))
        cancel = threading.Event()
        eval_progress.cancel_on_stdin(cancel)
        assert cancel.wait(60)


class _Journal:
    def __init__(self, tmp_path):
        self.path, self.records = tmp_path / "run.jsonl", []

    def done_ids(self):
        return set()


def test_work_that_saw_cancel_is_reported_as_cancelled(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("cancel\n"))
    cancel = threading.Event()
    finished = eval_progress.run_journalled(_Journal(tmp_path), ["a", "b"], "X", "item",
                                            lambda done, after: not cancel.wait(60), cancel, as_json=True)
    assert finished is False
    assert lines(capsys)[-1] == {"stage": "cancelled", "kept": 0, "total": 2, "journal": str(tmp_path / "run.jsonl")}
