"""Every way a GGUF file can be broken gets its own one-line message before llama.cpp sees it."""
import struct

import pytest

from desktop.errors import HearthError
from desktop.models.gguf_info import inspect_gguf
from tests.gguf_factory import write_tiny_gguf


@pytest.fixture
def tiny(tmp_path):
    return write_tiny_gguf(tmp_path / "tiny.gguf")


def patched(path, offset, data):
    raw = bytearray(path.read_bytes())
    raw[offset:offset + len(data)] = data
    out = path.with_name("patched.gguf")
    out.write_bytes(bytes(raw))
    return out


def error_of(path) -> str:
    with pytest.raises(HearthError) as info:
        inspect_gguf(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_reads_a_real_model(smollm_path):
    info = inspect_gguf(smollm_path)
    assert info.architecture == "llama"
    assert info.quantization == "Q4_1"
    assert info.context_length == 8192
    assert 130e6 < info.parameters < 140e6
    assert info.chat_template and "im_start" in info.chat_template


def test_missing_file(tmp_path):
    assert "not found" in error_of(tmp_path / "nope.gguf")


def test_not_a_gguf_file(tmp_path):
    path = tmp_path / "notes.gguf"
    path.write_text("hello, this is a text file and not a model at all")
    assert "not a GGUF file" in error_of(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")
    assert "not a GGUF file (only 0 bytes)" in error_of(path)


def test_bad_magic(tiny):
    assert "expected b'GGUF'" in error_of(patched(tiny, 0, b"GGML"))


def test_unsupported_version(tiny):
    assert "unsupported GGUF version 7" in error_of(patched(tiny, 4, struct.pack("<I", 7)))


def test_corrupted_counts(tiny):
    message = error_of(patched(tiny, 8, struct.pack("<Q", 2**40)))
    assert "corrupted header" in message and "tensors" in message


def test_corrupted_string_length(tiny):
    # the first metadata key's length field follows the 24-byte header
    assert "corrupted header" in error_of(patched(tiny, 24, struct.pack("<Q", 2**50)))


@pytest.mark.parametrize("keep", [30, 200, 400])
def test_truncated_header(tiny, keep, tmp_path):
    path = tmp_path / "cut.gguf"
    path.write_bytes(tiny.read_bytes()[:keep])
    assert "truncated" in error_of(path)


def test_truncated_tensor_data(tiny, tmp_path):
    data = tiny.read_bytes()
    path = tmp_path / "cut.gguf"
    path.write_bytes(data[:-100])
    message = error_of(path)
    assert f"expected {len(data)} bytes, found {len(data) - 100}" in message


def test_unknown_architecture(tmp_path):
    path = write_tiny_gguf(tmp_path / "odd.gguf", arch="gpt5")
    message = error_of(path)
    assert "unknown architecture 'gpt5'" in message and "llama" in message


def test_missing_tokenizer(tmp_path):
    path = write_tiny_gguf(tmp_path / "notok.gguf", tokenizer=False)
    assert "missing tokenizer" in error_of(path)


def test_bad_tensor_type(tiny):
    raw = tiny.read_bytes()
    name = b"output_norm.weight"
    at = raw.index(name) + len(name) + 4 + 8  # after n_dims and the one dimension
    assert "unknown type 999" in error_of(patched(tiny, at, struct.pack("<I", 999)))


def test_bad_tensor_shape(tiny):
    raw = tiny.read_bytes()
    name = b"output_norm.weight"
    at = raw.index(name) + len(name)
    assert "bad shape" in error_of(patched(tiny, at, struct.pack("<I", 9)))
