"""The feedback outbox: reports waiting to be reviewed, sent, or retried.

An item is a kind (what sort of report) and a JSON payload the feedback code owns entirely; the store
only keeps it safe and tracks its life: draft (being reviewed) -> queued (approved, waiting) ->
sent, or failed (with the attempt count and the last error, ready to retry). Items outlive the
sessions they refer to: emptying the trash clears the link, never the report.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from desktop.errors import HearthError
from desktop.store.records import dump_json, load_json

# What the outbox needs of the store: one transaction on this thread's connection (Store.transaction).
Transaction = Callable[..., AbstractContextManager[sqlite3.Connection]]

STATUSES = ("draft", "queued", "sent", "failed")
COLUMNS = ("id, kind, payload, session_id, message_id, status, destination, attempts, last_error, "
           "created_at, updated_at, sent_at")


@dataclass
class OutboxItem:
    id: int
    kind: str
    payload: Any
    session_id: int | None
    message_id: int | None
    status: str
    destination: str | None
    attempts: int  # delivery attempts so far (each move to sent or failed counts one)
    last_error: str | None
    created_at: float
    updated_at: float
    sent_at: float | None


def _item(row: tuple) -> OutboxItem:
    values = list(row)
    values[2] = load_json(values[2])
    return OutboxItem(*values)


class Outbox:
    """Reached as `store.outbox`; it writes through the store's transactions, never its own."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    def add(self, kind: str, payload: Any, *, session_id: int | None = None,
            message_id: int | None = None, destination: str | None = None,
            status: str = "draft") -> OutboxItem:
        _check_status(status)
        now = time.time()
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO outbox(kind, payload, session_id, message_id, status, destination, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, dump_json(payload), session_id, message_id, status, destination, now, now))
            return self._get(conn, cur.lastrowid)

    def get(self, item_id: int) -> OutboxItem:
        with self._transaction(write=False) as conn:
            return self._get(conn, item_id)

    def list(self, status: str | None = None, kind: str | None = None) -> list[OutboxItem]:
        """Items oldest first, optionally only those with one status and/or kind."""
        where, args = [], []
        if status is not None:
            _check_status(status)
            where.append("status = ?")
            args.append(status)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        sql = f"SELECT {COLUMNS} FROM outbox" + (f" WHERE {' AND '.join(where)}" if where else "")
        with self._transaction(write=False) as conn:
            return [_item(row) for row in conn.execute(sql + " ORDER BY id", args)]

    def update_payload(self, item_id: int, payload: Any) -> OutboxItem:
        with self._transaction() as conn:
            self._get(conn, item_id)
            conn.execute("UPDATE outbox SET payload = ?, updated_at = ? WHERE id = ?",
                         (dump_json(payload), time.time(), item_id))
            return self._get(conn, item_id)

    def set_status(self, item_id: int, status: str, *, error: str | None = None,
                   destination: str | None = None) -> OutboxItem:
        """Move an item along; "sent" and "failed" count a delivery attempt, "failed" keeps `error`."""
        _check_status(status)
        now = time.time()
        attempt = int(status in ("sent", "failed"))
        with self._transaction() as conn:
            self._get(conn, item_id)
            conn.execute(
                "UPDATE outbox SET status = ?, attempts = attempts + ?, "
                "last_error = CASE WHEN ? = 'failed' THEN ? ELSE last_error END, "
                "destination = coalesce(?, destination), updated_at = ?, "
                "sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE id = ?",
                (status, attempt, status, error, destination, now, status, now, item_id))
            return self._get(conn, item_id)

    def delete(self, item_id: int) -> None:
        """Discard an item (a draft the user decided not to send)."""
        with self._transaction() as conn:
            self._get(conn, item_id)
            conn.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    @staticmethod
    def _get(conn: sqlite3.Connection, item_id: int) -> OutboxItem:
        row = conn.execute(f"SELECT {COLUMNS} FROM outbox WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise HearthError(f"there is no outbox item {item_id}")
        return _item(row)


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise HearthError(f"an outbox status is one of {', '.join(STATUSES)}, not {status!r}")
