"""How fast the desktop app feels: launch to visible window, and event-loop stalls under load.

1. Launch: a fresh Python process runs the app's real start-up (`desktop.ui.app.start`) and reports
   when the main window first paints; median of N launches, against the goal of 1.5 s.
   The reference is a bare PySide6 window in the same run (Python + Qt alone), so the figure shows
   what Hearth adds on top of the toolkit.
2. Stalls: a 1 ms QTimer measures how late the event loop serves it, in the app's process, while a
   model loads and while an answer streams at full speed; p99 lateness against the goal of 16 ms
   (one frame at 60 Hz).

    python bench/ui_bench.py [--launches 5] [--model PATH] [--tokens 400]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAUNCH_GOAL_S = 1.5
STALL_GOAL_MS = 16.0
DEFAULT_MODEL = Path.home() / ".cache" / "hearth" / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

# Runs in the child: the app's own start-up, reporting the main window's first paint.
_APP_CHILD = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
class Exposed(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
            print("EXPOSED", time.time(), "llama_cpp" in sys.modules, flush=True)
            QTimer.singleShot(0, app.quit)
            app.removeEventFilter(self)
        return False
watch = Exposed()
app.installEventFilter(watch)
from desktop.ui.app import start
window = start(app, None)
app.exec()
window.shut_down()
"""

_BARE_CHILD = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
class Exposed(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
            print("EXPOSED", time.time(), False, flush=True)
            QTimer.singleShot(0, app.quit)
            app.removeEventFilter(self)
        return False
watch = Exposed()
app.installEventFilter(watch)
window = QMainWindow()
window.setWindowTitle("bare")
window.show()
app.exec()
"""


def launch_once(code: str, env: dict[str, str]) -> tuple[float, bool]:
    started = time.time()
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    for line in out.stdout.splitlines():
        if line.startswith("EXPOSED"):
            _, when, llama = line.split()
            return float(when) - started, llama == "True"
    raise RuntimeError(f"the window never appeared:\n{out.stderr[-2000:]}")


def launch_times(n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HEARTH_HOME": home}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        bare = [launch_once(_BARE_CHILD, env)[0] for _ in range(n)]
        app_runs = [launch_once(_APP_CHILD, env) for _ in range(n)]
    times = [t for t, _ in app_runs]
    return {"launch_median_s": round(statistics.median(times), 3),
            "bare_pyside6_median_s": round(statistics.median(bare), 3),
            "ratio_to_bare": round(statistics.median(times) / statistics.median(bare), 2),
            "llama_cpp_imported_in_ui": any(flag for _, flag in app_runs),
            "goal_s": LAUNCH_GOAL_S}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def stalls(model: Path, tokens: int) -> dict[str, object]:
    """Lateness of a 1 ms timer in the app while a model loads, then while an answer streams."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["HEARTH_HOME"] = tempfile.mkdtemp(prefix="hearth-bench-")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.engine.types import SamplingParams
    from desktop.ui.app import start

    app = QApplication.instance() or QApplication([])
    window = start(app, None)
    samples: dict[str, list[float]] = {"load": [], "stream": []}
    phase = {"name": None}
    clock = QElapsedTimer()
    clock.start()
    last = {"t": clock.nsecsElapsed()}

    def tick() -> None:
        now = clock.nsecsElapsed()
        if phase["name"]:
            samples[phase["name"]].append(max(0.0, (now - last["t"]) / 1e6 - 1.0))
        last["t"] = now

    timer = QTimer(interval=1)
    timer.timeout.connect(tick)
    timer.start()

    # Driven by the app's own signals inside app.exec(): a Python loop around processEvents()
    # would both distort the figures and, in PySide6 6.12.0, leak a reference to None per call.
    def loaded(_info) -> None:
        window.controller.params = SamplingParams(temperature=0.8, max_tokens=tokens, seed=1)
        phase["name"] = "stream"
        window.controller.send("Write a long story about a lighthouse keeper, with many chapters.")

    def busy(flag: bool) -> None:
        if not flag and phase["name"] == "stream":
            phase["name"] = None
            app.quit()

    window.engine.loaded.connect(loaded)
    window.engine.load_failed.connect(lambda message: (print(message, file=sys.stderr), app.quit()))
    window.controller.busy_changed.connect(busy)
    phase["name"] = "load"
    window.load_model(str(model))
    QTimer.singleShot(600_000, app.quit)
    app.exec()
    timer.stop()
    window.shut_down()
    result: dict[str, object] = {"goal_ms": STALL_GOAL_MS}
    for name, values in samples.items():
        result[f"{name}_p99_ms"] = round(percentile(values, 99), 2) if values else None
        result[f"{name}_max_ms"] = round(max(values), 2) if values else None
        result[f"{name}_samples"] = len(values)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--tokens", type=int, default=400)
    parser.add_argument("--skip-stalls", action="store_true")
    args = parser.parse_args()
    report = {"launch": launch_times(args.launches)}
    if not args.skip_stalls:
        report["stalls"] = stalls(args.model, args.tokens)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
