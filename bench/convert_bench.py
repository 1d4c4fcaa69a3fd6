"""Hugging Face -> GGUF conversion: `hearth-convert` against llama.cpp's convert_hf_to_gguf.py.

Same checkpoint, same output type, same machine; runs alternate (ours, reference, ours, ...) so
load hits both alike; medians of wall time and of peak resident memory (each run is its own
process, measured with wait4) are compared. Goals: ours / reference <= 0.5 for both, Qwen 0.5B to f16.

    .venv/bin/python bench/convert_bench.py [--model qwen2.5-coder-0.5b|smollm2-135m] [--runs 3]

The reference script ships in llama-cpp-python's source distribution (vendor/llama.cpp/); it is
downloaded at run time with pip into ~/.cache/hearth/bench-ref and never committed. It needs torch,
transformers and sentencepiece (the convert-test extra). The checkpoint is the one the converter's
tests build from the catalog gguf (tests/converter/checkpoints.py).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
CACHE = Path.home() / ".cache" / "hearth" / "bench-ref"
SDIST_VERSION = "0.3.36"
MODELS = {
    "qwen2.5-coder-0.5b": ("qwen2.5-coder-0.5b-instruct.gguf", "qwen2"),
    "smollm2-135m": ("SmolLM2-135M-Instruct.Q4_1.gguf", "smollm"),
}


def reference_script() -> Path:
    """convert_hf_to_gguf.py from the llama-cpp-python sdist, downloaded once into the cache."""
    root = CACHE / f"llama_cpp_python-{SDIST_VERSION}"
    script = root / "vendor" / "llama.cpp" / "convert_hf_to_gguf.py"
    if script.is_file():
        return script
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    f"llama-cpp-python=={SDIST_VERSION}", "-d", str(CACHE)], check=True)
    with tarfile.open(CACHE / f"llama_cpp_python-{SDIST_VERSION}.tar.gz") as archive:
        archive.extractall(CACHE, filter="data")
    return script


def checkpoint(name: str) -> Path:
    sys.path.insert(0, str(REPO / "tests" / "converter"))
    import checkpoints

    models = Path(os.environ.get("HEARTH_TEST_MODELS", Path.home() / ".cache" / "hearth" / "models"))
    file_name, pre = MODELS[name]
    return checkpoints.from_gguf(models / file_name, name, pre)


def measure(command: list[str], out: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run of `command` in its own process."""
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0 or not out.is_file():
        raise SystemExit(f"{command[1]} failed: {proc.stderr.read().decode()[-2000:]}")
    out.unlink()
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS, default="qwen2.5-coder-0.5b")
    parser.add_argument("--outtype", default="f16")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    src, script = checkpoint(args.model), reference_script()
    out_dir = CACHE / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    ours_out, ref_out = out_dir / "ours.gguf", out_dir / "reference.gguf"
    commands = {
        "hearth-convert": [sys.executable, "-m", "converter", str(src), str(ours_out), "--outtype", args.outtype,
                           "--force"],
        "convert_hf_to_gguf.py": [sys.executable, str(script), str(src), "--outfile", str(ref_out), "--outtype",
                                  args.outtype],
    }
    outs = {"hearth-convert": ours_out, "convert_hf_to_gguf.py": ref_out}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            samples[name].append(measure(command, outs[name]))
    medians = {name: (statistics.median(s[0] for s in runs), statistics.median(s[1] for s in runs))
               for name, runs in samples.items()}
    ours, ref = medians["hearth-convert"], medians["convert_hf_to_gguf.py"]
    print(f"{args.model} -> {args.outtype}, median of {args.runs} runs each")
    for name, (wall, rss) in medians.items():
        print(f"  {name:24s} {wall:6.1f} s   {rss:7.0f} MB peak RSS")
    print(f"  ratio (ours / reference)  wall {ours[0] / ref[0]:.2f}x   peak RSS {ours[1] / ref[1]:.2f}x   (goal <= 0.5x)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"convert-{args.model}-{args.outtype}.json").write_text(json.dumps(
        {"model": args.model, "outtype": args.outtype, "runs": args.runs, "samples": samples,
         "median": medians, "ratio_wall": ours[0] / ref[0], "ratio_rss": ours[1] / ref[1]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
