"""Convert a Hugging Face checkpoint to GGUF from the app, with progress, cancel and verification.

The conversion runs as its own process (`python -m converter SRC OUT --outtype T --progress-json
[--verify]`): it uses a lot of memory and CPU for a while, and a separate process keeps the window
responsive and lets Cancel stop it cleanly (SIGTERM: the converter stops at the next chunk and
removes its temporary files, so no partial model is ever left). Progress arrives as one JSON object
per line on its stdout; the last line carries the result and the verification report.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QProcess, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from converter.outtypes import OUTTYPES
from desktop.paths import models_dir
from desktop.ui.child_process import start_python

EXIT_CANCELLED = 130
KILL_AFTER_MS = 10_000
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def default_output(source: str, outtype: str) -> Path:
    """<models folder>/<checkpoint name>-<type>.gguf"""
    name = Path(source.rstrip("/\\")).name or "model"
    return models_dir() / f"{name}-{outtype}.gguf"


class ConvertDialog(QDialog):
    """Source folder or repo id, output type, Convert / Cancel, verification table, Load."""

    model_ready = Signal(str)  # the user chose to load the converted file

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(620)
        self.result: dict[str, Any] | None = None
        self._stdout = b""
        self._stderr = b""
        self._output_edited = False
        self._cancelled = False
        self.process: QProcess | None = None

        self.source = QLineEdit()
        self.source.textChanged.connect(self._suggest_output)
        self.browse_button = QPushButton()
        self.browse_button.clicked.connect(self._choose_folder)
        self.outtype = QComboBox()
        for name in OUTTYPES:
            self.outtype.addItem(name, name)
        self.outtype.setCurrentIndex(OUTTYPES.index("q8_0"))
        self.outtype.currentIndexChanged.connect(self._suggest_output)
        self.output = QLineEdit()
        self.output.textEdited.connect(self._mark_output_edited)
        self.save_button = QPushButton()
        self.save_button.clicked.connect(self._choose_output)
        self.verify = QCheckBox()
        self.verify.setChecked(True)
        self.overwrite = QCheckBox()
        source_row, output_row = QHBoxLayout(), QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(self.browse_button)
        output_row.addWidget(self.output, 1)
        output_row.addWidget(self.save_button)
        self._labels = [QLabel(), QLabel(), QLabel()]
        form = QFormLayout()
        form.addRow(self._labels[0], source_row)
        form.addRow(self._labels[1], self.outtype)
        form.addRow(self._labels[2], output_row)
        form.addRow("", self.verify)
        form.addRow("", self.overwrite)

        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
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
        self.summary.setProperty("role", "ok")
        self.summary.hide()
        self.verify_table = QTableWidget(0, 2)
        self.verify_table.verticalHeader().hide()
        self.verify_table.horizontalHeader().hide()
        self.verify_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verify_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verify_table.hide()

        self.convert_button = QPushButton()
        self.convert_button.setProperty("role", "primary")
        self.convert_button.clicked.connect(self.start)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.load_button = QPushButton()
        self.load_button.setProperty("role", "primary")
        self.load_button.clicked.connect(self._load_result)
        self.load_button.hide()
        for changed in (self.source.textChanged, self.output.textChanged, self.outtype.currentIndexChanged):
            changed.connect(self._inputs_changed)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.close_button, self.cancel_button, self.convert_button, self.load_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.stage)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.verify_table)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.retranslate()

    # --- input ----------------------------------------------------------------------------------

    def _mark_output_edited(self, _text: str) -> None:
        self._output_edited = True

    def _suggest_output(self, *_args: object) -> None:
        if not self._output_edited and self.source.text().strip():
            self.output.setText(str(default_output(self.source.text().strip(), self.outtype.currentData())))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a checkpoint folder"), str(Path.home()))
        if folder:
            self.source.setText(folder)

    def _choose_output(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the GGUF file as"), self.output.text(),
                                              self.tr("GGUF models (*.gguf)"))
        if path:
            self.output.setText(path)
            self._output_edited = True

    def problem(self) -> str | None:
        """What is wrong with the form, in one line, or None."""
        src, out = self.source.text().strip(), self.output.text().strip()
        if not src:
            return self.tr("Choose a checkpoint folder or type a Hugging Face repository id (owner/name).")
        folder = Path(src).expanduser()
        if folder.exists() and not folder.is_dir():
            return self.tr("{path} is a file: choose the checkpoint folder that holds config.json.").format(path=src)
        if not folder.is_dir() and (not _REPO_ID.match(src) or src.startswith(("/", "~", "."))):
            return self.tr("{source} is neither a folder nor a Hugging Face repository id (owner/name).").format(source=src)
        if not out.lower().endswith(".gguf"):
            return self.tr("The output file name must end in .gguf.")
        target = Path(out).expanduser()
        if not target.parent.is_dir():
            return self.tr("The output folder does not exist: {folder}").format(folder=target.parent)
        if target.exists() and not self.overwrite.isChecked():
            return self.tr("{name} already exists: tick “Overwrite” or choose another name.").format(name=target.name)
        return None

    # --- running --------------------------------------------------------------------------------

    def arguments(self) -> list[str]:
        args = ["-m", "converter", self.source.text().strip(), str(Path(self.output.text().strip()).expanduser()),
                "--outtype", self.outtype.currentData(), "--progress-json"]
        if self.verify.isChecked():
            args.append("--verify")
        if self.overwrite.isChecked():
            args.append("--force")
        return args

    def start(self) -> bool:
        """Check the form and start the converter process; a bad field gets one inline error."""
        problem = self.problem()
        self._show_error(problem)
        if problem:
            return False
        self.result, self._stdout, self._stderr, self._cancelled = None, b"", b"", False
        self.summary.hide()
        self.verify_table.hide()
        self.load_button.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.stage.setText(self.tr("Starting the converter…"))
        self._set_running(True)
        self.process = start_python(self, self.arguments(), self._read_stdout, self._read_stderr,
                                    self._finished, self._process_error)
        return True

    def is_running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """Stop the conversion; the converter removes its temporary files and writes nothing."""
        if not self.is_running():
            return
        self._cancelled = True
        self.cancel_button.setEnabled(False)
        self.stage.setText(self.tr("Cancelling…"))
        self.process.terminate()
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
        stage = str(step.get("stage", ""))
        if stage == "result":
            self.result = step
            return
        done, total = int(step.get("done") or 0), int(step.get("total") or 0)
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(done, total) / total))
        names = {"download": self.tr("Downloading"), "read": self.tr("Reading"), "write": self.tr("Writing"),
                 "quantize": self.tr("Quantizing"), "verify": self.tr("Verifying"), "done": self.tr("Done")}
        label = names.get(stage, stage)
        self.stage.setText(f"{label}: {step['message']}" if step.get("message") else label)

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._set_running(False)
        self.progress.hide()
        if code == 0 and self.result is not None:
            self._show_result(self.result)
        elif self._cancelled or code == EXIT_CANCELLED:
            self.stage.setText(self.tr("Conversion cancelled; no file was written."))
        else:
            self.stage.setText("")
            self._show_error(self._stderr_message() or self.tr("The converter stopped unexpectedly (exit code {code}).")
                             .format(code=code))

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._set_running(False)
            self.progress.hide()
            self._show_error(self.tr("Cannot start the converter: {error}").format(error=self.process.errorString()))

    def _stderr_message(self) -> str:
        """The converter's one-line error, without its program-name prefix."""
        lines = [ln.strip() for ln in self._stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        if not lines:
            return ""
        last = lines[-1]
        for prefix in ("hearth-convert: error: ", "hearth-convert: "):
            last = last.removeprefix(prefix)
        return last

    # --- result ---------------------------------------------------------------------------------

    def _show_result(self, result: dict[str, Any]) -> None:
        size = result.get("size_bytes") or 0
        self.stage.setText("")
        self.summary.setText(self.tr("Wrote {path} ({mb} MB, {type}) in {seconds} s.").format(
            path=result.get("path"), mb=f"{size / 1e6:.1f}", type=result.get("outtype", ""),
            seconds=f"{float(result.get('seconds') or 0):.1f}"))
        self.summary.show()
        report = result.get("verify")
        if report:
            self._fill_verify_table(report)
        self.convert_button.hide()  # one main action at a time: now it is loading the result
        self.load_button.show()
        self.load_button.setFocus()

    def _fill_verify_table(self, r: dict[str, Any]) -> None:
        ppl_change = (r["ppl_result"] / r["ppl_reference"] - 1) * 100 if r.get("ppl_reference") else 0.0
        rows = [
            (self.tr("Compared with"), self.tr("{reference} reference, {n} tokens").format(
                reference=r["reference"], n=r["n_tokens"])),
            (self.tr("Mean KL divergence"), f"{r['mean_kld']:.5f}"),
            (self.tr("Top-1 agreement"), f"{r['top1_agreement'] * 100:.1f}%"),
            (self.tr("Perplexity"), f"{r['ppl_reference']:.3f} → {r['ppl_result']:.3f} ({ppl_change:+.2f}%)"),
            (self.tr("Size"), f"{r['size_reference_bytes'] / 1e6:.1f} MB → {r['size_result_bytes'] / 1e6:.1f} MB"),
            (self.tr("Decode speed"), self.tr("{rate} tokens/s").format(rate=f"{r['decode_tokens_per_s']:.1f}")),
        ]
        self.verify_table.setRowCount(len(rows))
        for i, (name, value) in enumerate(rows):
            self.verify_table.setItem(i, 0, QTableWidgetItem(name))
            self.verify_table.setItem(i, 1, QTableWidgetItem(value))
        self.verify_table.resizeRowsToContents()
        self.verify_table.setFixedHeight(self.verify_table.verticalHeader().length() + 4)
        self.verify_table.show()

    def _inputs_changed(self, *_args: object) -> None:
        """New inputs make the last result stale: offer Convert again."""
        if self.result is not None and not self.is_running():
            self.result = None
            for widget in (self.load_button, self.summary, self.verify_table):
                widget.hide()
            self.convert_button.show()

    def _load_result(self) -> None:
        if self.result is not None:
            self.model_ready.emit(str(self.result["path"]))
            self.accept()

    # --- state and texts ------------------------------------------------------------------------

    def _show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def _set_running(self, running: bool) -> None:
        for widget in (self.source, self.browse_button, self.outtype, self.output, self.save_button,
                       self.verify, self.overwrite, self.convert_button):
            widget.setEnabled(not running)
        self.convert_button.setVisible(not running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)

    def reject(self) -> None:
        self.cancel()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.cancel()
        super().closeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Convert a checkpoint to GGUF"))
        self._labels[0].setText(self.tr("Checkpoint"))
        self._labels[1].setText(self.tr("Output type"))
        self._labels[2].setText(self.tr("Save as"))
        self.source.setPlaceholderText(self.tr("A folder with config.json, or owner/name on Hugging Face"))
        self.source.setAccessibleName(self.tr("Checkpoint folder or Hugging Face repository id"))
        self.browse_button.setText(self.tr("Choose folder…"))
        self.outtype.setAccessibleName(self.tr("Output type"))
        self.outtype.setToolTip(self.tr("f16/bf16 keep full quality; q8_0 is nearly lossless at half the size; "
                                        "q4_k_m is the usual choice for small, fast models; auto picks f16 or bf16."))
        self.output.setAccessibleName(self.tr("Output file"))
        self.save_button.setText(self.tr("Choose…"))
        self.verify.setText(self.tr("Verify the result against the unquantized model"))
        self.overwrite.setText(self.tr("Overwrite"))
        self.convert_button.setText(self.tr("Convert"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.load_button.setText(self.tr("Load this model"))
        self.close_button.setText(self.tr("Close"))
        self.verify_table.setAccessibleName(self.tr("Verification results"))
        if self.result is not None:
            self._show_result(self.result)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
