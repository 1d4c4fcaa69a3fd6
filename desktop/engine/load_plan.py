"""Turn a LoadOptions into what llama.cpp is asked for, checked against the model file first.

Everything a user can get wrong about a long context is refused here in one line, before llama.cpp
sees it (llama.cpp would answer most of these with "Failed to create llama_context"): an unknown
KV cache type, a quantized cache without flash attention, a context longer than the model was
trained for without rope scaling, and a load whose memory estimate does not fit. Pure Python on
the GGUF header, so the model manager can show the same estimate before anything loads.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.engine.memory_estimate import GGML_KV_TYPES, GIB, MemoryEstimate, estimate
from desktop.engine.draft_cost import MAX_CHECK
from desktop.engine.types import DRAFTS, FLASH_ATTENTION, KV_CACHE_TYPES, ROPE_SCALING, LoadOptions
from desktop.errors import HearthError
from desktop.models.gguf_info import GgufInfo

FALLBACK_CONTEXT = 4096  # for a file that does not say what it was trained for
MAX_PARALLEL = 64  # slots (llama.cpp's own limit on sequences is 256)


@dataclass(frozen=True)
class LoadPlan:
    n_ctx: int
    flash_attn: str  # "auto" / "on" / "off"
    kv_type: str
    rope_scaling: str | None  # None: as the GGUF says
    rope_factor: float  # how far the trained context is stretched (1.0: not at all)
    trained_ctx: int
    memory: MemoryEstimate
    parallel: int = 1  # answers decoded together, each with n_ctx tokens of KV cache

    @property
    def sequences(self) -> int:
        return context_sequences(self.parallel)

    def llama_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for llama_cpp.Llama (flash attention "auto" is applied by the worker:
        the Llama class only takes on/off)."""
        import llama_cpp

        kv = int(GGML_KV_TYPES[self.kv_type])
        kwargs: dict[str, Any] = {"n_ctx": self.n_ctx * self.sequences, "flash_attn": self.flash_attn == "on",
                                  "type_k": kv, "type_v": kv}
        if self.rope_scaling is not None:
            kwargs["rope_scaling_type"] = {"none": llama_cpp.LLAMA_ROPE_SCALING_TYPE_NONE,
                                           "linear": llama_cpp.LLAMA_ROPE_SCALING_TYPE_LINEAR,
                                           "yarn": llama_cpp.LLAMA_ROPE_SCALING_TYPE_YARN}[self.rope_scaling]
        if self.rope_scaling in ("linear", "yarn"):
            kwargs["rope_freq_scale"] = 1.0 / self.rope_factor
        if self.rope_scaling == "yarn":
            kwargs["yarn_orig_ctx"] = self.trained_ctx
        return kwargs


def context_sequences(parallel: int) -> int:
    """The context's sequences for `parallel` slots: one each, and with several slots one spare,
    through which the scheduler swaps two slots' caches (desktop.engine.slots keeps the answers
    it decodes together in adjacent sequences)."""
    return parallel + 1 if parallel > 1 else 1


