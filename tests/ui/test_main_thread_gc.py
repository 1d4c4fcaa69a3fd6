"""Garbage is collected on the UI thread only, on a timer (the app and these tests run one)."""
import gc
import threading


class Cycle:
    def __init__(self):
        self.me = self


def test_garbage_made_in_a_worker_is_collected_on_the_ui_thread(qtbot):
    assert not gc.isenabled()
    collected_in = []

    class Watched(Cycle):
        def __del__(self):
            collected_in.append(threading.current_thread() is threading.main_thread())

    def make_garbage():
        Watched()
        for _ in range(20_000):  # enough allocations to trigger a collection in this thread
            Cycle()

    worker = threading.Thread(target=make_garbage)
    worker.start()
    worker.join()
    assert collected_in == []  # nothing was collected in the worker
    qtbot.waitUntil(lambda: bool(collected_in), timeout=5000)
    assert collected_in == [True]
