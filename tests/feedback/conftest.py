"""Fixtures for the feedback tests: a real store holding a real conversation, and local servers
standing in for the network destinations (an HTTPS endpoint with its own certificate authority,
and a Hugging Face hub that speaks the two calls an upload makes)."""
from __future__ import annotations

import base64
import json
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from desktop.models.catalog import find
from desktop.store import Store

SEED = 1234
SMOLLM_SHA256 = find("smollm2-135m").sha256  # the answer below names the real file it came from
PARAMS = {"temperature": 0.7, "top_p": 0.95, "top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1,
          "presence_penalty": 0.0, "frequency_penalty": 0.0, "max_tokens": 24, "seed": SEED, "stop": []}
METRICS = {"prompt_tokens": 31, "completion_tokens": 24, "ttft_s": 0.12, "decode_tok_s": 48.5,
           "finish_reason": "length", "offload": "CPU (no CUDA in this build)"}


@dataclass
class Chat:
    """A stored conversation: a system prompt, a question with private details, an answer."""

    store: Store
    session_id: int
    question_id: int
    answer_id: int


@pytest.fixture
def chat(smollm_path: Path) -> Iterator[Chat]:
    store = Store.open()
    sid = store.create_session(system_prompt="You are a helpful assistant.", model=smollm_path.name)
    question = store.add_message(sid, "user", "My e-mail is jane.doe@example.com and my notes are in "
                                              "/home/jane/notes/plan.txt. What is the capital of France?")
    answer = store.begin_assistant(sid, question.id, model_file=str(smollm_path), model_sha256=SMOLLM_SHA256,
                                   params=PARAMS)
    store.finish_assistant(answer.id, "The capital of France is Paris.", "stop", metrics=METRICS)
    yield Chat(store, sid, question.id, answer.id)
    store.close()


# -- an HTTPS endpoint with a certificate from its own authority --------------------------------

def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A test CA and a server certificate for 127.0.0.1 signed by it (made with the openssl CLI)."""
    folder = tmp_path_factory.mktemp("tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Hearth Test CA",
             "-keyout", "ca.key", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "server.key", "-out", "server.csr", cwd=folder)
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-out", "server.pem", "-extfile", "ext.cnf", cwd=folder)
    return {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}


@dataclass
class Endpoint:
    url: str
    ca_file: str
    received: list[dict[str, Any]] = field(default_factory=list)
    fail_status: int | None = None  # answer every POST with this status while set


@pytest.fixture
def https_endpoint(certificates: dict[str, Path]) -> Iterator[Endpoint]:
    endpoint = Endpoint(url="", ca_file=str(certificates["ca"]))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if endpoint.fail_status:
                self.send_response(endpoint.fail_status)
                self.end_headers()
                self.wfile.write(b"overloaded, try later")
                return
            endpoint.received.append({"path": self.path, "content_type": self.headers["Content-Type"],
                                      "json": json.loads(body)})
            self.send_response(201)
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates["cert"], certificates["key"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    endpoint.url = f"https://127.0.0.1:{server.server_address[1]}/reports"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield endpoint
    server.shutdown()
    server.server_close()


# -- a Hugging Face hub: the preupload and commit calls of HfApi.upload_file ----------------------

@dataclass
class Hub:
    url: str
    token: str = "hf_TestTokenForTheLocalHub0123"
    files: dict[str, bytes] = field(default_factory=dict)  # "owner/name:path" -> content
    commits: list[str] = field(default_factory=list)  # commit summaries


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    state = Hub(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = self.path.split("?")[0].strip("/").split("/")
            # /api/datasets/<owner>/<name>/(preupload|commit)/<revision>
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                return self._reply(401, {"error": "Invalid credentials in Authorization header"})
            if len(parts) != 6 or parts[:2] != ["api", "datasets"]:
                return self._reply(404, {"error": "Repository not found"})
            repo, action = f"{parts[2]}/{parts[3]}", parts[4]
            if action == "preupload":
                files = json.loads(body)["files"]
                return self._reply(200, {"files": [{"path": f["path"], "uploadMode": "regular",
                                                    "shouldIgnore": False, "oid": None} for f in files]})
            if action == "commit":
                lines = [json.loads(line) for line in body.splitlines() if line.strip()]
                for line in lines:
                    if line["key"] == "header":
                        state.commits.append(line["value"]["summary"])
                    elif line["key"] == "file":
                        state.files[f"{repo}:{line['value']['path']}"] = base64.b64decode(line["value"]["content"])
                return self._reply(200, {"commitUrl": f"{state.url}/datasets/{repo}/commit/abc123",
                                         "commitOid": "abc123" + "0" * 34, "pullRequestUrl": None})
            return self._reply(404, {"error": "unknown endpoint"})

        def _reply(self, status: int, data: dict) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", state.url)
    monkeypatch.setenv("HF_TOKEN", state.token)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    yield state
    server.shutdown()
    server.server_close()
