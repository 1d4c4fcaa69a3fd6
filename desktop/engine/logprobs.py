"""Per-token log probabilities, computed from the one logits row the sampler chose a token from.

Which row: the model's logits after the constraint mask, the repetition penalties and DRY - every
stage that reshapes the distribution - and before top-k, top-p, min-p, XTC and temperature, which
only narrow or sharpen it (`desktop.engine.sampler_chain` records that row when asked). So:

- a greedy answer (temperature 0) always picks the top-1 entry;
- a sampled token is always present, with a finite logprob;
- under a constraint every disallowed token has probability 0 and never appears: the
  probabilities are renormalised over the tokens the grammar allows at that step.

Pure numpy and plain data: the worker calls `token_logprob` once per generated token, only for
requests that ask for logprobs, so an answer that does not ask costs nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

MAX_TOP_LOGPROBS = 20  # OpenAI's limit for top_logprobs


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log p for each entry; -inf entries (masked tokens) stay -inf."""
    row = logits.astype(np.float64, copy=False)
    peak = np.max(row)
    if not np.isfinite(peak):
        raise ValueError("every token is masked: there is no distribution to report")
    shifted = row - peak
    return shifted - np.log(np.sum(np.exp(shifted)))


def entry(token: int, logprob: float, piece: bytes) -> dict[str, Any]:
    """One token as OpenAI writes it: text (undecodable bytes escaped, as OpenAI does for a token
    that is part of a character), logprob and the raw UTF-8 bytes."""
    return {"token": piece.decode("utf-8", errors="backslashreplace"), "logprob": float(logprob),
            "bytes": list(piece)}


def token_logprob(logits: np.ndarray, chosen: int, top: int,
                  piece: Callable[[int], bytes]) -> dict[str, Any]:
    """The chosen token's entry with its `top` most likely alternatives (0-20), most likely first;
    tokens with probability 0 (masked) are never listed, so fewer may come back."""
    logprobs = log_softmax(logits)
    result = entry(chosen, logprobs[chosen], piece(chosen))
    top = max(0, min(top, MAX_TOP_LOGPROBS))
    alternatives: list[dict[str, Any]] = []
    if top:
        candidates = np.argpartition(-logprobs, top - 1)[:top] if top < len(logprobs) else np.arange(len(logprobs))
        ranked = sorted(candidates.tolist(), key=lambda t: (-logprobs[t], t))
        alternatives = [entry(t, logprobs[t], piece(t)) for t in ranked if np.isfinite(logprobs[t])]
    result["top_logprobs"] = alternatives
    return result
