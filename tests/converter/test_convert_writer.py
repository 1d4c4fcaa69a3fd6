"""The bulk array packing writes exactly what gguf's own writer writes."""
from __future__ import annotations

import gguf
import numpy as np

from converter.gguf_writer import BulkArrayWriter


def _write(writer_class, path):
    writer = writer_class(path, arch="llama")
    tokens = [f"tok{i}" for i in range(500)] + ["Ġhello", "你好", "🦙", "<|im_start|>", " spaced "] * 20
    writer.add_token_list(tokens)
    writer.add_token_scores([float(i) / 7 for i in range(len(tokens))])
    writer.add_token_types([i % 6 for i in range(len(tokens))])
    writer.add_token_merges([f"a{i} b{i}" for i in range(300)])
    writer.add_array("test.short", [1, 2, 3])
    writer.add_tensor("t", np.arange(64, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path.read_bytes()


def test_bulk_writer_bytes_equal_stock_writer(tmp_path):
    assert _write(BulkArrayWriter, tmp_path / "bulk.gguf") == _write(gguf.GGUFWriter, tmp_path / "stock.gguf")
