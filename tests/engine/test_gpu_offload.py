"""Full offload on a GPU build (run on a GPU machine by packaging/gpu-check.sh; skipped elsewhere):
every layer on the GPU by default, long-context options there too, and right answers. The
workhorse model, since only ~64 MB travels to the GPU machines this project is lent.

A GPU build on a machine without a GPU (CUDA built where there is no driver, Vulkan where the only
device is a CPU one) skips them, unless HEARTH_EXPECT_GPU is set: packaging/gpu-check.sh sets it, so
a GPU that llama.cpp does not find there fails instead."""
from __future__ import annotations

import os

import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import Done, LoadOptions, SamplingParams, device_backends
from desktop.engine.client import EngineClient

pytestmark = pytest.mark.skipif(not device_backends.gpu_build(), reason="this llama.cpp build cannot offload to a GPU")


@pytest.fixture(scope="module")
def client():
    engine = EngineClient()
    if not engine.build_info()["devices"] and not os.environ.get("HEARTH_EXPECT_GPU"):
        engine.close()
        pytest.skip("this build has GPU code, but llama.cpp finds no GPU on this machine")
    yield engine
    engine.close()


def _answer(client, text: str) -> Done:
    done = list(client.chat([ChatMessage("user", text)], SamplingParams(max_tokens=16, seed=1,
                                                                               temperature=0.0)))[-1]
    assert isinstance(done, Done), done
    return done


def test_auto_offloads_every_layer_and_answers(client, smollm_path):
    info = client.load(LoadOptions(str(smollm_path), n_ctx=4096))
    assert info.n_gpu_layers == -1 and info.offload.startswith("GPU: "), info.offload
    assert "paris" in _answer(client, "What is the capital of France? One word.").text.lower()


def test_the_trained_context_with_a_q8_0_cache_on_the_gpu(client, smollm_path):
    info = client.load(LoadOptions(str(smollm_path), n_ctx=8192, kv_type="q8_0", flash_attn="auto"))
    assert (info.n_ctx, info.kv_type, info.flash_attn) == (8192, "q8_0", "enabled")
    assert info.offload.startswith("GPU: ")
    facts = "\n".join(f"Line {i}: the crate in aisle {i} holds {i * 7 % 13} lanterns." for i in range(1, 300))
    done = _answer(client, f"The secret word is PELICAN.\n{facts}\nWhat is the secret word? One word.")
    assert done.prompt_tokens > 5500 and "pelican" in done.text.lower()


def test_gpu_devices_come_from_llama_cpp(client):
    build = client.build_info()
    assert build["gpu_offload"] and build["devices"], build
    assert all(d["vram_free_bytes"] > 0 for d in build["devices"])
