"""The generation panel: what the user sets is what the engine gets, and bad schemas never leave it."""
from __future__ import annotations

import pytest

from desktop.engine.types import SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.ui.generation_panel import GenerationPanel, format_stop_strings, parse_stop_strings
from desktop.paths import resource_path
from desktop.ui.settings import Settings


@pytest.fixture
def panel(qtbot):
    widget = GenerationPanel(Settings())
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_edits_arrive_as_one_changed_signal(panel, qtbot) -> None:
    with qtbot.waitSignal(panel.changed, timeout=2000) as blocker:
        panel.temperature.setValue(0.2)
        panel.top_k.setValue(7)
        panel.max_tokens.setValue(0)
        panel.seed.setValue(1234)
        panel.stop.setPlainText("###\\nUser:")
        panel.system_prompt.setPlainText("Be brief.")
    params, constraint, prompt = blocker.args
    assert params.temperature == 0.2 and params.top_k == 7
    assert params.max_tokens is None and params.seed == 1234
    assert params.stop == ["###\nUser:"]
    assert constraint is None and prompt == "Be brief."


def test_set_values_shows_a_session_without_emitting(panel, qtbot) -> None:
    saved = SamplingParams(temperature=1.3, top_p=0.5, seed=None, max_tokens=77, stop=["\n\n"])
    with qtbot.assertNotEmitted(panel.changed, wait=400):
        panel.set_values(saved.to_dict(), {"kind": "json_object"}, "Answer in JSON.")
    params, constraint, prompt = panel.values()
    assert params.temperature == 1.3 and params.max_tokens == 77 and params.seed is None
    assert params.stop == ["\n\n"] and panel.seed.text() == "Random"
    assert constraint == Constraint("json_object") and prompt == "Answer in JSON."


def test_schema_is_validated_as_you_type(panel, qtbot) -> None:
    panel.json_mode.setCurrentIndex(panel.json_mode.findData("json_schema"))
    with qtbot.waitSignal(panel.problem_changed, timeout=2000) as blocker:
        panel.schema_edit.setPlainText('{"type": "object", "properties": {')
    assert blocker.args[0].startswith("Schema: line 1, column")
    assert panel.json_error.isVisible() and panel.problem() == blocker.args[0]
    with qtbot.waitSignal(panel.changed, timeout=2000) as blocker:
        panel.schema_edit.setPlainText('{"type": "object", "properties": {"name": {"type": "string"}}}')
    constraint = blocker.args[1]
    assert constraint.kind == "json_schema" and constraint.schema["properties"]["name"] == {"type": "string"}
    assert not panel.json_error.isVisible() and panel.problem() is None


def test_unenforceable_schema_names_the_feature(panel, qtbot) -> None:
    panel.json_mode.setCurrentIndex(panel.json_mode.findData("json_schema"))
    with qtbot.assertNotEmitted(panel.changed, wait=600):
        panel.schema_edit.setPlainText('{"type": "string", "pattern": "(?=a)b"}')
    assert panel.problem() and "\n" not in panel.problem()
    assert panel.json_error.text() == panel.problem()


def test_grammar_file_is_loaded_and_checked(panel, qtbot, tmp_path) -> None:
    panel.json_mode.setCurrentIndex(panel.json_mode.findData("grammar"))
    grammar = tmp_path / "yesno.gbnf"
    grammar.write_text('root ::= "yes" | "no"\n', encoding="utf-8")
    with qtbot.waitSignal(panel.changed, timeout=2000) as blocker:
        assert panel.load_grammar_file(str(grammar))
    assert blocker.args[1] == Constraint("grammar", grammar='root ::= "yes" | "no"\n')
    assert not panel.load_grammar_file(str(tmp_path / "missing.gbnf"))
    assert "Cannot read" in panel.json_error.text()


def test_presets_fill_the_prompt_and_new_ones_are_saved(panel, qtbot) -> None:
    panel.preset.setCurrentIndex(panel.preset.findData("Concise"))
    panel.preset.activated.emit(panel.preset.currentIndex())
    assert panel.system_prompt.toPlainText() == panel.settings.presets["Concise"]
    assert not panel.save_preset()  # no name typed
    assert panel.preset_error.text() == "Type a name for the preset."
    panel.system_prompt.setPlainText("Talk like a pirate.")
    assert panel.preset.currentData() is None  # edited: now a custom prompt
    panel.preset_name.setText("Pirate")
    assert panel.save_preset()
    assert Settings.load().presets["Pirate"] == "Talk like a pirate."
    assert panel.preset.currentData() == "Pirate"
    panel.delete_preset_button.click()
    assert "Pirate" not in Settings.load().presets


def test_stop_string_escapes_round_trip() -> None:
    stops = ["\n\n", "a\\b", "\tEND"]
    assert parse_stop_strings(format_stop_strings(stops)) == stops


