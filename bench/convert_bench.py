"""Hugging Face -> GGUF conversion: `hearth-convert` against llama.cpp's convert_hf_to_gguf.py.

Same checkpoint, same output type, same machine; runs alternate (ours, reference, ours, ...) so
load hits both alike; medians of wall time and of peak resident memory (each run is its own
process, measured with wait4) are compared. Goals: ours / reference <= 0.5 for both, Qwen 0.5B to f16.

    .venv/bin/python bench/convert_bench.py [--model qwen2.5-coder-0.5b|smollm2-135m|tiny-FAMILY|all] [--runs 3]

The reference script ships in llama-cpp-python's source distribution (vendor/llama.cpp/); it is
downloaded at run time with pip into ~/.cache/hearth/bench-ref and never committed
(tests/converter/llama_cpp_reference.py). It needs torch, transformers and sentencepiece (the
convert-test extra). The checkpoints are the converter tests' (tests/converter/checkpoints.py): the
two real ones built from the catalog ggufs, and `tiny-FAMILY` for every family's tiny random one
(`all` runs every one of them in turn). For the tiny ones both sides' times are mostly start-up.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
sys.path.insert(0, str(REPO / "tests" / "converter"))
import checkpoints  # noqa: E402
import llama_cpp_reference  # noqa: E402

CACHE = llama_cpp_reference.CACHE
REAL_MODELS = {
    "qwen2.5-coder-0.5b": ("qwen2.5-coder-0.5b-instruct.gguf", "qwen2"),
    "smollm2-135m": ("SmolLM2-135M-Instruct.Q4_1.gguf", "smollm"),
}


MODELS = [*REAL_MODELS, *(f"tiny-{name}" for name in checkpoints.TINY)]


def checkpoint(name: str) -> Path:
    if name.startswith("tiny-"):
        return checkpoints.tiny(name.removeprefix("tiny-"))
    models = Path(os.environ.get("HEARTH_TEST_MODELS", Path.home() / ".cache" / "hearth" / "models"))
    file_name, pre = REAL_MODELS[name]
    return checkpoints.from_gguf(models / file_name, name, pre)


def measure(command: list[str], out: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run of `command` in its own process."""
    out.unlink(missing_ok=True)
    with tempfile.TemporaryFile() as log:  # a file, not a pipe: the reference logs every tensor
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, cwd=REPO,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        if status != 0 or not out.is_file():
            log.seek(0)
            raise SystemExit(f"{command[1]} failed: {log.read().decode(errors='replace')[-2000:]}")
    out.unlink()
    return wall, usage.ru_maxrss / 1024


def compare(model: str, outtype: str, runs: int) -> dict:
    """Alternating runs of both converters on one checkpoint; medians and ratios, also saved as JSON."""
    src = checkpoint(model)
    out_dir = CACHE / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    ours_out, ref_out = out_dir / "ours.gguf", out_dir / "reference.gguf"
    commands = {
        "hearth-convert": [sys.executable, "-m", "converter", str(src), str(ours_out), "--outtype", outtype, "--force"],
        "convert_hf_to_gguf.py": llama_cpp_reference.command([(src, ref_out)], outtype),
    }
    outs = {"hearth-convert": ours_out, "convert_hf_to_gguf.py": ref_out}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(measure(command, outs[name]))
    medians = {name: (statistics.median(s[0] for s in runs_), statistics.median(s[1] for s in runs_))
               for name, runs_ in samples.items()}
    ours, ref = medians["hearth-convert"], medians["convert_hf_to_gguf.py"]
    print(f"{model} -> {outtype}, median of {runs} runs each")
    for name, (wall, rss) in medians.items():
        print(f"  {name:24s} {wall:6.1f} s   {rss:7.0f} MB peak RSS")
    print(f"  ratio (ours / reference)  wall {ours[0] / ref[0]:.2f}x   peak RSS {ours[1] / ref[1]:.2f}x   (goal <= 0.5x)")
    result = {"model": model, "outtype": outtype, "runs": runs, "samples": samples, "median": medians,
              "ratio_wall": ours[0] / ref[0], "ratio_rss": ours[1] / ref[1]}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"convert-{model}-{outtype}.json").write_text(json.dumps(result, indent=2))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=[*MODELS, "all"], default="qwen2.5-coder-0.5b")
    parser.add_argument("--outtype", default="f16")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for model in MODELS if args.model == "all" else [args.model]:
        compare(model, args.outtype, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
