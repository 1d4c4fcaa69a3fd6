"""What llama.cpp's own batch API gives on this machine: the ceiling for Hearth's batched loop.

n sequences, one token each per step, greedy, decoded together through Hearth's BatchDecoder (the
low-level bindings, nothing else of the engine) in a context laid out as Hearth's (a KV stream per
sequence, consecutive sequence ids): no sampling chain, no server, no streaming. parallel_bench.py runs it in the same run as its streams, so
Hearth's aggregate can be read against what the machine itself gives at that moment (a shared
machine's speed changes by the minute; the ratio of ratios does not).

    .venv/bin/python bench/batch_ceiling.py MODEL.gguf [--threads 2] [--tokens 128] [--streams 1,4,8]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import llama_cpp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.engine.batch_decode import BatchDecoder
from desktop.engine.runtime_check import apply_proven
from desktop.engine.worker import context_settings

PROMPT = b"Write a long, detailed story about a lighthouse keeper."


def aggregate(llm: llama_cpp.Llama, decoder: BatchDecoder, n: int, tokens: int) -> float:
    """Aggregate decode tokens/s of `n` sequences decoded together for `tokens` steps."""
    n_vocab = llm._n_vocab
    llama_cpp.llama_memory_clear(decoder.memory, True)
    prompt = llm.tokenize(PROMPT)
    for seq in range(n):
        decoder.decode([(t, i, seq, i == len(prompt) - 1) for i, t in enumerate(prompt)])
    pending = [prompt[-1]] * n
    began = time.perf_counter()
    for step in range(tokens):
        decoder.decode([(pending[seq], len(prompt) + step, seq, True) for seq in range(n)])
        for seq in range(n):
            row = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(decoder.ctx, seq), shape=(n_vocab,))
            pending[seq] = int(row.argmax())
    return n * tokens / (time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--streams", default="1,4,8")
    args = parser.parse_args()
    counts = [int(n) for n in args.streams.split(",")]
    context = 512 + 256 * -(-args.tokens // 256)  # llama.cpp pads contexts to 256 tokens
    apply_proven(args.model)  # the CPU code the engine runs here, never a crashing one
    with context_settings(llama_cpp, "off", max(counts)):
        llm = llama_cpp.Llama(args.model, n_ctx=context * max(counts), n_threads=args.threads,
                              n_threads_batch=args.threads, verbose=False)
    decoder = BatchDecoder(llm)
    try:
        print(json.dumps({str(n): aggregate(llm, decoder, n, args.tokens) for n in counts}))
    finally:
        decoder.close()
        llm.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
