"""The function-calling tasks of `hearth eval tools`, asked of any OpenAI-compatible server and
scored the same way whoever answers.

The tasks (resources/evals/tool_tasks.jsonl: the tools on the first line, then one task a line)
are single calls, calls with nested and enum arguments, parallel calls and questions that need no
tool, in English and Chinese. Every request is `tool_choice: "auto"` - the case clients send by
default and the only one where "no tool needed" means anything. An answer is scored on:
- finished: not cut short by max_tokens;
- valid: each call names an offered function and its arguments parse and validate (jsonschema);
- right function: the functions called are those expected (none for a no-tool question);
- right arguments: each expected call is there with the expected values (strings compared without
  case or surrounding blanks; keys the task does not name, such as an email's body, are free).
"""
from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from typing import Any

import jsonschema

from desktop.errors import HearthError
from desktop.paths import resource_path

TASKS_FILE = ("evals", "tool_tasks.jsonl")


@dataclass(frozen=True)
class ToolTask:
    id: str
    kind: str  # single, nested, parallel, none
    lang: str  # en, zh
    prompt: str
    tools: list[dict[str, Any]]  # OpenAI tools
    calls: list[dict[str, Any]]  # expected: {"name", "arguments"} (the arguments that must match)


def load_tasks() -> list[ToolTask]:
    lines = resource_path(*TASKS_FILE).read_text(encoding="utf-8").splitlines()
    tools = json.loads(lines[0])["tools"]
    tasks = []
    for line in lines[1:]:
        raw = json.loads(line)
        tasks.append(ToolTask(raw["id"], raw["kind"], raw["lang"], raw["prompt"],
                              [tools[name] for name in raw["tools"]], raw["calls"]))
    return tasks


def ask(base_url: str, task: ToolTask, max_tokens: int, timeout_s: float = 900) -> dict[str, Any]:
    """One task's answer from the server at `base_url`: its finish reason, content and calls."""
    body = {"model": "m", "messages": [{"role": "user", "content": task.prompt}], "tools": task.tools,
            "tool_choice": "auto", "temperature": 0.0, "max_tokens": max_tokens, "seed": 0}
    request = urllib.request.Request(f"{base_url}/v1/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return {"error": f"HTTP {exc.code}: {exc.read()[:200].decode(errors='replace')}", "seconds": 0.0}
    except (OSError, http.client.HTTPException, ValueError) as exc:  # refused, reset, cut off, not JSON
        return {"error": f"no answer: {exc}", "seconds": 0.0}
    choice = answer["choices"][0]
    message = choice.get("message") or {}
    calls = [{"name": (c.get("function") or {}).get("name"), "arguments": (c.get("function") or {}).get("arguments")}
             for c in message.get("tool_calls") or []]
    return {"finish_reason": choice.get("finish_reason"), "content": message.get("content"), "calls": calls,
            "seconds": round(time.perf_counter() - start, 2)}


def score(task: ToolTask, answer: dict[str, Any]) -> dict[str, Any]:
    """The answer's marks (see the module's docstring)."""
    if "error" in answer:
        return {"finished": False, "valid": False, "right_function": False, "right_arguments": False}
    finished = answer["finish_reason"] != "length"
    parameters = {t["function"]["name"]: t["function"].get("parameters", {}) for t in task.tools}
    parsed = [_parsed(call, parameters) for call in answer["calls"]]
    valid = all(p is not None for p in parsed)
    names = Counter(c["name"] for c in answer["calls"])
    right_function = finished and names == Counter(c["name"] for c in task.calls)
    remaining = [(c["name"], p) for c, p in zip(answer["calls"], parsed) if p is not None]
    right_arguments = right_function and valid
    for expected in task.calls if right_arguments else []:
        match = next((i for i, (name, args) in enumerate(remaining)
                      if name == expected["name"] and _matches(expected["arguments"], args)), None)
        if match is None:
            right_arguments = False
            break
        remaining.pop(match)
    return {"finished": finished, "valid": finished and valid, "right_function": right_function,
            "right_arguments": right_arguments}


def _parsed(call: dict[str, Any], parameters: dict[str, Any]) -> Any:
    """The call's arguments if it names an offered function and they validate, else None."""
    if call["name"] not in parameters or not isinstance(call["arguments"], str):
        return None
    try:
        arguments = json.loads(call["arguments"])
        jsonschema.validate(arguments, parameters[call["name"]])
    except (ValueError, jsonschema.ValidationError):
        return None
    return arguments


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            _matches(e, a) for e, a in zip(expected, actual))
    if isinstance(expected, str):
        return isinstance(actual, str) and actual.strip().casefold() == expected.strip().casefold()
    if isinstance(expected, bool) or expected is None:
        return actual is expected
    return isinstance(actual, (int, float)) and not isinstance(actual, bool) and float(actual) == float(expected)


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Per server: counts of each mark, overall and per kind and language."""
    out: dict[str, Any] = {}
    for server in sorted({r["server"] for r in records}):
        mine = [r for r in records if r["server"] == server]
        groups = {"all": mine}
        for key in ("kind", "lang"):
            for value in sorted({r[key] for r in mine}):
                groups[value] = [r for r in mine if r[key] == value]
        out[server] = {name: _counts(group) for name, group in groups.items()}
    return out


def _counts(records: list[dict[str, Any]]) -> dict[str, Any]:
    finished = [r for r in records if r["marks"]["finished"]]
    with_calls = [r for r in finished if r["answer"].get("calls")]
    seconds = sorted(r["answer"].get("seconds", 0.0) for r in records)
    return {"tasks": len(records), "finished": len(finished), "with_calls": len(with_calls),
            "valid_calls": sum(r["marks"]["valid"] for r in with_calls),
            "right_function": sum(r["marks"]["right_function"] for r in records),
            "right_arguments": sum(r["marks"]["right_arguments"] for r in records),
            "median_s": seconds[len(seconds) // 2] if seconds else 0.0}


def table(summary: dict[str, Any], title: str) -> str:
    """A Markdown table: one row per server and group."""
    rows = [f"### {title}", "",
            "| server | tasks | finished | answers with calls: valid | right function | right arguments | median s |",
            "|---|---|---|---|---|---|---|"]
    for server, groups in summary.items():
        for name, c in groups.items():
            rows.append(f"| {server} ({name}) | {c['tasks']} | {c['finished']} | "
                        f"{c['valid_calls']}/{c['with_calls']} ({_pct(c['valid_calls'], c['with_calls'])}) | "
                        f"{c['right_function']} ({_pct(c['right_function'], c['tasks'])}) | "
                        f"{c['right_arguments']} ({_pct(c['right_arguments'], c['tasks'])}) | {c['median_s']} |")
    return "\n".join(rows)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def check_tasks(tasks: list[ToolTask]) -> None:
    """Every expected call names an offered tool with arguments valid for it (a broken task
    would score every server wrong)."""
    for task in tasks:
        offered = {t["function"]["name"]: t["function"]["parameters"] for t in task.tools}
        for call in task.calls:
            if call["name"] not in offered:
                raise HearthError(f"task {task.id}: expects {call['name']}, which it does not offer")
            try:
                jsonschema.validate(call["arguments"], offered[call["name"]] | {"required": []})
            except jsonschema.ValidationError as exc:
                raise HearthError(f"task {task.id}: expected arguments are invalid: {exc.message}") from None
