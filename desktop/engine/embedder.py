"""Embeddings inside the worker: a second llama.cpp context, with embeddings on, beside the chat one.

On the loaded chat model the context shares the model's weights (nothing is loaded twice), so
embedding costs only its own small KV cache and compute buffer, created on the first embeddings
request. A dedicated embedding GGUF (`hearth serve --embedding-model PATH`) is loaded once, apart.

Pooling: what the GGUF declares (`<arch>.pooling_type`: embedding models such as BERT, nomic-bert
or bge say mean or CLS), else mean pooling over the sequence's final hidden states - the usual
choice for a generative model, which declares none and whose last token alone carries mostly what
comes next. A reranker (rank pooling) is refused. Vectors are L2-normalised, as OpenAI's are, so a
dot product is the cosine.

How a sequence is decoded depends on its attention. A non-causal model (BERT and its kin) sees
the whole sequence at once, so it is decoded in one micro-batch and llama.cpp pools it. A causal
model (every generative one) computes its vocabulary-sized output row for every token it is asked
to embed - 600 KB a token for Qwen's 151,936 tokens - so it is decoded in chunks of `CHUNK` tokens
(exact: a causal model's state for a token depends only on the tokens before it) and the hidden
states are pooled here. The longest input is the model's context, at most `MAX_EMBEDDING_CONTEXT`.
"""
from __future__ import annotations

from dataclasses import dataclass

import llama_cpp
import numpy as np
from llama_cpp import _internals

from desktop.errors import HearthError
from desktop.models.gguf_info import GgufInfo, inspect_gguf

MAX_EMBEDDING_CONTEXT = 8192  # the KV cache of a causal model's embedding context; BERTs have less
CHUNK = 256  # tokens per decode of a causal model: bounds its output rows (CHUNK x vocabulary)
# Architectures whose attention is bidirectional (llama.cpp's encoder-only models).
NON_CAUSAL = frozenset({"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "modern-bert",
                        "neo-bert", "t5encoder"})
POOLING_NAMES = {llama_cpp.LLAMA_POOLING_TYPE_MEAN: "mean", llama_cpp.LLAMA_POOLING_TYPE_CLS: "cls",
                 llama_cpp.LLAMA_POOLING_TYPE_LAST: "last", llama_cpp.LLAMA_POOLING_TYPE_RANK: "rank"}


@dataclass
class Embedded:
    vectors: list[np.ndarray]
    prompt_tokens: int


