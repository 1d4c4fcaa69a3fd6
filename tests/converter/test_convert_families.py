"""Every supported family converts to a gguf that llama.cpp tokenizes and runs like transformers does.

Tiny random checkpoints (two layers, trained tokenizers) keep this fast; the real-model tests in
test_convert_real.py do the same on published weights.
"""
from __future__ import annotations

import gguf
import pytest

import checkpoints
import parity
from converter import convert

EXPECTED_PRE_TOKENIZER = {"llama3": "llama-bpe", "qwen2": "qwen2", "qwen3": "qwen2", "qwen2-moe": "qwen2", "qwen3-moe": "qwen2",
                          "qwen3-moe-fused": "qwen2", "qwen2-moe-tied": "qwen2", "llama-unigram": "default",
                          "phi4-mini": "gpt-4o", "ministral3": "tekken",
                          "mistral3-vision": "tekken"}
# tokenizer.json-only SentencePiece with a Metaspace prefix: see parity.token_mismatches
METASPACE_PREFIX = {"mistral-json"}
EXPECTED_ARCH = {"llama3": "llama", "granite": "granite", "olmo2": "olmo2", "ministral3": "mistral3", "mistral3-vision": "mistral3", "mistral": "llama", "qwen2": "qwen2", "qwen3": "qwen3", "qwen2-moe": "qwen2moe", "qwen3-moe": "qwen3moe", "gemma2": "gemma2",
                 "qwen3-moe-fused": "qwen3moe", "qwen2-moe-tied": "qwen2moe", "llama-unigram": "llama",
                 "gemma3": "gemma3", "gemma3-json": "gemma3", "mistral-json": "llama", "gemma3-vision": "gemma3", "phi3": "phi3",
                 "phi3-longrope": "phi3", "phi4-mini": "phi3"}


@pytest.mark.parametrize("name", list(checkpoints.TINY))
def test_tiny_checkpoint_matches_transformers_in_llama_cpp(name, tmp_path):
    src = checkpoints.tiny(name)
    result = convert(src, tmp_path / f"{name}.gguf", "f16")

    assert result.arch == EXPECTED_ARCH[name]
    fields = gguf.GGUFReader(result.path).fields
    if name in EXPECTED_PRE_TOKENIZER:
        assert fields["tokenizer.ggml.pre"].contents() == EXPECTED_PRE_TOKENIZER[name]
    assert parity.token_mismatches(src, result.path, always_prefix=name in METASPACE_PREFIX) == []
    kld, top1 = parity.logit_agreement(src, result.path)
    assert kld <= 1e-4
    assert top1 >= 0.99


def test_llama3_rope_scaling_becomes_rope_freqs(tmp_path):
    result = convert(checkpoints.tiny("llama3"), tmp_path / "l3.gguf", "f32")
    names = {t.name for t in gguf.GGUFReader(result.path).tensors}
    assert "rope_freqs.weight" in names


def test_tied_embeddings_write_no_output_tensor(tmp_path):
    result = convert(checkpoints.tiny("qwen2"), tmp_path / "q.gguf", "f16")
    names = {t.name for t in gguf.GGUFReader(result.path).tensors}
    assert "token_embd.weight" in names and "output.weight" not in names
    assert "blk.0.attn_q.bias" in names  # qwen2's biases are kept


def test_chat_template_and_special_tokens_are_carried(tmp_path):
    result = convert(checkpoints.tiny("qwen2"), tmp_path / "q.gguf", "f16")
    fields = gguf.GGUFReader(result.path).fields
    assert "<|im_start|>" in fields["tokenizer.chat_template"].contents()
    tokens = fields["tokenizer.ggml.tokens"].contents()
    assert tokens[fields["tokenizer.ggml.eos_token_id"].contents()] == "<|im_end|>"
    types = fields["tokenizer.ggml.token_type"].contents()
    assert types[tokens.index("<|im_start|>")] == gguf.TokenType.CONTROL


