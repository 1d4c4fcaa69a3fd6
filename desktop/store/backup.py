"""Backups of the session store with SQLite's online backup API, and restoring one.

A backup is a consistent snapshot taken while Hearth keeps writing: the source is read inside one
read transaction (in WAL mode that never blocks a writer, and it keeps the backup from restarting
when the app appends meanwhile), copied a few hundred pages at a time with short pauses so an
append or a streaming answer never waits behind it. The copy is written to a temporary file in the
backups folder and renamed only when complete, so a crash, kill -9 or a full disk leaves the earlier
backups and the store exactly as they were. Automatic backups (`DailyBackups`) run at most once a
day while Hearth runs and before every schema migration; the newest `keep` are kept.
"""
from __future__ import annotations

import calendar
import logging
import os
import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.errors import HearthError
from desktop.store.faults import as_hearth_error
from desktop.store.schema import latest_version, migrate, schema_version

STEP_PAGES = 256  # 1 MB per step at 4 KiB pages
STEP_PAUSE_S = 0.002
DAY_S = 24 * 3600
KEEP = 7
NAME = re.compile(r"^hearth-(\d{8}T\d{6}Z)(?:-[a-z0-9-]+)?\.sqlite3$")
TEMP_PREFIX = ".hearth-backup-"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: float  # unix seconds, from the name (the file's time can change when it is copied)
    size: int


def folder_for(store_path: Path) -> Path:
    """Backups live next to the store, in `backups/` (so copying the data folder copies them too)."""
    return store_path.parent / "backups"


def list_backups(store_path: Path) -> list[Backup]:
    """The automatic and manual backups in the store's backups folder, newest first."""
    folder = folder_for(store_path)
    found = []
    for path in folder.glob("hearth-*.sqlite3") if folder.is_dir() else ():
        match = NAME.match(path.name)
        if match:
            taken = calendar.timegm(time.strptime(match.group(1), "%Y%m%dT%H%M%SZ"))
            found.append((taken, path.stat().st_mtime_ns, Backup(path, taken, path.stat().st_size)))
    return [item for *_, item in sorted(found, key=lambda f: f[:2], reverse=True)]  # same second: by mtime


