"""Moving reports through the store's outbox: draft -> queued -> sent, or failed and retried.

Nothing is sent from a draft: a report is queued only by an explicit Send (the dialog's button,
`hearth feedback submit`), after the user has seen the exact payload. A failed delivery keeps
its error and attempt count and is retried with exponential backoff (30 s, 1 min, 2 min, ... up
to an hour), so a report written offline goes out once the network is back. GitHub issues are
not retried automatically: they open a browser, which needs the user at the screen.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from desktop.errors import HearthError
from desktop.feedback.destinations import Destination, make_destination
from desktop.feedback.late_hash import complete_model_block
from desktop.feedback.report import validate

BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 3600.0
AUTO_RETRY = ("hf:", "url:")  # destination specs retried without the user
STALE_QUEUED_S = 300.0  # a queued item this old was left behind, not being delivered right now


@dataclass
class Delivery:
    """The outcome of one attempt: the item as stored now, and where the report went (if sent)."""

    item: Any  # desktop.store.OutboxItem
    where: str | None = None
    destination: Destination | None = None


def backoff_s(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt before trying again."""
    return min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S)


def save_draft(store: Any, payload: dict[str, Any], *, session_id: int | None = None,
               message_id: int | None = None) -> Any:
    """Keep a finalized report as a draft: visible in `hearth feedback list`, never sent. If the
    answer's model was hashed while the report was being written, the draft gets the hash."""
    payload = complete_model_block(store, payload, message_id)
    validate(payload)
    return store.outbox.add(payload["kind"], payload, session_id=session_id, message_id=message_id)


def queue(store: Any, item_id: int, spec: str, payload: dict[str, Any] | None = None) -> Any:
    """The user pressed Send: store the (possibly hand-edited) payload and queue it for `spec`."""
    item = store.outbox.get(item_id)
    if item.status == "sent":
        raise HearthError(f"report {item_id} was already sent")
    payload = item.payload if payload is None else payload
    validate(payload)
    if payload["kind"] == "data" and not payload["details"].get("consent"):
        raise HearthError("a data contribution is sent only with your consent to its licence "
                          f"({payload['details'].get('licence')}): tick the consent box or pass --consent")
    make_destination(spec)  # a bad spec fails here, before anything is queued
    if payload != item.payload:
        store.outbox.update_payload(item_id, payload)
    return store.outbox.set_status(item_id, "queued", destination=spec)


def deliver(store: Any, item_id: int, destination: Destination | None = None, **options: Any) -> Delivery:
    """One delivery attempt of a queued or failed item; the outcome is recorded in the store."""
    item = store.outbox.get(item_id)
    if item.status not in ("queued", "failed"):
        raise HearthError(f"report {item_id} is {item.status}; only queued or failed reports are sent")
    try:
        destination = destination or make_destination(item.destination or "", **options)
        where = destination.send(item.payload)
    except HearthError as exc:
        return Delivery(store.outbox.set_status(item_id, "failed", error=str(exc)), None, destination)
    return Delivery(store.outbox.set_status(item_id, "sent"), where, destination)


def due_for_retry(store: Any, now: float | None = None) -> list[Any]:
    """Items to try again now: failed ones whose backoff has passed, and queued ones left behind
    (the app was closed mid-delivery), for destinations that need no user at the screen."""
    now = time.time() if now is None else now
    due = []
    for item in store.outbox.list("failed") + store.outbox.list("queued"):
        if not (item.destination or "").startswith(AUTO_RETRY):
            continue
        wait = STALE_QUEUED_S if item.status == "queued" else backoff_s(item.attempts)
        if item.updated_at + wait <= now:
            due.append(item)
    return due


def retry_due(store: Any, now: float | None = None, **options: Any) -> list[Delivery]:
    """Retry everything due; meant for a timer in the app and `hearth feedback retry`."""
    return [deliver(store, item.id, **options) for item in due_for_retry(store, now)]
