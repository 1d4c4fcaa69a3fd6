"""llama-cpp-python's own OpenAI-compatible server, in the CPU configuration proven on this machine.

`hearth eval tools` measures Hearth against that server and the remote-engine tests talk to it.
Started as `python -m llama_cpp.server` it would load llama.cpp as built, whose fastest code dies of
SIGILL on some AMX machines (desktop.engine.runtime_check); this starts the same server after
applying what the start-up self-check proved here.

    python -m desktop.engine.reference_server --model MODEL.gguf [more llama_cpp.server arguments]
"""
from __future__ import annotations

import runpy
import sys

from desktop.engine.runtime_check import apply_proven


def main(argv: list[str]) -> None:
    if "--model" not in argv[:-1]:
        raise SystemExit("usage: python -m desktop.engine.reference_server --model MODEL.gguf [llama_cpp.server arguments]")
    apply_proven(argv[argv.index("--model") + 1])
    sys.argv = ["llama_cpp.server", *argv]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