def backup(store_path: Path, out: Path | None = None, *, label: str = "", keep: int | None = KEEP,
           step_pages: int = STEP_PAGES, pause_s: float = STEP_PAUSE_S) -> Path:
    """Copy the store to `out` (default: a new dated file in its backups folder) and return the path.

    Only backups in the backups folder are pruned to the newest `keep` (None keeps all)."""
    if not store_path.exists():
        raise HearthError(f"there is no session store at {store_path} to back up")
    if out is None:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        out = folder_for(store_path) / f"hearth-{stamp}{'-' + label if label else ''}.sqlite3"
        n = 1
        while out.exists():
            n += 1
            out = out.with_name(f"hearth-{stamp}-{n}{'-' + label if label else ''}.sqlite3")
    tmp = out.with_name(f"{TEMP_PREFIX}{os.getpid()}-{out.name}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)  # a file in its way fails this backup, in one line
        _remove_leftovers(out.parent)
        _copy(store_path, tmp, step_pages, pause_s)
        os.replace(tmp, out)
    except sqlite3.Error as exc:
        raise HearthError(f"the backup to {out} failed ({as_hearth_error(exc, out)}); the store and "
                          f"earlier backups are unchanged") from None
    except OSError as exc:
        raise HearthError(f"the backup to {out} failed ({exc.strerror or exc}); the store and earlier "
                          f"backups are unchanged") from None
    finally:
        if tmp.exists():  # False too where a file stands in the folder's place
            tmp.unlink()
    if keep is not None and out.parent == folder_for(store_path):
        for old in list_backups(store_path)[keep:]:
            old.path.unlink(missing_ok=True)
    return out


def destination(path: Path) -> sqlite3.Connection:
    """The temporary file a backup is written into (no journal: it is thrown away if interrupted)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA cache_size = 64")  # pages go to the file as they come, not all at the end
    return conn


def _copy(store_path: Path, tmp: Path, step_pages: int, pause_s: float) -> None:
    source = sqlite3.connect(store_path, isolation_level=None, timeout=5)
    try:
        target = destination(tmp)
        try:
            source.execute("BEGIN")  # one snapshot for the whole copy: no restarts, no blocked writer
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            # `sleep` only applies when a step is refused as busy; the pause between steps is ours
            source.backup(target, pages=step_pages, progress=lambda *_: time.sleep(pause_s))
            source.execute("COMMIT")
            problems = target.execute("PRAGMA quick_check").fetchone()[0]
            if problems != "ok":
                raise HearthError(f"the backup of {store_path} did not pass SQLite's check ({problems}); "
                                  f"the store may be damaged: restart Hearth to salvage it")
        finally:
            target.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    finally:
        source.close()


def _remove_leftovers(folder: Path) -> None:
    """Temporary files of backups that were killed midway (never a finished backup)."""
    for leftover in folder.glob(f"{TEMP_PREFIX}*"):
        pid = leftover.name[len(TEMP_PREFIX):].split("-", 1)[0]
        if pid != str(os.getpid()) and not _alive(pid):
            leftover.unlink(missing_ok=True)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def restore(store_path: Path, source: Path, keep: int | None = KEEP) -> Path:
    """Replace the store's content with a backup's; the current content is backed up first.

    The copy goes through SQLite into the live file (one transaction), so an app that has the store
    open sees the restored conversations and never a half-replaced file. Returns the safety backup."""
    from desktop.store import recovery

    if not source.is_file():
        raise HearthError(f"there is no backup file {source}")
    problem = recovery.problem_with(source)
    if problem is not None:
        raise HearthError(f"{source} cannot be restored: {problem}")
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        if src.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sessions'").fetchone()[0] != 1:
            raise HearthError(f"{source} cannot be restored: it holds no Hearth sessions")
        safety = backup(store_path, label="before-restore", keep=keep)
        dst = sqlite3.connect(store_path, timeout=5, isolation_level=None)
        try:
            src.backup(dst)
            migrate(dst)  # a backup from an older Hearth is brought up to date at once
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise as_hearth_error(exc, store_path) from None
    finally:
        src.close()
    return safety


def before_migration(store_path: Path) -> Path | None:
    """Back the store up if opening it is about to upgrade its schema (never for a new, empty one)."""
    if not store_path.exists() or store_path.stat().st_size == 0:
        return None
    conn = sqlite3.connect(store_path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        version = schema_version(conn)
    except sqlite3.Error:
        return None  # not readable as a store: recovery has already set it aside
    finally:
        conn.close()
    if version == 0 or version >= latest_version():
        return None
    return backup(store_path, label=f"before-schema-{latest_version()}", keep=None)


def due(store_path: Path, now: float | None = None) -> bool:
    """Whether a day has passed since the newest backup (or there is none)."""
    newest = list_backups(store_path)[:1]
    return not newest or (now or time.time()) - newest[0].taken_at >= DAY_S


class DailyBackups:
    """A background thread backing the store up at most once a day while Hearth runs.

    It waits `delay_s` after start (so opening the app is never slowed), then checks every
    `check_s`. A failed backup is logged and retried at the next check; `on_error` hears of it
    once (the app shows it in its status line), not again at every retry until one succeeds.
    `keep` may be changed while it runs (the setting)."""

    def __init__(self, store_path: Path, keep: int = KEEP, delay_s: float = 120, check_s: float = 3600,
                 on_error=None) -> None:
        self.store_path, self.keep, self.delay_s, self.check_s = store_path, keep, delay_s, check_s
        self.on_error = on_error
        self.last: Path | None = None
        self.failing = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hearth-backups", daemon=True)

    def start(self) -> "DailyBackups":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def check(self, now: float | None = None) -> None:
        """One check: a backup if a day has passed since the newest."""
        if not due(self.store_path, now):
            return
        try:
            self.last = backup(self.store_path, label="daily", keep=self.keep)
        except HearthError as exc:
            log.warning("automatic backup: %s", exc)
            if not self.failing and self.on_error is not None:
                self.on_error(str(exc))
            self.failing = True
        else:
            self.failing = False

    def _run(self) -> None:
        if self._stop.wait(self.delay_s):
            return
        while True:
            self.check()
            if self._stop.wait(self.check_s):
                return
