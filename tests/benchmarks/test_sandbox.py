"""The sandbox refuses what untrusted generated code must not do, and the run goes on."""
from __future__ import annotations

import os
import sys

import pytest

from desktop.benchmarks.sandbox import Limits, describe, isolation, run_python

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sandbox's limits are tested on Linux")
QUICK = Limits(wall_s=8.0, cpu_s=4)


def test_a_correct_sample_passes_and_a_wrong_one_fails_with_its_error():
    assert run_python("assert sum([1, 2]) == 3\n", QUICK).status == "passed"
    wrong = run_python("assert sum([1, 2]) == 4, 'wrong sum'\n", QUICK)
    assert wrong.status == "failed" and "wrong sum" in wrong.detail


def test_writing_outside_its_folder_fails_and_nothing_is_written(tmp_path):
    target = tmp_path / "stolen.txt"
    os.chmod(tmp_path, 0o777)  # even a world-writable folder elsewhere stays out of reach
    outcome = run_python(f"open({str(target)!r}, 'w').write('x')\n", QUICK)
    assert outcome.status == "failed" and "PermissionError" in outcome.detail
    assert not target.exists()
    inside = run_python("open('scratch.txt', 'w').write('ok')\nassert open('scratch.txt').read() == 'ok'\n", QUICK)
    assert inside.status == "passed"


def test_a_fork_bomb_is_contained_and_the_next_sample_runs():
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    outcome = run_python(bomb, Limits(wall_s=3.0, cpu_s=2))
    assert outcome.status in ("timeout", "killed", "failed")
    assert run_python("print('still here')\n", QUICK).status == "passed"


def test_allocating_8_gb_fails_with_memory_error():
    outcome = run_python("block = bytearray(8 * 1024 ** 3)\n", QUICK)
    assert outcome.status == "failed" and "MemoryError" in outcome.detail


def test_opening_a_socket_fails():
    outcome = run_python("import socket\nsocket.create_connection(('127.0.0.1', 9), timeout=1)\n", QUICK)
    assert outcome.status == "failed"


@pytest.mark.skipif(not isolation(), reason="no network namespace on this machine")
def test_in_its_network_namespace_there_is_no_network_even_without_the_audit_hook():
    # A sample that removes nothing but reads /proc: inside the namespace only `lo` exists.
    outcome = run_python("names = [l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]]\n"
                         "assert names == ['lo'], names\n", QUICK)
    assert outcome.status == "passed", outcome.detail


def test_a_sample_sees_a_clean_environment_and_an_empty_folder(monkeypatch):
    monkeypatch.setenv("HEARTH_SECRET_TOKEN", "s3cret")
    outcome = run_python("import os\nassert 'HEARTH_SECRET_TOKEN' not in os.environ\n"
                         "assert os.listdir('.') == ['program.py'], os.listdir('.')\n", QUICK)
    assert outcome.status == "passed", outcome.detail


def test_an_endless_loop_times_out():
    outcome = run_python("while True:\n    pass\n", Limits(wall_s=1.5, cpu_s=10))
    assert outcome.status == "timeout"
    assert "network" in describe()