def test_sentencepiece_vocab_keeps_scores_types_and_space_prefix(tmp_path):
    result = convert(checkpoints.tiny("gemma2"), tmp_path / "g.gguf", "f16")
    fields = gguf.GGUFReader(result.path).fields
    assert fields["tokenizer.ggml.model"].contents() == "llama"
    assert fields["tokenizer.ggml.add_space_prefix"].contents() is False
    types = fields["tokenizer.ggml.token_type"].contents()
    assert types.count(gguf.TokenType.BYTE) == 256
    assert len(set(fields["tokenizer.ggml.scores"].contents())) > 100


@pytest.mark.parametrize("name, space_prefix", [("gemma3-json", False), ("mistral-json", True)])
def test_sentencepiece_given_only_as_tokenizer_json(name, space_prefix, tmp_path):
    src = checkpoints.tiny(name)
    assert not (src / "tokenizer.model").exists()
    result = convert(src, tmp_path / "t.gguf", "f16")
    fields = gguf.GGUFReader(result.path).fields
    assert fields["tokenizer.ggml.model"].contents() == "llama"
    assert fields["tokenizer.ggml.add_space_prefix"].contents() is space_prefix
    types = fields["tokenizer.ggml.token_type"].contents()
    assert types.count(gguf.TokenType.BYTE) == 256 and types.count(gguf.TokenType.UNKNOWN) == 1
    assert len(set(fields["tokenizer.ggml.scores"].contents())) > 200  # merge ranks, not one flat score


