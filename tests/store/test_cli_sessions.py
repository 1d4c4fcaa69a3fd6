"""`hearth sessions ...` end to end: the real command line on a real store."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from desktop.cli.main import main
from desktop.store import Store


@pytest.fixture
def two_sessions() -> tuple[int, int]:
    with Store.open() as store:
        older = store.create_session(system_prompt="Be brief.")
        question = store.add_message(older, "user", "Tell me about the weather in Paris")
        answer = store.begin_assistant(older, question.id)
        store.finish_assistant(answer.id, "Sunny, 天气很好.", "stop")
        newer = store.create_session()
        store.add_message(newer, "user", "Second chat")
    return older, newer


def test_list_is_newest_first_with_ids(two_sessions, capsys):
    older, newer = two_sessions
    assert main(["sessions", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in listed] == [newer, older]
    assert listed[1]["title"] == "Tell me about the weather in Paris"
    assert main(["sessions", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[0] == str(newer) and "Second chat" in lines[0]


def test_show_prints_the_conversation(two_sessions, capsys):
    assert main(["sessions", "show", str(two_sessions[0])]) == 0
    out = capsys.readouterr().out
    assert "[system]\nBe brief." in out and "[assistant]\nSunny, 天气很好." in out
    assert main(["sessions", "show", str(two_sessions[0]), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [m["role"] for m in shown["messages"]] == ["user", "assistant"]


def test_search_finds_chinese(two_sessions, capsys):
    assert main(["sessions", "search", "天气"]) == 0
    out = capsys.readouterr().out
    assert out.split()[0] == str(two_sessions[0]) and "«天气»" in out


def test_export_to_stdout_and_to_a_file_then_import_it_back(two_sessions, capsys, tmp_path):
    older, _ = two_sessions
    assert main(["sessions", "export", str(older), "--format", "md"]) == 0
    assert capsys.readouterr().out.startswith("# Tell me about the weather in Paris")
    out = tmp_path / "all.json"
    assert main(["sessions", "export", "--all", "--format", "json", "--out", str(out)]) == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["sessions"]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["all.json"]  # no temporary file left
    capsys.readouterr()
    assert main(["sessions", "import", str(out)]) == 0
    assert capsys.readouterr().out.startswith("imported 2 sessions")
    with Store.open() as store:
        assert len(store.list_sessions()) == 4


def test_delete_restore_and_empty_the_trash(two_sessions, capsys):
    older, newer = two_sessions
    assert main(["sessions", "delete", str(older)]) == 0
    assert "restore" in capsys.readouterr().out
    assert main(["sessions", "list", "--format", "json"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)] == [newer]
    assert main(["sessions", "restore", str(older)]) == 0
    assert main(["sessions", "delete", str(newer)]) == 0
    assert main(["sessions", "trash", "--empty"]) == 0
    assert "deleted 1 session for good" in capsys.readouterr().out
    assert main(["sessions", "list", "--format", "json"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)] == [older]


def test_errors_are_one_line_and_exit_1(two_sessions, capsys, tmp_path):
    assert main(["sessions", "show", "999"]) == 1
    err = capsys.readouterr().err
    assert err == "hearth: error: there is no session 999 (see `hearth sessions list`)\n"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": []}\n{"messages": 3}\n', encoding="utf-8")
    assert main(["sessions", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 2: messages must be a list" in err
    assert main(["sessions", "export", "1", "--format", "md", "--out", str(tmp_path / "no" / "x.md")]) == 1
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["sessions", "export", "--format", "md"],
                                  ["sessions", "export", "1", "--all", "--format", "md"],
                                  ["sessions", "export", "1", "--format", "pdf"],
                                  ["sessions", "show", "one"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_the_installed_command_runs(two_sessions):
    result = subprocess.run([sys.executable, "-m", "desktop", "sessions", "list", "--format", "json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2


@pytest.fixture
def writers() -> list[int]:
    """Three conversations full of 你好 and "question", and one that says each once."""
    with Store.open() as store:
        ids = []
        for n in range(1, 4):
            sid = store.create_session(title=f"writer {n}")
            for i in range(30):
                store.add_message(sid, "user", f"w{n} q{i} 你好, question")
            ids.append(sid)
        once = store.create_session(title="once")
        store.add_message(once, "user", "你好 and a question")
    return [once, *ids[::-1]]


def _listed(capsys) -> tuple[list[int], str]:
    captured = capsys.readouterr()
    return [int(line[:6]) for line in captured.out.splitlines() if line[:6].strip()], captured.err


@pytest.mark.parametrize("query", ["你好", "question"])
def test_search_lists_every_matching_conversation_a_page_at_a_time(writers, capsys, query):
    assert main(["sessions", "search", query]) == 0
    assert _listed(capsys)[0] == writers
    assert main(["sessions", "search", query, "--limit", "3"]) == 0
    first, hint = _listed(capsys)
    assert first == writers[:3] and hint == "more: --offset 3 or --page 2\n"
    assert main(["sessions", "search", query, "--limit", "3", "--page", "2"]) == 0
    assert _listed(capsys) == ([writers[3]], "")
    assert main(["sessions", "search", query, "--offset", "1", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(h["session"]["id"], h["matches"]) for h in found] == [(s, 30) for s in writers[1:]]


def test_search_finds_titles_and_says_what_matched(writers, capsys):
    assert main(["sessions", "search", "writer"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split(None, 1) == [str(writers[1]), "writer 3  (title)"]
    assert main(["sessions", "search", "question"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("once  (1 match)")


@pytest.mark.parametrize("flags", [["--page", "0"], ["--limit", "-1"], ["--offset", "x"]])
def test_search_paging_rejects_bad_numbers_in_one_line(writers, capsys, flags):
    with pytest.raises(SystemExit) as exit_:
        main(["sessions", "search", "你好", *flags])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("hearth: error: argument --")
