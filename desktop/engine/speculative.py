"""Speculative decoding: an answer decoded alone checks a draft of its next tokens in one batch.

The batch holds the answer's pending token and the draft (desktop.engine.prompt_lookup), with
logits for every position. The answer's own sampler chain then picks token by token, exactly as
plain decoding would, from the logits after each position: while its pick equals the draft's
next token, the logits after that token are already computed and the next pick is free; the first
pick that differs is kept as the next pending token and the rest of the draft is dropped from the
KV cache. Every pick goes through `AnswerStream.choose` and `take`, so the constraint matcher, the
stop strings, max_tokens and a cancel see the same tokens in the same order as without a draft,
and the matcher never sees a draft token the answer did not keep (it reads the sequence only when
the next pick is made).

The answer equals plain decoding's only as far as the numbers do: llama.cpp's CPU kernels give a
position decoded in a batch of several slightly different logits than the same position decoded
alone (measured: about four positions in ten differ, by up to ~1 logit, on SmolLM2-135M Q4_1), so
a near tie can go the other way. That is why drafting is opt-in (README, Speculative decoding).
"""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from desktop.engine.answer_stream import AnswerStream
from desktop.engine.batch_decode import BatchDecoder, SequenceMemory
from desktop.engine.draft_cost import MAX_CHECK, DecodeCosts


def draft_for(stream: AnswerStream, memory: SequenceMemory, costs: DecodeCosts, capacity: int,
              least: int = 0) -> list[int]:
    """The draft worth checking for `stream`'s next step (desktop.engine.draft_cost): never past
    its budget, its sequence's context or one batch; [] for a plain step. With `least` > 0
    (LoadOptions.draft_min) any draft found is checked, at least that long where it can be, as
    llama-server's --draft-min does: a machine whose measured costs say drafting never pays
    still drafts when asked to."""
    if stream.drafter is None or stream.pending is None:
        return []
    room = min(stream.budget - stream.count - 1, len(memory.input_ids) - memory.n_tokens - 1, capacity - 1)
    if room <= 0 or not (least or costs.best_length(1.0, room)):  # not even a sure draft would pay
        return []
    sequence = np.append(memory.input_ids[:memory.n_tokens], stream.pending)
    found = stream.drafter.draft(sequence, min(room, MAX_CHECK - 1))  # one check holds no more
    length = max(costs.best_length(stream.drafter.acceptance, len(found)), min(least, len(found)))
    if not length:  # none found, or too unlikely to be kept for what its check costs
        stream.drafter.plain_step()
    return found[:length]


def speculate(decoder: BatchDecoder, memory: SequenceMemory, stream: AnswerStream, draft: list[int],
              costs: DecodeCosts, cancelled: Callable[[int], bool]) -> None:
    """Decode `stream`'s pending token and `draft` together and take the picks the logits give
    (at least one token, as a plain step; one more for every draft token picked)."""
    start = memory.n_tokens
    tokens = [stream.pending, *draft]
    began = time.perf_counter()
    decoder.decode([(t, start + i, memory.seq, True) for i, t in enumerate(tokens)])
    costs.observe(len(tokens), time.perf_counter() - began)
    memory.record(tokens[:1], exact=False)
    accepted = 0
    for index in range(len(tokens)):
        token = stream.choose(index)
        stream.take(token, cancelled(stream.request_id))
        if stream.finish is not None or index == len(draft) or token != draft[index]:
            break
        memory.record([token], exact=False)  # decoded already: the next pick reads its logits
        accepted += 1
    decoder.forget(memory.seq, memory.n_tokens)
    stream.drafted += len(draft)
    stream.accepted += accepted
    stream.drafter.kept(len(draft), accepted)
