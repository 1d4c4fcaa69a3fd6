"""The feedback payload format, version 1, as a JSON Schema (documented in docs/feedback-format.md).

Receivers (a GitHub issue reader, a Hugging Face dataset, an HTTPS endpoint) parse reports by
`format` and `version`; any change that removes or renames a field bumps `version`. Adding an
optional field does not. Every payload is validated against this schema before it is queued, so a
hand-edited preview cannot send something a receiver cannot read.
"""
from __future__ import annotations

from typing import Any

FORMAT = "hearth-feedback"
VERSION = 1
KINDS = ("bug", "performance", "data", "benchmark")
DOMAINS = ("medical", "finance", "education", "code", "other")
LICENCES = ("CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0")
MATCH_MODES = ("exact", "contains", "schema")

_NULLABLE_STR = {"type": ["string", "null"]}
_NULLABLE_INT = {"type": ["integer", "null"]}
_MESSAGE = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {"role": {"enum": ["system", "user", "assistant"]}, "content": {"type": "string"}},
}

_DETAILS: dict[str, dict[str, Any]] = {
    "bug": {
        "type": "object",
        "required": ["expected", "match"],
        "properties": {"expected": _NULLABLE_STR, "match": {"enum": list(MATCH_MODES)}},
    },
    "performance": {
        "type": "object",
        "required": ["metrics"],
        "properties": {"metrics": {"type": "object"}, "offload": _NULLABLE_STR},
    },
    "data": {
        "type": "object",
        "required": ["prompt", "ideal_answer", "domain", "licence", "consent", "match"],
        "properties": {
            "prompt": {"type": "array", "items": _MESSAGE, "minItems": 1},
            "ideal_answer": {"type": "string", "minLength": 1},
            "domain": {"enum": list(DOMAINS)},
            "licence": {"enum": list(LICENCES)},
            "consent": {"type": "boolean"},  # must be true to queue; see outbox.queue
            "match": {"enum": list(MATCH_MODES)},
        },
    },
    "benchmark": {
        "type": "object",
        "required": ["file", "result"],
        "properties": {"file": {"type": "string"}, "result": {}},
    },
}

REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Hearth feedback report, version 1",
    "type": "object",
    "required": ["format", "version", "id", "kind", "created_at", "title", "description", "model",
                 "sampling", "constraint", "conversation", "environment", "details", "redactions"],
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "kind": {"enum": list(KINDS)},
        "created_at": {"type": "string"},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "model": {
            "type": ["object", "null"],
            "required": ["file", "sha256", "architecture", "quantization", "size_bytes",
                         "chat_template_sha256"],
            "properties": {
                "file": _NULLABLE_STR, "sha256": _NULLABLE_STR, "architecture": _NULLABLE_STR,
                "quantization": _NULLABLE_STR, "size_bytes": _NULLABLE_INT, "parameters": _NULLABLE_INT,
                "chat_template_sha256": _NULLABLE_STR, "license": _NULLABLE_STR, "source_url": _NULLABLE_STR,
                "kind": {"enum": ["file", "remote"]}, "source": _NULLABLE_STR, "endpoint": _NULLABLE_STR,
                "model_id": _NULLABLE_STR, "incomplete_reason": _NULLABLE_STR,
            },
        },
        "sampling": {"type": ["object", "null"]},
        "constraint": {"type": ["object", "null"]},
        "conversation": {"type": "array", "items": _MESSAGE},
        "answer": {
            "type": ["object", "null"],
            "properties": {"finish_reason": _NULLABLE_STR, "metrics": {"type": ["object", "null"]}},
        },
        "environment": {
            "type": "object",
            "required": ["hearth_version", "llama_cpp_python", "os", "cpu", "ram_bytes", "gpu"],
        },
        "details": {"type": "object"},
        "redactions": {
            "type": "array",
            "items": {"type": "object", "required": ["what", "count"]},
        },
    },
    "allOf": [
        {"if": {"properties": {"kind": {"const": kind}}}, "then": {"properties": {"details": details}}}
        for kind, details in _DETAILS.items()
    ],
}
