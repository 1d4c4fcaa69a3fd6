"""The start-up self-check with real llama.cpp in real probe and worker processes.

A probe is made to crash by HEARTH_PROBE_CRASH (a real SIGSEGV just before its first decode, in
the probe process only); each test has its own cache folder, so each starts on a "new" machine.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import LoadOptions, SamplingParams
from desktop.engine import device_backends, runtime_check
from desktop.engine.client import EngineClient
from desktop.engine.cpu_backends import TIERS, Variant
from desktop.errors import HearthError

HELLO = [ChatMessage("user", "Say hello.")]


@pytest.fixture(scope="module")
def this_machine() -> runtime_check.Choice:
    """What the self-check proved on the machine running these tests (tests/conftest.py proved it
    in the real cache folder): as built on most, a fallback where llama.cpp's fastest code crashes."""
    choice = runtime_check.remembered()
    if choice is None:
        pytest.skip("the self-check proved nothing on this machine (its probe took too long)")
    return choice


@pytest.fixture(autouse=True)
def new_machine(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HEARTH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(runtime_check.CRASH_ENV, raising=False)
    return tmp_path / "cache"


def load(model_path) -> EngineClient:
    engine = EngineClient()
    try:
        engine.load(LoadOptions(str(model_path), n_ctx=512, n_gpu_layers=0))  # the CPU code is what is checked
    except BaseException:
        engine.close()
        raise
    return engine


def hearth_chat(model_path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", "chat", "-m", str(model_path), "--no-save",
                           "--max-tokens", "4", "--gpu-layers", "0", "Hi"], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))


def record() -> dict:
    return json.loads(runtime_check.record_path().read_text())


def test_a_new_machine_is_probed_once_and_runs_what_survived(smollm_path, this_machine):
    with load(smollm_path) as engine:
        assert ("crashed" in engine.model.offload) == (this_machine.config != "as-built")
        assert engine.chat(HELLO, SamplingParams(max_tokens=4)).collect().completion_tokens > 0
    assert record()["choice"] == this_machine.to_dict()
    if this_machine.config == "as-built":  # where nothing crashes the build is kept as it is
        gpu = [{"config": "gpu", "result": "ok"}] if device_backends.backend_files() else []  # a GPU build's probe
        assert record()["tried"] == [{"config": "as-built", "result": "ok"}, *gpu]


def test_a_crashing_probe_falls_back_remembers_it_and_the_next_start_goes_straight_to_it(
        smollm_path, monkeypatch):
    monkeypatch.setenv(runtime_check.CRASH_ENV, "as-built")
    with load(smollm_path) as engine:
        line = engine.model.offload
        assert line.startswith("CPU (") and line.endswith("off: it crashed on this machine)")
        assert engine.chat(HELLO, SamplingParams(max_tokens=4)).collect().completion_tokens > 0
        assert "crashed on this machine" in engine.build_info()["cpu_variant"]
    remembered = record()
    assert remembered["tried"][0] == {"config": "as-built", "result": "SIGSEGV"}
    assert remembered["choice"]["config"] != "as-built"
    # every probe would crash now: the next start must not run one
    monkeypatch.setenv(runtime_check.CRASH_ENV, "all")
    with load(smollm_path) as engine:
        assert engine.model.offload == line
        assert engine.chat(HELLO, SamplingParams(max_tokens=4)).collect().completion_tokens > 0
    result = hearth_chat(smollm_path)
    assert result.returncode == 0 and result.stdout.strip()
    assert f"hearth: note: {line}" in result.stderr.splitlines()


