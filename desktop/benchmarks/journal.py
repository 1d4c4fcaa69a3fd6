"""A benchmark run on disk, one answer per line, so an interrupted run continues where it stopped.

`<data>/evals/<benchmark>/<model>-<key>.jsonl`: the first line is the run's header (model identity,
versions, settings), every further line one scored answer, flushed and fsynced as it is written.
The key is a hash of everything that decides the answers (model sha256, prompt format, settings,
the chosen items), so the same command finds its own unfinished run and nothing else. A line cut
short by a kill is dropped on reopening. The finished run is also written whole as `.json` + `.md`.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from desktop.atomic_write import write_atomically
from desktop.errors import HearthError
from desktop.paths import data_dir


class Journal:
    def __init__(self, benchmark: str, model_name: str, header: dict[str, Any]) -> None:
        key = hashlib.sha256(json.dumps(header["key"], sort_keys=True).encode()).hexdigest()[:12]
        folder = data_dir() / "evals" / benchmark
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', model_name)}-{key}.jsonl"
        self.header = header
        self.records: list[dict[str, Any]] = self._reopen()

    def _reopen(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            write_atomically(self.path, json.dumps({"header": self.header}, ensure_ascii=False) + "\n")
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        records, kept = [], lines[:1]
        for line in lines[1:]:
            try:
                records.append(json.loads(line))
                kept.append(line)
            except ValueError:
                break  # the torn last line of a killed run
        if len(kept) != len(lines):
            write_atomically(self.path, "".join(line + "\n" for line in kept))
        return records

    def done_ids(self) -> set[str]:
        return {r["id"] for r in self.records}

    def add(self, record: dict[str, Any]) -> None:
        try:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise HearthError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self.records.append(record)

    def finish(self, summary: dict[str, Any], table: str) -> Path:
        """The whole run as one JSON file (and the table as Markdown) beside the journal."""
        whole = {**self.header, "summary": summary, "answers": self.records}
        saved = self.path.with_suffix(".json")
        write_atomically(saved, json.dumps(whole, ensure_ascii=False, indent=1))
        write_atomically(self.path.with_suffix(".md"), table + "\n")
        return saved
