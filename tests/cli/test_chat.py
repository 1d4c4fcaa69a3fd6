"""`hearth chat` as a user runs it: a real process, the real model, stdout and stderr."""
import json
import os
import subprocess
import sys


def hearth(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True,
                          input=stdin, env=dict(os.environ), timeout=300)


def test_streams_one_answer_with_stats(smollm_path):
    result = hearth("chat", "-m", str(smollm_path), "--seed", "1", "--max-tokens", "12", "--stats",
                    "--no-save", "What is the capital of France?")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    stats = json.loads(result.stderr.strip().splitlines()[-1])
    assert set(stats) == {"prompt_tokens", "completion_tokens", "ttft_s", "decode_tok_s", "finish_reason",
                          "batched"}
    assert stats["batched"] is False  # one answer alone: decoded by itself, reproducible
    assert stats["completion_tokens"] <= 12 and stats["finish_reason"] in ("stop", "length")


def test_seeded_answers_repeat(smollm_path):
    args = ("chat", "-m", str(smollm_path), "--seed", "42", "--temperature", "1.0", "--max-tokens", "16",
            "--no-save", "Tell me a joke.")
    assert hearth(*args).stdout == hearth(*args).stdout


def test_reads_the_prompt_from_stdin(smollm_path):
    result = hearth("chat", "-m", str(smollm_path), "--max-tokens", "4", "--no-save", "-", stdin="Hello!")
    assert result.returncode == 0 and result.stdout.strip()


def test_json_mode_answers_parse(smollm_path):
    result = hearth("chat", "-m", str(smollm_path), "--json", "--max-tokens", "64", "--seed", "3",
                    "--no-save", "Give me a JSON object describing a cat.")
    if result.returncode == 0:
        json.loads(result.stdout)
    else:  # cut short by max_tokens: said plainly, never passed off as valid
        assert "not valid" in result.stderr and "max_tokens" in result.stderr


def one_line_error(result, code=1):
    assert result.returncode == code
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_bad_inputs_are_one_line_errors(tmp_path, smollm_path):
    assert "not found" in one_line_error(hearth("chat", "-m", str(tmp_path / "x.gguf"), "hi"))
    assert "unknown model" in one_line_error(hearth("chat", "-m", "no-such-model", "hi"))
    assert "empty" in one_line_error(hearth("chat", "-m", str(smollm_path), "   "))
    bad_schema = tmp_path / "schema.json"
    bad_schema.write_text("{not json")
    assert "not valid JSON" in one_line_error(hearth("chat", "-m", str(smollm_path), "--schema", str(bad_schema), "hi"))
    assert "cannot read" in one_line_error(hearth("chat", "-m", str(smollm_path), "--grammar", str(tmp_path / "none.gbnf"), "hi"))
    assert "must be a positive" in one_line_error(hearth("chat", "-m", str(smollm_path), "--ctx", "0", "hi"))
    assert "least draft length must be 0-15" in one_line_error(hearth("chat", "-m", str(smollm_path), "--draft",
                                                                      "prompt-lookup", "--draft-min", "40", "hi"))


def test_usage_errors_exit_2():
    assert hearth("chat").returncode == 2
    assert hearth("chat", "--max-tokens", "many", "hi").returncode == 2
