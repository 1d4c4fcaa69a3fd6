"""Streaming durability: kill -9 mid-answer keeps the question and the partial answer."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from desktop.store import Store

# A stand-in for the app while it streams: the question is stored before generation, then the
# answer grows and is saved after every piece, as the UI does at least once a second.
STREAMER = """
import sys, time
from desktop.store import Store
store = Store.open(sys.argv[1])
sid = store.create_session()
question = store.add_message(sid, "user", "Count for me")
answer = store.begin_assistant(sid, question.id, model_file="m.gguf", params={"seed": 1})
text = ""
for i in range(1_000_000):
    text += f"{i} "
    store.save_partial(answer.id, text)
    if i == 200:
        print(answer.id, flush=True)
    time.sleep(0.001)
"""


def test_kill_9_mid_answer_keeps_the_partial_text_and_an_intact_database(hearth_home):
    path = hearth_home / "hearth.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", STREAMER, str(path)], stdout=subprocess.PIPE, text=True)
    answer_id = int(proc.stdout.readline())
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    with Store.open(path) as store:
        assert store.recovery_notice is None
        assert store._connection().execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        answer = store.get_message(answer_id)
        assert answer.streaming  # never finished: the UI can show it as cut off
        numbers = answer.content.split()
        assert len(numbers) > 200 and numbers == [str(i) for i in range(len(numbers))]
        [question, stored] = store.active_path(answer.session_id)
        assert question.content == "Count for me" and stored.id == answer_id
        # The store carries on: the cut-off answer can be finished or regenerated.
        store.finish_assistant(answer_id, answer.content, "cancelled")
        assert [h.message_id for h in store.search("Count for")] == [question.id]
