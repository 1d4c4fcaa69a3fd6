"""Which llama.cpp pre-tokenizer a Hugging Face BPE tokenizer uses, read from its own configuration.

llama.cpp's converter hashes the token ids of a test string and looks the hash up in a list that
must be regenerated for every new model. The pre-tokenizer is really a property of tokenizer.json's
`pre_tokenizer` section (a split regex, a digit splitter, byte-level flags), so this table maps that
structure to the name llama.cpp expects in `tokenizer.ggml.pre`. Parity tests prove each entry.
"""
from __future__ import annotations

from desktop.errors import HearthError

LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
# GPT-4o's o200k split (Phi-4-mini) and Mistral's Tekken (Mistral Nemo, Ministral, Mistral Small 3):
# case-aware word splitting, as written in those models' tokenizer.json.
_CASED_WORDS = (r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+{s}"
                r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*{s}")
_CONTRACTIONS = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
GPT4O_REGEX = (_CASED_WORDS.replace("{s}", _CONTRACTIONS)
               + r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+")
TEKKEN_REGEX = _CASED_WORDS.replace("{s}", "") + r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"

# (step, setting) sequence of the pre_tokenizer -> llama.cpp name
KNOWN: dict[tuple[tuple[str, object], ...], str] = {
    (("split", LLAMA3_REGEX), ("byte_level", False)): "llama-bpe",
    (("split", QWEN2_REGEX), ("byte_level", False)): "qwen2",
    (("split", GPT4O_REGEX), ("byte_level", False)): "gpt-4o",
    (("split", TEKKEN_REGEX), ("byte_level", False)): "tekken",
    (("digits", True), ("byte_level", True)): "smollm",
    (("byte_level", True),): "gpt-2",
}


def signature(pre_tokenizer: dict | None) -> tuple[tuple[str, object], ...]:
    """The parts of a tokenizer.json `pre_tokenizer` that decide how text is split."""
    if not pre_tokenizer:
        return ()
    steps = pre_tokenizer.get("pretokenizers", []) if pre_tokenizer.get("type") == "Sequence" else [pre_tokenizer]
    parts: list[tuple[str, object]] = []
    for step in steps:
        kind = step.get("type")
        if kind == "Split":
            pattern = step.get("pattern", {})
            parts.append(("split", pattern.get("Regex", pattern.get("String"))))
        elif kind == "ByteLevel":
            parts.append(("byte_level", bool(step.get("use_regex", True))))
        elif kind == "Digits":
            parts.append(("digits", bool(step.get("individual_digits", False))))
        else:
            parts.append((str(kind), None))
    return tuple(parts)


def pre_tokenizer_name(tokenizer_json: dict) -> str:
    """llama.cpp's name for this tokenizer's pre-tokenizer, or a one-line error."""
    found = KNOWN.get(signature(tokenizer_json.get("pre_tokenizer")))
    if found is None:
        raise HearthError("the tokenizer's pre-tokenizer is not one llama.cpp implements here "
                          f"(known: {', '.join(sorted(set(KNOWN.values())))}); the model would tokenize wrongly")
    return found
