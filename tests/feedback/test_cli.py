"""`hearth feedback ...` end to end: draft with preview, list, export, submit, retry, errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli.main import main


def test_new_prints_the_preview_and_saves_a_draft(chat, capsys):
    code = main(["feedback", "new", "--kind", "bug", "--session", str(chat.session_id),
                 "--message", "Wrong answer, reach me at jane@example.com", "--expected", "Paris"])
    out, err = capsys.readouterr()
    payload = json.loads(out)
    assert code == 0 and payload["description"] == "Wrong answer, reach me at [redacted:email]"
    assert payload["details"] == {"expected": "Paris", "match": "contains"}
    assert "draft 1 saved" in err and "nothing has been sent" in err and "e-mail addresses" in err
    (item,) = chat.store.outbox.list()
    assert (item.status, item.session_id, item.message_id) == ("draft", chat.session_id, chat.answer_id)


def test_list_show_and_export(chat, capsys, tmp_path):
    main(["feedback", "new", "--kind", "performance", "--message-id", str(chat.answer_id)])
    main(["feedback", "new", "--kind", "data", "--session", str(chat.session_id), "--domain", "education",
          "--ideal", "Paris.", "--consent"])
    capsys.readouterr()
    assert main(["feedback", "list"]) == 0
    table = capsys.readouterr().out
    assert "performance" in table and "data" in table and table.count("draft") == 2
    assert main(["feedback", "list", "--format", "json"]) == 0
    assert [r["kind"] for r in json.loads(capsys.readouterr().out)] == ["performance", "data"]
    assert main(["feedback", "show", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["details"]["domain"] == "education"
    out = tmp_path / "outbox.jsonl"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(line["id"], line["status"], line["payload"]["kind"]) for line in lines] == [
        (1, "draft", "performance"), (2, "draft", "data")]


def test_submit_to_an_https_endpoint_then_retry(chat, capsys, https_endpoint):
    main(["feedback", "new", "--kind", "bug", "--session", str(chat.session_id)])
    https_endpoint.fail_status = 500
    submit = ["feedback", "submit", "1", "--to", "url", "--url", https_endpoint.url,
              "--ca-file", https_endpoint.ca_file]
    capsys.readouterr()
    assert main(submit) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "report 1 not sent" in err and "answered 500" in err
    https_endpoint.fail_status = None
    assert main(submit) == 0
    assert capsys.readouterr().out.strip() == f"report 1 sent: {https_endpoint.url}"
    (item,) = chat.store.outbox.list()
    assert (item.status, item.attempts) == ("sent", 2)
    assert main(["feedback", "retry"]) == 0 and "nothing to retry" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["feedback", "new", "--kind", "bug"], "pass --session ID"),
    (["feedback", "new", "--kind", "bug", "--session", "77"], "there is no session 77"),
    (["feedback", "new", "--kind", "benchmark", "--file", "/nope.json"], "cannot read the benchmark file"),
    (["feedback", "show", "5"], "there is no outbox item 5"),
    (["feedback", "submit", "1", "--to", "url", "--url", "http://example.com"], "not an https:// address"),
    (["feedback", "submit", "1", "--to", "hf"], "--repo OWNER/DATASET"),
    (["feedback", "submit", "1", "--to", "github"], "pass --repo OWNER/REPO"),
    (["feedback", "export", "--out", "/no/such/folder/x.jsonl"], "does not exist"),
    (["feedback", "export", "--out", "/"], "cannot write /"),
    (["eval", "regressions", "-m", "/no/model.gguf"], "no regression cases"),
])
def test_errors_are_one_line(chat, capsys, argv, message):
    main(["feedback", "new", "--kind", "bug", "--session", str(chat.session_id)])
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("hearth: error: ") and message in err and err.count("\n") == 1


def test_submit_to_github_opens_the_browser(chat, tmp_path):
    """A real `hearth` process; $BROWSER (honoured by Python's webbrowser) records the address."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])\n")
    env = {**os.environ, "BROWSER": f"{sys.executable} {browser} %s"}
    run = [sys.executable, "-m", "desktop"]
    subprocess.run([*run, "feedback", "new", "--kind", "bug", "--session", str(chat.session_id)],
                   env=env, check=True, capture_output=True)
    result = subprocess.run([*run, "feedback", "submit", "1", "--to", "github", "--repo", "owner/repo"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert opened.read_text().startswith("https://github.com/owner/repo/issues/new?title=")
    attachment = Path(result.stdout.splitlines()[1].split(": ", 1)[1])
    assert attachment.is_file() and json.loads(attachment.read_text(encoding="utf-8"))["kind"] == "bug"


def test_data_contribution_is_sent_only_with_consent(chat, capsys, https_endpoint):
    main(["feedback", "new", "--kind", "data", "--session", str(chat.session_id), "--domain", "code"])
    submit = ["feedback", "submit", "1", "--to", "url", "--url", https_endpoint.url,
              "--ca-file", https_endpoint.ca_file]
    capsys.readouterr()
    assert main(submit) == 1 and "consent to its licence" in capsys.readouterr().err
    assert https_endpoint.received == [] and chat.store.outbox.get(1).status == "draft"
    assert main([*submit, "--consent"]) == 0
    assert https_endpoint.received[0]["json"]["details"]["consent"] is True


def test_regression_cases_export_as_a_test_set(chat, capsys, tmp_path):
    main(["feedback", "new", "--kind", "bug", "--session", str(chat.session_id), "--expected", "Paris",
          "--match", "exact"])
    out = tmp_path / "cases.jsonl"
    assert main(["eval", "regressions", "--export", str(out)]) == 0
    (case,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert (case["format"], case["expected"], case["match"]) == ("hearth-regression", "Paris", "exact")
    assert "wrote 1 case to" in capsys.readouterr().err
