"""Deterministic replies and embeddings, and the one tokenizer used for counting and cutting.

The same conversation (and seed) always yields the same reply; the reply starts by quoting the last user
message so a demo shows where it came from. Token counts come from LiteLLM's tokenizer for the model name
(tiktoken ``cl100k_base`` for ``gpt-mock``, shipped inside the LiteLLM wheel, so nothing is downloaded)."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import litellm

from .models import ChatMessage

__all__ = ["Reply", "count_prompt_tokens", "count_tokens", "embed", "make_reply", "split_for_stream"]

TOKENIZER_MODEL = "gpt-mock"
"""Every count and cut uses LiteLLM's tokenizer for this name (tiktoken cl100k_base)."""

_WORDS = (
    "the a mock model answers every question with calm and careful words about data systems networks "
    "tokens latency streams requests clients servers retries errors budgets caches queues signals "
    "patterns tests results values metrics logs traces this that it we you they is are was were "
    "can will should might often rarely quickly slowly clearly simply together apart first then "
    "finally because although while when where how why which quiet bright deterministic simulated"
)
_VOCABULARY = tuple(_WORDS.split())
_QUOTE_WORDS = 8


@dataclass(frozen=True)
class Reply:
    text: str
    finish_reason: Literal["stop", "length"]
    completion_tokens: int


def count_tokens(text: str) -> int:
    return int(litellm.token_counter(model=TOKENIZER_MODEL, text=text))


def count_prompt_tokens(messages: Sequence[ChatMessage]) -> int:
    """OpenAI-style prompt count (per-message overhead included), as LiteLLM computes it."""
    plain = [{"role": message.role, "content": message.text()} for message in messages]
    return int(litellm.token_counter(model=TOKENIZER_MODEL, messages=plain))


def _digest(payload: object, size: int) -> bytes:
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.shake_256(data).digest(size)


def _full_text(messages: Sequence[ChatMessage], seed: int | None, index: int) -> str:
    conversation = [[message.role, message.text()] for message in messages]
    digest = _digest({"conversation": conversation, "seed": seed, "index": index}, 96)
    length = 24 + digest[0] % 48
    words = [_VOCABULARY[byte % len(_VOCABULARY)] for byte in digest[1 : 1 + length]]
    sentences: list[str] = []
    for start in range(0, len(words), 9):
        sentence = " ".join(words[start : start + 9])
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    last_user = next((m.text() for m in reversed(messages) if m.role == "user"), "")
    quoted = " ".join(last_user.split()[:_QUOTE_WORDS])
    return f'Mock reply to "{quoted}". ' + " ".join(sentences)


def _truncate_to_tokens(text: str, limit: int) -> str:
    tokens = litellm.encode(model=TOKENIZER_MODEL, text=text)
    keep = limit
    cut = str(litellm.decode(model=TOKENIZER_MODEL, tokens=list(tokens[:keep])))
    # Decoding then re-encoding a BPE prefix can, rarely, give more tokens than were kept.
    while keep > 0 and count_tokens(cut) > limit:
        keep -= 1
        cut = str(litellm.decode(model=TOKENIZER_MODEL, tokens=list(tokens[:keep])))
    return cut


def make_reply(
    messages: Sequence[ChatMessage],
    *,
    seed: int | None = None,
    index: int = 0,
    max_tokens: int | None = None,
    stop: Sequence[str] = (),
) -> Reply:
    """The reply for choice ``index``: cut at the first stop sequence, then to ``max_tokens`` tokens."""
    text = _full_text(messages, seed, index)
    finish_reason: Literal["stop", "length"] = "stop"
    stops = [text.find(sequence) for sequence in stop if sequence in text]
    if stops:
        text = text[: min(stops)]
    if max_tokens is not None and count_tokens(text) > max_tokens:
        text = _truncate_to_tokens(text, max_tokens)
        finish_reason = "length"
    return Reply(text=text, finish_reason=finish_reason, completion_tokens=count_tokens(text))


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
