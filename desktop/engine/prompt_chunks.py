"""Where a prompt is cut into evaluation chunks, so a reused KV cache never changes a number.

llama.cpp's result for a token depends slightly on how the tokens around it were batched
(measured on the Qwen 0.5B: one 42-token prompt evaluated as 3 + 39 tokens gives final logits up
to 0.37 away from one batch of 42). A prompt cache that reuses whatever prefix happens to match -
llama-cpp-python's - therefore makes a seed give one answer on a warm engine and another on a
fresh one. Hearth cuts every prompt at places that depend on the prompt alone and reuses only
whole chunks: a warm engine computes exactly what a fresh one would, so seeds reproduce across
turns, restarts and machines with the same build.

The cuts, found by reading the prompt from the left:
- after the chat template's *opening*, the tokens every conversation starts with (such as
  `<|im_start|>system\\n`): evaluated once when the model loads, reused by every request;
- before each user turn (`<|im_start|>user\\n`) once the chunk before it holds at least
  `MIN_TURN_CHUNK` tokens: a system prompt, or a conversation up to the end of an answer, is then
  a whole chunk that the next request reuses. (The engine evaluates the finished conversation
  this way while the user reads the answer, so a follow-up only evaluates the new message.)
  A reused chunk saves all of its evaluation; one that is never reused costs a separate
  llama.cpp call, about 30 ms, what 7 tokens cost inside a call (Qwen2.5-0.5B, 2 threads, 4 ms a
  token). At 16 tokens a cut pays for itself once one request in three reuses the chunk. The
  default system prompt a template adds (Qwen2.5's: 18 tokens after the opening) is a chunk of
  its own, which every request without a system message reuses: 49 tokens evaluated per request
  fell to 29. A least of 8 also cut an 11-token system prompt seen only once, and a new
  conversation's first token came 1.23x later than plain llama-cpp-python's instead of 1.02x
  (bench/chat_bench.py, Qwen, 2 threads). Shorter chunks are not cut;
- every `MAX_CHUNK` tokens within a chunk: large batches, but short enough that a request never
  waits long for a chunk being prepared.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

MAX_CHUNK = 256  # as fast as 512 on the Qwen 0.5B (1,024 tokens: 4.33 s vs 4.53 s), and a
# request that arrives while a follow-up is prepared waits for at most one such chunk
MIN_TURN_CHUNK = 16

# Different conversations: what all renders start with is the opening; where two conversations
# that differ only in their last user message part is where that user's words begin.
_OPENING_SAMPLES = (
    [{"role": "system", "content": "Alpha."}, {"role": "user", "content": "Beta?"}],
    [{"role": "system", "content": "Gamma."}, {"role": "user", "content": "Delta!"}],
    [{"role": "user", "content": "Epsilon."}],
)
_TURN_SAMPLES = tuple(
    [{"role": "user", "content": "Zeta?"}, {"role": "assistant", "content": "Eta."}, {"role": "user", "content": last}]
    for last in ("Theta?", "Iota!")
)
MAX_TURN_OPENER = 8  # tokens; anything longer is not a turn opener but content


@dataclass(frozen=True)
class PromptChunks:
    """How prompts under one chat template are cut (see the module docstring)."""

    opening: tuple[int, ...] = ()
    user_turn: tuple[int, ...] = ()  # the tokens that open a user's turn, e.g. <|im_start|> user \n

    def cuts(self, tokens: Sequence[int]) -> list[int]:
        """The cut positions inside `tokens` (ascending, each strictly between 0 and its length)."""
        n = len(tokens)
        out: list[int] = []
        start = 0
        k = len(self.opening)
        if k and tuple(tokens[:k]) == self.opening and k < n:
            out.append(k)
            start = k
        for turn in self._user_turns(tokens, start):
            start = self._fill(out, start, turn)
            if turn - start >= MIN_TURN_CHUNK:
                out.append(turn)
                start = turn
        self._fill(out, start, n)
        return out

    @staticmethod
    def _fill(out: list[int], start: int, end: int) -> int:
        """Cut every MAX_CHUNK tokens from `start` while `end` is further than that."""
        while end - start > MAX_CHUNK:
            start += MAX_CHUNK
            out.append(start)
        return start

    def _user_turns(self, tokens: Sequence[int], after: int) -> list[int]:
        opener = self.user_turn
        if not opener:
            return []
        first, width = opener[0], len(opener)
        return [p for p in range(after + 1, len(tokens) - width + 1)
                if tokens[p] == first and tuple(tokens[p:p + width]) == opener]


def sample_renders(render: Callable[[list[dict]], str]) -> tuple[str, ...]:
    """The sample conversations rendered by the template (a sample it refuses renders as "").
    Rendered per request, because a template may put the date in its opening; the cut rule is
    worked out again only when these change."""
    out = []
    for messages in (*_OPENING_SAMPLES, *_TURN_SAMPLES):
        try:
            out.append(render(messages))
        except Exception:  # noqa: BLE001 - a sample the template refuses just doesn't count
            out.append("")
    return tuple(out)


def chunks_for(renders: Sequence[str], tokenize: Callable[[str], list[int]]) -> PromptChunks:
    """The cut rule for the template that rendered `sample_renders` (no cuts it cannot find)."""
    opening_texts = [text for text in renders[:len(_OPENING_SAMPLES)] if text]
    if len(opening_texts) < 2:
        return PromptChunks()
    opening = common_prefix([tokenize(text) for text in opening_texts])
    turns = [tokenize(text) for text in renders[len(_OPENING_SAMPLES):] if text]
    return PromptChunks(tuple(opening), _user_turn(opening, turns) if len(turns) == 2 else ())


def common_prefix(token_lists: Sequence[Sequence[int]]) -> list[int]:
    """The tokens every list starts with."""
    common = 0
    shortest = min(len(tokens) for tokens in token_lists)
    while common < shortest and len({tokens[common] for tokens in token_lists}) == 1:
        common += 1
    return list(token_lists[0][:common])


def _user_turn(opening: Sequence[int], turns: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """The tokens between the turn marker and the last user's words in the two-turn samples.
    The marker is the opening's token that starts every turn (for ChatML `<|im_start|>`; a BOS
    token before it occurs once)."""
    words_at = len(common_prefix(turns))
    sample = turns[0]
    for marker in opening:
        if sample.count(marker) < 3:  # user, assistant, user (and the generation prompt)
            continue
        start = max(p for p in range(words_at) if sample[p] == marker)
        opener = tuple(sample[start:words_at])
        return opener if 1 < len(opener) <= MAX_TURN_OPENER else ()
    return ()