def test_sentencepiece_json_without_added_tokens_still_types_unknown_and_bytes(tmp_path):
    import json
    import shutil

    from converter.vocab import load_vocab

    src = checkpoints.tiny("gemma3-json")
    data = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    data["added_tokens"] = []
    (tmp_path / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    shutil.copy(src / "config.json", tmp_path)
    vocab = load_vocab(tmp_path, len(data["model"]["vocab"]))
    assert vocab.types.count(gguf.TokenType.UNKNOWN) == 1 and vocab.types.count(gguf.TokenType.BYTE) == 256


def test_unigram_given_only_as_tokenizer_json_becomes_llama_cpp_unigram(tmp_path):
    import base64
    import json

    import llama_cpp

    src = checkpoints.tiny("llama-unigram")
    assert not (src / "tokenizer.model").exists()
    data = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    result = convert(src, tmp_path / "u.gguf", "f16")
    fields = gguf.GGUFReader(result.path).fields
    assert fields["tokenizer.ggml.model"].contents() == "t5"
    assert fields["tokenizer.ggml.add_space_prefix"].contents() is True
    assert fields["tokenizer.ggml.remove_extra_whitespaces"].contents() is True
    charsmap = data["normalizer"]["normalizers"][0]["precompiled_charsmap"]
    assert bytes(fields["tokenizer.ggml.precompiled_charsmap"].contents()) == base64.b64decode(charsmap)
    assert fields["tokenizer.ggml.add_eos_token"].contents() is False  # llama.cpp's t5 default would add one
    scores = fields["tokenizer.ggml.scores"].contents()
    assert scores[10] == pytest.approx(data["model"]["vocab"][10][1])  # log-probabilities, as trained
    types = fields["tokenizer.ggml.token_type"].contents()
    tokens = fields["tokenizer.ggml.tokens"].contents()
    assert types[2] == gguf.TokenType.UNKNOWN and types[tokens.index("<|im_start|>")] == gguf.TokenType.CONTROL
    # special tokens parsed: the same ids as transformers (no whitespace-only stretch between them,
    # which `tokenizers` keeps as a `▁` where SentencePiece and llama.cpp drop it: see the README)
    text = "<|im_start|>user\nＨｅｌｌｏ ﬁne   world ᚠ<|im_end|><|im_start|>assistant\nOK"
    llm = llama_cpp.Llama(str(result.path), vocab_only=True, verbose=False)
    try:
        got = llm.tokenize(text.encode("utf-8"), add_bos=True, special=True)
    finally:
        llm.close()
    assert got == parity.reference_tokenizer(src)(text)
    assert tokens.index("<unk>") in got  # ᚠ is outside the vocabulary in both


def test_fused_experts_are_split_into_gate_and_up(tmp_path):
    result = convert(checkpoints.tiny("qwen3-moe-fused"), tmp_path / "m.gguf", "f16")
    shapes = {t.name: tuple(int(n) for n in t.shape) for t in gguf.GGUFReader(result.path).tensors}
    assert shapes["blk.0.ffn_gate_exps.weight"] == shapes["blk.0.ffn_up_exps.weight"] == (64, 32, 4)
    assert shapes["blk.0.ffn_down_exps.weight"] == (32, 64, 4)


def test_tied_qwen2_moe_gets_the_output_tensor_llama_cpp_needs(tmp_path):
    result = convert(checkpoints.tiny("qwen2-moe-tied"), tmp_path / "m.gguf", "q8_0")
    tensors = {t.name: t for t in gguf.GGUFReader(result.path).tensors}
    assert bytes(tensors["output.weight"].data) == bytes(tensors["token_embd.weight"].data)


def test_unigram_sentencepiece_model_tokenizes_as_sentencepiece(tmp_path):
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2

    src = checkpoints.tiny("llama-unigram")
    folder = tmp_path / "ckpt"
    folder.mkdir()
    for name in ("config.json", "model.safetensors"):
        (folder / name).symlink_to(src / name)
    model = checkpoints.unigram_sentencepiece()
    (folder / "tokenizer.model").write_bytes(model)
    result = convert(folder, tmp_path / "u.gguf", "f16")
    fields = gguf.GGUFReader(result.path).fields
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model)
    assert fields["tokenizer.ggml.model"].contents() == "t5"
    assert bytes(fields["tokenizer.ggml.precompiled_charsmap"].contents()) == proto.normalizer_spec.precompiled_charsmap
    processor = sentencepiece.SentencePieceProcessor(model_proto=model)
    ties = 0
    # SentencePiece strips and collapses spaces, so trailing whitespace agrees here too
    for text in [*checkpoints.CORPUS, "\n".join(checkpoints.CORPUS), "  trailing  \n", "ᚠ ꙮ unknown"]:
        got, expected = parity.llama_cpp_tokens(result.path, text), processor.encode(text)
        if got != expected:  # only an equally good split may differ: "?" "?????" against "?????" "?"
            ties += 1
            assert processor.decode(got) == processor.decode(expected) and len(got) == len(expected), text
            assert sum(map(processor.get_score, got)) == pytest.approx(sum(map(processor.get_score, expected))), text
    assert ties <= 2


def _no_charsmap(data: dict) -> None:
    data["normalizer"] = data["normalizer"]["normalizers"][1]  # the space-run Replace alone


def _t5_layout(data: dict) -> None:  # T5's own tokenizer.json: words split at whitespace, then Metaspace
    data["normalizer"] = data["normalizer"]["normalizers"][0]
    data["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, data["pre_tokenizer"]]}


def _prepend_layout(data: dict) -> None:  # no pre-tokenizer: the normalizer prepends and escapes spaces
    data["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "\u2581"}, {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}
    data["pre_tokenizer"] = None


@pytest.mark.parametrize("layout", [_no_charsmap, _t5_layout, _prepend_layout])
def test_unigram_tokenizer_json_layouts_tokenize_as_transformers(layout, tmp_path):
    import json
    import shutil

    src = checkpoints.tiny("llama-unigram")
    folder = tmp_path / "ckpt"
    shutil.copytree(src, folder, ignore=shutil.ignore_patterns("*.safetensors"))
    (folder / "model.safetensors").symlink_to(src / "model.safetensors")
    data = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    layout(data)
    (folder / "tokenizer.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = convert(folder, tmp_path / "u.gguf", "f16")
    assert parity.token_mismatches(folder, result.path) == []
