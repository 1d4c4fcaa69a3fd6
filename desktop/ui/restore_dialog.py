"""File ▸ Restore from backup…: the store's backups with their dates and sizes, and Restore.

Restoring first backs the current conversations up (so a restore can itself be undone from this
list), then copies the chosen backup into the live store through SQLite. Both run on a background
thread: a large store takes seconds and the window must stay responsive. Strings use the
translation context "RestoreDialog".
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QLabel,
                               QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout)

from desktop.errors import HearthError
from desktop.store import backup
from desktop.ui.download_progress import human_size


class _Courier(QObject):
    """Carries a background job's outcome back to the GUI thread: (ok, message)."""

    done = Signal(bool, str)


class RestoreDialog(QDialog):
    """`RestoreDialog(store_path, keep, parent)`; emits `restored` after a successful restore."""

    restored = Signal()

    def __init__(self, store_path: Path, keep: int = backup.KEEP, parent=None) -> None:
        super().__init__(parent)
        self.store_path, self.keep = store_path, keep
        self.setWindowTitle(self.tr("Restore from backup"))
        self.resize(620, 360)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("Taken"), self.tr("Size"), self.tr("Kind")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.setAccessibleName(self.tr("Backups"))
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.backup_button = QPushButton(self.tr("Back up now"), self)
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton(self.tr("Restore"), self)
        self.restore_button.clicked.connect(self.restore_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.backup_button)
        row.addStretch(1)
        row.addWidget(self.restore_button)
        row.addWidget(buttons)
        intro = QLabel(self.tr("Hearth backs your conversations up once a day and before every "
                               "upgrade. Restoring one backs the current conversations up first."), self)
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(row)
        self._courier = _Courier(self)
        self._courier.done.connect(self._finished)
        self.backups: list[backup.Backup] = []
        self.refresh()

    def refresh(self) -> None:
        kinds = {"daily": self.tr("daily"), "manual": self.tr("by hand"),
                 "before-restore": self.tr("before a restore")}
        self.backups = backup.list_backups(self.store_path)
        self.table.setRowCount(len(self.backups))
        for row, item in enumerate(self.backups):
            label = item.path.name
            kind = next((text for key, text in kinds.items() if label.endswith(f"-{key}.sqlite3")),
                        self.tr("before an upgrade") if "-before-schema-" in label else "")
            cells = [time.strftime("%Y-%m-%d %H:%M", time.localtime(item.taken_at)),
                     human_size(item.size), kind]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setToolTip(str(item.path))
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        if self.backups:
            self.table.selectRow(0)
        else:
            self.status.setText(self.tr("No backups yet. The first one is made within a few minutes "
                                        "of starting Hearth, or now with “Back up now”."))
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def selected(self) -> backup.Backup | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def restore_selected(self, confirm: bool = True) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(chosen.taken_at))
        if confirm and QMessageBox.question(
                self, self.tr("Restore from backup"),
                self.tr("Replace the current conversations with the backup from {when}? They are "
                        "backed up first.").format(when=when)) != QMessageBox.StandardButton.Yes:
            return
        self._run(lambda: self.tr("Restored the backup from {when}. The conversations before it were "
                                  "backed up to {path}.").format(
            when=when, path=backup.restore(self.store_path, chosen.path, keep=self.keep)), restoring=True)

    def back_up_now(self) -> None:
        self._run(lambda: self.tr("Backed up to {path}.").format(
            path=backup.backup(self.store_path, label="manual", keep=self.keep)), restoring=False)

    def _run(self, job, restoring: bool) -> None:
        self.restore_button.setEnabled(False)
        self.backup_button.setEnabled(False)
        self.status.setText(self.tr("Restoring…") if restoring else self.tr("Backing up…"))
        self._restoring = restoring

        def work() -> None:
            try:
                message = job()
            except HearthError as exc:
                self._courier.done.emit(False, str(exc))
            else:
                self._courier.done.emit(True, message)

        threading.Thread(target=work, name="hearth-restore", daemon=True).start()

    def _finished(self, ok: bool, message: str) -> None:
        self.backup_button.setEnabled(True)
        self.refresh()
        self.status.setText(message)
        if ok and self._restoring:
            self.restored.emit()
