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

SPACE = "\u2581"  # SentencePiece's visible space
FIXTURES = Path(os.environ.get("HEARTH_CONVERT_FIXTURES", Path.home() / ".cache" / "hearth" / "convert-fixtures"))
VERSION = "3"  # bump to rebuild every cached checkpoint after changing how they are made

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
        # dequantizing is fastest in float32; the checkpoint is saved in bf16 as published models are
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, dtype=torch.float32,
                                                     quantization_config=GgufConfig(dequantize=True), **kwargs)
        model.to(torch.bfloat16).save_pretrained(folder, safe_serialization=True)
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


# --- tiny random checkpoints, one per family ---------------------------------------------------------

LLAMA3_REGEX = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
QWEN2_REGEX = PUBLISHED_PRE_TOKENIZERS["qwen2"]["pretokenizers"][0]["pattern"]["Regex"]
# GPT-4o's o200k split (Phi-4-mini) and Mistral's Tekken, as their tokenizer.json files write them
_CASED = ("[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+%s"
          "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*%s")
GPT4O_REGEX = (_CASED % (("(?i:'s|'t|'re|'ve|'m|'ll|'d)?",) * 2)
               + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
TEKKEN_REGEX = _CASED % ("", "") + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
TRAINING_TEXT = CORPUS * 40 + [" ".join(f"word{i} token{i * 7} value{i % 13}" for i in range(j, j + 50))
                               for j in range(0, 2000, 50)]


def trained_bpe(folder: Path, regex: str, bos: str, eos: str, extra: list[str], nfc: bool,
                ignore_merges: bool = False) -> int:
    """A small byte-level BPE tokenizer with a given split regex (Llama 3, Qwen2, ... style); returns its size."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(regex), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    if nfc:
        tok.normalizer = normalizers.NFC()
    specials = [bos, eos, *extra]
    tok.train_from_iterator(TRAINING_TEXT, trainers.BpeTrainer(
        vocab_size=800, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=specials,
        show_progress=False))
    add_bos = bos in ("<|begin_of_text|>", "<s>")  # Llama 3 and Tekken prepend BOS
    if add_bos:
        tok.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, tok.token_to_id(bos))])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=bos, eos_token=eos)
    fast.chat_template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
                          "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    fast.save_pretrained(folder)
    return tok.get_vocab_size()


def trained_spm(folder: Path, add_dummy_prefix: bool, tokenizer_class: str, added: tuple[str, ...] = ()) -> int:
    """A small SentencePiece BPE model with byte fallback, like Llama 2's / Gemma's; returns its size."""
    import io

    import sentencepiece
    from transformers import AutoTokenizer

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(TRAINING_TEXT), model_writer=model, model_type="bpe", vocab_size=700,
        byte_fallback=True, character_coverage=1.0, normalization_rule_name="identity",
        remove_extra_whitespaces=False, add_dummy_prefix=add_dummy_prefix, split_digits=True,
        allow_whitespace_only_pieces=True, hard_vocab_limit=False, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        minloglevel=2)
    (folder / "tokenizer.model").write_bytes(model.getvalue())
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": tokenizer_class, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "add_bos_token": True, "add_eos_token": False, "legacy": False}), encoding="utf-8")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if added:
        tokenizer.add_special_tokens({"additional_special_tokens": list(added)})
    tokenizer.save_pretrained(folder)
    return len(tokenizer)


def unigram_sentencepiece() -> bytes:
    """A small SentencePiece Unigram model, T5's layout (pad 0, eos 1, unk 2, no bos), default NFKC map."""
    import io

    import sentencepiece

    stream = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(TRAINING_TEXT), model_writer=stream, model_type="unigram", vocab_size=700,
        character_coverage=0.9995, hard_vocab_limit=False, pad_id=0, eos_id=1, unk_id=2, bos_id=-1, minloglevel=2)
    return stream.getvalue()


