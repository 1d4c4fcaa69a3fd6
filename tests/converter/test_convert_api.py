"""The Python API the app's Convert dialog drives from a background worker."""
from __future__ import annotations

import json
import shutil
import threading

import pytest

import checkpoints
from converter import Cancelled, Step, convert
from desktop.errors import HearthError


def test_progress_reaches_the_total_and_ends_with_done(tmp_path):
    steps: list[Step] = []
    result = convert(checkpoints.tiny("mistral"), tmp_path / "m.gguf", "q4_1", progress=steps.append)
    writes = [s for s in steps if s.stage == "write"]
    assert writes[0].done == 0 and writes[-1].done == writes[-1].total > 0
    assert [w.done for w in writes] == sorted(w.done for w in writes)
    assert steps[-1].stage == "done"
    assert result.outtype == "q4_1" and result.size_bytes == (tmp_path / "m.gguf").stat().st_size


def test_cancel_from_another_thread_leaves_nothing(tmp_path):
    cancel = threading.Event()

    def cancel_once_writing(step: Step) -> None:
        if step.stage == "write" and step.done > 0:
            cancel.set()

    with pytest.raises(Cancelled):
        convert(checkpoints.tiny("llama3"), tmp_path / "m.gguf", "f32", progress=cancel_once_writing, cancel=cancel)
    assert list(tmp_path.iterdir()) == []


def test_a_pre_tokenizer_llama_cpp_lacks_is_refused_by_name(tmp_path):
    folder = tmp_path / "ckpt"
    shutil.copytree(checkpoints.tiny("qwen2"), folder)
    data = json.loads((folder / "tokenizer.json").read_text())
    data["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = r"\p{L}+|\s+"
    (folder / "tokenizer.json").write_text(json.dumps(data))
    with pytest.raises(HearthError, match="pre-tokenizer is not one llama.cpp implements"):
        convert(folder, tmp_path / "m.gguf", "f16")
    assert not (tmp_path / "m.gguf").exists()


def test_cancel_while_llama_cpp_quantizes_leaves_nothing(tmp_path):
    cancel = threading.Event()

    def cancel_when_quantizing(step: Step) -> None:
        if step.stage == "quantize":
            cancel.set()

    with pytest.raises(Cancelled):
        convert(checkpoints.tiny("llama3"), tmp_path / "m.gguf", "q4_k_m", progress=cancel_when_quantizing,
                cancel=cancel)
    assert list(tmp_path.iterdir()) == []
