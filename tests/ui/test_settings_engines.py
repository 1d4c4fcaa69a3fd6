"""Settings ▸ Remote engines ▸ Add…: the dialog follows a change of language while it is open."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from desktop.ui.i18n import set_language
from desktop.ui.settings_engines import EngineDialog


@pytest.fixture
def english_afterwards(qapp):
    yield
    set_language(qapp, "en")


def _texts(dialog: EngineDialog) -> list[str]:
    return [dialog.windowTitle(), *(label.text() for label in dialog.labels), dialog.browse.text(),
            dialog.key.placeholderText(), dialog.ca_file.placeholderText(), dialog.url.accessibleName(),
            dialog.note.text()[:24]]


def test_the_add_engine_dialog_retranslates_live(qapp, qtbot, english_afterwards) -> None:
    dialog = EngineDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("team box")  # what the person typed stays
    english = _texts(dialog)
    assert english[:6] == ["Add a remote engine", "Name", "URL", "API key", "CA file", "Browse…"]
    set_language(qapp, "zh_CN")
    chinese = _texts(dialog)
    assert chinese[:6] == ["添加远程引擎", "名称", "网址", "API 密钥", "CA 文件", "浏览…"]
    assert chinese[6:] == ["无", "仅用于私有证书颁发机构", "服务器网址", "任何兼容 OpenAI 的服务器：vLLM、ll"]
    assert dialog.name.text() == "team box"
    set_language(qapp, "en")
    assert _texts(dialog) == english
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Save) is not None
