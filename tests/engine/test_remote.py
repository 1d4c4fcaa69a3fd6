"""The remote engine against llama-cpp-python's own OpenAI-compatible server on SmolLM2.

The server runs with an API key, so every test also proves the key is sent; the wrong key, a wrong
URL, a server that never answers and one that is killed mid-answer each end in one line. A second
one runs its function-calling chat format, so tool calls are asked of it too; a stand-in server
sends the calls no real one here would.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import jsonschema
import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import Constraint, Done, EngineFailure, LoadOptions, SamplingParams, Token
from desktop.engine.remote import RemoteEngine, RemoteServer
from desktop.errors import HearthError
from desktop.models.identity import parse_remote_reference
from tests.engine.remote_servers import start_llama_cpp_server
from desktop.api.tools import tool_request
from desktop.jsonmode.tool_calls import CALL_START, call_prefix, parse_tool_calls
from tests.local_http import QuietHandler, serve

KEY = "sk-test-remote"
HI = [ChatMessage("system", "Be brief."), ChatMessage("user", "Say hello.")]


@pytest.fixture(scope="module")
def server(smollm_path: Path, tmp_path_factory: pytest.TempPathFactory):
    process = start_llama_cpp_server(smollm_path, api_key=KEY, log=tmp_path_factory.mktemp("llama") / "server.log")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def calling_server(smollm_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """Its function-calling format (which does not pass seeds on: the other tests use the plain one)."""
    process = start_llama_cpp_server(smollm_path, log=tmp_path_factory.mktemp("calling") / "server.log",
                                     chat_format="chatml-function-calling")
    yield process
    process.stop()


@pytest.fixture
def calling_engine(calling_server):
    with RemoteEngine(RemoteServer(calling_server.url)) as remote:
        remote.load(LoadOptions("default"))
        yield remote


@pytest.fixture
def engine(server):
    remote = RemoteEngine(RemoteServer(server.url, api_key=KEY))
    remote.load(LoadOptions("default"))
    yield remote
    remote.close()


def test_load_names_the_model_by_endpoint_and_id(engine: RemoteEngine, server) -> None:
    assert engine.kind.name == "llama-cpp-python"
    assert engine.model.name == "smollm2"
    assert parse_remote_reference(engine.model.path) == (server.url, "smollm2")
    assert engine.model.offload == f"remote: llama-cpp-python at {server.url}"
    assert "does not say its context length" in engine.load_warning  # this server does not
    assert engine.build_info()["remote"] is True and engine.worker_pid is None


def test_streams_tokens_then_done_with_the_seed_it_sent(engine: RemoteEngine) -> None:
    generation = engine.chat(HI, SamplingParams(max_tokens=12, seed=1234, temperature=0.9, top_k=20))
    body = generation.request_body
    assert body["seed"] == 1234 and body["top_k"] == 20 and body["temperature"] == 0.9 and body["stream"]
    events = list(generation)
    tokens = [e for e in events if isinstance(e, Token)]
    done = events[-1]
    assert isinstance(done, Done) and len(tokens) >= 2
    assert done.text == "".join(t.text for t in tokens) == generation.text
    assert done.seed == 1234 and done.finish_reason in ("stop", "length")
    # this server sends no usage while streaming: the count is the chunks', and says so
    assert done.tokens_estimated and done.stats()["tokens_estimated"] is True
    assert done.completion_tokens == len(tokens) and done.ttft_s > 0


def test_a_seed_is_chosen_here_when_none_is_given_and_reproduces_the_answer(engine: RemoteEngine) -> None:
    first = engine.chat(HI, SamplingParams(max_tokens=8, temperature=1.0)).collect()
    again = engine.chat(HI, SamplingParams(max_tokens=8, temperature=1.0, seed=first.seed)).collect()
    assert isinstance(first, Done) and isinstance(again, Done)
    assert again.text == first.text


def test_cancel_ends_the_answer_and_closes_the_stream(engine: RemoteEngine) -> None:
    generation = engine.chat([ChatMessage("user", "Write a very long story about a dragon.")],
                             SamplingParams(max_tokens=2000, temperature=0.0))
    events = iter(generation)
    first = next(events)
    assert isinstance(first, Token)
    generation.cancel()
    rest = list(events)
    assert isinstance(rest[-1], Done) and rest[-1].finish_reason == "cancelled"
    assert rest[-1].text.startswith(first.text)
    # the reader leaves the stream (closing the connection) at its next chunk
    assert generation.stream_closed.wait(timeout=120)
    assert not engine._open


def test_count_tokens_asks_the_server_and_says_it_is_an_estimate(engine: RemoteEngine) -> None:
    short = engine.count_tokens([ChatMessage("user", "Hi")])
    longer = engine.count_tokens([ChatMessage("user", "Hi " * 200)])
    assert engine.count_is_estimate  # its tokenizer counts text, not the chat template
    assert 0 < short < longer


YEAR = {"type": "object", "properties": {"year": {"type": "integer", "minimum": 3000, "maximum": 3005}},
        "required": ["year"]}
YEAR_TOOL = {"type": "function", "function": {"name": "record_year", "description": "Record a year",
                                              "parameters": YEAR}}
NOTE_TOOL = {"type": "function", "function": {"name": "note", "parameters": {
    "type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}}


def test_tool_calls_go_to_llama_cpp_python_and_each_is_judged_here(calling_engine: RemoteEngine) -> None:
    engine = calling_engine
    # "required" with one function: this server reads "required" as "auto", so it is asked by name
    tooling = tool_request({"tools": [YEAR_TOOL], "tool_choice": "required"})
    generation = engine.chat([ChatMessage("user", "Record the year 3002.")], SamplingParams(max_tokens=40, seed=3,
                                                                                           temperature=0.0),
                             tooling.constraint, tooling.tools)
    body = generation.request_body
    assert body["tools"] == tooling.tools and "grammar" not in body and "response_format" not in body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "record_year"}}
    assert body["parallel_tool_calls"] is True
    events = list(generation)
    done = events[-1]
    assert isinstance(done, Done), done
    if done.finish_reason != "stop":
        assert done.json_valid is False
        return
    assert done.text.startswith(CALL_START + call_prefix("record_year"))  # the local engine's layout
    assert events[0].text == CALL_START + call_prefix("record_year")  # the call's head streams first
    _, calls = parse_tool_calls(done.text)
    try:
        jsonschema.validate(json.loads(calls[0].arguments), YEAR)
        truly_valid = True
    except (ValueError, jsonschema.ValidationError):
        truly_valid = False
    assert done.json_valid is truly_valid, (done.text, done.json_error)
    if not truly_valid:  # this server's grammar holds the shape, not the range: Hearth says which call
        assert done.json_error.startswith("tool call 1 (record_year): its arguments do not match")


class _Calling(QuietHandler):
    """A stand-in server streaming the tool calls a test gives it: what no real server here
    sends (arguments spread over lines and chunks, a function nobody offered)."""

    calls: list[list[dict]] = []

    def do_GET(self) -> None:
        self._send(200, json.dumps({"data": [{"id": "m", "owned_by": "someone"}]}).encode(), "application/json")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunks = [{"choices": [{"index": 0, "delta": {"tool_calls": [d]}, "finish_reason": None}]}
                  for d in type(self).calls.pop(0)]
        chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
        self.wfile.write("".join(f"data: {json.dumps(c)}\n\n" for c in chunks).encode() + b"data: [DONE]\n\n")


def _call(index: int, name: str | None, arguments: str) -> dict:
    function = {"arguments": arguments} | ({"name": name} if name else {})
    return {"index": index, "function": function} | ({"id": f"c{index}", "type": "function"} if name else {})


def test_a_servers_calls_are_rewritten_in_hearths_layout_and_invalid_ones_named() -> None:
    server, url = serve(_Calling)
    _Calling.calls = [
        [_call(0, "note", ""), _call(0, None, '{\n  "text":'), _call(0, None, ' "hi"\n}'), _call(1, "record_year", '{"year": 3001}')],
        [_call(0, "record_year", '{"year": 1999}')],
        [_call(0, "delete_everything", "{}")],
        [_call(0, "note", '{"text": ')],
    ]
    tooling = tool_request({"tools": [NOTE_TOOL, YEAR_TOOL], "tool_choice": "required"})
    with RemoteEngine(RemoteServer(url)) as remote:
        remote.load(LoadOptions(""))
        ask = [ChatMessage("user", "Go.")]
        done = remote.chat(ask, SamplingParams(), tooling.constraint, tooling.tools).collect()
        assert done.json_valid is True and done.json_error is None
        _, calls = parse_tool_calls(done.text)
        assert [(c.name, json.loads(c.arguments)) for c in calls] == [("note", {"text": "hi"}),
                                                                     ("record_year", {"year": 3001})]
        verdicts = [remote.chat(ask, SamplingParams(), tooling.constraint, tooling.tools).collect().json_error
                    for _ in range(3)]
    assert verdicts[0].startswith("tool call 1 (record_year): its arguments do not match the schema at #/year: 1999 is less than")
    assert verdicts[1] == "tool call 1 names 'delete_everything', which is not among the tools offered"
    assert verdicts[2].startswith("tool call 1 (note): its arguments are not valid JSON")
    assert all("\n" not in v for v in verdicts)
    server.shutdown()


SCHEMAS = [  # features llama-cpp-python's schema-to-grammar converter does not enforce
    {"type": "object", "properties": {"year": {"type": "integer", "minimum": 3000, "maximum": 3005}},
     "required": ["year"]},
    {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[0-9]{12}$"}}, "required": ["code"]},
    {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}, "minItems": 5}},
     "required": ["tags"]},
]


def test_json_mode_validates_every_answer_here_whatever_the_server_did(engine: RemoteEngine) -> None:
    verdicts = []
    for schema in SCHEMAS:
        constraint = Constraint("json_schema", schema=schema, show_schema=False)
        generation = engine.chat([ChatMessage("user", "Answer in JSON.")], SamplingParams(max_tokens=60, seed=5,
                                                                                          temperature=0.0),
                                 constraint=constraint)
        assert generation.request_body["response_format"] == {"type": "json_object", "schema": schema}
        done = generation.collect()
        assert isinstance(done, Done)
        if done.finish_reason != "stop":
            assert done.json_valid is False
            continue
        try:
            jsonschema.validate(json.loads(done.text), schema)
            truly_valid = True
        except (ValueError, jsonschema.ValidationError):
            truly_valid = False
        assert done.json_valid is truly_valid, (done.text, done.json_error)
        verdicts.append(truly_valid)
    assert False in verdicts  # the server let invalid answers through, and Hearth said so


def test_a_grammar_goes_to_the_grammar_field(engine: RemoteEngine) -> None:
    generation = engine.chat(HI, SamplingParams(max_tokens=8, seed=1),
                             constraint=Constraint("grammar", grammar='root ::= "yes" | "no"'))
    assert generation.request_body["grammar"] == 'root ::= "yes" | "no"'
    done = generation.collect()
    assert isinstance(done, Done) and done.text in ("yes", "no") and done.json_valid is True


def test_what_cannot_be_enforced_is_refused_before_sending(engine: RemoteEngine) -> None:
    with pytest.raises(HearthError, match="cannot enforce Hearth's own grammars"):
        engine.chat(HI, constraint=Constraint("lark", grammar='start: "x"'))
    with pytest.raises(HearthError, match="needs the tools"):
        engine.chat(HI, constraint=tool_request({"tools": [YEAR_TOOL]}).constraint)
    with pytest.raises(HearthError):  # Hearth's own check: an unsatisfiable schema
        engine.chat(HI, constraint=Constraint("json_schema", schema={"type": "string", "minLength": 5,
                                                                      "maxLength": 2}))


def test_raw_completion_streams_too(engine: RemoteEngine) -> None:
    done = engine.complete("The capital of France is", SamplingParams(max_tokens=5, seed=3)).collect()
    assert isinstance(done, Done) and done.text and done.completion_tokens >= 1


def test_no_key_and_a_wrong_key_are_one_line(server) -> None:
    for key in (None, "sk-wrong"):
        remote = RemoteEngine(RemoteServer(server.url, api_key=key))
        with pytest.raises(HearthError) as caught:
            remote.load(LoadOptions(""))
        assert "refused the API key (401" in str(caught.value) and "\n" not in str(caught.value)
        assert "sk-wrong" not in str(caught.value)
        remote.close()


def test_a_model_the_server_does_not_have_is_named(server) -> None:
    remote = RemoteEngine(RemoteServer(server.url, api_key=KEY))
    with pytest.raises(HearthError, match="has no model 'llama-70b' \\(it has: smollm2\\)"):
        remote.load(LoadOptions("llama-70b"))


def test_a_wrong_path_is_a_404_in_one_line(server) -> None:
    remote = RemoteEngine(RemoteServer(server.url.replace("/v1", "/api"), api_key=KEY))
    with pytest.raises(HearthError, match="404"):
        remote.load(LoadOptions(""))


def test_nobody_listening_is_a_refused_connection() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    remote = RemoteEngine(RemoteServer(f"http://127.0.0.1:{port}"))
    with pytest.raises(HearthError, match="refused the connection"):
        remote.load(LoadOptions(""))
    with pytest.raises(HearthError, match="not a server address"):
        RemoteEngine(RemoteServer("gpu-box:8000"))


def test_a_server_that_never_answers_times_out_in_one_line() -> None:
    with socket.socket() as silent:  # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        remote = RemoteEngine(RemoteServer(f"http://127.0.0.1:{silent.getsockname()[1]}", read_timeout_s=1))
        with pytest.raises(HearthError, match="stopped answering \\(read timeout\\)"):
            remote.load(LoadOptions(""))


def test_the_engine_failure_of_a_server_gone_after_loading(server, smollm_path: Path, tmp_path: Path) -> None:
    doomed = start_llama_cpp_server(smollm_path, log=tmp_path / "doomed.log")
    remote = RemoteEngine(RemoteServer(doomed.url))
    remote.load(LoadOptions(""))
    generation = remote.chat([ChatMessage("user", "Write a very long story about a dragon.")],
                             SamplingParams(max_tokens=2000, temperature=0.0))
    events = iter(generation)
    pieces = [next(events), next(events)]
    assert all(isinstance(p, Token) for p in pieces)
    doomed.kill()
    rest = list(events)
    failure = rest[-1]
    assert isinstance(failure, EngineFailure) and failure.kind == "crash"
    assert "dropped the connection mid-answer" in failure.message and "\n" not in failure.message
    assert generation.text.startswith(pieces[0].text + pieces[1].text)  # the partial answer is kept
    after = remote.chat(HI, SamplingParams(max_tokens=4)).collect()  # and the next one says why, too
    assert isinstance(after, EngineFailure) and after.kind == "crash" and "refused the connection" in after.message
    with pytest.raises(HearthError, match="refused the connection"):
        remote.restart()


def test_counting_while_an_answer_streams_never_interrupts_it(engine: RemoteEngine) -> None:
    # llama-cpp-python ends the streaming answer for any new request: the count is estimated instead
    generation = engine.chat([ChatMessage("user", "Write a very long story about a dragon.")],
                             SamplingParams(max_tokens=2000, temperature=0.0))
    events = iter(generation)
    assert isinstance(next(events), Token)
    assert engine.count_tokens(HI) > 0 and engine.count_is_estimate
    more = [next(events) for _ in range(5)]
    assert all(isinstance(e, Token) for e in more)  # still streaming
    generation.cancel()
    assert list(events)[-1].finish_reason == "cancelled"


def test_a_count_racing_the_start_of_an_answer_never_interrupts_it(engine: RemoteEngine) -> None:
    # the app asks for an answer and for its prompt's count at once, from two threads; on this
    # server a count that lands just after the answer began ends it (2 of these 40 did, before):
    # whichever goes first, the answer streams on (the count waits, or is estimated)
    for attempt in range(40):
        generation = engine.chat([ChatMessage("user", "Write a very long story about a dragon.")],
                                 SamplingParams(max_tokens=16, temperature=0.0))
        start = threading.Barrier(2)
        counter = threading.Thread(target=lambda: (start.wait(), engine.count_tokens(HI)))
        counter.start()
        start.wait()
        time.sleep(0.00025 * attempt)  # the answer starts a little later each time
        result = generation.collect()
        counter.join()
        assert isinstance(result, Done), f"attempt {attempt}: {result}"


def test_an_answer_this_server_cuts_off_for_another_request_says_why(engine: RemoteEngine) -> None:
    first = engine.chat([ChatMessage("user", "Write a very long story about a dragon.")],
                        SamplingParams(max_tokens=2000, temperature=0.0))
    events = iter(first)
    assert isinstance(next(events), Token)
    second = engine.chat(HI, SamplingParams(max_tokens=4)).collect()
    failure = list(events)[-1]
    assert isinstance(failure, EngineFailure) and "--interrupt_requests False" in failure.message
    assert isinstance(second, Done)


class _Hanging(QuietHandler):
    """Lists one model, then takes a chat request and never answers it (a long prompt on a busy
    server); says when the request has arrived and when the client hangs up."""

    arrived = threading.Event()
    hung_up = threading.Event()

    def do_GET(self) -> None:
        self._send(200, json.dumps({"data": [{"id": "slow", "owned_by": "someone"}]}).encode(), "application/json")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).arrived.set()
        if self.rfile.read(1) == b"":  # blocks until the client closes its side
            type(self).hung_up.set()


def test_stop_before_the_first_byte_ends_the_answer_at_once_and_hangs_up() -> None:
    server, url = serve(_Hanging)
    remote = RemoteEngine(RemoteServer(url, read_timeout_s=120))  # only if cancel() cannot cut in
    remote.load(LoadOptions(""))  # the answer goes out on the connection this kept alive
    generation = remote.chat(HI, SamplingParams(max_tokens=8))
    cut: list[bool] = []

    def stop() -> None:  # the Stop button: the server sees the connection close long before 120 s
        _Hanging.arrived.wait(60)
        generation.cancel()
        cut.append(_Hanging.hung_up.wait(60))

    stopper = threading.Thread(target=stop)
    stopper.start()
    events = list(generation)  # blocked on the server's silence until cancel() cuts the socket
    stopper.join()
    assert cut == [True]
    assert len(events) == 1 and isinstance(events[0], Done) and events[0].finish_reason == "cancelled"
    assert generation.stream_closed.is_set() and not remote._open
    assert remote.list_models()[0]["id"] == "slow"  # the pool carries on without the cut connection
    remote.close()
    server.shutdown()
