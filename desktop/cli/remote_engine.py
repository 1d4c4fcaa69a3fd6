"""`--engine URL`: the commands that generate run on another OpenAI-compatible server instead.

The API key never goes on the command line, where other users can read it in the process list:
`--api-key-env VAR` names the environment variable that holds it (default HEARTH_ENGINE_API_KEY,
when set). `--engine` also takes the name of an engine saved in the app's Settings ▸ Engines,
whose key comes from the system keyring (or Hearth's private key file).
"""
from __future__ import annotations

import argparse
import os

from desktop.errors import HearthError

DEFAULT_KEY_ENV = "HEARTH_ENGINE_API_KEY"


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("remote engine (an OpenAI-compatible server: vLLM, llama-server, Ollama, Hearth)")
    group.add_argument("--engine", metavar="URL", default=None,
                       help="run on the server at URL (e.g. http://gpu-box:8000/v1) or an engine saved in the "
                            "app; -m names its model (default: the server's first)")
    group.add_argument("--api-key-env", metavar="VAR", default=None,
                       help=f"environment variable holding the server's API key (default: ${DEFAULT_KEY_ENV} if set)")
    group.add_argument("--ca-file", metavar="PEM", default=None,
                       help="trust this certificate authority too (a server with a private certificate)")


def remote_server_from_args(args: argparse.Namespace):
    """The RemoteServer `--engine` names, or None when the model runs here."""
    url = getattr(args, "engine", None)
    if not url:
        return None
    from desktop.engine.remote import RemoteServer

    key = _api_key(args.api_key_env)
    if not url.startswith(("http://", "https://")):
        from desktop.engine.remote_store import saved_server

        server = saved_server(url)
        if server is None:
            raise HearthError(f"'{url}' is neither a server address (http://host:port) nor an engine saved in "
                              "Settings ▸ Remote engines")
        return RemoteServer(server.url, key or server.api_key, args.ca_file or server.ca_file, server.name)
    return RemoteServer(url, key, args.ca_file)


def _api_key(variable: str | None) -> str | None:
    if variable is None:
        return os.environ.get(DEFAULT_KEY_ENV) or None
    value = os.environ.get(variable)
    if not value:
        raise HearthError(f"--api-key-env {variable}: that environment variable is not set")
    return value


def load_remote(args: argparse.Namespace, server):
    """A RemoteEngine on `server` with `-m`'s model (the server's first for the default)."""
    from desktop.engine import LoadOptions
    from desktop.engine.remote import RemoteEngine

    engine = RemoteEngine(server)
    model = getattr(args, "model", None) or ""
    try:
        engine.load(LoadOptions("" if model == "default" else model))
    except BaseException:
        engine.close()
        raise
    return engine
