"""The inference engine: llama.cpp in a worker process, reached only through `EngineClient`.

Nothing outside this package imports llama_cpp in the caller's process; a native crash in
llama.cpp kills the worker, never the app, the server or the CLI.
"""
from desktop.engine.types import (
    Constraint,
    Done,
    EngineFailure,
    LoadOptions,
    ModelInfo,
    SamplingParams,
    Token,
)

__all__ = [
    "Constraint",
    "Done",
    "EngineFailure",
    "LoadOptions",
    "ModelInfo",
    "SamplingParams",
    "Token",
]
