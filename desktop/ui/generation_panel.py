"""The right-hand panel: how answers are generated in this conversation.

Sampling parameters, the system prompt (with named presets) and JSON mode. Every edit ends, after a
short pause (so typing is not a store write per key), in one signal: `changed(SamplingParams,
Constraint | None, system_prompt)`. The main window saves those with the session, and loads a
session's saved values back with `set_values`. A schema or grammar that the engine cannot enforce
is reported inline as you type (`desktop.jsonmode.compile.check`) and nothing invalid is emitted;
`problem()` says why sending should wait.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from desktop.engine.types import ModelInfo, SamplingParams
from desktop.jsonmode.constraint import Constraint
from desktop.errors import HearthError
from desktop.paths import resource_path
from desktop.ui.device_text import device_text
from desktop.ui.repetition_controls import RepetitionControls
from desktop.ui.settings import Settings
from desktop.ui.wheel_guard import WheelGuard

DEBOUNCE_MS = 250
MIN_WIDTH_PX = 200
MAX_SEED = 2**31 - 1
JSON_MODES = ("off", "json", "json_object", "json_schema", "grammar")
# The escapes a stop string may use, since a line edit cannot hold a newline itself.
_ESCAPES = {"\\n": "\n", "\\t": "\t", "\\\\": "\\"}


def blank_stop_lines(text: str) -> list[int]:
    """Line numbers (from 1) holding only spaces or tabs: invisible stop strings are refused."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line and not line.strip()]


def parse_stop_strings(text: str) -> list[str]:
    """One stop string per line; \\n, \\t and \\\\ stand for newline, tab and backslash."""
    stops = []
    for line in text.splitlines():
        if not line:
            continue
        out, i = [], 0
        while i < len(line):
            pair = line[i:i + 2]
            if pair in _ESCAPES:
                out.append(_ESCAPES[pair])
                i += 2
            else:
                out.append(line[i])
                i += 1
        stops.append("".join(out))
    return stops