def plan_load(options: LoadOptions, info: GgufInfo) -> LoadPlan:
    """The checked plan for loading `info` with `options`; HearthError names the first problem."""
    if options.flash_attn not in FLASH_ATTENTION:
        raise HearthError(f"flash attention must be auto, on or off, not '{options.flash_attn}'")
    if options.kv_type not in KV_CACHE_TYPES:
        raise HearthError(f"unknown KV cache type '{options.kv_type}' (choose {', '.join(KV_CACHE_TYPES)})")
    if options.flash_attn == "off" and options.kv_type != "f16":
        raise HearthError(f"a {options.kv_type} KV cache needs flash attention (llama.cpp quantizes the "
                          f"V cache only with it): set flash attention to auto or on, or use an f16 cache")
    if options.rope_scaling is not None and options.rope_scaling not in ROPE_SCALING:
        raise HearthError(f"rope scaling must be none, linear or yarn, not '{options.rope_scaling}'")
    if options.draft not in DRAFTS:
        raise HearthError(f"drafting must be {' or '.join(DRAFTS)}, not '{options.draft}'")
    if not isinstance(options.draft_min, int) or not 0 <= options.draft_min < MAX_CHECK:
        raise HearthError(f"the least draft length must be 0-{MAX_CHECK - 1} tokens, not {options.draft_min}")
    if options.draft_min and options.draft == "none":
        raise HearthError("a least draft length needs drafting on (--draft prompt-lookup)")
    if not isinstance(options.parallel, int) or not 1 <= options.parallel <= MAX_PARALLEL:
        raise HearthError(f"parallel requests must be 1-{MAX_PARALLEL}, not {options.parallel}")
    if not isinstance(options.n_ctx, int) or options.n_ctx < 0:
        raise HearthError(f"the context length must be a positive number of tokens, not {options.n_ctx}")
    scale = options.rope_scale
    if scale is not None and options.rope_scaling not in ("linear", "yarn"):
        raise HearthError("a rope scale factor needs rope scaling linear or yarn")
    if scale is not None and not scale >= 1:
        raise HearthError(f"the rope scale factor stretches the trained context: 1 or more, not {scale}")
    trained = info.context_length or FALLBACK_CONTEXT
    stretching = options.rope_scaling in ("linear", "yarn")
    n_ctx = options.n_ctx or int(trained * (scale or 1.0) if stretching else trained)
    factor = (scale or max(n_ctx / trained, 1.0)) if stretching else 1.0
    limit = int(trained * factor)
    if options.rope_scaling is None:  # the file's own scaling (llama.cpp applies it unasked)
        limit = max(limit, gguf_scaled_context(info))
    if n_ctx > limit:
        if stretching:
            raise HearthError(f"a context of {n_ctx:,} tokens is more than {info.name}'s {trained:,} "
                              f"stretched {factor:g}x by rope scaling ({limit:,}): raise the scale or lower the context")
        raise HearthError(f"a context of {n_ctx:,} tokens is more than the {trained:,} {info.name} was "
                          f"trained for: choose at most {trained:,}, or turn on YaRN rope scaling to stretch it")
    # "auto" is llama.cpp's own choice only where a quantized cache needs flash attention: elsewhere
    # it stays off, because llama.cpp's flash attention changes its numbers and so the answer a seed
    # gives (an f16 cache keeps the answers earlier Hearths gave; "on" asks for it).
    flash = "off" if options.flash_attn == "auto" and options.kv_type == "f16" else options.flash_attn
    memory = estimate(info, n_ctx * context_sequences(options.parallel), options.kv_type, flash_attn=flash != "off")
    return LoadPlan(n_ctx, flash, options.kv_type, options.rope_scaling, factor, trained, memory, options.parallel)


def gguf_scaled_context(info: GgufInfo) -> int:
    """How far the GGUF's own rope scaling (rope.scaling.type yarn/linear and its factor) takes the
    context it was trained at (0: the file has none)."""
    kind = info.metadata.get(f"{info.architecture}.rope.scaling.type")
    factor = info.metadata.get(f"{info.architecture}.rope.scaling.factor")
    if kind not in ("yarn", "linear") or not isinstance(factor, (int, float)) or factor <= 1:
        return 0
    original = info.arch_int("rope.scaling.original_context_length", info.context_length)
    return int(original * factor)


def check_fits(plan: LoadPlan, need: int, free: int, where: str, limit: int | None) -> None:
    """Refuse, in one line, a load whose estimate exceeds the limit (None: what is `free` in
    `where`, "RAM" or a GPU's name; 0: no check)."""
    if limit == 0:
        return
    room = free if limit is None else limit
    if need > room:
        what = f"{where} free" if limit is None else "the memory limit"
        raise HearthError(f"not enough memory: this load needs {plan.memory.describe()} at {plan.n_ctx:,} "
                          f"tokens with the KV cache in {plan.kv_type}, more than the {room / GIB:.2f} GiB of {what}; "
                          f"use a shorter context or a q8_0/q4_0 KV cache")
