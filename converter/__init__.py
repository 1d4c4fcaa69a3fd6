"""Hugging Face checkpoint -> GGUF, without torch; quantization; verification against a reference.

    from converter import convert, verify
    result = convert("path/or/owner-repo", "model.gguf", "q4_k_m", progress=print, cancel=event)
    report = verify(result.source, result.path)

No Qt here: the app runs `python -m converter ... --progress-json` in a background process.
"""
from converter.convert import ConvertResult, convert
from converter.outtypes import OUTTYPES
from converter.progress import Cancelled, Step
from converter.verify import VerifyReport, verify

__all__ = ["convert", "verify", "ConvertResult", "VerifyReport", "Step", "Cancelled", "OUTTYPES"]
