"""POST /v1/responses: OpenAI's Responses API, stateless, answered by the chat path's engine call.

The request becomes chat messages, a constraint and tools (desktop.api.responses_request); the
answer becomes output items - a `message` with one `output_text` part, and a `function_call` item
per call, read out of the tool-call grammar's answer exactly as the chat endpoint reads it
(desktop.api.tool_stream). Streamed, the events are the ones the official client's
`responses.stream()` assembles: response.created, response.in_progress, then per item
output_item.added, (content_part.added, output_text.delta..., output_text.done,
content_part.done | function_call_arguments.delta..., function_call_arguments.done),
output_item.done, and at the end response.completed (response.incomplete when max_output_tokens
cut it), each with its sequence_number.
"""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from desktop.api.tool_stream import ToolCallStream, call_id
from desktop.engine.types import Done, EngineFailure, Event, Token
from desktop.jsonmode.tool_calls import parse_tool_calls


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


class ResponseShape:
    """One response: its id, the request's settings it echoes, its output items."""

    def __init__(self, fields: dict[str, Any], model: str, tools: bool, bare_calls: bool = True) -> None:
        self.id = _id("resp")
        self.created_at = int(time.time())
        self.fields = fields
        self.model = model
        self.tools = tools
        self.bare_calls = bare_calls  # desktop.api.tools.ToolRequest.bare_calls

    def envelope(self, status: str, output: list[dict[str, Any]], done: Done | None = None) -> dict[str, Any]:
        f = self.fields
        response: dict[str, Any] = {
            "id": self.id, "object": "response", "created_at": self.created_at, "status": status,
            "error": None, "incomplete_details": None, "instructions": f.get("instructions"),
            "max_output_tokens": f.get("max_output_tokens"), "model": self.model, "output": output,
            "parallel_tool_calls": f.get("parallel_tool_calls", True), "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None}, "store": False,
            "temperature": f.get("temperature"), "top_p": f.get("top_p"),
            "text": f.get("text") or {"format": {"type": "text"}},
            "tool_choice": f.get("tool_choice", "auto"), "tools": f.get("tools", []),
            "truncation": "disabled", "metadata": f.get("metadata") or {}, "usage": None,
        }
        if done is not None:
            response["usage"] = {
                "input_tokens": done.prompt_tokens,
                "input_tokens_details": {"cached_tokens": done.cached_tokens},
                "output_tokens": done.completion_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": done.prompt_tokens + done.completion_tokens,
            }
            if done.finish_reason == "length":
                response["status"] = "incomplete"
                response["incomplete_details"] = {"reason": "max_output_tokens"}
            else:
                response["completed_at"] = int(time.time())
        return response

    def whole(self, done: Done) -> dict[str, Any]:
        text, calls = parse_tool_calls(done.text, self.bare_calls) if self.tools and done.finish_reason == "stop" else (done.text, [])
        output = [message_item(_id("msg"), text, "completed")] if text or not calls else []
        output += [function_call_item(_id("fc"), call_id(), c.name, c.arguments, "completed") for c in calls]
        return self.envelope("completed", output, done)


def message_item(item_id: str, text: str, status: str) -> dict[str, Any]:
    content = [output_text(text)] if status == "completed" else []
    return {"type": "message", "id": item_id, "status": status, "role": "assistant", "content": content}


