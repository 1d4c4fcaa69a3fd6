"""Sessions and message trees: nothing is overwritten, branches are remembered, trash is undoable."""
from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from desktop import paths
from desktop.engine.types import SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError


def test_the_store_lives_in_the_data_directory(store):
    assert store.path == paths.database_path() and store.path.exists()
    assert store.recovery_notice is None


def test_a_session_keeps_its_settings(store):
    sid = store.create_session(system_prompt="You are terse.", model="qwen", params={"top_k": 20},
                               json_mode={"kind": "json_schema", "schema": {"type": "object"}},
                               folder="work", tags=["rust", "ideas"])
    session = store.get_session(sid)
    assert isinstance(sid, int)
    assert (session.system_prompt, session.model, session.params) == ("You are terse.", "qwen", {"top_k": 20})
    assert session.json_mode == {"kind": "json_schema", "schema": {"type": "object"}}
    assert (session.folder, session.tags, session.pinned, session.deleted_at) == ("work", ["rust", "ideas"], False, None)
    assert session.created_at <= session.updated_at


def test_the_title_comes_from_the_first_question_until_the_user_edits_it(store):
    sid = store.create_session()
    store.add_message(sid, "user", "  How do I\n  reverse a list in Python?")
    assert store.get_session(sid).title == "How do I"
    store.add_message(sid, "user", "Something else entirely")
    assert store.get_session(sid).title == "How do I"
    first = store.active_path(sid)[0]
    store.edit_message(first.id, "How do I sort a list?")  # a new first question, a new title
    assert store.get_session(sid).title == "How do I sort a list?"
    session = store.update_session(sid, title="Lists")
    store.edit_message(first.id, "Another try")  # the user's own title stays
    assert (session.title, session.title_auto) == ("Lists", False)
    assert store.get_session(sid).title == "Lists"
    long = store.create_session()
    store.add_message(long, "user", "word " * 40)
    title = store.get_session(long).title
    assert title.endswith("…") and len(title) <= 61 and not title.startswith(" ")


def test_update_session_changes_named_fields_and_refuses_others(store):
    sid = store.create_session()
    session = store.update_session(sid, pinned=True, folder="home", tags=["a"], params={"seed": 3},
                                   json_mode=None, system_prompt="Hi", model="m")
    assert (session.pinned, session.folder, session.tags, session.params) == (True, "home", ["a"], {"seed": 3})
    with pytest.raises(HearthError, match="cannot change colour"):
        store.update_session(sid, colour="red")
    with pytest.raises(HearthError, match="no session 999"):
        store.update_session(999, title="x")


def test_sessions_list_newest_first_pinned_on_top_and_filter(store):
    a = store.create_session(folder="f", tags=["x"])
    b = store.create_session()
    c = store.create_session()
    store.add_message(a, "user", "bump a")  # a is now the most recently updated
    assert [s.id for s in store.list_sessions()] == [a, c, b]
    store.update_session(b, pinned=True)
    assert [s.id for s in store.list_sessions()] == [b, a, c]
    assert [s.id for s in store.list_sessions(pinned_first=False)][0] == b  # b was updated last
    assert [s.id for s in store.list_sessions(limit=1, offset=1)] == [a]
    assert [s.id for s in store.list_sessions(folder="f")] == [a]
    assert [s.id for s in store.list_sessions(tag="x")] == [a]


