"""Bounds check of a .tflite flatbuffer before any runtime touches it.

tflite-runtime does not verify the flatbuffer and crashes the process on a truncated file, so
the offsets the interpreter follows first (operator codes, subgraph tables, weight buffers)
are checked against the file size.
"""

from __future__ import annotations

import struct

# Field indices of the TFLite schema (schema.fbs): Model.operator_codes, Model.subgraphs,
# Model.buffers, Buffer.data, Buffer.offset, Buffer.size.
MODEL_OPERATOR_CODES, MODEL_SUBGRAPHS, MODEL_BUFFERS = 1, 2, 4
BUFFER_DATA, BUFFER_OFFSET, BUFFER_SIZE = 0, 1, 2


class Truncated(ValueError):
    """An offset of the flatbuffer points past the end of the file."""


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def u16(self, at: int) -> int:
        return self._unpack("<H", at)

    def u32(self, at: int) -> int:
        return self._unpack("<I", at)

    def u64(self, at: int) -> int:
        return self._unpack("<Q", at)

    def _unpack(self, fmt: str, at: int) -> int:
        if at < 0 or at + struct.calcsize(fmt) > len(self.data):
            raise Truncated(f"offset {at} is past the end of the file ({len(self.data)} bytes)")
        value: int = struct.unpack_from(fmt, self.data, at)[0]
        return value

    def field(self, table: int, index: int) -> int | None:
        """Position of a table's field, or None when it is absent."""
        vtable = table - self._unpack("<i", table)
        if 4 + 2 * index >= self.u16(vtable):
            return None
        offset = self.u16(vtable + 4 + 2 * index)
        return table + offset if offset else None

    def indirect(self, at: int) -> int:
        return at + self.u32(at)

    def vector(self, at: int) -> tuple[int, int]:
        """(first element, length) of the vector referenced at `at`, checked to fit."""
        start = self.indirect(at)
        length = self.u32(start)
        return start + 4, length

    def ends_within(self, end: int, what: str) -> None:
        if end > len(self.data):
            raise Truncated(f"{what} ends at byte {end}, past the end of the file "
                            f"({len(self.data)} bytes)")

    def tables(self, at: int) -> list[int]:
        first, length = self.vector(at)
        self.ends_within(first + 4 * length, "a table vector")
        return [self.indirect(first + 4 * i) for i in range(length)]


def check_bounds(data: bytes) -> None:
    """Raise `Truncated` when a model table or a weight buffer reaches past the end of `data`."""
    reader = _Reader(data)
    model = reader.indirect(0)
    subgraphs = reader.field(model, MODEL_SUBGRAPHS)
    if subgraphs is None:
        raise Truncated("the model has no subgraphs")
    codes = reader.field(model, MODEL_OPERATOR_CODES)
    for table in reader.tables(subgraphs) + (reader.tables(codes) if codes is not None else []):
        reader.field(table, 0)  # its vtable is readable
    buffers = reader.field(model, MODEL_BUFFERS)
    for buffer in reader.tables(buffers) if buffers is not None else []:
        _check_buffer(reader, buffer)


def _check_buffer(reader: _Reader, buffer: int) -> None:
    data = reader.field(buffer, BUFFER_DATA)
    if data is not None:
        first, length = reader.vector(data)
        reader.ends_within(first + length, "a weight buffer")
    offset_at = reader.field(buffer, BUFFER_OFFSET)
    size_at = reader.field(buffer, BUFFER_SIZE)
    if offset_at is not None and size_at is not None:
        offset = reader.u64(offset_at)
        if offset > 1:  # weights stored after the flatbuffer, at an absolute file offset
            reader.ends_within(offset + reader.u64(size_at), "a weight buffer")
