"""Reading a slot's logits in scheduler tests (desktop.engine.slots): what its cache gives next."""
from __future__ import annotations

import llama_cpp
import numpy as np

from desktop.engine.slots import Scheduler, Slot


def logits_at(scheduler: Scheduler, index: int) -> np.ndarray:
    """A copy of the logits of entry `index` of the last batch decoded."""
    ctx = scheduler.decoder.ctx
    n_vocab = llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(llama_cpp.llama_get_model(ctx)))
    return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, index), shape=(n_vocab,)).copy()


def next_logits(scheduler: Scheduler, slot: Slot) -> np.ndarray:
    """The logits after one more token at the end of `slot`'s sequence (decoded, then forgotten)."""
    scheduler.decoder.decode([(42, slot.memory.n_tokens, slot.seq, True)])
    logits = logits_at(scheduler, 0)
    scheduler.decoder.forget(slot.seq, slot.memory.n_tokens)
    return logits
