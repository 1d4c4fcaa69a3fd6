"""A second Hearth as the remote engine, `hearth serve --engine` as a proxy, `hearth chat --engine`
storing answers that name endpoint and model, and a server with a private TLS certificate."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openai
import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import Constraint, Done, LoadOptions, SamplingParams, Token
from desktop.engine.remote import RemoteEngine, RemoteServer
from desktop.errors import HearthError
from tests.engine.remote_servers import self_signed_certificate, start_hearth_serve, start_llama_cpp_server

PERSON = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
          "required": ["name", "age"], "additionalProperties": False}


@pytest.fixture(scope="module")
def llama(smollm_path: Path, tmp_path_factory: pytest.TempPathFactory):
    process = start_llama_cpp_server(smollm_path, log=tmp_path_factory.mktemp("llama") / "server.log")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def hearth_server(smollm_path: Path):
    process = start_hearth_serve("-m", str(smollm_path), "--ctx", "2048")
    yield process
    process.stop()


def test_a_hearth_server_is_recognised_and_enforces_the_schema(hearth_server) -> None:
    with RemoteEngine(RemoteServer(hearth_server.url)) as engine:
        info = engine.load(LoadOptions("smollm2-135m"))
        assert engine.kind.name == "Hearth" and info.n_ctx == 2048 and engine.load_warning is None
        assert info.architecture == "llama" and info.quantization
        generation = engine.chat([ChatMessage("user", "A person, as JSON.")], SamplingParams(max_tokens=40, seed=4),
                                 constraint=Constraint("json_schema", schema=PERSON))
        assert generation.request_body["response_format"]["json_schema"]["schema"] == PERSON
        assert generation.request_body["dry_multiplier"] == 0.0  # Hearth's own samplers travel too
        done = generation.collect()
        assert isinstance(done, Done) and done.seed == 4
        if done.finish_reason == "stop":  # Hearth's grammar held it to the schema
            assert done.json_valid is True and set(json.loads(done.text)) == {"name", "age"}
        assert not done.tokens_estimated and done.completion_tokens > 0  # usage came with the stream


def test_the_proxy_keeps_hearths_checks_in_front_of_a_weak_server(llama) -> None:
    proxy = start_hearth_serve("--engine", llama.url, "-m", "smollm2")
    try:
        client = openai.OpenAI(base_url=proxy.url, api_key="unused", max_retries=0, timeout=300)
        assert [m.id for m in client.models.list().data] == ["smollm2"]
        stream = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Hi"}],
                                                max_tokens=8, seed=2, stream=True)
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        assert text
        schema = {"type": "object", "properties": {"year": {"type": "integer", "minimum": 3000, "maximum": 3005}},
                  "required": ["year"]}
        try:  # llama-cpp-python does not enforce the range; Hearth's check in the proxy sees that
            answer = client.chat.completions.create(
                model="smollm2", messages=[{"role": "user", "content": "A year, as JSON."}], max_tokens=40,
                seed=5, temperature=0.0,
                response_format={"type": "json_schema", "json_schema": {"name": "y", "schema": schema}})
            year = json.loads(answer.choices[0].message.content)["year"]
            assert 3000 <= year <= 3005  # only a valid answer is ever passed on
        except openai.InternalServerError as exc:
            assert "does not match the requested format" in str(exc)
        tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
        with pytest.raises(openai.BadRequestError, match="cannot enforce Hearth's own grammars"):
            client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "x"}],
                                           tools=[tool], max_tokens=2)  # refused before anything is sent
    finally:
        proxy.stop()


def hearth_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=600)


def test_hearth_chat_on_a_remote_engine_stores_endpoint_and_model(llama) -> None:
    result = hearth_cli("chat", "--engine", llama.url, "--seed", "9", "--max-tokens", "8", "--stats", "Hello")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stderr.strip().splitlines()[-1])
    assert stats["tokens_estimated"] is True and stats["completion_tokens"] >= 1
    from desktop.feedback import report
    from desktop.store import Store

    store = Store.open()
    session = store.list_sessions()[0]
    answer = store.active_path(session.id)[-1]
    assert answer.model_file == f"smollm2 @ {llama.url}" and answer.model_sha256 is None
    assert answer.params["seed"] == 9 and answer.content.strip() == result.stdout.strip()
    payload = report.draft_report(report.ReportRequest("bug", "odd greeting"),
                                  report.load_conversation(store, session.id, answer.id))
    assert payload["model"]["kind"] == "remote"
    assert payload["model"]["endpoint"] == llama.url and payload["model"]["model_id"] == "smollm2"
    assert payload["model"]["incomplete_reason"] is None
    report.validate(report.finalize(payload))
    store.close()


def test_hearth_chat_reads_the_key_from_the_variable_it_is_told(llama) -> None:
    result = hearth_cli("chat", "--engine", llama.url, "--api-key-env", "NO_SUCH_VARIABLE", "Hi")
    assert result.returncode == 1 and result.stderr.strip().count("\n") == 0
    assert "NO_SUCH_VARIABLE" in result.stderr and "not set" in result.stderr


def test_a_private_certificate_is_refused_until_its_ca_is_added(smollm_path: Path, tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    secure = start_llama_cpp_server(smollm_path, tls=(cert, key), log=tmp_path / "tls.log")
    try:
        with pytest.raises(HearthError, match="TLS certificate is not trusted") as caught:
            RemoteEngine(RemoteServer(secure.url)).load(LoadOptions(""))
        assert "\n" not in str(caught.value)
        with RemoteEngine(RemoteServer(secure.url, ca_file=str(cert))) as engine:
            engine.load(LoadOptions(""))
            events = list(engine.chat([ChatMessage("user", "Hi")], SamplingParams(max_tokens=3)))
            assert isinstance(events[0], Token) and isinstance(events[-1], Done)
        with pytest.raises(HearthError, match="cannot use the CA file"):
            RemoteEngine(RemoteServer(secure.url, ca_file=str(tmp_path / "missing.pem")))
    finally:
        secure.stop()


def test_embeddings_come_from_the_remote_server_and_through_the_proxy(hearth_server) -> None:
    direct = openai.OpenAI(base_url=hearth_server.url, api_key="unused", max_retries=0, timeout=300)
    expected = [d.embedding for d in direct.embeddings.create(model="smollm2", input=["tea", "a cup of tea"]).data]
    with RemoteEngine(RemoteServer(hearth_server.url)) as engine:
        engine.load(LoadOptions("smollm2-135m"))
        result = engine.embed(["tea", "a cup of tea"])
        assert [len(v) for v in result.vectors] == [len(e) for e in expected] and result.prompt_tokens > 0
        assert all(abs(float(a) - b) < 1e-5 for v, e in zip(result.vectors, expected) for a, b in zip(v, e))
        with pytest.raises(HearthError, match="local embedding model"):
            engine.embed(["tea"], "some.gguf")
    proxy = start_hearth_serve("--engine", hearth_server.url, "-m", "smollm2-135m")
    try:
        client = openai.OpenAI(base_url=proxy.url, api_key="unused", max_retries=0, timeout=300)
        through = client.embeddings.create(model="smollm2-135m", input="tea").data[0].embedding
        assert all(abs(a - b) < 1e-5 for a, b in zip(through, expected[0]))
    finally:
        proxy.stop()
