"""`hearth chat` keeps a log in the store: every exchange saved, `--session` continues one."""
from __future__ import annotations

import io

from desktop import paths
from desktop.cli.main import main
from desktop.store import Store, chat_log
from desktop.store.chat_log import ChatLog


def test_chat_saves_each_exchange_and_continues_a_session(smollm_path, capsys):
    model = str(smollm_path)
    assert main(["chat", "-m", model, "--max-tokens", "8", "--seed", "3", "--system", "Be brief.",
                 "My name is Ada."]) == 0
    first_answer = capsys.readouterr().out.strip()
    with Store.open() as store:
        [session] = store.list_sessions()
        question, answer = store.active_path(session.id)
    assert (session.title, session.system_prompt) == ("My name is Ada.", "Be brief.")
    assert answer.content.strip() == first_answer and answer.finish_reason in ("stop", "length")
    assert answer.model_file == smollm_path.name and answer.params["seed"] == 3
    assert answer.metrics["completion_tokens"] > 0 and answer.metrics["prompt_tokens"] > 0

    assert main(["chat", "-m", model, "--max-tokens", "8", "--session", str(session.id),
                 "What is my name?"]) == 0
    with Store.open() as store:
        path = store.active_path(session.id)
    assert [m.role for m in path] == ["user", "assistant", "user", "assistant"]
    assert path[2].content == "What is my name?" and path[2].parent_id == answer.id
    # The model was sent the whole conversation, not just the new question.
    assert path[3].metrics["prompt_tokens"] > answer.metrics["prompt_tokens"] + 8


def test_no_save_does_not_even_open_the_store(tmp_path, capsys):
    assert main(["chat", "-m", str(tmp_path / "absent.gguf"), "--no-save", "Hi"]) == 1
    assert "model file not found" in capsys.readouterr().err
    assert not paths.database_path().exists()


def test_continuing_a_missing_or_trashed_session_is_one_clear_error(store, capsys):
    assert main(["chat", "--session", "41", "Hi"]) == 1
    assert capsys.readouterr().err == "hearth: error: there is no session 41 (see `hearth sessions list`)\n"
    sid = store.create_session()
    store.delete_session(sid)
    assert main(["chat", "--session", str(sid), "Hi"]) == 1
    assert "in the trash" in capsys.readouterr().err


def test_the_answer_is_saved_while_it_streams(store, monkeypatch):
    monkeypatch.setattr(chat_log, "SAVE_EVERY_S", 0.0)
    log = ChatLog.open(None, save=True, system=None, model="m", params={"seed": 1}, constraint=None)
    log.ask("Count", model_file="m.gguf", model_sha256=None, params={"seed": 1}, constraint=None)
    screen = io.StringIO()
    out = log.tee(screen)
    out.write("one ")
    out.write("two ")
    [_, answer] = store.active_path(log.session_id)
    assert answer.content == "one two " == screen.getvalue() and answer.streaming
    log.abort("cancelled")
    assert store.get_message(answer.id).finish_reason == "cancelled"
    log.close()



def test_a_model_that_fails_to_load_leaves_no_empty_session(tmp_path, capsys):
    assert main(["chat", "-m", str(tmp_path / "absent.gguf"), "Hi"]) == 1
    with Store.open() as store:
        assert store.list_sessions() == []
