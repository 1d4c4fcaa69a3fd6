"""A stand-in for a model too large to take where a benchmark runs: the same metadata, tokenizer and
tensor shapes as the real GGUF, random weights, quantized by llama.cpp itself.

Speed depends on shapes and tensor types, not on the weights' values, so prefill and decode
tokens/s measured on the stand-in are the real model's; its answers are noise, so it proves no
correctness. The GPU check uses it for Qwen2.5-0.5B (491 MB), since only ~64 MB travels to the
GPU machine: `skeleton` runs here and writes the real model's metadata and tensor list (6 MiB),
`build` runs there and writes the stand-in.

    .venv/bin/python bench/same_shape_model.py skeleton REAL.gguf SKELETON.gguf
    .venv/bin/python bench/same_shape_model.py build SKELETON.gguf OUT.gguf [--type Q4_K_M]
"""
from __future__ import annotations

import argparse
import ctypes
import json
import sys
import tempfile
from pathlib import Path

import gguf
import numpy as np

SHAPES_KEY = "hearth.bench.tensor_shapes"  # {name: shape as gguf lists it}, in file order
QUANT_TYPES = ("Q4_K_M", "Q8_0", "Q4_0", "F16")  # llama_cpp.LLAMA_FTYPE_MOSTLY_<type>


def _copy_metadata(reader: gguf.GGUFReader, writer: gguf.GGUFWriter, skip: set[str]) -> None:
    for field in reader.fields.values():
        if field.name.startswith("GGUF.") or field.name in skip or field.name == gguf.Keys.General.ARCHITECTURE:
            continue
        main = gguf.GGUFValueType(field.types[0])
        sub = gguf.GGUFValueType(field.types[-1]) if main == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), main, sub_type=sub)


def _architecture(reader: gguf.GGUFReader) -> str:
    return reader.fields[gguf.Keys.General.ARCHITECTURE].contents()


def skeleton(real: Path, out: Path) -> None:
    """The real model's metadata and tensor shapes, without its weights."""
    reader = gguf.GGUFReader(real)
    writer = gguf.GGUFWriter(out, _architecture(reader))
    _copy_metadata(reader, writer, skip=set())
    shapes = {t.name: [int(n) for n in t.shape] for t in reader.tensors}
    writer.add_string(SHAPES_KEY, json.dumps(shapes))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()


def _random_f16_model(skeleton_path: Path, out: Path, seed: int) -> None:
    reader = gguf.GGUFReader(skeleton_path)
    if SHAPES_KEY not in reader.fields:
        raise ValueError(f"{skeleton_path} is not a skeleton (`same_shape_model.py skeleton REAL OUT` makes one)")
    shapes = json.loads(reader.fields[SHAPES_KEY].contents())
    writer = gguf.GGUFWriter(out, _architecture(reader))
    _copy_metadata(reader, writer, skip={SHAPES_KEY, gguf.Keys.General.FILE_TYPE})
    rng = np.random.default_rng(seed)
    for name, shape in shapes.items():
        dims = tuple(reversed(shape))  # gguf lists the fastest-varying dimension first
        if len(dims) == 1:  # norms and biases: near the values a trained model has
            data = np.ones(dims, np.float32) if name.endswith("norm.weight") else np.zeros(dims, np.float32)
        else:
            data = (rng.standard_normal(dims, np.float32) * 0.02).astype(np.float16)
        writer.add_tensor(name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def build(skeleton_path: Path, out: Path, quant_type: str, seed: int = 0) -> None:
    """Random weights in the skeleton's shapes, quantized to `quant_type` by llama.cpp's own
    quantizer (its recipe for that type picks each tensor's type, as for a real model)."""
    import llama_cpp

    from desktop.engine.runtime_check import apply_proven

    with tempfile.TemporaryDirectory(dir=out.parent) as scratch:
        f16 = Path(scratch) / "f16.gguf"
        _random_f16_model(skeleton_path, f16, seed)
        if quant_type == "F16":
            f16.replace(out)
            return
        apply_proven(str(f16))
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{quant_type}")
        if llama_cpp.llama_model_quantize(str(f16).encode(), str(out).encode(), ctypes.byref(params)) != 0:
            raise SystemExit(f"same-shape model: llama.cpp could not quantize to {quant_type}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("skeleton", help="metadata and tensor shapes of a real GGUF, no weights")
    make.add_argument("real", type=Path)
    make.add_argument("out", type=Path)
    fill = commands.add_parser("build", help="a random-weight model from a skeleton")
    fill.add_argument("skeleton", type=Path)
    fill.add_argument("out", type=Path)
    fill.add_argument("--type", default="Q4_K_M", choices=QUANT_TYPES)
    args = parser.parse_args()
    try:
        if args.command == "skeleton":
            skeleton(args.real, args.out)
        else:
            build(args.skeleton, args.out, args.type)
    except (OSError, ValueError, KeyError) as exc:
        print(f"same-shape model: {exc}", file=sys.stderr)
        return 1
    print(f"same-shape model: wrote {args.out} ({args.out.stat().st_size / 2**20:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
