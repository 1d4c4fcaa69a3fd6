"""HumanEval pass@1, greedy: ask the model for each function, run its code against the problem's
checks in the sandbox.

Two prompt formats:
- "chat" (instruct models), the model's own chat template with one user message:
  INSTRUCTION, a blank line, then the problem's prompt in a ```python block. The answer's first
  fenced block (else the whole answer) is the code; when it defines the entry point it follows the
  problem's prompt (keeping its imports and helpers) and replaces the stub, else it is taken as the
  function's body.
- "complete" (base models), the original Codex setup: the raw prompt, the model continues it,
  cut at the first of STOPS.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from desktop.benchmarks.humaneval_data import Problem
from desktop.benchmarks.sandbox import Limits, run_python
from desktop.chat_messages import ChatMessage
from desktop.engine.types import Done, EngineFailure, SamplingParams

FORMATS = ("chat", "complete")
INSTRUCTION = ("Complete the following Python function. Answer with the complete function, "
               "including its signature, in one ```python code block.")
STOPS = ["\nclass ", "\ndef ", "\n#", "\nif __name__", "\nprint("]
BLOCK = re.compile(r"```[ \t]*(?:python|py|Python)?[ \t]*\n(.*?)(?:```|\Z)", re.S)


def chat_prompt(problem: Problem) -> list[ChatMessage]:
    return [ChatMessage("user", f"{INSTRUCTION}\n\n```python\n{problem.prompt.rstrip()}\n```")]


def extract_code(answer: str) -> str:
    """The code a user would copy from the answer: the first fenced block, else all of it."""
    match = BLOCK.search(answer)
    return match.group(1) if match else answer


def program(problem: Problem, answer: str, prompt_format: str) -> str:
    """The file run in the sandbox: the solution, the problem's checks, and the call of check()."""
    if prompt_format == "complete":
        solution = problem.prompt + answer
    else:
        code = extract_code(answer)
        if re.search(rf"^\s*def\s+{re.escape(problem.entry_point)}\s*\(", code, re.M):
            solution = problem.prompt + "\n    pass\n\n" + code
        else:
            solution = problem.prompt + code
    return f"{solution}\n\n{problem.test}\n\ncheck({problem.entry_point})\n"


@dataclass
class Answer:
    id: str
    status: str  # passed | failed | timeout | killed | generation failed
    passed: bool
    detail: str
    answer: str
    finish: str
    tokens: int
    generate_s: float
    sandbox_s: float


def ask(client: Any, problem: Problem, prompt_format: str, params: SamplingParams,
        cancel: threading.Event) -> tuple[Done | None, str, float]:
    """Generate one answer; (None, why, seconds) when the engine failed or the run was cancelled."""
    start = time.perf_counter()
    if prompt_format == "complete":
        params = SamplingParams(**{**params.to_dict(), "stop": STOPS})
        generation = client.complete(problem.prompt, params)
    else:
        generation = client.chat(chat_prompt(problem), params)
    result = collect(generation, cancel)
    seconds = time.perf_counter() - start
    if not isinstance(result, Done):
        return None, f"{result.kind}: {result.message}", seconds
    return result, "", seconds


def collect(generation: Any, cancel: threading.Event) -> Done | EngineFailure:
    """The generation's end, cancelling it when `cancel` is set or Ctrl+C arrives mid-answer."""
    try:
        for event in generation:
            if cancel.is_set():
                generation.cancel()
        return generation.result
    except KeyboardInterrupt:
        generation.cancel()
        raise


def score(client: Any, problem: Problem, prompt_format: str, params: SamplingParams,
          limits: Limits, cancel: threading.Event) -> Answer | None:
    """One problem, generated and run; None when cancelled mid-answer (it is asked again on resume)."""
    done, why, generate_s = ask(client, problem, prompt_format, params, cancel)
    if cancel.is_set() or (done is not None and done.finish_reason == "cancelled"):
        return None
    if done is None:
        return Answer(problem.task_id, "generation failed", False, why, "", "failed", 0, generate_s, 0.0)
    outcome = run_python(program(problem, done.text, prompt_format), limits)
    return Answer(problem.task_id, outcome.status, outcome.status == "passed", outcome.detail, done.text,
                  done.finish_reason, done.completion_tokens, generate_s, outcome.seconds)


def run(client: Any, problems: list[Problem], prompt_format: str, params: SamplingParams, limits: Limits,
        record: Callable[[dict[str, Any]], None], cancel: threading.Event,
        after: Callable[[Answer], None] | None = None) -> bool:
    """Score each problem in order, handing each answer to `record` as soon as it is scored.
    False when cancelled."""
    for problem in problems:
        answer = score(client, problem, prompt_format, params, limits, cancel)
        if answer is None:
            return False
        record(asdict(answer))
        if after:
            after(answer)
    return True


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(records)
    generate = sum(r["generate_s"] for r in records)
    sandbox = sum(r["sandbox_s"] for r in records)
    return {"problems": n, "passed": sum(r["passed"] for r in records),
            "pass_at_1": round(sum(r["passed"] for r in records) / n, 4) if n else 0.0,
            "by_status": {s: sum(r["status"] == s for r in records) for s in sorted({r["status"] for r in records})},
            "truncated": sum(r["finish"] == "length" for r in records),
            "generate_s": round(generate, 1), "sandbox_s": round(sandbox, 1),
            "sandbox_share": round(sandbox / (generate + sandbox), 4) if generate + sandbox else 0.0}


def table(summary: dict[str, Any], title: str) -> str:
    return "\n".join([
        title, "",
        "| problems | passed | pass@1 | truncated | generation s | sandbox s | sandbox share |",
        "|---|---|---|---|---|---|---|",
        f"| {summary['problems']} | {summary['passed']} | {summary['pass_at_1']:.3f} | {summary['truncated']} "
        f"| {summary['generate_s']} | {summary['sandbox_s']} | {summary['sandbox_share']:.1%} |"])
