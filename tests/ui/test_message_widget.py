"""One message on screen: text, numbers, JSON badge, branch switcher and actions."""
from PySide6.QtGui import QGuiApplication

from desktop.store.records import Message
from desktop.ui.conversation.message import MessageWidget, pretty_json


def answer(**changes) -> Message:
    fields = dict(id=2, session_id=1, parent_id=1, role="assistant", content="**Hello**", created_at=0.0,
                  finished_at=1.0, model_file="SmolLM2-135M-Instruct.Q4_1.gguf", finish_reason="stop",
                  metrics={"completion_tokens": 12, "decode_tok_s": 31.25, "ttft_s": 0.123})
    fields.update(changes)
    return Message(**fields)


def test_answer_shows_markdown_author_and_numbers(qtbot):
    widget = MessageWidget(answer())
    qtbot.addWidget(widget)
    assert widget.author.text() == "SmolLM2-135M-Instruct.Q4_1"
    assert "<strong>Hello</strong>" in widget.body.block_widgets()[0].text()
    assert widget.stats.full_text == "12 tokens · 31.2 tokens/s · 0.12 s to first token"
    assert not widget.edit_button.isVisibleTo(widget) and widget.regenerate_button.isVisibleTo(widget)


def test_user_text_is_shown_as_typed(qtbot):
    widget = MessageWidget(answer(id=1, parent_id=None, role="user", content="**not bold** <b>x</b>",
                                  metrics=None, finish_reason=None))
    qtbot.addWidget(widget)
    assert widget.plain.text() == "**not bold** <b>x</b>"
    assert widget.edit_button.isVisibleTo(widget) and not widget.thumb_up.isVisibleTo(widget)


def test_invalid_json_gets_a_red_badge_with_the_reason(qtbot):
    widget = MessageWidget(answer(content='{"a": 1', constraint={"kind": "json"},
                                  metrics={"json_valid": False, "json_error": "unexpected end"}))
    qtbot.addWidget(widget)
    assert widget.badge.text() == "✗ Invalid JSON: unexpected end"
    assert widget.badge.property("valid") is False
    assert widget.body.text == '{"a": 1'  # shown as it came, not re-indented


def test_a_json_answer_wrapped_up_near_the_token_limit_says_so(qtbot):
    widget = MessageWidget(answer(content='{"fruits": ["apple"]}', constraint={"kind": "json"},
                                  metrics={"completion_tokens": 48, "json_valid": True, "wrapped_up": True}))
    qtbot.addWidget(widget)
    assert widget.stats.full_text == "48 tokens · wrapped up before the token limit"
    assert widget.badge.text() == "✓ Valid JSON"


def test_branch_switcher_only_with_alternatives(qtbot):
    widget = MessageWidget(answer(id=5), siblings=[2, 5, 9])
    qtbot.addWidget(widget)
    assert widget.branch_label.text() == "2/3" and widget.previous_branch.isVisibleTo(widget)
    with qtbot.waitSignal(widget.branch_requested) as blocker:
        widget.next_branch.click()
    assert blocker.args == [9]
    widget.set_siblings([5])
    assert not widget.branch_label.isVisibleTo(widget)


def test_copy_rate_and_stopped_note(qtbot):
    widget = MessageWidget(answer(finish_reason="cancelled", metrics={}))
    qtbot.addWidget(widget)
    assert widget.stats.full_text == "stopped"
    widget.copy_button.click()
    assert QGuiApplication.clipboard().text() == "**Hello**"
    with qtbot.waitSignal(widget.rated) as blocker:
        widget.thumb_down.click()
    assert blocker.args == [2, -1] and widget.thumb_down.isChecked()


def test_pretty_json():
    assert pretty_json('{"a":[1,2]}') == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert pretty_json("not json") is None
