"""`hearth eval ...`: evaluations that score a model, one module per kind in EVAL_COMMANDS."""
from __future__ import annotations

import argparse
import importlib

# Each module exposes register(subparsers) like the top-level commands do.
EVAL_COMMANDS: list[str] = [
    "desktop.cli.eval_json",
    "desktop.cli.eval_regressions",
    "desktop.cli.eval_humaneval",
    "desktop.cli.eval_choice",
    "desktop.cli.eval_tools",
]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("eval", help="evaluate a model (JSON mode, regressions, HumanEval, MMLU, C-Eval, tool calls)")
    inner = parser.add_subparsers(dest="eval_command", metavar="KIND", required=True,
                                  parser_class=type(parser))
    for name in EVAL_COMMANDS:
        importlib.import_module(name).register(inner)
