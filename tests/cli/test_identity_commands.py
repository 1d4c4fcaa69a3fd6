"""Every stored answer and every report names its model exactly, however `hearth chat` was given
the model: the issue's own commands with a relative path, a catalog name, and answers stored
before the hash was known (an older Hearth, a Ctrl+C while hashing) or whose model is gone."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from desktop.cli.main import main
from desktop.models.catalog import find
from desktop.store import Store

SMOLLM = find("smollm2-135m")
ASK = ["--temperature", "0.3", "--seed", "7", "--max-tokens", "8", "Capital of France?"]


def _answers() -> list:
    with Store.open() as store:
        return [m for m in store.messages(1) if m.role == "assistant"]


def _exported_model_block(capsys, out: Path) -> dict:
    assert main(["feedback", "export", "--out", str(out)]) == 0
    capsys.readouterr()
    (line,) = out.read_text(encoding="utf-8").splitlines()
    return json.loads(line)["payload"]["model"]


def test_the_issues_commands_with_a_relative_path(smollm_path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copy(smollm_path, tmp_path / "SmolLM2-135M-Instruct.Q4_1.gguf")
    assert main(["chat", "-m", "./SmolLM2-135M-Instruct.Q4_1.gguf", *ASK]) == 0
    assert main(["feedback", "new", "--kind", "bug", "--session", "1", "--message", "x", "--expected", "Paris"]) == 0
    model = _exported_model_block(capsys, tmp_path / "fb.jsonl")
    (answer,) = _answers()
    assert answer.model_file == "SmolLM2-135M-Instruct.Q4_1.gguf" and answer.model_sha256 == SMOLLM.sha256
    assert model == {
        "kind": "file", "file": "SmolLM2-135M-Instruct.Q4_1.gguf", "sha256": SMOLLM.sha256,
        "architecture": "llama", "quantization": "Q4_1", "size_bytes": SMOLLM.size_bytes,
        "parameters": 134_515_008, "chat_template_sha256": model["chat_template_sha256"], "license": "apache-2.0",
        "source": "catalog: smollm2-135m (package index)", "source_url": None, "endpoint": None,
        "model_id": None, "incomplete_reason": None}
    assert len(model["chat_template_sha256"]) == 64
    monkeypatch.chdir(tmp_path.parent)  # the report still finds the facts once the file is out of sight
    assert main(["feedback", "new", "--kind", "bug", "--session", "1", "--expected", "Paris"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["quantization"] == "Q4_1"


def test_a_catalog_name_records_the_verified_hash_at_once(smollm_path, capsys):
    assert main(["chat", "-m", "smollm2-135m", *ASK]) == 0
    capsys.readouterr()
    (answer,) = _answers()
    assert (answer.model_file, answer.model_sha256) == (smollm_path.name, SMOLLM.sha256)


def test_an_answer_stored_before_the_hash_is_filled_in_by_the_report(smollm_path, tmp_path, capsys):
    copy = Path(shutil.copy(smollm_path, tmp_path / "dragged-in.gguf"))
    time.sleep(0.01)
    with Store.open() as store:
        sid = store.create_session()
        question = store.add_message(sid, "user", "Capital of France?")
        answer = store.begin_assistant(sid, question.id, model_file=str(copy), model_sha256=None)
        store.finish_assistant(answer.id, "Paris.", "stop")
    assert main(["feedback", "new", "--kind", "bug", "--session", str(sid), "--expected", "Paris"]) == 0
    out, err = capsys.readouterr()
    assert "computing the sha256 of dragged-in.gguf for the report (once per file)" in err
    model = json.loads(out)["model"]
    assert model["sha256"] == SMOLLM.sha256 and model["incomplete_reason"] is None
    assert _answers()[0].model_sha256 == SMOLLM.sha256  # the stored answer, too


@pytest.mark.parametrize("sha256, reason", [
    (None, "gone.gguf is not on this machine (neither at the recorded path nor in the models folder) "
           "and the answer was recorded without its sha256"),
    ("ef" * 32, "gone.gguf is not on this machine; only its name and sha256 are known"),
])
def test_a_model_that_cannot_be_identified_is_explained(sha256, reason, tmp_path, capsys):
    with Store.open() as store:
        sid = store.create_session()
        question = store.add_message(sid, "user", "Hi")
        answer = store.begin_assistant(sid, question.id, model_file=str(tmp_path / "gone.gguf"), model_sha256=sha256)
        store.finish_assistant(answer.id, "Hello!", "stop")
    assert main(["feedback", "new", "--kind", "bug", "--session", str(sid)]) == 0
    model = json.loads(capsys.readouterr().out)["model"]
    assert (model["file"], model["sha256"], model["architecture"], model["incomplete_reason"]) == (
        "gone.gguf", sha256, None, reason)


def test_models_identify_prints_what_answers_record(smollm_path, tmp_path, capsys):
    copy = shutil.copy(smollm_path, tmp_path / "any-name.gguf")
    assert main(["models", "identify", str(copy)]) == 0
    out, err = capsys.readouterr()
    found = json.loads(out)
    assert (found["file"], found["sha256"], found["quantization"]) == ("any-name.gguf", SMOLLM.sha256, "Q4_1")
    assert err == "hearth: computing the sha256 of any-name.gguf (once per file)\n"
    assert main(["models", "identify", str(copy)]) == 0 and capsys.readouterr().err == ""  # remembered


@pytest.mark.parametrize("content, message", [
    (b"GGUF" + b"\0" * 40, "any-name.gguf: unsupported GGUF version 0"),
    (None, "model file not found"),
])
def test_models_identify_refuses_what_is_not_a_model_in_one_line(content, message, tmp_path, capsys):
    path = tmp_path / "any-name.gguf"
    if content is not None:
        path.write_bytes(content)
    assert main(["models", "identify", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("hearth: error: ") and message in err[-1]
