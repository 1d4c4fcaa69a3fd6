"""chat_messages(): the one way a stored conversation becomes what the model reads."""
import pytest

from desktop.chat_messages import ChatMessage, chat_messages
from desktop.errors import HearthError
from desktop.store.records import Message


def stored(role: str, content: str, id_: int = 1) -> Message:
    return Message(id=id_, session_id=1, parent_id=None, role=role, content=content, created_at=0.0)


def test_the_system_prompt_comes_first_then_the_turns_in_order():
    path = [stored("user", "Hi", 1), stored("assistant", "Hello!", 2)]
    assert chat_messages("Be brief.", path) == [
        ChatMessage("system", "Be brief."), ChatMessage("user", "Hi"), ChatMessage("assistant", "Hello!")]


def test_no_system_message_without_a_system_prompt():
    assert chat_messages("", [stored("user", "Hi")]) == [ChatMessage("user", "Hi")]
    assert chat_messages(None, []) == []


def test_a_conversation_that_opens_with_its_own_system_message_is_not_given_a_second():
    path = [stored("system", "Imported prompt"), stored("user", "Hi", 2)]
    assert [m.role for m in chat_messages("Session prompt", path)] == ["system", "user"]


def test_messages_round_trip_through_the_wire_shape():
    message = ChatMessage("user", "你好")
    assert ChatMessage.from_dict(message.to_dict()) == message
    assert ChatMessage.from_dict({"role": "assistant", "content": None}) == ChatMessage("assistant", "")


@pytest.mark.parametrize("bad", [{"content": "no role"}, {"role": 3, "content": "x"}, "user: hi", None])
def test_a_malformed_message_is_one_clear_error(bad):
    with pytest.raises(HearthError, match="needs a 'role'"):
        ChatMessage.from_dict(bad)
