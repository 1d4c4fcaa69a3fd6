"""The start-up self-check: prove llama.cpp decodes on this CPU before trusting it.

llama.cpp's fastest code for a CPU is not always safe there: on some AMX machines (virtual ones
especially) the AMX path segfaults at the first decode. So the first time a build meets a CPU, the
client runs a short decode in a throwaway process for each configuration below, in order, until
one survives; the winner is remembered for this CPU and build (in Hearth's cache folder) and every
later start goes straight to it. A build with GPU backend files (desktop.engine.device_backends)
then gets one more probe, GPU_PROBE, with those loaded and a layer on the GPU; if it dies, they
stay unloaded ("GPU" off). A crash after the probes is an ordinary engine crash.

    python -m desktop.engine.runtime_check MODEL CONFIG   # one probe (what the client runs)

`HEARTH_PROBE_CRASH` (a comma-separated list of configuration names, or `all`) makes those probes
die of a real SIGSEGV just before their first decode; it is read by probes only, for tests.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path

import platformdirs

from desktop.engine import cpu_backends, device_backends
from desktop.errors import HearthError

PROBE_TIMEOUT_S = 300
PROBE_TOKENS = 4
CRASH_ENV = "HEARTH_PROBE_CRASH"
CHOICE_ENV = "HEARTH_RUNTIME"  # the proven choice, handed to the worker process
EXIT_NOT_APPLICABLE, EXIT_MODEL_FAILED = 3, 4
GPU_PROBE = "gpu"  # the probe of a build's GPU backends, once its CPU code is proven
FALLBACK_MARK = "it crashed on this machine"  # in the device line while a fallback is in force


@dataclass(frozen=True)
class Config:
    """One way to run llama.cpp on a CPU. variant: 0 = the best this CPU can run, 1 = the best of
    the next lower tier, -1 = the plainest one; extra_bufts off also turns off the repacked and
    AMX weight layouts (llama_model_params.use_extra_bufts)."""

    name: str
    variant: int
    extra_bufts: bool


CONFIGS = (
    Config("as-built", 0, True),
    Config("next-tier", 1, True),  # on an AMX machine: the AVX-512 code without AMX
    Config("no-extra-buffers", 0, False),
    Config("baseline", -1, False),
)


@dataclass(frozen=True)
class Choice:
    """A configuration made concrete for this machine, as the worker applies it."""

    config: str
    variant: str | None  # the CPU variant's tag; None: the build has its CPU code linked in
    tier: str  # "AVX-512, AMX", or "" when the build does not say
    extra_bufts: bool
    off: str = ""  # what was turned off because it crashed here: "AMX", "extra buffer types", "GPU"
    devices: bool = True  # the build's GPU backend files are loaded (off: one crashed here)

    def to_dict(self) -> dict:
        return asdict(self)


def resolve(config: Config, variants: list[cpu_backends.Variant]) -> Choice | None:
    """`config` on a machine whose runnable variants are `variants` (best first); None when it
    would be no different from an earlier one (a build without variants has one CPU code)."""
    if not variants:
        if config.variant != 0:
            return None
        return Choice(config.name, None, "", config.extra_bufts, "" if config.extra_bufts else "extra buffer types")
    best = variants[0]
    if config.variant == 0:
        chosen = best
    elif config.variant == 1:
        lower = [v for v in variants if v.tier != best.tier]
        if not lower:
            return None
        chosen = lower[0]
    else:
        chosen = variants[-1]
        if chosen == best:  # the only one: "no-extra-buffers" already tried it
            return None
    lost = [feature for feature in best.tier if feature not in chosen.tier]
    if not config.extra_bufts:
        lost.append("extra buffer types")
    return Choice(config.name, chosen.tag, cpu_backends.tier_label(chosen.tier), config.extra_bufts, ", ".join(lost))


def device_line(choice: Choice) -> str:
    """The device line while a fallback is in force, e.g. "CPU (AVX-512; AMX off: it crashed on
    this machine)" (desktop/ui/device_text.py translates this shape)."""
    tier = f"{choice.tier}; " if choice.tier else ""
    return f"CPU ({tier}{choice.off} off: {FALLBACK_MARK})"


# --- applying a choice in a worker or probe process --------------------------------------------

_in_force: Choice | None = None  # what `apply` made of this process's llama.cpp, once


