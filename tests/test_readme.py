"""The README's promises about setting up and testing stay true."""
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_the_readme_opens_with_exactly_two_commands():
    setup, tests = readme_commands()
    assert setup == "./hearth-setup"
    assert tests.endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readmes_test_command_verbatim():
    assert readme_commands()[1] in (ROOT / ".ci" / "run").read_text()


def test_setup_rejects_unknown_options_and_explains_itself():
    bad = subprocess.run([str(ROOT / "hearth-setup"), "--frobnicate"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown option '--frobnicate'" in bad.stderr
    usage = subprocess.run([str(ROOT / "hearth-setup"), "--help"], capture_output=True, text=True)
    assert usage.returncode == 0 and "--no-launch" in usage.stdout
