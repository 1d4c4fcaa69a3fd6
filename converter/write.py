"""Writing a gguf file from a plan: header via `gguf.GGUFWriter`, tensor data streamed chunk by chunk.

GGUFWriter wants whole arrays for tensor data; handing it the tensor infos up front and then
writing each tensor's encoded chunks straight to its file keeps memory at one chunk. Everything
goes to a temporary file next to the output and is renamed into place only when complete, so a
failure, a full disk or a cancel never leaves a partial gguf behind.
"""
from __future__ import annotations

import errno
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import gguf
import numpy as np

from converter.gguf_writer import BulkArrayWriter
from converter.outtypes import stored_shape
from converter.plan import Plan
from converter.progress import ProgressCallback, Step, check
from desktop.errors import HearthError


@contextmanager
def temporary_output(out: Path, suffix: str = ".part") -> Iterator[Path]:
    """A temporary path beside `out`, removed unless the body renamed it away."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}{suffix}")
    try:
        yield tmp
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise HearthError(f"disk full while writing {out}; free some space and try again") from None
        if exc.errno == errno.EFBIG:
            raise HearthError(f"{out} grew past the file size this system allows; write it elsewhere") from None
        raise HearthError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_gguf(out: Path, plan: Plan, add_metadata: Callable[[gguf.GGUFWriter], None],
               progress: ProgressCallback, cancel: threading.Event | None) -> None:
    """Write `plan` to `out` atomically; `add_metadata` adds every key/value pair."""
    with temporary_output(out) as tmp:
        writer = BulkArrayWriter(path=None, arch=gguf.MODEL_ARCH_NAMES[plan.arch])
        add_metadata(writer)
        for tensor in plan.tensors:
            shape, dtype = stored_shape(tensor.shape, tensor.qtype)
            writer.add_tensor_info(tensor.name, shape, dtype, tensor.nbytes, raw_dtype=tensor.qtype)
        try:
            writer.write_header_to_file(path=tmp)
            writer.write_kv_data_to_file()
            writer.write_ti_data_to_file()
            _write_tensor_data(writer, plan, progress, cancel)
        finally:
            writer.close()
        os.replace(tmp, out)


def _write_tensor_data(writer: gguf.GGUFWriter, plan: Plan, progress: ProgressCallback,
                       cancel: threading.Event | None) -> None:
    fout = writer.fout[0]
    total = sum(t.nbytes for t in plan.tensors)
    done = 0
    progress(Step("write", 0, total))
    for tensor in plan.tensors:
        writer.write_padding(fout, fout.tell())
        for data in tensor.encoded_chunks():
            check(cancel)
            data = np.ascontiguousarray(data)
            fout.write(memoryview(data).cast("B"))
            done += data.nbytes
            progress(Step("write", done, total))
        writer.write_padding(fout, tensor.nbytes)
