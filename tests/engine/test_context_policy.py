"""When a conversation outgrows the context: keep the system prompt and the newest messages."""
from __future__ import annotations

import pytest

from desktop.engine.context_policy import fit_messages
from desktop.errors import HearthError


def words(messages: list[dict]) -> int:
    """A stand-in tokenizer: one token per word, plus two per message for the template's markers."""
    return sum(len(m["content"].split()) + 2 for m in messages)


def chat(*contents: str) -> list[dict]:
    roles = ["user", "assistant"]
    return [{"role": "system", "content": "be brief"}] + [
        {"role": roles[i % 2], "content": text} for i, text in enumerate(contents)]


class CountedRenders:
    """`words`, remembering how many messages each render had."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, candidate: list[dict]) -> int:
        self.calls.append(len(candidate))
        return words(candidate)


def test_a_conversation_that_fits_is_left_alone_after_one_render() -> None:
    messages = chat(*[f"message {i}" for i in range(99)])
    counting = CountedRenders()
    assert fit_messages(messages, counting, n_ctx=1000, max_tokens=16) == (messages, 0)
    assert counting.calls == [100]


def test_the_oldest_turns_go_first_and_the_system_prompt_stays() -> None:
    messages = chat("one " * 20, "two " * 20, "three " * 20, "four " * 20, "five")
    kept, dropped = fit_messages(messages, words, n_ctx=100, max_tokens=20)
    assert kept[0]["content"] == "be brief"
    assert [m["content"] for m in kept[1:]] == [m["content"] for m in messages[3:]]
    assert dropped == 2 and words(kept) <= 80


def test_the_kept_history_never_starts_with_an_orphaned_answer() -> None:
    messages = chat("q " * 30, "a " * 5, "q2 " * 5, "a2", "q3")
    kept, dropped = fit_messages(messages, words, n_ctx=60, max_tokens=20)
    assert kept[1]["role"] == "user" and dropped == 2


def test_as_few_messages_are_dropped_as_possible_with_few_renders() -> None:
    messages = chat(*[f"message number {i}" for i in range(401)])
    counting = CountedRenders()
    kept, dropped = fit_messages(messages, counting, n_ctx=1000, max_tokens=100)
    assert words(kept) <= 900 and words(system_plus(messages, dropped - 2)) > 900
    assert len(counting.calls) <= 12  # bisection over 200 places to cut, not one render per dropped message


def system_plus(messages: list[dict], dropped: int) -> list[dict]:
    return messages[:1] + messages[1 + dropped:]


def test_a_last_message_larger_than_the_context_names_both_sizes() -> None:
    with pytest.raises(HearthError, match=r"the prompt is \d+ tokens but the context is 64 tokens"):
        fit_messages(chat("word " * 100), words, n_ctx=64, max_tokens=16)
