"""EngineClient: the one way the CLI, the server and the desktop app talk to llama.cpp.

The client owns a worker process (desktop.engine.worker) and a dispatcher thread that routes the
worker's messages to the request they belong to. Requests are served one at a time in arrival
order by the worker, so one client (and one model in memory) can be shared by the app and the
local API server. When the worker dies, every waiting request gets an `EngineFailure("crash")`
naming what happened, and the next request starts a fresh worker and reloads the model.
"""
from __future__ import annotations

import itertools
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from desktop.chat_messages import ChatMessage
from desktop.engine import runtime_check
from desktop.engine.types import (Done, Embeddings, EngineFailure, Event, LoadOptions, ModelInfo, SamplingParams,
                                  Token)
from desktop.jsonmode.constraint import Constraint
from desktop.jsonmode.prompt import with_schema_hint
from desktop.errors import HearthError

CONTROL_TIMEOUT_S = 600  # loading a model from a slow disk can take minutes
_CRASH = "crash"


def worker_command(fd: int) -> list[str]:
    """How to start the worker: `python -m desktop.engine.worker FD`, or the bundled executable
    with `--engine-worker FD` (a frozen app has no `-m`). Not multiprocessing: its spawn mode
    re-runs the caller's main script, which every script using the client would have to guard."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--engine-worker", str(fd)]
    return [sys.executable, "-m", "desktop.engine.worker", str(fd)]


def describe_exit(exitcode: int | None) -> str:
    """Why the worker process ended, in words a user can act on."""
    if exitcode is None:
        return "the engine stopped responding"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if name == "SIGKILL":
            return "the engine was killed (SIGKILL), often because the system ran out of memory"
        if name == "SIGSEGV":
            return "the engine crashed (SIGSEGV: segmentation fault in llama.cpp)"
        if name == "SIGABRT":
            return "the engine aborted (SIGABRT: llama.cpp hit an internal error)"
        return f"the engine was stopped by {name}"
    return f"the engine exited unexpectedly (exit code {exitcode})"


def as_sent(messages: Sequence[ChatMessage], constraint: Constraint | None) -> list[ChatMessage]:
    """The conversation as the engine sends it: the one place the schema hint is added, so a
    count and an answer always see the same prompt. Anything but ChatMessage records is refused
    here, in the caller's process, rather than failing inside the worker."""
    if not all(isinstance(m, ChatMessage) for m in messages):
        raise TypeError("the engine takes desktop.chat_messages.ChatMessage records")
    if constraint is None:
        return list(messages)
    return [ChatMessage.from_dict(m) for m in with_schema_hint([m.to_dict() for m in messages], constraint)]


