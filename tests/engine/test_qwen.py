"""The offline default model: Qwen2.5-Coder-0.5B (qwen2, 151,936-token vocabulary)."""
import pytest

from desktop.chat_messages import ChatMessage
from desktop.engine import Done, LoadOptions, SamplingParams, Token
from desktop.engine.client import EngineClient

pytestmark = pytest.mark.slow


def test_qwen_answers_with_its_own_template_in_english_and_chinese(qwen_path):
    with EngineClient() as engine:
        info = engine.load(LoadOptions(str(qwen_path), n_ctx=1024))
        assert info.architecture == "qwen2" and info.chat_template_source == "gguf"
        assert engine.load_warning is None
        messages = [ChatMessage("system", "你是一个助手"),
                    ChatMessage("user", "用一句话介绍北京。")]
        events = list(engine.chat(messages, SamplingParams(max_tokens=24, seed=9)))
        done = events[-1]
        assert isinstance(done, Done) and done.completion_tokens > 0
        assert "".join(e.text for e in events if isinstance(e, Token)) == done.text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in done.text)  # Chinese came back whole
        again = engine.chat(messages, SamplingParams(max_tokens=24, seed=9)).collect()
        assert again.text == done.text
