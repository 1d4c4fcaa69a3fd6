"""llama.cpp's CPU code as Hearth's portable build ships it: one library per CPU generation.

The build (packaging/build-llama.sh) uses llama.cpp's GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS, as
llama.cpp's own release builds do: `libggml-cpu-haswell.so`, `libggml-cpu-skylakex.so`, ... sit
beside libllama, each reports through `ggml_backend_score` whether this CPU can run it and how well,
and the best one is loaded at run time. Hearth loads a variant itself (rather than letting ggml pick)
so that the start-up self-check (desktop.engine.runtime_check) can fall back to a lesser one when
the best crashes on a machine. A build without variant files (a native or CUDA build) has its CPU
code linked in; then there is nothing to choose here.

Only the worker and the probe processes load these libraries; the UI process only reads names.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# What each of llama.cpp's x86 variants adds, in the words the device line uses. Variants of one
# tier (cascadelake, icelake, zen4, ... are all "AVX-512") differ in extensions a user need not
# read about; falling back is worth it only to a variant of another tier.
TIERS: dict[str, tuple[str, ...]] = {
    "x64": (), "sse42": ("SSE4.2",),
    "sandybridge": ("AVX",), "ivybridge": ("AVX",), "piledriver": ("AVX",),
    "haswell": ("AVX2",), "alderlake": ("AVX2", "AVX-VNNI"),
    "skylakex": ("AVX-512",), "cannonlake": ("AVX-512",), "cascadelake": ("AVX-512",),
    "icelake": ("AVX-512",), "cooperlake": ("AVX-512",), "zen4": ("AVX-512",),
    "sapphirerapids": ("AVX-512", "AMX"),
}
_PREFIX = "libggml-" if sys.platform != "win32" else "ggml-"  # every backend library's, CPU or GPU
_SUFFIX = ".dll" if sys.platform == "win32" else ".so"
_VARIANT = "cpu-"  # a CPU variant's backend name: cpu-haswell


@dataclass(frozen=True)
class Variant:
    tag: str  # "haswell"
    score: int  # ggml_backend_score(): 0 = this CPU cannot run it; higher = uses more of the CPU
    path: Path

    @property
    def tier(self) -> tuple[str, ...]:
        return TIERS.get(self.tag, (self.tag,))


def tier_label(tier: tuple[str, ...]) -> str:
    """ "AVX-512, AMX"; the variant without any extension is plain x86-64 code."""
    return ", ".join(tier) or "x86-64"


def library_dir() -> Path | None:
    """llama-cpp-python's library folder, found without importing llama_cpp (the UI must not)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "lib"


def variant_files(lib_dir: Path | None = None) -> list[Path]:
    lib_dir = lib_dir or library_dir()
    if lib_dir is None or not lib_dir.is_dir():
        return []
    return sorted(p for p in lib_dir.iterdir() if _tag(p.name) is not None)


def backend_name(file_name: str) -> str | None:
    """ "cpu-haswell" for libggml-cpu-haswell.so, "vulkan" for libggml-vulkan.so; None for a file
    that is no ggml backend library (libllama.so, libggml.so, libggml-base.so.0)."""
    if file_name.startswith(_PREFIX) and file_name.endswith(_SUFFIX):
        return file_name[len(_PREFIX):-len(_SUFFIX)]
    return None


def _tag(file_name: str) -> str | None:
    """ "haswell" for libggml-cpu-haswell.so; None for a file that is no CPU variant."""
    name = backend_name(file_name)
    return name[len(_VARIANT):] if name and name.startswith(_VARIANT) else None


def _score(path: Path) -> int:
    """Ask the variant itself; loading it runs none of its vector code, only its CPU-feature check."""
    try:
        lib = ctypes.CDLL(str(path), mode=os.RTLD_LOCAL if hasattr(os, "RTLD_LOCAL") else 0)
    except OSError:
        return 0
    score = getattr(lib, "ggml_backend_score", None)
    if score is None:
        return 0
    score.restype = ctypes.c_int
    return int(score())


def ranked(lib_dir: Path | None = None) -> list[Variant]:
    """The variants this CPU can run, best first (llama.cpp's own order). Call only in a process
    that has imported llama_cpp: the variants need its libggml-base loaded."""
    found = [Variant(_tag(p.name), _score(p), p) for p in variant_files(lib_dir)]
    return sorted((v for v in found if v.score > 0), key=lambda v: v.score, reverse=True)


def ggml_library(llama_lib: ctypes.CDLL, lib_dir: Path) -> ctypes.CDLL:
    """Where libllama's own libggml is reached, `ggml_backend_load` typed: through libllama itself,
    whose symbols include its dependencies' (ELF, Mach-O); on Windows through ggml.dll opened by
    its path in `lib_dir`, which is the copy libllama loaded, since Windows loads a module once per
    name."""
    ggml = llama_lib if hasattr(llama_lib, "ggml_backend_load") else ctypes.CDLL(str(lib_dir / "ggml.dll"))
    ggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
    ggml.ggml_backend_load.restype = ctypes.c_void_p
    return ggml


def load(variant: Variant, llama_lib: ctypes.CDLL) -> None:
    """Register `variant` as llama.cpp's CPU backend for this process (before any model loads).

    The call goes through `llama_lib` (libllama, as llama_cpp opened it), so it reaches the
    libggml that libllama itself uses. Opening libggml by its file name instead loads a second
    copy beside the one libllama found by its soname: the variant was registered there, libllama
    saw no CPU backend and loaded the best one after all, whatever the self-check had chosen."""
    ggml = ggml_library(llama_lib, variant.path.parent)
    ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    if ggml.ggml_backend_reg_count():
        raise RuntimeError("llama.cpp already loaded a CPU backend in this process")
    if not ggml.ggml_backend_load(os.fsencode(variant.path)):
        raise RuntimeError(f"llama.cpp could not load its CPU code {variant.path.name}")


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def loaded_variant(llama_lib: ctypes.CDLL) -> str | None:
    """The variant whose code llama.cpp's CPU backend runs in this process, read from where its
    code lies (dladdr); None where that cannot be told (no CPU backend yet, no dladdr: Windows).
    The self-check verifies it after loading one, never trusting that the load took."""
    if sys.platform == "win32":
        return None
    llama_lib.ggml_backend_reg_by_name.argtypes = [ctypes.c_char_p]
    llama_lib.ggml_backend_reg_by_name.restype = ctypes.c_void_p
    llama_lib.ggml_backend_reg_get_proc_address.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    llama_lib.ggml_backend_reg_get_proc_address.restype = ctypes.c_void_p
    reg = llama_lib.ggml_backend_reg_by_name(b"CPU")
    code = reg and llama_lib.ggml_backend_reg_get_proc_address(reg, b"ggml_backend_get_features")
    dladdr = getattr(ctypes.CDLL(None), "dladdr", None)  # libc's (glibc >= 2.34) or libdl's, both loaded
    info = _DlInfo()
    if not code or dladdr is None or not dladdr(ctypes.c_void_p(code), ctypes.byref(info)) or not info.dli_fname:
        return None
    return _tag(os.path.basename(os.fsdecode(info.dli_fname)))
