"""A local HTTP server standing in for the Hugging Face hub: serves one folder as a model repo.

It answers the requests `snapshot_download` makes: the repo's info and file tree
(/api/models/<repo>/revision/<rev>, .../tree/<rev>) and each file (/<repo>/resolve/<rev>/<file>), and records
which files were asked for so a test can check that only the needed ones were fetched.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.local_http import QuietHandler, serve

COMMIT = "c0ffee" + "0" * 34


class HubStandIn:
    def __init__(self, repo_id: str, folder: Path) -> None:
        self.repo_id, self.folder = repo_id, folder
        self.downloaded: list[str] = []
        hub = self

        class Handler(QuietHandler):
            def _file(self) -> Path | None:
                path = self.path.split("?")[0]
                prefix = f"/{hub.repo_id}/resolve/"
                if not path.startswith(prefix):
                    return None
                name = path[len(prefix):].split("/", 1)[1]
                target = hub.folder / name
                return target if target.is_file() else None

            def _headers(self, target: Path) -> None:
                data = target.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()

            def do_HEAD(self):
                target = self._file()
                if target is None:
                    return self._send(404, b"")
                self._headers(target)

            def do_GET(self):
                path = self.path.split("?")[0]
                files = [p for p in sorted(hub.folder.iterdir()) if p.is_file() and not p.name.startswith(".")]
                if path.startswith(f"/api/models/{hub.repo_id}/tree/"):
                    tree = [{"type": "file", "path": p.name, "size": p.stat().st_size,
                             "oid": hashlib.sha1(p.read_bytes()).hexdigest()} for p in files]
                    return self._send(200, json.dumps(tree).encode(), "application/json")
                if path.startswith(f"/api/models/{hub.repo_id}"):
                    siblings = [{"rfilename": p.name, "size": p.stat().st_size} for p in files]
                    body = json.dumps({"id": hub.repo_id, "modelId": hub.repo_id, "sha": COMMIT,
                                       "siblings": siblings, "private": False}).encode()
                    return self._send(200, body, "application/json")
                target = self._file()
                if target is None:
                    return self._send(404, b'{"error": "not found"}', "application/json",
                                      {"X-Error-Code": "RepoNotFound"})
                hub.downloaded.append(target.name)
                self._headers(target)
                self.wfile.write(target.read_bytes())

        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
