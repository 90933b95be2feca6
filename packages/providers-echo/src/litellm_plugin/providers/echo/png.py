"""A minimal PNG encoder: enough for a solid-colour image without pulling in an imaging library."""

from __future__ import annotations

import struct
import zlib

__all__ = ["solid_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def solid_png(rgb: bytes, size: int = 16) -> bytes:
    """A valid ``size``×``size`` 8-bit RGB PNG filled with the colour ``rgb`` (three bytes)."""
    if len(rgb) != 3:
        raise ValueError("rgb must be exactly three bytes")
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit depth, truecolour, no interlace
    row = b"\x00" + rgb * size  # filter type 0, then the pixels
    return _SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(row * size)) + _chunk(b"IEND", b"")
