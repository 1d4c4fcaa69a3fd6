"""What every platform's bundle contains, shared by the .spec files (Linux, Windows, macOS).

Kept as data: what to add that PyInstaller cannot see (modules imported by name, llama.cpp's
shared libraries, data files no hook knows) and what to leave out so the bundle stays lean (the Qt
modules Hearth does not use, the converter's test-only machine-learning stack, test tools).
"""
import re
from pathlib import Path

from PyInstaller.building.build_main import Analysis
from PyInstaller.depend.bindepend import get_imports
from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs, collect_submodules, copy_metadata

REPO = Path(__file__).resolve().parents[2]
VERSION = re.search(r'__version__ = "(.+)"', (REPO / "desktop" / "__init__.py").read_text()).group(1)
ENTRY = str(REPO / "packaging" / "bundle" / "entry.py")

# `hearth` imports its subcommands by name (desktop/cli/main.py COMMANDS) and the engine's worker
# module is started by name, so PyInstaller's import scan cannot see them.
HIDDEN_IMPORTS = collect_submodules("desktop") + collect_submodules("converter")

# desktop.paths.resource_path finds resources through the `hearth_resources` package, which is the
# resources/ folder under another name (setup.py); PyInstaller's module finder cannot resolve that
# renaming, so the package goes in by hand, next to its files (DATAS).
RESOURCES_PACKAGE = ("hearth_resources", str(REPO / "resources" / "__init__.py"), "PYMODULE")

# Data files no hook knows about: Hearth's resources, the grammar jsonschema's format checker reads,
# and the package metadata that llguidance (at import) and the feedback report ask for.
DATAS = [
    *[(str(path), str(Path("hearth_resources", path.parent.relative_to(REPO / "resources"))))
      for path in (REPO / "resources").rglob("*") if path.is_file() and "__pycache__" not in path.parts],
    *collect_data_files("rfc3987_syntax"),
    *copy_metadata("llguidance"),
    *copy_metadata("llama_cpp_python"),
]

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
    # optional: reading the Hugging Face cache's parquet for `hearth eval mmlu|ceval` (the authors'
    # CSV files need nothing); its 100+ MB and test data files do not belong in the app
    "pyarrow",
]

# Files PySide6's hooks collect that a desktop chat app never loads: platforms for kiosks and
# framebuffers, input drivers for embedded boards, the GTK theme bridge (it would drag GTK's own
# libraries into the bundle; Qt's Fusion style and the XDG portal cover the desktop), image formats
# Hearth never reads, and Qt's translations other than qtbase (the only one desktop/ui/i18n.py loads).
LEFT_OUT = re.compile("|".join([
    r"PySide6/Qt/plugins/(egldeviceintegrations|generic|networkinformation)/",
    r"PySide6/Qt/plugins/platforms/libq(eglfs|linuxfb|minimalegl|vnc|vkkhrdisplay)\.so$",
    r"PySide6/Qt/plugins/platformthemes/libqgtk3\.so$",
    r"PySide6/Qt/lib/libQt6EglFs",
    r"PySide6/Qt/plugins/imageformats/libq(gif|icns|jpeg|tga|tiff|wbmp|webp)\.so$",
    r"PySide6/Qt/translations/(?!qtbase_)",
]))


def lean(binaries: list, datas: list) -> tuple[list, list]:
    """Drop what LEFT_OUT names, and the system libraries that only those files needed."""
    dropped = [entry for entry in binaries if LEFT_OUT.match(entry[0])]
    kept = [entry for entry in binaries if not LEFT_OUT.match(entry[0])]
    if not dropped:  # the patterns name Linux paths; other platforms keep what the hooks chose
        return binaries, datas
    wanted_by_dropped = {name for _, source, _ in dropped for name, _ in get_imports(source)}
    wanted_by_kept = {name for _, source, _ in kept for name, _ in get_imports(source)}  # ldd: transitive
    orphans = wanted_by_dropped - wanted_by_kept
    kept = [entry for entry in kept if "/" in entry[0] or entry[0] not in orphans]
    return kept, [entry for entry in datas if not LEFT_OUT.match(entry[0])]


def hearth_analysis() -> Analysis:
    """PyInstaller's analysis of Hearth, the same on every platform, trimmed by `lean`."""
    analysis = Analysis(
        [ENTRY],
        pathex=[str(REPO)],
        # llama_cpp loads its libraries from llama_cpp/lib next to its own files.
        binaries=collect_dynamic_libs("llama_cpp"),
        datas=DATAS,
        hiddenimports=HIDDEN_IMPORTS,
        excludes=EXCLUDES,
        noarchive=False,
    )
    analysis.pure.append(RESOURCES_PACKAGE)
    analysis.binaries, analysis.datas = lean(analysis.binaries, analysis.datas)
    return analysis
