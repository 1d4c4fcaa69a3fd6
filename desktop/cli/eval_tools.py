"""`hearth eval tools -m MODEL`: the built-in function-calling tasks through `hearth serve`'s own
API and, in the same run, through llama-cpp-python's server (`chatml-function-calling`) on the
same model file, scored alike (desktop.benchmarks.tool_calling). Prints a Markdown table and saves
it with every answer under `<data>/evals/tools/`.
"""
from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REFERENCE = "llama-cpp-python"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("tools", help="function calling: calls that validate, right function, right "
                                          "arguments; Hearth against llama-cpp-python's server")
    parser.add_argument("-m", "--model", required=True, help="catalog name or .gguf path")
    parser.add_argument("--limit", type=int, default=None, help="run N tasks, evenly spread over the set")
    parser.add_argument("--reference", choices=("llama-cpp-python", "none"), default="llama-cpp-python",
                        help="also run the tasks through llama-cpp-python's server (default) or not")
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--gpu-layers", type=int, default=None)
    parser.add_argument("--out", metavar="FILE", help="also write the table here (.json: everything)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from desktop.api.server import ApiServer
    from desktop.atomic_write import write_atomically
    from desktop.benchmarks import tool_calling as tc
    from desktop.cli.chat import load_client
    from desktop.engine.json_evaluation import spread
    from desktop.errors import HearthError
    from desktop.paths import data_dir

    if args.limit is not None and args.limit <= 0:
        raise HearthError("--limit must be a positive number of tasks")
    if args.max_tokens <= 0:
        raise HearthError("--max-tokens must be positive")
    tasks = tc.load_tasks()
    tc.check_tasks(tasks)
    chosen = spread(tasks, args.limit)
    if args.reference != "none":
        _check_reference_server()
    records: list[dict[str, Any]] = []
    client = load_client(args)
    model_path, name = client.model.path, client.model.name
    try:
        with ApiServer(client, port=0) as server:
            records += _run_all("hearth", server.url, chosen, args.max_tokens)
    finally:
        client.close()
    if args.reference != "none":
        with _reference_server(model_path, args) as url:
            records += _run_all(REFERENCE, url, chosen, args.max_tokens)
    summary = tc.summarize(records)
    subset = f"{len(chosen)} of {len(tasks)} tasks" if len(chosen) < len(tasks) else f"all {len(tasks)} tasks"
    text = tc.table(summary, f"{name}: {subset}, tool_choice auto, greedy, max_tokens {args.max_tokens}")
    print(text)
    folder = data_dir() / "evals" / "tools"
    folder.mkdir(parents=True, exist_ok=True)
    result = {"model": name, "model_path": model_path, "tasks": len(chosen), "summary": summary, "records": records}
    saved = folder / f"{Path(model_path).stem}-{len(chosen)}.json"
    write_atomically(saved, json.dumps(result, ensure_ascii=False, indent=1))
    if args.out:
        out = Path(args.out)
        write_atomically(out, json.dumps(result, ensure_ascii=False, indent=1) if out.suffix == ".json" else text + "\n")
    print(f"\nsaved: {saved}", file=sys.stderr)
    return 0


def _run_all(server: str, url: str, tasks: list, max_tokens: int) -> list[dict[str, Any]]:
    from tqdm import tqdm

    from desktop.benchmarks import tool_calling as tc

    records = []
    for task in tqdm(tasks, desc=server, unit="task", file=sys.stderr, dynamic_ncols=True):
        answer = tc.ask(url, task, max_tokens)
        records.append({"server": server, "id": task.id, "kind": task.kind, "lang": task.lang,
                        "answer": answer, "marks": tc.score(task, answer)})
    return records


def _check_reference_server() -> None:
    from desktop.errors import HearthError

    try:
        import llama_cpp.server.app  # noqa: F401 - only whether its extra dependencies are there
    except ImportError as exc:
        raise HearthError(f"llama-cpp-python's server needs its extra packages ({exc.name} is missing): "
                          "pip install fastapi uvicorn sse-starlette pydantic-settings starlette-context, "
                          "or pass --reference none") from None


class _reference_server:
    """llama-cpp-python's own server on a free local port, for as long as the block runs."""

    def __init__(self, model_path: str, args: argparse.Namespace) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [sys.executable, "-m", "llama_cpp.server", "--model", model_path, "--host", "127.0.0.1",
                   "--port", str(self.port), "--chat_format", "chatml-function-calling", "--n_ctx", str(args.ctx),
                   "--verbose", "False"]
        if args.threads:
            command += ["--n_threads", str(args.threads)]
        if args.gpu_layers is not None:
            command += ["--n_gpu_layers", str(args.gpu_layers)]
        self.command = command

    def __enter__(self) -> str:
        from desktop.errors import HearthError

        # Its log goes to a file: a pipe nobody reads while it serves fills up and blocks the server.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=self.log)
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 600  # a stuck start only
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                detail = self.log.read().decode(errors="replace").strip().splitlines()[-1:]
                raise HearthError(f"llama-cpp-python's server stopped at start: {' '.join(detail)}")
            try:
                with urllib.request.urlopen(f"{url}/v1/models", timeout=5):
                    return url
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise HearthError("llama-cpp-python's server did not start within 10 minutes")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