def trained_unigram(folder: Path) -> int:
    """A T5-style Unigram tokenizer given only as tokenizer.json; returns its size.

    SentencePiece trains the pieces and their scores (with its default NFKC character map, extra
    spaces removed, rare characters left to <unk>); the `tokenizers` library then builds the
    tokenizer.json the way T5-derived repositories ship it: the character map as a Precompiled
    normalizer, space runs collapsed, a Metaspace pre-tokenizer, no tokenizer.model."""
    from sentencepiece import sentencepiece_model_pb2
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(unigram_sentencepiece())
    tok = Tokenizer(models.Unigram([(p.piece, p.score) for p in proto.pieces], proto.trainer_spec.unk_id, False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(proto.normalizer_spec.precompiled_charsmap),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=SPACE, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=SPACE, prepend_scheme="always")
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    fast.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    fast.save_pretrained(folder)
    return len(fast)


def tokenizer_class(folder: Path, size: int, name: str) -> int:
    """Set tokenizer_config.json's class as the published model does (llama.cpp's converter reads it)."""
    path = folder / "tokenizer_config.json"
    path.write_text(json.dumps({**json.loads(path.read_text(encoding="utf-8")), "tokenizer_class": name}), encoding="utf-8")
    return size


def tokenizer_json_only(folder: Path, size: int) -> int:
    """Drop tokenizer.model, as many repositories do: the SentencePiece model lives on in tokenizer.json."""
    (folder / "tokenizer.model").unlink()
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.pop("vocab_file", None)
    config_path.write_text(json.dumps(config), encoding="utf-8")
    return size


SMALL = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=256, tie_word_embeddings=False)

