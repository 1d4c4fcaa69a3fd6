"""Sessions, message trees, full-text search, export/import and the feedback outbox in SQLite.

See docs/architecture.md ("The store contract") and the README's store section.
"""
from desktop.store.outbox import Outbox, OutboxItem
from desktop.store.records import Message, SearchHit, Session
from desktop.store.store import Store

__all__ = ["Store", "Session", "Message", "SearchHit", "Outbox", "OutboxItem"]