def format_stop_strings(stops: list[str]) -> str:
    return "\n".join(s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t") for s in stops)


def _json_error(text: str) -> tuple[Any, str | None]:
    """(parsed schema, None) or (None, one line saying where the JSON is broken)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
    if not isinstance(value, dict):
        return None, "a JSON Schema is a JSON object, such as {\"type\": \"object\"}"
    return value, None


class GenerationPanel(QWidget):
    """Sampling, system prompt and JSON mode for the current conversation."""

    changed = Signal(object, object, str)  # SamplingParams, Constraint | None, system prompt
    problem_changed = Signal(str)  # "" once the settings are valid again
    manage_models_requested = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._problem: str | None = None
        self._loading = True  # building the widgets is not an edit
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._commit)
        self._labels: dict[str, QLabel] = {}

        content = self._content = QWidget()
        column = QVBoxLayout(content)
        column.setSpacing(12)
        column.addWidget(self._build_model_box())
        column.addWidget(self._build_sampling_box())
        column.addWidget(self._build_prompt_box())
        column.addWidget(self._build_json_box())
        column.addStretch(1)
        scroll = self._scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # Sideways only when the window is too narrow for the controls: the panel never widens itself.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setWidget(content)
        WheelGuard(scroll).guard(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.retranslate()
        self._reload_presets()
        self._on_json_mode()
        self._apply_code_font()
        self._loading = False

    # --- building -------------------------------------------------------------------------------

    def _label(self, key: str) -> QLabel:
        self._labels[key] = QLabel()
        return self._labels[key]

    def _build_model_box(self) -> QGroupBox:
        self.model_box = QGroupBox()
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        self.load_label = QLabel()  # what llama.cpp built: KV cache and flash attention
        self.load_label.setWordWrap(True)
        self.load_label.setProperty("role", "hint")
        self.model_button = QPushButton()
        self.model_button.clicked.connect(self.manage_models_requested)
        layout = QVBoxLayout(self.model_box)
        layout.addWidget(self.model_label)
        layout.addWidget(self.load_label)
        layout.addWidget(self.model_button)
        self._model: ModelInfo | None = None
        return self.model_box

    def _spin(self, low: float, high: float, step: float, decimals: int) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setDecimals(decimals)
        spin.valueChanged.connect(self._edited)
        return spin

    def _build_sampling_box(self) -> QGroupBox:
        self.sampling_box = QGroupBox()
        self.temperature = self._spin(0.0, 2.0, 0.05, 2)
        self.top_p = self._spin(0.0, 1.0, 0.05, 2)
        self.min_p = self._spin(0.0, 1.0, 0.01, 2)
        self.repeat_penalty = self._spin(1.0, 2.0, 0.05, 2)
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 1000)
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(0, 131072)
        self.max_tokens.setSingleStep(64)
        self.seed = QSpinBox()
        self.seed.setRange(-1, MAX_SEED)  # -1 shows "Random": a fresh seed per answer
        self.seed.setMinimumWidth(90)  # ten digits need not all show at once
        self.stop = QPlainTextEdit()
        self.stop.setFixedHeight(56)
        self.stop.setTabChangesFocus(True)  # Tab moves on, as everywhere in the panel; \t writes a tab
        self.stop_error = QLabel()
        self.stop_error.setProperty("role", "error")
        self.stop_error.setWordWrap(True)
        self.stop_error.hide()
        for widget in (self.top_k, self.max_tokens, self.seed):
            widget.valueChanged.connect(self._edited)
        for spin in (self.temperature, self.top_p, self.min_p, self.repeat_penalty, self.top_k, self.max_tokens):
            spin.setMinimumWidth(90)  # short values: the panel stays narrow beside the conversation
        self.stop.textChanged.connect(self._edited)
        self.repetition = RepetitionControls()
        self.repetition.edited.connect(self._edited)
        form = QFormLayout(self.sampling_box)
        form.addRow(self._label("temperature"), self.temperature)
        form.addRow(self._label("top_p"), self.top_p)
        form.addRow(self._label("top_k"), self.top_k)
        form.addRow(self._label("min_p"), self.min_p)
        form.addRow(self._label("repeat_penalty"), self.repeat_penalty)
        form.addRow(self._label("max_tokens"), self.max_tokens)
        form.addRow(self._label("seed"), self.seed)
        form.addRow(self._label("stop"), self.stop)
        form.addRow("", self.stop_error)
        form.addRow(self.repetition)
        self._show_params(SamplingParams())
        return self.sampling_box

    def _build_prompt_box(self) -> QGroupBox:
        self.prompt_box = QGroupBox()
        self.preset = QComboBox()
        self.preset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset.setMinimumContentsLength(8)
        self.preset.activated.connect(self._apply_preset)
        self.delete_preset_button = QPushButton()
        self.delete_preset_button.clicked.connect(self._delete_preset)
        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setMinimumHeight(90)
        self.system_prompt.textChanged.connect(self._edited)
        self.system_prompt.textChanged.connect(self._sync_preset_choice)
        self.preset_name = QLineEdit()
        self.save_preset_button = QPushButton()
        self.save_preset_button.clicked.connect(self.save_preset)
        self.preset_name.returnPressed.connect(self.save_preset)
        self.preset_error = QLabel()
        self.preset_error.setProperty("role", "error")
        self.preset_error.hide()
        top = QHBoxLayout()
        top.addWidget(self.preset, 1)
        top.addWidget(self.delete_preset_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.preset_name, 1)
        bottom.addWidget(self.save_preset_button)
        layout = QVBoxLayout(self.prompt_box)
        layout.addLayout(top)
        layout.addWidget(self.system_prompt)
        layout.addLayout(bottom)
        layout.addWidget(self.preset_error)
        return self.prompt_box

    def _build_json_box(self) -> QGroupBox:
        self.json_box = QGroupBox()
        self.json_mode = QComboBox()
        for mode in JSON_MODES:
            self.json_mode.addItem(mode, mode)
        self.json_mode.currentIndexChanged.connect(self._on_json_mode)
        self.schema_edit = QPlainTextEdit()
        self.schema_edit.setPlaceholderText('{"type": "object", "properties": {"name": {"type": "string"}}}')
        self.schema_edit.setMinimumHeight(120)
        self.schema_edit.textChanged.connect(self._edited)
        self.grammar_button = QPushButton()
        self.grammar_button.clicked.connect(self._choose_grammar)
        self.builtin_grammar = QComboBox()  # the grammars shipped in resources/grammars
        self.builtin_grammar.addItem("", None)
        for path in sorted(resource_path("grammars").glob("*.gbnf")):
            self.builtin_grammar.addItem(path.stem.replace("_", " "), str(path))
        self.builtin_grammar.activated.connect(self._use_builtin_grammar)
        self.grammar_edit = QPlainTextEdit()
        self.grammar_edit.setPlaceholderText('root ::= "yes" | "no"')
        self.grammar_edit.setMinimumHeight(90)
        self.grammar_edit.textChanged.connect(self._edited)
        self.show_schema = QCheckBox()
        self.show_schema.setChecked(True)
        self.show_schema.toggled.connect(self._edited)
        self.finish_guard = QCheckBox()  # Constraint.runaway_guard: desktop/jsonmode/runaway.py
        self.finish_guard.setChecked(True)
        self.finish_guard.toggled.connect(self._edited)
        self.json_error = QLabel()
        self.json_error.setProperty("role", "error")
        self.json_error.setWordWrap(True)
        self.json_error.hide()
        layout = QVBoxLayout(self.json_box)
        layout.addWidget(self.json_mode)
        layout.addWidget(self.schema_edit)
        grammar_row = QHBoxLayout()
        grammar_row.addWidget(self.builtin_grammar, 1)
        grammar_row.addWidget(self.grammar_button)
        layout.addLayout(grammar_row)
        layout.addWidget(self.grammar_edit)
        layout.addWidget(self.show_schema)
        layout.addWidget(self.finish_guard)
        layout.addWidget(self.json_error)
        return self.json_box

    # --- values in and out ----------------------------------------------------------------------

    def set_model(self, info: ModelInfo | None) -> None:
        """Show which model answers (None: none loaded)."""
        self._model = info
        self._retranslate_model()

    def set_values(self, params: SamplingParams | dict | None, json_mode: Constraint | dict | None,
                   system_prompt: str) -> None:
        """Show a session's saved settings; emits nothing (they are already saved)."""
        if isinstance(params, dict):
            params = SamplingParams.from_dict(params)
        if isinstance(json_mode, dict):
            json_mode = Constraint.from_dict(json_mode)
        self._loading = True
        try:
            self._show_params(params or SamplingParams())
            self._show_constraint(json_mode)
            self.system_prompt.setPlainText(system_prompt)
        finally:
            self._loading = False
        self._timer.stop()
        self._validate()

    def values(self) -> tuple[SamplingParams, Constraint | None, str]:
        """What is shown now; the constraint is None when JSON mode is off or invalid."""
        constraint, _problem = self._constraint()
        return self._params(), constraint, self.system_prompt.toPlainText()

    def problem(self) -> str | None:
        """Why the current settings cannot be used (a broken schema, say), or None."""
        return self._problem

    def _show_params(self, p: SamplingParams) -> None:
        self.temperature.setValue(p.temperature)
        self.top_p.setValue(p.top_p)
        self.top_k.setValue(p.top_k)
        self.min_p.setValue(p.min_p)
        self.repeat_penalty.setValue(p.repeat_penalty)
        self.max_tokens.setValue(p.max_tokens or 0)
        self.seed.setValue(-1 if p.seed is None else p.seed)
        self.stop.setPlainText(format_stop_strings(p.stop))
        self.repetition.show_params(p)

    def _params(self) -> SamplingParams:
        return self.repetition.apply(SamplingParams(
            temperature=round(self.temperature.value(), 4), top_p=round(self.top_p.value(), 4),
            top_k=self.top_k.value(), min_p=round(self.min_p.value(), 4),
            repeat_penalty=round(self.repeat_penalty.value(), 4),
            max_tokens=self.max_tokens.value() or None,
            seed=None if self.seed.value() < 0 else self.seed.value(),
            stop=parse_stop_strings(self.stop.toPlainText())))

    def _show_constraint(self, c: Constraint | None) -> None:
        mode = c.kind if c else "off"
        self.json_mode.setCurrentIndex(JSON_MODES.index(mode))
        self.schema_edit.setPlainText(json.dumps(c.schema, indent=2, ensure_ascii=False)
                                      if c and c.schema is not None else "")
        self.grammar_edit.setPlainText(c.grammar if c and c.grammar else "")
        self.show_schema.setChecked(c.show_schema if c else True)
        self.finish_guard.setChecked(c.runaway_guard if c else True)
        self._on_json_mode()

    def _stop_problem(self) -> str | None:
        lines = blank_stop_lines(self.stop.toPlainText())
        if not lines:
            return None
        return self.tr("Stop strings: line {line} holds only spaces or tabs; delete it, or write \\t or \\n "
                       "for a tab or a newline.").format(line=lines[0])

    def _constraint(self) -> tuple[Constraint | None, str | None]:
        """(constraint, None) when valid, else (None, one-line problem)."""
        mode = self.json_mode.currentData()
        if mode == "off":
            return None, None
        if mode == "json_schema":
            schema, problem = _json_error(self.schema_edit.toPlainText())
            if problem:
                return None, self.tr("Schema: {problem}").format(problem=problem)
            constraint = Constraint("json_schema", schema=schema, show_schema=self.show_schema.isChecked(),
                                    runaway_guard=self.finish_guard.isChecked())
        elif mode == "grammar":
            text = self.grammar_edit.toPlainText()
            if not text.strip():
                return None, self.tr("Grammar: write a GBNF grammar or choose a grammar file.")
            constraint = Constraint("grammar", grammar=text)
        else:
            constraint = Constraint(mode, runaway_guard=self.finish_guard.isChecked())
        try:
            from desktop.jsonmode.compile import check  # jsonschema: slow to import, not needed at start-up

            check(constraint)
        except HearthError as exc:
            return None, str(exc)
        return constraint, None

    # --- reacting -------------------------------------------------------------------------------

    def _edited(self, *_args: object) -> None:
        if not self._loading:
            self._timer.start()

    def _validate(self) -> bool:
        _constraint, json_problem = self._constraint()
        stop_problem = self._stop_problem()
        problem = stop_problem or json_problem
        if problem != self._problem:
            self._problem = problem
            self.problem_changed.emit(problem or "")
        for label, text in ((self.json_error, json_problem), (self.stop_error, stop_problem)):
            label.setText(text or "")
            label.setVisible(text is not None)
        for editor, bad in ((self.schema_edit, json_problem), (self.grammar_edit, json_problem),
                            (self.stop, stop_problem)):
            editor.setProperty("invalid", bad is not None)
            editor.style().polish(editor)
        return problem is None

    def _commit(self) -> None:
        if self._validate():
            self.changed.emit(*self.values())

    def _on_json_mode(self, *_args: object) -> None:
        mode = self.json_mode.currentData()
        self.schema_edit.setVisible(mode == "json_schema")
        self.show_schema.setVisible(mode == "json_schema")
        self.finish_guard.setVisible(mode in ("json", "json_object", "json_schema"))
        self.grammar_button.setVisible(mode == "grammar")
        self.builtin_grammar.setVisible(mode == "grammar")
        self.grammar_edit.setVisible(mode == "grammar")
        self._edited()

    def load_grammar_file(self, path: str) -> bool:
        """Put a grammar file's text into the editor; an unreadable file gets one inline line."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.json_error.setText(self.tr("Cannot read {path}: {error}").format(
                path=path, error=getattr(exc, "strerror", None) or str(exc)))
            self.json_error.show()
            return False
        self.grammar_edit.setPlainText(text)
        return True

    def _use_builtin_grammar(self, index: int) -> None:
        path = self.builtin_grammar.itemData(index)
        if path:
            self.load_grammar_file(path)

    def _choose_grammar(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a grammar"), str(resource_path("grammars")),
                                              self.tr("GBNF grammars (*.gbnf);;All files (*)"))
        if path:
            self.load_grammar_file(path)

    # --- presets --------------------------------------------------------------------------------

    def _reload_presets(self, select: str | None = None) -> None:
        self.preset.blockSignals(True)
        self.preset.clear()
        self.preset.addItem(self.tr("Custom"), None)
        for name in sorted(self.settings.presets, key=str.casefold):
            self.preset.addItem(name, name)
        self.preset.blockSignals(False)
        self._sync_preset_choice(select)

    def _sync_preset_choice(self, select: str | None = None) -> None:
        """Show the preset whose text is in the editor, or "Custom"."""
        text = self.system_prompt.toPlainText()
        name = select if select in self.settings.presets else next(
            (n for n, t in self.settings.presets.items() if t == text), None)
        index = self.preset.findData(name) if name else 0
        self.preset.setCurrentIndex(max(index, 0))
        self.delete_preset_button.setEnabled(name is not None)

    def _apply_preset(self, index: int) -> None:
        name = self.preset.itemData(index)
        if name is not None:
            self.system_prompt.setPlainText(self.settings.presets[name])

    def save_preset(self) -> bool:
        """Save the system prompt under the name typed next to the button."""
        name = self.preset_name.text().strip()
        text = self.system_prompt.toPlainText().strip()
        problem = (self.tr("Type a name for the preset.") if not name else
                   self.tr("Write a system prompt to save.") if not text else None)
        self.preset_error.setText(problem or "")
        self.preset_error.setVisible(problem is not None)
        if problem:
            return False
        self.settings.presets[name] = text
        self.preset_name.clear()
        self._reload_presets(select=name)
        return self._save_presets()

    def _delete_preset(self) -> None:
        name = self.preset.currentData()
        if name is not None:
            del self.settings.presets[name]
            self._reload_presets()
            self._save_presets()

    def _save_presets(self) -> bool:
        """Keep the presets; if the disk refuses, they last this session and the line says why."""
        try:
            self.settings.save()
        except OSError as exc:
            self.preset_error.setText(self.tr("Presets not saved: {error}").format(error=exc.strerror or str(exc)))
            self.preset_error.show()
            return False
        return True

    # --- texts ----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        texts = {
            "temperature": (self.tr("Temperature"), self.tr("Higher is more varied, lower more focused. 0 always picks the likeliest token.")),
            "top_p": (self.tr("Top P"), self.tr("Sample only from the likeliest tokens that together reach this probability.")),
            "top_k": (self.tr("Top K"), self.tr("Sample only from this many likeliest tokens (0: no limit).")),
            "min_p": (self.tr("Min P"), self.tr("Drop tokens less likely than this fraction of the likeliest one.")),
            "repeat_penalty": (self.tr("Repeat penalty"), self.tr("Discourage repeating recent tokens (1: off).")),
            "max_tokens": (self.tr("Max tokens"), self.tr("The longest answer, in tokens.")),
            "seed": (self.tr("Seed"), self.tr("Random: a new seed for every answer. A fixed seed gives the same "
                                              "answer to the same question.")),
            "stop": (self.tr("Stop strings"), self.tr("One per line; the answer ends when one appears. Write \\n for a newline.")),
        }
        for key, (text, tip) in texts.items():
            self._labels[key].setText(text)
            self._labels[key].setToolTip(tip)
        widgets = {"temperature": self.temperature, "top_p": self.top_p, "top_k": self.top_k,
                   "min_p": self.min_p, "repeat_penalty": self.repeat_penalty,
                   "max_tokens": self.max_tokens, "seed": self.seed, "stop": self.stop}
        for key, widget in widgets.items():
            widget.setAccessibleName(texts[key][0])
            widget.setToolTip(texts[key][1])
        self.sampling_box.setTitle(self.tr("Sampling"))
        self.max_tokens.setSpecialValueText(self.tr("No limit"))
        self.seed.setSpecialValueText(self.tr("Random"))
        self.prompt_box.setTitle(self.tr("System prompt"))
        self.preset.setAccessibleName(self.tr("System prompt preset"))
        self.preset.setItemText(0, self.tr("Custom"))
        self.delete_preset_button.setText(self.tr("Delete"))
        self.delete_preset_button.setAccessibleName(self.tr("Delete this preset"))
        self.system_prompt.setAccessibleName(self.tr("System prompt"))
        self.system_prompt.setPlaceholderText(self.tr("Instructions the model follows in this conversation"))
        self.preset_name.setPlaceholderText(self.tr("Preset name"))
        self.preset_name.setAccessibleName(self.tr("Name for a new preset"))
        self.save_preset_button.setText(self.tr("Save preset"))
        self.json_box.setTitle(self.tr("JSON mode"))
        mode_names = [self.tr("Off"), self.tr("Any JSON"), self.tr("JSON object"), self.tr("JSON Schema"),
                      self.tr("Grammar (GBNF)")]
        for i, name in enumerate(mode_names):
            self.json_mode.setItemText(i, name)
        self.json_mode.setAccessibleName(self.tr("JSON mode"))
        self.schema_edit.setAccessibleName(self.tr("JSON Schema"))
        self.grammar_edit.setAccessibleName(self.tr("Grammar"))
        self.grammar_button.setText(self.tr("Open…"))
        self.grammar_button.setAccessibleName(self.tr("Open a grammar file"))
        self.builtin_grammar.setItemText(0, self.tr("Built-in grammars"))
        self.builtin_grammar.setAccessibleName(self.tr("Built-in grammars"))
        self.show_schema.setText(self.tr("Show the schema to the model"))
        self.show_schema.setToolTip(self.tr("Small models follow a schema better when they can read it."))
        self.finish_guard.setText(self.tr("Finish guard (stops loops)"))
        self.finish_guard.setAccessibleName(self.finish_guard.text())
        self.finish_guard.setToolTip(self.tr(
            "Keeps a small model from repeating an item, a key or a phrase, or nesting a tree ever deeper, "
            "until the answer is cut off. It only chooses among answers the schema allows."))
        self.repetition.retranslate()
        self._retranslate_model()

    def _retranslate_model(self) -> None:
        self.model_box.setTitle(self.tr("Model"))
        info = self._model
        self.model_label.setText(
            self.tr("No model loaded") if info is None else
            self.tr("{name}\n{quantization} · {device} · context {n_ctx}").format(
                name=info.name, quantization=info.quantization, device=device_text(info.offload), n_ctx=info.n_ctx))
        self.model_button.setText(self.tr("Models…"))
        self.model_button.setAccessibleName(self.tr("Open the model manager"))
        self._show_load(info)

    def _show_load(self, info: ModelInfo | None) -> None:
        shown = info is not None and bool(info.kv_type)
        self.load_label.setVisible(shown)
        if shown:
            state = self.tr("on") if info.flash_attn == "enabled" else self.tr("off")
            self.load_label.setText(self.tr("KV cache {kv} · flash attention {state}").format(kv=info.kv_type, state=state))

    def sizeHint(self) -> QSize:
        """As wide as the controls need, in any language; narrower windows scroll the panel sideways."""
        hint = super().sizeHint()
        frame = 2 * self._scroll.frameWidth()
        width = self._content.minimumSizeHint().width() + self._scroll.verticalScrollBar().sizeHint().width() + frame
        return QSize(max(hint.width(), width), hint.height())

    def minimumSizeHint(self) -> QSize:
        """Small and constant: what the panel shows (a schema, a translation) never widens the window."""
        return QSize(MIN_WIDTH_PX, super().minimumSizeHint().height())

    def _apply_code_font(self) -> None:
        """Schemas, grammars and stop strings are code: monospace, at the user's font size."""
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(self.font().pointSizeF())
        for editor in (self.schema_edit, self.grammar_edit, self.stop):
            editor.setFont(font)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif event.type() == QEvent.Type.FontChange:
            self._apply_code_font()
        if event.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()  # texts or sizes changed: so may the width the panel needs
        super().changeEvent(event)
