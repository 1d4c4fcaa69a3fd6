"""Quantized outputs: numpy block quants are bit-exact with ggml; k-quants come from llama.cpp itself."""
from __future__ import annotations

import ctypes

import gguf
import llama_cpp
import numpy as np
import pytest

import checkpoints
from converter import convert, verify
from converter.outtypes import NUMPY_TYPES

BLOCK_TYPES = ["q8_0", "q4_0", "q4_1", "q5_0", "q5_1"]


def llama_cpp_pure_quantize(src, dst, ftype) -> None:
    """llama-quantize --pure: every weight matrix to one type, through ggml's own quantizer."""
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = int(ftype)
    params.pure = True
    params.nthread = 2
    assert llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params)) == 0


def tensors(path):
    return {t.name: t for t in gguf.GGUFReader(path).tensors}


@pytest.fixture(scope="module")
def f32_reference(tmp_path_factory):
    return convert(checkpoints.tiny("llama3"), tmp_path_factory.mktemp("ref") / "f32.gguf", "f32").path


@pytest.mark.parametrize("outtype", BLOCK_TYPES)
def test_block_quants_are_byte_identical_to_ggml(outtype, f32_reference, tmp_path):
    ours = convert(checkpoints.tiny("llama3"), tmp_path / "ours.gguf", outtype).path
    qtype, ftype = NUMPY_TYPES[outtype]
    llama_cpp_pure_quantize(f32_reference, tmp_path / "ggml.gguf", ftype)
    mine, theirs = tensors(ours), tensors(tmp_path / "ggml.gguf")
    quantized = [name for name, t in mine.items() if t.tensor_type == qtype]
    assert len(quantized) >= 2 * 7  # every weight matrix of both layers
    for name in quantized:
        assert theirs[name].tensor_type == qtype
        assert np.array_equal(np.asarray(mine[name].data), np.asarray(theirs[name].data)), name


def test_q4_k_m_uses_llama_cpp_type_mix_and_stays_close(smollm_path, tmp_path):
    src = checkpoints.from_gguf(smollm_path, "smollm2-135m", "smollm")
    result = convert(src, tmp_path / "q4km.gguf", "q4_k_m")
    types = {t.tensor_type for t in gguf.GGUFReader(result.path).tensors}
    assert gguf.GGMLQuantizationType.Q4_K in types and gguf.GGMLQuantizationType.Q6_K in types
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())  # no intermediate left behind
    report = verify(src, result.path)
    assert 0.0 < report.mean_kld < 0.2
    assert report.top1_agreement > 0.8
    assert report.size_result_bytes < report.size_reference_bytes / 2
    assert report.decode_tokens_per_s > 0


def test_importance_matrix_changes_the_quantization(tmp_path):
    src = checkpoints.tiny("llama3")
    plain = convert(src, tmp_path / "plain.gguf", "iq4_xs").path
    imatrix = tmp_path / "imatrix.gguf"
    writer = gguf.GGUFWriter(imatrix, arch="imatrix")
    writer.add_type("imatrix")
    rng = np.random.default_rng(0)
    for name, t in tensors(plain).items():
        if name.startswith("blk.") and name.endswith(".weight") and len(t.shape) == 2:
            n_in = int(t.shape[0])
            writer.add_tensor(name + ".in_sum2", (rng.random((1, n_in)) ** 4 * 100).astype(np.float32))
            writer.add_tensor(name + ".counts", np.array([[10.0]], dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    weighted = convert(src, tmp_path / "weighted.gguf", "iq4_xs", imatrix=imatrix).path
    a, b = tensors(plain), tensors(weighted)
    assert any(not np.array_equal(np.asarray(a[n].data), np.asarray(b[n].data)) for n in a if n.startswith("blk."))


def test_legacy_imatrix_dat_is_read_like_the_gguf_one(tmp_path):
    import struct

    from converter.imatrix import read_imatrix

    rng = np.random.default_rng(1)
    sums = {f"blk.{i}.ffn_up.weight": (rng.random(64) * 50).astype(np.float32) for i in range(2)}
    writer = gguf.GGUFWriter(tmp_path / "m.gguf", arch="imatrix")
    for name, values in sums.items():
        writer.add_tensor(name + ".in_sum2", values.reshape(1, -1))
        writer.add_tensor(name + ".counts", np.array([[8.0]], dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    legacy = struct.pack("<i", len(sums)) + b"".join(
        struct.pack("<i", len(n)) + n.encode() + struct.pack("<ii", 8, v.size) + v.tobytes() for n, v in sums.items())
    (tmp_path / "m.dat").write_bytes(legacy)
    from_gguf, from_dat = read_imatrix(tmp_path / "m.gguf"), read_imatrix(tmp_path / "m.dat")
    assert set(from_gguf) == set(from_dat) == set(sums)
    for name in sums:
        assert np.allclose(from_gguf[name], sums[name] / 8) and np.allclose(from_dat[name], sums[name] / 8)
