"""The function-calling eval: its task set is sound, its marks mean what they say, and
`hearth eval tools` runs Hearth and llama-cpp-python's server side by side."""
import json
import os
import subprocess
import sys
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


@pytest.mark.slow
@pytest.mark.timeout(3600)  # two servers load the model in turn; only a stuck run takes this long
def test_eval_tools_runs_hearth_and_llama_cpp_python_on_the_same_tasks(smollm_path, tmp_path):
    out = tmp_path / "tools.json"
    result = subprocess.run([sys.executable, "-m", "desktop", "eval", "tools", "-m", str(smollm_path), "--limit", "2",
                             "--max-tokens", "60", "--ctx", "2048", "--out", str(out)],
                            capture_output=True, text=True, env=dict(os.environ), timeout=3000)
    assert result.returncode == 0, result.stderr[-2000:]
    saved = json.loads(out.read_text())
    assert set(saved["summary"]) == {"hearth", "llama-cpp-python"}
    assert [r["id"] for r in saved["records"] if r["server"] == "hearth"] == [
        r["id"] for r in saved["records"] if r["server"] == "llama-cpp-python"]
    hearth = saved["summary"]["hearth"]["all"]
    assert hearth["tasks"] == 2 and hearth["valid_calls"] == hearth["with_calls"]  # Hearth's calls always validate
    assert "| hearth (all) | 2 |" in result.stdout
