"""Reading a SQLite file's rows straight from its pages, without SQLite.

SQLite refuses a whole table once one page of it is damaged, and Python's sqlite3 module offers
neither the recovery extension nor the `sqlite_dbpage` table. So salvage reads the file format
itself (https://sqlite.org/fileformat2.html): every table b-tree leaf page that still parses gives
its rows, overflow chains are followed and checked, and the committed frames of the `-wal` log
(checksums verified, as SQLite does) replace the pages they update. A row is only ever taken whole
from one cell, so a damaged page loses the rows on it and never changes another row.
"""
from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HEADER = b"SQLite format 3\x00"
TABLE_LEAF, TABLE_INTERIOR = 0x0D, 0x05
PAGE_SIZES = (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512)
WAL_MAGIC = {0x377F0682: "<", 0x377F0683: ">"}  # the byte order of the log's checksums


class Unreadable(Exception):
    """A page or cell that does not follow the file format: skipped, never guessed at."""


@dataclass
class Row:
    rowid: int
    values: list
    pages: tuple[int, ...]  # the leaf page holding the cell, then its overflow pages


@dataclass
class PagedFile:
    """The file's pages as they are after the log's last commit (page numbers from 1)."""
    data: bytes | mmap.mmap
    page_size: int
    reserved: int
    log_pages: dict[int, bytes] = field(default_factory=dict)
    page_count: int = 0
    header_ok: bool = False

    @property
    def usable(self) -> int:
        return self.page_size - self.reserved

    def close(self) -> None:
        if isinstance(self.data, mmap.mmap):
            self.data.close()

    def page(self, number: int) -> bytes:
        if number in self.log_pages:
            return self.log_pages[number]
        if number < 1 or number > self.page_count:
            raise Unreadable(f"page {number} lies outside the file")
        start = (number - 1) * self.page_size
        chunk = self.data[start:start + self.page_size]
        if len(chunk) < self.page_size:
            raise Unreadable(f"page {number} is cut off")
        return chunk


