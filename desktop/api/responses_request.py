"""A /v1/responses request read into what the chat path already takes: messages, sampling
settings, a constraint (`text.format`) or tools. Stateless: nothing refers to an earlier response.

Input items map onto chat messages: `message` items (roles user, system, developer, assistant;
text parts), `function_call` items onto the assistant's tool calls, `function_call_output` items
onto tool messages; `reasoning` items (which other servers return and agent libraries send back)
carry nothing a model here can use and are left out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.api.constraints import request_constraint
from desktop.api.errors import ApiError
from desktop.api.fields import Field, checked
from desktop.api.params import COMMON_FIELDS, chat_messages, sampling_params
from desktop.api.tools import tool_request
from desktop.chat_messages import ChatMessage
from desktop.engine.types import SamplingParams
from desktop.jsonmode.constraint import Constraint

FIELDS: dict[str, Field] = {
    "input": Field("any", required=True),
    "instructions": Field("string"),
    "max_output_tokens": Field("integer", 1),
    "text": Field("object"),
    "tools": Field("array"),
    "tool_choice": Field("any"),
    "parallel_tool_calls": Field("boolean"),
    "store": Field("boolean"),
    "metadata": Field("object"),
    **{name: COMMON_FIELDS[name] for name in (
        "model", "stream", "temperature", "top_p", "top_k", "min_p", "seed", "presence_penalty",
        "frequency_penalty", "repeat_penalty")},
}
# Fields that need state kept between requests, which this server does not keep.
STATEFUL = ("previous_response_id", "conversation", "background", "prompt")
TEXT_PARTS = ("input_text", "output_text", "text")


@dataclass
class ResponsesRequest:
    fields: dict[str, Any]
    messages: list[ChatMessage]
    params: SamplingParams
    constraint: Constraint | None
    tools: list[dict[str, Any]] | None  # chat-shaped, for the template; None: no tool calls possible
    bare_calls: bool = True  # desktop.api.tools.ToolRequest.bare_calls


def read_request(body: dict[str, Any]) -> ResponsesRequest:
    if body.get("store") is True:
        raise ApiError(400, "'store': true is not supported: this server is stateless and keeps no "
                            "responses; send 'store': false and the whole conversation in 'input'",
                       param="store", code="unsupported_parameter")
    for name in STATEFUL:
        if body.get(name) not in (None, False):
            raise ApiError(400, f"'{name}' is not supported: this server is stateless; send the whole "
                                "conversation in 'input'", param=name, code="unsupported_parameter")
    fields = checked(body, FIELDS)
    messages = _messages(fields.get("instructions"), fields["input"])
    params = sampling_params(fields | {"max_tokens": fields.get("max_output_tokens")})
    constraint = _format_constraint(fields.get("text"))
    # None without tools; tool_choice alone is a 400. With text.format: calls or that format.
    tooling = tool_request(_chat_tools(fields), answer_format=constraint)
    tools = None
    if tooling is not None and tooling.constraint is not None:
        constraint, tools = tooling.constraint, tooling.tools
    return ResponsesRequest(fields, messages, params, constraint, tools,
                            bare_calls=tooling is None or tooling.bare_calls)


def _messages(instructions: str | None, raw: Any) -> list[ChatMessage]:
    chat: list[dict[str, Any]] = [{"role": "system", "content": instructions}] if instructions else []
    if isinstance(raw, str):
        chat.append({"role": "user", "content": raw})
    elif isinstance(raw, list) and raw:
        for i, item in enumerate(raw):
            _add_item(chat, f"input[{i}]", item)
    else:
        raise ApiError(400, "'input' must be a string or a non-empty array of input items", param="input")
    if not chat or all(m["role"] == "system" for m in chat):
        raise ApiError(400, "'input' holds no message to answer", param="input")
    try:
        return chat_messages(chat)
    except ApiError as exc:  # named after the chat messages the items became
        raise ApiError(400, f"'input': {exc.message}", param="input") from None


def _add_item(chat: list[dict[str, Any]], where: str, item: Any) -> None:
    if not isinstance(item, dict):
        raise ApiError(400, f"'{where}' must be an input item object", param=where)
    kind = item.get("type", "message")
    if kind == "message":
        role = item.get("role")
        if role not in ("user", "system", "developer", "assistant"):
            raise ApiError(400, f"'{where}.role' must be user, system, developer or assistant; got {role!r}",
                           param=f"{where}.role")
        chat.append({"role": role, "content": _text(f"{where}.content", item.get("content"))})
    elif kind == "function_call":
        call_id, name = item.get("call_id"), item.get("name")
        if not isinstance(call_id, str) or not isinstance(name, str):
            raise ApiError(400, f"'{where}': a function_call needs 'call_id', 'name' and 'arguments'", param=where)
        call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": item.get("arguments")}}
        if chat and chat[-1]["role"] == "assistant":  # calls of one turn go in one assistant message
            chat[-1].setdefault("tool_calls", []).append(call)
        else:
            chat.append({"role": "assistant", "content": None, "tool_calls": [call]})
    elif kind == "function_call_output":
        call_id = item.get("call_id")
        if not isinstance(call_id, str):
            raise ApiError(400, f"'{where}.call_id' is required for a function_call_output", param=f"{where}.call_id")
        chat.append({"role": "tool", "tool_call_id": call_id, "content": _text(f"{where}.output", item.get("output"))})
    elif kind != "reasoning":
        raise ApiError(400, f"'{where}.type' {kind!r} is not supported: this server takes message, "
                            "function_call and function_call_output items (text only, no stored items)",
                       param=f"{where}.type")


def _text(where: str, content: Any) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise ApiError(400, f"'{where}' must be a string or an array of content parts", param=where)
    texts = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in TEXT_PARTS or not isinstance(part.get("text"), str):
            raise ApiError(400, f"'{where}[{i}]' must be a text part (input_text / output_text); got type "
                                f"{kind!r}: this server runs a text-only model", param=where)
        texts.append(part["text"])
    return "\n".join(texts)


def _format_constraint(text: dict[str, Any] | None) -> Constraint | None:
    """`text.format` as the chat endpoint's `response_format`, checked the same way."""
    fmt = (text or {}).get("format")
    if fmt is None:
        return None
    if not isinstance(fmt, dict):
        raise ApiError(400, "'text.format' must be an object", param="text.format")
    if fmt.get("type") == "json_schema":
        response_format = {"type": "json_schema", "json_schema": {
            k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}}
    else:
        response_format = {"type": fmt.get("type")}
    try:
        return request_constraint({"response_format": response_format})
    except ApiError as exc:
        raise ApiError(400, exc.message.replace("response_format", "text.format"), param="text.format",
                       code=exc.code) from None


def _chat_tools(fields: dict[str, Any]) -> dict[str, Any]:
    """The Responses API's flat tools and tool_choice in the chat shape `tool_request` reads."""
    tools = []
    for tool in fields.get("tools") or []:
        if isinstance(tool, dict) and tool.get("type") == "function":
            function = {k: tool[k] for k in ("name", "description", "parameters") if k in tool}
            if tool.get("parameters") is None:
                function.pop("parameters", None)
            tools.append({"type": "function", "function": function})
        else:
            tools.append(tool)  # refused by tool_request, naming its type
    choice = fields.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        choice = {"type": "function", "function": {"name": choice.get("name")}}
    body: dict[str, Any] = {"tools": tools, "tool_choice": choice}
    if "parallel_tool_calls" in fields:
        body["parallel_tool_calls"] = fields["parallel_tool_calls"]
    return body
