"""`hearth chat`: one answer, streamed to stdout, through the engine.

Composes like a Unix tool: the answer goes to stdout, everything else (progress, notes, --stats)
to stderr, and errors are one line with exit status 1.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from desktop.cli.chat_tools import add_tool_arguments, answer_json, tools_from_args
from desktop.errors import HearthError


def add_sampling_arguments(parser: argparse.ArgumentParser) -> None:
    """Sampling and load flags shared by the commands that generate."""
    parser.add_argument("-m", "--model", default="default", help="catalog name or .gguf path (default: %(default)s)")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--top-k", type=int, default=40)
    parser.add_argument("--min-p", type=float, default=0.05)
    parser.add_argument("--repeat-penalty", type=float, default=1.1)
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--seed", type=int, default=None, help="fix the seed to reproduce an answer")
    parser.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    repetition = parser.add_argument_group("repetition control (llama-server's DRY and XTC samplers)")
    repetition.add_argument("--dry-multiplier", type=float, default=None, help="DRY strength (0: off)")
    repetition.add_argument("--dry-base", type=float, default=None)
    repetition.add_argument("--dry-allowed-length", type=int, default=None)
    repetition.add_argument("--dry-penalty-last-n", type=int, default=None, help="-1: the whole context")
    repetition.add_argument("--xtc-probability", type=float, default=None, help="XTC chance per token (0: off)")
    repetition.add_argument("--xtc-threshold", type=float, default=None)
    parser.add_argument("--gpu-layers", type=int, default=None, help="layers to offload (default: automatic)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: physical cores)")
    add_context_arguments(parser)


def context_length(text: str) -> int | str:
    """--ctx: a number of tokens, or "max" (the length the model was trained for)."""
    if text.strip().lower() == "max":
        return "max"
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of tokens or 'max', got '{text}'") from None


def add_context_arguments(parser: argparse.ArgumentParser, ctx_default: int = 4096) -> None:
    """The context length and long-context load flags `hearth chat` and `hearth serve` share."""
    from desktop.engine.types import DRAFTS, FLASH_ATTENTION, KV_CACHE_TYPES, ROPE_SCALING

    parser.add_argument("--ctx", type=context_length, default=None, metavar="TOKENS",
                        help=f"context length in tokens, or 'max' for the model's trained length (default: "
                             f"{ctx_default}, or the trained length where that is shorter)")
    parser.set_defaults(ctx_default=ctx_default)
    parser.add_argument("--flash-attn", choices=FLASH_ATTENTION, default="auto",
                        help="flash attention (default: auto, llama.cpp decides per device)")
    parser.add_argument("--kv-type", choices=KV_CACHE_TYPES, default="f16",
                        help="KV cache type: q8_0 halves its memory, q4_0 quarters it (default: f16)")
    parser.add_argument("--rope-scaling", choices=ROPE_SCALING, default=None,
                        help="stretch the trained context, e.g. yarn for Qwen2.5 past 32K (default: as the model file says)")
    parser.add_argument("--rope-scale", type=float, default=None, metavar="FACTOR",
                        help="how far --rope-scaling stretches it (default: as far as --ctx needs)")
    parser.add_argument("--draft", choices=DRAFTS, default="none",
                        help="speculative decoding of an answer decoded alone: prompt-lookup drafts from the "
                             "prompt, faster on answers that copy it, may differ slightly (default: none)")
    parser.add_argument("--draft-min", type=int, default=0, metavar="TOKENS",
                        help="with --draft, check every draft found, at least this long, even where the "
                             "costs measured at load say it does not pay (default: 0, the costs decide)")
    parser.add_argument("--memory-limit", type=float, default=None, metavar="GIB",
                        help="refuse a load whose estimate is above this (default: the free RAM or VRAM; 0: no check)")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("chat", help="answer one prompt, streamed to stdout")
    parser.add_argument("prompt", help="the message to send ('-' reads standard input)")
    parser.add_argument("--system", default=None, help="system prompt")
    add_sampling_arguments(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="answer with any valid JSON value")
    mode.add_argument("--schema", metavar="FILE", help="answer with JSON valid against this JSON Schema file")
    mode.add_argument("--grammar", metavar="FILE", help="answer following this GBNF grammar file")
    parser.add_argument("--no-runaway-guard", action="store_true",
                        help="JSON modes: let numbers, repeated array items and repeating strings grow "
                             "as long as the grammar allows (see README, JSON mode)")
    add_tool_arguments(parser)
    parser.add_argument("--no-schema-hint", action="store_true",
                        help="do not show the schema to the model in the prompt")
    parser.add_argument("--stats", action="store_true",
                        help="print one JSON line of timing statistics to stderr")
    parser.add_argument("--session", type=int, metavar="ID",
                        help="continue this stored session with its history (see `hearth sessions list`)")
    parser.add_argument("--no-save", action="store_true", help="do not store this exchange")
    from desktop.cli.remote_engine import add_engine_arguments

    add_engine_arguments(parser)
    parser.set_defaults(run=run)


def sampling_from_args(args: argparse.Namespace):
    from desktop.engine import SamplingParams
    from desktop.engine.types import REPETITION_RANGES

    for name in ("temperature", "top_p", "min_p", "repeat_penalty"):
        if getattr(args, name) < 0:
            raise HearthError(f"--{name.replace('_', '-')} must not be negative")
    params = SamplingParams(temperature=args.temperature, top_p=args.top_p, top_k=args.top_k,
                            min_p=args.min_p, repeat_penalty=args.repeat_penalty,
                            max_tokens=args.max_tokens, seed=args.seed, stop=list(args.stop))
    for name, (low, high) in REPETITION_RANGES.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        if value < low or (high is not None and value > high):
            wanted = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise HearthError(f"--{name.replace('_', '-')} must be {wanted}, got {value}")
        setattr(params, name, value)
    return params


def constraint_from_args(args: argparse.Namespace):
    """The JSON-mode constraint asked for on the command line, or None."""
    from desktop.engine import Constraint

    show = not args.no_schema_hint
    guard = not getattr(args, "no_runaway_guard", False)
    if args.json:
        return Constraint("json", show_schema=show, runaway_guard=guard)
    if args.schema:
        try:
            schema = json.loads(_read_text(args.schema))
        except json.JSONDecodeError as exc:
            raise HearthError(f"{args.schema}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
        if not isinstance(schema, (dict, bool)):
            raise HearthError(f"{args.schema}: a JSON Schema must be an object")
        return Constraint("json_schema", schema=schema, show_schema=show, runaway_guard=guard)
    if args.grammar:
        return Constraint("grammar", grammar=_read_text(args.grammar), show_schema=show)
    return None


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise HearthError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise HearthError(f"{path}: not UTF-8 text") from None


def load_options_from_args(args: argparse.Namespace, path: Path):
    """LoadOptions for `path` from the flags (commands without the long-context flags get the
    defaults); the engine checks them against the model file."""
    from desktop.engine import LoadOptions

    if args.ctx is None:  # the default: never more than the model was trained for
        from desktop.models.gguf_info import inspect_gguf

        trained = inspect_gguf(path).context_length or args.ctx_default
        args.ctx = min(args.ctx_default, trained)
    if args.ctx != "max" and args.ctx <= 0:
        raise HearthError("--ctx must be a positive number of tokens (or 'max')")
    limit = getattr(args, "memory_limit", None)
    if limit is not None and limit < 0:
        raise HearthError("--memory-limit must be 0 (no check) or a number of GiB")
    return LoadOptions(str(path), n_ctx=0 if args.ctx == "max" else args.ctx, n_gpu_layers=args.gpu_layers, n_threads=getattr(args, "threads", None),
                       flash_attn=getattr(args, "flash_attn", "auto"), kv_type=getattr(args, "kv_type", "f16"),
                       rope_scaling=getattr(args, "rope_scaling", None), rope_scale=getattr(args, "rope_scale", None),
                       memory_limit_bytes=None if limit is None else int(limit * 2**30),
                       draft=getattr(args, "draft", "none"), draft_min=getattr(args, "draft_min", 0))


def describe_load(info) -> str:
    """What llama.cpp built, in one line: context, KV cache, flash attention, where it runs."""
    mib = 2**20
    parts = [f"{info.name}: context {info.n_ctx:,} tokens"]
    if info.parallel > 1:
        parts.append(f"{info.parallel} requests at once")
    if info.kv_type:
        parts.append(f"KV cache {info.kv_type} ({info.kv_bytes / mib:.0f} MiB)")
    if info.flash_attn:
        parts.append(f"flash attention {info.flash_attn}")
    if info.rope_freq_scale and info.rope_freq_scale != 1.0:
        parts.append(f"rope scaled {1 / info.rope_freq_scale:g}x")
    if info.memory_estimate_bytes:
        parts.append(f"estimated ~{info.memory_estimate_bytes / 2**30:.2f} GiB")
    parts.append(info.offload)
    return " · ".join(parts)


def load_client(args: argparse.Namespace, identify: bool = False):
    """Resolve the model (fetching it if needed) and load it in a fresh engine; with `identify`,
    start hashing the file meanwhile (for an answer that will be stored). With `--engine`, the
    model runs on that server instead (desktop.engine.remote)."""
    from desktop.cli.remote_engine import load_remote, remote_server_from_args

    server = remote_server_from_args(args)
    if server is not None:
        engine = load_remote(args, server)
        if engine.load_warning:
            print(f"hearth: note: {engine.load_warning}", file=sys.stderr)
        return engine
    from desktop.engine import runtime_check
    from desktop.engine.client import EngineClient
    from desktop.models import resolve
    from desktop.models.identity import hash_in_background

    path = resolve(args.model)
    options = load_options_from_args(args, path)
    if identify:
        hash_in_background(path)  # alongside the load, at low priority; cached once done
    client = EngineClient()
    try:
        client.load(options)
    except BaseException:
        client.close()
        raise
    if client.load_warning:
        print(f"hearth: warning: {client.load_warning}", file=sys.stderr)
    if runtime_check.FALLBACK_MARK in client.model.offload:  # slower than it could be, and why
        print(f"hearth: note: {client.model.offload}", file=sys.stderr)
    return client


def stream_answer(generation, out=sys.stdout):
    """Write the answer as it arrives; return the final Done or raise on failure."""
    from desktop.engine import Done, EngineFailure, Token

    for event in generation:
        if isinstance(event, Token):
            out.write(event.text)
            out.flush()
        elif isinstance(event, EngineFailure):
            raise HearthError(event.message)
        elif isinstance(event, Done):
            if not event.text.endswith("\n"):
                out.write("\n")
            out.flush()
            return event
    raise HearthError("the engine ended the answer without a result")


def run(args: argparse.Namespace) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise HearthError("the prompt is empty")
    params = sampling_from_args(args)
    constraint = constraint_from_args(args)
    tooling = tools_from_args(args)  # checked before the model loads
    if tooling is not None and constraint is not None:
        raise HearthError("--tool cannot be combined with --json, --schema or --grammar")
    constraint = tooling.constraint if tooling is not None else constraint
    from desktop.store.chat_log import ChatLog

    log = ChatLog.open(args.session, save=not args.no_save, system=args.system, model=args.model,
                       params=params, constraint=constraint)
    try:
        messages = log.conversation(prompt, args.system)
        client = load_client(args, identify=log.save)
    except BaseException:
        log.close()
        raise
    generation = None
    try:
        from desktop.models.identity import hash_in_background, parse_remote_reference, stored_model_name

        remote = parse_remote_reference(client.model.path) is not None  # no file to hash
        hashing = hash_in_background(client.model.path) if log.save and not remote else None
        tools = None
        if tooling is not None:  # again, for the loaded model's tags
            tooling = tools_from_args(args, client.model.tool_tags_are_tokens)
            constraint, tools = tooling.constraint, tooling.tools if tooling.constraint else None
        log.ask(prompt, model_file=stored_model_name(client.model.path), model_sha256=_ready(hashing),
                params=params, constraint=constraint)
        generation = client.chat(messages, params, constraint, tools)
        collected = io.StringIO() if tools else None  # a call is printed whole, as JSON
        done = stream_answer(generation, out=log.tee(collected or sys.stdout))
        if collected is not None and done.json_valid:
            print(answer_json(done.text))
        log.finish(done)
        if log.last_answer_id is not None and hashing is not None and _ready(hashing) is None:
            _record_sha256_later(log, hashing, Path(client.model.path).name)
    except KeyboardInterrupt:
        if generation is not None:
            generation.cancel()
        log.abort("cancelled")
        raise
    except HearthError:
        log.abort("error")
        raise
    finally:
        client.close()
        log.close()
    if done.dropped_messages:
        print(f"hearth: note: {done.dropped_messages} oldest messages were left out to fit the context",
              file=sys.stderr)
    if args.stats:
        print(f"hearth: {describe_load(client.model)}", file=sys.stderr)
        print(json.dumps(done.stats()), file=sys.stderr)
    if constraint is not None and not done.json_valid:
        print(f"hearth: error: the answer is not valid: {done.json_error}", file=sys.stderr)
        return 1
    return 0


def _ready(hashing) -> str | None:
    """The model file's sha256 if hashing it has finished (a cached file's is ready at once)."""
    return hashing.result() if hashing is not None and hashing.done() and hashing.exception() is None else None


def _record_sha256_later(log, hashing, name: str) -> None:
    """The answer is out; wait for the model file's hash (a multi-GB file, the first time) and
    record it on the stored answer. Ctrl+C skips it: `hearth feedback new` hashes it then."""
    try:
        try:
            sha256 = hashing.result(timeout=0.5)
        except TimeoutError:
            print(f"hearth: recording the sha256 of {name} with the answer (once per file; Ctrl+C skips)",
                  file=sys.stderr, flush=True)
            sha256 = hashing.result()
    except KeyboardInterrupt:
        return
    except HearthError as exc:
        print(f"hearth: warning: the answer is stored without its model's sha256: {exc}", file=sys.stderr)
        return
    log.store.fill_model_sha256([log.last_answer_id], sha256)
