"""Reading other files into Hearth JSON session documents, checking every field on the way.

Each reader turns its source into the session documents of Hearth's own format (see exporting.py),
so one writer stores them all. A problem is reported as `ImportProblem("<where>: <what>")`, where
names the line or field (`line 3: messages[1].role`, `sessions[0].messages[4].parent`).
"""
from __future__ import annotations

import json
from typing import Any

from desktop.store.exporting import FORMAT_NAME, FORMAT_VERSION
from desktop.store.records import ROLES, automatic_title

TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
              list: "a list", dict: "an object"}


class ImportProblem(ValueError):
    """What is wrong with an import file, and where."""


def need(value: Any, kinds: type | tuple[type, ...], where: str, optional: bool = False) -> Any:
    if optional and value is None:
        return value
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    wrong_bool = isinstance(value, bool) and bool not in kinds
    if wrong_bool or not isinstance(value, kinds):
        names = " or ".join(TYPE_NAMES[k] for k in kinds) + (" or null" if optional else "")
        raise ImportProblem(f"{where} must be {names}, not {json.dumps(value)[:40]}")
    return value


def _role(value: Any, where: str) -> str:
    if value not in ROLES:
        raise ImportProblem(f"{where} must be one of {', '.join(ROLES)}, not {json.dumps(value)[:40]}")
    return value


def new_session(messages: list[dict[str, Any]], created_at: float, title: str = "",
                system_prompt: str = "", model: str = "", active_leaf: int | None = None) -> dict[str, Any]:
    """A session document with defaults for everything a foreign format does not carry."""
    first_user = next((m["content"] for m in messages if m["role"] == "user"), "")
    updated = max([created_at] + [m["created_at"] for m in messages])
    return {"title": title or automatic_title(first_user), "title_auto": not title,
            "created_at": created_at, "updated_at": updated, "pinned": False, "folder": "", "tags": [],
            "system_prompt": system_prompt, "model": model, "params": {}, "json_mode": None,
            "deleted_at": None, "messages": messages,
            "active_leaf": active_leaf if active_leaf is not None else (messages[-1]["id"] if messages else None)}


# -- Hearth JSON -----------------------------------------------------------------------------------

SESSION_FIELDS: dict[str, tuple[Any, bool]] = {  # key -> (type, may be null)
    "title": (str, False), "title_auto": (bool, False), "created_at": ((int, float), False),
    "updated_at": ((int, float), False), "pinned": (bool, False), "folder": (str, False),
    "tags": (list, False), "system_prompt": (str, False), "model": (str, False),
    "params": (dict, False), "json_mode": (dict, True), "deleted_at": ((int, float), True),
}
MESSAGE_FIELDS: dict[str, tuple[Any, bool]] = {
    "content": (str, False), "created_at": ((int, float), False), "finished_at": ((int, float), True),
    "model_file": (str, True), "model_sha256": (str, True), "params": (dict, True),
    "constraint": (dict, True), "metrics": (dict, True), "finish_reason": (str, True),
    "rating": (int, True),
}


def read_hearth(document: dict[str, Any]) -> list[dict[str, Any]]:
    if document.get("format") != FORMAT_NAME:
        raise ImportProblem(f"format must be {FORMAT_NAME!r}, not {json.dumps(document.get('format'))}")
    version = need(document.get("version"), int, "version")
    if version > FORMAT_VERSION:
        raise ImportProblem(f"version {version} is newer than this Hearth reads ({FORMAT_VERSION}); "
                            "update Hearth")
    sessions = need(document.get("sessions"), list, "sessions")
    for n, session in enumerate(sessions):
        _check_hearth_session(need(session, dict, f"sessions[{n}]"), f"sessions[{n}]")
    return sessions


def _check_hearth_session(session: dict[str, Any], where: str) -> None:
    for key, (kind, nullable) in SESSION_FIELDS.items():
        need(session.get(key), kind, f"{where}.{key}", optional=nullable)
    for n, tag in enumerate(session["tags"]):
        need(tag, str, f"{where}.tags[{n}]")
    seen: set[int] = set()
    for n, message in enumerate(need(session.get("messages"), list, f"{where}.messages")):
        at = f"{where}.messages[{n}]"
        need(message, dict, at)
        message_id = need(message.get("id"), int, f"{at}.id")
        if message_id in seen:
            raise ImportProblem(f"{at}.id {message_id} is used twice")
        parent = need(message.get("parent"), int, f"{at}.parent", optional=True)
        if parent is not None and parent not in seen:
            raise ImportProblem(f"{at}.parent {parent} is not an earlier message of this session")
        _role(message.get("role"), f"{at}.role")
        for key, (kind, nullable) in MESSAGE_FIELDS.items():
            need(message.get(key), kind, f"{at}.{key}", optional=nullable)
        if message.get("rating") not in (1, -1, None):
            raise ImportProblem(f"{at}.rating must be 1, -1 or null")
        seen.add(message_id)
    leaf = need(session.get("active_leaf"), int, f"{where}.active_leaf", optional=True)
    if leaf is not None and leaf not in seen:
        raise ImportProblem(f"{where}.active_leaf {leaf} is not a message of this session")


