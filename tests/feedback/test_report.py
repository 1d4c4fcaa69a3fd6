"""Reports carry what a maker needs to reproduce them, and nothing private."""
from __future__ import annotations

import json

import pytest

from desktop.errors import HearthError
from desktop.feedback.report import (ReportRequest, draft_report, finalize, load_conversation, parse_edited,
                                     to_json, validate)
from tests.feedback.conftest import METRICS, SEED, SMOLLM_SHA256


def _report(chat, session_id="chat", message_id=None, **request):
    session_id = chat.session_id if session_id == "chat" else session_id
    conversation = load_conversation(chat.store, session_id, message_id)
    return finalize(draft_report(ReportRequest(**request), conversation))


def test_bug_report_carries_the_reproducibility_context(chat, smollm_path):
    report = _report(chat, kind="bug", description="It answered Paris but I asked in French",
                     expected="Paris.", match="contains")
    model = report["model"]
    assert model["file"] == smollm_path.name and model["sha256"] == SMOLLM_SHA256
    assert (model["architecture"], model["quantization"]) == ("llama", "Q4_1")
    assert model["size_bytes"] == smollm_path.stat().st_size and len(model["chat_template_sha256"]) == 64
    assert report["sampling"]["seed"] == SEED and report["sampling"]["max_tokens"] == 24
    assert [m["role"] for m in report["conversation"]] == ["system", "user", "assistant"]
    env = report["environment"]
    assert env["hearth_version"] and env["llama_cpp_python"]["version"] and env["ram_bytes"] > 0
    assert "cuda" in env["llama_cpp_python"] and isinstance(env["gpu"], list)
    assert report["details"] == {"expected": "Paris.", "match": "contains"}
    assert report["format"] == "hearth-feedback" and report["version"] == 1


def test_private_details_are_redacted_and_listed(chat):
    report = _report(chat, kind="bug", description="contact me: +44 20 7946 0958")
    text = to_json(report)
    assert "jane.doe@example.com" not in text and "/home/jane" not in text and "7946" not in text
    question = report["conversation"][1]["content"]
    assert "[redacted:email]" in question and "[redacted:path]/plan.txt" in question
    assert {r["what"] for r in report["redactions"]} >= {"e-mail addresses", "phone numbers", "file paths"}
    assert report["model"]["sha256"] == SMOLLM_SHA256  # a hash is not a secret


def test_a_report_follows_the_branch_of_the_chosen_answer(chat):
    other = chat.store.begin_assistant(chat.session_id, chat.question_id, model_file="other.gguf",
                                       params={"seed": 7})
    chat.store.finish_assistant(other.id, "Lyon.", "stop", metrics=METRICS)
    first = _report(chat, kind="bug", message_id=chat.answer_id, session_id=None)
    assert first["conversation"][-1]["content"] == "The capital of France is Paris."
    latest = _report(chat, kind="bug")
    assert latest["conversation"][-1]["content"] == "Lyon." and latest["sampling"] == {"seed": 7}
    assert latest["model"]["file"] == "other.gguf" and latest["model"]["architecture"] is None


def test_performance_report_attaches_the_measurements(chat):
    report = _report(chat, kind="performance", description="slow on my laptop")
    details = report["details"]
    assert details["metrics"]["ttft_s"] == 0.12 and details["metrics"]["decode_tok_s"] == 48.5
    assert details["offload"].startswith("CPU")
    assert all({"name", "memory_total_bytes", "memory_used_bytes"} <= set(gpu) for gpu in details["gpu"])
    assert 0 < details["ram_available_bytes"] <= details["ram_bytes"]


def test_data_contribution_is_an_instruction_sample(chat):
    report = _report(chat, kind="data", ideal_answer="Paris is the capital of France.", domain="education",
                     licence="CC-BY-4.0", consent=True)
    details = report["details"]
    assert [m["role"] for m in details["prompt"]] == ["system", "user"]
    assert details["ideal_answer"] == "Paris is the capital of France."
    assert (details["domain"], details["licence"], details["consent"]) == ("education", "CC-BY-4.0", True)


def test_data_contribution_starts_from_the_models_answer(chat):
    report = _report(chat, kind="data")
    assert report["details"]["ideal_answer"] == "The capital of France is Paris."
    assert report["details"]["consent"] is False


@pytest.mark.parametrize("content, expected_result", [
    ('{"model": "x", "pass_rate": 0.9}', {"model": "x", "pass_rate": 0.9}),
    ('{"case": 1}\n{"case": 2}\n', [{"case": 1}, {"case": 2}]),
    ("tokens/s: 51.2 (median of 5)\n", "tokens/s: 51.2 (median of 5)\n"),
])
def test_benchmark_report_attaches_the_results_file(chat, tmp_path, content, expected_result):
    path = tmp_path / "result.json"
    path.write_text(content, encoding="utf-8")
    report = _report(chat, kind="benchmark", session_id=None, benchmark_file=str(path))
    assert report["details"] == {"file": "result.json", "result": expected_result}
    assert report["model"] is None and report["conversation"] == []


@pytest.mark.parametrize("request_args, message", [
    ({"kind": "nonsense"}, "unknown feedback kind 'nonsense'"),
    ({"kind": "benchmark"}, "needs a results file"),
    ({"kind": "benchmark", "benchmark_file": "/no/such/file.json"}, "cannot read the benchmark file"),
    ({"kind": "data", "domain": "astrology"}, "unknown domain 'astrology'"),
    ({"kind": "bug", "match": "fuzzy"}, "unknown match mode 'fuzzy'"),
    ({"kind": "performance", "session_id": None}, "needs an answer with measurements"),
])
def test_impossible_requests_fail_in_one_line(chat, request_args, message):
    with pytest.raises(HearthError, match=message) as info:
        _report(chat, **request_args)
    assert "\n" not in str(info.value)


def test_missing_ids_fail_in_one_line(chat):
    with pytest.raises(HearthError, match="no message 999"):
        load_conversation(chat.store, None, 999)
    with pytest.raises(HearthError, match="no session 999"):
        load_conversation(chat.store, 999, None)


def test_hand_edits_are_checked_against_the_format(chat):
    report = _report(chat, kind="bug")
    edited = to_json({**report, "description": "reworded by hand"})
    assert parse_edited(edited)["description"] == "reworded by hand"
    with pytest.raises(HearthError, match="not valid JSON"):
        parse_edited(edited[:-5])
    with pytest.raises(HearthError, match="invalid report at kind"):
        parse_edited(json.dumps({**report, "kind": "rant"}))
    broken = {**report, "details": {"expected": 3, "match": "exact"}}
    with pytest.raises(HearthError, match="details/expected"):
        validate(broken)
