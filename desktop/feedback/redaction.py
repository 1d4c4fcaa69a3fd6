"""Automatic redaction of private details before a report can leave the machine.

The patterns are a table (data, not code): each has a name shown to the user ("2 e-mail
addresses removed"), a regular expression and the text that replaces a match. Order matters:
specific secrets come before the generic long-hex/base64 catch-alls, and home-folder user names
before whole file paths, so every match is reported under its most telling name. Each pattern has
examples in tests/feedback/test_redaction.py; a pattern without examples fails the tests.

Reproducibility fields (hashes, ids, format markers) are not redacted: a model's sha256 looks
exactly like a hex secret but is the very thing that makes a report reproducible.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RedactionPattern:
    """One kind of private detail. `replacement` may use the regex's groups (\\g<name>)."""

    name: str
    label: str  # what the user reads in the preview summary
    regex: re.Pattern[str]
    replacement: str


def _p(name: str, label: str, pattern: str, replacement: str, flags: int = 0) -> RedactionPattern:
    return RedactionPattern(name, label, re.compile(pattern, flags), replacement)


# Characters allowed inside one path component (spaces are not: they end a path in prose).
_SEG = r"[^\s/\\:*?\"<>|'`]+"

PATTERNS: tuple[RedactionPattern, ...] = (
    _p("openai_key", "API keys (sk-…)", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}", "[redacted:api-key]"),
    _p("huggingface_token", "Hugging Face tokens", r"\bhf_[A-Za-z0-9]{20,}", "[redacted:hf-token]"),
    _p("github_token", "GitHub tokens", r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{22,})",
       "[redacted:github-token]"),
    _p("aws_access_key", "AWS access keys", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", "[redacted:aws-key]"),
    _p("secret_assignment", "passwords and secrets in settings",
       r"(?i)\b(?P<key>password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)"
       r"(?P<sep>\s*[:=]\s*)(?P<q>[\"']?)[^\s\"']{4,}(?P=q)",
       r"\g<key>\g<sep>[redacted:secret]"),
    _p("email", "e-mail addresses", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b",
       "[redacted:email]"),
    _p("home_user", "home-folder user names",
       r"(?P<home>(?:/home/|/Users/|[A-Za-z]:\\Users\\|[A-Za-z]:/Users/))(?!\[redacted)" + _SEG,
       r"\g<home>[redacted:user]"),
    _p("file_path", "file paths",
       r"(?<![\w\]/:.])(?:[A-Za-z]:[\\/]|~[\\/]|/)(?:(?:\[redacted:user\]|" + _SEG + r")[\\/])+"
       r"(?P<file>" + _SEG + r")",
       r"[redacted:path]/\g<file>"),
    _p("phone_international", "phone numbers", r"(?<![\w+])\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}\b",
       "[redacted:phone]"),
    _p("phone_north_america", "phone numbers", r"(?<![\w-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b", "[redacted:phone]"),
    _p("phone_china_mobile", "phone numbers", r"(?<!\d)1[3-9]\d{9}(?!\d)", "[redacted:phone]"),
    _p("hex_secret", "long hexadecimal secrets", r"\b[0-9a-fA-F]{32,}\b", "[redacted:hex]"),
    _p("base64_secret", "long base64 secrets",
       r"(?<![A-Za-z0-9+/_-])(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Z])(?=[A-Za-z0-9+/_-]*[a-z])"
       r"[A-Za-z0-9+/_-]{40,}={0,2}",
       "[redacted:base64]"),
)

# Payload keys whose values are reproducibility facts, never user text: left as they are.
KEEP_KEYS = frozenset({
    "format", "version", "id", "kind", "created_at", "sha256", "chat_template_sha256",
    "hearth_version", "role", "finish_reason", "match", "domain", "licence", "quantization",
    "architecture", "source_url", "file",
})


def redact_text(text: str, patterns: tuple[RedactionPattern, ...] = PATTERNS) -> tuple[str, Counter[str]]:
    """`text` with every match replaced, and how many matches each pattern had."""
    hits: Counter[str] = Counter()
    for pattern in patterns:
        text, count = pattern.regex.subn(pattern.replacement, text)
        if count:
            hits[pattern.name] += count
    return text, hits


def redact_payload(payload: Any, patterns: tuple[RedactionPattern, ...] = PATTERNS) -> tuple[Any, Counter[str]]:
    """A copy of a JSON-like value with every string redacted except those under KEEP_KEYS, and
    how many different things each pattern removed: a report carries the conversation in more than
    one place, and the same address twice is still one address to the user."""
    found: dict[str, set[str]] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            for pattern in patterns:
                for match in pattern.regex.finditer(value):
                    found.setdefault(pattern.name, set()).add(match.group(0))
            clean, _hits = redact_text(value, patterns)
            return clean
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            return {key: (item if key in KEEP_KEYS else walk(item)) for key, item in value.items()}
        return value

    clean = walk(payload)
    return clean, Counter({name: len(values) for name, values in found.items()})


def summarize(hits: Counter[str], patterns: tuple[RedactionPattern, ...] = PATTERNS) -> list[dict[str, Any]]:
    """Per label counts, in table order, for the payload's `redactions` list and the preview."""
    by_label: dict[str, int] = {}
    for pattern in patterns:
        if hits.get(pattern.name):
            by_label[pattern.label] = by_label.get(pattern.label, 0) + hits[pattern.name]
    return [{"what": label, "count": count} for label, count in by_label.items()]
