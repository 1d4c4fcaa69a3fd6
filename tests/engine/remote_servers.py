"""Real OpenAI-compatible servers on 127.0.0.1 for the remote engine's tests.

llama-cpp-python's own server (`python -m llama_cpp.server`, nobody here wrote it) and `hearth
serve`, each a child process. Readiness is an event: the server answers /v1/models (llama-cpp-python)
or prints its URL (hearth serve); the deadlines only fire when a server is truly stuck.
"""
from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

READY_DEADLINE_S = 300


@dataclass
class ServerProcess:
    process: subprocess.Popen
    url: str  # the API root, ".../v1"

    def kill(self) -> None:
        """SIGKILL the whole server (its process group): it vanishes mid-whatever, like a crash."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_llama_cpp_server(model: Path, alias: str = "smollm2", api_key: str | None = None,
                           tls: tuple[Path, Path] | None = None, log: Path | None = None,
                           chat_format: str | None = None) -> ServerProcess:
    """llama-cpp-python's server on SmolLM2; `tls` = (cert, key) serves https; `chat_format` one of
    its own ("chatml-function-calling": tools; without them, plain ChatML, SmolLM2's own format)."""
    port = free_port()
    command = [sys.executable, "-m", "desktop.engine.reference_server", "--model", str(model), "--model_alias", alias,
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--verbose", "False"]
    if api_key:
        command += ["--api_key", api_key]
    if chat_format:
        command += ["--chat_format", chat_format]
    if tls:
        command += ["--ssl_certfile", str(tls[0]), "--ssl_keyfile", str(tls[1])]
    out = open(log, "wb") if log else subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    scheme = "https" if tls else "http"
    server = ServerProcess(process, f"{scheme}://127.0.0.1:{port}/v1")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    verify = ssl.create_default_context(cafile=str(tls[0])) if tls else True
    deadline = time.monotonic() + READY_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}")
        try:
            if httpx.get(f"{server.url}/models", headers=headers, verify=verify, timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)  # not listening yet: poll again
    server.kill()
    raise RuntimeError("llama_cpp.server did not come up")


def start_hearth_serve(*args: str) -> ServerProcess:
    """`hearth serve ARGS --port 0`, ready once it prints the URL it serves at."""
    env = {k: v for k, v in os.environ.items() if k != "HEARTH_API_KEY"}
    process = subprocess.Popen([sys.executable, "-m", "desktop.cli.main", "serve", *args, "--port", "0"],
                               env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    line = process.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"hearth serve did not start: {line}{process.stderr.read()}")
    return ServerProcess(process, match.group(1))


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself (it is its own private CA): (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hearth test CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@contextlib.contextmanager
def keyring_backend(monkeypatch, backend: str, **env: str):
    """keyring configured as a user does it (PYTHON_KEYRING_BACKEND), put back afterwards."""
    import keyring.core

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    keyring.core.init_backend()
    try:
        yield
    finally:
        monkeypatch.undo()
        keyring.core.init_backend()
