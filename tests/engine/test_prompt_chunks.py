"""Where prompts are cut: the template's opening, user turns after a long enough chunk, every
MAX_CHUNK tokens - and always the same cuts for the same tokens, whatever follows them."""
from __future__ import annotations

import random

from desktop.engine.prompt_chunks import MAX_CHUNK, MIN_TURN_CHUNK, PromptChunks, chunks_for, sample_renders

OPENING = (1, 2, 3)  # say <|im_start|> system \n
USER = (1, 4, 3)  # <|im_start|> user \n
CHATML = PromptChunks(OPENING, USER)


def words(n: int, seed: int = 0) -> list[int]:
    draw = random.Random(seed)
    return [draw.randrange(10, 1000) for _ in range(n)]


def test_without_a_template_long_prompts_are_cut_every_max_chunk_tokens() -> None:
    assert PromptChunks().cuts(words(5 * MAX_CHUNK + 20)) == [MAX_CHUNK * k for k in range(1, 6)]
    assert PromptChunks().cuts(words(MAX_CHUNK)) == []  # a cut is always strictly inside the prompt


def test_the_opening_is_a_chunk_of_its_own() -> None:
    prompt = [*OPENING, *words(20)]
    assert CHATML.cuts(prompt) == [3]
    assert CHATML.cuts([1, 2, 9, *words(20)]) == []  # not the opening: no cut


def test_a_user_turn_is_cut_only_after_a_chunk_worth_its_own_call() -> None:
    short_system = [*OPENING, *words(MIN_TURN_CHUNK - 1), *USER, *words(10)]
    long_system = [*OPENING, *words(MIN_TURN_CHUNK), *USER, *words(10)]
    assert CHATML.cuts(short_system) == [3]
    assert CHATML.cuts(long_system) == [3, 3 + MIN_TURN_CHUNK]


def test_a_conversation_is_cut_before_each_user_turn_and_within_long_ones() -> None:
    answer = words(MAX_CHUNK + MAX_CHUNK // 2, seed=1)
    prompt = [*OPENING, *words(40), *USER, *words(10), *answer, *USER, *words(5)]
    first_user = 3 + 40
    second_user = first_user + 3 + 10 + len(answer)
    assert CHATML.cuts(prompt) == [3, first_user, first_user + MAX_CHUNK, second_user]


def test_the_cuts_of_a_prefix_are_the_cuts_of_the_whole_prompt() -> None:
    """What makes reuse exact: the start of the next request (a conversation up to where the
    user's new words begin) is cut exactly as that request will be."""
    draw = random.Random(3)
    for trial in range(200):
        prompt = list(OPENING)
        for _ in range(draw.randint(1, 6)):
            prompt += [*USER, *words(draw.choice([2, 20, 40, 300, 600]), seed=trial)]
        whole = CHATML.cuts(prompt)
        for length in range(1, len(prompt)):
            settled = [c for c in whole if c <= length - len(USER)]
            assert [c for c in CHATML.cuts(prompt[:length]) if c <= length - len(USER)] == settled


def test_the_rule_is_read_from_the_template() -> None:
    def chatml(messages: list[dict]) -> str:  # like Qwen's: a default system message when none is given
        if messages[0]["role"] != "system":
            messages = [{"role": "system", "content": "You are helpful."}, *messages]
        text = "".join(f"<s>{m['role']}\n{m['content']}<e>\n" for m in messages)
        return text + "<s>assistant\n"

    def tokenize(text: str) -> list[int]:  # special markers are single tokens, the rest characters
        out, i = [], 0
        while i < len(text):
            for marker, token in (("<s>", 1), ("<e>", 2)):
                if text.startswith(marker, i):
                    out.append(token)
                    i += len(marker)
                    break
            else:
                out.append(ord(text[i]))
                i += 1
        return out

    chunks = chunks_for(sample_renders(chatml), tokenize)
    assert chunks.opening == (1, *map(ord, "system\n"))  # what every render starts with
    assert chunks.user_turn == (1, *map(ord, "user\n"))


def test_a_template_that_refuses_the_samples_gets_no_cuts_of_its_own() -> None:
    def refuse(messages: list[dict]) -> str:
        raise ValueError("roles must alternate")

    chunks = chunks_for(sample_renders(refuse), lambda text: [1])
    assert chunks == PromptChunks()
