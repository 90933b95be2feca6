"""The one tokenizer used for counting, cutting and logprobs: tiktoken ``cl100k_base``.

LiteLLM uses the same encoding for ``gpt-mock`` and ships it inside its wheel (importing ``litellm`` points
tiktoken at that copy), so nothing is downloaded. Cuts never split a character: a token that holds only part
of a UTF-8 sequence is dropped with the rest of that character.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import litellm
import tiktoken

__all__ = [
    "TOKENIZER_MODEL",
    "count_messages",
    "count_tokens",
    "decode",
    "encode",
    "token_bytes",
    "truncate",
    "vocabulary_size",
]

TOKENIZER_MODEL = "gpt-mock"
"""The model name prompt counts are computed for, through ``litellm.token_counter``."""

_lock = threading.Lock()
_encoding: tiktoken.Encoding | None = None


def _get() -> tiktoken.Encoding:
    global _encoding
    if _encoding is None:
        with _lock:
            if _encoding is None:
                litellm.encode(model=TOKENIZER_MODEL, text="warm up")  # sets tiktoken's cache to LiteLLM's copy
                _encoding = tiktoken.get_encoding("cl100k_base")
    return _encoding


def encode(text: str) -> list[int]:
    return _get().encode(text, disallowed_special=())


def decode(tokens: Sequence[int]) -> str:
    """The text token ids stand for (ids outside the vocabulary: see ``vocabulary_size``)."""
    return _get().decode(list(tokens), errors="replace")


def vocabulary_size() -> int:
    return _get().n_vocab


def count_tokens(text: str) -> int:
    return len(encode(text))


def count_messages(messages: Sequence[dict[str, Any]], tools: Sequence[Any] | None = None) -> int:
    """OpenAI-style prompt count (per-message overhead, names and tool definitions included), as LiteLLM
    computes it."""
    return int(litellm.token_counter(model=TOKENIZER_MODEL, messages=list(messages), tools=list(tools or []) or None))


def token_bytes(tokens: Sequence[int]) -> list[bytes]:
    encoding = _get()
    return [encoding.decode_single_token_bytes(token) for token in tokens]


def truncate(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` tokens that ends on a whole character."""
    pieces = token_bytes(encode(text))
    keep = min(limit, len(pieces))
    while keep > 0:
        raw = b"".join(pieces[:keep])
        try:
            cut = raw.decode("utf-8")
        except UnicodeDecodeError:
            keep -= 1
            continue
        if count_tokens(cut) <= limit:  # re-encoding a prefix can, rarely, give more tokens
            return cut
        keep -= 1
    return ""
