"""Work on a plain thread whose result comes back through a Qt signal (queued to the UI thread).

The signal's owner may be gone by the time the work ends (its dialog was closed): the result is
then dropped instead of raising in the thread.
"""
from __future__ import annotations

import threading
from typing import Any, Callable


def in_background(name: str, work: Callable[[], Any], signal: Any) -> None:
    """Run `work()` on a daemon thread called `name`, then `signal.emit(result)`."""
    def run() -> None:
        result = work()
        try:
            signal.emit(result)
        except RuntimeError:  # the signal's object was deleted meanwhile
            pass

    threading.Thread(target=run, name=name, daemon=True).start()
