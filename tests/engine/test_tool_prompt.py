"""Tools reach every chat template: as `tools` where the template reads them, else in the
built-in format with the same <tool_call> tags."""
from __future__ import annotations

import json

from desktop.engine.templates import BUILTIN_TEMPLATES, ChatTemplate

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
CONVERSATION = [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": "", "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call_1", "content": "18 C"},
]
# A template with its own tools branch, in the style of Qwen2.5's.
READS_TOOLS = (
    "{% if tools %}<|im_start|>system\nTOOLS:{% for t in tools %}{{ t | tojson }}{% endfor %}<|im_end|>\n{% endif %}"
    "{% for m in messages %}{% if m.tool_calls %}<|im_start|>assistant\n{% for c in m.tool_calls %}"
    "<tool_call>\n{{ c.function | tojson }}\n</tool_call>{% endfor %}<|im_end|>\n"
    "{% elif m.role == 'tool' %}<|im_start|>user\n<tool_response>{{ m.content }}</tool_response><|im_end|>\n"
    "{% else %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endif %}{% endfor %}"
    "<|im_start|>assistant\n")


def test_a_template_with_a_tools_branch_gets_the_tools_and_structured_turns() -> None:
    text = ChatTemplate(READS_TOOLS, "gguf", "", "").render(CONVERSATION, tools=TOOLS)
    assert f"TOOLS:{json.dumps(TOOLS[0])}" in text
    assert '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>' in text
    assert "<tool_response>18 C</tool_response>" in text


def test_a_template_without_one_gets_the_builtin_format() -> None:
    text = ChatTemplate(BUILTIN_TEMPLATES["chatml"][1], "builtin:chatml", "", "").render(CONVERSATION, tools=TOOLS)
    assert text.startswith("<|im_start|>system\nYou can call functions")
    assert json.dumps(TOOLS[0]) in text
    assert ('<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n'
            "</tool_call><|im_end|>") in text
    assert "<|im_start|>user\n<tool_response>\n18 C\n</tool_response><|im_end|>" in text


def test_without_tools_the_prompt_is_unchanged() -> None:
    template = ChatTemplate(BUILTIN_TEMPLATES["chatml"][1], "builtin:chatml", "", "")
    plain = [{"role": "user", "content": "Hi"}]
    assert template.render(plain) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
