"""One answer being decoded: its sampler chain, its text, its stop strings and its budget.

Each answer decoded in a batch keeps all of this to itself (its own seed, sampling settings,
constraint matcher and stop strings), so answers decoded together cannot leak into each other.
`choose` is the one place a token is picked for an answer, and so the one place its logprobs are
read (from the row the sampler chain picked it from, desktop.engine.logprobs).
"""
from __future__ import annotations

import codecs
import time
from collections.abc import Callable
from typing import Any

import llama_cpp

from desktop.engine.batch_decode import SequenceMemory
from desktop.engine.logprobs import token_logprob
from desktop.engine.prompt_lookup import PromptLookup
from desktop.engine.sampler_chain import build_chain, logprobs_row
from desktop.engine.types import SamplingParams

Send = Callable[[int, str, Any], None]


class AnswerStream:
    """The answer to request `request_id`, decoded in the sequence `memory` holds."""

    def __init__(self, request_id: int, llm: llama_cpp.Llama, memory: SequenceMemory, params: SamplingParams,
                 seed: int, processors: Any, budget: int, send: Send, start: float) -> None:
        self.request_id = request_id
        self.llm = llm
        self.memory = memory
        self.top_logprobs = params.logprobs  # None: no logprobs asked for, none computed
        self.row = logprobs_row(llm._n_vocab) if params.logprobs is not None else None
        self.chain = build_chain(llm, params, seed, processors,
                                 lambda: memory.input_ids[:memory.n_tokens], self.row)
        self.logprob: dict[str, Any] | None = None  # the entry of the token chosen last
        self.vocab = llm._model.vocab
        self.stops = [s for s in params.stop if s]
        self.budget = budget
        self.send = send
        self.start = start  # time to first token includes evaluating the prompt
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.text, self.sent, self.count = "", 0, 0
        self.finish: str | None = None  # set once the answer is over
        self.cut = False
        self.first: float | None = None
        self.last: float | None = None
        self.pending: int | None = None  # the token chosen last, to be decoded in the next batch
        self.batched = False  # some batch of this answer held other answers' tokens too
        self.drafter: PromptLookup | None = None  # set to draft this answer's tokens (desktop.engine.speculative)
        self.drafted = self.accepted = 0  # draft tokens checked, and those the sampler picked
        self.constraint: Any = None  # set to the constraint's processor, which knows if it wrapped the answer up

    def choose(self, index: int) -> int:
        """Pick this answer's next token from the logits at `index` of the last batch (and, when
        asked for, keep its logprobs entry for `take` to send)."""
        token = self.chain.sample(self.llm._ctx, index)
        if self.row is not None:
            self.logprob = token_logprob(self.row, token, self.top_logprobs, self._piece)
        return token

    def _piece(self, token: int) -> bytes:
        return self.llm.detokenize([token])

    def take(self, token: int, cancelled: bool) -> None:
        """Add the chosen `token`; sets `finish` when the answer is over, else `pending`."""
        self.pending = None
        if cancelled:
            self.finish = "cancelled"
            return
        self.last = time.perf_counter()
        if self.first is None:
            self.first = self.last
        if llama_cpp.llama_vocab_is_eog(self.vocab, token):
            self.finish = "stop"
            return
        if self.logprob is not None:  # before the token's text: the client hands both out together
            self.send(self.request_id, "logprobs", self.logprob)
            self.logprob = None
        self.count += 1
        self.text += self.decoder.decode(self.llm.detokenize([token]))
        self._emit()
        if self.cut:
            self.finish = "stop"
        elif self.count >= self.budget:
            self.finish = "length"
        else:
            self.pending = token

    def cancel(self) -> None:
        self.pending, self.finish = None, "cancelled"

    def result(self) -> dict[str, Any]:
        """The answer's end, once `finish` is set: sends any text still held back."""
        if not self.cut:  # text cut at a stop string must not regain a dangling partial character
            self.text += self.decoder.decode(b"", final=True)
        if self.sent < len(self.text):
            self.send(self.request_id, "token", self.text[self.sent:])
            self.sent = len(self.text)
        first = self.first or time.perf_counter()
        decode_s = (self.last - first) if self.last and self.count > 1 else 0.0
        return {"text": self.text, "finish_reason": self.finish, "completion_tokens": self.count,
                "ttft_s": first - self.start, "batched": self.batched,
                "drafted": self.drafted, "accepted": self.accepted,
                "wrapped_up": bool(self.constraint is not None and self.constraint.wrapped_up),
                "decode_tok_s": (self.count - 1) / decode_s if decode_s > 0 else 0.0}

    def _emit(self) -> None:
        """Send new text, holding back a tail that could still become a stop string."""
        text, sent = self.text, self.sent
        for stop in self.stops:
            at = text.find(stop, max(0, sent - len(stop)))
            if at != -1:
                self.text = text[:at]
                if sent < len(self.text):
                    self.send(self.request_id, "token", self.text[sent:])
                self.sent, self.cut = len(self.text), True
                return
        hold = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(text)), 0, -1):
                if text.endswith(stop[:n]):
                    hold = max(hold, n)
                    break
        end = len(text) - hold
        if end > sent:
            self.send(self.request_id, "token", text[sent:end])
            self.sent = end
