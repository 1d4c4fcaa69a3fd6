"""Loopback by default, a key for anything else, Bearer checks, and CORS only when allowed."""
from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
import requests

from desktop.api.server import ApiServer
from desktop.errors import HearthError

KEY = "sk-hearth-test-key"
ORIGIN = "http://localhost:5173"


@pytest.fixture
def keyed(engine) -> Iterator[ApiServer]:
    with ApiServer(engine, port=0, api_key=KEY) as server:
        yield server


@pytest.fixture
def with_cors(engine) -> Iterator[ApiServer]:
    with ApiServer(engine, port=0, api_key=KEY, cors_origins=[ORIGIN]) as server:
        yield server


def test_the_default_address_is_loopback(engine) -> None:
    server = ApiServer(engine)
    assert (server.host, server.port) == ("127.0.0.1", 8080)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_another_interface_without_a_key_is_refused(engine, host: str) -> None:
    with pytest.raises(HearthError, match="--api-key"):
        ApiServer(engine, host=host)
    ApiServer(engine, host=host, api_key=KEY)  # allowed with a key (not started here)


def test_a_key_is_required_on_every_endpoint_but_health(keyed: ApiServer) -> None:
    for path in ("/v1/models", "/v1/models/x"):
        r = requests.get(keyed.url + path, timeout=5)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_api_key"
    r = requests.post(keyed.url + "/v1/chat/completions", json={}, timeout=5,
                      headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["error"]["message"] == "invalid API key"
    assert requests.get(keyed.url + "/health", timeout=5).status_code == 200
    r = requests.get(keyed.url + "/v1/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
    assert r.status_code == 200


def test_the_openai_client_with_and_without_the_key(keyed: ApiServer) -> None:
    wrong = openai.OpenAI(base_url=f"{keyed.url}/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        wrong.models.list()
    right = openai.OpenAI(base_url=f"{keyed.url}/v1", api_key=KEY, max_retries=0)
    answer = right.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi"}],
                                           max_tokens=3)
    assert answer.usage.completion_tokens <= 3


def test_no_cors_headers_unless_configured(api: ApiServer) -> None:
    r = requests.get(api.url + "/v1/models", headers={"Origin": ORIGIN}, timeout=5)
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    preflight = requests.options(api.url + "/v1/chat/completions", timeout=5, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_exactly_the_configured_origins(with_cors: ApiServer) -> None:
    """Browsers send the preflight without the key; a 401 still carries CORS headers so the page
    can read why."""
    preflight = requests.options(with_cors.url + "/v1/chat/completions", timeout=5, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    key = {"Authorization": f"Bearer {KEY}"}
    r = requests.get(with_cors.url + "/v1/models", headers={"Origin": ORIGIN, **key}, timeout=5)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ORIGIN
    r = requests.get(with_cors.url + "/v1/models", headers={"Origin": ORIGIN}, timeout=5)
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == ORIGIN
    other = requests.get(with_cors.url + "/v1/models", headers={"Origin": "http://evil.example", **key},
                         timeout=5)
    assert "access-control-allow-origin" not in other.headers
