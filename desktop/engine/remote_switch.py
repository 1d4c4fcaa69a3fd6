"""One engine handle for the app: a model file loads in the local worker, a remote model on its server.

The app holds one engine for its whole life and chooses models in the model manager, local files
and remote engines' models side by side. `load()` decides by what it is given: a remote model
reference (`desktop.models.identity.remote_reference`: "model @ https://server/v1") goes to a
RemoteEngine for that server, with the key and CA file saved for it in Settings ▸ Engines; anything
else is a file for the local EngineClient. Switching frees the other engine's model, so a laptop
that moves to a server gives its memory back. Everything else is passed to whichever is in use.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from desktop.chat_messages import ChatMessage
from desktop.engine.remote import RemoteEngine, RemoteServer
from desktop.engine.types import LoadOptions, ModelInfo, SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.models.identity import parse_remote_reference


def _saved_server(endpoint: str) -> RemoteServer | None:
    from desktop.engine.remote_store import server_for_url

    return server_for_url(endpoint)


class SwitchingEngine:
    """EngineClient's public shape over the local worker or a remote server, chosen per load."""

    def __init__(self, local: Any | None = None,
                 servers: Callable[[str], RemoteServer | None] = _saved_server) -> None:
        self._local = local
        self._remote: RemoteEngine | None = None
        self._servers = servers
        self._active: Any | None = None

    def _local_client(self) -> Any:
        if self._local is None:
            from desktop.engine.client import EngineClient

            self._local = EngineClient()
        return self._local

    def _current(self) -> Any:
        return self._active or self._local_client()

    def load(self, options: LoadOptions) -> ModelInfo:
        parsed = parse_remote_reference(options.model_path)
        if parsed is None:
            info = self._local_client().load(options)
            self._drop_remote()
            self._active = self._local
            return info
        endpoint = parsed[0]
        engine = RemoteEngine(self._servers(endpoint) or RemoteServer(endpoint))
        try:
            info = engine.load(options)
        except BaseException:
            engine.close()
            raise
        if self._local is not None:
            self._local.unload()  # the local model's memory is not needed while the server answers
        self._drop_remote()
        self._remote = self._active = engine
        return info

    def _drop_remote(self) -> None:
        if self._remote is not None:
            self._remote.close()
            self._remote = None

    # --- the contract, passed on ---------------------------------------------------------------

    @property
    def model(self) -> ModelInfo | None:
        return self._current().model

    @property
    def load_warning(self) -> str | None:
        return self._current().load_warning

    @property
    def last_crash(self) -> str | None:
        return self._current().last_crash

    @property
    def worker_pid(self) -> int | None:
        return self._active.worker_pid if self._active is not None else None

    @property
    def count_is_estimate(self) -> bool:
        """Whether the last count was estimated (a server without a chat tokenizer)."""
        return bool(getattr(self._current(), "count_is_estimate", False))

    def chat(self, messages: Sequence[ChatMessage], params: SamplingParams | None = None,
             constraint: Constraint | None = None, tools: list[dict] | None = None,
             priority: int = 0) -> Any:
        return self._current().chat(messages, params, constraint, tools, priority=priority)

    def complete(self, prompt: str, params: SamplingParams | None = None,
                 constraint: Constraint | None = None, priority: int = 0) -> Any:
        return self._current().complete(prompt, params, constraint, priority=priority)

    def count_tokens(self, messages: Sequence[ChatMessage], constraint: Constraint | None = None,
                     tools: list[dict] | None = None) -> int:
        return self._current().count_tokens(messages, constraint, tools)

    def embed(self, inputs: Sequence[str | Sequence[int]], model_path: str | None = None) -> Any:
        return self._current().embed(inputs, model_path)

    def build_info(self) -> dict[str, Any]:
        """The local llama.cpp build's abilities (the model manager's estimates are for local
        files), whichever engine answers now."""
        return self._local_client().build_info()

    def settle(self) -> None:
        self._current().settle()

    def restart(self) -> ModelInfo | None:
        return self._current().restart()

    def unload(self) -> None:
        self._current().unload()

    def close(self) -> None:
        self._drop_remote()
        if self._local is not None:
            self._local.close()
        self._active = None
