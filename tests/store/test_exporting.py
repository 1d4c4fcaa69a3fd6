"""Export: Markdown to read, Hearth JSON that loses nothing, OpenAI JSONL for fine-tuning."""
from __future__ import annotations

import json

import pytest

from desktop.errors import HearthError
from desktop.store.exporting import export


def test_markdown_shows_the_active_path_with_answer_details(store, chat):
    text = export(store, [chat["sid"]], "md")
    assert text.startswith("# What is the capital of France?\n")
    assert "## System\n\nBe brief." in text and "## User\n\nWhat is the capital of France?" in text
    assert "## Assistant\n\nThe capital is Paris." in text and "Paris." + "\n" not in text.split("## Assistant")[1][:8]
    assert "SmolLM2.gguf" in text and "stop" in text


def test_hearth_json_is_versioned_and_keeps_every_branch(store, chat):
    document = json.loads(export(store, [chat["sid"]], "json"))
    assert (document["format"], document["version"]) == ("hearth-sessions", 1)
    [session] = document["sessions"]
    assert session["system_prompt"] == "Be brief." and session["params"] == {"temperature": 0.2}
    question, first, second = session["messages"]
    assert [m["id"] for m in session["messages"]] == [1, 2, 3]
    assert (first["parent"], second["parent"], session["active_leaf"]) == (1, 1, 3)
    assert first["params"] == {"temperature": 0.2, "seed": 7} and first["metrics"]["ttft_s"] == 0.05
    assert first["model_sha256"] == "ab" * 32 and question["role"] == "user"


def test_jsonl_is_one_openai_conversation_per_line(store, chat):
    other = store.create_session()
    store.add_message(other, "user", "hi")
    store.create_session()  # empty sessions are not training data
    lines = export(store, None, "jsonl").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first == {"messages": [{"role": "system", "content": "Be brief."},
                                  {"role": "user", "content": "What is the capital of France?"},
                                  {"role": "assistant", "content": "The capital is Paris."}]}
    assert json.loads(lines[1]) == {"messages": [{"role": "user", "content": "hi"}]}


def test_export_all_leaves_out_the_trash_and_names_unknown_things(store, chat):
    kept = store.create_session()
    store.delete_session(chat["sid"])
    assert [s["id"] for s in json.loads(export(store, None, "json"))["sessions"]] == [kept]
    with pytest.raises(HearthError, match="no session 77"):
        export(store, [77], "md")
    with pytest.raises(HearthError, match="unknown export format 'pdf'"):
        export(store, None, "pdf")
