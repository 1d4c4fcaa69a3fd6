"""RemoteEngine: the engine contract over an OpenAI-compatible server at a URL.

For a team that outgrows one laptop: the model runs on vLLM, llama-server, Ollama or another
Hearth, and everything above the engine (the app, `hearth chat`, `hearth serve`, feedback) keeps
calling `load` / `chat` / `complete` / `count_tokens` / `build_info` / `close` as on EngineClient,
iterating the same Token / Done / EngineFailure events. Hearth's guarantees stay on this side of the
wire: a constraint the server cannot be asked to enforce is refused before anything is sent
(`remote_servers.check_enforceable`, after `jsonmode.compile.check`), every answer is validated here
whatever the server claims, the seed is chosen here and sent, and speed is measured here.

httpx rather than the `openai` client: it streams server-sent events as they arrive, names every
transport failure with its own exception type (one line each in `remote_errors`), verifies TLS
against a CA file as well as the system's, and lets a stream be closed mid-answer (cancel).
"""
from __future__ import annotations

import json
import math
import random
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Generator, Iterator, Sequence

import httpx
import numpy as np

from desktop.chat_messages import ChatMessage
from desktop.engine.client import Generation, as_sent
from desktop.engine.remote_errors import describe_status, describe_transport
from desktop.engine.remote_servers import (
    GENERIC, ServerKind, check_enforceable, constraint_fields, identify, sampling_fields, tool_fields)
from desktop.engine.remote_tool_calls import ToolCallText
from desktop.engine.remote_transport import SocketStream, sending, transport
from desktop.engine.types import Done, Embeddings, EngineFailure, Event, LoadOptions, ModelInfo, SamplingParams, Token
from desktop.errors import HearthError
from desktop.jsonmode.constraint import Constraint
from desktop.models.identity import parse_remote_reference, remote_reference

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 300.0  # between two chunks: a long prompt on a busy server can take minutes
DEFAULT_MODEL_NAMES = ("", "default")  # "the server's first model"
_CHARS_PER_TOKEN = 3.6  # a typical BPE tokenizer on English and code, for estimates only
_TOKENS_PER_MESSAGE = 4  # role markers and separators the chat template adds


@dataclass(frozen=True)
class RemoteServer:
    """Where the engine is and how to reach it. `ca_file`: a PEM file of a private certificate
    authority, trusted in addition to the system's; certificates are always verified."""

    url: str
    api_key: str | None = None
    ca_file: str | None = None
    name: str = ""
    read_timeout_s: float = READ_TIMEOUT_S  # the longest wait for the next chunk of an answer

    @property
    def base_url(self) -> str:
        """The OpenAI API root ("…/v1"); a bare host gets /v1 appended."""
        url = self.url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise HearthError(f"'{self.url}' is not a server address: use http://host:port or https://host")
        return url if url.endswith("/v1") else f"{url}/v1"

    @property
    def root_url(self) -> str:
        """The server root, where non-OpenAI routes (tokenizers) live."""
        return self.base_url[: -len("/v1")]


