"""Plain data passed between callers, the engine client and the worker process.

Everything here is a dataclass of builtins so it pickles across the process boundary and
serialises to JSON for the store, the API and feedback reports.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args


@dataclass
class SamplingParams:
    """How to pick tokens. Defaults suit small instruct models; seed=None means a fresh random
    seed, which is reported back in `Done.seed` so any answer can be reproduced."""

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    max_tokens: int | None = 512
    seed: int | None = None
    stop: list[str] = field(default_factory=list)
    # Repetition control as llama-server names it (desktop/engine/sampler_chain.py): DRY penalises a
    # token that would extend a sequence already seen (off at multiplier 0); XTC, with probability
    # `xtc_probability`, drops the most likely tokens above `xtc_threshold` but the least of them.
    dry_multiplier: float = 0.0
    dry_base: float = 1.75
    dry_allowed_length: int = 2
    dry_penalty_last_n: int = -1  # -1: the whole context
    dry_sequence_breakers: list[str] = field(default_factory=lambda: ["\n", ":", "\"", "*"])
    xtc_probability: float = 0.0
    xtc_threshold: float = 0.1
    # Per-token log probabilities (desktop/engine/logprobs.py): None, the default, computes none;
    # 0-20 reports each token's logprob with that many most likely alternatives.
    logprobs: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SamplingParams":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


# The repetition settings' valid ranges (None: unbounded), shared by the API's and the CLI's checks.
REPETITION_RANGES: dict[str, tuple[float, float | None]] = {
    "dry_multiplier": (0, 10), "dry_base": (1, 10), "dry_allowed_length": (1, 1024),
    "dry_penalty_last_n": (-1, None), "xtc_probability": (0, 1), "xtc_threshold": (0, 1),
}

FlashAttention = Literal["auto", "on", "off"]
KvCacheType = Literal["f16", "q8_0", "q4_0"]
RopeScaling = Literal["none", "linear", "yarn"]
FLASH_ATTENTION: tuple[str, ...] = get_args(FlashAttention)
Draft = Literal["none", "prompt-lookup"]  # what drafts an answer's next tokens (speculative decoding)
DRAFTS: tuple[str, ...] = get_args(Draft)
KV_CACHE_TYPES: tuple[str, ...] = get_args(KvCacheType)
ROPE_SCALING: tuple[str, ...] = get_args(RopeScaling)


APP_PRIORITY = 1  # the app's own requests (a person waits at the screen) start before API clients' (0)
SERVE_PARALLEL = 4  # slots for `hearth serve` and the app's Local API server, as LM Studio and Jan


@dataclass
class LoadOptions:
    """What to load and how. None means "choose for me" (see desktop.engine.hardware); the
    long-context options are checked against the model file by desktop.engine.load_plan.

    n_ctx 0 means the context the model was trained for. rope_scaling None keeps what the GGUF
    says; "yarn" or "linear" stretches the trained context by rope_scale (None: as far as n_ctx
    needs). memory_limit_bytes None refuses a load whose estimate exceeds the free RAM (or VRAM
    when offloading); 0 turns that check off."""

    model_path: str
    n_ctx: int = 4096
    n_gpu_layers: int | None = None
    n_threads: int | None = None
    flash_attn: FlashAttention = "auto"
    kv_type: KvCacheType = "f16"
    rope_scaling: RopeScaling | None = None
    rope_scale: float | None = None
    memory_limit_bytes: int | None = None
    parallel: int = 1  # answers decoded together, each with its own n_ctx (desktop.engine.slots)
    draft: Draft = "none"  # speculative decoding of an answer decoded alone (desktop.engine.speculative)
    draft_min: int = 0  # the least drafted tokens a check holds when a draft is found; 0: measured costs decide


@dataclass
class ModelInfo:
    """A loaded model as the UI, the API and feedback reports describe it."""

    path: str
    name: str
    architecture: str
    size_bytes: int
    parameters: int | None
    quantization: str
    context_length: int  # what the model was trained for
    n_ctx: int  # what this load uses
    n_gpu_layers: int
    n_threads: int
    offload: str  # "CPU" / "CUDA: <device>" and, when on CPU, why
    chat_template_sha256: str
    chat_template_source: str  # "gguf" or "builtin:<family> (reason)"
    license: str | None = None
    source_url: str | None = None
    # As llama.cpp reports the context it built (desktop.engine.load_readback), not as asked.
    flash_attn: str = ""  # "enabled" / "disabled"
    kv_type: str = ""  # "q8_0", or "q8_0/f16" when K and V differ
    kv_bytes: int = 0
    compute_bytes: int = 0
    rope_freq_base: float = 0.0
    rope_freq_scale: float = 0.0
    memory_estimate_bytes: int = 0  # what Hearth estimated before loading
    parallel: int = 1  # slots: answers decoded together
    # The vocabulary writes `<tool_call>` and `</tool_call>` as single special tokens (Qwen2.5):
    # the tool-call grammar names them as tokens (desktop.jsonmode.tool_calls).
    tool_tags_are_tokens: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Token:
    """A piece of streamed answer text (one or more tokens, always whole UTF-8 characters).
    `logprobs`: when the request asked for them, the entries (desktop.engine.logprobs) of the
    tokens decoded since the previous piece; a token held back (a possible stop string) reports
    with the piece that first shows its text, or with `Done`."""

    text: str
    logprobs: list[dict[str, Any]] | None = None


FinishReason = Literal["stop", "length", "cancelled"]


@dataclass
class Done:
    """The end of an answer, with everything needed to store, show and reproduce it."""

    text: str
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    ttft_s: float
    decode_tok_s: float
    seed: int
    dropped_messages: int = 0  # oldest turns left out because the context was full
    cached_tokens: int = 0  # prompt tokens reused from the engine's cache rather than evaluated
    json_valid: bool | None = None  # set when a constraint was used: parsed and validated
    json_error: str | None = None
    # Decoded in a batch beside other answers: llama.cpp's numbers then depend on the batch, so the
    # same seed alone (or with --parallel 1) may give another answer.
    batched: bool = False
    drafted: int = 0  # draft tokens checked (speculative decoding, LoadOptions.draft)
    accepted: int = 0  # of those, the ones the answer kept
    tokens_estimated: bool = False  # a remote server that gave no usage: counted from the stream
    logprobs: list[dict[str, Any]] | None = None  # every token's entry, when the request asked
    # JSON mode closed the answer early because it neared max_tokens (desktop.jsonmode.runaway).
    wrapped_up: bool = False

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "ttft_s": round(self.ttft_s, 4),
            "decode_tok_s": round(self.decode_tok_s, 2),
            "finish_reason": self.finish_reason,
            "batched": self.batched,
        }
        if self.tokens_estimated:
            stats["tokens_estimated"] = True
        if self.drafted:  # speculative decoding: draft tokens checked, and those kept
            stats["drafted"], stats["accepted"] = self.drafted, self.accepted
        if self.wrapped_up:
            stats["wrapped_up"] = True
        return stats


@dataclass
class Embeddings:
    """`EngineClient.embed`'s answer: one unit-length float32 vector per input (numpy arrays),
    the tokens embedded, the pooling used and the longest input the embedding context takes."""

    vectors: list[Any]
    prompt_tokens: int
    pooling: str
    n_ctx: int


@dataclass
class EngineFailure:
    """The request failed. kind: "crash" (the worker died; the next request starts a fresh one),
    "load" (the model could not be loaded), "request" (bad request, e.g. prompt too long)."""

    kind: Literal["crash", "load", "request"]
    message: str


Event = Token | Done | EngineFailure
