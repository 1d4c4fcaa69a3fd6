"""Each destination against a local stand-in: an HTTPS server with its own certificate authority,
a Hugging Face hub speaking the upload calls, and the browser hand-off of a GitHub issue."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from desktop.errors import HearthError
from desktop.feedback.destinations import make_destination
from desktop.feedback.destinations.github import URL_LIMIT, issue_url, repo_from_url
from desktop.feedback.report import ReportRequest, draft_report, finalize, load_conversation


@pytest.fixture
def payload(chat):
    conversation = load_conversation(chat.store, chat.session_id, None)
    return finalize(draft_report(ReportRequest(kind="bug", description="Wrong capital 北京"), conversation))


# -- HTTPS endpoint -------------------------------------------------------------------------------

def test_https_endpoint_receives_the_exact_payload(https_endpoint, payload):
    destination = make_destination(f"url:{https_endpoint.url}", ca_file=https_endpoint.ca_file)
    assert destination.send(payload) == https_endpoint.url
    (received,) = https_endpoint.received
    assert received["json"] == payload and received["content_type"].startswith("application/json")


def test_https_endpoint_with_an_untrusted_certificate_gets_nothing(https_endpoint, payload):
    destination = make_destination(f"url:{https_endpoint.url}")  # the system's authorities only
    with pytest.raises(HearthError, match="certificate is not trusted.*nothing was sent"):
        destination.send(payload)
    assert https_endpoint.received == []


def test_https_endpoint_errors_are_one_line(https_endpoint, payload):
    https_endpoint.fail_status = 503
    destination = make_destination(f"url:{https_endpoint.url}", ca_file=https_endpoint.ca_file)
    with pytest.raises(HearthError, match="answered 503.*overloaded, try later"):
        destination.send(payload)


def test_plain_http_is_refused():
    with pytest.raises(HearthError, match="not an https:// address"):
        make_destination("url:http://127.0.0.1:9/reports")


# -- Hugging Face dataset -------------------------------------------------------------------------

def test_hub_upload_commits_one_file_per_report(hub, payload):
    where = make_destination("hf:jane/hearth-feedback").send(payload)
    stored = hub.files[f"jane/hearth-feedback:feedback/{payload['id']}.json"]
    assert json.loads(stored) == payload
    assert hub.commits == [f"Hearth feedback: {payload['title']}"]
    assert where.endswith("/datasets/jane/hearth-feedback/commit/abc123")


def test_hub_rejects_a_bad_login(hub, payload, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_NotTheRightTokenAtAll000000")
    with pytest.raises(HearthError, match="refused the upload to jane/ds \\(401\\)") as info:
        make_destination("hf:jane/ds").send(payload)
    assert "\n" not in str(info.value) and hub.files == {}


def test_hub_needs_a_login(hub, payload, monkeypatch, tmp_path):
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    with pytest.raises(HearthError, match="not logged in to Hugging Face"):
        make_destination("hf:jane/ds").send(payload)


# -- GitHub issue ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url, repo", [
    ("https://github.com/ggml-org/llama.cpp", "ggml-org/llama.cpp"),
    ("https://github.com/QwenLM/Qwen2.5.git", "QwenLM/Qwen2.5"),
    ("git@github.com:huggingface/smollm.git", "huggingface/smollm"),
    ("https://github.com/owner/repo/tree/main/models", "owner/repo"),
    ("https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct", None),
    ("https://github.com/owner", None),
    (None, None),
])
def test_the_model_source_names_a_github_repository(url, repo):
    assert repo_from_url(url) == repo


def test_issue_url_fits_and_keeps_whole_characters():
    body = "答案错了。" * 3000 + "END"
    url = issue_url("owner/repo", "Wrong answer", body)
    assert len(url) <= URL_LIMIT
    query = parse_qs(urlsplit(url).query)
    assert query["title"] == ["Wrong answer"]
    assert query["body"][0].startswith("答案错了。") and query["body"][0].endswith("the attached file has everything)")
    short = issue_url("owner/repo", "t", "short body")
    assert parse_qs(urlsplit(short).query)["body"] == ["short body"]


def test_github_issue_opens_the_browser_and_saves_the_attachment(payload, hearth_home):
    opened = []
    destination = make_destination("github:owner/repo", opener=opened.append)
    url = destination.send(payload)
    assert opened == [url] and url.startswith("https://github.com/owner/repo/issues/new?title=")
    body = parse_qs(urlsplit(url).query)["body"][0]
    assert "Wrong capital 北京" in body and f"hearth-feedback-{payload['id']}.json" in body
    assert str(hearth_home) not in body  # the attachment's folder would name the user
    assert json.loads(destination.attachment.read_text(encoding="utf-8")) == payload
    assert destination.attachment.parent == hearth_home / "feedback"


def test_github_needs_a_repository(payload):
    with pytest.raises(HearthError, match="no GitHub repository"):
        make_destination("github:", opener=print).send(payload)
    with pytest.raises(HearthError, match="not a GitHub repository"):
        make_destination("github:not a repo", opener=print).send(payload)


def test_unknown_destination():
    with pytest.raises(HearthError, match="unknown destination 'ftp'"):
        make_destination("ftp:somewhere")


def _tiny_gguf(path, **metadata):
    """A minimal but valid GGUF (one tensor, a two-token vocabulary) carrying `metadata`."""
    import numpy as np
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), "llama")
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(["a", "b"])
    writer.add_chat_template("{% for m in messages %}{{ m.content }}{% endfor %}")
    for key, value in metadata.items():
        writer.add_string(key, value)
    writer.add_tensor("token_embd.weight", np.zeros((2, 32), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_github_defaults_to_the_repository_the_model_names(chat, tmp_path, capsys):
    from desktop.cli.main import main

    model = tmp_path / "tiny.gguf"
    _tiny_gguf(model, **{"general.source.url": "https://huggingface.co/someone/tiny",
                         "general.url": "https://github.com/tiny-org/tiny-model"})
    answer = chat.store.begin_assistant(chat.session_id, chat.question_id, model_file=str(model),
                                        model_sha256="ef" * 32, params={"seed": 1})
    chat.store.finish_assistant(answer.id, "b a b", "stop")
    assert main(["feedback", "new", "--kind", "bug", "--message-id", str(answer.id)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["model"]["source_url"] == "https://github.com/tiny-org/tiny-model"
    opened = []
    destination = make_destination("github:", opener=opened.append)
    destination.send(payload)
    assert opened[0].startswith("https://github.com/tiny-org/tiny-model/issues/new?")
