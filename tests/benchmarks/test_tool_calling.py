"""The function-calling eval: its task set is sound, its marks mean what they say, and
`hearth eval tools` runs Hearth and llama-cpp-python's server side by side."""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from desktop.benchmarks import tool_calling as tc


def test_the_set_has_every_kind_in_both_languages_and_every_task_is_sound():
    tasks = tc.load_tasks()
    tc.check_tasks(tasks)
    assert len(tasks) >= 100 and len({t.id for t in tasks}) == len(tasks)
    kinds = Counter((t.kind, t.lang) for t in tasks)
    assert {k for k, _ in kinds} == {"single", "nested", "parallel", "none"} and {lang for _, lang in kinds} == {"en", "zh"}
    assert all(kinds[(k, lang)] >= 4 for k in ("single", "nested", "parallel", "none") for lang in ("en", "zh"))
    assert all(len(t.calls) >= 2 for t in tasks if t.kind == "parallel")


def call(name, **arguments):
    return {"name": name, "arguments": json.dumps(arguments)}


def answer(*calls, reason="tool_calls"):
    return {"finish_reason": reason, "content": None, "calls": list(calls)}


PARIS_ROME = next(t for t in tc.load_tasks() if t.kind == "parallel" and "Rome" in t.prompt)


@pytest.mark.parametrize("given, marks", [
    (answer(call("get_weather", city="rome", unit="celsius"), call("get_weather", city=" Paris", unit="celsius")),
     (True, True, True, True)),                                   # any order, case and blanks do not count
    (answer(call("get_weather", city="Paris", unit="celsius")), (True, True, False, False)),  # one call missing
    (answer(call("get_weather", city="Paris", unit="kelvin"), call("get_weather", city="Rome", unit="celsius")),
     (True, False, True, False)),                                 # not in the enum: invalid
    (answer(call("get_weather", city="Paris", unit="celsius"), call("get_weather", city="Oslo", unit="celsius")),
     (True, True, True, False)),                                  # valid, wrong city
    (answer(call("get_weather", city="Paris", unit="celsius"), reason="length"), (False, False, False, False)),
    (answer(reason="stop"), (True, True, False, False)),          # text instead of calls
    ({"error": "HTTP 400: bad", "seconds": 0.0}, (False, False, False, False)),
])
def test_marks(given, marks):
    got = tc.score(PARIS_ROME, given)
    assert (got["finished"], got["valid"], got["right_function"], got["right_arguments"]) == marks


def test_a_no_tool_question_is_right_only_without_calls():
    joke = next(t for t in tc.load_tasks() if t.kind == "none")
    assert tc.score(joke, answer(reason="stop"))["right_arguments"]
    assert not tc.score(joke, answer(call("set_timer", minutes=3)))["right_function"]


def test_arguments_that_do_not_parse_are_invalid():
    marks = tc.score(PARIS_ROME, answer({"name": "get_weather", "arguments": "{broken"},
                                        call("get_weather", city="Rome", unit="celsius")))
    assert not marks["valid"] and not marks["right_arguments"]


def _eval_tools(home, model, *extra):
    return subprocess.Popen([sys.executable, "-m", "desktop", "eval", "tools", "-m", str(model), "--limit", "2",
                             "--max-tokens", "40", "--ctx", "2048", "--threads", "1", *extra],
                            env={**os.environ, "HEARTH_HOME": str(home)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _table(saved):
    """What the run's table says, leaving out how long the answers took."""
    return {server: {group: {k: v for k, v in counts.items() if k != "median_s"} for group, counts in groups.items()}
            for server, groups in saved["summary"].items()}


@pytest.mark.slow
@pytest.mark.timeout(3600)  # two servers load the model in turn, three runs; only a stuck run takes this long
def test_eval_tools_runs_both_servers_and_a_run_killed_after_its_first_task_ends_the_same(smollm_path, tmp_path):
    out = tmp_path / "tools.json"
    whole = _eval_tools(tmp_path / "whole", smollm_path, "--out", str(out))
    stdout, stderr = whole.communicate(timeout=3000)
    assert whole.returncode == 0, stderr[-2000:]
    saved = json.loads(out.read_text())
    assert set(saved["summary"]) == {"hearth", "llama-cpp-python"} and saved["model"]["sha256"]
    assert [r["task"] for r in saved["answers"] if r["server"] == "hearth"] == [
        r["task"] for r in saved["answers"] if r["server"] == "llama-cpp-python"] == saved["tasks"]
    hearth = saved["summary"]["hearth"]["all"]
    assert hearth["tasks"] == 2 and hearth["valid_calls"] == hearth["with_calls"]  # Hearth's calls always validate
    assert "| hearth (all) | 2 |" in stdout

    killed = _eval_tools(tmp_path / "killed", smollm_path)
    folder = tmp_path / "killed" / "evals" / "tools"
    deadline = time.monotonic() + 1200  # a stuck run only
    while time.monotonic() < deadline and killed.poll() is None:  # kill once the first task is on disk
        journals = list(folder.glob("*.jsonl")) if folder.is_dir() else []
        if journals and len(journals[0].read_text(encoding="utf-8").splitlines()) >= 2:
            break
        time.sleep(0.2)
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=600)  # its engine worker, holding the pipes, stops with it
    journal = next(folder.glob("*.jsonl"))
    kept = [json.loads(line)["id"] for line in journal.read_text(encoding="utf-8").splitlines()[1:]]
    assert kept and kept[0] == f"hearth/{saved['tasks'][0]}"
    resumed = _eval_tools(tmp_path / "killed", smollm_path)
    stdout, stderr = resumed.communicate(timeout=3000)
    assert resumed.returncode == 0, stderr[-2000:]
    assert f"resuming {journal.name}: {len(kept)} of 4 already scored" in stderr
    again = json.loads(journal.with_suffix(".json").read_text(encoding="utf-8"))
    assert [r["id"] for r in again["answers"]] == [r["id"] for r in saved["answers"]]  # each task once
    assert _table(again) == _table(saved)


@pytest.mark.timeout(600)  # two server starts and two short answers; only a stuck start takes this long
def test_a_task_that_kills_the_reference_server_is_scored_as_failed_and_the_run_goes_on(smollm_path):
    """llama-cpp-python's grammar converter aborts its server on a `pattern` with `\\d` (a date field):
    that task is one failure with the reason, the server is started again for the next task."""
    from desktop.cli.eval_tools import _reference_server, _run_all

    tasks = {t.id: t for t in tc.load_tasks()}
    dated, plain = tasks["nested-en-033"], tasks["none-en-047"]  # SmolLM2 calls create_event, date and all
    assert "\\d" in json.dumps(dated.tools[0]["function"]["parameters"])
    records: list[dict] = []
    args = argparse.Namespace(ctx=4096, threads=1, gpu_layers=None)
    with _reference_server(smollm_path, args) as reference:
        _run_all("llama-cpp-python", reference.url, [dated, plain], 160, records.append, lambda r: None,
                 reference.revive)
    first, second = records
    assert "died answering" in first["answer"]["error"] and "grammar" in first["answer"]["error"]
    assert first["marks"] == {"finished": False, "valid": False, "right_function": False, "right_arguments": False}
    assert "error" not in second["answer"] and second["answer"]["finish_reason"] in ("stop", "tool_calls", "length")
