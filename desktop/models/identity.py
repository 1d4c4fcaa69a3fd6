"""What names a model exactly, however it was opened: its identity.

A stored answer and a feedback report must say which model produced them so precisely that a maker
can run the very same file: its sha256, plus what its GGUF header says (architecture, quantization,
size, parameter count, chat template hash, licence) and where Hearth got it (catalog, Hugging Face,
the converter, a file the user opened). A remote model (a server Hearth is pointed at) has no file
to hash: it is named by endpoint and model id instead, hence `ModelIdentity.kind`.

Hashing a multi-gigabyte file takes seconds, so it never stands between a question and its answer:
`hash_in_background` hashes each file once on a daemon thread, and the result is cached in the
data directory (`model-identities.json`), keyed by the file's absolute path, size and modification
time, so the next load, the next process and the next report find it at once. Callers that stored
answers before the hash was ready fill them in when the future completes.

The cache is advisory: a damaged or foreign cache file is ignored and rewritten, and a write that
races with another process's loses at most that process's newest entry, which is hashed again.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from concurrent.futures import Future
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Literal
from urllib.parse import urlsplit

from desktop.atomic_write import write_atomically
from desktop.errors import HearthError
from desktop.paths import data_dir, models_dir

CACHE_FILE = "model-identities.json"
CACHE_VERSION = 1
CHUNK = 1 << 20
MAX_ENTRIES = 1000
# GGUF metadata keys that may name where a model comes from, most specific first.
SOURCE_KEYS = ("general.source.url", "general.source.repo_url", "general.repo_url", "general.url")

IdentityKind = Literal["file", "remote"]


@dataclass(frozen=True)
class ModelIdentity:
    """A model as a report names it. `incomplete_reason` says why facts are missing (above all
    `sha256` for a file, `endpoint`/`model_id` for a remote model): a report never carries
    silent nulls."""

    kind: IdentityKind = "file"
    file: str | None = None  # the file name (never the folder: that is the user's business)
    sha256: str | None = None
    architecture: str | None = None
    quantization: str | None = None
    size_bytes: int | None = None
    parameters: int | None = None
    chat_template_sha256: str | None = None
    license: str | None = None
    source: str | None = None  # how Hearth got it: "catalog: smollm2-135m", "Hugging Face: repo/file", ...
    source_url: str | None = None  # where its makers take issues (a github.com address first)
    endpoint: str | None = None  # remote models: the server's base URL
    model_id: str | None = None  # remote models: the model's id on that server
    incomplete_reason: str | None = None

    @classmethod
    def remote(cls, endpoint: str, model_id: str) -> "ModelIdentity":
        """A model served by another OpenAI-compatible server: named by where and what it is."""
        reason = None if endpoint and model_id else "the server did not say which model answered"
        return cls(kind="remote", endpoint=endpoint or None, model_id=model_id or None, incomplete_reason=reason)

    @classmethod
    def of_reference(cls, reference: str) -> "ModelIdentity | None":
        """The remote identity a stored answer's model name records (`remote_reference`), or None
        for a model file."""
        parsed = parse_remote_reference(reference)
        return cls.remote(*parsed) if parsed else None

    @property
    def identified(self) -> bool:
        if self.kind == "remote":
            return bool(self.endpoint and self.model_id)
        return bool(self.sha256)

    def to_report(self) -> dict[str, Any]:
        """The report's `model` block (docs/feedback-format.md)."""
        return asdict(self)


# -- a model on another server ------------------------------------------------------------------------
# What the engine reports as a remote model's "path" and the store records as its model name: the
# model id and the server, readable in the app ("qwen2.5-7b @ https://gpu.example/v1"), parsed back
# by feedback reports. A file name never contains " @ http".
_REMOTE_SEPARATOR = " @ "


def remote_reference(endpoint: str, model_id: str) -> str:
    """The name a remote model is loaded, stored and reported under."""
    return f"{model_id}{_REMOTE_SEPARATOR}{endpoint}"


def parse_remote_reference(reference: str | None) -> tuple[str, str] | None:
    """(endpoint, model id) of a `remote_reference`, or None for anything else (a file path)."""
    if not reference or _REMOTE_SEPARATOR not in reference:
        return None
    model_id, endpoint = reference.rsplit(_REMOTE_SEPARATOR, 1)
    if not endpoint.startswith(("http://", "https://")) or " " in endpoint:
        return None
    return endpoint, model_id


def display_name(path: str, suffix: bool = True) -> str:
    """How the app names a loaded model: the file name (without .gguf when `suffix` is False), or
    a remote model's id and host ("qwen2.5-7b @ gpu.example:8000")."""
    parsed = parse_remote_reference(path)
    if parsed:
        return f"{parsed[1]}{_REMOTE_SEPARATOR}{urlsplit(parsed[0]).netloc}"
    return Path(path).name if suffix else Path(path).stem


