"""Entry point of the `hearth` command.

`hearth` with no subcommand opens the desktop app. Every subcommand lives in its own module that
exposes `register(subparsers)`; the module adds its parser and sets `run=function(args) -> int`.
Modules import heavy things (Qt, the engine, the store) inside their run functions so that
`hearth --help` and the app's first window stay fast.

Errors follow one rule: a `HearthError` is printed as one line on stderr and exits 1; a usage
error exits 2 (argparse's convention); nothing a user does ever prints a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback

from desktop import __version__
from desktop.errors import HearthError

# Subcommand modules, in the order `hearth --help` lists them.
COMMANDS = [
    "desktop.cli.chat",
    "desktop.cli.models",
    "desktop.cli.sessions",
    "desktop.cli.eval",
    "desktop.cli.install_desktop",
    "desktop.cli.feedback",
    "desktop.cli.serve",
]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (plus the usage) and exits 2."""

    def error(self, message: str) -> None:  # argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"hearth: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hearth", description="Offline chat with small local language models.")
    parser.add_argument("--version", action="version", version=f"hearth {__version__}")
    # nargs="?": the menu entry runs `hearth --model %f`, and %f is dropped when no file was opened.
    parser.add_argument("-m", "--model", nargs="?", help="open the app with this model (catalog name or .gguf path)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def _open_app(args: argparse.Namespace) -> int:
    from desktop.ui.app import run_app

    return run_app(model=args.model)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--engine-worker"]:  # a bundled app starts its engine worker through itself
        from desktop.engine.worker import main as worker_main

        worker_main(int(argv[1]))
        return 0
    if argv[:1] == ["--engine-probe"]:  # ... and its start-up self-check (desktop.engine.runtime_check)
        from desktop.engine.runtime_check import probe

        return probe(argv[1], argv[2])
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None) or _open_app
    logging.basicConfig(level=logging.WARNING, format="hearth: %(message)s")
    try:
        return int(run(args) or 0)
    except HearthError as exc:
        print(f"hearth: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hearth: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - a bug: still one line for the user, details in the log
        _log_crash()
        print(f"hearth: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _log_crash() -> None:
    """Keep the traceback of an unexpected error where a bug report can pick it up."""
    try:
        from desktop.paths import data_dir

        with open(data_dir() / "crash.log", "a", encoding="utf-8") as fh:
            traceback.print_exc(file=fh)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