# family -> (transformers config class name, extra config, tokenizer maker)
TINY = {
    "llama3": ("LlamaConfig", {"rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                                   "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                   "original_max_position_embeddings": 64}},
               lambda f: trained_bpe(f, LLAMA3_REGEX, "<|begin_of_text|>", "<|end_of_text|>", ["<|im_start|>", "<|im_end|>"], False)),
    "mistral": ("MistralConfig", {"sliding_window": None},
                lambda f: trained_spm(f, True, "LlamaTokenizer")),
    "qwen2": ("Qwen2Config", {"tie_word_embeddings": True},
              lambda f: trained_bpe(f, QWEN2_REGEX, "<|endoftext|>", "<|im_end|>", ["<|im_start|>"], True)),
    "qwen3": ("Qwen3Config", {"head_dim": 32},
              lambda f: trained_bpe(f, QWEN2_REGEX, "<|endoftext|>", "<|im_end|>", ["<|im_start|>"], True)),
    # query_pre_attn_scalar = head_dim as in the published Gemma models (llama.cpp assumes it)
    "gemma2": ("Gemma2Config", {"head_dim": 16, "query_pre_attn_scalar": 16, "tie_word_embeddings": True,
                                "sliding_window": 128},
               lambda f: trained_spm(f, False, "GemmaTokenizer")),
    "gemma3": ("Gemma3TextConfig", {"head_dim": 16, "query_pre_attn_scalar": 16, "tie_word_embeddings": True,
                                    "sliding_window": 128},
               lambda f: trained_spm(f, False, "GemmaTokenizer")),
    # the multimodal class: text model under language_model.*, plus a vision tower to leave out
    "gemma3-vision": ("Gemma3Config", {"vision_config": {"hidden_size": 32, "intermediate_size": 64,
                                                          "num_hidden_layers": 1, "num_attention_heads": 2,
                                                          "image_size": 28, "patch_size": 14},
                                       "mm_tokens_per_image": 4},
                      lambda f: trained_spm(f, False, "GemmaTokenizer")),
    "granite": ("GraniteConfig", {"embedding_multiplier": 12.0, "residual_multiplier": 0.22,
                                  "attention_multiplier": 0.0078125, "logits_scaling": 8.0},
                lambda f: trained_bpe(f, LLAMA3_REGEX, "<|begin_of_text|>", "<|end_of_text|>", ["<|im_start|>", "<|im_end|>"], False)),
    "olmo2": ("Olmo2Config", {},
              lambda f: trained_bpe(f, LLAMA3_REGEX, "<|begin_of_text|>", "<|end_of_text|>", ["<|im_start|>", "<|im_end|>"], False)),
    # Ministral 3: YaRN rope with Llama 4 attention temperature (positions past 32 get scaled)
    "ministral3": ("Ministral3Config", {"head_dim": 16, "rope_parameters": {
        "rope_type": "yarn", "type": "yarn", "rope_theta": 1000000.0, "factor": 4.0, "beta_fast": 32.0,
        "beta_slow": 1.0, "mscale": 1.0, "mscale_all_dim": 1.0, "llama_4_scaling_beta": 0.1,
        "original_max_position_embeddings": 64, "max_position_embeddings": 256}},
                   lambda f: trained_bpe(f, TEKKEN_REGEX, "<s>", "</s>", ["[INST]", "[/INST]"], False, ignore_merges=True)),
    # Mistral Small 3.x's class: the text model under language_model.*, a Pixtral vision tower to leave out
    "mistral3-vision": ("Mistral3Config", {"vision_config": {"model_type": "pixtral", "hidden_size": 32,
                                                             "intermediate_size": 64, "num_hidden_layers": 1,
                                                             "num_attention_heads": 2, "image_size": 28,
                                                             "patch_size": 14, "head_dim": 16},
                                           "text_overrides": {"model_type": "mistral", "sliding_window": None}},
                        lambda f: trained_bpe(f, TEKKEN_REGEX, "<s>", "</s>", ["[INST]", "[/INST]"], False,
                                              ignore_merges=True)),
    # Phi-4-mini: the phi3 graph with a quarter of each head unrotated, tied embeddings, o200k BPE
    "phi4-mini": ("Phi3Config", {"partial_rotary_factor": 0.75, "tie_word_embeddings": True, "pad_token_id": 0,
                                 "bos_token_id": 1, "eos_token_id": 2},
                  lambda f: tokenizer_class(f, trained_bpe(f, GPT4O_REGEX, "<|endoftext|>", "<|end|>",
                                                           ["<|user|>", "<|assistant|>"], False), "GPT2Tokenizer")),
    # mixture of experts: 4 experts, 2 per token; Qwen2-MoE adds a shared expert with its own gate
    "qwen2-moe": ("Qwen2MoeConfig", {"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
                                     "shared_expert_intermediate_size": 64},
                  lambda f: trained_bpe(f, QWEN2_REGEX, "<|endoftext|>", "<|im_end|>", ["<|im_start|>"], True)),
    "qwen3-moe": ("Qwen3MoeConfig", {"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
                                     "head_dim": 32, "norm_topk_prob": True},
                  lambda f: trained_bpe(f, QWEN2_REGEX, "<|endoftext|>", "<|im_end|>", ["<|im_start|>"], True)),
    # experts saved fused (experts.gate_up_proj / experts.down_proj), as transformers holds them in memory
    "qwen3-moe-fused": ("Qwen3MoeConfig", {"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
                                           "head_dim": 32, "norm_topk_prob": True},
                        lambda f: trained_bpe(f, QWEN2_REGEX, "<|endoftext|>", "<|im_end|>", ["<|im_start|>"], True)),
    # tied embeddings: llama.cpp's qwen2moe graph still needs output.weight (experts fused too)
    "qwen2-moe-tied": ("Qwen2MoeConfig", {"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
                                          "shared_expert_intermediate_size": 64, "tie_word_embeddings": True},
                       lambda f: trained_bpe(f, QWEN2_REGEX, "<|endoftext|>", "<|im_end|>", ["<|im_start|>"], True)),
    # a T5-style Unigram vocabulary, tokenizer.json only, on a llama model
    "llama-unigram": ("LlamaConfig", {}, trained_unigram),
    # the case: Gemma 3 whose SentencePiece BPE tokenizer ships only as tokenizer.json
    "gemma3-json": ("Gemma3TextConfig", {"head_dim": 16, "query_pre_attn_scalar": 16, "tie_word_embeddings": True,
                                         "sliding_window": 128},
                    lambda f: tokenizer_json_only(f, trained_spm(f, False, "GemmaTokenizer"))),
    # Llama 2 / Mistral style: Metaspace pre-tokenizer with a space prefix, tokenizer.json only
    "mistral-json": ("MistralConfig", {"sliding_window": None},
                     lambda f: tokenizer_json_only(f, trained_spm(f, True, "LlamaTokenizer"))),
    "phi3": ("Phi3Config", {"pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2},
             lambda f: trained_spm(f, True, "LlamaTokenizer", ("<|endoftext|>", "<|assistant|>", "<|end|>", "<|user|>"))),
    # Phi-3.5-style long context: texts longer than original_max_position_embeddings use long factors
    "phi3-longrope": ("Phi3Config", {"pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2,
                                     "original_max_position_embeddings": 64,
                                     "rope_parameters": {"rope_type": "longrope", "rope_theta": 10000.0,
                                                         "long_factor": [1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0],
                                                         "short_factor": [1.0, 1.0, 1.1, 1.2, 1.3, 1.5, 1.8, 2.0],
                                                         "original_max_position_embeddings": 64}},
                      lambda f: trained_spm(f, True, "LlamaTokenizer", ("<|endoftext|>", "<|assistant|>", "<|end|>", "<|user|>"))),
}
CAUSAL_LM = {"Gemma3TextConfig": "Gemma3ForCausalLM", "Gemma3Config": "Gemma3ForConditionalGeneration",
             "Mistral3Config": "Mistral3ForConditionalGeneration"}
