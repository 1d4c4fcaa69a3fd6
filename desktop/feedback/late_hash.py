"""Answers and report drafts written before their model's sha256 was known get it afterwards.

The model file is hashed in the background (desktop.models.identity) so the first answer never
waits for it; whoever stored answers meanwhile hands their ids here when the hash is ready. Only
drafts are completed: a queued or sent report is exactly what the user approved.
"""
from __future__ import annotations

import sys
from typing import Any

from desktop.errors import HearthError
from desktop.feedback import context
from desktop.models.identity import sha256_of


def fill_in_sha256(store: Any, message_ids: list[int], sha256: str) -> tuple[list[int], list[int]]:
    """Record `sha256` on these answers (those still without one) and complete the model block
    of the drafts about them; returns (answer ids filled, draft ids completed)."""
    filled = store.fill_model_sha256(message_ids, sha256)
    wanted = set(message_ids)
    drafts = []
    for item in store.outbox.list(status="draft"):
        if item.message_id in wanted:
            payload = complete_model_block(store, item.payload, item.message_id)
            if payload is not item.payload:
                store.outbox.update_payload(item.id, payload)
                drafts.append(item.id)
    return filled, drafts


def complete_model_block(store: Any, payload: dict[str, Any], message_id: int | None) -> dict[str, Any]:
    """`payload` with a full model block if its answer has gained a sha256 since it was drafted;
    `payload` itself (the same object) when there is nothing to add."""
    model = payload.get("model") if isinstance(payload, dict) else None
    if not isinstance(model, dict) or model.get("sha256") or model.get("kind") == "remote" or message_id is None:
        return payload
    try:
        message = store.get_message(message_id)
    except HearthError:
        return payload
    if not message.model_sha256:
        return payload
    block = context.model_facts(message.model_file, message.model_sha256)
    block["file"] = model.get("file") or block["file"]  # as the user saw (and maybe edited) it
    return {**payload, "model": block}


def identify_answer(store: Any, message: Any, announce: bool = True) -> Any:
    """Hash the model file of an answer stored without a sha256, now (for `hearth feedback new`,
    where a few seconds once per file are acceptable), record it, and return the message again.

    Only a file unchanged since the answer was written is taken to be the one that produced it."""
    if message is None or message.role != "assistant" or message.model_sha256:
        return message
    path = context.resolve_model_path(message.model_file)
    if path is None or path.stat().st_mtime > message.created_at:
        return message
    def note(name: str) -> None:
        if announce:
            print(f"hearth: computing the sha256 of {name} for the report (once per file)", file=sys.stderr)

    try:
        sha256 = sha256_of(path, on_hashing=note)
    except HearthError:
        return message
    fill_in_sha256(store, [message.id], sha256)
    return store.get_message(message.id)