def http_client(server: RemoteServer) -> httpx.Client:
    """An httpx client for `server`: its key, verified TLS (plus its CA file), Hearth's timeouts."""
    context = ssl.create_default_context()
    try:
        import certifi

        context.load_verify_locations(certifi.where())
    except (ImportError, OSError):
        pass  # the system's store is still there
    if server.ca_file:
        try:
            context.load_verify_locations(server.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise HearthError(f"cannot use the CA file {server.ca_file}: {getattr(exc, 'strerror', None) or exc}") from None
    headers = {"Authorization": f"Bearer {server.api_key}"} if server.api_key else {}
    timeout = httpx.Timeout(connect=CONNECT_TIMEOUT_S, read=server.read_timeout_s, write=30.0, pool=CONNECT_TIMEOUT_S)
    return httpx.Client(transport=transport(context), headers=headers, timeout=timeout, trust_env=False)


def estimate_tokens(messages: Sequence[ChatMessage]) -> int:
    """A prompt's size when the server cannot count it: characters over a typical ratio."""
    return sum(_TOKENS_PER_MESSAGE + math.ceil(len(m.content) / _CHARS_PER_TOKEN) for m in messages) + 2


class RemoteEngine:
    """The engine contract against one server. Thread-safe; answers run concurrently on the
    server (it schedules them), each on its own stream."""

    def __init__(self, server: RemoteServer) -> None:
        self.server = server
        self.endpoint = server.base_url
        self._http = http_client(server)
        self.kind: ServerKind = GENERIC
        self._options: LoadOptions | None = None
        self.model: ModelInfo | None = None
        self.model_id: str | None = None
        self.load_warning: str | None = None
        self.last_crash: str | None = None
        self.count_is_estimate = True  # the last count_tokens() was estimated (the gauge says "~")
        self._lock = threading.Lock()
        self._open: set["RemoteGeneration"] = set()
        # held by a count in flight on a server that `interrupts`, so an answer starting meanwhile
        # waits for it instead of being ended by it
        self._counting = threading.Lock()

    worker_pid = None  # no process of ours runs the model

    # --- talking to the server -----------------------------------------------------------------

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """One JSON request; a failure of any kind is a HearthError in one line."""
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise HearthError(describe_transport(exc, self.endpoint)) from None
        if response.status_code >= 400:
            raise HearthError(describe_status(response.status_code, response.content, self.endpoint))
        try:
            return response.json()
        except ValueError:
            raise HearthError(f"{self.endpoint} answered {url} with something that is not JSON") from None

    def list_models(self) -> list[dict[str, Any]]:
        """The server's models (/v1/models entries); the connection test of Settings ▸ Engines."""
        data = self.request("GET", f"{self.endpoint}/models")
        entries = data.get("data") if isinstance(data, dict) else None
        if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("id") for e in entries):
            raise HearthError(f"{self.endpoint}/models is not an OpenAI model list")
        return entries

    def _routes(self, entries: list[dict[str, Any]]) -> set[str]:
        """The extra routes worth probing: only llama-cpp-python's, whose owner name is generic."""
        if not any(str(e.get("owned_by", "")).lower() == "me" for e in entries):
            return set()
        try:
            self.request("POST", f"{self.server.root_url}/extras/tokenize/count", json={"input": ""})
        except HearthError:
            return set()
        return {"/extras/tokenize/count"}

    # --- the engine contract -------------------------------------------------------------------

    def load(self, options: LoadOptions) -> ModelInfo:
        """"Load" a model: check the server answers, has the model and what kind it is.
        `options.model_path` is a model id, a `remote_reference`, or "" / "default" (the first)."""
        parsed = parse_remote_reference(options.model_path)
        wanted = parsed[1] if parsed else options.model_path
        entries = self.list_models()
        if not entries:
            raise HearthError(f"{self.endpoint} serves no models")
        ids = [str(e["id"]) for e in entries]
        if wanted in DEFAULT_MODEL_NAMES:
            wanted = ids[0]
        if wanted not in ids:
            raise HearthError(f"{self.endpoint} has no model '{wanted}' (it has: {', '.join(ids[:10])})")
        entry = entries[ids.index(wanted)]
        self.kind = identify(entries, self._routes(entries))
        n_ctx = _context_length(entry)
        self.load_warning = None if n_ctx else (
            f"{self.kind.name} does not say its context length; assuming {options.n_ctx:,} tokens")
        meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
        self.model = ModelInfo(
            path=remote_reference(self.endpoint, wanted), name=wanted,
            architecture=str(meta.get("architecture") or ""), size_bytes=int(meta.get("size_bytes") or 0),
            parameters=meta.get("parameters"), quantization=str(meta.get("quantization") or ""),
            context_length=int(meta.get("context_length") or n_ctx or options.n_ctx),
            n_ctx=n_ctx or options.n_ctx, n_gpu_layers=0, n_threads=0,
            offload=f"remote: {self.kind.name} at {self.endpoint}",
            chat_template_sha256="", chat_template_source=f"the server's ({self.kind.name})")
        self.model_id, self._options, self.last_crash = wanted, options, None
        return self.model

    def restart(self) -> ModelInfo | None:
        """Reconnect and check the model again (the crash banner's "Restart engine")."""
        self.close()
        self._http = http_client(self.server)
        return self.load(self._options) if self._options is not None else None

    def unload(self) -> None:
        self._options, self.model, self.model_id = None, None, None

    def settle(self) -> None:
        """Nothing to wait for here: the server does its own work between requests."""

    def build_info(self) -> dict[str, Any]:
        """What is answering, in the shape the app reads: no local devices, the server instead."""
        return {"backend": f"remote ({self.kind.name})", "gpu_offload": False, "devices": [],
                "endpoint": self.endpoint, "server": self.kind.name, "remote": True,
                "llama_cpp_python": None}

    def _require_model(self) -> str:
        if self.model_id is None:
            raise HearthError("no model is loaded")
        return self.model_id

    def count_tokens(self, messages: Sequence[ChatMessage], constraint: Constraint | None = None,
                     tools: list[dict] | None = None) -> int:
        """The prompt's size as `chat()` would send it: counted by the server where it can count a
        whole chat (vLLM), else estimated (`count_is_estimate` says which)."""
        model = self._require_model()
        sent = as_sent(messages, constraint)
        if not self.kind.tokenize or tools:
            return self._estimate(sent, tools)
        if not self.kind.interrupts:
            return self._count_on_server(model, sent)
        with self._counting:  # a server that drops an answer for any new request is not asked meanwhile
            with self._lock:
                busy = bool(self._open)
            return self._estimate(sent, tools) if busy else self._count_on_server(model, sent)

    def _count_on_server(self, model: str, sent: list[ChatMessage]) -> int:
        """The server's own count of `sent` (estimated where it cannot say)."""
        route, body = self.kind.tokenize, self.kind.tokenize_body
        url = f"{self.server.root_url}{route}"
        if body == "messages":
            payload: dict[str, Any] = {"model": model, "messages": [m.to_dict() for m in sent]}
        else:
            payload = {body: "\n".join(m.content for m in sent)}
        try:
            data = self.request("POST", url, json=payload)
            count = data.get("count") if "count" in data else len(data.get("tokens", []))
            self.count_is_estimate = body != "messages"
            return int(count) + (len(sent) * _TOKENS_PER_MESSAGE if self.count_is_estimate else 0)
        except (HearthError, AttributeError, TypeError, ValueError):
            return self._estimate(sent, None)

    def _estimate(self, sent: list[ChatMessage], tools: list[dict] | None) -> int:
        self.count_is_estimate = True
        return estimate_tokens(sent) + (math.ceil(len(json.dumps(tools)) / _CHARS_PER_TOKEN) if tools else 0)

    def embed(self, inputs: Sequence[str | Sequence[int]], model_path: str | None = None) -> Embeddings:
        """The server's own /v1/embeddings for the loaded model id (a local embedding GGUF cannot
        be used by a remote engine)."""
        if model_path is not None:
            raise HearthError("a local embedding model cannot be used with a remote engine")
        data = self.request("POST", f"{self.endpoint}/embeddings", json={
            "model": self._require_model(), "encoding_format": "float",
            "input": [x if isinstance(x, str) else [int(t) for t in x] for x in inputs]})
        try:
            rows = sorted(data["data"], key=lambda row: row["index"])
            vectors = [np.asarray(row["embedding"], dtype=np.float32) for row in rows]
            tokens = int((data.get("usage") or {}).get("prompt_tokens", 0))
        except (KeyError, TypeError, ValueError):
            raise HearthError(f"{self.endpoint}/embeddings did not answer with OpenAI's embedding list") from None
        if len(vectors) != len(inputs):
            raise HearthError(f"{self.endpoint}/embeddings answered {len(vectors)} vectors for {len(inputs)} inputs")
        return Embeddings(vectors, tokens, "the server's", self.model.n_ctx if self.model else 0)

    def chat(self, messages: Sequence[ChatMessage], params: SamplingParams | None = None,
             constraint: Constraint | None = None, tools: list[dict] | None = None,
             priority: int = 0) -> "RemoteGeneration":
        """Start an answer; nothing is sent until it is iterated. A constraint this server cannot
        be asked to enforce raises HearthError here, before anything is sent. `priority` is
        EngineClient's (the app ahead of API requests); a server keeps its own queue, so it is unused."""
        self._check(constraint, tools)
        sent = as_sent(messages, constraint)
        body: dict[str, Any] = {"messages": [m.to_dict() for m in sent]}
        if tools:
            body.update(tool_fields(self.kind, tools, constraint))
        return RemoteGeneration(self, "chat/completions", body, params or SamplingParams(), constraint, sent, tools)

    def complete(self, prompt: str, params: SamplingParams | None = None,
                 constraint: Constraint | None = None, priority: int = 0) -> "RemoteGeneration":
        """Raw text completion (/v1/completions: no chat template)."""
        self._check(constraint)
        return RemoteGeneration(self, "completions", {"prompt": prompt}, params or SamplingParams(), constraint,
                                [ChatMessage("user", prompt)])

    def _check(self, constraint: Constraint | None, tools: list[dict] | None = None) -> None:
        if constraint is not None and constraint.tool_use is not None and not tools:
            raise HearthError("a tool-call constraint needs the tools it was made for")
        if constraint is not None:
            from desktop.jsonmode.compile import check

            check(constraint)
            check_enforceable(self.kind, constraint)

    def close(self) -> None:
        with self._lock:
            open_streams = list(self._open)
        for generation in open_streams:
            generation.cancel()
        self._http.close()

    def __enter__(self) -> "RemoteEngine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _context_length(entry: dict[str, Any]) -> int:
    """The context length a /v1/models entry states (vLLM, Hearth, llama-server), or 0."""
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    for value in (entry.get("max_model_len"), meta.get("n_ctx"), meta.get("n_ctx_train"), entry.get("context_length")):
        if isinstance(value, int) and value > 0:
            return value
    return 0