NESTED_TEXT_CONFIG = {"Gemma3Config", "Mistral3Config"}  # multimodal configs: the text model's settings go in text_config
# saved as the model holds its weights in memory: transformers' save_pretrained would write
# one tensor per expert again
FUSED_EXPERTS = {"qwen3-moe-fused", "qwen2-moe-tied"}


def _save_fused(model, folder: Path) -> None:
    from safetensors.torch import save_file

    state = model.state_dict()
    if model.config.tie_word_embeddings:
        state.pop("lm_head.weight", None)
    save_file({k: v.contiguous() for k, v in state.items()}, str(folder / "model.safetensors"), metadata={"format": "pt"})
    model.config.architectures = [type(model).__name__]
    model.config.save_pretrained(folder)


def tiny(name: str, dtype: str = "float32") -> Path:
    """A tiny randomly initialised checkpoint of `name` (see TINY) with its own trained tokenizer."""

    def build(folder: Path) -> None:
        import torch
        import transformers

        config_class, extra, make_tokenizer = TINY[name]
        vocab = make_tokenizer(folder)
        extra = dict(extra)
        text = {**SMALL, "vocab_size": vocab, "head_dim": 16, "query_pre_attn_scalar": 16, "sliding_window": 128,
                **extra.pop("text_overrides", {})}
        if config_class in NESTED_TEXT_CONFIG:
            config = getattr(transformers, config_class)(text_config=text, **extra)
        else:
            config = getattr(transformers, config_class)(**{**SMALL, **extra, "vocab_size": vocab})
        torch.manual_seed(0)
        if config_class in CAUSAL_LM:
            model = getattr(transformers, CAUSAL_LM[config_class])(config)
        else:
            model = transformers.AutoModelForCausalLM.from_config(config)
        with torch.no_grad():  # random init with real spread, so logit comparisons mean something
            for pname, param in model.named_parameters():
                if param.dim() >= 2:  # a wide embedding/head gives peaked predictions, few near-ties
                    param.normal_(0.0, 1.0 if "embed" in pname or "lm_head" in pname else 0.15)
                else:
                    param.uniform_(0.5, 1.5)
        model.to(getattr(torch, dtype))
        if name in FUSED_EXPERTS:
            _save_fused(model, folder)
        else:
            model.save_pretrained(folder, safe_serialization=True)

    return _cached(f"tiny-{name}-{dtype}", build)


def llama_cpp_conversions() -> dict[str, Path]:
    """Every tiny checkpoint converted to f16 by llama.cpp's own converter, in one process, cached."""
    import hashlib
    import subprocess

    import llama_cpp_reference

    names = sorted(TINY)
    digest = hashlib.sha256(" ".join(names).encode()).hexdigest()[:10]

    def build(folder: Path) -> None:
        pairs = [(tiny(name), folder / f"{name}.gguf") for name in names]
        proc = subprocess.run(llama_cpp_reference.command(pairs), capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"llama.cpp's converter failed: {proc.stderr[-3000:]}")

    folder = _cached(f"llama-cpp-reference-{digest}", build)
    return {name: folder / f"{name}.gguf" for name in names}

