"""`hearth eval json`: the table, the saved run, and one-line errors."""
from __future__ import annotations

import json
from pathlib import Path

from desktop.cli.main import main


def test_builtin_eval_prints_and_saves_the_table(smollm_path, hearth_home: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "table.md"
    code = main(["eval", "json", "-m", str(smollm_path), "--limit", "2", "--max-tokens", "48",
                 "--ctx", "2048", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "| all | 2 |" in printed and "conformance (empirical)" in printed
    assert out.read_text(encoding="utf-8").strip() == printed.strip()
    saved = list((hearth_home / "evals" / "json").glob("*-builtin-constrained.json"))
    record = json.loads(saved[0].read_text(encoding="utf-8"))
    assert record["summary"]["cases"] == 2 and len(record["outcomes"]) == 2
    for outcome in record["outcomes"]:  # an answer that finished is valid; otherwise it says why
        assert outcome["valid"] or outcome["finish"] != "stop"


def test_missing_bench_folder_is_one_line(tmp_path: Path, capsys) -> None:
    code = main(["eval", "json", "-m", "x.gguf", "--set", "jsonschemabench", "--bench-dir", str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("hearth: error: JSONSchemaBench folder not found") and err.count("\n") == 1


def test_bad_limit_is_one_line(capsys) -> None:
    assert main(["eval", "json", "-m", "x.gguf", "--limit", "0"]) == 1
    assert capsys.readouterr().err == "hearth: error: --limit must be a positive number of cases\n"


def test_the_eval_answers_with_as_many_tokens_as_the_app_and_hearth_chat_allow() -> None:
    """A truncation the eval counts is one a user would meet: the same default answer length."""
    from desktop.cli.main import build_parser
    from desktop.engine.types import SamplingParams

    parser = build_parser()
    evaluated = parser.parse_args(["eval", "json", "-m", "m"]).max_tokens
    assert evaluated == parser.parse_args(["chat", "-m", "m", "hello"]).max_tokens == SamplingParams().max_tokens
