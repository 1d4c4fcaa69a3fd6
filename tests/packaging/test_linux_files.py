"""The Linux desktop files pass the freedesktop validators, and the icon set is what it says."""
from __future__ import annotations

import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from desktop.cli.install_desktop import APP_ID, ICON_SIZES
from desktop.paths import resource_path

LINUX = resource_path("linux")
ICONS = resource_path("icons")


def _require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (apt package {package}); the CI setup installs it")
    return path


def test_desktop_entry_passes_desktop_file_validate():
    tool = _require("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(LINUX / f"{APP_ID}.desktop")], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_metainfo_passes_appstreamcli_validate():
    tool = _require("appstreamcli", "appstream")
    result = subprocess.run([tool, "validate", "--no-net", str(LINUX / f"{APP_ID}.metainfo.xml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "W:" not in result.stdout and "E:" not in result.stdout, result.stdout


def test_metainfo_launches_the_desktop_entry_and_claims_gguf():
    root = ET.parse(LINUX / f"{APP_ID}.metainfo.xml").getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("provides/mediatype") == "application/x-gguf"


def test_mime_type_matches_gguf_by_name_and_by_magic():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    mime = ET.parse(LINUX / "gguf-mime.xml").getroot().find("m:mime-type", ns)
    assert mime.get("type") == "application/x-gguf"
    assert mime.find("m:glob", ns).get("pattern") == "*.gguf"
    match = mime.find("m:magic/m:match", ns)
    assert (match.get("offset"), match.get("value")) == ("0", "GGUF")  # a GGUF file's first 4 bytes


def test_desktop_entry_opens_gguf_files_with_the_model_option():
    entry = (LINUX / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    assert "Exec=hearth --model %f\n" in entry
    assert "MimeType=application/x-gguf;\n" in entry
    assert f"Icon={APP_ID}\n" in entry


def test_every_png_icon_has_the_size_in_its_name():
    for size in ICON_SIZES:
        data = (ICONS / f"hearth-{size}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
        assert (width, height) == (size, size)


def test_svg_icon_is_square_and_well_formed():
    svg = ET.parse(ICONS / "hearth.svg").getroot()
    assert svg.get("viewBox") == "0 0 512 512"


def test_packaging_linux_is_the_shipped_folder():
    """packaging/linux is where packagers look; the files themselves ship in the package."""
    repo = Path(__file__).resolve().parents[2]
    assert (repo / "packaging" / "linux").resolve() == (repo / "resources" / "linux").resolve()
