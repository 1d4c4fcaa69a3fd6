"""Backups and salvage on the benchmark store (issue 17's goals), run by `store_bench.py --safety`.

  an append while a backup runs (p99)   Store.add_message beside backup.backup   goal: <= 50 ms more
                                                                                 than without one
  salvage of the whole store            salvage.salvage                          goal < 60 s
  salvage of a damaged copy             the same, one messages page overwritten  goal < 60 s

References in the same run: appends with no backup running, and SQLite's own full copy of the
store (`VACUUM INTO`) for salvage. The damaged copy has one leaf page of the messages table, in
the middle of the file, overwritten with random bytes (the issue's example, at scale): SQLite's
reading fails there, so salvage also pays for narrowing the damage down and reading that page
itself. CPU seconds are reported beside wall seconds, with the load average: on a shared machine
the wall time is mostly other people's work.

    .venv/bin/python bench/store_safety_bench.py --db /path/hearth.sqlite3   # an existing bench store
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.store_bench import p99, synthetic_text
from desktop.store import Store, backup
from desktop.store.salvage import salvage

APPEND_GAP_S = 0.005  # an app appends a partial answer about once a second; 200/s is far busier


def appends_ms(store: Store, sessions: int, count: int, until: threading.Event | None = None) -> list[float]:
    """Append latencies: `count` appends, or (with `until`) as many as fit until it is set."""
    rng = random.Random(3)
    times: list[float] = []
    while (not until.is_set()) if until is not None else len(times) < count:
        sid = rng.randint(2, sessions)
        start = time.perf_counter()
        store.add_message(sid, "user", synthetic_text(rng))
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(APPEND_GAP_S)
    return times


def measure(path: Path, sessions: int, appends: int = 400) -> dict:
    """Append latencies with and without a backup running, backup and salvage times."""
    folder = Path(tempfile.mkdtemp(prefix="hearth-safety-"))
    result: dict = {}
    with Store.open(path) as store:
        quiet = appends_ms(store, sessions, appends)
        done = threading.Event()
        taken: dict = {}

        def run_backup() -> None:
            start = time.perf_counter()
            taken["path"] = backup.backup(path, folder / "backup.sqlite3")
            taken["seconds"] = time.perf_counter() - start
            done.set()

        worker = threading.Thread(target=run_backup)
        worker.start()
        during = appends_ms(store, sessions, appends, until=done)
        worker.join()
    result.update(append_quiet_p99_ms=p99(quiet), append_quiet_median_ms=statistics.median(quiet),
                  append_during_backup_p99_ms=p99(during),
                  append_during_backup_median_ms=statistics.median(during),
                  appends_during_backup=len(during), backup_s=taken["seconds"],
                  backup_mb=taken["path"].stat().st_size / 1e6)
    taken["path"].unlink()
    result.update(_salvage_times(path, folder, "salvage"))
    damaged = folder / "damaged.sqlite3"
    shutil.copyfile(path, damaged)
    _overwrite_a_message_page(damaged)
    result.update(_salvage_times(damaged, folder, "salvage_damaged"))
    for leftover in folder.glob("damaged.sqlite3*"):  # a read-only reader leaves an empty -wal, -shm
        leftover.unlink()
    conn = sqlite3.connect(path)
    start = time.perf_counter()
    conn.execute("VACUUM INTO ?", (str(folder / "vacuumed.sqlite3"),))
    result["vacuum_into_s"] = time.perf_counter() - start
    conn.close()
    (folder / "vacuumed.sqlite3").unlink()
    folder.rmdir()
    return result


def _salvage_times(path: Path, folder: Path, key: str) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    report = salvage(path, folder / "salvaged.sqlite3")
    result = {f"{key}_s": time.perf_counter() - start,
              f"{key}_cpu_s": time.process_time() - cpu,  # on a shared machine: the work itself
              f"{key}_messages": report.messages, f"{key}_load": os.getloadavg()[0]}
    (folder / "salvaged.sqlite3").unlink()
    return result


def _overwrite_a_message_page(path: Path) -> None:
    """Overwrite the leaf page of the messages table nearest the middle of the file."""
    conn = sqlite3.connect(path)
    leaves = [row[0] for row in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'messages' AND pagetype = 'leaf'")]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    count = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    page = min(leaves, key=lambda n: abs(n - count // 2))
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * size)
        fh.write(random.Random(17).randbytes(size))


def print_report(result: dict) -> None:
    delay = result["append_during_backup_p99_ms"] - result["append_quiet_p99_ms"]
    print(f"\nappend p99 while a backup runs: {result['append_during_backup_p99_ms']:.2f} ms "
          f"({result['appends_during_backup']} appends; without a backup {result['append_quiet_p99_ms']:.2f} ms; "
          f"delay {delay:+.2f} ms, goal <= 50 ms: {'met' if delay <= 50 else 'NOT met'})")
    print(f"backup of {result['backup_mb']:.0f} MB:           {result['backup_s']:.1f} s")
    for key, what in (("salvage", "salvage"), ("salvage_damaged", "salvage, one page damaged")):
        print(f"{what} ({result[f'{key}_messages']:,} messages): {result[f'{key}_s']:.1f} s "
              f"({result[f'{key}_cpu_s']:.1f} s of CPU, load average {result[f'{key}_load']:.1f} on "
              f"{os.cpu_count()} CPUs) (goal < 60 s: {'met' if result[f'{key}_s'] < 60 else 'NOT met'}); "
              f"SQLite's VACUUM INTO {result['vacuum_into_s']:.1f} s, ratio "
              f"{result[f'{key}_s'] / result['vacuum_into_s']:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a store built by bench/store_bench.py")
    parser.add_argument("--appends", type=int, default=400)
    args = parser.parse_args()
    with Store.open(args.db) as store:
        sessions = store._connection().execute("SELECT max(id) FROM sessions").fetchone()[0]
    print_report(measure(args.db, sessions, args.appends))
    return 0


if __name__ == "__main__":
    sys.exit(main())
