"""The engine client against the real SmolLM2 model through real llama.cpp in a worker process."""
import os
import signal
import threading
import time

import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import Done, EngineFailure, LoadOptions, SamplingParams, Token
from desktop.engine.client import EngineClient
from desktop.errors import HearthError

HAIKU = [ChatMessage("user", "Write a short poem about the sea.")]


@pytest.fixture(scope="module")
def client(smollm_path):
    engine = EngineClient()
    engine.load(LoadOptions(str(smollm_path), n_ctx=1024))
    yield engine
    engine.close()


def test_streams_an_answer_with_metrics(client):
    generation = client.chat(HAIKU, SamplingParams(max_tokens=24, seed=7))
    events = list(generation)
    tokens = [e.text for e in events if isinstance(e, Token)]
    done = events[-1]
    assert isinstance(done, Done)
    assert len(tokens) > 3 and "".join(tokens) == done.text
    assert done.completion_tokens > 0 and done.prompt_tokens > 10
    assert done.finish_reason in ("stop", "length")
    assert done.ttft_s > 0 and done.decode_tok_s > 0
    assert client.model.architecture == "llama" and client.model.n_ctx == 1024


def test_the_same_seed_gives_the_same_answer(client):
    params = SamplingParams(temperature=1.0, max_tokens=24, seed=1234)
    first = client.chat(HAIKU, params).collect()
    client.chat([ChatMessage("user", "Something else entirely.")], SamplingParams(max_tokens=8)).collect()
    second = client.chat(HAIKU, params).collect()
    assert first.text == second.text and first.seed == second.seed == 1234


def test_seeds_reproduce_across_turns_and_across_engines(client, smollm_path):
    """The prompt cache must not change the numbers: turn two of a conversation answered by a warm
    engine equals the same request answered by a fresh one, and an immediate repeat equals both."""
    params = SamplingParams(temperature=1.0, max_tokens=20, seed=77)
    first = client.chat(HAIKU, SamplingParams(max_tokens=40, seed=5)).collect()
    client.settle()  # a person reads the answer: the engine evaluates the exchange meanwhile
    turn_two = HAIKU + [ChatMessage("assistant", first.text),
                        ChatMessage("user", "Now make it rhyme, and longer. " * 20)]
    warm = client.chat(turn_two, params).collect()
    repeat = client.chat(turn_two, params).collect()
    with EngineClient() as fresh:
        fresh.load(LoadOptions(str(smollm_path), n_ctx=1024))
        cold = fresh.chat(turn_two, params).collect()
    assert warm.prompt_tokens > 200
    assert warm.text == repeat.text == cold.text
    # The follow-up reused the whole first exchange (evaluated while "the user read" the first
    # answer); the repeat reused the same; the fresh engine only had the template's opening.
    assert warm.cached_tokens == repeat.cached_tokens > 40 > cold.cached_tokens


def test_every_conversation_reuses_the_templates_opening(client, smollm_path):
    """`<|im_start|>system\\n` starts every SmolLM2 conversation: it is evaluated when the model
    loads, so even a first request on a fresh engine reuses it - and answers as a warm one does."""
    params = SamplingParams(temperature=1.0, max_tokens=12, seed=9)
    question = [ChatMessage("system", "Answer in French."), ChatMessage("user", "Name a fruit.")]
    warm = client.chat(question, params).collect()
    with EngineClient() as fresh:
        fresh.load(LoadOptions(str(smollm_path), n_ctx=1024))
        first = fresh.chat(question, params).collect()
    assert warm.cached_tokens == first.cached_tokens == 3
    assert warm.text == first.text


def test_a_random_seed_is_reported_so_answers_can_be_reproduced(client):
    done = client.chat(HAIKU, SamplingParams(temperature=1.0, max_tokens=16)).collect()
    again = client.chat(HAIKU, SamplingParams(temperature=1.0, max_tokens=16, seed=done.seed)).collect()
    assert again.text == done.text


def test_max_tokens_ends_with_length(client):
    done = client.chat(HAIKU, SamplingParams(max_tokens=3, seed=1)).collect()
    assert done.finish_reason == "length" and done.completion_tokens == 3


def test_stop_strings_end_the_answer_before_the_stop(client):
    messages = [ChatMessage("user", "Count from 1 to 20 separated by commas.")]
    full = client.chat(messages, SamplingParams(temperature=0, max_tokens=40)).collect()
    assert "5" in full.text
    done = client.chat(messages, SamplingParams(temperature=0, max_tokens=40, stop=["5"])).collect()
    assert done.finish_reason == "stop" and "5" not in done.text
    assert full.text.startswith(done.text)


