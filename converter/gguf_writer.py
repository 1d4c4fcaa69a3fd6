"""`GGUFWriter` with bulk packing of long metadata arrays (token lists, scores, types, merges).

The stock writer packs an array element by element through its generic value path, which is
about half of the CPU time of converting a 150k-token vocabulary model. The bytes written are the
same (tests/converter/test_convert_writer.py compares them with the stock writer's).
"""
from __future__ import annotations

import struct
from typing import Any

import gguf
import numpy as np

V = gguf.GGUFValueType
NUMERIC = {V.UINT8: "<u1", V.INT8: "<i1", V.UINT16: "<u2", V.INT16: "<i2", V.UINT32: "<u4", V.INT32: "<i4",
           V.FLOAT32: "<f4", V.UINT64: "<u8", V.INT64: "<i8", V.FLOAT64: "<f8"}
BULK_MIN_LENGTH = 256
_LENGTH = struct.Struct("<Q").pack


class BulkArrayWriter(gguf.GGUFWriter):
    def _pack_val(self, val: Any, vtype: gguf.GGUFValueType, add_vtype: bool,
                  sub_type: gguf.GGUFValueType | None = None) -> bytes:
        if (vtype != V.ARRAY or isinstance(val, bytes) or len(val) < BULK_MIN_LENGTH
                or self.endianess != gguf.GGUFEndian.LITTLE):
            return super()._pack_val(val, vtype, add_vtype, sub_type)
        item_type = sub_type if sub_type is not None else V.get_type(val[0])
        if item_type == V.STRING:
            encoded = [item.encode("utf-8") if isinstance(item, str) else bytes(item) for item in val]
            body = b"".join(_LENGTH(len(item)) + item for item in encoded)
        elif item_type in NUMERIC:
            body = np.asarray(val, dtype=NUMERIC[item_type]).tobytes()
        else:
            return super()._pack_val(val, vtype, add_vtype, sub_type)
        head = struct.pack("<I", vtype) if add_vtype else b""
        return head + struct.pack("<IQ", item_type, len(val)) + body
