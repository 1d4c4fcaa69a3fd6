"""Writing files whole or not at all."""
import pytest

from desktop.atomic_write import write_atomically
from desktop.errors import HearthError


def test_text_bytes_and_streamed_pieces(tmp_path):
    assert write_atomically(tmp_path / "a.txt", "héllo").read_text(encoding="utf-8") == "héllo"
    assert write_atomically(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"
    assert write_atomically(tmp_path / "c.jsonl", (f"{i}\n" for i in range(3))).read_text() == "0\n1\n2\n"


def test_the_mode_is_applied(tmp_path):
    path = write_atomically(tmp_path / "entry.desktop", "x", mode=0o644)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_failure_midway_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "export.md"
    target.write_text("old")

    def pieces():
        yield "new start"
        raise RuntimeError("the export broke")

    with pytest.raises(RuntimeError):
        write_atomically(target, pieces())
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.md"]


def test_a_missing_folder_is_one_line(tmp_path):
    with pytest.raises(HearthError, match="does not exist"):
        write_atomically(tmp_path / "nope" / "x.txt", "x")
