"""What checking a draft costs on this machine, and so how long a draft is worth checking.

Speculative decoding (desktop.engine.speculative) pays only where decoding k tokens of one sequence
in one batch costs less than k single steps, and by how much depends on the CPU, the threads and
the model, not on a constant. Measured with llama.cpp's batch API, seconds for k tokens over
seconds for one (2 cores of an Intel Xeon with AVX-512):

| k | 2 | 4 | 8 | 11 | 16 |
|---|---|---|---|---|---|
| SmolLM2-135M Q4_1, 2 threads | 1.7 | 2.1 | 5.3 | 7.3 | 8.4 |
| SmolLM2-135M Q4_1, 1 thread | 1.0 | 1.6 | 2.8 | - | - |
| Qwen2.5-0.5B Q4_K_M, 2 threads | 1.35 | 1.75 | 2.7 | 3.8 | 5.2 |

The curve is not even monotonic (Qwen: 8 tokens cost less than 6), so the engine measures it once
at load, one decode per batch size, and keeps each size's time as a moving average of the checks
it then makes. A draft of d tokens kept token by token with probability p yields on average
1 + p + p^2 + ... + p^d tokens per check; the length chosen is the one with the most tokens per
second, and none when no length beats a plain step.
"""
from __future__ import annotations

import time

from desktop.engine.batch_decode import BatchDecoder

MAX_CHECK = 16  # tokens in one checking batch: the pending token and up to 15 drafted
LEARN = 0.3  # weight of a new measurement in a batch size's moving average


class DecodeCosts:
    """Seconds one `llama_decode` of k tokens of a single sequence takes, for k = 1..MAX_CHECK."""

    def __init__(self, seconds: list[float] | None = None) -> None:
        self.seconds = list(seconds) if seconds else [0.0] * MAX_CHECK  # index k - 1

    def calibrate(self, decoder: BatchDecoder, seq: int) -> None:
        """Time one decode of every size in the empty sequence `seq`, after one that reads every
        weight once (the first pass over a memory-mapped model pays for its page faults)."""
        sizes = range(1, min(MAX_CHECK, decoder.capacity) + 1)
        for k in (MAX_CHECK, *sizes):
            k = min(k, decoder.capacity)
            began = time.perf_counter()
            decoder.decode([(0, position, seq, True) for position in range(k)])
            self.seconds[k - 1] = time.perf_counter() - began
            decoder.forget(seq, 0)

    def observe(self, size: int, seconds: float) -> None:
        if 1 <= size <= MAX_CHECK:
            old = self.seconds[size - 1]
            self.seconds[size - 1] = seconds if old == 0 else (1 - LEARN) * old + LEARN * seconds

    def tokens_per_s(self, drafted: int, acceptance: float) -> float:
        """The expected rate of a check of `drafted` tokens (0: a plain step)."""
        seconds = self.seconds[drafted]
        if seconds <= 0:
            return 0.0
        expected = 1.0 + sum(acceptance ** i for i in range(1, drafted + 1))
        return expected / seconds

    def best_length(self, acceptance: float, room: int) -> int:
        """The draft length with the most expected tokens per second, 0 when none beats a plain
        step (or nothing is measured yet)."""
        plain = self.tokens_per_s(0, acceptance)
        best, rate = 0, plain
        for drafted in range(1, min(room, MAX_CHECK - 1) + 1):
            candidate = self.tokens_per_s(drafted, acceptance)
            if candidate > rate:
                best, rate = drafted, candidate
        return best if plain > 0 else 0
