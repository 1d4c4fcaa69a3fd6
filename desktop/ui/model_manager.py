"""The model manager: choose, fetch, load and unload models, and see what the hardware can do.

Loading goes through the main window's `EngineBridge` (a worker thread in front of the engine
process), so the dialog never blocks; the bridge's `loaded` / `load_failed` signals bring back the
model's description or the engine's own specific error, shown as is. The load options (GPU layers,
context length, threads) are remembered in the settings, with a VRAM estimate from the GGUF metadata
(`desktop.engine.hardware`) so a user can see what fits before trying.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QPushButton, QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from desktop.engine.hardware import VRAM_OVERHEAD_BYTES
from desktop.engine.load_plan import plan_load
from desktop.engine.memory_estimate import estimate
from desktop.engine.types import FLASH_ATTENTION, KV_CACHE_TYPES
from desktop.engine.types import LoadOptions, ModelInfo
from desktop.errors import HearthError
from desktop.models.gguf_info import GgufInfo, inspect_gguf
from desktop.models.identity import display_name, parse_remote_reference
from desktop.ui.device_text import device_text
from desktop.ui.local_models import LocalModelTable, ModelScanner
from desktop.ui.model_downloads import ModelDownloads
from desktop.ui.settings import Settings
from desktop.ui.settings_engines_models import RemoteModelsTab

if TYPE_CHECKING:
    from desktop.ui.convert_dialog import ConvertDialog

GIB = 2**30


def vram_estimate(info: GgufInfo, n_ctx: int, gpu_layers: int | None, kv_type: str = "f16",
                  flash_attn: bool = True) -> int:
    """Bytes of VRAM for offloading `gpu_layers` of the model's layers (None or -1: all of them).

    Weights, KV cache and compute buffer (desktop.engine.memory_estimate) scale with the share of
    layers on the GPU; the GPU runtime's own context is a fixed overhead."""
    layers = max(info.arch_int("block_count"), 1)
    share = 1.0 if gpu_layers is None or gpu_layers < 0 else min(gpu_layers, layers) / layers
    if share == 0:
        return 0
    return int(estimate(info, n_ctx, kv_type, flash_attn).total * share) + VRAM_OVERHEAD_BYTES


def describe_build(build: dict[str, Any]) -> str:
    """"CUDA: NVIDIA RTX 4060, 8.0 GiB" or "CPU only": the headline of a build_info()."""
    if build.get("gpu_offload") and build.get("devices"):
        return ", ".join(f"{build.get('backend', 'GPU')}: {d['name']} ({d['vram_total_bytes'] / GIB:.1f} GiB)"
                         for d in build["devices"])
    if build.get("gpu_offload") or build.get("gpu_code"):
        return f"{build.get('backend', 'GPU')} (no device found)"
    return "CPU"


