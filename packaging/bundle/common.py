"""What every platform's bundle contains, shared by the .spec files (Linux, Windows, macOS).

Kept as data: what to add that PyInstaller cannot see (modules imported by name, llama.cpp's
shared libraries, Hearth's resources) and what to leave out so the bundle stays lean (the Qt
modules Hearth does not use, the converter's test-only machine-learning stack, test tools).
"""
from pathlib import Path

from PyInstaller.building.build_main import Analysis
from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs, collect_submodules

REPO = Path(__file__).resolve().parents[2]
ENTRY = str(REPO / "packaging" / "bundle" / "entry.py")

# `hearth` imports its subcommands by name (desktop/cli/main.py COMMANDS) and the engine's worker
# module is started by name, so PyInstaller's import scan cannot find them.
HIDDEN_IMPORTS = collect_submodules("desktop") + collect_submodules("converter")

# Qt modules PySide6 ships that Hearth does not use; each one left out saves megabytes.
UNUSED_QT = [
    "PySide6." + name
    for name in (
        "Qt3DAnimation", "Qt3DCore", "Qt3DExtras", "Qt3DInput", "Qt3DLogic", "Qt3DRender",
        "QtBluetooth", "QtCharts", "QtConcurrent", "QtDataVisualization", "QtDesigner", "QtGraphs",
        "QtHelp", "QtHttpServer", "QtLocation", "QtMultimedia", "QtMultimediaWidgets", "QtNetworkAuth",
        "QtNfc", "QtOpenGL", "QtOpenGLWidgets", "QtPdf", "QtPdfWidgets", "QtPositioning", "QtQml",
        "QtQuick", "QtQuick3D", "QtQuickControls2", "QtQuickWidgets", "QtRemoteObjects", "QtScxml",
        "QtSensors", "QtSerialBus", "QtSerialPort", "QtSpatialAudio", "QtSql", "QtStateMachine",
        "QtTest", "QtTextToSpeech", "QtUiTools", "QtWebChannel", "QtWebEngineCore",
        "QtWebEngineQuick", "QtWebEngineWidgets", "QtWebSockets", "QtWebView", "QtXml",
    )
]

# Never in the bundle: the converter's parity-test stack (huge), test tools, other GUI toolkits.
EXCLUDES = UNUSED_QT + [
    "torch", "transformers", "safetensors", "sentencepiece", "tokenizers", "accelerate",
    "scipy", "pandas", "matplotlib", "IPython", "tkinter", "pytest", "pytestqt", "_pytest",
    "PyInstaller", "setuptools", "pip",
]


def hearth_analysis() -> Analysis:
    """PyInstaller's analysis of Hearth, the same on every platform."""
    return Analysis(
        [ENTRY],
        pathex=[str(REPO)],
        # llama_cpp loads its libraries from llama_cpp/lib next to its own files.
        binaries=collect_dynamic_libs("llama_cpp"),
        datas=collect_data_files("hearth_resources"),
        hiddenimports=HIDDEN_IMPORTS,
        excludes=EXCLUDES,
        noarchive=False,
    )