class Embedder:
    """Embeds token sequences with `model` (a llama_cpp `_internals.LlamaModel`)."""

    def __init__(self, model: _internals.LlamaModel, declared_pooling: int | None, n_ctx: int,
                 n_threads: int, causal: bool) -> None:
        pooling = declared_pooling if declared_pooling not in (None, llama_cpp.LLAMA_POOLING_TYPE_NONE) \
            else llama_cpp.LLAMA_POOLING_TYPE_MEAN
        if pooling == llama_cpp.LLAMA_POOLING_TYPE_RANK:
            raise HearthError("this GGUF is a reranker (rank pooling), not an embedding model")
        if pooling not in POOLING_NAMES:
            raise HearthError(f"unknown pooling type {pooling} in this GGUF")
        self.pooling = POOLING_NAMES[pooling]
        self.pooling_type = pooling
        self.causal = causal
        self.n_ctx = max(1, min(n_ctx, MAX_EMBEDDING_CONTEXT))
        self.chunk = min(CHUNK, self.n_ctx) if causal else self.n_ctx
        params = llama_cpp.llama_context_default_params()
        params.n_ctx = self.n_ctx
        params.n_batch = params.n_ubatch = self.chunk
        params.n_seq_max = 1
        params.embeddings = True
        # causal: every token's hidden state comes back and is pooled here, chunk by chunk
        params.pooling_type = llama_cpp.LLAMA_POOLING_TYPE_NONE if causal else pooling
        params.n_threads = params.n_threads_batch = n_threads
        params.flash_attn_type = llama_cpp.LLAMA_FLASH_ATTN_TYPE_AUTO
        self.model = model
        self.context = _internals.LlamaContext(model=model, params=params, verbose=False)
        self.batch = _internals.LlamaBatch(n_tokens=self.chunk, embd=0, n_seq_max=1, verbose=False)
        self.n_embd = model.n_embd()
        self.n_vocab = model.n_vocab()

    def tokenize(self, text: str) -> list[int]:
        """The model's tokens for `text`, with the special tokens it adds (BOS; BERT's CLS/SEP)."""
        return self.model.tokenize(text.encode("utf-8"), add_bos=True, special=False)

    def embed(self, inputs: list[list[int]]) -> Embedded:
        """One normalised vector per token sequence; HearthError naming the first input that is
        empty, too long for the context or holds a token the model does not have."""
        for i, tokens in enumerate(inputs):
            if not tokens:
                raise HearthError(f"input[{i}] has no tokens")
            if len(tokens) > self.n_ctx:
                raise HearthError(f"input[{i}] is {len(tokens)} tokens but the embedding context is "
                                  f"{self.n_ctx} tokens: send less")
            bad = next((t for t in tokens if not 0 <= t < self.n_vocab), None)
            if bad is not None:
                raise HearthError(f"input[{i}] holds token {bad}, outside the model's vocabulary "
                                  f"(0-{self.n_vocab - 1})")
        return Embedded([self._one(tokens) for tokens in inputs], sum(len(t) for t in inputs))

    def _one(self, tokens: list[int]) -> np.ndarray:
        self.context.kv_cache_clear()
        vector = self._pooled_causal(tokens) if self.causal else self._pooled_by_llama(tokens)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def _pooled_by_llama(self, tokens: list[int]) -> np.ndarray:
        self.batch.reset()
        self.batch.add_sequence(tokens, 0, True)
        self.context.decode(self.batch)
        pointer = llama_cpp.llama_get_embeddings_seq(self.context.ctx, 0)
        if not pointer:
            raise HearthError("llama.cpp returned no pooled embedding for this model")
        return np.ctypeslib.as_array(pointer, shape=(self.n_embd,)).astype(np.float32)

    def _pooled_causal(self, tokens: list[int]) -> np.ndarray:
        total = np.zeros(self.n_embd, dtype=np.float64)
        first = last = None
        for start in range(0, len(tokens), self.chunk):
            piece = tokens[start:start + self.chunk]
            self.batch.set_batch(piece, start, True)
            self.context.decode(self.batch)
            pointer = llama_cpp.llama_get_embeddings(self.context.ctx)
            if not pointer:
                raise HearthError("llama.cpp returned no embeddings for this model")
            states = np.ctypeslib.as_array(pointer, shape=(len(piece), self.n_embd))
            total += states.sum(axis=0, dtype=np.float64)
            first = states[0].copy() if first is None else first
            last = states[-1].copy()
        if self.pooling_type == llama_cpp.LLAMA_POOLING_TYPE_CLS:
            return first.astype(np.float32)
        if self.pooling_type == llama_cpp.LLAMA_POOLING_TYPE_LAST:
            return last.astype(np.float32)
        return (total / len(tokens)).astype(np.float32)

    def close(self) -> None:
        self.batch.close()
        self.context.close()


def load_embedding_model(path: str, gpu: bool) -> _internals.LlamaModel:
    """A dedicated embedding GGUF, its layers on the GPU when this build offloads."""
    llama_cpp.llama_backend_init()  # what llama_cpp.Llama does first; harmless when done already
    params = llama_cpp.llama_model_default_params()
    params.n_gpu_layers = -1 if gpu else 0
    try:
        return _internals.LlamaModel(path_model=path, params=params, verbose=False)
    except ValueError as exc:
        raise HearthError(f"llama.cpp could not load the embedding model {path}: {exc}") from None


def declared_pooling(info: GgufInfo) -> int | None:
    value = info.metadata.get(f"{info.architecture}.pooling_type")
    return int(value) if value is not None else None


def is_causal(info: GgufInfo) -> bool:
    return bool(info.metadata.get(f"{info.architecture}.attention.causal", info.architecture not in NON_CAUSAL))


class Embedders:
    """The worker's embedders: one on the loaded chat model (until another is loaded) and one per
    dedicated embedding GGUF asked for, each made on first use."""

    def __init__(self) -> None:
        self._chat: Embedder | None = None
        self._files: dict[str, Embedder] = {}

    def for_chat_model(self, llm: llama_cpp.Llama, info: GgufInfo) -> Embedder:
        if self._chat is None:
            self._chat = Embedder(llm._model, declared_pooling(info), llm.n_ctx(), llm.n_threads, is_causal(info))
        return self._chat

    def for_file(self, path: str, n_threads: int) -> Embedder:
        if path not in self._files:
            info = inspect_gguf(path)  # a damaged or foreign file: one clear HearthError
            model = load_embedding_model(path, bool(llama_cpp.llama_supports_gpu_offload()))
            self._files[path] = Embedder(model, declared_pooling(info), info.context_length or MAX_EMBEDDING_CONTEXT,
                                         n_threads, is_causal(info))
        return self._files[path]

    def forget_chat_model(self) -> None:
        """Before the chat model is freed: its embedding context goes first."""
        if self._chat is not None:
            self._chat.close()
            self._chat = None
