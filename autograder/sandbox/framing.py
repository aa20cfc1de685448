"""Length-prefixed messages over pipes: an 8-byte big-endian size, then the body. Used by the grader and by the
child alike (standard library only). The size is checked against a cap before a byte of the body is read."""

from __future__ import annotations

import os
import select
import struct
import time

HEADER = struct.Struct(">Q")


class FrameTooLarge(ValueError):
    """The announced size is above the reader's cap."""


class FrameTimeout(Exception):
    """The deadline passed before the whole frame arrived."""


def write_frame(fd: int, data: bytes) -> None:
    """Write one frame to `fd` (BrokenPipeError when the reader is gone)."""
    view = memoryview(HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise FrameTimeout
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, cap: int, deadline: float | None = None) -> bytes | None:
    """The body of the next frame, or None at end of file; FrameTooLarge above `cap` bytes (nothing of the body
    is read then), FrameTimeout past `deadline` (a time.monotonic() value)."""
    header = _read_exactly(fd, HEADER.size, deadline)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > cap:
        raise FrameTooLarge(f"a message of {size} bytes (the limit is {cap})")
    return _read_exactly(fd, size, deadline)
