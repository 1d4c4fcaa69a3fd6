"""Continuous batching: up to N answers decoded together in one llama.cpp context.

Each slot is one sequence of the context, with its own KV cache and prompt cache. Every `step`
decodes the next token of every running answer in one batch, so N answers cost little more than
one on a CPU, and an answer that ends frees its slot for the next request at once.

A new request's prompt is evaluated in the prompt cache's chunks. With nothing else running a
chunk is decoded alone, exactly as a fresh engine decodes it, so one request alone gives the same
numbers (and the same answer for a seed) as an engine serving one request at a time. While other
answers run, the chunk goes in pieces, one after each step of the running answers, each piece
decoded on its own: a long prompt then delays the others by one piece per step instead of the
whole prompt. Pieces are sized so that one takes about as long as a plain step. A piece is not
put in the step's batch: with a KV stream per sequence llama.cpp splits a batch into equal shares
of every sequence, so one answer's token beside a 4-token piece cost four passes (210 ms where a
step takes 52, Qwen2.5-0.5B, 2 threads). Numbers computed piece by piece can differ slightly from
the chunk decoded whole, so those chunks are never offered for reuse and the answer is marked
`batched`.

Requests that arrive together start together. An answer begun while more requests wait for a
free slot is held after its first token, so the next prompt finds nothing running and is
decoded alone and whole, as llama-server evaluates the prompts of a burst in one go; the held
answers take their steps once no request can start, or when a prompt longer than one batch
comes, which goes in pieces as above. (Fed in pieces between steps instead, a burst's short
prompts cost a step's time per 2-token piece: the last of four requests got its first token
after 9-13 s instead of 2.5-3 s, Qwen2.5-0.5B, 2 threads.)

A prompt starts from a copy of another slot's cache when that holds more of it in whole chunks
than the slot's own: a system prompt shared by many requests is then evaluated once, not once per
slot. The copy is of the whole KV stream, bit for bit, so the answer is still the one a fresh
engine gives; it is made only when evaluating the tokens it saves would cost more (a 384 MB stream,
a 32K context of Qwen2.5-0.5B, copied in 60 ms; a prompt token evaluated in 4.5 ms).

The sequences decoded together are kept adjacent. With a KV stream per sequence, llama.cpp decodes
a batch in one pass only over consecutive sequence ids, and in one pass per run of them otherwise:
three answers in slots 0, 2 and 3 cost two passes a step, measured 110 ms against 87 ms for four
answers in slots 0-3 (Qwen2.5-0.5B, 2 threads). So when an answer ends between others, or starts
in a slot away from them (the one whose prompt cache it reuses), the scheduler swaps two slots'
caches, through the context's spare sequence, so that no prompt cache is lost: a copy of one
sequence's KV stream, bit for bit, before the next decode.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import llama_cpp

from desktop.engine.answer_stream import AnswerStream
from desktop.engine.batch_decode import BatchDecoder, SequenceMemory
from desktop.engine.draft_cost import DecodeCosts
from desktop.engine.prompt_cache import PromptCache
from desktop.engine.speculative import draft_for, speculate

MIN_PIECE, MAX_PIECE = 2, 256  # a piece starts at the least and grows while it costs less than allowed
STEP_STRETCH = 2.0  # a step followed by a prompt piece may take this many plain steps' time
COPY_BYTES_PER_S = 4e9  # a KV stream copied within memory, on the slow side (measured here: 6.4e9)


class Slot:
    def __init__(self, memory: SequenceMemory) -> None:
        self.memory = memory
        self.cache = PromptCache(memory)
        self.stream: AnswerStream | None = None
        self.held = False  # begun beside requests that arrived with it: waits for their prompts

    @property
    def decoding(self) -> bool:
        """Its answer takes the next step (it has a token to decode and is not held)."""
        return self.stream is not None and self.stream.pending is not None and not self.held

    @property
    def seq(self) -> int:
        """The sequence that holds this slot's cache now (`Scheduler._swap` changes it)."""
        return self.memory.seq


