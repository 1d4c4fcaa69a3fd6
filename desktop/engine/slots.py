"""Continuous batching: up to N answers decoded together in one llama.cpp context.

Each slot is one sequence of the context, with its own KV cache and prompt cache. Every `step`
decodes the next token of every running answer in one batch, so N answers cost little more than
one on a CPU, and an answer that ends frees its slot for the next request at once.

A new request's prompt is evaluated in the prompt cache's chunks. With nothing else running a
chunk is decoded alone, exactly as a fresh engine decodes it, so one request alone gives the same
numbers (and the same answer for a seed) as an engine serving one request at a time. While other
answers run, the chunk goes in pieces, each decoded together with one token of every running
answer: a long prompt then delays the others by one piece per step instead of the whole prompt.
Pieces are sized so that such a step takes about twice a plain step. Numbers computed beside
other sequences can differ slightly (llama.cpp's results depend on how a batch is made up), so
those chunks are never offered for reuse and the answer is marked `batched`.

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
from desktop.engine.batch_decode import BatchDecoder, Entry, SequenceMemory
from desktop.engine.prompt_cache import PromptCache
from desktop.engine.speculative import draft_for, speculate

MIN_PIECE, MAX_PIECE = 4, 256
STEP_STRETCH = 2.0  # a step carrying a prompt piece may take this many plain steps' time


class Slot:
    def __init__(self, memory: SequenceMemory) -> None:
        self.memory = memory
        self.cache = PromptCache(memory)
        self.stream: AnswerStream | None = None

    @property
    def seq(self) -> int:
        """The sequence that holds this slot's cache now (`Scheduler._swap` changes it)."""
        return self.memory.seq


