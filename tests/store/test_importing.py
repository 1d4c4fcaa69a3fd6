"""Import: Hearth JSON round trips losslessly; OpenAI JSONL and ChatGPT exports come in with their
branches; a bad file is named by line or field and imports nothing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.errors import HearthError
from desktop.store.exporting import export
from desktop.store.importing import import_file
from desktop.store import Store

DATA = Path(__file__).parent / "data"


def _without_ids(document: dict) -> list[dict]:
    """Session documents minus the database ids, which a new store assigns afresh."""
    return [{k: v for k, v in s.items() if k != "id"} for s in document["sessions"]]


def test_hearth_json_round_trip_is_lossless(store, chat, tmp_path):
    store.set_rating(chat["first"].id, 1)
    store.edit_message(chat["question"].id, "Capital of Italy?")
    store.switch_branch(chat["first"].id)
    store.update_session(chat["sid"], title="Capitals", pinned=True, folder="geo", tags=["eu"],
                         json_mode={"kind": "json"})
    trashed = store.create_session(system_prompt="gone")
    store.add_message(trashed, "user", "old")
    store.delete_session(trashed)
    exported = export(store, [chat["sid"], trashed], "json")
    path = tmp_path / "export.json"
    path.write_text(exported, encoding="utf-8")

    with Store.open(tmp_path / "other.sqlite3") as other:
        other.create_session()  # ids in the new store differ from the old ones
        new_ids = import_file(other, path)
        assert len(new_ids) == 2 and chat["sid"] not in new_ids
        again = json.loads(export(other, new_ids, "json"))
        assert _without_ids(again) == _without_ids(json.loads(exported))
        assert [m.content for m in other.active_path(new_ids[0])] == ["What is the capital of France?", "Paris."]
        assert [s.id for s in other.list_sessions(trash=True)] == [new_ids[1]]


def test_openai_jsonl_becomes_one_session_per_line(store, tmp_path):
    path = tmp_path / "train.jsonl"
    lines = [{"messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"},
                           {"role": "assistant", "content": "Hello!"}]},
             {"messages": [{"role": "user", "content": [{"type": "text", "text": "Parts "},
                                                        {"type": "text", "text": "joined"}]}]}]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    first, second = import_file(store, path)
    assert store.get_session(first).system_prompt == "Be kind."
    assert store.get_session(first).title == "Hi"
    assert [(m.role, m.content) for m in store.active_path(first)] == [("user", "Hi"), ("assistant", "Hello!")]
    assert store.active_path(second)[0].content == "Parts joined"
    # And back out: the same lines (the export is the import's inverse for the active path).
    assert [json.loads(line) for line in export(store, [first, second], "jsonl").splitlines()] == [
        lines[0], {"messages": [{"role": "user", "content": "Parts joined"}]}]


def test_chatgpt_export_keeps_branches_and_the_current_node(store):
    penguins, empty = import_file(store, DATA / "chatgpt_conversations.json")
    session = store.get_session(penguins)
    assert (session.title, session.title_auto, session.model) == ("Penguin facts", False, "gpt-4o")
    assert session.created_at == 1700000000.0
    path = store.active_path(penguins)
    assert [(m.role, m.content) for m in path] == [
        ("user", "Where do penguins live?"), ("assistant", "Mostly in Antarctica\n and nearby."),
        ("user", "企鹅会飞吗？")]  # hidden system root and the tool result are left out
    assert len(store.siblings(path[1].id)) == 2  # the other answer is a branch
    assert path[0].created_at == 1700000010.0
    assert store.messages(empty) == [] and store.get_session(empty).title == "Empty chat"
    assert [h.session.id for h in store.search("企鹅")] == [penguins]


BAD_FILES = {
    "empty.json": ("", "the file is empty"),
    "broken.json": ('{"format": "hearth-sessions",\n "version": 1,\n "sessions": [}\n',
                    "line 3 column 15: not valid JSON"),
    "lines.jsonl": ('{"messages": [{"role": "user", "content": "ok"}]}\n{"messages": [oops]}\n',
                    "line 2: not valid JSON"),
    "role.jsonl": ('{"messages": [{"role": "user", "content": "ok"}]}\n'
                   '{"messages": [{"role": "user", "content": "a"}, {"role": "robot", "content": "b"}]}\n',
                   r"line 2: messages\[1\].role must be one of system, user, assistant"),
    "content.jsonl": ('{"messages": [{"role": "user", "content": 5}]}\n{"messages": []}\n',
                      r"line 1: messages\[0\].content must be a string"),
    "newer.json": ('{"format": "hearth-sessions", "version": 9, "sessions": []}', "version 9 is newer"),
    "parent.json": (json.dumps({"format": "hearth-sessions", "version": 1, "sessions": [{
        "title": "t", "title_auto": False, "created_at": 1, "updated_at": 1, "pinned": False,
        "folder": "", "tags": [], "system_prompt": "", "model": "", "params": {}, "json_mode": None,
        "deleted_at": None, "active_leaf": None,
        "messages": [{"id": 1, "parent": 5, "role": "user", "content": "x", "created_at": 1}]}]}),
        r"sessions\[0\].messages\[0\].parent 5 is not an earlier message"),
    "title.json": ('{"format": "hearth-sessions", "version": 1, "sessions": [{"title": 3}]}',
                   r"sessions\[0\].title must be a string"),
    "chatgpt.json": ('[{"title": "x", "mapping": {"a": {"parent": null, "children": ["zz"], "message": null}}}]',
                     r"\[0\].mapping has no node 'zz'"),
    "other.json": ('{"hello": "world"}', "not a Hearth JSON export, OpenAI chat JSONL"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_names_the_problem_and_imports_nothing(store, chat, tmp_path, name):
    text, problem = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = export(store, None, "json").split('"sessions"')[1]
    with pytest.raises(HearthError, match=problem) as info:
        import_file(store, path)
    message = str(info.value)
    assert "\n" not in message and name in message and "nothing was imported" in message
    assert export(store, None, "json").split('"sessions"')[1] == before


def test_unreadable_files_are_named(store, tmp_path):
    with pytest.raises(HearthError, match="no such file"):
        import_file(store, tmp_path / "missing.json")
    binary = tmp_path / "photo.json"
    binary.write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    with pytest.raises(HearthError, match="not UTF-8"):
        import_file(store, binary)