class Scheduler:
    """The slots of one loaded model. `finished(stream)` is called for every answer that ends
    (`stream.finish` says how); `cancelled(request_id)` tells whether its caller gave up."""

    def __init__(self, llm: llama_cpp.Llama, n_slots: int, n_ctx: int,
                 finished: Callable[[AnswerStream], None], cancelled: Callable[[int], bool],
                 stream_bytes: int = 0) -> None:
        self.decoder = BatchDecoder(llm)
        self.slots = [Slot(SequenceMemory(seq, n_ctx, self._evaluate)) for seq in range(n_slots)]  # by seq
        self.spare = n_slots  # the context's extra sequence (desktop.engine.load_plan.context_sequences)
        self.finished = finished
        self.cancelled = cancelled
        self.step_s = 0.0  # how long a plain decode step takes (moving average)
        self.costs = DecodeCosts()  # what checking a draft costs, once `calibrate_drafts` measured it
        self.draft_min = 0  # LoadOptions.draft_min
        self.piece = MIN_PIECE  # prompt tokens decoded between two steps
        self.stream_bytes = stream_bytes  # one sequence's KV stream: what a copy of a cache moves
        self.token_s = 0.0  # what a prompt token evaluated alone costs (moving average)

    def close(self) -> None:
        self.decoder.close()

    def calibrate_drafts(self, draft_min: int = 0) -> None:
        """Measure what a check of each draft length costs here, right after the load, while
        every sequence is still empty (desktop.engine.draft_cost)."""
        self.costs.calibrate(self.decoder, self.slots[0].seq)
        self.draft_min = draft_min

    # --- slots ---------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return any(slot.stream is not None for slot in self.slots)

    def has_room(self) -> bool:
        return self.free_slots() > 0

    def free_slots(self) -> int:
        return sum(slot.stream is None for slot in self.slots)

    def free_slot(self, tokens: Sequence[int], cuts: Sequence[int]) -> Slot:
        """The free slot whose prompt cache holds most of `tokens` (the lowest-numbered on a tie)."""
        free = [slot for slot in self.slots if slot.stream is None]
        return max(free, key=lambda slot: (slot.cache.reusable(tokens, cuts), -slot.seq))

    def prefill(self, slot: Slot, tokens: Sequence[int], cuts: Sequence[int],
                interrupted: Callable[[], bool]) -> int | None:
        """Evaluate a prompt in `slot` (see PromptCache.prefill), from a copy of another slot's
        cache where that saves work; the other answers go on meanwhile."""
        self._borrow(slot, tokens, cuts)
        try:
            return slot.cache.prefill(tokens, cuts, interrupted)
        finally:
            slot.memory.trim(slot.cache)

    def _borrow(self, slot: Slot, tokens: Sequence[int], cuts: Sequence[int]) -> None:
        """Give `slot` the cache of the slot (running or not) that holds most of `tokens` in whole
        chunks, when that is more than its own and copying costs less than evaluating the rest."""
        own = slot.cache.reusable(tokens, cuts)
        offers = [(other.cache.reusable(tokens, cuts), other) for other in self.slots if other is not slot]
        most, donor = max(offers, key=lambda offer: offer[0], default=(0, None))
        if most <= own or (self.token_s > 0 and (most - own) * self.token_s < self.stream_bytes / COPY_BYTES_PER_S):
            return
        self.decoder.copy(donor.seq, slot.seq)
        slot.cache.copy_from(donor.cache)

    def prepare(self, slot: Slot, tokens: Sequence[int], cuts: Sequence[int],
                interrupted: Callable[[], bool]) -> None:
        try:
            slot.cache.prepare(tokens, cuts, interrupted)
        finally:
            slot.memory.trim(slot.cache)

    def begin(self, slot: Slot, stream: AnswerStream, hold: bool = False) -> None:
        """Start `stream` in `slot` just after its prompt was evaluated: its first token is
        chosen from the logits that evaluation left. With `hold`, its next steps wait until the
        requests that arrived with it have their prompts evaluated too, each alone and whole (if
        short), so that they all start together (see `_evaluate`)."""
        pieced = slot.memory.exact_until < slot.memory.n_tokens  # its prompt went in pieces between steps
        stream.batched = stream.batched or self.active or pieced
        slot.stream = stream
        slot.held = hold
        self._take(slot, stream.choose(slot.memory.logits_index))

    def fail_all(self) -> list[AnswerStream]:
        """Free every slot (after an error no answer in the batch can go on); the streams it held."""
        streams = [slot.stream for slot in self.slots if slot.stream is not None]
        for slot in self.slots:
            slot.stream, slot.held = None, False
        return streams

    # --- decoding ------------------------------------------------------------------------------

    def step(self) -> None:
        """Decode the next token of every running answer in one batch, and choose each answer's
        next token."""
        self._release()
        running = []
        for slot in self.slots:
            stream = slot.stream
            if stream is not None and self.cancelled(stream.request_id):
                stream.cancel()
                self._end(slot)
            elif slot.decoding:
                running.append(slot)
        if not running:
            return
        alone = len(running) == 1
        if alone and (draft := draft_for(running[0].stream, running[0].memory, self.costs, self.decoder.capacity,
                                        self.draft_min)):
            self._speculate(running[0], draft)
            return
        self._adjoin(running)
        running.sort(key=lambda slot: slot.seq)
        began = time.perf_counter()
        self.decoder.decode([(slot.stream.pending, slot.memory.n_tokens, slot.seq, True) for slot in running])
        seconds = time.perf_counter() - began
        self._learn_step(seconds)
        if alone:
            self.costs.observe(1, seconds)
        together = not alone
        for index, slot in enumerate(running):
            stream = slot.stream
            slot.memory.record([stream.pending], exact=False)
            stream.batched = stream.batched or together
            self._take(slot, stream.choose(index))

    def _adjoin(self, decoding: list[Slot]) -> None:
        """Swap slots until the sequences of the next batch are consecutive: the highest moves
        into the lowest gap, and the free slot there takes its place, cache and all."""
        seqs = {slot.seq for slot in decoding}
        while seqs:
            high = max(seqs)
            gap = next((seq for seq in range(min(seqs), high) if seq not in seqs), None)
            if gap is None:
                return
            self._swap(self.slots[high], self.slots[gap])
            seqs = (seqs - {high}) | {gap}

    def _swap(self, a: Slot, b: Slot) -> None:
        """Exchange what the sequences of slots `a` and `b` hold, through the spare sequence (one
        copy instead of three when `b` holds nothing)."""
        move = self.decoder.move
        if b.memory.n_tokens == 0:
            move(a.seq, b.seq)
        else:
            move(b.seq, self.spare)
            move(a.seq, b.seq)
            move(self.spare, a.seq)
        a.memory.seq, b.memory.seq = b.memory.seq, a.memory.seq
        self.slots.sort(key=lambda slot: slot.seq)

    def _speculate(self, slot: Slot, draft: list[int]) -> None:
        """An answer decoded alone checks a draft of its next tokens (desktop.engine.speculative)."""
        speculate(self.decoder, slot.memory, slot.stream, draft, self.costs, self.cancelled)
        if slot.stream.finish is not None:
            self._end(slot)

    def _take(self, slot: Slot, token: int) -> None:
        stream = slot.stream
        stream.take(token, self.cancelled(stream.request_id))
        if stream.finish is not None:
            self._end(slot)

    def _end(self, slot: Slot) -> None:
        stream, slot.stream, slot.held = slot.stream, None, False
        self.finished(stream)

    def _evaluate(self, memory: SequenceMemory, tokens: list[int]) -> None:
        """Decode prompt tokens for `memory` (what PromptCache calls `eval`): alone when no answer
        is running, else in pieces beside the running answers' tokens."""
        self.decoder.forget(memory.seq, memory.n_tokens)
        memory.exact_until = min(memory.exact_until, memory.n_tokens)
        capacity = self.decoder.capacity
        if len(tokens) > capacity:
            self._release()  # a long prompt never keeps the answers waiting for all of it
        while tokens:
            if not any(slot.decoding for slot in self.slots):
                part, tokens = tokens[:capacity], tokens[capacity:]
                self._decode_alone(memory, part, exact=True)
                continue
            self.step()  # the running answers' next tokens, then a piece of the prompt on its own
            part, tokens = tokens[:self.piece], tokens[self.piece:]
            began = time.perf_counter()
            self._decode_alone(memory, part, exact=False)
            self._learn_piece(time.perf_counter() - began, len(part))

    def _release(self) -> None:
        for slot in self.slots:
            slot.held = False

    def _decode_alone(self, memory: SequenceMemory, part: list[int], exact: bool) -> None:
        """Prompt tokens of one sequence in a batch of their own; logits for the last."""
        last = len(part) - 1
        began = time.perf_counter()
        self.decoder.decode([(t, memory.n_tokens + i, memory.seq, i == last) for i, t in enumerate(part)])
        if exact and len(part) >= MIN_PIECE:
            self.token_s = moving_average(self.token_s, (time.perf_counter() - began) / len(part))
        memory.record(part, exact=exact)
        memory.logits_index = last

    def _learn_step(self, seconds: float) -> None:
        self.step_s = moving_average(self.step_s, seconds)

    def _learn_piece(self, seconds: float, size: int) -> None:
        """Move the piece size towards the one that takes `STEP_STRETCH - 1` plain steps (a
        piece's cost is not proportional to its size: every pass reads all the weights)."""
        if self.step_s <= 0 or seconds <= 0:
            return
        wanted = size * (STEP_STRETCH - 1) * self.step_s / seconds
        self.piece = max(MIN_PIECE, min(MAX_PIECE, self.decoder.capacity, round(0.5 * self.piece + 0.5 * wanted)))


def moving_average(average: float, sample: float) -> float:
    """A timing learned while running: the first sample, then mostly the past (0 means none yet)."""
    return sample if average == 0 else 0.8 * average + 0.2 * sample
