"""Comparing a converted gguf with the Hugging Face checkpoint it came from: tokens and logits."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from checkpoints import CORPUS


def llama_cpp_tokens(gguf_path: Path, text: str) -> list[int]:
    import llama_cpp

    llm = llama_cpp.Llama(str(gguf_path), vocab_only=True, verbose=False)
    try:
        return llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
    finally:
        llm.close()


def reference_tokenizer(checkpoint: Path):
    """transformers' tokenizer for the checkpoint: text -> ids as the model was trained with.

    For SentencePiece models that is `SentencePieceBackend` (it runs tokenizer.model itself); the
    `tokenizers` conversion of an SPM model splits whitespace runs differently from SentencePiece.
    """
    from transformers import AutoTokenizer
    from transformers.tokenization_utils_sentencepiece import SentencePieceBackend

    fast = AutoTokenizer.from_pretrained(checkpoint)
    if not (checkpoint / "tokenizer.model").is_file():
        return lambda text: fast(text)["input_ids"]
    spm = SentencePieceBackend(vocab_file=str(checkpoint / "tokenizer.model"))
    bos = fast("")["input_ids"]  # the special tokens the checkpoint adds around text (BOS or nothing)
    return lambda text: bos + spm(text, add_special_tokens=False)["input_ids"]


def token_mismatches(checkpoint: Path, gguf_path: Path, always_prefix: bool = False) -> list[tuple[str, list[int], list[int]]]:
    """Corpus lines where llama.cpp's tokens differ from transformers' (empty when at parity).

    `always_prefix`: the tokenizer is a Metaspace one that `tokenizers` leaves without its `▁` prefix
    when the text already begins with a space; llama.cpp, like SentencePiece itself, always adds it,
    so such a text is compared with transformers' tokens of one more leading space."""
    tokenize = reference_tokenizer(checkpoint)
    found = []
    for text in [*CORPUS, "\n".join(CORPUS)]:
        expected = tokenize(" " + text if always_prefix and text.startswith(" ") else text)
        got = llama_cpp_tokens(gguf_path, text)
        if got != expected:
            found.append((text, expected, got))
    return found


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits.astype(np.float64)
    logits -= logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))


def reference_logits(checkpoint: Path, tokens: list[int]) -> np.ndarray:
    """transformers' next-token logits (float32) for every position of `tokens`."""
    import json

    import torch
    import transformers

    # the checkpoint's own class: multimodal ones (Mistral 3) are not registered for AutoModelForCausalLM
    architecture = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))["architectures"][0]
    model = getattr(transformers, architecture).from_pretrained(checkpoint, dtype=torch.float32)
    with torch.no_grad():
        return model(input_ids=torch.tensor([tokens])).logits[0].numpy()


def llama_cpp_logits(gguf_path: Path, tokens: list[int]) -> np.ndarray:
    """llama.cpp's next-token logits for every position of `tokens`."""
    import llama_cpp

    llm = llama_cpp.Llama(str(gguf_path), n_ctx=len(tokens) + 8, logits_all=True, verbose=False)
    try:
        llm.eval(tokens)
        return np.array(llm.scores[: len(tokens)])
    finally:
        llm.close()


def agreement(expected: np.ndarray, got: np.ndarray) -> tuple[float, float]:
    """(mean KL divergence of `got` from `expected`, top-1 agreement)."""
    ref, res = _log_softmax(expected), _log_softmax(got)
    kld = float((np.exp(ref) * (ref - res)).sum(axis=-1).mean())
    top1 = float((ref.argmax(-1) == res.argmax(-1)).mean())
    return kld, top1


def logit_agreement(checkpoint: Path, gguf_path: Path, text: str = "\n".join(CORPUS)) -> tuple[float, float]:
    """(mean KL divergence of llama.cpp from transformers, top-1 agreement) over `text`'s tokens."""
    tokens = llama_cpp_tokens(gguf_path, text)
    return agreement(reference_logits(checkpoint, tokens), llama_cpp_logits(gguf_path, tokens))
