"""Every redaction pattern, with text it must catch and text it must leave alone."""
from __future__ import annotations

import pytest

from desktop.feedback.redaction import PATTERNS, redact_payload, redact_text, summarize

# pattern name -> (texts that must be redacted by it, texts it must not touch)
EXAMPLES: dict[str, tuple[list[str], list[str]]] = {
    "openai_key": (["key sk-abcdefghijklmnop1234567890", "sk-proj-AbC123_xyz-987654321000"],
                   ["ask-me-anything", "sk-short"]),
    "huggingface_token": (["token hf_AbCdEfGhIjKlMnOpQrStUvWx12"], ["hf_small", "the hf_hub library"]),
    "github_token": (["ghp_0123456789abcdefghijABCDEFGHIJ", "github_pat_11ABCDEFG0123456789_abcdefghijkl"],
                     ["ghp_short", "github pat"]),
    "aws_access_key": (["AKIAIOSFODNN7EXAMPLE"], ["AKIA is a prefix"]),
    "secret_assignment": (["password=hunter22", "API_KEY: 'abcd1234efgh'", "auth_token = s3cr3tvalue"],
                          ["the password is long", "secret: no"]),
    "email": (["write to alice.smith+tag@example.co.uk", "bob@mail.example.org"],
              ["@example.com", "user@localhost"]),
    "home_user": (["/home/alice", "C:\\Users\\Bob", "/Users/carol"], ["/home", "home/alice"]),
    "file_path": (["open /var/lib/data/report.pdf", "see ~/notes/todo.txt", "D:\\work\\plan.docx"],
                  ["and/or", "I/O", "tokens/s", "https://example.com/page/x", "1/2 cup"]),
    "phone_international": (["call +44 20 7946 0958", "+1 555 123 4567", "+86 138 0013 8000"],
                            ["3 + 4 = 7", "C++ 20"]),
    "phone_north_america": (["(555) 123-4567", "555.123.4567", "555-123-4567"],
                            ["2026-11-29", "version 1.2.3"]),
    "phone_china_mobile": (["手机13800138000"], ["1380013800", "138001380001234"]),
    "hex_secret": (["secret 0123456789abcdef0123456789abcdef"], ["deadbeef", "0x1F"]),
    "base64_secret": (["Zm9vYmFyQmF6cXV4MTIzNDU2Nzg5MGFiY2RlZkdISUpL"],
                      ["thisisjustaverylongwordwithoutdigitsoruppercaseletters",
                       "ThisIsJustAVeryLongCamelCaseWordWithoutDigitsAtAllOk"]),
}


def test_every_pattern_has_examples():
    assert {p.name for p in PATTERNS} == set(EXAMPLES)


@pytest.mark.parametrize("name", [p.name for p in PATTERNS])
def test_pattern_catches_its_examples_and_leaves_others(name):
    pattern = next(p for p in PATTERNS if p.name == name)
    positives, negatives = EXAMPLES[name]
    for text in positives:
        assert pattern.regex.search(text), f"{name} missed {text!r}"
    for text in negatives:
        assert not pattern.regex.search(text), f"{name} wrongly caught {text!r}"


@pytest.mark.parametrize("name", [p.name for p in PATTERNS])
def test_positive_examples_are_fully_removed_by_the_table(name):
    for text in EXAMPLES[name][0]:
        clean, hits = redact_text(text)
        assert "[redacted:" in clean
        assert sum(hits.values()) >= 1


def test_redacting_twice_changes_nothing_more():
    text = ("Mail me at a.b@example.com or +44 20 7946 0958; my key is sk-abcdefghijklmnop1234567890 "
            "and the file is /home/alice/secret/plan.txt")
    once, _ = redact_text(text)
    twice, hits = redact_text(once)
    assert twice == once and not hits
    assert "alice" not in once and "a.b@example.com" not in once and "[redacted:path]/plan.txt" in once


def test_payload_keeps_reproducibility_fields_and_counts_hits():
    sha = "ab" * 32
    payload = {"model": {"sha256": sha, "file": "model.gguf"},
               "description": "ping me at x@example.com",
               "conversation": [{"role": "user", "content": "my hash " + sha}]}
    clean, hits = redact_payload(payload)
    assert clean["model"]["sha256"] == sha
    assert clean["description"] == "ping me at [redacted:email]"
    assert clean["conversation"][0]["content"] == "my hash [redacted:hex]"
    assert summarize(hits) == [{"what": "e-mail addresses", "count": 1},
                               {"what": "long hexadecimal secrets", "count": 1}]
