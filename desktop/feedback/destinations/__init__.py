"""Where a report can go. Each destination turns a payload into one delivery and says where it went.

A destination is named by a short spec stored with the outbox entry, `github:OWNER/REPO`,
`hf:OWNER/DATASET` or `url:https://...`, so a failed delivery can be retried later (after a restart,
when the network is back) without asking the user again.
"""
from __future__ import annotations

from typing import Any, Protocol

from desktop.errors import HearthError


class Destination(Protocol):
    spec: str  # "github:owner/repo", "hf:owner/dataset", "url:https://..."

    def send(self, payload: dict[str, Any]) -> str:
        """Deliver the payload; return where it went (a URL). Raise HearthError on failure."""
        ...


NAMES = ("github", "hf", "url")


def make_destination(spec: str, **options: Any) -> Destination:
    """The destination a spec names. Options: `opener` (github), `token` (hf), `ca_file` (url)."""
    name, _, target = spec.partition(":")
    if name == "github":
        from desktop.feedback.destinations.github import GitHubIssue

        return GitHubIssue(target, opener=options.get("opener"))
    if name == "hf":
        from desktop.feedback.destinations.huggingface import HuggingFaceDataset

        return HuggingFaceDataset(target, token=options.get("token"))
    if name == "url":
        from desktop.feedback.destinations.https import HttpsEndpoint

        return HttpsEndpoint(target, ca_file=options.get("ca_file"))
    raise HearthError(f"unknown destination '{name}' (choose one of: {', '.join(NAMES)})")
