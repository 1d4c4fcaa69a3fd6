"""What each kind of OpenAI-compatible server understands beyond OpenAI's own fields.

The servers all speak `/v1/chat/completions`, but they differ where Hearth's guarantees live: how a
JSON Schema or a grammar is asked for, which sampling fields they take, where they count tokens and
whether they say how long their context is. One row per server kind, told apart by what
`/v1/models` says (`owned_by`) and, for llama-cpp-python, by its `/extras/tokenize` route. A server
nobody recognises gets OpenAI's fields only: JSON Schemas through `response_format`, no grammars.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.engine.types import SamplingParams
from desktop.errors import HearthError
from desktop.jsonmode.constraint import Constraint

# How a constraint is sent: OpenAI's response_format, llama-cpp-python's json_object + schema, and
# where a GBNF grammar goes (None: the server cannot enforce one, so Hearth refuses before sending).
OPENAI, JSON_OBJECT_SCHEMA = "openai", "json_object+schema"
# Sampling fields beyond OpenAI's (temperature, top_p, seed, stop, max_tokens, penalties), by the
# name each server reads them under.
_LLAMA_EXTRAS = {"top_k": "top_k", "min_p": "min_p", "repeat_penalty": "repeat_penalty"}
_HEARTH_EXTRAS = {**_LLAMA_EXTRAS, **{name: name for name in (
    "dry_multiplier", "dry_base", "dry_allowed_length", "dry_penalty_last_n", "dry_sequence_breakers",
    "xtc_probability", "xtc_threshold")}}


@dataclass(frozen=True)
class ServerKind:
    name: str  # as Hearth names it to the user
    owned_by: tuple[str, ...]  # what its /v1/models entries say they are owned by
    schema_style: str  # OPENAI or JSON_OBJECT_SCHEMA
    grammar_field: str | None  # request field for a GBNF grammar (dotted: nested object)
    extras: dict[str, str]  # SamplingParams field -> request field
    tokenize: str | None  # tokenizer route below the server root (None: estimate)
    tokenize_body: str  # "messages": counts a whole chat exactly; "content"/"input": text only
    usage_in_stream: bool  # honours stream_options.include_usage
    interrupts: bool = False  # a new request of any kind ends the answer streaming (llama-cpp-python)
    # How it takes OpenAI's tool_choice: "openai" (auto / required / a named function), or
    # "named" (llama-cpp-python's chatml-function-calling reads "required" as "auto": a required
    # call to one function is sent as that function, by name). Every call is checked here anyway.
    tool_choice: str = "openai"


KINDS: tuple[ServerKind, ...] = (
    ServerKind("Hearth", ("hearth",), OPENAI, "grammar", _HEARTH_EXTRAS, None, "", True),
    ServerKind("llama.cpp server", ("llamacpp",), OPENAI, "grammar", _LLAMA_EXTRAS, "/tokenize", "content", True),
    ServerKind("llama-cpp-python", ("me",), JSON_OBJECT_SCHEMA, "grammar", _LLAMA_EXTRAS,
               "/extras/tokenize/count", "input", False, interrupts=True, tool_choice="named"),
    ServerKind("vLLM", ("vllm",), OPENAI, "structured_outputs.grammar",
               {"top_k": "top_k", "min_p": "min_p", "repeat_penalty": "repetition_penalty"}, "/tokenize",
               "messages", True),
    ServerKind("Ollama", ("library", "ollama"), OPENAI, None, {}, None, "", True),
)
GENERIC = ServerKind("OpenAI-compatible server", (), OPENAI, None, {}, None, "", True)


def identify(models: list[dict[str, Any]], routes: set[str]) -> ServerKind:
    """The server kind from its /v1/models entries and the routes it is known to serve."""
    owners = {str(entry.get("owned_by", "")).lower() for entry in models}
    for kind in KINDS:
        if owners & set(kind.owned_by):
            if kind.name == "llama-cpp-python" and "/extras/tokenize/count" not in routes:
                continue  # "me" alone is too common an owner to trust
            return kind
    return GENERIC


def check_enforceable(kind: ServerKind, constraint: Constraint | None) -> None:
    """Refuse, before anything is sent, a constraint this server cannot be asked to enforce."""
    if constraint is None:
        return
    if constraint.kind == "lark" and constraint.tool_use is None:
        raise HearthError(f"this server ({kind.name}) cannot enforce Hearth's own grammars: "
                          "use a local model for this")
    if constraint.kind == "grammar" and kind.grammar_field is None:
        raise HearthError(f"this server ({kind.name}) cannot be asked to follow a GBNF grammar: use a JSON "
                          "Schema, or a llama.cpp, vLLM or Hearth server")


def constraint_fields(kind: ServerKind, constraint: Constraint | None) -> dict[str, Any]:
    """The request fields that ask this server to enforce `constraint` (checked already)."""
    if constraint is None or constraint.tool_use is not None:  # tool calls: `tool_fields`
        return {}
    if constraint.kind == "grammar":
        head, _, tail = kind.grammar_field.partition(".")
        return {head: {tail: constraint.grammar}} if tail else {head: constraint.grammar}
    if constraint.kind in ("json", "json_object") or constraint.schema is None:
        return {"response_format": {"type": "json_object"}}
    if kind.schema_style == JSON_OBJECT_SCHEMA:
        return {"response_format": {"type": "json_object", "schema": constraint.schema}}
    return {"response_format": {"type": "json_schema",
                                "json_schema": {"name": "answer", "schema": constraint.schema, "strict": True}}}


def tool_fields(kind: ServerKind, tools: list[dict[str, Any]], constraint: Constraint | None) -> dict[str, Any]:
    """OpenAI's tools, tool_choice and parallel_tool_calls for what a tool-call constraint
    (`jsonmode.tool_calls.tool_constraint`) allows; no constraint: tool_choice "none"."""
    use = constraint.tool_use if constraint is not None else None
    if use is None:
        return {"tools": tools, "tool_choice": "none"}
    named = use["names"] if use["mode"] == "required" else []
    offered = [t.get("function", {}).get("name") for t in tools]
    if len(named) == 1 and (len(offered) > 1 or kind.tool_choice == "named"):
        choice: Any = {"type": "function", "function": {"name": named[0]}}
    else:
        choice = use["mode"]
    return {"tools": tools, "tool_choice": choice, "parallel_tool_calls": bool(use["parallel"])}


def sampling_fields(kind: ServerKind, params: SamplingParams, seed: int) -> dict[str, Any]:
    """OpenAI's sampling fields, plus those this server reads; the seed is always sent."""
    fields: dict[str, Any] = {"temperature": params.temperature, "top_p": params.top_p, "seed": seed,
                              "presence_penalty": params.presence_penalty,
                              "frequency_penalty": params.frequency_penalty}
    if params.max_tokens is not None:
        fields["max_tokens"] = params.max_tokens
    if params.stop:
        fields["stop"] = list(params.stop)
    values = params.to_dict()
    for ours, theirs in kind.extras.items():
        fields[theirs] = values[ours]
    return fields
