"""Help ▸ Run a benchmark…: the real `hearth eval` runs as its own process; progress with the time
left, Cancel that keeps the answers for next time, the result table, one click to a report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from desktop.ui.benchmark_dialog import BenchmarkDialog, table_rows
from desktop.ui.feedback_dialog import FeedbackDialog

FIXTURES = Path(__file__).resolve().parents[1] / "benchmarks" / "fixtures"
HUMANEVAL = FIXTURES / "humaneval_two.jsonl"
RUN_MS = 600_000  # a stuck run, not a slow one: CI's 2 cores answer in seconds


@pytest.fixture
def dialog(qtbot, smollm_path):
    widget = BenchmarkDialog(str(smollm_path), threads=1)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.cancel()
    if widget.process is not None:
        widget.process.waitForFinished(60_000)


def choose(dialog: BenchmarkDialog, kind: str, data: Path | None = None, limit: int = 0) -> None:
    dialog.benchmark.setCurrentIndex(dialog.benchmark.findData(kind))
    dialog.data.setText(str(data) if data else "")
    dialog.limit.setValue(limit)


def journal_answers(home: Path, kind: str) -> list[str]:
    journal = next((home / "evals" / kind).glob("*.jsonl"))
    return [json.loads(line)["id"] for line in journal.read_text().splitlines()[1:]]


def test_bad_input_is_one_inline_error_and_starts_nothing(qtbot, tmp_path):
    widget = BenchmarkDialog(None)
    qtbot.addWidget(widget)
    assert not widget.start() and widget.error.text() == "Load a model first, or choose a GGUF file."
    widget.model.setText(str(tmp_path / "gone.gguf"))
    assert not widget.start() and widget.error.text().startswith("No such model file")
    (tmp_path / "m.gguf").write_bytes(b"x")
    widget.model.setText(str(tmp_path / "m.gguf"))
    widget.data.setText(str(tmp_path / "nothing-here"))
    assert not widget.start() and widget.error.text().startswith("No such file or folder")
    assert widget.process is None


def test_the_commands_error_is_shown_as_its_one_line(dialog, qtbot, tmp_path):
    choose(dialog, "mmlu", tmp_path)
    assert dialog.start()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=RUN_MS)
    assert dialog.error.isVisible() and "\n" not in dialog.error.text()
    assert dialog.error.text().startswith("no MMLU test files in") and dialog.run_button.isVisible()


@pytest.mark.slow  # a real run of the model in a child process
def test_a_run_from_the_help_menu_shows_the_table_and_opens_a_benchmark_report(window, qtbot, smollm_path,
                                                                               hearth_home):
    window.actions["benchmark"].trigger()
    dialog = window.findChild(BenchmarkDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.model.setText(str(smollm_path))  # no model is loaded in this window
    choose(dialog, "humaneval", HUMANEVAL, limit=1)
    assert "--limit" in dialog.arguments() and "--progress-json" in dialog.arguments()
    assert dialog.start()
    assert dialog.cancel_button.isVisible() and not dialog.benchmark.isEnabled()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=RUN_MS)
    assert dialog.progress_seen and dialog.result is not None, dialog._stderr
    saved = Path(dialog.result["saved"])
    assert saved.parent == hearth_home / "evals" / "humaneval" and saved.is_file()
    headers = [dialog.table.horizontalHeaderItem(i).text() for i in range(dialog.table.columnCount())]
    assert headers[:3] == ["problems", "passed", "pass@1"] and dialog.table.item(0, 0).text() == "1"
    assert "HumanEval" in dialog.summary.text() and str(saved) in dialog.summary.text()
    dialog.report_button.click()
    report = dialog.findChild(FeedbackDialog)
    assert report is not None and report.kind() == "benchmark"
    assert report.request().benchmark_file == str(saved)
    qtbot.waitUntil(lambda: report.payload is not None, timeout=10_000)
    attached = report.payload["details"]["result"]
    assert attached["benchmark"] == "humaneval" and attached["summary"]["problems"] == 1
    report.reject()
    dialog.reject()


@pytest.mark.slow  # two real runs of the model in a child process
def test_cancel_keeps_the_answers_and_the_next_run_continues(dialog, qtbot, hearth_home):
    choose(dialog, "humaneval", HUMANEVAL)
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() >= 1 or not dialog.is_running(), timeout=RUN_MS)
    assert "of 2 problems" in dialog.stage.text() and "left" in dialog.stage.text()
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=RUN_MS)
    first = journal_answers(hearth_home, "humaneval")
    assert first[:1] == ["Fixture/0"]
    if dialog.result is None:  # cancelled mid-answer (the usual case): said so, and resumable
        assert dialog.stage.text().startswith("Cancelled. The answers scored so far are kept")
        assert dialog.run_button.isVisible() and dialog.benchmark.isEnabled()
        assert dialog.start()
        qtbot.waitUntil(lambda: not dialog.is_running(), timeout=RUN_MS)
        assert b"resuming" in dialog._stderr and dialog.result is not None
    answers = journal_answers(hearth_home, "humaneval")
    assert answers == [first[0], answers[1]] and len(set(answers)) == 2  # each problem once


def test_closing_the_dialog_stops_the_run(dialog, qtbot):
    choose(dialog, "humaneval", HUMANEVAL)
    assert dialog.start()
    process = dialog.process
    dialog.reject()
    qtbot.waitUntil(lambda: process.state() == process.ProcessState.NotRunning, timeout=RUN_MS)


def test_the_markdown_table_becomes_rows():
    text = "MMLU: x\n\n| subject | questions |\n|---|---|\n| a | 2 |\n| **all** (micro / macro) | 4 |"
    assert table_rows(text) == [["subject", "questions"], ["a", "2"], ["all (micro / macro)", "4"]]


def test_the_dialog_speaks_chinese(qapp, qtbot):
    from desktop.ui.i18n import set_language

    widget = BenchmarkDialog(None)
    qtbot.addWidget(widget)
    set_language(qapp, "zh_CN")
    try:
        QApplication.processEvents()
        assert widget.windowTitle() != "Run a benchmark" and widget.run_button.text() != "Run"
        assert widget._time_left(600) != "about 10 min left"
    finally:
        set_language(qapp, "en")
