"""`convert()`: a Hugging Face checkpoint to one gguf file, optionally quantized.

Steps: find the checkpoint (folder or hub), pick the family from config.json, plan every tensor
(headers only), read the tokenizer, then stream the tensors into the output. K-quants and iq4_xs
first write a 16-bit gguf next to the output and hand it to llama.cpp's quantizer.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import gguf

from converter.decoder import load_config, write_common_hparams
from converter.families import family_for
from converter.outtypes import LLAMA_CPP_TYPES, NUMPY_TYPES, OUTTYPES, F16Overflow
from converter.plan import Plan, build_plan
from converter.progress import ProgressCallback, Step, check, ignore
from converter.source import resolve_source
from converter.vocab import Vocab, load_vocab
from converter.write import temporary_output, write_gguf
from desktop.errors import HearthError
from desktop.models.identity import remember


@dataclass
class ConvertResult:
    """What a conversion produced."""

    path: Path
    outtype: str  # the type actually used ("auto" resolved)
    arch: str  # gguf architecture name, e.g. "llama"
    n_params: int
    size_bytes: int
    seconds: float
    source: Path  # the local checkpoint folder (the hub cache for repo ids)
    kept_wide: list[str] = field(default_factory=list)  # tensors kept bf16: values beyond f16 range
    notes: list[str] = field(default_factory=list)


def _add_metadata(plan: Plan, vocab: Vocab, folder: Path, ftype: gguf.LlamaFileType):
    def add(writer: gguf.GGUFWriter) -> None:
        meta = gguf.Metadata.load(None, folder, None, plan.n_params)
        if meta.name is None:
            meta.name = folder.name
        if meta.size_label is None:
            meta.size_label = gguf.size_label(plan.n_params, 0, 0, 0)
        writer.add_type(gguf.GGUFType.MODEL)
        meta.set_gguf_meta_model(writer)
        write_common_hparams(plan.config, writer)
        plan.family.write_hparams(plan.config, writer)
        writer.add_file_type(ftype)
        writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
        vocab.write(folder, writer)
    return add


def _check_output(out: Path, force: bool) -> None:
    if out.exists() and not force:
        raise HearthError(f"{out} already exists; pass --force to overwrite it")
    if out.exists() and out.is_dir():
        raise HearthError(f"{out} is a folder; give a .gguf file name")
    if not out.parent.is_dir():
        raise HearthError(f"folder {out.parent} does not exist")


def convert(src: str | Path, out: str | Path, outtype: str = "auto", *, force: bool = False,
            imatrix: str | Path | None = None, threads: int = 0,
            progress: ProgressCallback = ignore, cancel: threading.Event | None = None) -> ConvertResult:
    """Convert the checkpoint `src` (folder or Hugging Face repo id) into the gguf `out`.

    Raises HearthError with a one-line message for any bad input; `Cancelled` when `cancel` is set.
    Either `out` is complete or it was not touched.
    """
    started = time.monotonic()
    out = Path(out).expanduser().resolve()
    if outtype not in OUTTYPES:
        raise HearthError(f"unknown output type {outtype!r}; choose one of {', '.join(OUTTYPES)}")
    if imatrix is not None and outtype not in LLAMA_CPP_TYPES:
        raise HearthError("an importance matrix only applies to k-quants and iq4_xs outputs")
    _check_output(out, force)
    folder = resolve_source(str(src), progress)
    config = load_config(folder)
    family = family_for(config)
    check(cancel)
    float_type = "f16" if outtype in ("auto", *LLAMA_CPP_TYPES) else outtype
    qtype, ftype = NUMPY_TYPES[float_type]
    plan = build_plan(folder, family, config, qtype)
    vocab = load_vocab(folder, int(config["vocab_size"]))

    def write(plan: Plan, ftype: gguf.LlamaFileType) -> None:
        if outtype in LLAMA_CPP_TYPES:
            from converter.llama_quantize import quantize_with_llama_cpp

            with temporary_output(out, ".f16.gguf") as intermediate:
                write_gguf(intermediate, plan, _add_metadata(plan, vocab, folder, ftype), progress, cancel)
                quantize_with_llama_cpp(intermediate, out, LLAMA_CPP_TYPES[outtype], imatrix=imatrix,
                                        threads=threads, progress=progress, cancel=cancel)
        else:
            write_gguf(out, plan, _add_metadata(plan, vocab, folder, ftype), progress, cancel)

    notes = []
    try:
        write(plan, ftype)
    except F16Overflow:
        # Rare: bf16 weights beyond f16's range. Only now is every tensor scanned for them (a whole
        # extra read of the weights), and the file written again with those tensors kept bf16.
        plan = build_plan(folder, family, config, qtype, scan_overflow=True)
        if outtype == "auto":
            notes.append("bf16 weights exceed f16's range; writing bf16 instead of f16")
            float_type = "bf16"
            qtype, ftype = NUMPY_TYPES[float_type]
            plan = build_plan(folder, family, config, qtype)
        else:
            notes.append(f"{len(plan.kept_wide)} tensor(s) have values beyond f16's range and stay bf16: "
                         + ", ".join(plan.kept_wide[:4]) + ("..." if len(plan.kept_wide) > 4 else ""))
        for note in notes:
            progress(Step("read", message=note))
        write(plan, ftype)
    used = outtype if outtype in LLAMA_CPP_TYPES else float_type
    result = ConvertResult(out, used, gguf.MODEL_ARCH_NAMES[plan.arch], plan.n_params, out.stat().st_size,
                           time.monotonic() - started, folder, plan.kept_wide, notes)
    remember(out, source=_provenance(src, folder, used))
    progress(Step("done", 1, 1))
    return result


def _provenance(src: str | Path, folder: Path, outtype: str) -> str:
    """How the model identity names a converted file's origin (a folder by name, not its path)."""
    origin = f"Hugging Face {src}" if not Path(str(src)).expanduser().exists() else f"the checkpoint folder {folder.name}"
    return f"converted by Hearth from {origin} ({outtype})"