def stored_model_name(path: str) -> str:
    """What an answer records as its model: a file's name, or a remote model's whole reference."""
    return path if parse_remote_reference(path) else Path(path).name


# -- what a file says about itself ------------------------------------------------------------------

def describe(path: str | Path, sha256: str | None = None) -> ModelIdentity:
    """The identity of a GGUF file from its header (tens of milliseconds) and the hash cache.

    `sha256` is a hash recorded elsewhere (a stored answer); without one, the cached hash is used
    if the file is unchanged. Never raises: an unreadable file gives an identity saying why."""
    path = Path(path).expanduser()
    try:
        path = path.resolve()
        entry = _valid_entry(path)
    except OSError:
        entry = None
    known = sha256 or cached_sha256(path)
    try:
        facts = _header_facts(path)
    except HearthError as exc:
        return ModelIdentity(file=path.name, sha256=known, source=_source(path, known, entry),
                             incomplete_reason=f"its header cannot be read: {exc}")
    identity = ModelIdentity(file=path.name, sha256=known, source=_source(path, known, entry), **facts)
    if known is None:
        return replace(identity, incomplete_reason=f"the sha256 of {path.name} has not been computed yet")
    return identity


def _header_facts(path: Path) -> dict[str, Any]:
    try:
        st = path.stat()
    except OSError as exc:
        raise HearthError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    return dict(_header_facts_of(str(path), st.st_size, st.st_mtime_ns))


@functools.lru_cache(maxsize=16)  # the feedback dialog asks again on every edit of the report
def _header_facts_of(path: str, size: int, mtime_ns: int) -> dict[str, Any]:  # cache key
    from desktop.models.gguf_info import inspect_gguf

    info = inspect_gguf(path)
    template = info.chat_template
    github = [info.metadata[k] for k in SOURCE_KEYS if "github.com" in str(info.metadata.get(k) or "")]
    return {"architecture": info.architecture, "quantization": info.quantization,
            "size_bytes": info.size_bytes, "parameters": info.parameters, "license": info.license,
            "chat_template_sha256": hashlib.sha256(template.encode("utf-8")).hexdigest() if template else None,
            "source_url": str(github[0]) if github else info.source_url}


def _source(path: Path, sha256: str | None, entry: dict[str, Any] | None) -> str:
    if entry and entry.get("source"):
        return str(entry["source"])
    catalog = _catalog_match(sha256, path)
    return f"catalog: {catalog.name} ({catalog.source})" if catalog else "local file"


def _catalog_match(sha256: str | None, path: Path | None = None):
    """The catalog entry with this hash, or (hash unknown) the one stored at this path."""
    from desktop.models.catalog import CATALOG

    for model in CATALOG:
        if sha256 and model.sha256 == sha256:
            return model
        if not sha256 and path is not None and path == (models_dir() / model.file_name).resolve() \
                and model.size_bytes in (None, _size(path)):
            return model
    return None


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def find_by_sha256(sha256: str, file: str | None = None) -> ModelIdentity | None:
    """A model known by its hash alone (its file may have moved or gone): from the cache of files
    hashed on this machine, else from the catalog."""
    for entry in _read_cache().values():
        if entry.get("sha256") == sha256 and entry.get("facts"):
            return ModelIdentity(file=file or entry["facts"].get("file"), sha256=sha256,
                                 source=entry.get("source"), **_known_facts(entry["facts"]))
    catalog = _catalog_match(sha256)
    if catalog is None:
        return None
    return ModelIdentity(file=file or catalog.file_name, sha256=sha256, architecture=catalog.architecture,
                         size_bytes=catalog.size_bytes, license=catalog.license,
                         source=f"catalog: {catalog.name} ({catalog.source})")


def _known_facts(facts: dict[str, Any]) -> dict[str, Any]:
    keys = ("architecture", "quantization", "size_bytes", "parameters", "chat_template_sha256", "license",
            "source_url")
    return {k: facts.get(k) for k in keys}


# -- hashing, once per file ---------------------------------------------------------------------

_lock = threading.Lock()  # guards the cache file and the jobs table
_jobs: dict[tuple[str, int, int], Future] = {}


def verified_sha256(path: Path) -> str | None:
    """The sha256 a completed download was verified to have (fetch writes `<file>.verified`:
    sha256, size, mtime), if the file is unchanged since."""
    try:
        words = path.with_name(path.name + ".verified").read_text().split()
        st = path.stat()
    except OSError:
        return None
    return words[0] if len(words) == 3 and words[1:] == [str(st.st_size), str(st.st_mtime_ns)] else None