def open_pages(path: Path) -> PagedFile:
    """The database at `path` with its `-wal` applied; the page size is guessed if page 1 is gone.

    The file is mapped rather than read, so a store of several GB need not fit in memory (and
    only the pages salvage looks at are ever read); close() lets go of it."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    header_ok = data[:16] == HEADER
    page_size, reserved = 0, 0
    if header_ok:
        raw = struct.unpack(">H", data[16:18])[0]
        page_size = 65536 if raw == 1 else raw
        reserved = data[20]
        if page_size not in PAGE_SIZES or reserved > 255 - 32:
            header_ok, page_size, reserved = False, 0, 0
    wal = path.with_name(path.name + "-wal")
    log_size, log_pages, log_count = _read_log(wal.read_bytes() if wal.exists() else b"")
    page_size = page_size or log_size or _guess_page_size(data)
    pages = PagedFile(data, page_size, reserved, header_ok=header_ok)
    pages.page_count = max(len(data) // page_size, log_count)
    if log_size == page_size:
        pages.log_pages = log_pages
    return pages


def _guess_page_size(data: bytes) -> int:
    """The page size under which the most pages start like a b-tree page."""
    def score(size: int) -> int:
        return sum(1 for off in range(size, min(len(data), size * 400), size)
                   if data[off] in (TABLE_LEAF, TABLE_INTERIOR, 0x0A, 0x02) and data[off + 7] == 0)
    return max(PAGE_SIZES, key=score)


def _read_log(log: bytes) -> tuple[int, dict[int, bytes], int]:
    """(page size, {page: newest committed image}, database size in pages) from a `-wal` file.

    Frames count only while their salts match the header and the running checksum holds, and only
    up to the last commit: exactly what SQLite itself would apply."""
    if len(log) < 32:
        return 0, {}, 0
    magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">6I", log[:24])
    order = WAL_MAGIC.get(magic)
    if order is None or page_size not in PAGE_SIZES:
        return 0, {}, 0
    sums = _checksum(log[:24], 0, 0, order)
    if sums != struct.unpack(">2I", log[24:32]):
        return 0, {}, 0
    committed: dict[int, bytes] = {}
    pending: dict[int, bytes] = {}
    db_pages = 0
    offset = 32
    while offset + 24 + page_size <= len(log):
        number, commit_size, s1, s2, c1, c2 = struct.unpack(">6I", log[offset:offset + 24])
        image = log[offset + 24:offset + 24 + page_size]
        sums = _checksum(image, *_checksum(log[offset:offset + 8], *sums, order), order)
        if (s1, s2) != (salt1, salt2) or sums != (c1, c2):
            break
        pending[number] = image
        if commit_size:
            committed.update(pending)
            pending.clear()
            db_pages = commit_size
        offset += 24 + page_size
    return page_size, committed, db_pages


def _checksum(data: bytes, s0: int, s1: int, order: str) -> tuple[int, int]:
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        if pos + i >= len(buf):
            raise Unreadable("a number runs off the page")
        byte = buf[pos + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    if pos + 8 >= len(buf):
        raise Unreadable("a number runs off the page")
    value = (value << 8) | buf[pos + 8]
    if value >= 1 << 63:
        value -= 1 << 64
    return value, pos + 9


def page_kind(pages: PagedFile, number: int) -> int | None:
    try:
        image = pages.page(number)
    except Unreadable:
        return None
    return image[100 if number == 1 else 0]


def separated_children(pages: PagedFile, number: int) -> list[tuple[int, int | None]]:
    """A table interior page's children in key order, each with the largest rowid it may hold
    (None for the right-most child, bounded only by the page's own parent)."""
    image = pages.page(number)
    start = 100 if number == 1 else 0
    if image[start] != TABLE_INTERIOR:
        raise Unreadable(f"page {number} is not a table interior page")
    count = struct.unpack(">H", image[start + 3:start + 5])[0]
    result: list[tuple[int, int | None]] = []
    for i in range(count):
        (cell,) = struct.unpack(">H", image[start + 12 + 2 * i:start + 14 + 2 * i])
        if cell + 5 > len(image):
            raise Unreadable(f"page {number} points outside itself")
        result.append((struct.unpack(">I", image[cell:cell + 4])[0], _varint(image, cell + 4)[0]))
    result.append((struct.unpack(">I", image[start + 8:start + 12])[0], None))
    if any(child < 1 or child > pages.page_count for child, _ in result):
        raise Unreadable(f"page {number} points outside the file")
    return result


def cell_count(pages: PagedFile, number: int) -> int:
    """How many cells (rows, on a table leaf) a b-tree page says it holds."""
    image = pages.page(number)
    start = 100 if number == 1 else 0
    return struct.unpack(">H", image[start + 3:start + 5])[0]


def leaf_rows(pages: PagedFile, number: int, taken: set[int]) -> Iterator[Row]:
    """Every cell of a table leaf page that decodes completely; a broken cell is skipped.

    `taken` holds pages that are known not to be overflow pages (b-tree pages, the free list)."""
    image = pages.page(number)
    start = 100 if number == 1 else 0
    if image[start] != TABLE_LEAF:
        return
    count = struct.unpack(">H", image[start + 3:start + 5])[0]
    first_cell = start + 8 + 2 * count
    if first_cell > pages.usable:
        return
    for i in range(count):
        (cell,) = struct.unpack(">H", image[start + 8 + 2 * i:start + 10 + 2 * i])
        if cell < first_cell or cell >= pages.usable:
            continue
        try:
            rowid, values, chain = _cell(pages, image, cell, taken)
        except (Unreadable, UnicodeDecodeError, struct.error):
            continue
        yield Row(rowid, values, (number, *chain))


def _cell(pages: PagedFile, image: bytes, cell: int, taken: set[int]) -> tuple[int, list, list[int]]:
    size, pos = _varint(image, cell)
    rowid, pos = _varint(image, pos)
    usable = pages.usable
    limit = usable - 35
    if size <= limit:
        local = size
    else:
        least = (usable - 12) * 32 // 255 - 23
        local = least + (size - least) % (usable - 4)
        if local > limit:
            local = least
    if pos + local > usable:
        raise Unreadable("a cell runs off the page")
    payload = image[pos:pos + local]
    chain: list[int] = []
    if local < size:
        if pos + local + 4 > usable:
            raise Unreadable("an overflow pointer runs off the page")
        (next_page,) = struct.unpack(">I", image[pos + local:pos + local + 4])
        payload = _overflow(pages, payload, next_page, size, taken, chain)
    return rowid, _record(payload), chain


def _overflow(pages: PagedFile, payload: bytes, next_page: int, size: int, taken: set[int],
              chain: list[int]) -> bytes:
    parts = [payload]
    have = len(payload)
    while have < size:
        if next_page in chain or next_page in taken or next_page < 2:
            raise Unreadable("a broken overflow chain")
        chain.append(next_page)
        image = pages.page(next_page)
        chunk = image[4:pages.usable][:size - have]
        parts.append(chunk)
        have += len(chunk)
        (next_page,) = struct.unpack(">I", image[:4])
    if next_page != 0:
        raise Unreadable("an overflow chain longer than its row")
    return b"".join(parts)


def _record(payload: bytes) -> list:
    # The hot loop of salvage (a million rows in well under a minute): one-byte varints, which
    # nearly every field type is, are read inline.
    header_size = payload[0] if payload and payload[0] < 0x80 else _varint(payload, 0)[0]
    if header_size > len(payload) or header_size < 1:
        raise Unreadable("a record header larger than its record")
    pos = 1 if payload[0] < 0x80 else _varint(payload, 0)[1]
    values: list = []
    body = header_size
    end = len(payload)
    while pos < header_size:
        kind = payload[pos]
        if kind < 0x80:
            pos += 1
        else:
            kind, pos = _varint(payload, pos)
        if kind >= 12:
            n = (kind - 12) >> 1
            if body + n > end:
                raise Unreadable("a field runs off its record")
            raw = payload[body:body + n]
            values.append(raw.decode("utf-8") if kind & 1 else bytes(raw))
            body += n
        elif kind == 0:
            values.append(None)
        elif kind in (8, 9):
            values.append(kind - 8)
        elif kind == 7:
            if body + 8 > end:
                raise Unreadable("a field runs off its record")
            values.append(_DOUBLE.unpack_from(payload, body)[0])
            body += 8
        elif kind in INT_SIZES:
            n = INT_SIZES[kind]
            if body + n > end:
                raise Unreadable("a field runs off its record")
            values.append(int.from_bytes(payload[body:body + n], "big", signed=True))
            body += n
        else:
            raise Unreadable("a reserved field type")
    if pos != header_size:
        raise Unreadable("a record header that overruns itself")
    if body != end:
        raise Unreadable("a record whose fields do not fill it")
    return values


INT_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}
_DOUBLE = struct.Struct(">d")


def free_pages(pages: PagedFile) -> set[int]:
    """The pages on the free list (their content is stale), as far as the list can be followed."""
    if not pages.header_ok:
        return set()
    header = pages.page(1)
    (trunk,) = struct.unpack(">I", header[32:36])
    result: set[int] = set()
    while trunk and trunk not in result:
        try:
            image = pages.page(trunk)
        except Unreadable:
            break
        result.add(trunk)
        next_trunk, count = struct.unpack(">2I", image[:8])
        if count > (pages.usable - 8) // 4:
            break
        result.update(struct.unpack(f">{count}I", image[8:8 + 4 * count]))
        trunk = next_trunk
    return result
