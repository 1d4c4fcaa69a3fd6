"""Hugging Face checkpoints for the converter's tests, generated with transformers and cached.

Real ones come from the catalog GGUFs (transformers can load a gguf and save it as a Hugging Face
checkpoint); tiny random ones are built per family with `from_config`. Both are cached under
~/.cache/hearth/convert-fixtures (HEARTH_CONVERT_FIXTURES) and rebuilt when missing, so a clean CI
machine regenerates them (a few seconds each, the Qwen one about a minute).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

FIXTURES = Path(os.environ.get("HEARTH_CONVERT_FIXTURES", Path.home() / ".cache" / "hearth" / "convert-fixtures"))
VERSION = "1"  # bump to rebuild every cached checkpoint after changing how they are made

# What a tokenizer and a model meet in practice: scripts, emoji, code, whitespace runs, numbers.
CORPUS = [
    "Hello world! The quick brown fox jumps over the lazy dog.",
    "我想在apple工作1314151天～ 春天来了，公园里的花都开了。",
    "今日は天気が良いので、友達と散歩に行きました。カタカナ ひらがな",
    "오늘 아침에 커피를 마시면서 신문을 읽었습니다.",
    "ذهبت إلى السوق لشراء الخبز والحليب.",
    "Москва — столица России. нещо на Български",
    "🚀 (normal) 😶‍🌫️ (multiple emojis concatenated) ✅ 🦙🦙",
    "def f(x):\n    return x ** 2  # square\n\n\tif x:\n\t\tpass",
    "   leading spaces, trailing spaces   \n\n\n  \t \t\t  mixed\r\nwindows line",
    "3 33 333 3333 33333 3.3 3..3 I've been 'told he's there, 'RE you sure? We'Ve a'lL",
    "------======= ''''''```````\"\"\"\"......!!!!!!?????? <html><body>x</body></html>",
]


def _cached(name: str, build) -> Path:
    folder = FIXTURES / name
    if (folder / ".complete").read_text(encoding="utf-8").strip() == VERSION if (folder / ".complete").is_file() else False:
        return folder
    staging = FIXTURES / f".{name}.building.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    build(staging)
    (staging / ".complete").write_text(VERSION, encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return folder


# --- real checkpoints from the catalog GGUFs ------------------------------------------------------

# transformers' gguf loader rebuilds a tokenizer.json without the published pre-tokenizer sections;
# these are the ones the original Hugging Face repos ship, restored so the checkpoints are faithful.
PUBLISHED_PRE_TOKENIZERS = {
    "smollm": {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
    "qwen2": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?"
                                               "[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
         "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
}
PUBLISHED_NORMALIZERS = {"qwen2": {"type": "NFC"}}


def from_gguf(gguf_path: Path, name: str, pre: str) -> Path:
    """A Hugging Face checkpoint (bf16 safetensors + tokenizer) made from a catalog gguf."""

    def build(folder: Path) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

        kwargs = {"gguf_file": gguf_path.name}
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, dtype=torch.bfloat16,
                                                     quantization_config=GgufConfig(dequantize=True), **kwargs)
        model.save_pretrained(folder, safe_serialization=True)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        config.pop("quantization_config", None)  # the saved weights are plain bf16
        (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        AutoTokenizer.from_pretrained(gguf_path.parent, **kwargs).save_pretrained(folder)
        tok_path = folder / "tokenizer.json"
        data = json.loads(tok_path.read_text(encoding="utf-8"))
        data["pre_tokenizer"] = PUBLISHED_PRE_TOKENIZERS[pre]
        if pre in PUBLISHED_NORMALIZERS:
            data["normalizer"] = PUBLISHED_NORMALIZERS[pre]
        tok_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    return _cached(name, build)