def test_a_build_that_crashes_in_every_configuration_ends_in_one_clear_line(smollm_path, monkeypatch):
    monkeypatch.setenv(runtime_check.CRASH_ENV, "all")
    with pytest.raises(HearthError) as failure:
        load(smollm_path)
    message = str(failure.value)
    assert "\n" not in message and "every configuration" in message and "as-built: SIGSEGV" in message
    assert not runtime_check.record_path().exists()  # nothing proven: the next start tries again
    result = hearth_chat(smollm_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "every configuration" in result.stderr.strip().splitlines()[-1]


def test_a_damaged_model_is_not_blamed_on_the_cpu(smollm_path, tmp_path, this_machine):
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(smollm_path.read_bytes()[: 4 * 2**20])
    with pytest.raises(HearthError):
        load(damaged)
    assert not runtime_check.record_path().exists()
    with load(smollm_path) as engine:  # the real model still proves the machine
        assert ("crashed" in engine.model.offload) == (this_machine.config != "as-built")


@pytest.fixture()
def gpu_build(monkeypatch) -> None:
    """This build as if it had a GPU backend file: its GPU probe runs (on this CPU-only build it
    loads no GPU code, and an injected crash stands for a GPU driver's)."""
    monkeypatch.setattr(device_backends, "backend_files", lambda lib_dir=None: [Path("libggml-vulkan.so")])


def test_a_gpu_backend_is_proven_once_the_cpu_code_is(smollm_path, gpu_build, this_machine):
    with load(smollm_path) as engine:
        assert "GPU off" not in engine.model.offload
    assert record()["tried"][-1] == {"config": runtime_check.GPU_PROBE, "result": "ok"}
    assert record()["choice"] == {**this_machine.to_dict(), "devices": True}


def test_a_gpu_backend_that_crashes_is_left_out_and_the_cpu_answers(smollm_path, gpu_build, monkeypatch,
                                                                      this_machine):
    monkeypatch.setenv(runtime_check.CRASH_ENV, runtime_check.GPU_PROBE)
    with load(smollm_path) as engine:
        assert engine.model.offload.endswith("GPU off: it crashed on this machine)"), engine.model.offload
        assert engine.chat(HELLO, SamplingParams(max_tokens=4)).collect().completion_tokens > 0
    remembered = record()
    assert remembered["tried"][-1] == {"config": runtime_check.GPU_PROBE, "result": "SIGSEGV"}
    assert remembered["choice"]["devices"] is False and remembered["choice"]["variant"] == this_machine.variant
    monkeypatch.setenv(runtime_check.CRASH_ENV, "all")  # the next start runs no probe
    with load(smollm_path) as engine:
        assert engine.model.offload.endswith("GPU off: it crashed on this machine)")


def variants(*tags: str) -> list[Variant]:
    return [Variant(tag, 100 - i, Path(f"libggml-cpu-{tag}.so")) for i, tag in enumerate(tags)]


AMX_MACHINE = variants("sapphirerapids", "zen4", "cooperlake", "icelake", "haswell", "piledriver", "x64")


@pytest.mark.parametrize("config, variant, line", [
    ("as-built", "sapphirerapids", None),
    ("next-tier", "zen4", "CPU (AVX-512; AMX off: it crashed on this machine)"),
    ("no-extra-buffers", "sapphirerapids",
     "CPU (AVX-512, AMX; extra buffer types off: it crashed on this machine)"),
    ("baseline", "x64", "CPU (x86-64; AVX-512, AMX, extra buffer types off: it crashed on this machine)"),
])
def test_the_fallback_table_on_an_amx_machine(config, variant, line):
    choice = runtime_check.resolve(next(c for c in runtime_check.CONFIGS if c.name == config), AMX_MACHINE)
    assert choice.variant == variant
    assert (runtime_check.device_line(choice) if choice.off else None) == line


def test_a_build_with_its_cpu_code_linked_in_has_two_configurations():
    usable = [c.name for c in runtime_check.CONFIGS if runtime_check.resolve(c, []) is not None]
    assert usable == ["as-built", "no-extra-buffers"]
    only_haswell = variants("haswell")
    assert runtime_check.resolve(runtime_check.CONFIGS[1], only_haswell) is None  # no lower tier


@pytest.mark.skipif(device_backends.gpu_build(), reason="a GPU build's worker also loads GPU code, which the "
                    "CPU probes leave out: whether the build as it is crashes is not what they recorded")
def test_a_probe_too_slow_to_answer_proves_nothing_and_the_build_runs_as_built(smollm_path, monkeypatch,
                                                                                   this_machine):
    monkeypatch.setattr(runtime_check, "PROBE_TIMEOUT_S", 0.05)  # a machine far too busy to answer
    if this_machine.config == "as-built":
        with load(smollm_path) as engine:
            assert "crashed" not in engine.model.offload
    else:  # here the build as it is crashes: one line naming the signal, as for any engine crash
        with pytest.raises(HearthError, match=r"^the engine was stopped by SIG\w+$"):
            load(smollm_path)
    assert not runtime_check.record_path().exists()  # the next start probes again


def test_extra_buffers_turned_off_reach_every_way_a_model_is_loaded_and_stay():
    # Llama() reads llama_cpp.llama_cpp's default parameters, the embedder the package's re-export
    script = ("import llama_cpp\n"
              "from desktop.engine import cpu_backends, runtime_check\n"
              "variants = cpu_backends.ranked() if cpu_backends.variant_files() else []\n"
              "first = runtime_check.apply(runtime_check.resolve(runtime_check.CONFIGS[2], variants))\n"
              "assert runtime_check.apply(None) == first  # a process keeps the CPU code it loaded\n"
              "print(llama_cpp.llama_model_default_params().use_extra_bufts,"
              " llama_cpp.llama_cpp.llama_model_default_params().use_extra_bufts)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_a_chosen_variant_is_the_code_that_really_runs(smollm_path):
    # The plainest variant this CPU runs, loaded in a process of its own, must be the code that
    # decodes: before, the choice reached a second copy of libggml and the best variant ran anyway.
    script = ("import sys, llama_cpp\n"
              "from desktop.engine import cpu_backends, runtime_check\n"
              "variants = cpu_backends.ranked()\n"
              "choice = runtime_check.apply(runtime_check.resolve(runtime_check.CONFIGS[3], variants))\n"
              "llm = llama_cpp.Llama(sys.argv[1], n_ctx=128, n_threads=1, verbose=False)\n"
              "llm.eval(llm.tokenize(b'The capital of France is'))\n"
              "print(choice.variant, cpu_backends.loaded_variant(llama_cpp.llama_cpp._lib), variants[0].tag)\n"
              "print(llama_cpp.llama_print_system_info().decode())\n")
    result = subprocess.run([sys.executable, "-c", script, str(smollm_path)], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "HEARTH_RUNTIME": ""})
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()
    chosen, running, best = words[:3]
    if chosen == "None":
        pytest.skip("this build has its CPU code linked in: there is no variant to choose")
    assert running == chosen
    if chosen != best and "AVX2" not in TIERS.get(chosen, ()):
        assert "AVX2 = 1" not in result.stdout  # the plain code, not the best one, decoded