def apply(choice: Choice | None, devices: bool = True) -> Choice:
    """Make this process's llama.cpp run as `choice` says (None: as built), before any model
    loads; returns the choice in force. With `devices`, the build's GPU backends are loaded
    beside the CPU code (desktop.engine.device_backends); a probe leaves them out, since it
    proves the CPU code and a GPU driver's crash there would be blamed on it. A process's CPU
    code cannot change once loaded, so a later call (a converter verifying two models) keeps the
    first choice."""
    global _in_force
    if _in_force is not None:
        return _in_force
    import llama_cpp

    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)  # as Llama(verbose=False) would
    variants = cpu_backends.ranked() if cpu_backends.variant_files() else []
    if choice is None or (variants and choice.variant not in {v.tag for v in variants}):
        choice = resolve(CONFIGS[0], variants)
    if variants:
        llama_lib = llama_cpp.llama_cpp._lib  # libllama, through which its own libggml is reached
        cpu_backends.load(next(v for v in variants if v.tag == choice.variant), llama_lib)
        running = cpu_backends.loaded_variant(llama_lib)
        if running not in (None, choice.variant):
            raise RuntimeError(f"llama.cpp runs its {running} CPU code, not the {choice.variant} code chosen")
        if devices and choice.devices:
            device_backends.load(llama_lib)
    if not choice.extra_bufts:
        module = llama_cpp.llama_cpp
        default_params = module.llama_model_default_params

        def without_extra_bufts():  # Llama() takes its model parameters from here
            params = default_params()
            params.use_extra_bufts = False
            return params

        module.llama_model_default_params = without_extra_bufts
        llama_cpp.llama_model_default_params = without_extra_bufts  # the package's re-export (the embedder's)
    _in_force = choice
    return choice


def apply_proven(model_path: str) -> Choice:
    """For a process that loads llama.cpp itself (a benchmark's plain reference, the tests): run
    it as the engine's worker runs on this machine, probing first if nothing is proven yet."""
    return _in_force or apply(remembered() or proven_choice(model_path))


def choice_from_env() -> Choice | None:
    raw = os.environ.get(CHOICE_ENV)
    return Choice(**json.loads(raw)) if raw else None


# --- what has been proven on this machine ------------------------------------------------------

def cache_dir() -> Path:
    """Hearth's cache folder (`$HEARTH_CACHE`, else the platform's): facts about this machine and
    build, not the user's data, so every profile shares them."""
    env = os.environ.get("HEARTH_CACHE")
    return Path(env).expanduser() if env else Path(platformdirs.user_cache_dir("hearth", appauthor=False))


def _cpu_identity() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            lines = [line for line in f.read().splitlines() if line.split(":")[0].strip() in
                     ("model name", "flags", "Features", "CPU part")]
        return "\n".join(dict.fromkeys(lines))
    except OSError:
        return f"{platform.machine()} {platform.processor()}"


def _build_identity() -> str:
    lib_dir = cpu_backends.library_dir()
    files = sorted(lib_dir.iterdir()) if lib_dir and lib_dir.is_dir() else []
    try:
        version = metadata.version("llama_cpp_python")
    except metadata.PackageNotFoundError:
        version = "?"
    return version + "".join(f"\n{p.name} {p.stat().st_size} {p.stat().st_mtime_ns}" for p in files)


# Part of the record's key: a new number makes every machine probe again. 2: until then a chosen
# variant other than the best was never really loaded (cpu_backends.load), so records naming one
# as crashed or as running say nothing about that variant.
RECORD_VERSION = 2


def record_path() -> Path:
    key = hashlib.sha256(f"{RECORD_VERSION}\n{_cpu_identity()}\n--\n{_build_identity()}".encode()).hexdigest()[:20]
    return cache_dir() / "runtime" / f"{key}.json"


