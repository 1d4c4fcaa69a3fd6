"""A GitHub issue, pre-filled in the user's browser: no token, the user reviews and submits it.

GitHub's new-issue page takes `title` and `body` from the query string but answers URLs longer
than about 8 KB with "414 URI Too Long", so the body is cut to fit and the full payload is saved as
a file for the user to drag into the issue. The body names the file, never its folder: the folder
path would carry the user's home-folder name, which redaction has just removed everywhere else.
"""
from __future__ import annotations

import json
import re
import webbrowser
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlencode

from desktop.atomic_write import write_atomically
from desktop.errors import HearthError
from desktop.paths import data_dir

URL_LIMIT = 8000
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_GITHUB_URL = re.compile(r"^(?:https?://|git@)(?:www\.)?github\.com[/:]([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?(?:[/#?].*)?$")
_CUT_NOTE = "\n\n…(cut to fit the address; the attached file has everything)"


def repo_from_url(url: str | None) -> str | None:
    """OWNER/REPO of a GitHub URL (https or git@), else None: a model's source may be elsewhere."""
    match = _GITHUB_URL.match(url.strip()) if url else None
    return f"{match.group(1)}/{match.group(2)}" if match else None


def default_repo(payload: dict[str, Any]) -> str | None:
    """The model's own GitHub repository when its GGUF metadata names one."""
    model = payload.get("model") or {}
    return repo_from_url(model.get("source_url"))


def attachment_name(payload: dict[str, Any]) -> str:
    return f"hearth-feedback-{payload['id']}.json"


def save_attachment(payload: dict[str, Any]) -> Path:
    """Write the full payload under <data>/feedback/ (temp file + rename: never half a file)."""
    folder = data_dir() / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / attachment_name(payload)
    return write_atomically(path, json.dumps(payload, ensure_ascii=False, indent=2))


def issue_body(payload: dict[str, Any]) -> str:
    """Markdown a maker can read at a glance; the JSON payload follows for tools."""
    model = payload.get("model") or {}
    env = payload.get("environment") or {}
    llama = env.get("llama_cpp_python") or {}
    lines = [payload.get("description") or "", "",
             f"**Kind:** {payload['kind']}  ",
             _model_line(model),
             f"**Hearth** {env.get('hearth_version')}, llama-cpp-python {llama.get('version')} "
             f"({'CUDA' if llama.get('cuda') else 'CPU'}), {env.get('os')}  ",
             f"**Attached:** `{attachment_name(payload)}` (the full report; drag it into this issue)",
             "", "```json", json.dumps(payload, ensure_ascii=False, indent=1), "```"]
    return "\n".join(lines)


def _model_line(model: dict[str, Any]) -> str:
    if not model:
        return "**Model:** none  "
    if model.get("kind") == "remote":
        line = f"**Model:** `{model.get('model_id')}` at `{model.get('endpoint')}`"
    else:
        line = (f"**Model:** `{model.get('file')}` ({model.get('architecture')}, {model.get('quantization')}), "
                f"sha256 `{model.get('sha256')}`")
    why = model.get("incomplete_reason")
    return f"{line} (incomplete: {why})  " if why else f"{line}  "


def issue_url(repo: str, title: str, body: str, limit: int = URL_LIMIT) -> str:
    """The new-issue URL, with the body cut (at a character boundary) so the URL fits `limit`."""
    if not _REPO.match(repo):
        raise HearthError(f"'{repo}' is not a GitHub repository: use OWNER/REPO")
    base = f"https://github.com/{repo}/issues/new?"

    def build(text: str) -> str:
        return base + urlencode({"title": title, "body": text}, quote_via=quote)

    if len(build(body)) <= limit:
        return build(body)
    low, high = 0, len(body)  # longest prefix that fits, found by bisection
    while low < high:
        mid = (low + high + 1) // 2
        if len(build(body[:mid] + _CUT_NOTE)) <= limit:
            low = mid
        else:
            high = mid - 1
    return build(body[:low] + _CUT_NOTE)


class GitHubIssue:
    """Opens the browser on a pre-filled issue; the user attaches the saved file and submits."""

    def __init__(self, repo: str, opener: Callable[[str], Any] | None = None) -> None:
        self.repo = repo
        self.spec = f"github:{repo}"
        self.opener = opener or webbrowser.open
        self.attachment: Path | None = None

    def send(self, payload: dict[str, Any]) -> str:
        repo = self.repo or default_repo(payload)
        if not repo:
            raise HearthError("no GitHub repository to report to: the model names none; pass --repo OWNER/REPO")
        url = issue_url(repo, payload["title"], issue_body(payload))
        self.attachment = save_attachment(payload)
        if self.opener(url) is False:
            raise HearthError(f"could not open a web browser; open this address yourself: {url[:200]}…")
        return url
