"""`hearth serve`: the model behind an OpenAI-compatible HTTP API on this machine.

Loopback only by default; another interface needs an API key, checked before the model loads so
the refusal is instant. The key may come from HEARTH_API_KEY instead of the command line, where
other users of the machine could read it in the process list.
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

from desktop.cli.chat import add_context_arguments, describe_load
from desktop.engine.types import SERVE_PARALLEL
from desktop.errors import HearthError


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="serve a model over an OpenAI-compatible HTTP API",
                            description="Serve a model over an OpenAI-compatible HTTP API "
                                        "(/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses, /v1/models).")
    parser.add_argument("-m", "--model", help="catalog name or .gguf path (default: the catalog's default)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; others need --api-key)")
    parser.add_argument("--port", type=_port, default=8080, help="port (default 8080; 0 picks a free one)")
    parser.add_argument("--api-key", default=os.environ.get("HEARTH_API_KEY") or None,
                        help="require 'Authorization: Bearer KEY' (default: $HEARTH_API_KEY)")
    parser.add_argument("--gpu-layers", type=int, default=None,
                        help="layers to offload to the GPU (default: as many as fit)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: physical cores)")
    parser.add_argument("--parallel", type=int, default=SERVE_PARALLEL, metavar="N",
                        help=f"requests answered together, each with the full --ctx (default {SERVE_PARALLEL}; "
                             f"1: one at a time, answers reproducible by seed)")
    add_context_arguments(parser)
    parser.add_argument("--embedding-model", metavar="PATH", default=None,
                        help="a GGUF embedding model for /v1/embeddings (default: the chat model)")
    parser.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                        help="allow browser pages from ORIGIN (repeatable; default: no CORS)")
    from desktop.cli.remote_engine import add_engine_arguments

    add_engine_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop.api.server import ApiServer, check_exposure
    from desktop.cli.chat import load_options_from_args
    from desktop.engine.client import EngineClient
    from desktop.models import resolve
    from desktop.models.catalog import DEFAULT_MODEL
    from desktop.cli.remote_engine import load_remote, remote_server_from_args

    check_exposure(args.host, args.api_key)
    remote = remote_server_from_args(args)  # --engine: a local proxy that keeps Hearth's checks
    if remote is not None and args.embedding_model:
        raise HearthError("--embedding-model needs a local engine: it cannot be combined with --engine")
    if remote is not None:
        client = load_remote(args, remote)
    else:
        options = load_options_from_args(args, resolve(args.model or DEFAULT_MODEL))
        options = replace(options, parallel=args.parallel)
        client = EngineClient()
    try:
        info = client.model if remote is not None else client.load(options)
        if args.embedding_model:  # loaded now, so a bad file is one line before the server starts
            client.embed(["hello"], args.embedding_model)
        server = ApiServer(client, args.host, args.port, args.api_key, cors_origins=args.cors_origin,
                           embedding_model=args.embedding_model)
        server.start()
        try:
            print(f"hearth: serving {info.name} at {server.url}/v1 (Ctrl+C to stop)", flush=True)
            print(f"hearth: {describe_load(info)}", flush=True)
            while server.running:
                time.sleep(0.2)
            raise HearthError(f"the API server at {server.url} stopped unexpectedly")
        except KeyboardInterrupt:
            print("hearth: stopping", flush=True)
        finally:
            server.stop()
    finally:
        client.close()
    return 0
