"""What to do when a conversation outgrows the context window.

Policy: keep the system prompt and the newest messages; drop the oldest turns one message at a
time until the prompt plus room for the answer fits. The caller is told how many were dropped
(`Done.dropped_messages`) so the UI and CLI can say so. If the newest user message alone does not
fit, the request fails with both sizes named instead of silently cutting the user's words.
"""
from __future__ import annotations

from typing import Callable

from desktop.errors import HearthError

# Room kept for the answer when max_tokens is unlimited or larger than the context.
MIN_ANSWER_ROOM = 256


def answer_room(max_tokens: int | None, n_ctx: int) -> int:
    if max_tokens is None or max_tokens <= 0:
        return min(MIN_ANSWER_ROOM, n_ctx // 4)
    return min(max_tokens, n_ctx // 2)


def fit_messages(messages: list[dict], count_tokens: Callable[[list[dict]], int], n_ctx: int,
                 max_tokens: int | None) -> tuple[list[dict], int]:
    """Drop the oldest non-system messages until the prompt fits; return (messages, dropped)."""
    budget = n_ctx - answer_room(max_tokens, n_ctx)
    system = [m for m in messages if m["role"] == "system"][:1]
    rest = [m for m in messages if m not in system]
    dropped = 0
    while True:
        candidate = system + rest
        size = count_tokens(candidate)
        if size <= budget:
            return candidate, dropped
        if len(rest) <= 1:
            raise HearthError(f"the prompt is {size} tokens but the context is {n_ctx} tokens "
                              f"({n_ctx - budget} kept for the answer); shorten it or raise the context length")
        rest = rest[1:]
        dropped += 1
        # never start the kept history with an orphaned assistant answer
        while len(rest) > 1 and rest[0]["role"] == "assistant":
            rest = rest[1:]
            dropped += 1
