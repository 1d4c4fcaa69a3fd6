"""The inference engine: llama.cpp in a worker process, reached only through `EngineClient`.

Nothing outside this package imports llama_cpp in the caller's process; a native crash in
llama.cpp kills the worker, never the app, the server or the CLI. `Constraint` belongs to the
constraint language (desktop.jsonmode.constraint); it is named here too because it is part of
what a request to the engine says.
"""
from desktop.engine.types import Done, EngineFailure, LoadOptions, ModelInfo, SamplingParams, Token
from desktop.jsonmode.constraint import Constraint

__all__ = [
    "Constraint",
    "Done",
    "EngineFailure",
    "LoadOptions",
    "ModelInfo",
    "SamplingParams",
    "Token",
]
