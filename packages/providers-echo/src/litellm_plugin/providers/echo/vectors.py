"""Deterministic pseudo-embeddings: the same text always gives the same unit vector, in any process."""

from __future__ import annotations

import hashlib
import math
import struct

__all__ = ["text_vector"]


def text_vector(text: str, dimensions: int) -> list[float]:
    """A unit-length vector of ``dimensions`` floats derived from SHA-256 of ``text`` (not ``hash()``,
    which is salted per process)."""
    raw = b""
    counter = 0
    while len(raw) < dimensions * 4:
        raw += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    values = [(word / 0xFFFFFFFF) * 2.0 - 1.0 for word in struct.unpack(f">{dimensions}I", raw[: dimensions * 4])]
    norm = math.sqrt(sum(value * value for value in values)) or 1.0
    return [value / norm for value in values]
