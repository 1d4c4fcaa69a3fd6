"""The part every resumable benchmark command shares: skip what the journal holds, show a tqdm
bar with the time left, stop cleanly on Ctrl+C, print and save the table at the end."""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def run_journalled(journal: Any, ids: list[str], desc: str, unit: str,
                   work: Callable[[set[str], Callable[[Any], None]], Any]) -> bool:
    """Call work(done_ids, after_each) with a progress bar; False when Ctrl+C stopped it."""
    from tqdm import tqdm

    done = journal.done_ids() & set(ids)
    if done:
        print(f"resuming {journal.path.name}: {len(done)} of {len(ids)} already scored", file=sys.stderr)
    bar = tqdm(total=len(ids), initial=len(done), unit=unit, file=sys.stderr, desc=desc, dynamic_ncols=True)
    try:
        work(done, lambda _answer: bar.update(1))
    except KeyboardInterrupt:
        print(f"\nhearth: interrupted; {len(journal.records)} answers kept in {journal.path}, "
              "rerun the same command to continue", file=sys.stderr)
        return False
    finally:
        bar.close()
    return True


def report(journal: Any, summary: dict[str, Any], text: str) -> int:
    print(text)
    print(f"\nsaved: {journal.finish(summary, text)}", file=sys.stderr)
    return 0
