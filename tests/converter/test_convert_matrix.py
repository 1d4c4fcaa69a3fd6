"""The conversion matrix: every family x tokenizer form x output type the README lists, run in llama.cpp.

Each cell converts a tiny checkpoint and runs it through llama.cpp against transformers' float32
logits. f16 is held to parity (KLD <= 1e-4) in test_convert_families.py; the bounds here are per
type, loose enough for 2-layer random models (64-wide rows, where llama.cpp's k-quant mix falls back
to q5_0/q8_0 for many tensors) and far below what a misplaced or mis-shaped tensor gives (KLD > 1).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import checkpoints
import parity
from converter import convert

pytest.importorskip("torch")

# checkpoint -> (family module, tokenizer form as the README's matrix names it)
MATRIX = {
    "llama3": ("llama", "byte-level BPE"),
    "mistral": ("llama", "SentencePiece model"),
    "mistral-json": ("llama", "SentencePiece tokenizer.json"),
    "llama-unigram": ("llama", "Unigram tokenizer.json"),
    "ministral3": ("mistral3", "byte-level BPE"),
    "granite": ("granite", "byte-level BPE"),
    "qwen2": ("qwen2", "byte-level BPE"),
    "qwen3": ("qwen3", "byte-level BPE"),
    "qwen2-moe": ("qwen_moe", "byte-level BPE"),
    "qwen3-moe": ("qwen_moe", "byte-level BPE"),
    "qwen3-moe-fused": ("qwen_moe", "byte-level BPE"),
    "qwen2-moe-tied": ("qwen_moe", "byte-level BPE"),
    "gemma3": ("gemma", "SentencePiece model"),
    "gemma3-json": ("gemma", "SentencePiece tokenizer.json"),
    "phi3": ("phi3", "SentencePiece model"),
    "phi4-mini": ("phi3", "byte-level BPE"),
    "olmo2": ("olmo2", "byte-level BPE"),
}
# output type -> (largest mean KLD, smallest top-1 agreement) accepted
BOUNDS = {"f32": (1e-5, 0.99), "bf16": (1e-2, 0.95), "q8_0": (3e-2, 0.9), "q4_k_m": (0.6, 0.6)}
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("name", list(MATRIX))
def test_every_output_type_runs_close_to_transformers(name, tmp_path):
    src = checkpoints.tiny(name)
    tokens, expected = None, None
    for outtype, (max_kld, min_top1) in BOUNDS.items():
        path = convert(src, tmp_path / f"{outtype}.gguf", outtype).path
        if tokens is None:
            tokens = parity.llama_cpp_tokens(path, "\n".join(checkpoints.CORPUS))
            expected = parity.reference_logits(src, tokens)
        kld, top1 = parity.agreement(expected, parity.llama_cpp_logits(path, tokens))
        assert kld <= max_kld and top1 >= min_top1, (outtype, kld, top1)


def test_readme_matrix_lists_exactly_the_tested_cells():
    section = README.read_text(encoding="utf-8").split("### Conversion matrix", 1)[1].split("\n### ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines() if re.match(r"\| `", line)]
    listed = {(cells[0].strip(" `"), cells[1].strip(), cells[2].strip(" `")) for cells in rows}
    tested = {(family, form, name) for name, (family, form) in MATRIX.items()}
    assert listed == tested
    header = next(line for line in section.splitlines() if line.startswith("| family"))
    assert all(outtype in header for outtype in ("f16", *BOUNDS))
