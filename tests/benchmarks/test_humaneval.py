"""HumanEval scoring: known answers score as they must; a killed run resumes where it stopped."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.benchmarks import humaneval
from desktop.benchmarks.humaneval_data import parse, problems
from desktop.benchmarks.sandbox import run_python
from desktop.errors import HearthError

FIXTURE = Path(__file__).parent / "fixtures" / "humaneval_two.jsonl"


def test_a_fenced_whole_function_a_bare_body_and_a_wrong_answer_score_as_they_must():
    add = problems(FIXTURE)[0]
    whole = "Here it is:\n```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```\nDone."
    body = "    return a + b\n"
    wrong = "```python\ndef add(a, b):\n    return a - b\n```"
    assert run_python(humaneval.program(add, whole, "chat")).status == "passed"
    assert run_python(humaneval.program(add, body, "complete")).status == "passed"
    assert run_python(humaneval.program(add, wrong, "chat")).status == "failed"


def test_the_chat_prompt_states_the_instruction_and_the_problem():
    message = humaneval.chat_prompt(problems(FIXTURE)[1])[0]
    assert message.role == "user" and message.content.startswith(humaneval.INSTRUCTION)
    assert "def double(x: int) -> int:" in message.content


def test_a_damaged_problem_file_names_file_and_line(tmp_path):
    bad = tmp_path / "HumanEval.jsonl"
    bad.write_text(FIXTURE.read_text().splitlines()[0] + "\n{\"task_id\": \"x\"}\n")
    with pytest.raises(HearthError, match=r"HumanEval.jsonl, line 2"):
        problems(bad)
    with pytest.raises(HearthError, match="no HumanEval problems"):
        parse("", bad)


def _hearth(home: Path, model: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "HEARTH_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-m", "desktop", "eval", "humaneval", "-m", str(model),
                             "--data", str(FIXTURE), "--max-tokens", "24", "--ctx", "512", *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a terminal's



@pytest.mark.slow  # a real run killed and resumed: minutes on a loaded machine
def test_a_run_killed_with_sigkill_resumes_without_asking_again(smollm_path, hearth_home):
    first = _hearth(hearth_home, smollm_path)
    folder = hearth_home / "evals" / "humaneval"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:  # kill as soon as the first answer is on disk
        journals = list(folder.glob("*.jsonl")) if folder.is_dir() else []
        if journals and len(journals[0].read_text().splitlines()) >= 2:
            break
        if first.poll() is not None:
            break
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    journal = next(folder.glob("*.jsonl"))
    scored = [json.loads(line)["id"] for line in journal.read_text().splitlines()[1:]]
    assert scored and scored[0] == "Fixture/0"
    second = _hearth(hearth_home, smollm_path)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    ids = [json.loads(line)["id"] for line in journal.read_text().splitlines()[1:]]
    assert ids == ["Fixture/0", "Fixture/1"]  # each problem once: the first was not asked again
    if len(scored) == 1:
        assert "resuming" in err
    saved = json.loads(journal.with_suffix(".json").read_text())
    assert saved["model"]["sha256"] and saved["versions"]["hearth"] and saved["model"]["quantization"]
    assert len(saved["answers"]) == 2 and "pass@1" in out


@pytest.mark.slow  # loads the model in a real `hearth` process
def test_ctrl_c_stops_the_run_at_once_and_says_how_to_continue(smollm_path, hearth_home):
    run = _hearth(hearth_home, smollm_path)
    folder = hearth_home / "evals" / "humaneval"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (folder.is_dir() and list(folder.glob("*.jsonl"))):
        time.sleep(0.1)  # the journal appears once the model is loaded and the first answer starts
    time.sleep(0.5)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert "interrupted" in err and "rerun the same command to continue" in err and "Traceback" not in err


def test_offline_before_the_first_download_is_one_line_saying_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("HEARTH_EVAL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HEARTH_PYPI_INDEX", "http://127.0.0.1:9/simple")  # nothing listens there
    with pytest.raises(HearthError) as caught:
        problems()
    message = str(caught.value)
    assert "\n" not in message and "cannot be downloaded" in message and "--data" in message
    assert not list((tmp_path / "cache").rglob("*.whl"))  # nothing half-downloaded passes for the data
