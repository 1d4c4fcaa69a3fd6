"""`hearth install-desktop [--uninstall]`: put Hearth in the application menu and open .gguf with it.

People start programs from the menu and open files with a double-click, so a pip install alone is
not enough on Linux. This installs, for the current user only (no root needed), under
`$XDG_DATA_HOME` (normally ~/.local/share): the menu entry, the icon in every size, and the GGUF
MIME type; then it refreshes the desktop and MIME caches when their tools are installed.

The menu entry's Exec names the `hearth` that ran this command by its absolute path, because
launchers do not look in a virtual environment's bin/ folder; a bundled Hearth names its own
executable. The source files ship inside the package (resources/linux, resources/icons).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from desktop.atomic_write import write_atomically
from desktop.errors import HearthError

APP_ID = "io.hearth.Hearth"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

# What goes where: (resource path parts, destination relative to $XDG_DATA_HOME).
PLACEMENTS: list[tuple[tuple[str, ...], str]] = [
    (("linux", "gguf-mime.xml"), f"mime/packages/{APP_ID}.xml"),
    (("icons", "hearth.svg"), f"icons/hicolor/scalable/apps/{APP_ID}.svg"),
    *[(("icons", f"hearth-{n}.png"), f"icons/hicolor/{n}x{n}/apps/{APP_ID}.png") for n in ICON_SIZES],
]
DESKTOP_ENTRY = f"applications/{APP_ID}.desktop"

# Characters that force an Exec argument into double quotes (Desktop Entry Specification).
_EXEC_RESERVED = re.compile(r"""[\s"'\\><~|&;$*?#()`]""")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "install-desktop",
        help="add Hearth to the application menu and open .gguf files with it (Linux)",
        description="Install Hearth's menu entry, icons and .gguf file type for the current user.",
    )
    parser.add_argument("--uninstall", action="store_true", help="remove what install-desktop added")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not sys.platform.startswith("linux"):
        raise HearthError("install-desktop is for Linux desktops; on Windows and macOS use Hearth's installer")
    data_home = xdg_data_home()
    if args.uninstall:
        removed = uninstall(data_home)
        print(f"hearth: removed {removed} file(s) from {data_home}" if removed else "hearth: nothing to remove")
    else:
        command = hearth_command()
        install(data_home, command)
        print(f"hearth: installed the menu entry and .gguf file type in {data_home} (runs {command})")
    refresh_caches(data_home)
    return 0


def xdg_data_home() -> Path:
    """`$XDG_DATA_HOME` when set to an absolute path (as the spec says), else ~/.local/share."""
    env = os.environ.get("XDG_DATA_HOME", "")
    return Path(env) if os.path.isabs(env) else Path.home() / ".local" / "share"


def hearth_command() -> Path:
    """The installed `hearth` executable that the menu entry should start."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the executable is Hearth itself
        return Path(sys.executable)
    candidates = [Path(sys.argv[0]) if Path(sys.argv[0]).name == "hearth" else None,
                  Path(sys.executable).parent / "hearth",
                  Path(sysconfig.get_path("scripts", f"{os.name}_user")) / "hearth"]
    for candidate in candidates:
        if candidate is not None and candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.absolute()
    found = shutil.which("hearth")
    if found:
        return Path(found).absolute()
    raise HearthError("cannot find the installed `hearth` command; install Hearth with pip first")


def install(data_home: Path, command: Path) -> None:
    from desktop.paths import resource_path

    for parts, destination in PLACEMENTS:
        _write_atomic(data_home / destination, resource_path(*parts).read_bytes())
    template = resource_path("linux", f"{APP_ID}.desktop").read_text(encoding="utf-8")
    _write_atomic(data_home / DESKTOP_ENTRY, desktop_entry(template, command).encode("utf-8"))


def uninstall(data_home: Path) -> int:
    """Remove the files `install` placed; returns how many there were."""
    removed = 0
    for destination in [DESKTOP_ENTRY, *(dest for _, dest in PLACEMENTS)]:
        path = data_home / destination
        if path.exists():
            path.unlink()
            removed += 1
    return removed


def desktop_entry(template: str, command: Path) -> str:
    """The shipped entry with Exec and TryExec pointing at `command`."""
    if "\n" in str(command):
        raise HearthError(f"cannot write a menu entry for a command whose path has a line break: {command!r}")
    exec_value = _desktop_string(_exec_argument(str(command)))
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):  # keep the shipped arguments, replace the program
            line = " ".join(["Exec=" + exec_value, *line.split(" ")[1:]])
        elif line.startswith("TryExec="):
            line = "TryExec=" + _desktop_string(str(command))
        lines.append(line)
    return "\n".join(lines) + "\n"


def _exec_argument(arg: str) -> str:
    """Quote one Exec argument as the Desktop Entry Specification requires."""
    if _EXEC_RESERVED.search(arg):
        arg = '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'
    return arg.replace("%", "%%")


def _desktop_string(value: str) -> str:
    """Escape a value for a .desktop file (its string type escapes the backslash)."""
    return value.replace("\\", "\\\\")


def refresh_caches(data_home: Path) -> None:
    """Let the menu and file manager see the change now rather than at next login."""
    for tool, folder in (("update-desktop-database", "applications"), ("update-mime-database", "mime")):
        target = data_home / folder
        if shutil.which(tool) is None or not target.is_dir():
            continue
        result = subprocess.run([tool, str(target)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            first = (result.stderr.strip().splitlines() or ["no message"])[0]
            raise HearthError(f"{tool} failed on {target}: {first}")


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data, mode=0o644)