def output_text(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def function_call_item(item_id: str, call_id: str, name: str, arguments: str, status: str) -> dict[str, Any]:
    return {"type": "function_call", "id": item_id, "call_id": call_id, "name": name,
            "arguments": arguments, "status": status}


def _event(kind: str, number: int, data: dict[str, Any]) -> str:
    payload = {"type": kind, "sequence_number": number, **data}
    return f"event: {kind}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


class _EventWriter:
    """Turns the answer's text pieces into the stream's events, keeping the open item's state."""

    def __init__(self, shape: ResponseShape) -> None:
        self.shape = shape
        self.number = 0
        self.output: list[dict[str, Any]] = []  # finished items
        self.open: dict[str, Any] | None = None  # the item being streamed
        self.calls = ToolCallStream(shape.bare_calls) if shape.tools else None

    def emit(self, kind: str, **data: Any) -> str:
        text = _event(kind, self.number, data)
        self.number += 1
        return text

    def start(self) -> list[str]:
        response = self.shape.envelope("in_progress", [])
        return [self.emit("response.created", response=response),
                self.emit("response.in_progress", response=response)]

    def feed(self, text: str) -> list[str]:
        if self.calls is None:
            return self._text(text)
        out: list[str] = []
        for delta in self.calls.feed(text):
            out += self._delta(delta)
        return out

    def _delta(self, delta: dict[str, Any]) -> list[str]:
        if delta.get("content"):
            return self._text(delta["content"])
        out: list[str] = []
        for call in delta.get("tool_calls", []):
            function = call.get("function", {})
            if "id" in call:  # a new call: its name first, arguments to follow
                out += self._close()
                self.open = function_call_item(_id("fc"), call["id"], function["name"], "", "in_progress")
                out.append(self.emit("response.output_item.added", output_index=len(self.output),
                                     item=dict(self.open)))
            if function.get("arguments") and self.open is not None:
                self.open["arguments"] += function["arguments"]
                out.append(self.emit("response.function_call_arguments.delta", item_id=self.open["id"],
                                     output_index=len(self.output), delta=function["arguments"]))
        return out

    def _text(self, text: str) -> list[str]:
        out: list[str] = []
        if self.open is None or self.open["type"] != "message":
            out += self._close()
            self.open = message_item(_id("msg"), "", "in_progress")
            self.open["text"] = ""
            out.append(self.emit("response.output_item.added", output_index=len(self.output),
                                 item={k: v for k, v in self.open.items() if k != "text"}))
            out.append(self.emit("response.content_part.added", item_id=self.open["id"],
                                 output_index=len(self.output), content_index=0, part=output_text("")))
        self.open["text"] += text
        out.append(self.emit("response.output_text.delta", item_id=self.open["id"], output_index=len(self.output),
                             content_index=0, delta=text, logprobs=[]))
        return out

    def _close(self) -> list[str]:
        item, self.open = self.open, None
        if item is None:
            return []
        index = len(self.output)
        out: list[str] = []
        if item["type"] == "message":
            text = item.pop("text")
            out.append(self.emit("response.output_text.done", item_id=item["id"], output_index=index,
                                 content_index=0, text=text, logprobs=[]))
            out.append(self.emit("response.content_part.done", item_id=item["id"], output_index=index,
                                 content_index=0, part=output_text(text)))
            item = message_item(item["id"], text, "completed")
        else:
            out.append(self.emit("response.function_call_arguments.done", item_id=item["id"], output_index=index,
                                 name=item["name"], arguments=item["arguments"]))
            item = item | {"status": "completed"}
        out.append(self.emit("response.output_item.done", output_index=index, item=item))
        self.output.append(item)
        return out

    def finish(self, done: Done) -> list[str]:
        out: list[str] = []
        for delta in self.calls.flush() if self.calls is not None else []:
            out += self._delta(delta)
        if not self.output and self.open is None:  # an empty answer is still a message
            out += self._text("")
        out += self._close()
        response = self.shape.envelope("completed", self.output, done)
        kind = "response.completed" if response["status"] == "completed" else "response.incomplete"
        out.append(self.emit(kind, response=response))
        return out

    def failed(self, code: str, message: str) -> list[str]:
        return [self.emit("error", code=code, message=message, param=None)]


async def response_events(shape: ResponseShape, first: Event, events: AsyncIterator[Event]) -> AsyncIterator[str]:
    """The stream for an answer whose first engine event has already arrived."""
    writer = _EventWriter(shape)
    for text in writer.start():
        yield text
    event: Event | None = first
    while event is not None:
        if isinstance(event, Token) and event.text:
            for text in writer.feed(event.text):
                yield text
        elif isinstance(event, Done):
            if event.finish_reason == "cancelled":  # the client has gone
                return
            for text in writer.finish(event):
                yield text
            if event.json_valid is False and event.finish_reason == "stop":
                for text in writer.failed("invalid_constrained_output",
                                          f"the answer does not match the requested format: {event.json_error}"):
                    yield text
            return
        elif isinstance(event, EngineFailure):
            for text in writer.failed(f"engine_{event.kind}", event.message):
                yield text
            return
        event = await anext(events, None)
