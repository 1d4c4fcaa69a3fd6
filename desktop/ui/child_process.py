"""Hearth's own commands run as child processes of the app (the converter, benchmark runs), so a
long job never blocks the window and a crash in it never takes the app down."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment

import desktop


def hearth_environment() -> QProcessEnvironment:
    """This environment, plus the folder holding Hearth's packages on PYTHONPATH, so the child runs
    the code that sits beside this app whatever the working directory."""
    env = QProcessEnvironment.systemEnvironment()
    root = str(Path(desktop.__file__).resolve().parent.parent)
    current = env.value("PYTHONPATH")
    env.insert("PYTHONPATH", root + (os.pathsep + current if current else ""))
    return env


def start_python(parent: QObject, arguments: list[str], on_stdout, on_stderr, on_finished,
                 on_error) -> QProcess:
    """This Python running `arguments`, its output and end wired to the handlers, started."""
    process = QProcess(parent)
    process.setProgram(sys.executable)
    process.setArguments(arguments)
    process.setProcessEnvironment(hearth_environment())
    process.readyReadStandardOutput.connect(on_stdout)
    process.readyReadStandardError.connect(on_stderr)
    process.finished.connect(on_finished)
    process.errorOccurred.connect(on_error)
    process.start()
    return process
