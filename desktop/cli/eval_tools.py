"""`hearth eval tools -m MODEL`: the built-in function-calling tasks through `hearth serve`'s own
API and, in the same run, through llama-cpp-python's server (`chatml-function-calling`) on the
same model file, scored alike (desktop.benchmarks.tool_calling). Prints a Markdown table and saves
it with every answer under `<data>/evals/tools/`.

Every scored task is journalled as it comes (desktop.benchmarks.journal, one line per task and
server after a header naming the model file and the settings), so rerunning the same command
after Ctrl+C, a crash or kill -9 continues where the run stopped.
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

REFERENCE = "llama-cpp-python"
CHAT_FORMAT = "chatml-function-calling"


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
    from desktop.benchmarks.identity import model_identity, versions
    from desktop.benchmarks.journal import Journal
    from desktop.cli.chat import load_client
    from desktop.cli.eval_progress import EXIT_CANCELLED, report, run_journalled
    from desktop.engine.json_evaluation import spread
    from desktop.errors import HearthError

    if args.limit is not None and args.limit <= 0:
        raise HearthError("--limit must be a positive number of tasks")
    if args.max_tokens <= 0:
        raise HearthError("--max-tokens must be positive")
    tasks = tc.load_tasks()
    tc.check_tasks(tasks)
    chosen = spread(tasks, args.limit)
    servers = ["hearth"] + ([REFERENCE] if args.reference != "none" else [])
    if REFERENCE in servers:
        _check_reference_server()
    client = load_client(args)
    cancel = threading.Event()
    try:
        identity = model_identity(client.model)
        model_path = client.model.path
        settings = {"tool_choice": "auto", "temperature": 0.0, "seed": 0, "max_tokens": args.max_tokens,
                    "ctx": args.ctx, "servers": servers, "reference_chat_format": CHAT_FORMAT}
        task_ids = [t.id for t in chosen]
        header = {"benchmark": "tools", "model": identity, "versions": versions(), "settings": settings,
                  "tasks": task_ids, "key": {"sha256": identity["sha256"], "settings": settings, "tasks": task_ids}}
        journal = Journal("tools", client.model.name, header)

        def work(done: set[str], after: Any) -> bool:
            for server in servers:
                todo = [t for t in chosen if _record_id(server, t.id) not in done]
                if not todo:
                    continue
                if server == "hearth":
                    with ApiServer(client, port=0) as api:
                        _run_all(server, api.url, todo, args.max_tokens, journal.add, after)
                    client.close()  # its memory back before the reference loads the same file
                else:
                    client.close()
                    with _reference_server(model_path, args) as reference:
                        _run_all(server, reference.url, todo, args.max_tokens, journal.add, after,
                                 reference.revive)
            return True

        finished = run_journalled(journal, [_record_id(s, t) for s in servers for t in task_ids],
                                  "tools", "task", work, cancel)
    finally:
        client.close()
    if not finished:
        return EXIT_CANCELLED
    summary = tc.summarize(journal.records)
    subset = f"{len(chosen)} of {len(tasks)} tasks" if len(chosen) < len(tasks) else f"all {len(tasks)} tasks"
    text = tc.table(summary, f"{identity['name']}: {subset}, tool_choice auto, greedy, max_tokens {args.max_tokens}")
    code = report(journal, summary, text)
    if args.out:
        out = Path(args.out)
        write_atomically(out, journal.path.with_suffix(".json").read_text(encoding="utf-8")
                         if out.suffix == ".json" else text + "\n")
    return code


def _record_id(server: str, task_id: str) -> str:
    return f"{server}/{task_id}"


def _run_all(server: str, url: str, tasks: list, max_tokens: int, record: Any, after: Any,
             revive: Any = None) -> None:
    """Ask and score each task in turn, each record journalled as soon as it is scored.

    `revive`, for a server in a process of its own, restarts it when a task killed it and says how
    it died: that task is scored as the failure it is and the run goes on with the next one."""
    from desktop.benchmarks import tool_calling as tc

    for task in tasks:
        answer = tc.ask(url, task, max_tokens)
        death = revive() if revive is not None and "error" in answer else None
        if death:
            answer["error"] = death
        scored = {"id": _record_id(server, task.id), "server": server, "task": task.id, "kind": task.kind,
                  "lang": task.lang, "answer": answer, "marks": tc.score(task, answer)}
        record(scored)
        after(scored)


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
        command = [sys.executable, "-m", "desktop.engine.reference_server", "--model", model_path, "--host", "127.0.0.1",
                   "--port", str(self.port), "--chat_format", CHAT_FORMAT, "--n_ctx", str(args.ctx),
                   "--verbose", "False"]
        if args.threads:
            command += ["--n_threads", str(args.threads)]
        if args.gpu_layers is not None:
            command += ["--n_gpu_layers", str(args.gpu_layers)]
        self.command = command
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "_reference_server":
        self._start()
        return self

    def _start(self) -> None:
        from desktop.errors import HearthError

        # Its log goes to a file: a pipe nobody reads while it serves fills up and blocks the server.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 600  # a stuck start only
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HearthError(f"llama-cpp-python's server stopped at start: {self._last_line()}")
            try:
                with urllib.request.urlopen(f"{self.url}/v1/models", timeout=5):
                    return
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise HearthError("llama-cpp-python's server did not start within 10 minutes")

    def revive(self) -> str | None:
        """If the server died answering (llama-cpp-python aborts on grammars it cannot parse, such as
        a `pattern` with `\\d`), how it died, after starting it again; None while it is alive."""
        try:
            self.process.wait(timeout=10)  # a crash closes the connection a moment before the exit
        except subprocess.TimeoutExpired:
            return None
        death = f"llama-cpp-python's server died answering (exit code {self.process.returncode}): {self._last_line()}"
        self.log.close()
        self._start()
        return death[:400]

    def _last_line(self) -> str:
        """Its log's last error line (a grammar it failed on is printed after the error), else its last."""
        self.log.seek(0)
        lines = [line.strip() for line in self.log.read().decode(errors="replace").splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()]
        return (errors or lines or ["no message"])[-1]

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
