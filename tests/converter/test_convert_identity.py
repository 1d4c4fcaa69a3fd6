"""A model Hearth converted itself is named exactly too: its origin is remembered, and an answer
from it records the converted file's sha256."""
from __future__ import annotations

import hashlib

import checkpoints
from converter import convert
from desktop.cli.main import main
from desktop.models.identity import describe
from desktop.store import Store


def test_a_converted_model_names_its_origin_and_answers_record_its_hash(tmp_path, capsys):
    out = convert(checkpoints.tiny("mistral"), tmp_path / "converted.gguf", "q8_0").path
    found = describe(out)
    assert found.source == f"converted by Hearth from the checkpoint folder {checkpoints.tiny('mistral').name} (q8_0)"
    assert (found.architecture, found.quantization, found.size_bytes) == ("llama", "Q8_0", out.stat().st_size)
    assert main(["chat", "-m", str(out), "--max-tokens", "4", "--seed", "1", "Hi"]) == 0
    capsys.readouterr()
    with Store.open() as store:
        (answer,) = [m for m in store.messages(1) if m.role == "assistant"]
    assert answer.model_sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
