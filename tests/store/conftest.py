"""A real store in the test's own HEARTH_HOME, and a small conversation with a branch in it."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.store import Store


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open() as opened:
        yield opened


@pytest.fixture
def chat(store: Store) -> dict:
    """Session: system prompt, a user question, two answers (the second regenerated, so active)."""
    sid = store.create_session(system_prompt="Be brief.", model="smollm2-135m",
                               params={"temperature": 0.2})
    question = store.add_message(sid, "user", "What is the capital of France?")
    first = store.begin_assistant(sid, question.id, model_file="SmolLM2.gguf", model_sha256="ab" * 32,
                                  params={"temperature": 0.2, "seed": None})
    first = store.finish_assistant(first.id, "Paris.", "stop",
                                   metrics={"prompt_tokens": 12, "completion_tokens": 2,
                                            "ttft_s": 0.05, "decode_tok_s": 80.0}, seed=7)
    second = store.begin_assistant(sid, question.id, model_file="SmolLM2.gguf")
    second = store.finish_assistant(second.id, "The capital is Paris.", "stop", seed=8)
    return {"sid": sid, "question": question, "first": first, "second": second}
