"""LiteLLM's own "encrypted" reasoning, which is not encrypted.

When LiteLLM serves the Responses API on a provider that has none (Anthropic, a custom provider), it hands
back each reasoning item's thinking blocks as JSON in ``encrypted_content``, and decodes that JSON into the
thinking blocks it sends on when the item comes back. The same value also travels in a thinking block's
``signature`` (or a redacted block's ``data``) behind a ``litellm_encrypted_reasoning:`` prefix. So the field
that looks opaque carries text the model reads and wrote: it is read here, and re-encoded when changed.

Anything else in those fields (a provider's real ciphertext, an Anthropic signature) is not JSON: opaque.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

from litellm_plugin.core.errors import UnreadablePayloadError
from litellm_plugin.core.payloads.base import TextField

__all__ = ["OPAQUE_BLOCK_KEYS", "bridged_thinking_fields", "is_bridged_thinking", "rewrite_bridged_thinking"]

# LiteLLM's prefix for a Responses API ``encrypted_content`` carried in a thinking block's signature.
_SIGNATURE_PREFIX = "litellm_encrypted_reasoning:"
# A thinking block's keys that hold no text of the model's, except through the encoding above.
OPAQUE_BLOCK_KEYS = frozenset({"signature", "data"})
_NO_TEXT_KEYS = frozenset({"type", "cache_control"})


def _decode(value: str) -> tuple[str, list[Any]] | None:
    """(prefix, blocks) if ``value`` is LiteLLM's encoding of thinking blocks, else None (opaque)."""
    prefix = _SIGNATURE_PREFIX if value.startswith(_SIGNATURE_PREFIX) else ""
    try:
        blocks = json.loads(value[len(prefix) :])
    except ValueError:
        return None
    return (prefix, blocks) if isinstance(blocks, list) else None


def is_bridged_thinking(value: str) -> bool:
    """Is ``value`` LiteLLM's encoding of thinking blocks (read by :func:`bridged_thinking_fields`)?"""
    return _decode(value) is not None


def bridged_thinking_fields(holder: Any, key: Any, kind: str) -> Iterator[TextField]:
    """The text in ``holder[key]`` if it is LiteLLM's encoding of thinking blocks (nothing if it is opaque).

    Every string of a block is read (its signature and data the same way, since they may encode blocks in
    turn); a block whose text is not a string fails closed, as LiteLLM would pass it on as given."""
    value = holder[key]
    decoded = _decode(value) if isinstance(value, str) else None
    if decoded is None:
        return
    prefix, blocks = decoded
    encoded: list[str] = []  # each block's JSON, made at the first change: one change re-encodes one block

    def store(index: int) -> None:
        if not encoded:
            encoded.extend(_dumps(block) for block in blocks)
        encoded[index] = _dumps(blocks[index])
        holder[key] = prefix + "[" + ",".join(encoded) + "]"

    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue  # LiteLLM drops what is not a block
        for name in list(block):
            if name in _NO_TEXT_KEYS:
                continue
            for field in _block_value_fields(block, name, kind):
                stored = functools.partial(store, index)
                yield TextField(field.kind, field.text, _then(field.set, stored), field.group, field.identifier)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _block_value_fields(block: dict[str, Any], name: str, kind: str) -> Iterator[TextField]:
    value = block[name]
    if name in OPAQUE_BLOCK_KEYS:
        yield from bridged_thinking_fields(block, name, kind)
    elif isinstance(value, str):

        def put(new: str) -> None:
            block[name] = new

        yield TextField(kind, value, put)
    elif value is not None and not isinstance(value, (bool, int, float)):
        raise UnreadablePayloadError(f"a thinking block's {name!r} inside encoded reasoning")


def _then(first: Callable[[str], None], then: Callable[[], None]) -> Callable[[str], None]:
    def both(new: str) -> None:
        first(new)
        then()

    return both


def rewrite_bridged_thinking(
    value: Any, rewrite: Callable[[tuple[object, ...], str], str], where: tuple[object, ...] = ()
) -> Any:
    """``value`` with ``rewrite(where, text)`` applied to each string of each block, if it is LiteLLM's
    encoding of thinking blocks (``where`` says which block and key); else ``value`` as it is. Unchanged text
    comes back byte for byte."""
    decoded = _decode(value) if isinstance(value, str) else None
    if decoded is None:
        return value
    prefix, blocks = decoded
    changed = False
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        for name in list(block):
            old = block[name]
            if name in _NO_TEXT_KEYS:
                continue
            if name in OPAQUE_BLOCK_KEYS:
                new = rewrite_bridged_thinking(old, rewrite, (*where, index, name))
            elif isinstance(old, str) and old:
                new = rewrite((*where, index, name), old)
            else:
                continue
            if new != old:
                block[name] = new
                changed = True
    return prefix + _dumps(blocks) if changed else value
