"""A plain, non-editable install works: the wheel carries Hearth's resources, and `hearth` finds
them from any working directory.

The wheel is built from a copy of the project and installed without dependencies into a fresh
virtual environment; a .pth file lends it the dependencies already installed in the environment
running the tests, so this needs no network and takes seconds. (The editable install of the test
environment is not visible there: a .pth file's folder is put on sys.path without running the
.pth files inside it.)
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# What building the wheel reads; everything else in the repository stays out of the copy.
BUILD_INPUTS = ["pyproject.toml", "setup.py", "README.md", "desktop", "converter", "resources"]


def _run(*cmd: str | Path, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, f"{cmd}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel-install")
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif (REPO / name).is_file():
            shutil.copy2(REPO / name, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", work / "wheels",
         source, cwd=work)
    (wheel,) = (work / "wheels").glob("hearth-*.whl")

    venv = work / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps",
         "--no-index", wheel, cwd=work)
    site = Path(_run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=work).stdout.strip())
    (site / "hearth-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory far from the repository, so nothing is found by accident."""
    return tmp_path


def test_the_installed_hearth_runs(venv: Path, elsewhere: Path):
    assert _run(venv / "bin" / "hearth", "--version", cwd=elsewhere).stdout.startswith("hearth ")
    assert "smollm2-135m" in _run(venv / "bin" / "hearth", "models", "list", cwd=elsewhere).stdout


def test_the_code_comes_from_the_wheel_not_the_repository(venv: Path, elsewhere: Path):
    code = "import desktop, hearth_resources; print(desktop.__file__); print(hearth_resources.__file__)"
    for path in _run(venv / "bin" / "python", "-c", code, cwd=elsewhere).stdout.split():
        assert Path(path).is_relative_to(venv), path


def test_every_resource_ships_and_is_found_by_resource_path(venv: Path, elsewhere: Path):
    code = (
        "from desktop.paths import resource_path\n"
        "root = resource_path()\n"
        "print('\\n'.join(str(p.relative_to(root)) for p in root.rglob('*') if p.is_file()))\n"
    )
    installed = set(_run(venv / "bin" / "python", "-c", code, cwd=elsewhere).stdout.split("\n"))
    shipped = {str(p.relative_to(REPO / "resources")) for p in (REPO / "resources").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert shipped - installed == set()
    for folder in ("grammars", "icons", "linux", "styles"):
        assert any(name.startswith(folder + "/") for name in installed), folder


def test_install_desktop_from_the_wheel_points_at_the_wheel_install(venv: Path, elsewhere: Path):
    env = {**os.environ, "XDG_DATA_HOME": str(elsewhere / "share")}
    _run(venv / "bin" / "hearth", "install-desktop", cwd=elsewhere, env=env)
    entry = (elsewhere / "share" / "applications" / "io.hearth.Hearth.desktop").read_text()
    assert f"Exec={venv / 'bin' / 'hearth'} --model %f\n" in entry
