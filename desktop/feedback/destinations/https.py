"""A generic HTTPS endpoint: the payload is POSTed as JSON, the server's certificate always checked.

There is no switch to turn verification off. A private server with its own certificate authority
is reached by naming that authority's certificate (`ca_file`), never by trusting everyone.
"""
from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from desktop import __version__
from desktop.errors import HearthError

TIMEOUT_S = 30


class HttpsEndpoint:
    def __init__(self, url: str, ca_file: str | None = None) -> None:
        parts = urlsplit(url or "")
        if parts.scheme != "https" or not parts.hostname:
            raise HearthError(f"'{url}' is not an https:// address; reports are only sent over verified TLS")
        self.url = url
        self.spec = f"url:{url}"
        self.ca_file = ca_file

    def send(self, payload: dict[str, Any]) -> str:
        try:
            context = ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise HearthError(f"cannot use the certificate file {self.ca_file}: {exc}") from None
        request = urllib.request.Request(
            self.url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": f"hearth/{__version__}"})
        try:
            with urllib.request.urlopen(request, context=context, timeout=TIMEOUT_S) as response:
                response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", errors="replace").strip().splitlines()
            raise HearthError(f"{self.url} answered {exc.code} {exc.reason}"
                              + (f": {detail[0]}" if detail else "")) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise HearthError(f"{urlsplit(self.url).hostname}'s TLS certificate is not trusted "
                                  f"({reason.verify_message}); nothing was sent") from None
            raise HearthError(f"cannot reach {self.url}: {reason}") from None
        except (OSError, ssl.SSLError) as exc:
            raise HearthError(f"cannot reach {self.url}: {exc}") from None
        return self.url