def _wire(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Plain dicts for the worker: chat templates read dicts."""
    return [m.to_dict() for m in messages]


class EngineClient:
    """Thread-safe handle on the engine. Cheap to create: the worker starts on first use."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.RLock()  # guards worker start/stop and the pending table
        self._send_lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._pending: dict[int, queue.Queue] = {}
        self._process: subprocess.Popen | None = None
        self._conn: Any = None
        self._options: LoadOptions | None = None
        self.model: ModelInfo | None = None
        self.load_warning: str | None = None
        self.last_crash: str | None = None
        self._runtime: runtime_check.Choice | None = None  # proven on this machine (runtime_check)
        self._worker_runtime: runtime_check.Choice | None = None

    # --- worker lifecycle ----------------------------------------------------------------------

    @property
    def worker_pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._alive():
                return
            parent_sock, child_sock = socket.socketpair()
            fd = child_sock.fileno()
            choice = self._runtime or runtime_check.remembered()
            env = {k: v for k, v in os.environ.items() if k != runtime_check.CHOICE_ENV}
            if choice is not None:
                env[runtime_check.CHOICE_ENV] = json.dumps(choice.to_dict())
            process = subprocess.Popen(worker_command(fd), pass_fds=(fd,), stdin=subprocess.DEVNULL, env=env)
            self._worker_runtime = choice
            child_sock.close()
            conn = Connection(parent_sock.detach())
            self._process, self._conn = process, conn
            threading.Thread(target=self._dispatch, args=(process, conn), name="engine-dispatch",
                             daemon=True).start()

    def _dispatch(self, process: subprocess.Popen, conn: Connection) -> None:
        """Route worker messages to their request's queue; on EOF, fail everything pending."""
        while True:
            try:
                request_id, kind, data = conn.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                target = self._pending.get(request_id)
            if target is not None:
                target.put((kind, data))
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reason = describe_exit(process.returncode)
        with self._lock:
            if self._process is process:
                self._process, self._conn = None, None
                if self.model is not None:
                    self.last_crash = reason
            waiting = list(self._pending.values())
            self._pending.clear()
        for target in waiting:
            target.put((_CRASH, reason))

    def _submit(self, kind: str, payload: Any) -> tuple[int, queue.Queue]:
        self._ensure_worker()
        request_id = next(self._ids)
        answers: queue.Queue = queue.Queue()
        with self._lock:
            self._pending[request_id] = answers
            conn = self._conn
        try:
            with self._send_lock:
                conn.send((kind, request_id, payload))
        except (OSError, AttributeError, BrokenPipeError):
            answers.put((_CRASH, describe_exit(self._process.poll() if self._process else None)))
        return request_id, answers

    def _forget(self, request_id: int) -> None:
        with self._lock:
            self._pending.pop(request_id, None)

    def _control(self, kind: str, payload: Any, expect: str) -> Any:
        request_id, answers = self._submit(kind, payload)
        try:
            answer, data = answers.get(timeout=CONTROL_TIMEOUT_S)
        except queue.Empty:
            raise HearthError(f"the engine did not answer '{kind}' in {CONTROL_TIMEOUT_S} s") from None
        finally:
            self._forget(request_id)
        if answer == expect:
            return data
        if answer == _CRASH:
            raise HearthError(data)
        raise HearthError(data["message"])

    def _send_only(self, kind: str, request_id: int, payload: Any = None) -> None:
        with self._lock:
            conn = self._conn
        if conn is None:
            return
        try:
            with self._send_lock:
                conn.send((kind, request_id, payload))
        except (OSError, BrokenPipeError):
            pass

    # --- public API ----------------------------------------------------------------------------

    def load(self, options: LoadOptions) -> ModelInfo:
        """Load a model (replacing any loaded one). Raises HearthError with one clear line; the
        worker checks the file (desktop.models.gguf_info) before llama.cpp sees it."""
        options = LoadOptions(**{**options.__dict__, "model_path": str(Path(options.model_path).resolve())})
        self._prove_runtime(options.model_path)
        data = self._control("load", options.__dict__, "loaded")
        self._options = options
        self.model = ModelInfo(**data["model"])
        self.load_warning = data["warning"]
        self.last_crash = None
        return self.model

    def _prove_runtime(self, model_path: str) -> None:
        """The first load on a machine proves llama.cpp's CPU code there (desktop.engine.
        runtime_check); a worker started before that, with other code, is replaced."""
        if self._runtime is None:
            self._runtime = runtime_check.proven_choice(model_path)
        with self._lock:
            stale = self._alive() and self._worker_runtime != self._runtime and self._runtime is not None
        if stale:
            self.close()

    def restart(self) -> ModelInfo | None:
        """Start a fresh worker and reload the last model (the app's "Restart engine")."""
        self.close()
        if self._options is None:
            return None
        return self.load(self._options)

    def _ensure_loaded(self) -> None:
        """After a crash the worker is gone: start a new one and reload the same model."""
        if self._options is None:
            raise HearthError("no model is loaded")
        with self._load_lock:  # answers failed together by a crash restart one worker, not several
            with self._lock:
                alive = self._alive()
            if not alive:
                self.load(self._options)

    def unload(self) -> None:
        self.close()
        self._options = None
        self.model = None

    def build_info(self) -> dict[str, Any]:
        """What this llama.cpp build can do: version, CPU or CUDA, devices and VRAM."""
        return self._control("build_info", None, "build_info")

    def settle(self) -> None:
        """Wait until the engine has done the work it does between requests: after an answer it
        evaluates the conversation so far, so that a follow-up starts fast. Benchmarks and tests
        call this where a person would be reading the answer; the app never needs to."""
        self._ensure_loaded()
        self._control("settle", None, "settled")

    def count_tokens(self, messages: Sequence[ChatMessage], constraint: Constraint | None = None,
                     tools: list[dict] | None = None) -> int:
        """Prompt size of a conversation under the loaded model's chat template, counted as
        `chat()` would send it (with the constraint's schema hint and the tools)."""
        self._ensure_loaded()
        wired = _wire(as_sent(messages, constraint))
        return self._control("count", {"messages": wired, "tools": tools} if tools else wired, "count")

    def embed(self, inputs: Sequence[str | Sequence[int]], model_path: str | None = None) -> Embeddings:
        """One L2-normalised vector per input (a text, or token ids of the model embedding), made
        with the loaded model or the embedding GGUF at `model_path` (desktop.engine.embedder).
        Raises HearthError naming the input that is empty, too long or not the model's tokens."""
        self._ensure_loaded()
        payload = {"inputs": [x if isinstance(x, str) else [int(t) for t in x] for x in inputs],
                   "model_path": str(Path(model_path).resolve()) if model_path else None}
        data = self._control("embed", payload, "embedded")
        return Embeddings([np.frombuffer(v, dtype=np.float32) for v in data["vectors"]], data["prompt_tokens"],
                          data["pooling"], data["n_ctx"])

    def chat(self, messages: Sequence[ChatMessage], params: SamplingParams | None = None,
             constraint: Constraint | None = None, tools: list[dict] | None = None,
             priority: int = 0) -> "Generation":
        """Start an answer to a conversation; iterate the result for Token / Done / EngineFailure.

        `tools`: OpenAI function tools ({"type": "function", "function": {...}}) for the chat
        template; the constraint that makes the answer call them is the caller's to give
        (desktop.jsonmode.tool_calls). `priority`: a request waiting for a free slot starts
        before waiting ones of lower priority (the app's person typing: APP_PRIORITY)."""
        if constraint is not None:
            from desktop.jsonmode.compile import check

            check(constraint)
        payload: dict[str, Any] = {"messages": _wire(as_sent(messages, constraint)), "priority": priority}
        if tools:
            payload["tools"] = tools
        return Generation(self, payload, params or SamplingParams(), constraint)

    def complete(self, prompt: str, params: SamplingParams | None = None,
                 constraint: Constraint | None = None, priority: int = 0) -> "Generation":
        """Raw text completion (no chat template)."""
        if constraint is not None:
            from desktop.jsonmode.compile import check

            check(constraint)
        return Generation(self, {"prompt": prompt, "priority": priority}, params or SamplingParams(), constraint)

    def close(self) -> None:
        with self._lock:
            process, conn = self._process, self._conn
            self._process, self._conn = None, None
        if process is None:
            return
        try:
            with self._send_lock:
                conn.send(("shutdown", 0, None))
        except (OSError, BrokenPipeError):
            pass
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> "EngineClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Generation:
    """One answer in progress. Iterate it (in any one thread); cancel() from any thread."""

    def __init__(self, client: EngineClient, payload: dict, params: SamplingParams,
                 constraint: Constraint | None) -> None:
        self._client = client
        self._payload = {**payload, "params": params.to_dict(),
                         "constraint": constraint.to_dict() if constraint else None}
        self._constraint = constraint
        self._request_id: int | None = None
        self._answers: queue.Queue | None = None
        self._cancelled = threading.Event()
        self._started = threading.Lock()
        self.text = ""
        self.result: Done | EngineFailure | None = None

    def cancel(self) -> None:
        """Stop this answer: the iterator ends within a poll interval with finish_reason 'cancelled'."""
        self._cancelled.set()
        with self._started:
            if self._request_id is not None:
                self._client._send_only("cancel", self._request_id)
            if self._answers is not None:
                self._answers.put(("cancelled", None))

    def __iter__(self) -> Iterator[Event]:
        with self._started:
            if self._cancelled.is_set():
                yield self._finish(self._cancelled_done())
                return
        try:
            self._client._ensure_loaded()
        except HearthError as exc:
            kind = "crash" if self._client.last_crash else "load"
            yield self._finish(EngineFailure(kind, str(exc)))
            return
        with self._started:
            self._request_id, self._answers = self._client._submit("generate", self._payload)
            if self._cancelled.is_set():
                self._client._send_only("cancel", self._request_id)
                self._answers.put(("cancelled", None))
        try:
            yield from self._events()
        finally:
            if self.result is None:  # the consumer stopped early: free the worker at once
                self.cancel()
            self._client._forget(self._request_id)

    def _events(self) -> Iterator[Event]:
        wants_logprobs = self._payload["params"].get("logprobs") is not None
        logprobs: list[dict[str, Any]] = []  # every token's entry, when asked for
        reported = 0  # how many of them a Token has carried
        while True:
            kind, data = self._answers.get()
            if kind == "logprobs":
                logprobs.append(data)
            elif kind == "token":
                self.text += data
                yield Token(data, logprobs[reported:] if wants_logprobs else None)
                reported = len(logprobs)
            elif kind == "done":
                done = Done(**data)
                if wants_logprobs:
                    done.logprobs = logprobs
                yield self._finish(self._validated(done))
                return
            elif kind == "cancelled":
                yield self._finish(self._cancelled_done())
                return
            elif kind == _CRASH:
                yield self._finish(EngineFailure("crash", data))
                return
            else:
                yield self._finish(EngineFailure(data["kind"], data["message"]))
                return

    def _cancelled_done(self) -> Done:
        return Done(text=self.text, finish_reason="cancelled", prompt_tokens=0,
                    completion_tokens=0, ttft_s=0.0, decode_tok_s=0.0,
                    seed=self._payload["params"].get("seed") or 0)

    def _validated(self, done: Done) -> Done:
        if self._constraint is not None:
            if done.finish_reason == "stop":
                from desktop.jsonmode.validate import check_answer

                done.json_valid, done.json_error = check_answer(done.text, self._constraint)
            else:
                done.json_valid = False
                done.json_error = ("the answer was cut short by max_tokens" if done.finish_reason == "length"
                                   else "the answer was cancelled")
        return done

    def _finish(self, result: Done | EngineFailure) -> Done | EngineFailure:
        self.result = result
        return result

    def collect(self) -> Done | EngineFailure:
        """Run to the end and return the final event (for callers that do not stream)."""
        for _ in self:
            pass
        assert self.result is not None
        return self.result
