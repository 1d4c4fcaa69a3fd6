"""The engine's line about where a model runs, in the UI's language.

The engine words it in English ("CPU (no GPU found)", "GPU: RTX 4060, all layers (~0.9 GiB of
7.6 GiB free)"; desktop/engine/hardware.py) because the CLI, logs and feedback reports use it as
is. The UI shows it translated: each shape the engine can produce is a pattern here, with the same
sentence for Qt Linguist (numbers and names become named {placeholders}). A line that matches no pattern is
shown as the engine wrote it.
"""
from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP

CONTEXT = "DeviceText"
SHAPES = (
    (r"CPU \(this llama\.cpp build has no GPU support; GPU layers ignored\)",
     QT_TRANSLATE_NOOP("DeviceText", "CPU (this llama.cpp build has no GPU support; GPU layers ignored)")),
    (r"CPU \(GPU layers set to 0\)", QT_TRANSLATE_NOOP("DeviceText", "CPU (GPU layers set to 0)")),
    (r"GPU: (?P<layers>-?\d+) layers \(as set\)", QT_TRANSLATE_NOOP("DeviceText", "GPU: {layers} layers (as set)")),
    (r"CPU \(this llama\.cpp build has no GPU support\)",
     QT_TRANSLATE_NOOP("DeviceText", "CPU (this llama.cpp build has no GPU support)")),
    (r"CPU \(no GPU found\)", QT_TRANSLATE_NOOP("DeviceText", "CPU (no GPU found)")),
    (r"CPU \(needs ~(?P<need>[\d.]+) GiB of VRAM, (?P<device>.+) has (?P<free>[\d.]+) GiB free\)",
     QT_TRANSLATE_NOOP("DeviceText", "CPU (needs ~{need} GiB of VRAM, {device} has {free} GiB free)")),
    (r"GPU: (?P<device>.+), all layers \(~(?P<need>[\d.]+) GiB of (?P<free>[\d.]+) GiB free\)",
     QT_TRANSLATE_NOOP("DeviceText", "GPU: {device}, all layers (~{need} GiB of {free} GiB free)")),
    # the start-up self-check fell back (desktop/engine/runtime_check.py): CPU tier; what is off
    (r"CPU \((?P<tier>[^;]+); (?P<off>.+) off: it crashed on this machine\)",
     QT_TRANSLATE_NOOP("DeviceText", "CPU ({tier}; {off} off: it crashed on this machine)")),
    (r"CPU \((?P<off>.+) off: it crashed on this machine\)",
     QT_TRANSLATE_NOOP("DeviceText", "CPU ({off} off: it crashed on this machine)")),
    # a remote engine (desktop/engine/remote.py): the server kind and its address
    (r"remote: (?P<server>.+) at (?P<url>\S+)", QT_TRANSLATE_NOOP("DeviceText", "remote: {server} at {url}")),
)
# Words inside those lines that are not CPU feature names (which read the same in every language)
TERMS = (QT_TRANSLATE_NOOP("DeviceText", "extra buffer types"),)


def device_text(engine_line: str) -> str:
    """`engine_line` translated into the installed language (unchanged if it has no known shape)."""
    for pattern, sentence in SHAPES:
        match = re.fullmatch(pattern, engine_line)
        if match:
            values = {}
            for name, value in match.groupdict().items():
                for term in TERMS:
                    value = value.replace(term, QCoreApplication.translate(CONTEXT, term))
                values[name] = value
            return QCoreApplication.translate(CONTEXT, sentence).format(**values)
    return engine_line
