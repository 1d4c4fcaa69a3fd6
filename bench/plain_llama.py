"""The named reference for Hearth's speed goals: plain llama-cpp-python, used the obvious way.

`PlainLlama.stream_chat` runs `Llama.create_chat_completion(stream=True)` in this process and
times it exactly as Hearth's engine times itself: time to the first content chunk, then
(tokens - 1) / (time of last token - time of first token).
"""
from __future__ import annotations

import time


class PlainLlama:
    def __init__(self, model_path: str, n_ctx: int, n_threads: int, n_gpu_layers: int = 0, **load) -> None:
        """`load`: more Llama arguments (flash_attn, type_k, type_v for the long-context bench)."""
        from llama_cpp import Llama

        from desktop.engine.runtime_check import apply_proven

        apply_proven(model_path)  # the CPU code the engine would run here, never a crashing one
        self.llm = Llama(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads,
                         n_threads_batch=n_threads, n_gpu_layers=n_gpu_layers, verbose=False, **load)

    def stream_chat(self, messages: list[dict], max_tokens: int, seed: int, **sampling) -> dict:
        start = time.perf_counter()
        first = last = None
        count = 0
        usage = {}
        text = []
        for chunk in self.llm.create_chat_completion(messages, max_tokens=max_tokens, seed=seed,
                                                     stream=True, **sampling):
            delta = chunk["choices"][0]["delta"]
            if delta.get("content"):
                text.append(delta["content"])
                last = time.perf_counter()
                first = first or last
                count += 1
            usage = chunk.get("usage") or usage
        decode_s = (last - first) if first and last and count > 1 else 0.0
        return {"ttft_s": (first or time.perf_counter()) - start,
                "decode_tok_s": (count - 1) / decode_s if decode_s else 0.0,
                "completion_tokens": count, "text": "".join(text)}
