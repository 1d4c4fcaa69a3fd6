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
    """Drop the oldest non-system messages until the prompt fits; return (messages, dropped).

    The kept history never starts with an assistant answer whose question was dropped. Fewer
    messages never make a longer prompt, so the shortest cut that fits is found by bisection:
    a few renders of the conversation instead of one per dropped message."""
    budget = n_ctx - answer_room(max_tokens, n_ctx)
    system = [m for m in messages if m["role"] == "system"][:1]
    rest = [m for m in messages if m not in system]
    # where the kept history may start: nothing dropped, a message that is not an answer, or the last one
    starts = sorted({0, max(len(rest) - 1, 0)} | {k for k, m in enumerate(rest) if m["role"] != "assistant"})
    sizes: dict[int, int] = {}

    def size(start: int) -> int:
        if start not in sizes:
            sizes[start] = count_tokens(system + rest[start:])
        return sizes[start]

    if size(0) <= budget:  # the usual case: everything fits, one render
        return system + rest, 0
    low, high = 0, len(starts) - 1
    if size(starts[high]) > budget:
        raise HearthError(f"the prompt is {size(starts[high])} tokens but the context is {n_ctx} tokens "
                          f"({n_ctx - budget} kept for the answer); shorten it or raise the context length")
    while low < high:  # the first start that fits; starts[high] always fits
        middle = (low + high) // 2
        if size(starts[middle]) <= budget:
            high = middle
        else:
            low = middle + 1
    return system + rest[starts[low]:], starts[low]