def test_controls_have_accessible_names(panel) -> None:
    for widget in (panel.temperature, panel.top_p, panel.top_k, panel.min_p, panel.repeat_penalty,
                   panel.max_tokens, panel.seed, panel.stop, panel.system_prompt, panel.json_mode,
                   panel.repetition.toggle, panel.finish_guard, *panel.repetition.spins.values()):
        assert widget.accessibleName()


def test_built_in_grammars_are_offered(panel, qtbot) -> None:
    panel.json_mode.setCurrentIndex(panel.json_mode.findData("grammar"))
    index = panel.builtin_grammar.findText("yes no")
    assert index > 0 and panel.builtin_grammar.isVisible()
    with qtbot.waitSignal(panel.changed, timeout=2000) as blocker:
        panel.builtin_grammar.activated.emit(index)
    assert blocker.args[1].kind == "grammar"
    assert blocker.args[1].grammar == resource_path("grammars", "yes_no.gbnf").read_text(encoding="utf-8")


def test_a_preset_the_disk_refuses_is_kept_for_the_session(panel, tmp_path) -> None:
    from desktop import paths

    paths.settings_path().mkdir()  # a folder where the file should be: the save fails
    panel.system_prompt.setPlainText("Answer in haiku.")
    panel.preset_name.setText("Haiku")
    assert not panel.save_preset()
    assert panel.preset_error.text().startswith("Presets not saved: ")
    assert panel.preset.currentData() == "Haiku"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_panel_asks_for_the_width_its_controls_need(panel, qapp, language) -> None:
    """It asks (sizeHint) but never insists (minimumSizeHint): a narrow window scrolls it sideways."""
    from desktop.ui.i18n import set_language

    set_language(qapp, language)
    try:
        assert panel.minimumSizeHint().width() < panel.sizeHint().width()
        panel.resize(panel.sizeHint().width(), 900)
        qapp.processEvents()
        viewport = panel._scroll.viewport().width()
        assert panel._content.minimumSizeHint().width() <= viewport
        assert panel.temperature.geometry().right() <= viewport
    finally:
        set_language(qapp, "en")


def test_repetition_settings_are_folded_away_and_reach_the_engine(panel, qtbot) -> None:
    assert not panel.repetition.body.isVisible()
    panel.repetition.toggle.click()
    assert panel.repetition.spins["dry_multiplier"].isVisible()
    assert panel.repetition.spins["dry_multiplier"].text() == "Off"
    with qtbot.waitSignal(panel.changed, timeout=2000) as blocker:
        panel.repetition.spins["dry_multiplier"].setValue(0.8)
        panel.repetition.spins["dry_allowed_length"].setValue(3)
        panel.repetition.spins["dry_penalty_last_n"].setValue(512)
        panel.repetition.spins["xtc_probability"].setValue(0.5)
        panel.repetition.spins["xtc_threshold"].setValue(0.15)
    params = blocker.args[0]
    assert (params.dry_multiplier, params.dry_base, params.dry_allowed_length, params.dry_penalty_last_n) == (0.8, 1.75, 3, 512)
    assert (params.xtc_probability, params.xtc_threshold) == (0.5, 0.15)


def test_a_chat_that_uses_dry_shows_it_and_keeps_its_breakers(panel) -> None:
    saved = SamplingParams(dry_multiplier=1.2, dry_base=2.0, dry_sequence_breakers=["\n", "|"], xtc_threshold=0.2)
    panel.set_values(saved.to_dict(), None, "")
    assert panel.repetition.body.isVisible()
    params = panel.values()[0]
    assert (params.dry_multiplier, params.dry_base, params.xtc_threshold) == (1.2, 2.0, 0.2)
    assert params.dry_sequence_breakers == ["\n", "|"]  # no control for them: kept as saved
    spins = panel.repetition.spins
    assert spins["dry_penalty_last_n"].minimum() == -1 and spins["dry_multiplier"].maximum() == 10
    panel.set_values(SamplingParams().to_dict(), None, "")
    assert panel.repetition.spins["dry_penalty_last_n"].text() == "Whole context"


def test_the_finish_guard_can_be_turned_off_and_is_saved(panel, qtbot) -> None:
    panel.json_mode.setCurrentIndex(panel.json_mode.findData("json_object"))
    assert panel.finish_guard.isVisible() and panel.finish_guard.isChecked()
    with qtbot.waitSignal(panel.changed, timeout=2000) as blocker:
        panel.finish_guard.setChecked(False)
    assert blocker.args[1] == Constraint("json_object", runaway_guard=False)
    panel.set_values(None, Constraint("json_schema", schema={"type": "object"}, runaway_guard=False).to_dict(), "")
    assert not panel.finish_guard.isChecked() and panel.values()[1].runaway_guard is False
    panel.set_values(None, {"kind": "json"}, "")  # a chat saved before the switch existed: on
    assert panel.finish_guard.isChecked()
    panel.json_mode.setCurrentIndex(panel.json_mode.findData("grammar"))
    assert not panel.finish_guard.isVisible()  # a grammar is not JSON: the guard does not apply
