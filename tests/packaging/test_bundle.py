"""The self-contained bundle runs without the project's Python environment: it answers a chat on
SmolLM2, starts the desktop app, and installs its own menu entry.

dist/hearth is built by packaging/build-bundle.sh first, unless it is newer than every source file
(about 3 minutes on 2 cores, hence `slow`; measured runs are in the README's Packaging section).
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "dist" / "hearth"
HEARTH = BUNDLE / "hearth"
SOURCES = ["desktop", "converter", "resources", "packaging", "pyproject.toml", "setup.py"]
SIZE_LIMIT_MB = 300  # about 225 MB today; a jump means something heavy slipped in


def _newest_source() -> float:
    files = [p for name in SOURCES for p in ([REPO / name] if (REPO / name).is_file() else (REPO / name).rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts]
    return max(p.stat().st_mtime for p in files)


@pytest.fixture(scope="module")
def bundle() -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (pip install -e '.[bundle]')")
    if not HEARTH.exists() or HEARTH.stat().st_mtime < _newest_source():
        build = subprocess.run(["bash", str(REPO / "packaging" / "build-bundle.sh")], capture_output=True,
                               text=True, timeout=1200)
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return HEARTH


def _bare_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with no virtualenv and no Python on PATH beyond the system's own tools."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "HEARTH_HOME": str(home),
            "HEARTH_MODELS": os.environ["HEARTH_MODELS"], **extra}


def test_bundled_hearth_answers_a_chat_on_smollm(bundle: Path, smollm_path: Path, tmp_path: Path):
    result = subprocess.run([str(bundle), "chat", "-m", str(smollm_path), "--max-tokens", "8", "Hi"],
                            env=_bare_env(tmp_path), capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the bundled engine produced no answer"


def test_bundled_app_starts_offscreen(bundle: Path, tmp_path: Path):
    """The window comes up and its event loop runs: the chat list is read from a new database."""
    app = subprocess.Popen([str(bundle)], env=_bare_env(tmp_path, QT_QPA_PLATFORM="offscreen"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and app.poll() is None and not (tmp_path / "hearth.sqlite3").exists():
            time.sleep(0.2)
        time.sleep(2)  # and it stays up
        assert app.poll() is None, f"the app exited with {app.returncode}: {app.communicate()[1][-2000:]}"
        assert (tmp_path / "hearth.sqlite3").exists(), "the app did not open its store within 60 s"
    finally:
        app.terminate()
        app.communicate(timeout=30)


def test_bundled_install_desktop_points_at_the_bundle(bundle: Path, tmp_path: Path):
    share = tmp_path / "share"
    result = subprocess.run([str(bundle), "install-desktop"], env=_bare_env(tmp_path, XDG_DATA_HOME=str(share)),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    entry = (share / "applications" / "io.hearth.Hearth.desktop").read_text()
    assert f"Exec={bundle} --model %f\n" in entry
    assert (share / "icons" / "hicolor" / "256x256" / "apps" / "io.hearth.Hearth.png").is_file()


def test_bundle_is_lean_and_carries_llama_cpp(bundle: Path):
    internal = BUNDLE / "_internal"
    assert (internal / "llama_cpp" / "lib" / "libllama.so").exists()
    for heavy in ("torch", "transformers", "PySide6/QtQml.abi3.so", "PySide6/Qt/lib/libQt6Quick.so.6"):
        assert not (internal / heavy).exists(), f"{heavy} should not be in the bundle"
    size_mb = sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20
    assert size_mb < SIZE_LIMIT_MB, f"the bundle grew to {size_mb:.0f} MB"