class Scheduler:
    """The slots of one loaded model. `finished(stream)` is called for every answer that ends
    (`stream.finish` says how); `cancelled(request_id)` tells whether its caller gave up."""

    def __init__(self, llm: llama_cpp.Llama, n_slots: int, n_ctx: int,
                 finished: Callable[[AnswerStream], None], cancelled: Callable[[int], bool]) -> None:
        self.decoder = BatchDecoder(llm)
        self.slots = [Slot(SequenceMemory(seq, n_ctx, self._evaluate)) for seq in range(n_slots)]  # by seq
        self.spare = n_slots  # the context's extra sequence (desktop.engine.load_plan.context_sequences)
        self.finished = finished
        self.cancelled = cancelled
        self.step_s = 0.0  # how long a plain decode step takes (moving average)
        self.token_s = 0.0  # how long one more prompt token makes a step

    def close(self) -> None:
        self.decoder.close()

    # --- slots ---------------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return any(slot.stream is not None for slot in self.slots)

    def has_room(self) -> bool:
        return any(slot.stream is None for slot in self.slots)

    def free_slot(self, tokens: Sequence[int], cuts: Sequence[int]) -> Slot:
        """The free slot whose prompt cache holds most of `tokens` (the lowest-numbered on a tie)."""
        free = [slot for slot in self.slots if slot.stream is None]
        return max(free, key=lambda slot: (slot.cache.reusable(tokens, cuts), -slot.seq))

    def prefill(self, slot: Slot, tokens: Sequence[int], cuts: Sequence[int],
                interrupted: Callable[[], bool]) -> int | None:
        """Evaluate a prompt in `slot` (see PromptCache.prefill); the other answers go on meanwhile."""
        try:
            return slot.cache.prefill(tokens, cuts, interrupted)
        finally:
            slot.memory.trim(slot.cache)

    def prepare(self, slot: Slot, tokens: Sequence[int], cuts: Sequence[int],
                interrupted: Callable[[], bool]) -> None:
        try:
            slot.cache.prepare(tokens, cuts, interrupted)
        finally:
            slot.memory.trim(slot.cache)

    def begin(self, slot: Slot, stream: AnswerStream) -> None:
        """Start `stream` in `slot` just after its prompt was evaluated: its first token is
        chosen from the logits that evaluation left."""
        stream.batched = stream.batched or self.active
        slot.stream = stream
        self._take(slot, stream.choose(slot.memory.logits_index))

    def fail_all(self) -> list[AnswerStream]:
        """Free every slot (after an error no answer in the batch can go on); the streams it held."""
        streams = [slot.stream for slot in self.slots if slot.stream is not None]
        for slot in self.slots:
            slot.stream = None
        return streams

    # --- decoding ------------------------------------------------------------------------------

    def step(self, piece: tuple[SequenceMemory, list[int]] | None = None) -> None:
        """Decode the next token of every running answer (and `piece`, prompt tokens of another
        sequence, if given) in one batch, and choose each answer's next token."""
        running = []
        for slot in self.slots:
            stream = slot.stream
            if stream is not None and self.cancelled(stream.request_id):
                stream.cancel()
                self._end(slot)
            elif stream is not None and stream.pending is not None:
                running.append(slot)
        if not running and piece is None:
            return
        if piece is None and len(running) == 1 and (draft := draft_for(running[0].stream, running[0].memory,
                                                                         self.decoder.capacity)):
            self._speculate(running[0], draft)
            return
        filling = [slot for slot in self.slots if piece is not None and slot.memory is piece[0]]
        self._adjoin(running + filling)
        entries: list[Entry] = []
        at: dict[int, int] = {}  # running answer's sequence: its index in the batch
        for slot in sorted(running + filling, key=lambda slot: slot.seq):
            if slot in filling:
                tokens, last = piece[1], len(piece[1]) - 1
                entries += [(t, slot.memory.n_tokens + i, slot.seq, i == last) for i, t in enumerate(tokens)]
                slot.memory.logits_index = len(entries) - 1
            else:
                at[slot.seq] = len(entries)
                entries.append((slot.stream.pending, slot.memory.n_tokens, slot.seq, True))
        together = len(running) + len(filling) > 1
        began = time.perf_counter()
        self.decoder.decode(entries)
        self._learn(time.perf_counter() - began, len(entries) - len(running))
        for slot in running:
            stream = slot.stream
            slot.memory.record([stream.pending], exact=False)
            stream.batched = stream.batched or together
            self._take(slot, stream.choose(at[slot.seq]))
        for slot in filling:
            slot.memory.record(piece[1], exact=False)

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
        speculate(self.decoder, slot.memory, slot.stream, draft, self.cancelled)
        if slot.stream.finish is not None:
            self._end(slot)

    def _take(self, slot: Slot, token: int) -> None:
        stream = slot.stream
        stream.take(token, self.cancelled(stream.request_id))
        if stream.finish is not None:
            self._end(slot)

    def _end(self, slot: Slot) -> None:
        stream, slot.stream = slot.stream, None
        self.finished(stream)

    def _evaluate(self, memory: SequenceMemory, tokens: list[int]) -> None:
        """Decode prompt tokens for `memory` (what PromptCache calls `eval`): alone when no answer
        is running, else in pieces beside the running answers' tokens."""
        self.decoder.forget(memory.seq, memory.n_tokens)
        memory.exact_until = min(memory.exact_until, memory.n_tokens)
        capacity = self.decoder.capacity
        while tokens:
            if not any(slot.stream is not None and slot.stream.pending is not None for slot in self.slots):
                part, tokens = tokens[:capacity], tokens[capacity:]
                last = len(part) - 1
                self.decoder.decode([(t, memory.n_tokens + i, memory.seq, i == last) for i, t in enumerate(part)])
                memory.record(part, exact=True)
                memory.logits_index = last
                continue
            size = self._piece_size()
            part, tokens = tokens[:size], tokens[size:]
            self.step((memory, part))

    def _piece_size(self) -> int:
        if self.token_s <= 0:
            return 16
        size = int((STEP_STRETCH - 1) * self.step_s / self.token_s)
        return max(MIN_PIECE, min(MAX_PIECE, size, self.decoder.capacity - len(self.slots)))

    def _learn(self, seconds: float, prompt_tokens: int) -> None:
        """Keep the step and per-prompt-token times the piece size is chosen from."""
        if prompt_tokens == 0:
            self.step_s = seconds if self.step_s == 0 else 0.8 * self.step_s + 0.2 * seconds
        elif self.step_s > 0:
            per_token = max(seconds - self.step_s, 0.0) / prompt_tokens
            self.token_s = per_token if self.token_s == 0 else 0.8 * self.token_s + 0.2 * per_token
