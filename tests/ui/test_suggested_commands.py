"""Every command the UI suggests is accepted by the real CLI, and the benchmark one really runs."""
from __future__ import annotations

import json
import shlex
import subprocess
import sys

import pytest

from desktop.cli.main import build_parser
from desktop.ui.suggested_commands import SUGGESTED_COMMANDS, suggested
from tests.feedback.conftest import chat  # noqa: F401 - the fixture shared with tests/feedback


@pytest.mark.parametrize("name", sorted(SUGGESTED_COMMANDS))
def test_the_cli_accepts_every_suggested_command(name):
    words = shlex.split(suggested(name))
    assert words[0] == "hearth"
    build_parser().parse_args(words[1:])  # argparse exits (SystemExit) on anything it rejects


def test_the_suggested_benchmark_runs_and_its_file_attaches_to_a_report(tmp_path, smollm_path, qtbot, chat):  # noqa: F811
    from desktop.ui.feedback_dialog import FeedbackDialog
    from desktop.ui.settings import Settings

    words = shlex.split(suggested("benchmark", str(smollm_path)))
    command = [sys.executable, "-m", "desktop.cli.main", *words[1:], "--limit", "1", "--threads", "1"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = tmp_path / "eval-json.json"
    assert json.loads(result.read_text())
    dialog = FeedbackDialog(chat.store, message_id=chat.answer_id, kind="benchmark", settings=Settings())
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.loaded, timeout=5000)
    assert "hearth eval json --model" in dialog.benchmark_path.text()
    dialog.set_benchmark_file(str(result))
    assert dialog.send_button.isEnabled() and dialog.edited_payload()["details"]["file"] == "eval-json.json"
    dialog.close()
