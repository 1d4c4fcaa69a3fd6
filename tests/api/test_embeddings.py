"""/v1/embeddings through the official `openai` client, on SmolLM2 (mean pooling)."""
from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import openai
import pytest
import requests

from desktop.api.server import ApiServer
from desktop.engine.client import EngineClient

CATS = ["The cat sat on the mat.", "A kitten is sleeping on the rug."]
MARKETS = ["Stock markets fell sharply today.", "Investors sold shares as prices dropped."]


@pytest.fixture
def client(api: ApiServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{api.url}/v1", api_key="x", max_retries=0, timeout=120)


def _vectors(answer) -> np.ndarray:
    return np.array([d.embedding for d in sorted(answer.data, key=lambda d: d.index)])


def test_related_texts_are_closer_than_unrelated_ones(client: openai.OpenAI) -> None:
    answer = client.embeddings.create(model="m", input=CATS + MARKETS, encoding_format="float")
    v = _vectors(answer)
    assert v.shape == (4, 576) and [d.index for d in answer.data] == [0, 1, 2, 3]
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)  # unit length: dot product = cosine
    cosine = v @ v.T
    for a, b in ((0, 1), (2, 3)):  # each text is closer to its pair than to either of the others
        others = [c for c in range(4) if c not in (a, b)]
        assert cosine[a, b] > max(cosine[a, others]) and cosine[a, b] > max(cosine[b, others])
    assert answer.usage.prompt_tokens == answer.usage.total_tokens > 4
    assert answer.object == "list" and answer.model == "m"


def test_base64_is_the_same_vector_and_the_same_input_the_same_vector(client: openai.OpenAI,
                                                                       base_url: str) -> None:
    floats = client.embeddings.create(model="m", input=CATS[0], encoding_format="float").data[0].embedding
    decoded = client.embeddings.create(model="m", input=CATS[0]).data[0].embedding  # the client asks base64
    assert np.array_equal(np.array(floats, dtype=np.float32), np.array(decoded, dtype=np.float32))
    raw = requests.post(f"{base_url}/v1/embeddings", json={"input": CATS[0], "encoding_format": "base64"},
                        timeout=60).json()["data"][0]["embedding"]
    assert np.array_equal(np.frombuffer(base64.b64decode(raw), dtype="<f4"), np.array(floats, dtype=np.float32))
    again = client.embeddings.create(model="m", input=[CATS[1], CATS[0]], encoding_format="float")
    assert np.allclose(again.data[1].embedding, floats, atol=1e-6)


def test_token_arrays_embed_like_their_text(client: openai.OpenAI, engine: EngineClient) -> None:
    text = client.embeddings.create(model="m", input="hello world", encoding_format="float")
    tokens = [[28120, 905]]  # "hello world" in SmolLM2's vocabulary (no BOS: the model adds none)
    by_tokens = client.embeddings.create(model="m", input=tokens, encoding_format="float")
    assert by_tokens.usage.prompt_tokens == text.usage.prompt_tokens == 2
    assert np.allclose(by_tokens.data[0].embedding, text.data[0].embedding, atol=1e-5)
    flat = client.embeddings.create(model="m", input=tokens[0], encoding_format="float")
    assert len(flat.data) == 1 and np.allclose(flat.data[0].embedding, text.data[0].embedding, atol=1e-5)


def test_dimensions_of_the_model_are_accepted_others_refused(client: openai.OpenAI) -> None:
    assert len(client.embeddings.create(model="m", input="hi", dimensions=576).data[0].embedding) == 576
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="m", input="hi", dimensions=256)
    assert caught.value.body["param"] == "dimensions" and "576" in caught.value.body["message"]


@pytest.mark.parametrize("body, param, fragment", [
    ({}, "input", "required"),
    ({"input": ""}, "input", "empty"),
    ({"input": []}, "input", "not empty"),
    ({"input": [[]]}, "input", "input[0]"),
    ({"input": ["ok", 3.5]}, "input", "input[1]"),
    ({"input": {"text": "hi"}}, "input", "token ids"),
    ({"input": [[1, -2]]}, "input", "input[0]"),
    ({"input": [[10**7]]}, "input", "vocabulary"),
    ({"input": "hi", "encoding_format": "int8"}, "encoding_format", "base64"),
    ({"input": "hi", "dimensions": 0}, "dimensions", "at least 1"),
])
def test_bad_input_is_a_400_naming_the_field(base_url: str, body: dict, param: str, fragment: str) -> None:
    r = requests.post(f"{base_url}/v1/embeddings", json=body, timeout=60)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["param"] == param and fragment in error["message"], error


def test_an_input_longer_than_the_context_is_a_400(client: openai.OpenAI, engine: EngineClient) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="m", input=["short", "lorem ipsum " * engine.model.n_ctx])
    body = caught.value.body
    assert body["code"] == "context_length_exceeded" and "input[1]" in body["message"]
    assert client.embeddings.create(model="m", input="still serving").data  # the server stays up


def test_a_dedicated_embedding_gguf_is_used_when_given(engine: EngineClient, smollm_path: Path) -> None:
    """The same GGUF loaded apart as the embedding model: a separate llama.cpp model, same vectors."""
    with ApiServer(engine, port=0, embedding_model=str(smollm_path)) as server:
        own = openai.OpenAI(base_url=f"{server.url}/v1", api_key="x", max_retries=0, timeout=120)
        answer = own.embeddings.create(model="m", input=CATS[0], encoding_format="float")
    chat_model = engine.embed([CATS[0]])
    assert np.allclose(answer.data[0].embedding, chat_model.vectors[0], atol=1e-5)


def test_a_missing_embedding_gguf_is_a_503_and_the_server_stays_up(engine: EngineClient, tmp_path: Path) -> None:
    with ApiServer(engine, port=0, embedding_model=str(tmp_path / "absent.gguf")) as server:
        r = requests.post(f"{server.url}/v1/embeddings", json={"input": "hi"}, timeout=60)
        assert r.status_code == 503 and "not found" in r.json()["error"]["message"]
        assert requests.get(f"{server.url}/health", timeout=10).status_code == 200
