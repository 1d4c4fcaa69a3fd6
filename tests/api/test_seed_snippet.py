"""The `requests` example from the document Hearth grew from, run exactly as written.

It posts to http://localhost:8080 with a model name Hearth has not loaded, a Chinese system prompt,
temperature 0.7 and max_tokens 512, and prints OpenAI's response shape. The seed's copy lost its
line breaks (it is one line of text there); they are restored here, nothing else is changed.
"""
from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from desktop.api.server import ApiServer
from desktop.errors import HearthError

SEED_SNIPPET = '''\
import requests

# 示例:调用本地部署的 Qwen2.5-0.5B API
url = "http://localhost:8080/v1/chat/completions"
headers = {"Content-Type": "application/json"}
data = {
    "model": "qwen2.5-0.5b-instruct",
    "messages": [
        {"role": "system", "content": "你是一个助手"},
        {"role": "user", "content": "请用 JSON 格式列出三个城市及其国家"}
    ],
    "temperature": 0.7,
    "max_tokens": 512
}

response = requests.post(url, json=data, headers=headers)
print(response.json())
'''


@pytest.fixture
def server_on_8080(engine) -> Iterator[ApiServer]:
    try:
        server = ApiServer(engine, port=8080)
        server.start()
    except HearthError as exc:
        pytest.skip(f"port 8080 is taken on this machine ({exc}); the free-port run covers the rest")
    yield server
    server.stop()


def run_snippet(source: str, capsys: pytest.CaptureFixture) -> dict:
    namespace: dict = {}
    exec(compile(source, "seed_snippet.py", "exec"), namespace)
    printed = capsys.readouterr().out
    answer = namespace["response"].json()
    assert printed.strip() == str(answer)
    return answer


def check_answer(answer: dict) -> None:
    assert answer["object"] == "chat.completion"
    assert answer["model"] == "qwen2.5-0.5b-instruct"
    choice = answer["choices"][0]
    assert choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str) and choice["message"]["content"]
    assert choice["finish_reason"] in ("stop", "length")
    usage = answer["usage"]
    assert 0 < usage["completion_tokens"] <= 512
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_the_seed_snippet_verbatim_on_port_8080(server_on_8080: ApiServer, capsys) -> None:
    check_answer(run_snippet(SEED_SNIPPET, capsys))


def test_the_seed_snippet_on_a_free_port(api: ApiServer, capsys) -> None:
    """The same code with only the port changed, so it runs even where 8080 is busy."""
    assert SEED_SNIPPET.count("localhost:8080") == 1
    check_answer(run_snippet(SEED_SNIPPET.replace("localhost:8080", f"localhost:{api.port}"), capsys))


def test_port_8080_in_use_is_one_clear_error(engine) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(HearthError, match=f"cannot listen on 127.0.0.1:{port}: the port is in use"):
            ApiServer(engine, port=port).start()
