"""K-quants and iq4_xs through llama.cpp's own quantizer (`llama_model_quantize`).

llama.cpp picks a type per tensor for these formats (e.g. q4_k_m keeps some attn_v / ffn_down
layers at q6_k) and can weight rounding errors by an importance matrix; reimplementing either
would only drift from upstream. The call blocks in C for the whole file, so it runs in a child
process: a cancel kills the child, and the parent removes the temporary files.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import threading
from pathlib import Path

import gguf

from converter.imatrix import read_imatrix
from converter.progress import Cancelled, ProgressCallback, Step, check
from converter.write import temporary_output
from desktop.errors import HearthError


def _quantize(src: str, dst: str, ftype: int, threads: int, imatrix: str | None) -> int:
    """Runs in the child process."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = threads
    keep_alive = []
    if imatrix:
        entries = read_imatrix(Path(imatrix))
        table = (llama_cpp.llama_model_imatrix_data * (len(entries) + 1))()
        for i, (name, values) in enumerate(entries.items()):
            keep_alive.append(values)
            table[i].name = name.encode()
            table[i].data = values.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            table[i].size = values.size
        table[len(entries)].name = None
        params.imatrix = table
    return int(llama_cpp.llama_model_quantize(src.encode(), dst.encode(), ctypes.byref(params)))


def _child(src: str, dst: str, ftype: int, threads: int, imatrix: str | None, log: str, results) -> None:
    """Runs in the child process; llama.cpp's per-tensor log goes to `log`, not the user's terminal."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    try:
        results.put(("ok", _quantize(src, dst, ftype, threads, imatrix)))
    except HearthError as exc:
        results.put(("error", str(exc)))


def _last_log_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()] if log.is_file() else []
    return lines[-1] if lines else "no message"


def quantize_with_llama_cpp(src: Path, out: Path, ftype: gguf.LlamaFileType, *, imatrix: str | Path | None,
                            threads: int, progress: ProgressCallback, cancel: threading.Event | None) -> None:
    """Quantize the gguf `src` into `out` (atomically) with llama.cpp's per-tensor type mix."""
    if imatrix is not None and not Path(imatrix).is_file():
        raise HearthError(f"importance matrix {imatrix} does not exist")
    threads = threads or os.cpu_count() or 1
    progress(Step("quantize", 0, 1, message=f"quantizing to {ftype.name.removeprefix('MOSTLY_').lower()} "
                  f"with llama.cpp ({threads} threads)"))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    with temporary_output(out) as tmp, temporary_output(out, ".quantize.log") as log:
        child = context.Process(target=_child, args=(str(src), str(tmp), int(ftype), threads,
                                                     str(imatrix) if imatrix else None, str(log), results), daemon=True)
        child.start()
        while child.is_alive():
            child.join(0.1)
            if cancel is not None and cancel.is_set():
                child.kill()
                child.join()
                raise Cancelled()
        try:
            outcome = results.get(timeout=5)
        except queue.Empty:
            outcome = ("error", f"it stopped with exit code {child.exitcode} ({_last_log_line(log)})")
        if outcome[0] == "error":
            raise HearthError(f"llama.cpp's quantizer failed: {outcome[1]}")
        if outcome[1] != 0 or not tmp.is_file():
            raise HearthError(f"llama.cpp's quantizer failed: {_last_log_line(log)}")
        check(cancel)  # a cancel that came as the child finished still wins
        os.replace(tmp, out)
    progress(Step("quantize", 1, 1))
