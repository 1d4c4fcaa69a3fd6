"""A second Hearth as the remote engine (tool calls too), `hearth serve --engine` as a proxy,
`hearth chat --engine` storing answers that name endpoint and model, and a server with a private
TLS certificate."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import openai
import pytest
from openai.lib.streaming.chat import ChatCompletionStreamState

from desktop.api.tools import tool_request
from desktop.chat_messages import ChatMessage
from desktop.engine import Constraint, Done, LoadOptions, SamplingParams, Token
from desktop.engine.remote import RemoteEngine, RemoteServer
from desktop.errors import HearthError
from desktop.jsonmode.tool_calls import CALL_START, parse_tool_calls
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
        tool = {"type": "function", "function": {"name": "record_year", "parameters": schema}}
        try:  # the same for a tool call: only one whose arguments validate is passed on
            answer = client.chat.completions.create(
                model="smollm2", messages=[{"role": "user", "content": "Record the year 3002."}], tools=[tool],
                tool_choice="required", max_tokens=40, seed=5, temperature=0.0)
            call = answer.choices[0].message.tool_calls[0]
            assert call.function.name == "record_year" and answer.choices[0].finish_reason == "tool_calls"
            assert 3000 <= json.loads(call.function.arguments)["year"] <= 3005
        except openai.InternalServerError as exc:
            assert "does not match the requested format: tool call 1 (record_year)" in str(exc)
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


def test_hearth_chat_calls_a_tool_on_a_remote_engine_and_prints_only_a_valid_call(llama, tmp_path: Path) -> None:
    year = {"type": "object", "properties": {"year": {"type": "integer", "minimum": 3000, "maximum": 3005}},
            "required": ["year"]}
    tool = tmp_path / "record_year.json"
    tool.write_text(json.dumps({"name": "record_year", "parameters": year}))
    result = hearth_cli("chat", "--engine", llama.url, "--tool", str(tool), "--tool-choice", "required",
                        "--seed", "5", "--max-tokens", "40", "--temperature", "0", "Record the year 3002.")
    if result.returncode == 0:
        call = json.loads(result.stdout.strip().splitlines()[-1])["tool_calls"][0]
        assert call["name"] == "record_year"
        jsonschema.validate(call["arguments"], year)
    else:  # llama-cpp-python held the call to its shape, not its range: said in one line, exit 1
        assert result.returncode == 1, result.stderr
        assert "hearth: error: the answer is not valid: tool call 1 (record_year): its arguments" in result.stderr


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


WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
                                            "parameters": {"type": "object", "properties": {
                                                "city": {"type": "string", "maxLength": 30},
                                                "unit": {"enum": ["celsius", "fahrenheit"]}},
                                                "required": ["city", "unit"], "additionalProperties": False}}}
ADD = {"type": "function", "function": {"name": "add", "parameters": {
    "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"],
    "additionalProperties": False}}}
ASK = [ChatMessage("user", "What is the weather in Paris?")]


def _valid_calls(text: str, names: set[str]) -> list:
    _, calls = parse_tool_calls(text)
    schemas = {t["function"]["name"]: t["function"]["parameters"] for t in (WEATHER, ADD)}
    for call in calls:
        assert call.name in names
        jsonschema.validate(json.loads(call.arguments), schemas[call.name])
    return calls


def test_tool_calls_on_a_remote_hearth_stream_as_the_local_engine_writes_them(hearth_server) -> None:
    with RemoteEngine(RemoteServer(hearth_server.url)) as engine:
        engine.load(LoadOptions("smollm2-135m"))
        tooling = tool_request({"tools": [WEATHER, ADD], "tool_choice": "required"})
        generation = engine.chat(ASK, SamplingParams(max_tokens=80, seed=3), tooling.constraint, tooling.tools)
        body = generation.request_body
        assert body["tools"] == tooling.tools and body["tool_choice"] == "required"
        assert body["parallel_tool_calls"] is True and "grammar" not in body
        events = list(generation)
        done = events[-1]
        assert isinstance(done, Done) and done.finish_reason == "stop", done
        assert done.json_valid is True and done.json_error is None  # Hearth's own verdict, here
        assert _valid_calls(done.text, {"get_weather", "add"})
        assert events[0].text.startswith(CALL_START)  # the head streams before the arguments are whole
        named = tool_request({"tools": [WEATHER, ADD], "tool_choice": {"type": "function",
                                                                         "function": {"name": "add"}}})
        generation = engine.chat(ASK, SamplingParams(max_tokens=80, seed=4), named.constraint, named.tools)
        assert generation.request_body["tool_choice"] == {"type": "function", "function": {"name": "add"}}
        assert generation.request_body["parallel_tool_calls"] is False
        done = generation.collect()
        assert done.json_valid is True and [c.name for c in _valid_calls(done.text, {"add"})] == ["add"]


def test_the_proxy_serves_tool_calls_from_a_remote_hearth(hearth_server) -> None:
    proxy = start_hearth_serve("--engine", hearth_server.url, "-m", "smollm2-135m")
    try:
        client = openai.OpenAI(base_url=proxy.url, api_key="unused", max_retries=0, timeout=300)
        ask = [{"role": "user", "content": "What is the weather in Paris?"}]
        whole = client.chat.completions.create(model="smollm2-135m", messages=ask, tools=[WEATHER],
                                               tool_choice="required", max_tokens=80, seed=3)
        assert whole.choices[0].finish_reason == "tool_calls"
        call = whole.choices[0].message.tool_calls[0]
        assert call.function.name == "get_weather" and call.id.startswith("call_")
        jsonschema.validate(json.loads(call.function.arguments), WEATHER["function"]["parameters"])
        stream = client.chat.completions.create(model="smollm2-135m", messages=ask, tools=[WEATHER],
                                                tool_choice="required", max_tokens=80, seed=3, stream=True)
        state = ChatCompletionStreamState()
        for chunk in stream:
            state.handle_chunk(chunk)
        streamed = state.get_final_completion().choices[0]
        assert streamed.finish_reason == "tool_calls"
        assert streamed.message.tool_calls[0].function.arguments == call.function.arguments  # same seed
    finally:
        proxy.stop()
