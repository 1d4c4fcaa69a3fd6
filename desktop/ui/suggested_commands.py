"""Every command line the UI tells the user to run, in one table, so a test runs each of them.

A hint naming a command the CLI rejects ("unrecognized arguments") is worse than no hint;
tests/ui/test_suggested_commands.py parses every entry with the real `hearth` parser and runs the
benchmark for real. `{model}` is filled with the model the user has (or a catalog name).
"""
from __future__ import annotations

SUGGESTED_COMMANDS = {
    "chat": "hearth chat \"Hello!\"",  # no display: chat in the terminal instead (one question a run)
    "benchmark": "hearth eval json --model {model} --limit 20 --out eval-json.json",
}


def suggested(name: str, model: str = "smollm2-135m") -> str:
    """The command line as shown to the user."""
    return SUGGESTED_COMMANDS[name].format(model=model)