def remembered() -> Choice | None:
    try:
        return Choice(**json.loads(record_path().read_text(encoding="utf-8"))["choice"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none yet, or unreadable: probe again


def _remember(choice: Choice, tried: list[dict]) -> None:
    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    cpu = next((line.split(":", 1)[1].strip() for line in _cpu_identity().splitlines()
                if line.startswith("model name")), platform.machine())
    text = json.dumps({"choice": choice.to_dict(), "tried": tried, "cpu": cpu}, indent=1)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _probe_command(model_path: str, config: str) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, "--engine-probe", model_path, config]
    return [sys.executable, "-m", "desktop.engine.runtime_check", model_path, config]


def _how_it_died(returncode: int) -> str:
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


def proven_choice(model_path: str) -> Choice | None:
    """The configuration to run on this machine, probing each in turn the first time (with the
    model about to be loaded). None when the probe could not tell (the model itself does not
    load: the worker's load then reports why; or a probe took longer than PROBE_TIMEOUT_S: the
    build runs as built and the next start probes again). Raises HearthError when every configuration crashed."""
    known = remembered()
    if known is not None:
        return known
    tried: list[dict] = []
    for config in CONFIGS:
        try:
            run = subprocess.run(_probe_command(model_path, config.name), capture_output=True, text=True,
                                 timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL)
            code = run.returncode
        except subprocess.TimeoutExpired:  # a busy or slow machine, not a crash: prove nothing
            return None
        if code == EXIT_NOT_APPLICABLE:
            continue
        if code == EXIT_MODEL_FAILED:
            return None
        if code == 0:
            choice = Choice(**json.loads(run.stdout.strip().splitlines()[-1]))
            tried.append({"config": config.name, "result": "ok"})
            choice, proven = _prove_devices(model_path, choice, tried)
            if proven:
                _remember(choice, tried)
            return choice
        tried.append({"config": config.name, "result": _how_it_died(code)})
    summary = ", ".join(f"{t['config']}: {t['result']}" for t in tried)
    raise HearthError(f"llama.cpp crashed on this CPU in every configuration Hearth knows ({summary}); "
                      "please report it with `hearth feedback`")


def _prove_devices(model_path: str, choice: Choice, tried: list[dict]) -> tuple[Choice, bool]:
    """`choice` with the build's GPU backends kept or, when a probe that loads them and puts a
    layer on the GPU crashed, turned off; and whether the probe told (a probe past
    PROBE_TIMEOUT_S did not). A GPU driver is native code too, trusted only once seen to work;
    a build without GPU backend files has nothing to prove."""
    if not device_backends.backend_files():
        return choice, True
    try:
        run = subprocess.run(_probe_command(model_path, GPU_PROBE), capture_output=True, text=True,
                             timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL,
                             env={**os.environ, CHOICE_ENV: json.dumps(choice.to_dict())})
    except subprocess.TimeoutExpired:
        return choice, False
    if run.returncode in (0, EXIT_MODEL_FAILED):  # answered, or no room for a layer there: not a crash
        tried.append({"config": GPU_PROBE, "result": "ok" if run.returncode == 0 else "model did not load"})
        return choice, True
    tried.append({"config": GPU_PROBE, "result": _how_it_died(run.returncode)})
    return replace(choice, devices=False, off=", ".join(filter(None, (choice.off, "GPU")))), True


# --- the probe process -------------------------------------------------------------------------

def probe(model_path: str, config_name: str) -> int:
    """Load `model_path` as `config_name` says and decode a few tokens; print the Choice as JSON.
    GPU_PROBE: with the proven CPU choice (from CHOICE_ENV), the GPU backends and one layer on a
    GPU; the CPU probes leave GPUs out, so that a GPU driver's crash is not blamed on CPU code."""
    import llama_cpp

    if config_name == GPU_PROBE:
        choice, gpu_layers = apply(choice_from_env()), 1
    else:
        config = next(c for c in CONFIGS if c.name == config_name)
        variants = cpu_backends.ranked() if cpu_backends.variant_files() else []
        choice = resolve(config, variants)
        if choice is None:
            return EXIT_NOT_APPLICABLE
        apply(choice, devices=False)
        gpu_layers = 0
    try:
        llm = llama_cpp.Llama(model_path=model_path, n_ctx=128, n_batch=32, n_threads=os.cpu_count() or 1,
                              n_gpu_layers=gpu_layers, verbose=False)
    except Exception:  # noqa: BLE001 - a file llama.cpp refuses says nothing about the CPU
        return EXIT_MODEL_FAILED
    crash = {n.strip() for n in os.environ.get(CRASH_ENV, "").split(",")}
    if "all" in crash or config_name in crash:
        os.kill(os.getpid(), signal.SIGSEGV)
    tokens = llm.tokenize(b"The capital of France is", add_bos=True)
    llm.eval(tokens)
    decoded = []
    for _ in range(PROBE_TOKENS):
        decoded.append(llm.sample(temp=0.0))
        llm.eval(decoded[-1:])
    print("decoded:", repr(llm.detokenize(decoded).decode("utf-8", errors="replace")))
    print(json.dumps(choice.to_dict()), flush=True)  # the last line: what the client reads
    return 0


if __name__ == "__main__":
    sys.exit(probe(sys.argv[1], sys.argv[2]))
