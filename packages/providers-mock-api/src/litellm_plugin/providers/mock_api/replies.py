"""Deterministic reply text and embeddings.

The same conversation (and seed) always yields the same reply; the reply starts by quoting the last user
message so a demo shows where it came from. After a tool result, it quotes the tool's output instead, so an
agent test can see the result was used.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
from typing import Literal

from .conversation import Prompt

__all__ = ["embed", "reply_text", "split_for_stream"]

_WORDS = (
    "the a mock model answers every question with calm and careful words about data systems networks "
    "tokens latency streams requests clients servers retries errors budgets caches queues signals "
    "patterns tests results values metrics logs traces this that it we you they is are was were "
    "can will should might often rarely quickly slowly clearly simply together apart first then "
    "finally because although while when where how why which quiet bright deterministic simulated"
)
_VOCABULARY = tuple(_WORDS.split())
_QUOTE_WORDS = 8
_TOOL_QUOTE_CHARS = 200


def _digest(payload: object, size: int) -> bytes:
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.shake_256(data).digest(size)


def sentences(seed: str, index: int) -> str:
    """24 to 71 words from the vocabulary, in sentences, chosen by ``seed`` and ``index``."""
    digest = _digest({"conversation": seed, "index": index}, 96)
    length = 24 + digest[0] % 48
    words = [_VOCABULARY[byte % len(_VOCABULARY)] for byte in digest[1 : 1 + length]]
    parts: list[str] = []
    for start in range(0, len(words), 9):
        sentence = " ".join(words[start : start + 9])
        parts.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(parts)


def reply_text(prompt: Prompt, index: int) -> str:
    """The full (uncut) reply text for choice ``index``."""
    body = sentences(prompt.digest, index)
    last = prompt.last
    if last is not None and last.role == "tool":
        result = " ".join(last.text.split())
        if len(result) > _TOOL_QUOTE_CHARS:
            result = result[:_TOOL_QUOTE_CHARS] + "..."
        return f'Mock answer using the tool result "{result}". {body}'
    quoted = " ".join(prompt.last_user_text.split()[:_QUOTE_WORDS])
    return f'Mock reply to "{quoted}". {body}'


_STREAM_PIECE = re.compile(r"\s*\S+|\s+$")


def split_for_stream(text: str) -> list[str]:
    """Word-sized pieces (each keeps its leading whitespace) that concatenate back to ``text``."""
    return _STREAM_PIECE.findall(text)


def embed(text: str, dimensions: int, encoding_format: Literal["float", "base64"]) -> list[float] | str:
    """A unit-length vector derived from ``text``: equal texts give equal vectors."""
    digest = _digest({"embed": text}, dimensions * 2)
    raw = [int.from_bytes(digest[i : i + 2], "big") / 32767.5 - 1.0 for i in range(0, dimensions * 2, 2)]
    norm = math.sqrt(sum(value * value for value in raw)) or 1.0
    vector = [value / norm for value in raw]
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
    return vector