def test_cancel_stops_within_200_ms(client):
    generation = client.chat(HAIKU, SamplingParams(max_tokens=400, seed=3))
    iterator = iter(generation)
    assert isinstance(next(iterator), Token)
    started = time.perf_counter()
    generation.cancel()
    rest = list(iterator)
    assert time.perf_counter() - started < 0.2
    assert rest[-1].finish_reason == "cancelled"
    # the engine is free for the next request at once
    assert client.chat(HAIKU, SamplingParams(max_tokens=4, seed=1)).collect().finish_reason == "length"


def test_cancel_before_start_and_while_queued(client):
    generation = client.chat(HAIKU, SamplingParams(max_tokens=4))
    generation.cancel()
    assert generation.collect().finish_reason == "cancelled"


def test_requests_are_served_in_arrival_order(client):
    finished = []

    def ask(name, delay):
        time.sleep(delay)
        client.chat(HAIKU, SamplingParams(max_tokens=12, seed=1)).collect()
        finished.append(name)

    threads = [threading.Thread(target=ask, args=(n, i * 0.05)) for i, n in enumerate("abc")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert finished == ["a", "b", "c"]


def test_token_count_answers_while_an_answer_streams(client):
    generation = client.chat(HAIKU, SamplingParams(max_tokens=200, seed=5))
    iterator = iter(generation)
    next(iterator)
    started = time.perf_counter()
    assert client.count_tokens(HAIKU) > 5
    assert time.perf_counter() - started < 0.5
    generation.cancel()
    list(iterator)


def test_long_conversations_drop_the_oldest_turns(client):
    turn = "Tell me more about the history of the city of Rome and its emperors. " * 6
    messages = [ChatMessage("system", "You are brief.")]
    for _ in range(12):
        messages += [ChatMessage("user", turn), ChatMessage("assistant", turn)]
    messages.append(ChatMessage("user", "Summarise."))
    done = client.chat(messages, SamplingParams(max_tokens=8)).collect()
    assert isinstance(done, Done) and done.dropped_messages > 0
    assert done.prompt_tokens <= 1024


def test_a_prompt_larger_than_the_context_fails_naming_the_sizes(client):
    huge = [ChatMessage("user", "word " * 3000)]
    result = client.chat(huge, SamplingParams(max_tokens=8)).collect()
    assert isinstance(result, EngineFailure) and result.kind == "request"
    assert "context is 1024 tokens" in result.message


def test_build_info_says_what_llama_cpp_can_do(client):
    info = client.build_info()
    assert info["llama_cpp_python"] == "0.3.36"
    assert info["backend"] in ("CPU", "CUDA")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT])
def test_a_dead_worker_fails_the_answer_and_the_next_request_recovers(smollm_path, sig):
    engine = EngineClient()
    try:
        engine.load(LoadOptions(str(smollm_path), n_ctx=512))
        generation = engine.chat(HAIKU, SamplingParams(max_tokens=300, seed=2))
        iterator = iter(generation)
        next(iterator)
        os.kill(engine.worker_pid, sig)
        result = list(iterator)[-1]
        assert isinstance(result, EngineFailure) and result.kind == "crash"
        assert signal.Signals(sig).name in result.message
        again = engine.chat(HAIKU, SamplingParams(max_tokens=4, seed=1)).collect()
        assert isinstance(again, Done) and again.completion_tokens == 4
    finally:
        engine.close()


def test_loading_a_broken_file_is_one_clear_line(tmp_path):
    path = tmp_path / "broken.gguf"
    path.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\x00" * 8)
    with EngineClient() as engine, pytest.raises(HearthError) as info:
        engine.load(LoadOptions(str(path)))
    assert "broken.gguf" in str(info.value) and "\n" not in str(info.value)


def test_the_engine_takes_typed_messages_and_adds_the_schema_hint_itself():
    from desktop.engine.client import as_sent
    from desktop.jsonmode.constraint import Constraint

    with pytest.raises(TypeError, match="ChatMessage"):
        as_sent([{"role": "user", "content": "hi"}], None)
    sent = as_sent([ChatMessage("user", "hi")], Constraint("json_object"))
    assert [m.role for m in sent] == ["system", "user"] and "JSON object" in sent[0].content
