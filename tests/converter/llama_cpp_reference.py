"""llama.cpp's own converter (convert_hf_to_gguf.py), the reference the converter is held to.

It ships in the pinned llama-cpp-python's source distribution (vendor/llama.cpp/), downloaded once
with pip into a cache outside the repository and never committed. It needs torch and transformers
(the convert-test extra).

Run as a script, this file converts several checkpoints in one process (torch is imported once):
    python llama_cpp_reference.py SRC OUT.gguf [SRC OUT.gguf ...] [--outtype f16]
The tokenizers trained for the tests are missing from the reference's table of known tokenizer
hashes, which it needs only to name the pre-tokenizer; for those it writes "default" instead of
stopping. Known tokenizers (every published one) go through unchanged.
"""
from __future__ import annotations

import os
import runpy
import subprocess
import sys
import tarfile
from pathlib import Path

SDIST_VERSION = "0.3.36"
CACHE = Path(os.environ.get("HEARTH_BENCH_REF", Path.home() / ".cache" / "hearth" / "bench-ref"))


def reference_script() -> Path:
    """convert_hf_to_gguf.py from the llama-cpp-python sdist, downloaded once into the cache."""
    root = CACHE / f"llama_cpp_python-{SDIST_VERSION}"
    script = root / "vendor" / "llama.cpp" / "convert_hf_to_gguf.py"
    if script.is_file() and (script.parent / "conversion").is_dir():
        return script
    CACHE.mkdir(parents=True, exist_ok=True)
    archive_path = CACHE / f"llama_cpp_python-{SDIST_VERSION}.tar.gz"
    if not archive_path.is_file():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        f"llama-cpp-python=={SDIST_VERSION}", "-d", str(CACHE)], check=True)
    with tarfile.open(archive_path) as archive:
        members = [m for m in archive.getmembers() if "/vendor/llama.cpp/" in m.name and (
            m.name.endswith("convert_hf_to_gguf.py") or "/conversion/" in m.name or "/gguf-py/" in m.name)]
        archive.extractall(CACHE, members=members, filter="data")
    return script


def command(pairs: list[tuple[Path, Path]], outtype: str = "f16") -> list[str]:
    """The command line converting each (checkpoint, output) pair with llama.cpp's converter."""
    return [sys.executable, str(Path(__file__).resolve()), *(str(p) for pair in pairs for p in pair),
            "--outtype", outtype]


def _run(args: list[str]) -> None:
    outtype = "f16"
    if "--outtype" in args:
        at = args.index("--outtype")
        outtype, args = args[at + 1], args[:at] + args[at + 2:]
    script = reference_script()
    sys.path.insert(0, str(script.parent))
    sys.path.insert(1, str(script.parent / "gguf-py"))
    from conversion.base import TextModel

    known = TextModel.get_vocab_base_pre

    def vocab_base_pre(self, tokenizer) -> str:
        try:
            return known(self, tokenizer)
        except NotImplementedError:
            return "default"

    TextModel.get_vocab_base_pre = vocab_base_pre
    for src, out in zip(args[::2], args[1::2]):
        sys.argv = [str(script), src, "--outfile", out, "--outtype", outtype]
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as stop:
            if stop.code:
                raise


if __name__ == "__main__":
    _run(sys.argv[1:])
