"""Long-context load options, through the real engine: each one reaches llama.cpp (read back from
what llama.cpp reports for the context it built), bad values are one line, a load whose memory
estimate does not fit is refused before llama.cpp allocates anything, and a long prompt works."""
from __future__ import annotations

import re

import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import Done, LoadOptions, SamplingParams
from desktop.engine.client import EngineClient
from desktop.engine.load_plan import plan_load
from desktop.engine.memory_estimate import estimate
from desktop.errors import HearthError
from desktop.models.gguf_info import inspect_gguf


@pytest.fixture(scope="module")
def client():
    engine = EngineClient()
    yield engine
    engine.close()


def test_each_option_reaches_llama_cpp(client, smollm_path):
    cases = [
        (dict(n_ctx=2048, flash_attn="on", kv_type="q8_0"), ("enabled", "q8_0")),
        (dict(n_ctx=1024, flash_attn="on", kv_type="q4_0"), ("enabled", "q4_0")),
        (dict(n_ctx=1536, flash_attn="off", kv_type="f16"), ("disabled", "f16")),
        # "auto" is llama.cpp's own choice; its CPU backend has flash attention for this model.
        (dict(n_ctx=3072, flash_attn="auto", kv_type="q8_0"), ("enabled", "q8_0")),
    ]
    for options, (flash, kv) in cases:
        info = client.load(LoadOptions(str(smollm_path), **options))
        assert (info.n_ctx, info.flash_attn, info.kv_type) == (options["n_ctx"], flash, kv)
        assert info.rope_freq_scale == 1.0


def test_the_estimate_matches_what_llama_cpp_allocates(client, smollm_path):
    gguf = inspect_gguf(smollm_path)
    for n_ctx, kv, flash in ((8192, "q8_0", "on"), (4096, "f16", "off"), (2048, "q4_0", "on")):
        info = client.load(LoadOptions(str(smollm_path), n_ctx=n_ctx, kv_type=kv, flash_attn=flash))
        guess = estimate(gguf, n_ctx, kv, flash_attn=flash == "on")
        assert info.kv_bytes == pytest.approx(guess.kv_cache, rel=0.02)
        assert info.compute_bytes == pytest.approx(guess.compute, rel=0.15)
        assert info.memory_estimate_bytes == guess.total


def test_max_context_is_the_trained_length_and_yarn_stretches_it(client, smollm_path):
    trained = inspect_gguf(smollm_path).context_length
    assert client.load(LoadOptions(str(smollm_path), n_ctx=0, kv_type="q4_0")).n_ctx == trained
    info = client.load(LoadOptions(str(smollm_path), n_ctx=2 * trained, kv_type="q4_0", rope_scaling="yarn"))
    assert (info.n_ctx, info.rope_freq_scale) == (2 * trained, 0.5)
    answer = list(client.chat([ChatMessage("user", "Say hi.")], SamplingParams(max_tokens=4, seed=1)))
    assert isinstance(answer[-1], Done)


@pytest.mark.parametrize("options, words", [
    (dict(kv_type="q5_1"), "unknown KV cache type 'q5_1' (choose f16, q8_0, q4_0)"),
    (dict(flash_attn="yes"), "flash attention must be auto, on or off"),
    (dict(flash_attn="off", kv_type="q8_0"), "needs flash attention"),
    (dict(n_ctx=8193), "more than the 8,192"),
    (dict(n_ctx=-1), "positive number of tokens"),
    (dict(rope_scaling="ntk"), "rope scaling must be none, linear or yarn"),
    (dict(rope_scale=2.0), "needs rope scaling linear or yarn"),
    (dict(rope_scaling="yarn", rope_scale=0.5), "1 or more"),
    (dict(rope_scaling="yarn", rope_scale=2.0, n_ctx=20000), "stretched 2x by rope scaling (16,384)"),
])
def test_bad_options_are_one_line(smollm_path, options, words):
    with pytest.raises(HearthError) as caught:
        plan_load(LoadOptions(str(smollm_path), **options), inspect_gguf(smollm_path))
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_a_refused_load_keeps_the_loaded_model(client, smollm_path):
    loaded = client.load(LoadOptions(str(smollm_path), n_ctx=1024))
    for options in (dict(n_ctx=1 << 20), dict(n_ctx=8192, memory_limit_bytes=200 * 2**20)):
        with pytest.raises(HearthError) as caught:
            client.load(LoadOptions(str(smollm_path), **options))
        assert "\n" not in str(caught.value)
    assert re.search(r"not enough memory: this load needs ~0\.\d+ GiB .* more than the 0\.20 GiB", str(caught.value))
    assert client.model == loaded
    answer = list(client.chat([ChatMessage("user", "Hi")], SamplingParams(max_tokens=4, seed=1)))
    assert isinstance(answer[-1], Done)


def test_a_load_bigger_than_free_ram_is_refused(client, smollm_path):
    import psutil

    gguf = inspect_gguf(smollm_path)
    factor = 2  # YaRN-stretched until the f16 cache alone is twice the RAM that is free
    while estimate(gguf, gguf.context_length * factor).total < 2 * psutil.virtual_memory().available:
        factor *= 2
    with pytest.raises(HearthError, match="not enough memory.*GiB of RAM free"):
        client.load(LoadOptions(str(smollm_path), n_ctx=0, rope_scaling="yarn", rope_scale=float(factor)))


@pytest.mark.slow
def test_a_long_prompt_at_8k_with_a_q8_0_cache(client, smollm_path):
    client.load(LoadOptions(str(smollm_path), n_ctx=8192, kv_type="q8_0"))
    facts = [f"Note {i}: the crate in aisle {i} holds {i * 7 % 13} lanterns." for i in range(1, 145)]
    prompt = "The secret word is PELICAN.\n" + "\n".join(facts) + "\nWhat is the secret word? Answer in one word."
    done = list(client.chat([ChatMessage("user", prompt)], SamplingParams(max_tokens=8, seed=0,
                                                                                temperature=0.0)))[-1]
    assert isinstance(done, Done), done
    assert done.prompt_tokens > 2800 and done.dropped_messages == 0
    assert done.completion_tokens > 0


def test_a_gguf_with_its_own_yarn_scaling_may_use_the_stretched_length(smollm_path):
    info = inspect_gguf(smollm_path)
    info.metadata.update({"llama.rope.scaling.type": "yarn", "llama.rope.scaling.factor": 4.0,
                          "llama.rope.scaling.original_context_length": 8192})
    assert plan_load(LoadOptions(str(smollm_path), n_ctx=32768), info).n_ctx == 32768
    with pytest.raises(HearthError, match="more than the 8,192"):
        plan_load(LoadOptions(str(smollm_path), n_ctx=32769), info)
