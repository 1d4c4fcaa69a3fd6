"""`hearth install-desktop` puts Hearth in the menu for one user and takes it out again."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli.install_desktop import APP_ID, ICON_SIZES, desktop_entry

HEARTH = Path(sys.executable).parent / "hearth"  # the console script of the environment under test


def _hearth(*args: str, data_home: Path, program: Path = HEARTH) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    return subprocess.run([str(program), *args], env=env, capture_output=True, text=True, timeout=60)


def _exec_argv(entry_file: Path, file_arg: str | None) -> list[str]:
    """The command a launcher runs for the entry, by the Desktop Entry Specification's rules:
    unescape the string, split on spaces outside double quotes (where \\ escapes " ` $ \\),
    then expand %f to the file, or drop it when there is none, and %% to %."""
    value = next(line for line in entry_file.read_text(encoding="utf-8").splitlines() if line.startswith("Exec="))
    value = value[len("Exec="):].replace("\\\\", "\\")
    argv, current, quoted, started, i = [], "", False, False, 0
    while i < len(value):
        char = value[i]
        if quoted and char == "\\" and value[i + 1:i + 2] in ('"', "`", "$", "\\"):
            current, i = current + value[i + 1], i + 2
            continue
        if char == '"':
            quoted, started = not quoted, True
        elif char == " " and not quoted:
            if current or started:
                argv.append(current)
            current, started = "", False
        else:
            current += char
        i += 1
    if current or started:
        argv.append(current)
    expanded = [file_arg if arg == "%f" else arg.replace("%%", "%") for arg in argv]
    return [arg for arg in expanded if arg is not None]


def test_install_places_entry_icons_and_mime_type(tmp_path: Path):
    result = _hearth("install-desktop", data_home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"runs {HEARTH}" in result.stdout

    entry = tmp_path / "applications" / f"{APP_ID}.desktop"
    assert f"Exec={HEARTH} --model %f\n" in entry.read_text(encoding="utf-8")
    assert f"TryExec={HEARTH}\n" in entry.read_text(encoding="utf-8")
    for size in ICON_SIZES:
        assert (tmp_path / f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png").is_file()
    assert (tmp_path / f"icons/hicolor/scalable/apps/{APP_ID}.svg").is_file()
    assert "application/x-gguf" in (tmp_path / f"mime/packages/{APP_ID}.xml").read_text()


def test_installed_entry_is_valid_and_its_command_runs(tmp_path: Path):
    assert _hearth("install-desktop", data_home=tmp_path).returncode == 0
    entry = tmp_path / "applications" / f"{APP_ID}.desktop"
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    # Started from the menu (no file) and by double-clicking a model: both parse; --version stops there.
    for file_arg in (None, str(tmp_path / "some model.gguf")):
        run = subprocess.run([*_exec_argv(entry, file_arg), "--version"], capture_output=True, text=True)
        assert run.returncode == 0 and run.stdout.startswith("hearth "), run.stderr


def test_gguf_files_are_registered_with_the_mime_database(tmp_path: Path):
    if shutil.which("update-mime-database") is None or shutil.which("update-desktop-database") is None:
        pytest.skip("update-mime-database / update-desktop-database missing (apt: shared-mime-info, desktop-file-utils)")
    assert _hearth("install-desktop", data_home=tmp_path).returncode == 0
    assert "application/x-gguf:*.gguf" in (tmp_path / "mime" / "globs2").read_text()
    assert (tmp_path / "mime" / "application" / "x-gguf.xml").is_file()
    cache = (tmp_path / "applications" / "mimeinfo.cache").read_text()
    assert f"application/x-gguf={APP_ID}.desktop;" in cache


def test_uninstall_removes_everything_install_added(tmp_path: Path):
    assert _hearth("install-desktop", data_home=tmp_path).returncode == 0
    result = _hearth("install-desktop", "--uninstall", data_home=tmp_path)
    assert result.returncode == 0 and "removed 11 file(s)" in result.stdout, result.stdout + result.stderr
    leftovers = [p for p in tmp_path.rglob(f"{APP_ID}*")]
    assert leftovers == []
    if shutil.which("update-mime-database"):
        assert "x-gguf" not in (tmp_path / "mime" / "globs2").read_text()
    again = _hearth("install-desktop", "--uninstall", data_home=tmp_path)
    assert again.returncode == 0 and "nothing to remove" in again.stdout


def test_a_hearth_in_a_folder_with_spaces_and_quotes_still_starts(tmp_path: Path):
    folder = tmp_path / "Ann's \"apps\" $HOME 100%"
    folder.mkdir()
    (folder / "hearth").symlink_to(HEARTH)
    result = _hearth("install-desktop", data_home=tmp_path / "share", program=folder / "hearth")
    assert result.returncode == 0, result.stderr
    entry = tmp_path / "share" / "applications" / f"{APP_ID}.desktop"
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    argv = _exec_argv(entry, None)
    assert argv[0] == str(folder / "hearth")
    run = subprocess.run([*argv, "--version"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.startswith("hearth "), run.stderr


def test_exec_quoting_follows_the_desktop_entry_rules():
    template = "[Desktop Entry]\nExec=hearth --model %f\nTryExec=hearth\n"
    plain = desktop_entry(template, Path("/opt/hearth/hearth"))
    assert "Exec=/opt/hearth/hearth --model %f\n" in plain
    odd = desktop_entry(template, Path('/home/a b/"q"/$x/100%/hearth'))
    assert 'Exec="/home/a b/\\\\"q\\\\"/\\\\$x/100%%/hearth" --model %f\n' in odd
    assert 'TryExec=/home/a b/"q"/$x/100%/hearth\n' in odd
