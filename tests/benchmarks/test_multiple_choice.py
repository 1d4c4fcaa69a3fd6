"""MMLU / C-Eval: the authors' file layouts and prompts, letters-only answers, scoring, bad files."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop.benchmarks import multiple_choice as mc
from desktop.cli.main import main
from desktop.errors import HearthError

FIXTURES = Path(__file__).parent / "fixtures"


def test_both_layouts_are_read_per_subject():
    mmlu = mc.read_split(mc.MMLU, FIXTURES / "mmlu", "test")
    assert sorted(mmlu) == ["arithmetic", "general_knowledge"]
    assert mmlu["general_knowledge"][1].text == "Which of these is a fruit, not a vegetable?"  # quoted comma
    ceval = mc.read_split(mc.CEVAL, FIXTURES / "ceval", "val")
    assert [q.answer for q in ceval["arithmetic"]] == ["B", "C"]


def test_the_five_shot_prompt_is_the_papers():
    style = mc.MMLU
    shots = mc.read_split(style, FIXTURES / "mmlu", "dev")["arithmetic"]
    question = mc.read_split(style, FIXTURES / "mmlu", "test")["arithmetic"][0]
    text = mc.prompt(question, shots, style)
    assert text.startswith("The following are multiple choice questions (with answers) about arithmetic.\n\n")
    assert text.count("Answer: A\n\n") == 5 and text.endswith("What is 7 plus 7?\nA. 15\nB. 14\nC. 13\nD. 12\nAnswer:")
    ceval = mc.prompt(mc.read_split(mc.CEVAL, FIXTURES / "ceval", "val")["arithmetic"][1], [], mc.CEVAL)
    assert ceval.startswith("以下是中国关于arithmetic考试的单项选择题") and ceval.endswith("D. 深圳\n答案：")


@pytest.mark.parametrize("content, line", [("q,a,b,c,d,A\nq,a,b,c,d,E\n", 2), ("q,a,b\n", 1)])
def test_a_bad_row_names_file_and_line(tmp_path, content, line):
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "x_test.csv").write_text(content)
    with pytest.raises(HearthError, match=rf"x_test.csv, line {line}: expected"):
        mc.read_split(mc.MMLU, tmp_path, "test")


def test_a_missing_set_says_where_to_put_it(tmp_path, capsys):
    assert main(["eval", "ceval", "-m", "smollm2-135m", "--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no CEVAL val files in" in err and "dev/" in err


@pytest.mark.slow  # two real runs of the model
def test_every_answer_is_a_letter_and_scored_against_the_key(smollm_path, hearth_home, tmp_path, capsys):
    data = tmp_path / "ceval"
    shutil.copytree(FIXTURES / "ceval", data)
    assert main(["eval", "ceval", "-m", str(smollm_path), "--data", str(data), "--ctx", "1024"]) == 0
    out = capsys.readouterr().out
    saved = json.loads(next((hearth_home / "evals" / "ceval").glob("*.json")).read_text())
    answers = saved["answers"]
    assert [a["answer"] for a in answers] == ["B", "C"] and all(a["choice"] in "ABCD" for a in answers)
    assert all(a["correct"] == (a["choice"] == a["answer"]) for a in answers)
    assert saved["summary"]["accuracy"] == sum(a["correct"] for a in answers) / 2
    assert "| arithmetic | 2 |" in out
    # The test controls the key: set it to what the model chose and the same answers all score.
    rows = (data / "val" / "arithmetic_val.csv").read_text().splitlines()
    rows[1:] = [",".join(r.split(",")[:-1] + [a["choice"]]) for r, a in zip(rows[1:], answers)]
    (data / "val" / "arithmetic_val.csv").write_text("\n".join(rows) + "\n")
    assert main(["eval", "ceval", "-m", str(smollm_path), "--data", str(data), "--ctx", "1024"]) == 0
    assert "| arithmetic | 2 | 2 | 1.000 |" in capsys.readouterr().out