# -- OpenAI chat JSONL -----------------------------------------------------------------------------

def read_openai_line(record: Any, where: str, now: float) -> dict[str, Any]:
    """{"messages": [{"role", "content"}, ...]}: a leading system message becomes the system prompt."""
    need(record, dict, where)
    raw = need(record.get("messages"), list, f"{where}: messages")
    messages: list[dict[str, Any]] = []
    system_prompt = ""
    for n, item in enumerate(raw):
        at = f"{where}: messages[{n}]"
        need(item, dict, at)
        role = _role(item.get("role"), f"{at}.role")
        content = _openai_content(item.get("content"), f"{at}.content")
        if n == 0 and role == "system":
            system_prompt = content
            continue
        messages.append(_plain_message(len(messages) + 1, role, content, now))
    return new_session(messages, now, system_prompt=system_prompt)


def _openai_content(content: Any, where: str) -> str:
    """A string, or a list of parts of which the text ones are kept."""
    if isinstance(content, list):
        return "".join(need(part, dict, f"{where}[{n}]").get("text", "") for n, part in enumerate(content))
    return need(content, str, where)


def _plain_message(message_id: int, role: str, content: str, created_at: float,
                   parent: int | None = -1) -> dict[str, Any]:
    """A message document; parent -1 means "the previous one" (a straight conversation)."""
    if parent == -1:
        parent = message_id - 1 if message_id > 1 else None
    return {"id": message_id, "parent": parent,
            "role": role, "content": content, "created_at": created_at, "finished_at": None,
            "model_file": None, "model_sha256": None, "params": None, "constraint": None,
            "metrics": None, "finish_reason": "stop" if role == "assistant" else None, "rating": None}


# -- ChatGPT conversations.json --------------------------------------------------------------------

def read_chatgpt(conversations: list[Any], now: float) -> list[dict[str, Any]]:
    """ChatGPT's export: each conversation's `mapping` is a tree of nodes; every branch is kept.

    Nodes without a visible text message (the hidden root, tool calls and their results) are left
    out, and their children hang from the nearest kept ancestor."""
    return [_chatgpt_conversation(need(c, dict, f"[{n}]"), f"[{n}]", now)
            for n, c in enumerate(conversations)]


def _chatgpt_conversation(conv: dict[str, Any], where: str, now: float) -> dict[str, Any]:
    mapping = need(conv.get("mapping"), dict, f"{where}.mapping")
    created = need(conv.get("create_time"), (int, float), f"{where}.create_time", optional=True) or now
    title = need(conv.get("title"), str, f"{where}.title", optional=True) or ""
    kept: dict[str, int | None] = {}  # node id -> local id of itself or its nearest kept ancestor
    messages: list[dict[str, Any]] = []
    model = ""
    roots = [key for key, node in mapping.items()
             if need(node, dict, f"{where}.mapping.{key}").get("parent") is None]
    queue = [(key, None) for key in roots]
    while queue:
        key, parent_local = queue.pop(0)
        if key in kept:
            raise ImportProblem(f"{where}.mapping.{key} is reached twice (the tree has a cycle)")
        node = mapping.get(key)
        if node is None:
            raise ImportProblem(f"{where}.mapping has no node {key!r} though another node names it as a child")
        at = f"{where}.mapping.{key}"
        message = _chatgpt_message(node.get("message"), f"{at}.message")
        local = parent_local
        if message is not None:
            role, content, created_at, slug = message
            local = len(messages) + 1
            messages.append(_plain_message(local, role, content, created_at or created, parent_local))
            model = slug or model
        kept[key] = local
        for child in need(node.get("children", []), list, f"{at}.children"):
            queue.append((need(child, str, f"{at}.children[]"), local))
    if len(kept) < len(mapping):
        raise ImportProblem(f"{where}.mapping has nodes not reachable from its root (a cycle)")
    current = conv.get("current_node")
    leaf = kept.get(current) if isinstance(current, str) else None
    return new_session(messages, created, title=title, model=model, active_leaf=leaf)


def _chatgpt_message(message: Any, where: str) -> tuple[str, str, float | None, str] | None:
    """(role, text, created, model) of a visible message, None for nodes Hearth leaves out."""
    if message is None:
        return None
    need(message, dict, where)
    author = need(message.get("author"), dict, f"{where}.author")
    role = need(author.get("role"), str, f"{where}.author.role")
    content = need(message.get("content"), dict, f"{where}.content")
    parts = need(content.get("parts", []), list, f"{where}.content.parts")
    text = "\n".join(p for p in parts if isinstance(p, str))
    if isinstance(content.get("text"), str):
        text = text or content["text"]
    hidden = (message.get("metadata") or {}).get("is_visually_hidden_from_conversation")
    to_tool = message.get("recipient", "all") != "all"  # a tool call, not words for the user
    if role not in ROLES or not text.strip() or hidden or to_tool:
        return None
    created = need(message.get("create_time"), (int, float), f"{where}.create_time", optional=True)
    slug = (message.get("metadata") or {}).get("model_slug") or ""
    return role, text, created, slug if isinstance(slug, str) else ""
