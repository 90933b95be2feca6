"""Per-token log probabilities that agree with the reply: one entry per token of the reply's text.

Each entry has the token's text, its UTF-8 ``bytes`` (so a character split across tokens is still exact), a
deterministic ``logprob`` and ``top_logprobs`` alternatives, the first of which is the token itself.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .tokens import encode, token_bytes

__all__ = ["group_by_character", "token_logprobs"]

_ALTERNATIVES = (
    " the",
    " a",
    " mock",
    ".",
    ",",
    " and",
    " of",
    " to",
    " is",
    " it",
    " data",
    " we",
    " in",
    " for",
    " on",
    " with",
    " that",
    " by",
    " as",
    " at",
    " or",
)


def _logprob(seed: str, position: int, rank: int) -> float:
    raw = hashlib.shake_256(f"{seed}/{position}/{rank}".encode()).digest(2)
    return -round(rank * 1.5 + int.from_bytes(raw, "big") / 65535 * 1.5, 6)


def token_logprobs(text: str, seed: str, top: int) -> list[dict[str, Any]]:
    """The ``logprobs.content`` list for ``text``; ``top`` alternatives per token (0 to 20)."""
    entries: list[dict[str, Any]] = []
    for position, raw in enumerate(token_bytes(encode(text))):
        token = raw.decode("utf-8", "replace")
        chosen = _logprob(seed, position, 0)
        alternatives = [{"token": token, "logprob": chosen, "bytes": list(raw)}]
        for rank, other in enumerate([alt for alt in _ALTERNATIVES if alt != token][: max(0, top - 1)], start=1):
            alternatives.append(
                {"token": other, "logprob": _logprob(seed, position, rank) + chosen, "bytes": list(other.encode())}
            )
        entries.append({"token": token, "logprob": chosen, "bytes": list(raw), "top_logprobs": alternatives[:top]})
    return entries


def group_by_character(entries: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Consecutive entries grouped so each group's bytes decode to whole characters: (text, entries)."""
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    pending: list[dict[str, Any]] = []
    buffer = b""
    for entry in entries:
        pending.append(entry)
        buffer += bytes(entry["bytes"])
        try:
            text = buffer.decode("utf-8")
        except UnicodeDecodeError:
            continue
        groups.append((text, pending))
        pending, buffer = [], b""
    if pending:
        groups.append((buffer.decode("utf-8", "replace"), pending))
    return groups