class ModelManagerDialog(QDialog):
    """Local models with metadata, downloads, load options, load / unload, build support."""

    unloaded = Signal()  # the model was unloaded; the main window shows "no model"

    def __init__(self, settings: Settings, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.bridge = bridge  # desktop.ui.engine_bridge.EngineBridge
        self.build: dict[str, Any] | None = None
        self._loading_path: str | None = None
        self.setMinimumSize(860, 600)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_local_tab(), "")
        self.downloads = ModelDownloads(settings)
        self.downloads.downloaded.connect(self.add_model_file)
        self.tabs.addTab(self.downloads, "")
        self.remote = RemoteModelsTab()  # models of the servers saved in Settings ▸ Engines
        self.remote.load_requested.connect(self.load_remote)
        self.tabs.addTab(self.remote, "")
        self.build_label = QLabel()
        self.build_label.setProperty("role", "hint")
        self.build_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.build_label, 1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)

        self.scanner = ModelScanner(self)
        self.scanner.scanned.connect(self._on_scanned)
        self._select_after_scan: Path | None = Path(settings.last_model) if settings.last_model else None
        bridge.build_ready.connect(self._on_build_info)  # facts about the build: kept even while closed
        bridge.unloaded.connect(self._on_unloaded)
        self._following = False
        self._follow(True)
        self.retranslate()
        self.rescan()
        bridge.query_build()

    # --- layout ---------------------------------------------------------------------------------

    def _build_local_tab(self) -> QWidget:
        page = QWidget()
        self.table = LocalModelTable()
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.open_button = QPushButton()
        self.open_button.clicked.connect(self._choose_file)
        self.convert_button = QPushButton()
        self.convert_button.clicked.connect(self.open_converter)
        self.rescan_button = QPushButton()
        self.rescan_button.clicked.connect(self.rescan)
        tools = QHBoxLayout()
        tools.addWidget(self.open_button)
        tools.addWidget(self.convert_button)
        tools.addStretch(1)
        tools.addWidget(self.rescan_button)

        self.options_box = QGroupBox()
        self.gpu_layers = QSpinBox()
        self.gpu_layers.setRange(-1, 999)  # -1 is "Auto": the engine decides
        self.n_ctx = QSpinBox()
        self.n_ctx.setRange(128, 1_048_576)
        self.n_ctx.setSingleStep(512)
        self.threads = QSpinBox()
        self.threads.setRange(0, max(os.cpu_count() or 1, 1) * 2)  # 0 is "Auto": physical cores
        for spin in (self.gpu_layers, self.n_ctx):
            spin.valueChanged.connect(self._update_estimate)
        self.flash_attn, self.kv_type = QComboBox(), QComboBox()
        for combo, values in ((self.flash_attn, FLASH_ATTENTION), (self.kv_type, KV_CACHE_TYPES)):
            for value in values:
                combo.addItem(value, value)
        for combo in (self.flash_attn, self.kv_type):
            combo.setMinimumWidth(140)
        self.memory_label = QLabel()  # the whole load's estimate against free RAM, or why it is refused
        self.memory_label.setWordWrap(True)
        for signal in (self.n_ctx.valueChanged, self.flash_attn.currentIndexChanged, self.kv_type.currentIndexChanged):
            signal.connect(self._update_memory_estimate)
        for combo in (self.flash_attn, self.kv_type):
            combo.currentIndexChanged.connect(self._update_estimate)
        self.vram_label = QLabel()
        self.vram_label.setWordWrap(True)
        self.vram_label.setProperty("role", "hint")
        self._labels = [QLabel(), QLabel(), QLabel()]
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self._labels[0], self.gpu_layers)
        form.addRow(self._labels[1], self.n_ctx)
        form.addRow(self._labels[2], self.threads)
        self._labels += [QLabel(), QLabel()]
        form.addRow(self._labels[3], self.flash_attn)
        form.addRow(self._labels[4], self.kv_type)
        for spin in (self.gpu_layers, self.n_ctx, self.threads):
            spin.setMinimumWidth(140)
        row = QHBoxLayout(self.options_box)
        row.addLayout(form)
        row.addSpacing(16)
        estimates = QVBoxLayout()
        estimates.addWidget(self.memory_label)
        estimates.addWidget(self.vram_label)
        estimates.addStretch(1)
        row.addLayout(estimates, 1)
        self._show_options()

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.load_button = QPushButton()
        self.load_button.setProperty("role", "primary")
        self.load_button.clicked.connect(self.load_selected)
        self.unload_button = QPushButton()
        self.unload_button.clicked.connect(self.unload)
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        actions.addWidget(self.unload_button)
        actions.addWidget(self.load_button)

        layout = QVBoxLayout(page)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.options_box)
        layout.addLayout(actions)
        return page

    def _show_options(self) -> None:
        s = self.settings
        self.gpu_layers.setValue(-1 if s.gpu_layers is None else s.gpu_layers)
        self.n_ctx.setValue(s.n_ctx)
        self.threads.setValue(s.threads or 0)
        self.flash_attn.setCurrentIndex(max(self.flash_attn.findData(s.flash_attn), 0))
        self.kv_type.setCurrentIndex(max(self.kv_type.findData(s.kv_type), 0))

    # --- local models ---------------------------------------------------------------------------

    def rescan(self) -> None:
        """Read the models folder and recent files again (in the background)."""
        self.scanner.scan(self.settings.recent_models)

    def _on_scanned(self, models: list) -> None:
        self.downloads.look_for_copies([m.path for m in models if m.info is not None])
        self.table.show_models(models, select=self._select_after_scan)
        self._select_after_scan = None
        self._on_selection()

    def add_model_file(self, path: str) -> bool:
        """Add a model file (opened, downloaded or converted) to the list and select it."""
        try:
            inspect_gguf(path)
        except HearthError as exc:
            self._set_status(str(exc), error=True)
            return False
        self.settings.remember_model(path)
        self._save_settings()
        self._select_after_scan = Path(path)
        self.tabs.setCurrentIndex(0)
        self.rescan()
        return True

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a GGUF model"), self.settings.folder_for(),
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.settings.remember_folder(path)  # saved by add_model_file
            self.add_model_file(path)

    def open_converter(self) -> "ConvertDialog":
        from desktop.ui.convert_dialog import ConvertDialog  # the converter package: only when asked for

        dialog = ConvertDialog(self)
        dialog.model_ready.connect(self.add_model_file)
        dialog.open()
        return dialog

    def _on_selection(self) -> None:
        model = self.table.current()
        usable = model is not None and model.info is not None
        self.load_button.setEnabled(usable and self._loading_path is None)
        if model is not None and model.problem:
            self._set_status(model.problem, error=True)
        elif self._loading_path is None:
            self._show_loaded_status()
        if usable:
            trained = model.info.context_length or 1_048_576
            self.n_ctx.setMaximum(max(trained, 128))
            self.gpu_layers.setMaximum(model.info.arch_int("block_count") + 1)
        self._update_estimate()
        self._update_memory_estimate()

    # --- load options and VRAM ------------------------------------------------------------------

    def load_options(self) -> LoadOptions | None:
        model = self.table.current()
        if model is None or model.info is None:
            return None
        gpu = self.gpu_layers.value()
        return LoadOptions(str(model.path), n_ctx=self.n_ctx.value(), n_gpu_layers=None if gpu < 0 else gpu,
                           n_threads=self.threads.value() or None, flash_attn=self.flash_attn.currentData(),
                           kv_type=self.kv_type.currentData())

    def _update_memory_estimate(self, *_args: object) -> None:
        """Weights + KV cache + compute buffer for the options shown, before anything loads; the
        engine refuses the same combinations (desktop.engine.load_plan) when Load is pressed."""
        model, options = self.table.current(), self.load_options()
        if model is None or model.info is None or options is None:
            self.memory_label.setText("")
            return
        try:
            memory = plan_load(options, model.info).memory
        except HearthError as exc:
            self.memory_label.setProperty("role", "error")
            self.memory_label.setText(str(exc))
        else:
            free = psutil.virtual_memory().available
            self.memory_label.setProperty("role", "error" if memory.total > free else "hint")
            self.memory_label.setText(self.tr(
                "Needs about {total} GiB: weights {weights}, KV cache {kv}, compute {compute} GiB "
                "({free} GiB of memory free).").format(
                total=f"{memory.total / GIB:.2f}", weights=f"{memory.weights / GIB:.2f}",
                kv=f"{memory.kv_cache / GIB:.2f}", compute=f"{memory.compute / GIB:.2f}", free=f"{free / GIB:.1f}"))
        self.memory_label.style().polish(self.memory_label)

    def _update_estimate(self, *_args: object) -> None:
        model = self.table.current()
        if model is None or model.info is None:
            self.vram_label.setText("")
            return
        gpu = self.gpu_layers.value()
        gpu_build = bool(self.build and self.build.get("gpu_offload"))
        need = vram_estimate(model.info, self.n_ctx.value(), None if gpu < 0 else gpu, self.kv_type.currentData(),
                             self.flash_attn.currentData() != "off")
        layers = model.info.arch_int("block_count")
        if gpu == 0:
            text = self.tr("Runs on the CPU; no video memory needed.")
        elif self.build is not None and not gpu_build and self.build.get("gpu_code"):
            text = self.tr("No GPU found on this machine: the model runs on the CPU. "
                           "On a GPU it would need about {gib} GiB of video memory.").format(gib=f"{need / GIB:.1f}")
        elif self.build is not None and not gpu_build:
            text = self.tr("This llama.cpp build has no GPU support: the model runs on the CPU. "
                           "With GPU support it would need about {gib} GiB of video memory.").format(
                gib=f"{need / GIB:.1f}")
        else:
            text = self.tr("About {gib} GiB of video memory for {gpu_layers} of {layers} layers.").format(
                gib=f"{need / GIB:.1f}", gpu_layers=layers if gpu < 0 else min(gpu, layers), layers=layers)
        self.vram_label.setText(text)

    # --- load and unload ------------------------------------------------------------------------

    def load_selected(self) -> bool:
        """Load the selected model with the options shown; the bridge reports back."""
        options = self.load_options()
        if options is None:
            self._set_status(self.tr("Choose a model in the list first."), error=True)
            return False
        s = self.settings
        s.gpu_layers, s.n_ctx, s.threads = options.n_gpu_layers, options.n_ctx, options.n_threads
        s.flash_attn, s.kv_type = options.flash_attn, options.kv_type
        s.remember_model(options.model_path)
        self._save_settings()
        self.bridge.load(options)
        return True

    def load_remote(self, reference: str) -> None:
        """Load a remote engine's model (its context size is the one chosen for local files)."""
        self.settings.remember_model(reference)
        self._save_settings()
        self.bridge.load(self.settings.load_options(reference))

    def _save_settings(self) -> None:
        """Remember the choices; a disk that refuses costs only the memory of them, said in one line."""
        try:
            self.settings.save()
        except OSError as exc:
            self._set_status(self.tr("Settings not saved: {error}").format(error=exc.strerror or str(exc)), error=True)

    def unload(self) -> None:
        """Free the model's memory: the engine worker stops until the next load."""
        self.unload_button.setEnabled(False)
        self.bridge.unload()  # in turn with the bridge's other engine calls; `unloaded` follows

    def _on_unloaded(self, error: str) -> None:
        if error:
            self._set_status(error, error=True)
            return
        self._show_loaded_status()
        self.unloaded.emit()

    def _on_load_started(self, path: str) -> None:
        self._loading_path = path
        self.load_button.setEnabled(False)
        self._set_status(self.tr("Loading {name}…").format(name=display_name(path)))

    def _on_loaded(self, info: ModelInfo) -> None:
        self._loading_path = None
        self._on_selection()
        self._show_loaded_status()

    def _on_load_failed(self, message: str) -> None:
        self._loading_path = None
        self._on_selection()
        self._set_status(message, error=True)

    def _show_loaded_status(self) -> None:
        info: ModelInfo | None = getattr(self.bridge, "info", None)
        self.unload_button.setEnabled(info is not None)
        if info is None:
            self._set_status(self.tr("No model loaded."))
        elif parse_remote_reference(info.path):
            self._set_status(self.tr("Loaded: {name} · {device}").format(name=info.name, device=device_text(info.offload)),
                             ok=True)
        else:
            self._set_status(self.tr("Loaded: {name} ({quantization}, context {n_ctx}, {threads} threads) · {device}").format(
                name=info.name, quantization=info.quantization, n_ctx=info.n_ctx, threads=info.n_threads,
                device=device_text(info.offload)), ok=True)

    def _set_status(self, text: str, error: bool = False, ok: bool = False) -> None:
        self.status.setProperty("role", "error" if error else "ok" if ok else "hint")
        self.status.style().polish(self.status)
        self.status.setText(text)

    # --- what the llama.cpp build supports ------------------------------------------------------

    def _on_build_info(self, build: object) -> None:
        if isinstance(build, dict):
            self.build = build
        else:
            self.build = None
            self.build_label.setProperty("build_error", str(build))
        self._retranslate_build()
        self._update_estimate()

    def _retranslate_build(self) -> None:
        error = self.build_label.property("build_error")
        if self.build is not None:
            version = self.build.get("llama_cpp_python", "?")
            self.build_label.setText(self.tr("llama.cpp (llama-cpp-python {version}): {build}").format(
                version=version, build=describe_build(self.build)))
        elif error:
            self.build_label.setText(self.tr("Cannot query the llama.cpp build: {error}").format(error=error))
        else:
            self.build_label.setText(self.tr("Checking the llama.cpp build…"))

    # --- following the engine while shown --------------------------------------------------------

    def _follow(self, on: bool) -> None:
        """Connect to the bridge while shown, disconnect once closed. The main window keeps one
        dialog and reopens it, so this tracks its state instead of disconnecting blindly (which
        printed "Failed to disconnect" on the second close)."""
        if on == self._following:
            return
        self._following = on
        pairs = ((self.bridge.load_started, self._on_load_started), (self.bridge.loaded, self._on_loaded),
                 (self.bridge.load_failed, self._on_load_failed))
        for signal, slot in pairs:
            (signal.connect if on else signal.disconnect)(slot)

    def showEvent(self, event) -> None:
        if not self._following:
            self._follow(True)
            self._loading_path = None
            self._on_selection()  # what happened while it was closed
            self.remote.refresh_engines()  # Settings ▸ Engines may have changed them
        super().showEvent(event)

    def done(self, result: int) -> None:
        self._follow(False)
        super().done(result)

    # --- texts ----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Models"))
        self.tabs.setTabText(0, self.tr("On this computer"))
        self.tabs.setTabText(1, self.tr("Download"))
        self.tabs.setTabText(2, self.tr("Remote engines"))
        self.open_button.setText(self.tr("Open GGUF…"))
        self.open_button.setAccessibleName(self.tr("Open a GGUF model file"))
        self.convert_button.setText(self.tr("Convert…"))
        self.convert_button.setAccessibleName(self.tr("Convert a checkpoint to GGUF"))
        self.rescan_button.setText(self.tr("Rescan"))
        self.options_box.setTitle(self.tr("Load options"))
        self._labels[0].setText(self.tr("GPU layers"))
        self._labels[1].setText(self.tr("Context length"))
        self._labels[2].setText(self.tr("Threads"))
        self.gpu_layers.setSpecialValueText(self.tr("Auto"))
        self.gpu_layers.setAccessibleName(self.tr("GPU layers"))
        self.gpu_layers.setToolTip(self.tr("Layers to run on the GPU. Auto offloads all layers when they fit."))
        self.n_ctx.setAccessibleName(self.tr("Context length"))
        self.n_ctx.setToolTip(self.tr("How many tokens of conversation the model sees at once."))
        self.threads.setSpecialValueText(self.tr("Auto"))
        self.threads.setAccessibleName(self.tr("Threads"))
        self._labels[3].setText(self.tr("Flash attention"))
        self._labels[4].setText(self.tr("KV cache"))
        for combo, texts in ((self.flash_attn, (self.tr("Auto"), self.tr("On"), self.tr("Off"))),
                             (self.kv_type, (self.tr("f16 (full size)"), self.tr("q8_0 (half)"), self.tr("q4_0 (quarter)")))):
            for index, text in enumerate(texts):
                combo.setItemText(index, text)
        self.flash_attn.setAccessibleName(self.tr("Flash attention"))
        self.flash_attn.setToolTip(self.tr("Auto lets llama.cpp use it where the device supports it. "
                                           "A quantized KV cache needs it."))
        self.kv_type.setAccessibleName(self.tr("KV cache type"))
        self.kv_type.setToolTip(self.tr("A q8_0 or q4_0 cache holds a long context in half or a quarter "
                                        "of the memory, at a small cost in quality."))
        self.load_button.setText(self.tr("Load"))
        self.load_button.setAccessibleName(self.tr("Load the selected model"))
        self.unload_button.setText(self.tr("Unload"))
        self.unload_button.setAccessibleName(self.tr("Unload the model"))
        self.table.retranslate()
        self._retranslate_build()
        self._on_selection()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
