"""A Hugging Face dataset repository: one JSON file per report under `feedback/<id>.json`.

Uploads go through huggingface_hub with the token of the user's `hf auth login` (or HF_TOKEN),
never a token of Hearth's own. `HF_ENDPOINT` points it at another hub (a mirror, or a test server).
"""
from __future__ import annotations

import json
import os
from typing import Any

from desktop.errors import HearthError

try:
    from httpx import HTTPError as _TransportError  # huggingface_hub >= 1.0 talks through httpx
except ImportError:  # older releases used requests, whose errors are OSErrors
    _TransportError = OSError


class HuggingFaceDataset:
    def __init__(self, repo_id: str, token: str | None = None) -> None:
        if not repo_id or "/" not in repo_id:
            raise HearthError(f"'{repo_id}' is not a dataset repository: use OWNER/NAME (--repo)")
        self.repo_id = repo_id
        self.spec = f"hf:{repo_id}"
        self.token = token

    def send(self, payload: dict[str, Any]) -> str:
        from huggingface_hub import HfApi, get_token
        from huggingface_hub.errors import HfHubHTTPError

        token = self.token or get_token()
        if not token:
            raise HearthError("not logged in to Hugging Face: run `hf auth login` (or set HF_TOKEN), then retry")
        api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None, token=token)
        data = json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")
        try:
            commit = api.upload_file(path_or_fileobj=data, path_in_repo=f"feedback/{payload['id']}.json",
                                     repo_id=self.repo_id, repo_type="dataset",
                                     commit_message=f"Hearth feedback: {payload['title']}"[:200])
        except HfHubHTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            raise HearthError(f"Hugging Face refused the upload to {self.repo_id} ({status}): "
                              f"{str(exc).splitlines()[0]}") from None
        except (_TransportError, OSError) as exc:
            raise HearthError(f"cannot reach Hugging Face ({type(exc).__name__}: {exc}); "
                              "the report stays in the outbox and is retried") from None
        return str(commit.commit_url)
