"""What llama.cpp actually built for a load, read from the lines it logs while creating the context.

llama-cpp-python exposes no getter for a context's flash-attention state, cache types or buffer
sizes, but llama.cpp reports each of them (after resolving "auto" and its own fallbacks, e.g. it
turns flash attention on for a quantized V cache) when it builds the context. The worker keeps those
lines during a load and this module reads them, so ModelInfo says what runs, not what was asked.
"""
from __future__ import annotations

import re

MIB = 1024 * 1024
# Log lines worth keeping while a context is built (the rest of a load's log is per-tensor noise).
PREFIXES = ("llama_context:", "llama_kv_cache:", "sched_reserve:", "llama_init_from_model:",
            "resolve_fused_ops:")

_PATTERNS = {
    "flash_attn": re.compile(r"llama_context: flash_attn\s+=\s+(\w+)"),
    "flash_attn_auto": re.compile(r"resolve_fused_ops: Flash Attention (\w+)"),
    "rope_freq_base": re.compile(r"llama_context: freq_base\s+=\s+([\d.eE+-]+)"),
    "rope_freq_scale": re.compile(r"llama_context: freq_scale\s+=\s+([\d.eE+-]+)"),
    "kv": re.compile(r"llama_kv_cache: size =\s+([\d.]+) MiB .*K \((\w+)\):.*V \((\w+)\):"),
}
_COMPUTE = re.compile(r"(\S+) compute buffer size =\s+([\d.]+) MiB")


def read_context(lines: list[str]) -> dict:
    """ModelInfo fields (flash_attn, kv_type, kv_bytes, compute_bytes, rope_freq_*) found in the
    log; a field llama.cpp did not report is left out."""
    text = "\n".join(lines)
    found: dict = {}
    if match := _PATTERNS["flash_attn"].search(text):
        found["flash_attn"] = match.group(1)
    if match := _PATTERNS["flash_attn_auto"].search(text):  # how llama.cpp resolved "auto"
        found["flash_attn"] = match.group(1).lower()
    for key in ("rope_freq_base", "rope_freq_scale"):
        if match := _PATTERNS[key].search(text):
            found[key] = float(match.group(1))
    if match := _PATTERNS["kv"].search(text):
        k, v = match.group(2), match.group(3)
        found["kv_type"] = k if k == v else f"{k}/{v}"
        found["kv_bytes"] = int(float(match.group(1)) * MIB)
    # The scheduler reports each device's buffer after every reserve; the last report counts.
    compute: dict[str, float] = {}
    for device, size in _COMPUTE.findall(text):
        compute[device] = float(size)
    if compute:
        found["compute_bytes"] = int(sum(compute.values()) * MIB)
    return found
