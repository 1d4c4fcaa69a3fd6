"""desktop.engine.reference_server: llama-cpp-python's server in the CPU code proven here. Serving
is exercised by the remote-engine tests (tests/engine/remote_servers.py starts it); here, its usage."""
import subprocess
import sys


def test_without_a_model_it_says_how_to_start_it_in_one_line():
    result = subprocess.run([sys.executable, "-m", "desktop.engine.reference_server", "--port", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("usage: python -m desktop.engine.reference_server --model")