class RemoteGeneration(Generation):
    """One answer streaming from the server. Iterate it in one thread; cancel() from any thread.
    Judging the answer (`_validated`: Hearth's own verdict, whatever the server promised) and
    `collect()` are the local Generation's.

    The stream is read in the iterating thread itself, so the first token reaches the caller the
    moment its bytes arrive, with no hand-off between threads (under load each hop cost a
    scheduler slice or a GIL switch interval, about 5 ms). cancel() from another thread shuts the
    answer's socket down (`SocketStreams`), which ends a read blocked on the network at once,
    before or after the server's first byte, and is how an OpenAI-compatible server learns to stop."""

    def __init__(self, engine: RemoteEngine, route: str, body: dict[str, Any], params: SamplingParams,
                 constraint: Constraint | None, sent: list[ChatMessage], tools: list[dict] | None = None) -> None:
        self._engine = engine
        # the server's tool calls, written as the local engine writes them, and checked here
        self._calls = ToolCallText(tools, constraint) if tools and route == "chat/completions" else None
        self._constraint = constraint
        self._sent = sent
        self.seed = params.seed if params.seed is not None else random.randrange(2**31)
        self._url = f"{engine.endpoint}/{route}"
        self._route = route
        self._body = {**body, "model": engine.model_id, "stream": True,
                      **sampling_fields(engine.kind, params, self.seed), **constraint_fields(engine.kind, constraint)}
        if engine.kind.usage_in_stream:
            self._body["stream_options"] = {"include_usage": True}
        self._cancelled = threading.Event()
        self._socket_lock = threading.Lock()
        self._socket: SocketStream | None = None  # the connection this answer is on, while it is
        self.stream_closed = threading.Event()  # the answer has left its stream (its connection closed)
        self.text = ""
        self.result: Done | EngineFailure | None = None

    @property
    def request_body(self) -> dict[str, Any]:
        """What is sent (tests and feedback reports read it)."""
        return dict(self._body)

    def cancel(self) -> None:
        """Stop this answer: the iterator ends at once with finish_reason 'cancelled'."""
        self._cancelled.set()
        with self._socket_lock:
            if self._socket is not None:
                self._socket.abort()

    def attach(self, stream: "SocketStream") -> None:
        """The connection the request is being written to (called by it, in the iterating thread)."""
        with self._socket_lock:
            self._socket = stream
            if self._cancelled.is_set():
                stream.abort()

    def _detach(self) -> None:
        """The answer is read: its connection goes back to the pool, out of cancel()'s reach."""
        with self._socket_lock:
            self._socket = None

    def __iter__(self) -> Iterator[Event]:
        if self._engine.model_id is None:
            yield self._finish(EngineFailure("load", "no model is loaded"))
            return
        if self._cancelled.is_set():
            yield self._finish(self._cancelled_done())
            return
        with self._engine._counting, self._engine._lock:  # after a count in flight, never during one
            self._engine._open.add(self)
        try:
            yield from self._answer()
        finally:
            self._detach()
            self.stream_closed.set()
            with self._engine._lock:
                self._engine._open.discard(self)

    def _answer(self) -> Iterator[Event]:
        started = time.perf_counter()
        result: Done | EngineFailure
        try:
            sending.owner = self
            try:
                with self._engine._http.stream("POST", self._url, json=self._body) as response:
                    sending.owner = None
                    if response.status_code >= 400:
                        kind = "crash" if response.status_code >= 500 else "request"
                        result = EngineFailure(kind, describe_status(response.status_code, response.read(),
                                                                     self._engine.endpoint))
                    else:
                        done = yield from self._tokens(response, started)
                        result = self._validated(done) if done else self._cancelled_done()
            finally:
                sending.owner = None
        except httpx.HTTPError as exc:
            result = self._cancelled_done() if self._cancelled.is_set() else EngineFailure(
                "crash", describe_transport(exc, self._engine.endpoint))
        except HearthError as exc:
            result = EngineFailure("crash", str(exc))
        except RuntimeError as exc:  # httpx: the engine was closed meanwhile
            result = self._cancelled_done() if self._cancelled.is_set() else EngineFailure(
                "crash", f"{self._engine.endpoint}: {exc}")
        yield self._finish(result)

    def _cancelled_done(self) -> Done:
        return self._validated(self._done("cancelled", 0, 0, 0.0, 0.0))

    def _tokens(self, response: httpx.Response, started: float) -> Generator[Event, None, Done | None]:
        """Yield the answer's tokens as their lines arrive; return its Done (None: cancelled)."""
        first = last = None
        chunks = 0
        finish, usage = None, None
        for line in response.iter_lines():
            if self._cancelled.is_set():
                return None  # leaving the `with` closes the connection: the server stops
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            event = _parse(data, self._engine.endpoint)
            usage = event.get("usage") or usage
            for choice in event.get("choices") or []:
                piece = _piece(choice, self._route)
                if self._calls is not None:
                    delta = choice.get("delta")
                    piece = self._calls.feed(piece, delta.get("tool_calls") if isinstance(delta, dict) else None)
                if piece:
                    last = time.perf_counter()
                    first = first or last
                    chunks += 1
                    self.text += piece
                    yield Token(piece)
                    if self._cancelled.is_set():
                        return None
                finish = choice.get("finish_reason") or finish
        self._detach()
        if self._calls is not None and (rest := self._calls.finish()):
            self.text += rest
            yield Token(rest)
        if self._cancelled.is_set():
            return None
        if finish is None:
            why = (f"{self._engine.kind.name} ends an answer when another request arrives; start it with "
                   "--interrupt_requests False to serve several at once" if self._engine.kind.interrupts
                   else "the server stopped mid-answer")
            raise HearthError(f"{self._engine.endpoint} ended the answer without finishing it ({why})")
        completion = usage.get("completion_tokens") if isinstance(usage, dict) else None
        prompt = usage.get("prompt_tokens") if isinstance(usage, dict) else None
        tokens = int(completion) if isinstance(completion, int) else chunks
        ttft = (first - started) if first else 0.0
        speed = (tokens - 1) / (last - first) if first and last and last > first and tokens > 1 else 0.0
        done = self._done("length" if finish == "length" else "stop",  # "tool_calls" is a stop too
                          int(prompt) if isinstance(prompt, int) else estimate_tokens(self._sent),
                          tokens, ttft, speed)
        done.tokens_estimated = not isinstance(completion, int)
        return done

    # --- results -------------------------------------------------------------------------------

    def _validated(self, done: Done) -> Done:
        """Hearth's verdict, as for a local answer; for tool calls, each call is checked against
        its function first, so an invalid one is named in one line."""
        done = super()._validated(done)
        if self._calls is not None and done.finish_reason == "stop":
            problem = self._calls.problem()
            if problem is not None:
                done.json_valid, done.json_error = False, problem
            elif done.json_valid is False:
                done.json_error = f"the tool calls do not follow Hearth's call layout ({done.json_error})"
        return done

    def _done(self, reason: str, prompt: int, completion: int, ttft: float, speed: float) -> Done:
        return Done(text=self.text, finish_reason=reason, prompt_tokens=prompt, completion_tokens=completion,
                    ttft_s=ttft, decode_tok_s=speed, seed=self.seed)


def _parse(data: str, endpoint: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except ValueError:
        raise HearthError(f"{endpoint} sent a stream event that is not JSON: {data[:80]}") from None
    if not isinstance(event, dict):
        raise HearthError(f"{endpoint} sent a stream event that is not an object")
    if event.get("error"):
        error = event["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise HearthError(f"{endpoint} failed mid-answer: {str(message).splitlines()[0] if message else error}")
    return event


def _piece(choice: dict[str, Any], route: str) -> str:
    if route == "completions":
        return str(choice.get("text") or "")
    delta = choice.get("delta") or {}
    return str(delta.get("content") or "") if isinstance(delta, dict) else ""
