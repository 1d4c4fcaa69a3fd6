"""A Unigram tokenizer.json's text handling, as the settings of llama.cpp's Unigram tokenizer ("t5").

llama.cpp's Unigram tokenizer (UGM) runs SentencePiece's Viterbi search over the text after a fixed
normalization: an optional SentencePiece character map (`precompiled_charsmap`), optional removal of
extra spaces, spaces written as `▁`, and an optional `▁` before the text. A tokenizer.json spells
the same steps as `tokenizers` normalizer and pre-tokenizer sections; this module reads those
sections into the three gguf settings, and refuses steps llama.cpp has no way to repeat, since a
silently different normalization would tokenize differently.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from desktop.errors import HearthError

SPACE = "\u2581"  # SentencePiece's visible space


@dataclass(frozen=True)
class UnigramText:
    """How llama.cpp must prepare text for a Unigram tokenizer (the gguf tokenizer.ggml.* settings)."""

    add_space_prefix: bool
    remove_extra_whitespaces: bool
    precompiled_charsmap: bytes | None


def _steps(section: dict | None, key: str) -> list[dict]:
    """A normalizer or pre-tokenizer section as a flat list of steps (a Sequence is unpacked)."""
    if not section:
        return []
    if section.get("type") == "Sequence":
        return [step for inner in section.get(key) or [] for step in _steps(inner, key)]
    return [section]


def _is_space_run(step: dict) -> bool:
    """Replace(" {2,}" -> one space or `▁`): how `tokenizers` spells SentencePiece's extra-space removal."""
    pattern = step.get("pattern") or {}
    return pattern.get("Regex", pattern.get("String")) == " {2,}" and step.get("content") in (" ", SPACE)


def byte_fallback_refused(source: str) -> HearthError:
    return HearthError(f"{source}: the Unigram tokenizer falls back to bytes, which llama.cpp's Unigram tokenizer "
                       "cannot (text outside the vocabulary would become <unk>)")


def _refuse(what: str) -> HearthError:
    return HearthError(f"tokenizer.json's Unigram tokenizer uses {what}, which llama.cpp's Unigram tokenizer "
                       "cannot repeat; add the model's SentencePiece tokenizer.model")


def unigram_text(data: dict) -> UnigramText:
    """The text settings of a Unigram tokenizer.json (parsed as `data`), or a one-line refusal."""
    charsmap, merge_spaces, prefix, escapes_spaces = None, False, False, False
    for step in _steps(data.get("normalizer"), "normalizers"):
        kind = step.get("type")
        if kind == "Precompiled":
            try:
                charsmap = base64.b64decode(step.get("precompiled_charsmap") or "", validate=True) or None
            except (binascii.Error, ValueError):
                raise HearthError("tokenizer.json's precompiled_charsmap is not valid base64; download it again") from None
        elif kind == "Replace" and _is_space_run(step):
            merge_spaces = True
        elif kind == "Strip":
            pass  # llama.cpp strips the text's ends when it removes extra spaces; alone, only ends differ
        elif kind == "Prepend" and step.get("prepend") == SPACE:
            prefix = True
        elif kind == "Replace" and (step.get("pattern") or {}).get("String") == " " and step.get("content") == SPACE:
            escapes_spaces = True
        else:
            raise _refuse(f"the normalizer step {json.dumps(step, ensure_ascii=False)[:80]}")
    for step in _steps(data.get("pre_tokenizer"), "pretokenizers"):
        kind = step.get("type")
        if kind == "Metaspace" and step.get("replacement", SPACE) == SPACE:
            escapes_spaces = True
            scheme = step.get("prepend_scheme", "always" if step.get("add_prefix_space", True) else "never")
            prefix = prefix or scheme != "never"
        elif kind == "WhitespaceSplit":
            merge_spaces = True  # words split at whitespace runs, which leave no token of their own
        else:
            raise _refuse(f"the pre-tokenizer step {json.dumps(step, ensure_ascii=False)[:80]}")
    if not escapes_spaces:
        raise _refuse("no Metaspace step (spaces are not written as ▁)")
    return UnigramText(prefix, merge_spaces, charsmap)
