"""`hearth serve` as a user runs it: one line with the URL when ready, Ctrl+C stops it cleanly."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests


def hearth(*args: str, **kwargs) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "HEARTH_API_KEY"}
    return subprocess.Popen([sys.executable, "-m", "desktop.cli.main", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=interruptible, **kwargs)


def interruptible() -> None:
    """Ctrl+C as a terminal delivers it, even when the test run itself was started in the
    background (whose children inherit SIGINT ignored, and Python then never raises it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_another_interface_without_a_key_is_refused_before_loading(tmp_path: Path) -> None:
    process = hearth("serve", "--host", "0.0.0.0", "-m", str(tmp_path / "never-loaded.gguf"))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert err.strip().count("\n") == 0 and "--api-key" in err and "Traceback" not in err
    assert out == ""


def test_serve_prints_its_url_answers_and_stops_on_ctrl_c(smollm_path: Path) -> None:
    # its own session, so the interrupt reaches the whole process group as a terminal's Ctrl+C does
    process = hearth("serve", "-m", str(smollm_path), "--port", "0", "--ctx", "512", start_new_session=True)
    try:
        ready = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/v1", ready)
        assert match, ready + process.stderr.read()
        url = match.group(1)
        models = requests.get(f"{url}/v1/models", timeout=10).json()
        assert models["data"][0]["id"] == "smollm2-135m"
        answer = requests.post(f"{url}/v1/chat/completions", timeout=60, json={
            "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 3}).json()
        assert answer["usage"]["completion_tokens"] <= 3
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "stopping" in out


def test_a_missing_embedding_model_is_one_line_before_serving(smollm_path: Path, tmp_path: Path) -> None:
    process = hearth("serve", "-m", str(smollm_path), "--port", "0", "--ctx", "512",
                     "--embedding-model", str(tmp_path / "absent.gguf"))
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, out + err
    assert err.strip().count("\n") == 0 and "absent.gguf" in err and "Traceback" not in err
    assert "serving" not in out
