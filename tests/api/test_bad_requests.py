"""Every client mistake is a 4xx with an OpenAI-style error object, and the server stays up."""
from __future__ import annotations

import socket

import pytest
import requests

from desktop.api.body import MAX_BODY_BYTES

HELLO = [{"role": "user", "content": "Hi"}]


def assert_openai_error(response: requests.Response, status: int, param: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    if param is not None:
        assert error["param"] == param
    return error


@pytest.fixture(autouse=True)
def server_still_up(base_url: str):
    """After every bad request the same server answers a health check."""
    yield
    assert requests.get(f"{base_url}/health", timeout=5).json()["status"] == "ok"


def test_malformed_json_is_a_400_naming_the_position(base_url: str) -> None:
    r = requests.post(f"{base_url}/v1/chat/completions", data=b'{"messages": [', timeout=10,
                      headers={"Content-Type": "application/json"})
    error = assert_openai_error(r, 400)
    assert "not valid JSON" in error["message"] and "line 1" in error["message"]
    assert error["type"] == "invalid_request_error"


@pytest.mark.parametrize("body, fragment", [
    (b"", "empty"),
    (b"[1, 2]", "must be a JSON object"),
    (b"\xff\xfe\x00garbage", "UTF-8"),
])
def test_a_body_that_is_not_a_json_object_is_a_400(base_url: str, body: bytes, fragment: str) -> None:
    r = requests.post(f"{base_url}/v1/chat/completions", data=body, timeout=10)
    assert fragment in assert_openai_error(r, 400)["message"]


@pytest.mark.parametrize("field, value, fragment", [
    ("messages", "Hi", "must be an array"),
    ("temperature", "hot", "must be a number, got a string"),
    ("temperature", 3.5, "between 0 and 2"),
    ("max_tokens", 1.5, "must be an integer"),
    ("max_tokens", 0, "at least 1"),
    ("stream", "yes", "true or false"),
    ("stop", [1, 2], "a string or an array of strings"),
    ("top_k", True, "must be an integer, got a boolean"),
    ("seed", -7, "between -1"),
    ("response_format", "json", "must be an object"),
    ("dry_multiplier", -0.5, "between 0 and 10"),
    ("dry_base", 0.5, "between 1 and 10"),
    ("dry_allowed_length", 0, "between 1 and 1024"),
    ("dry_penalty_last_n", -2, "at least -1"),
    ("dry_sequence_breakers", [3], "a string or an array of strings"),
    ("dry_sequence_breakers", ["\n", ""], "non-empty strings"),
    ("xtc_probability", 1.5, "between 0 and 1"),
    ("xtc_threshold", "high", "must be a number"),
    ("runaway_guard", "off", "true or false"),
    ("n", 17, "between 1 and 16"),
    ("echo", True, "not supported"),
])
def test_a_wrong_field_is_a_400_naming_it(base_url: str, field: str, value, fragment: str) -> None:
    body = {"messages": HELLO, field: value}
    r = requests.post(f"{base_url}/v1/chat/completions", json=body, timeout=10)
    assert fragment in assert_openai_error(r, 400, param=field)["message"]


def test_missing_messages_and_bad_message_shapes_are_400s(base_url: str) -> None:
    url = f"{base_url}/v1/chat/completions"
    assert_openai_error(requests.post(url, json={"model": "x"}, timeout=10), 400, "messages")
    assert_openai_error(requests.post(url, json={"messages": []}, timeout=10), 400, "messages")
    r = requests.post(url, json={"messages": [{"role": "wizard", "content": "hi"}]}, timeout=10)
    assert "wizard" in assert_openai_error(r, 400, "messages[0].role")["message"]
    image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
    r = requests.post(url, json={"messages": image}, timeout=10)
    assert "text-only" in assert_openai_error(r, 400, "messages[0].content")["message"]


def test_a_prompt_longer_than_the_context_is_a_400_naming_both_sizes(base_url: str, engine) -> None:
    n_ctx = engine.model.n_ctx
    long_text = "lorem ipsum " * n_ctx
    r = requests.post(f"{base_url}/v1/chat/completions", timeout=30,
                      json={"messages": [{"role": "user", "content": long_text}], "max_tokens": 8})
    error = assert_openai_error(r, 400)
    assert error["code"] == "context_length_exceeded"
    assert f"context is {n_ctx} tokens" in error["message"]
    r = requests.post(f"{base_url}/v1/completions", json={"prompt": long_text, "max_tokens": 8}, timeout=30)
    assert f"the context is {n_ctx} tokens" in assert_openai_error(r, 400)["message"]


def test_a_schema_the_engine_cannot_enforce_is_a_400_naming_the_feature(base_url: str) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string", "not": {"pattern": "^a"}}}}
    rf = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema, "strict": True}}
    r = requests.post(f"{base_url}/v1/chat/completions", timeout=10,
                      json={"messages": HELLO, "response_format": rf, "max_tokens": 4})
    error = assert_openai_error(r, 400, "response_format")
    assert "'not'" in error["message"] and "#/properties/a" in error["message"]


def test_a_broken_grammar_is_a_400(base_url: str) -> None:
    r = requests.post(f"{base_url}/v1/completions", json={"prompt": "x", "grammar": "root ::= (", "max_tokens": 4},
                      timeout=10)
    assert_openai_error(r, 400, "grammar")


def test_unknown_routes_and_methods_are_openai_errors(base_url: str) -> None:
    error = assert_openai_error(requests.get(f"{base_url}/v1/engines", timeout=5), 404)
    assert "/v1/engines" in error["message"]
    assert_openai_error(requests.get(f"{base_url}/v1/chat/completions", timeout=5), 405)
    assert_openai_error(requests.get(f"{base_url}/v1/models/gpt-4o", timeout=5), 404, "model")


def _raw_exchange(base_url: str, head: bytes, chunks: list[bytes] = ()) -> bytes:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking all of it: the point
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        return answer


def test_an_oversized_body_is_refused_from_its_content_length_before_it_is_sent(base_url: str) -> None:
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n").encode()
    answer = _raw_exchange(base_url, head)  # not one byte of the body is sent
    assert answer.startswith(b"HTTP/1.1 413")


def test_an_oversized_chunked_body_is_cut_off_while_streaming(base_url: str) -> None:
    head = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * (1024 * 1024)
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    answer = _raw_exchange(base_url, head, [chunk] * 12)  # 12 MB offered, never terminated
    assert answer.startswith(b"HTTP/1.1 413")
