"""`hearth-convert SRC OUT.gguf [--outtype T] [--verify] [--force] [--progress-json]`.

Exit codes: 0 done, 1 a problem (one line on stderr, no partial file), 2 usage, 130 cancelled
(SIGINT/SIGTERM: the conversion stops at the next chunk and removes its temporary files).
With --progress-json, stdout carries one JSON object per line: progress `Step`s, then a final
{"stage": "result", ...} line with the ConvertResult (and the verify report when asked).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from dataclasses import asdict

from converter.outtypes import OUTTYPES
from converter.progress import Cancelled, TqdmBar, json_lines
from desktop.errors import HearthError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"hearth-convert: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hearth-convert", description="Convert a Hugging Face checkpoint to GGUF.")
    parser.add_argument("src", help="checkpoint folder or Hugging Face repo id (owner/name)")
    parser.add_argument("out", help="output .gguf file")
    parser.add_argument("--outtype", choices=OUTTYPES, default="auto", metavar="TYPE",
                        help=f"one of {', '.join(OUTTYPES)} (default: auto = f16, or bf16 if f16 would overflow)")
    parser.add_argument("--verify", action="store_true",
                        help="compare the result with the unquantized model on a built-in multilingual text")
    parser.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    parser.add_argument("--imatrix", help="importance matrix from llama-imatrix (gguf or legacy .dat) for k-quants and iq4_xs")
    parser.add_argument("--threads", type=int, default=0, help="threads for llama.cpp (default: all cores)")
    parser.add_argument("--progress-json", action="store_true",
                        help="print progress as one JSON object per line on stdout (for the app)")
    return parser


def _cancel_on_signals() -> threading.Event:
    cancel = threading.Event()

    def handler(signum, frame):
        cancel.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return cancel


def _print_report(result, report) -> None:
    print(f"wrote {result.path}: {result.arch}, {result.n_params / 1e6:.0f}M parameters, {result.outtype}, "
          f"{result.size_bytes / 1e6:.1f} MB in {result.seconds:.1f} s")
    for note in result.notes:
        print(f"note: {note}")
    if report is not None:
        print(report.table())


def _clear(bar: TqdmBar | None) -> None:
    if bar is not None:
        bar.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.ERROR, format="hearth-convert: %(message)s")  # gguf's chatter stays quiet
    bar = None if args.progress_json else TqdmBar()
    progress = json_lines if bar is None else bar
    cancel = _cancel_on_signals()
    try:
        from converter.convert import convert

        result = convert(args.src, args.out, args.outtype, force=args.force, imatrix=args.imatrix,
                         threads=args.threads, progress=progress, cancel=cancel)
        report = None
        if args.verify:
            from converter.verify import verify

            report = verify(result.source, result.path, progress=progress, cancel=cancel)
    except Cancelled as exc:
        _clear(bar)
        print(f"hearth-convert: {exc}", file=sys.stderr)
        return 130
    except HearthError as exc:
        _clear(bar)
        print(f"hearth-convert: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line for the user; HEARTH_CONVERT_DEBUG=1 shows the traceback
        _clear(bar)
        if os.environ.get("HEARTH_CONVERT_DEBUG"):
            raise
        print(f"hearth-convert: internal error: {type(exc).__name__}: {exc} "
              "(rerun with HEARTH_CONVERT_DEBUG=1 for details)", file=sys.stderr)
        return 1
    _clear(bar)
    if args.progress_json:
        payload = {"stage": "result", **{k: str(v) if k in ("path", "source") else v
                                           for k, v in asdict(result).items()}}
        if report is not None:
            payload["verify"] = asdict(report)
        print(json.dumps(payload, ensure_ascii=False), flush=True)
    else:
        _print_report(result, report)
    return 0
