"""Backups and salvage on the benchmark store (issue 17's goals), run by `store_bench.py --safety`.

  an append while a backup runs (p99)   Store.add_message beside backup.backup   goal: <= 50 ms more
                                                                                 than without one
  salvage of the whole store            salvage.salvage                          goal < 60 s

References in the same run: appends with no backup running, and SQLite's own full copy of the
store (`VACUUM INTO`) for salvage, which reads every row through SQLite instead of page by page.

    .venv/bin/python bench/store_safety_bench.py --db /path/hearth.sqlite3   # an existing bench store
"""
from __future__ import annotations

import argparse
import random
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
    start, cpu = time.perf_counter(), time.process_time()
    report = salvage(path, folder / "salvaged.sqlite3")
    result["salvage_s"] = time.perf_counter() - start
    result["salvage_cpu_s"] = time.process_time() - cpu  # on a shared machine: the work itself
    result["salvage_messages"] = report.messages
    (folder / "salvaged.sqlite3").unlink()
    conn = sqlite3.connect(path)
    start = time.perf_counter()
    conn.execute("VACUUM INTO ?", (str(folder / "vacuumed.sqlite3"),))
    result["vacuum_into_s"] = time.perf_counter() - start
    conn.close()
    (folder / "vacuumed.sqlite3").unlink()
    folder.rmdir()
    return result


def print_report(result: dict) -> None:
    delay = result["append_during_backup_p99_ms"] - result["append_quiet_p99_ms"]
    print(f"\nappend p99 while a backup runs: {result['append_during_backup_p99_ms']:.2f} ms "
          f"({result['appends_during_backup']} appends; without a backup {result['append_quiet_p99_ms']:.2f} ms; "
          f"delay {delay:+.2f} ms, goal <= 50 ms: {'met' if delay <= 50 else 'NOT met'})")
    print(f"backup of {result['backup_mb']:.0f} MB:           {result['backup_s']:.1f} s")
    print(f"salvage ({result['salvage_messages']:,} messages): {result['salvage_s']:.1f} s "
          f"({result['salvage_cpu_s']:.1f} s of CPU) "
          f"(goal < 60 s: {'met' if result['salvage_s'] < 60 else 'NOT met'}); "
          f"SQLite's VACUUM INTO {result['vacuum_into_s']:.1f} s, ratio "
          f"{result['salvage_s'] / result['vacuum_into_s']:.1f}")


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