def cached_sha256(path: str | Path) -> str | None:
    """The file's sha256 if it was hashed (or verified as a download) before and has not changed
    since; None otherwise."""
    path = Path(path).expanduser()
    try:
        entry = _valid_entry(path.resolve())
    except OSError:
        return None
    return (entry or {}).get("sha256") or verified_sha256(path)


def sha256_of(path: str | Path, on_hashing: Callable[[str], None] | None = None) -> str:
    """The file's sha256, from the cache or computed now (and cached); HearthError if unreadable.
    `on_hashing(file name)` is called first when it has to be computed (a note for the user)."""
    if on_hashing is not None and cached_sha256(path) is None:
        on_hashing(Path(path).name)
    return hash_in_background(path).result()


def hash_in_background(path: str | Path) -> Future:
    """A Future of the file's sha256, computed on a daemon thread unless cached. Asking twice for
    the same unchanged file while it is being hashed returns the same Future; a failure to read
    the file is the Future's HearthError."""
    path = Path(path).expanduser().resolve()
    future: Future = Future()
    try:
        key = _key(path)
    except OSError as exc:
        future.set_exception(HearthError(f"cannot read {path}: {exc.strerror or exc}"))
        return future
    with _lock:
        running = _jobs.get(key)
        if running is not None:
            return running
        known = cached_sha256(path)
        if known is None:
            _jobs[key] = future
    if known is not None:
        remember(path, sha256=known)  # a verified download's hash goes into the cache, with its facts
        future.set_result(known)
        return future
    threading.Thread(target=_hash_job, args=(path, key, future), name="hearth-hash", daemon=True).start()
    return future


def _hash_job(path: Path, key: tuple[str, int, int], future: Future) -> None:
    _lowest_priority()
    try:
        digest = _hash_file(path)
        if _key(path) != key:
            raise HearthError(f"{path.name} changed while it was being hashed; open it again")
        remember(path, sha256=digest)
    except OSError as exc:
        future.set_exception(HearthError(f"cannot read {path}: {exc.strerror or exc}"))
    except HearthError as exc:
        future.set_exception(exc)
    else:
        future.set_result(digest)
    finally:
        with _lock:
            _jobs.pop(key, None)


def _lowest_priority() -> None:
    """Let llama.cpp's threads have the cores: on Linux a thread has its own nice value, so the
    hash only uses what the answer leaves idle. Elsewhere the call fails and is skipped."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)  # hashlib releases the GIL on large blocks: the UI keeps running
    return digest.hexdigest()


# -- the cache file -------------------------------------------------------------------------------

def remember(path: str | Path, *, sha256: str | None = None, source: str | None = None) -> None:
    """Record what is known about a file as it is now: its hash (a verified download, a finished
    hash) and/or how Hearth got it. A file that changed since its last entry starts afresh; an
    entry that already says all this is not written again."""
    path = Path(path).expanduser().resolve()
    st = path.stat()
    with _lock:
        cache = _read_cache()
        old = cache.get(str(path)) or {}
        entry = dict(old)
        if (entry.get("size"), entry.get("mtime_ns")) != (st.st_size, st.st_mtime_ns):
            entry = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
        if sha256 is not None and (entry.get("sha256") != sha256 or "facts" not in entry):
            entry["sha256"] = sha256
            try:
                entry["facts"] = {"file": path.name, **_header_facts(path)}
            except HearthError:
                entry.pop("facts", None)
        if source is not None:
            entry["source"] = source
        if entry == old:
            return
        cache.pop(str(path), None)
        cache[str(path)] = entry  # last: the most recently used entries are the ones kept
        _write_cache(cache)


def _key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path), st.st_size, st.st_mtime_ns


def _valid_entry(path: Path) -> dict[str, Any] | None:
    """The cache entry for `path` if the file still has the size and mtime it was recorded with."""
    entry = _read_cache().get(str(path))
    if not entry:
        return None
    st = path.stat()
    return entry if (entry.get("size"), entry.get("mtime_ns")) == (st.st_size, st.st_mtime_ns) else None


def _cache_path() -> Path:
    return data_dir() / CACHE_FILE


def _read_cache() -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION or not isinstance(data.get("files"), dict):
        return {}
    return {k: v for k, v in data["files"].items() if isinstance(v, dict)}


def _write_cache(files: dict[str, dict[str, Any]]) -> None:
    # Entries of moved or deleted files are kept: a report about an old answer still finds its
    # model's facts by sha256. Only the oldest beyond MAX_ENTRIES are dropped.
    kept = dict(list(files.items())[-MAX_ENTRIES:])
    try:
        write_atomically(_cache_path(), json.dumps({"version": CACHE_VERSION, "files": kept}, indent=1))
    except HearthError:
        pass  # a read-only data folder: the hash is still returned, just not remembered
