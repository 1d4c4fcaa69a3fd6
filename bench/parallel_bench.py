"""Many streams at once through `hearth serve --parallel`, against llama-server from the same llama.cpp.

For each model: 1, 4 and 8 concurrent streaming clients (different prompts, greedy, 128-token
answers asked for), aggregate tokens/s (all tokens / wall time), each stream's time between
tokens (p50 and p99 over every gap of every stream) and when the last of them got its first
token; then the stall check: one stream runs, and
once it has streamed a few tokens a request with a ~2,000-token prompt arrives; that stream's p99
time between tokens with the long prompt evaluated beside it, over its p99 alone. In the same
run, llama-server (bench/llama_server_ref.py) with --parallel 4 and 8 on the same model and
threads gets the same clients, and llama.cpp's own batch API (bench/batch_ceiling.py: no server,
no sampling) says how much batching this machine can give at that moment.

    .venv/bin/python bench/parallel_bench.py [--models smollm2-135m,qwen2.5-coder-0.5b] [--threads 2]
        [--tokens 128] [--runs 3] [--no-llama-server]

Goals (issue 15), Qwen at 4 and 8 streams: aggregate >= 2.2x and >= 3.0x Hearth's single stream
and >= 1.0x llama-server's; stall p99 <= 3x idle. The machine may be shared: runs are short,
figures are medians, each Hearth / llama-server ratio is the median of the ratios of runs taken
minutes apart (see `measure`), and the load average is printed with them.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.llama_server_ref import llama_server
from desktop.models import resolve

TOPICS = ["a lighthouse keeper", "a lost robot", "a mountain village", "a clockmaker", "the first snow",
          "a ship's cat", "a desert caravan", "an old library", "a night train", "a beekeeper"]
CONTEXT = 4096
SLOTS = 8


def prompt(i: int, run: int = 0) -> list[dict]:
    """Client `i`'s request in run `run`: every run's burst is new to both servers, as a script's
    next documents are (the same prompts again would be answered from llama-server's cache of
    the whole prompt, where Hearth reuses only whole prompt-cache chunks)."""
    day = f" It happens on day {run + 1} of the journey." if run else ""
    return [{"role": "user", "content": f"Write a long, detailed story about {TOPICS[i % len(TOPICS)]}.{day}"}]


def stream(url: str, messages: list[dict], tokens: int, on_token=None) -> list[float]:
    """One streaming client; the arrival time of every piece of text."""
    body = {"model": "bench", "messages": messages, "max_tokens": tokens, "stream": True,
            "temperature": 0.0, "seed": 7}
    stamps: list[float] = []
    with requests.post(f"{url}/v1/chat/completions", json=body, stream=True, timeout=900) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith(b"data: {"):
                continue
            chunk = json.loads(line[6:])
            if chunk.get("choices") and chunk["choices"][0]["delta"].get("content"):
                stamps.append(time.perf_counter())
                if on_token is not None:
                    on_token(len(stamps))
    return stamps


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def concurrent(url: str, n: int, tokens: int, run: int = 0) -> dict:
    results: list[list[float]] = [[] for _ in range(n)]
    threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, stream(url, prompt(i, run), tokens)))
               for i in range(n)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    gaps = [b - a for stamps in results for a, b in zip(stamps, stamps[1:])]
    firsts = [stamps[0] - started for stamps in results if stamps]
    return {"tok_s": sum(len(s) for s in results) / wall, "p50_ms": 1000 * percentile(gaps, 0.5),
            "p99_ms": 1000 * percentile(gaps, 0.99), "tokens": sum(len(s) for s in results),
            "last_first_token_s": max(firsts, default=0.0)}  # how long the last request waited to start


def long_prompt(target_tokens: int = 2000) -> list[dict]:
    """About `target_tokens` tokens of varied text (numbered sentences), asking for one word."""
    sentences = [f"Note {i}: the {TOPICS[i % len(TOPICS)]} story has part {i * 7 % 101}." for i in range(target_tokens // 14)]
    return [{"role": "user", "content": " ".join(sentences) + "\nSay OK."}]


def stall(url: str, tokens: int) -> dict:
    """p99 between tokens of one stream alone, and with a long prompt arriving after its 8th token."""
    alone = stream(url, prompt(0), tokens)
    side = threading.Thread(target=lambda: stream(url, long_prompt(), 1))

    def on_token(count: int) -> None:
        if count == 8:
            side.start()

    beside = stream(url, prompt(0), tokens, on_token)
    side.join()  # the long prompt's answer, before the server stops
    idle = percentile([b - a for a, b in zip(alone, alone[1:])], 0.99)
    busy = percentile([b - a for a, b in zip(beside[8:], beside[9:])], 0.99)
    return {"idle_p99_ms": 1000 * idle, "stalled_p99_ms": 1000 * busy, "ratio": busy / idle if idle else 0.0}


def start(command: list[str], ready: re.Pattern, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    for line in process.stdout:
        if (found := ready.search(line)) is not None:
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, found.group(1)
    raise SystemExit(f"{command[0]} ended before serving: exit {process.wait()}")


def hearth(model: Path, threads: int) -> tuple[subprocess.Popen, str]:
    hearth_cli = Path(sys.executable).parent / "hearth"
    return start([str(hearth_cli), "serve", "-m", str(model), "--port", "0", "--threads", str(threads),
                  "--ctx", str(CONTEXT), "--parallel", str(SLOTS)], re.compile(r"at (http://\S+)/v1"))


def reference(model: Path, threads: int, slots: int, port: int) -> tuple[subprocess.Popen, str]:
    return start([str(llama_server()), "-m", str(model), "-t", str(threads), "-tb", str(threads),
                  "-c", str(CONTEXT * slots), "--parallel", str(slots), "--port", str(port), "--host", "127.0.0.1"],
                 re.compile(r"listening on (http://\S+)"))


def ceiling(model: Path, threads: int, tokens: int, counts: list[int]) -> dict[str, float]:
    """llama.cpp's own batch API on the same model and threads, now (bench/batch_ceiling.py)."""
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("batch_ceiling.py")), str(model),
                          "--threads", str(threads), "--tokens", str(tokens), "--streams", ",".join(map(str, counts))],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def settled(process: subprocess.Popen, quiet_s: float = 0.5, limit_s: float = 30.0) -> None:
    """Until `process` and its children use no CPU for `quiet_s`: Hearth prepares the last chat's
    follow-up after an answer, which would otherwise run beside the next server's clients."""
    def cpu() -> float:
        try:
            tree = [psutil.Process(process.pid)]
            tree += tree[0].children(recursive=True)
            return sum(sum(p.cpu_times()[:2]) for p in tree)
        except psutil.Error:
            return 0.0
    deadline, before = time.monotonic() + limit_s, cpu()
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        if (now := cpu()) - before < 0.05 * quiet_s:
            return
        before = now


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def median_of(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def measure(name: str, model: Path, args: argparse.Namespace, counts: list[int]) -> dict:
    """One model's row. Hearth and both llama-servers are up together, and each run takes every
    stream count on Hearth and right after it on llama-server, so each Hearth / llama-server
    ratio compares minutes alike (on this shared machine llama-server's own figure moved by half
    between two runs a few minutes apart); the row keeps medians of figures and of those ratios."""
    runs: dict[str, list[dict]] = {}
    pairs: dict[int, list[float]] = {}
    servers = [hearth(model, args.threads)]
    try:
        references: dict[int, str] = {}
        for slots in () if args.no_llama_server else (4, 8):
            servers.append(reference(model, args.threads, slots, 18080 + slots))
            references[slots] = servers[-1][1]
        url = servers[0][1]
        for address in [url, *references.values()]:
            stream(address, prompt(1), 8)  # warm up
        for run in range(args.runs):
            for n in counts:
                settled(servers[0][0])
                ours = concurrent(url, n, args.tokens, run)
                runs.setdefault(f"hearth_{n}", []).append(ours)
                print(name, f"run {run + 1}: hearth {n} streams", ours, flush=True)
                if n in references:
                    settled(servers[0][0])
                    theirs = concurrent(references[n], n, args.tokens, run)
                    runs.setdefault(f"llama_server_{n}", []).append(theirs)
                    pairs.setdefault(n, []).append(ours["tok_s"] / theirs["tok_s"])
                    print(name, f"run {run + 1}: llama-server --parallel {n}", theirs, flush=True)
        runs["stall"] = [stall(url, args.tokens) for _ in range(args.runs)]
        print(name, "stall", runs["stall"], flush=True)
    finally:
        for process, _ in servers:
            stop(process)
    row: dict = {key: median_of(values) for key, values in runs.items()}
    row["ceiling"] = ceiling(model, args.threads, args.tokens, counts)
    print(name, "llama.cpp batch API", row["ceiling"], flush=True)
    single = row["hearth_1"]["tok_s"] if "hearth_1" in row else 0
    row["ratios"] = {f"{n}_vs_1": row[f"hearth_{n}"]["tok_s"] / single for n in counts if n != 1 and single}
    for n, ratios in pairs.items():
        row["ratios"][f"{n}_vs_llama_server"] = statistics.median(ratios)  # of the runs' own ratios
    for n in counts:
        if n != 1:
            row["ratios"][f"ceiling_{n}_vs_1"] = row["ceiling"][str(n)] / row["ceiling"]["1"]
            row["ratios"][f"{n}_vs_ceiling"] = row[f"hearth_{n}"]["tok_s"] / row["ceiling"][str(n)]
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="smollm2-135m,qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--streams", default="1,4,8")
    parser.add_argument("--no-llama-server", action="store_true")
    args = parser.parse_args()
    counts = [int(n) for n in args.streams.split(",")]
    report: dict = {"load_average": os.getloadavg(), "threads": args.threads, "tokens": args.tokens}
    for name in args.models.split(","):
        report[name] = measure(name, resolve(name), args, counts)
        print(name, "ratios", report[name]["ratios"], flush=True)
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
