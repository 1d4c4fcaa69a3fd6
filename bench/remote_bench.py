"""Time to first token and decode speed through Hearth's remote engine against the same server
called directly with the `openai` client.

One llama-cpp-python server (`python -m llama_cpp.server`) on 127.0.0.1; the same prompt, sampling
and seed for both; runs alternate in ABBA order (remote engine, openai, openai, remote engine, ...)
so load on the machine hits both alike and neither always goes first, and medians are compared. Both are measured at the client: time to first
token from just before the request is sent to the first content chunk, decode speed as
(chunks - 1) / (last chunk - first chunk), one chunk per token on this server.

    .venv/bin/python bench/remote_bench.py [--model smollm2-135m] [--threads 1] [--tokens 128] [--runs 5]

Goal: remote engine / openai >= 0.97 for decode speed (and a TTFT no more than 3 % longer).

On a loaded machine the model's own speed swings more than any client could cost, so the bench also
measures the clients alone (`clients_alone`): chunks per second each reads from a stand-in server
that sends one chunk, pauses 50 ms, then streams 2,999 more at once: its time to the first chunk and
the chunks per second it reads (pause left out) are what each client adds per request and per token.
"""
from __future__ import annotations

import argparse
import http.server
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai

from desktop.chat_messages import ChatMessage
from desktop.engine import LoadOptions, SamplingParams, Token
from desktop.engine.remote import RemoteEngine, RemoteServer
from desktop.models import resolve

PROMPT = "Write a long, detailed story about a lighthouse keeper and a storm."
SAMPLING = {"temperature": 0.0, "top_p": 0.95, "seed": 7}
RESULTS = Path(__file__).resolve().parent / "results"


def start_server(model: Path, threads: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "desktop.engine.reference_server", "--model", str(model),
                                "--model_alias", "bench", "--port", str(port), "--n_ctx", "2048",
                                "--n_threads", str(threads), "--n_threads_batch", str(threads),
                                "--verbose", "False"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/models", timeout=5).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("llama_cpp.server did not come up")


def figures(started: float, stamps: list[float]) -> tuple[float, float]:
    """(time to first token, decode tokens per second) from the send time and chunk arrivals."""
    ttft = stamps[0] - started if stamps else 0.0
    speed = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 and stamps[-1] > stamps[0] else 0.0
    return ttft, speed


def through_remote(engine: RemoteEngine, tokens: int) -> tuple[float, float]:
    started = time.perf_counter()  # building the request counts, as it does for the openai client
    generation = engine.chat([ChatMessage("user", PROMPT)], SamplingParams(max_tokens=tokens, **SAMPLING))
    stamps = [time.perf_counter() for event in generation if isinstance(event, Token)]
    return figures(started, stamps)


def through_openai(client: openai.OpenAI, tokens: int) -> tuple[float, float]:
    started = time.perf_counter()
    stream = client.chat.completions.create(model="bench", messages=[{"role": "user", "content": PROMPT}],
                                            max_tokens=tokens, stream=True, **SAMPLING)
    stamps = [time.perf_counter() for chunk in stream if chunk.choices and chunk.choices[0].delta.content]
    return figures(started, stamps)


class _InstantStream(http.server.BaseHTTPRequestHandler):
    """A stand-in server that answers every chat with CHUNKS chunks as fast as it can write them."""

    protocol_version = "HTTP/1.1"
    CHUNKS = 3000
    PAUSE_S = 0.05

    def log_message(self, *args: object) -> None:
        pass

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "bench", "owned_by": "bench"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        piece = {"choices": [{"index": 0, "delta": {"content": "word "}, "finish_reason": None}]}
        for i in range(self.CHUNKS):
            self._chunk(f"data: {json.dumps(piece)}\n\n".encode())
            if i == 0:  # the first token alone, as from a model: its arrival is the time to first token
                self.wfile.flush()
                time.sleep(self.PAUSE_S)
        end = {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]}
        self._chunk(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.write(b"0\r\n\r\n")


def client_overhead(runs: int) -> dict[str, dict[str, float]]:
    """Median chunks per second each client reads, and its time to the first one, when the
    server costs nothing."""
    # in a child process: a server thread in this one would share the client's GIL and be timed with it
    server = subprocess.Popen([sys.executable, __file__, "--stand-in"], stdout=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{server.stdout.readline().strip()}/v1"
    engine = RemoteEngine(RemoteServer(url))
    engine.load(LoadOptions("bench"))
    client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    rates: dict[str, list[float]] = {"remote_engine": [], "openai": []}
    firsts: dict[str, list[float]] = {"remote_engine": [], "openai": []}
    for _ in range(runs):
        for name, measure in (("remote_engine", lambda: through_remote(engine, 0)),
                              ("openai", lambda: through_openai(client, 0))):
            started = time.perf_counter()
            firsts[name].append(measure()[0])
            rates[name].append(_InstantStream.CHUNKS / (time.perf_counter() - started - _InstantStream.PAUSE_S))
    engine.close()
    server.kill()
    server.wait()
    return {"chunks_per_s": {name: round(statistics.median(v)) for name, v in rates.items()},
            "ttft_ms": {name: round(statistics.median(v) * 1000, 2) for name, v in firsts.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stand-in", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stand_in:  # the clients-alone server: print its port, serve until killed
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _InstantStream)
        print(server.server_address[1], flush=True)
        server.serve_forever()

    process, url = start_server(resolve(args.model), args.threads)
    try:
        engine = RemoteEngine(RemoteServer(url))
        engine.load(LoadOptions("bench"))
        client = openai.OpenAI(base_url=url, api_key="unused", max_retries=0, timeout=600)
        through_remote(engine, 8)  # warm-up: first-request costs are neither TTFT nor decode speed
        through_openai(client, 8)
        runs: dict[str, list[tuple[float, float]]] = {"remote_engine": [], "openai": []}
        measures = {"remote_engine": lambda: through_remote(engine, args.tokens),
                    "openai": lambda: through_openai(client, args.tokens)}
        for i in range(args.runs):
            for name in (measures if i % 2 == 0 else reversed(measures)):  # ABBA: neither always goes first
                runs[name].append(measures[name]())
            print(f"run {i + 1}/{args.runs}: " + "  ".join(
                f"{k} ttft {v[-1][0] * 1000:.0f} ms, {v[-1][1]:.1f} tok/s" for k, v in runs.items()), flush=True)
        engine.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    ttft = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
    speed = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
    summary = {
        "model": args.model, "server": "llama-cpp-python (llama_cpp.server)", "threads": args.threads,
        "tokens": args.tokens, "runs": args.runs,
        "median_ttft_ms": {k: round(v * 1000, 1) for k, v in ttft.items()},
        "median_decode_tok_s": {k: round(v, 2) for k, v in speed.items()},
        "ratio_decode_remote_vs_openai": round(speed["remote_engine"] / speed["openai"], 3),
        "ratio_ttft_openai_vs_remote": round(ttft["openai"] / ttft["remote_engine"], 3),
        "clients_alone": client_overhead(args.runs),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "remote_bench.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    print(f"decode speed remote engine / openai: {summary['ratio_decode_remote_vs_openai']:.3f}; "
          f"TTFT openai / remote engine: {summary['ratio_ttft_openai_vs_remote']:.3f} (goal >= 0.97 for both)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
