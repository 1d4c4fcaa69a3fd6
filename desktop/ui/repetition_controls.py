"""The generation panel's "Repetition" group: llama.cpp's DRY and XTC samplers.

Folded away by default (most chats never need it, and the panel must fit an 800x600 window); it
opens by itself when a conversation's saved settings turn either sampler on, so nothing that acts
on the answers is ever hidden. The ranges are the engine's own (`REPETITION_RANGES`), so the panel
cannot hold a value the API would refuse. Sequence breakers have no control here: they are kept
as the conversation saved them.
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QToolButton, QVBoxLayout,
                               QWidget)

from desktop.engine.types import REPETITION_RANGES, SamplingParams

# field -> (step, decimals); decimals None: a whole number
_FIELDS: dict[str, tuple[float, int | None]] = {
    "dry_multiplier": (0.1, 2), "dry_base": (0.05, 2), "dry_allowed_length": (1, None),
    "dry_penalty_last_n": (64, None), "xtc_probability": (0.05, 2), "xtc_threshold": (0.01, 2),
}
_LONGEST_CONTEXT = 1_048_576  # dry_penalty_last_n has no upper bound in the engine; a spin box needs one


class RepetitionControls(QWidget):
    """A disclosure button and, beneath it, one spin box per DRY / XTC setting."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.toggled.connect(self._unfold)
        self.body = QWidget()
        form = QFormLayout(self.body)
        form.setContentsMargins(0, 0, 0, 0)
        self.spins: dict[str, QSpinBox | QDoubleSpinBox] = {}
        self.labels: dict[str, QLabel] = {}
        for name, (step, decimals) in _FIELDS.items():
            low, high = REPETITION_RANGES[name]
            spin: QSpinBox | QDoubleSpinBox = QSpinBox() if decimals is None else QDoubleSpinBox()
            if decimals is not None:
                spin.setDecimals(decimals)
            spin.setRange(low, _LONGEST_CONTEXT if high is None else high)
            spin.setSingleStep(step)
            spin.setMinimumWidth(90)
            spin.valueChanged.connect(self.edited)
            self.spins[name] = spin
            self.labels[name] = QLabel()
            form.addRow(self.labels[name], spin)
        self.body.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)
        self._breakers = SamplingParams().dry_sequence_breakers
        self.retranslate()

    def show_params(self, params: SamplingParams) -> None:
        """Show a conversation's values; unfold if either sampler is on."""
        for name, spin in self.spins.items():
            spin.setValue(getattr(params, name))
        self._breakers = list(params.dry_sequence_breakers)
        if params.dry_multiplier > 0 or params.xtc_probability > 0:
            self.toggle.setChecked(True)

    def apply(self, params: SamplingParams) -> SamplingParams:
        """`params` with the values shown here."""
        values = {name: (round(spin.value(), 4) if isinstance(spin, QDoubleSpinBox) else spin.value())
                  for name, spin in self.spins.items()}
        return replace(params, dry_sequence_breakers=list(self._breakers), **values)

    def _unfold(self, shown: bool) -> None:
        self.body.setVisible(shown)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def retranslate(self) -> None:
        texts = {
            "dry_multiplier": (self.tr("DRY strength"), self.tr(
                "Penalises a word that would repeat a sequence already written (0: off; 0.8 is a usual value).")),
            "dry_base": (self.tr("DRY base"), self.tr("How fast the penalty grows with the repeated sequence's length.")),
            "dry_allowed_length": (self.tr("DRY allowed length"), self.tr(
                "Repeats up to this many tokens long are not penalised.")),
            "dry_penalty_last_n": (self.tr("DRY range"), self.tr(
                "How many recent tokens DRY looks back over (whole context: all of them; 0: off).")),
            "xtc_probability": (self.tr("XTC probability"), self.tr(
                "How often XTC removes the likeliest choices, keeping the least of them (0: off).")),
            "xtc_threshold": (self.tr("XTC threshold"), self.tr(
                "Choices more likely than this count as the likeliest.")),
        }
        for name, (text, tip) in texts.items():
            self.labels[name].setText(text)
            self.labels[name].setToolTip(tip)
            self.spins[name].setAccessibleName(text)
            self.spins[name].setToolTip(tip)
        self.spins["dry_multiplier"].setSpecialValueText(self.tr("Off"))
        self.spins["xtc_probability"].setSpecialValueText(self.tr("Off"))
        self.spins["dry_penalty_last_n"].setSpecialValueText(self.tr("Whole context"))
        self.toggle.setText(self.tr("Repetition (advanced)"))
        self.toggle.setAccessibleName(self.tr("Show repetition settings"))
        self.toggle.setToolTip(self.tr("DRY and XTC: samplers that keep a model from repeating itself."))