def test_deleting_is_undoable_until_the_trash_is_emptied(store, chat):
    sid = chat["sid"]
    store.delete_session(sid)
    assert store.list_sessions() == [] and [s.id for s in store.list_sessions(trash=True)] == [sid]
    assert store.get_session(sid).deleted_at is not None
    store.restore_session(sid)
    assert [s.id for s in store.list_sessions()] == [sid]
    assert len(store.active_path(sid)) == 2
    store.delete_session(sid)
    assert store.empty_trash() == 1
    with pytest.raises(HearthError, match=f"no session {sid}"):
        store.get_session(sid)
    assert store._connection().execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_an_answer_records_how_it_was_made(store):
    sid = store.create_session()
    question = store.add_message(sid, "user", "Give me JSON")
    params = SamplingParams(temperature=0.0, seed=None)
    constraint = Constraint(kind="json_object")
    answer = store.begin_assistant(sid, question.id, model_file="m.gguf", model_sha256="f" * 64,
                                   params=params, constraint=constraint)
    assert answer.content == "" and answer.streaming and answer.parent_id == question.id
    store.save_partial(answer.id, '{"a"')
    assert store.get_message(answer.id).content == '{"a"'
    done = store.finish_assistant(answer.id, '{"a": 1}', "stop", seed=1234,
                                  metrics={"prompt_tokens": 9, "completion_tokens": 5, "ttft_s": 0.1,
                                           "decode_tok_s": 50.0})
    assert not done.streaming and done.finish_reason == "stop" and done.finished_at >= done.created_at
    assert done.params["seed"] == 1234 and done.params["temperature"] == 0.0
    assert done.constraint["kind"] == "json_object"
    assert (done.model_file, done.model_sha256) == ("m.gguf", "f" * 64)
    assert done.metrics["decode_tok_s"] == 50.0
    store.set_rating(done.id, -1)
    assert store.get_message(done.id).rating == -1
    store.set_rating(done.id, None)
    assert store.get_message(done.id).rating is None
    with pytest.raises(HearthError, match="rating"):
        store.set_rating(done.id, 5)


def test_regenerating_adds_a_sibling_and_switching_goes_back(store, chat):
    sid, first, second = chat["sid"], chat["first"], chat["second"]
    assert [m.content for m in store.active_path(sid)] == ["What is the capital of France?",
                                                          "The capital is Paris."]
    assert [m.id for m in store.siblings(second.id)] == [first.id, second.id]
    path = store.switch_branch(first.id)
    assert [m.id for m in path] == [chat["question"].id, first.id]
    assert store.get_session(sid).active_leaf_id == first.id
    assert len(store.messages(sid)) == 3  # nothing was overwritten


def test_editing_a_question_branches_and_switching_finds_the_latest_leaf(store, chat):
    sid, question = chat["sid"], chat["question"]
    follow_up = store.add_message(sid, "user", "And of Spain?")  # continues after the active answer
    edited = store.edit_message(question.id, "What is the capital of Italy?")
    assert edited.parent_id is None and edited.id != question.id
    assert [m.content for m in store.active_path(sid)] == ["What is the capital of Italy?"]
    assert [m.id for m in store.siblings(edited.id)] == [question.id, edited.id]
    assert store.get_message(question.id).content == "What is the capital of France?"
    # Back to the old question: the active path goes down to the newest message below it.
    assert store.switch_branch(question.id)[-1].id == follow_up.id


def test_bad_references_are_refused(store):
    a, b = store.create_session(), store.create_session()
    msg = store.add_message(a, "user", "hi")
    with pytest.raises(HearthError, match="not part of session"):
        store.add_message(b, "user", "hello", parent_id=msg.id)
    with pytest.raises(HearthError, match="role"):
        store.add_message(a, "tool", "x")
    with pytest.raises(HearthError, match="no message 4242"):
        store.switch_branch(4242)


def test_each_thread_gets_its_own_connection(store):
    sid = store.create_session()
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                store.add_message(sid, "user", f"thread {n} message {i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.messages(sid)) == 80
    assert len(store._connections) == 5


WRITER = """
import sys
from desktop.store import Store
store = Store.open(sys.argv[1])
sid = int(sys.argv[2])
for i in range(50):
    store.add_message(sid, "user", f"process {sys.argv[3]} message {i}")
"""


def test_several_processes_write_at_once(store):
    sid = store.create_session()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(store.path), str(sid), str(n)],
                              stderr=subprocess.PIPE, text=True) for n in range(3)]
    for _ in range(50):
        store.add_message(sid, "user", "from the test")
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    assert len(store.messages(sid)) == 200
