"""Reports become regression cases that replay through the real engine and pass or fail."""
from __future__ import annotations

import json

import pytest

from desktop.chat_messages import ChatMessage
from desktop.cli.main import main
from desktop.engine import LoadOptions, SamplingParams
from desktop.engine.client import EngineClient
from desktop.errors import HearthError
from desktop.feedback.outbox import save_draft
from desktop.feedback.regressions import (RegressionCase, case_from_report, cases_from_store, export_cases,
                                          judge, load_cases)
from desktop.feedback.report import ReportRequest, draft_report, finalize, load_conversation
from tests.feedback.conftest import PARAMS, SMOLLM_SHA256

SCHEMA = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}


def _case(match: str, expected: str, constraint=None) -> RegressionCase:
    return RegressionCase(id="c1", source="bug", messages=[{"role": "user", "content": "?"}], sampling=None,
                          constraint=constraint, expected=expected, match=match)


@pytest.mark.parametrize("match, expected, answer, passed", [
    ("exact", "Paris.", "  Paris.\n", True),
    ("exact", "Paris.", "Paris!", False),
    ("contains", "paris", "The capital is Paris.", True),
    ("contains", "Lyon", "The capital is Paris.", False),
    ("schema", "", '{"city": "Paris"}', True),
    ("schema", "", '{"town": "Paris"}', False),
    ("schema", "", "Paris", False),
])
def test_match_modes(match, expected, answer, passed):
    ok, reason = judge(_case(match, expected, {"kind": "json_schema", "schema": SCHEMA}), answer)
    assert ok is passed and (reason == "") is passed


def _store_report(chat, **request):
    conversation = load_conversation(chat.store, chat.session_id, request.pop("message_id", None))
    payload = finalize(draft_report(ReportRequest(**request), conversation))
    return save_draft(chat.store, payload).payload


def test_which_reports_become_cases(chat):
    bug = _store_report(chat, kind="bug", expected="Paris", match="contains")
    data = _store_report(chat, kind="data", ideal_answer="Paris.", consent=True)
    _store_report(chat, kind="bug")  # no expected answer: nothing to check
    _store_report(chat, kind="performance")
    cases = cases_from_store(chat.store)
    assert [(c.id, c.source, c.expected) for c in cases] == [(bug["id"], "bug", "Paris"),
                                                            (data["id"], "data", "Paris.")]
    assert [m["role"] for m in cases[0].messages] == ["system", "user"]
    assert cases[0].sampling["seed"] == PARAMS["seed"] and cases[0].model_sha256 == SMOLLM_SHA256
    assert case_from_report({"kind": "benchmark", "details": {}}) is None


def test_cases_export_as_a_test_set_and_load_back(chat, tmp_path):
    _store_report(chat, kind="bug", expected="Paris", match="exact")
    cases = cases_from_store(chat.store)
    path = tmp_path / "set.jsonl"
    assert export_cases(cases, path) == 1
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert first["format"] == "hearth-regression" and first["version"] == 1
    assert load_cases(path) == cases


def test_cases_load_from_exported_reports(chat, tmp_path, capsys):
    _store_report(chat, kind="bug", expected="Paris")
    out = tmp_path / "outbox.jsonl"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    assert [c.expected for c in load_cases(out)] == ["Paris"]


@pytest.mark.parametrize("content, message", [
    ("not json\n", "line 1: not JSON"),
    ('{"format": "something-else"}\n', "neither a Hearth report nor a regression case"),
    ('{"format": "hearth-regression", "id": "x"}\n', "incomplete regression case"),
])
def test_bad_case_files_fail_in_one_line(tmp_path, content, message):
    path = tmp_path / "cases.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HearthError, match=message):
        load_cases(path)
    with pytest.raises(HearthError, match="cannot read"):
        load_cases(tmp_path / "missing.jsonl")


def test_replay_on_smollm_passes_the_recorded_answer_and_fails_a_wrong_one(chat, smollm_path, capsys):
    session_id = chat.store.create_session(system_prompt="You are a helpful assistant.")
    question = chat.store.add_message(session_id, "user", "Name three colours.")
    messages = [ChatMessage("system", "You are a helpful assistant."),
                ChatMessage("user", "Name three colours.")]
    params = SamplingParams(temperature=0.7, max_tokens=8, seed=4242)
    with EngineClient() as client:
        client.load(LoadOptions(str(smollm_path), n_ctx=1024))
        done = client.chat(messages, params).collect()
    answer = chat.store.begin_assistant(session_id, question.id, model_file=str(smollm_path),
                                        model_sha256=SMOLLM_SHA256, params=params.to_dict())
    chat.store.finish_assistant(answer.id, done.text, done.finish_reason, metrics=done.stats(), seed=done.seed)
    recorded = _store_report(chat, kind="bug", message_id=answer.id, expected=done.text, match="exact")
    wrong = _store_report(chat, kind="bug", message_id=answer.id, expected="Purple, teal and gold.",
                          match="exact")
    code = main(["eval", "regressions", "-m", str(smollm_path), "--format", "json", "--n-ctx", "1024"])
    report = json.loads(capsys.readouterr().out)
    verdicts = {case["case_id"]: case["passed"] for case in report["cases"]}
    assert verdicts == {recorded["id"]: True, wrong["id"]: False}
    assert code == 1 and report["passed"] == 1 and report["total"] == 2
    assert report["model_sha256"] == SMOLLM_SHA256
    failing = next(case for case in report["cases"] if not case["passed"])
    assert failing["answer"] == done.text and failing["reason"] == "the answer differs from the expected text"


def test_replay_refuses_cases_recorded_on_another_model_unless_any_model(chat, smollm_path, capsys):
    session_id = chat.store.create_session()
    question = chat.store.add_message(session_id, "user", "Say yes.")
    other = chat.store.begin_assistant(session_id, question.id, model_file="other-model.Q8_0.gguf",
                                       model_sha256="cd" * 32, params={"max_tokens": 4, "seed": 1})
    chat.store.finish_assistant(other.id, "yes", "stop")
    case = _store_report(chat, kind="bug", message_id=other.id, expected="yes", match="contains")
    capsys.readouterr()
    assert main(["eval", "regressions", "-m", str(smollm_path), "--n-ctx", "512"]) == 1
    error = capsys.readouterr().err.splitlines()[-1]  # after "computing the sha256 of ..." if not cached
    assert error.startswith("hearth: error: 1 of 1 case was recorded on another model")
    err = error
    assert f"case {case['id'][:12]}: other-model.Q8_0.gguf with sha256 cdcdcdcdcdcd" in err
    assert "--any-model" in err and smollm_path.name in err

    main(["eval", "regressions", "-m", str(smollm_path), "--n-ctx", "512", "--any-model", "--format", "json"])
    out, err = capsys.readouterr()
    assert "hearth: warning: 1 of 1 case was recorded on another model" in err and "replaying anyway" in err
    assert json.loads(out)["total"] == 1
