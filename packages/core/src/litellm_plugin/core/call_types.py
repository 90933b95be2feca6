"""The kinds of LiteLLM call an interceptor can handle, under every name LiteLLM gives them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

__all__ = ["ALL_CALL_TYPES", "CallType", "normalize_call_type", "validate_call_types"]

CallType = Literal["completion", "embedding", "image_generation", "text_completion", "responses", "anthropic_messages"]
ALL_CALL_TYPES: frozenset[CallType] = frozenset(get_args(CallType))

# LiteLLM names one kind of call several ways (sync/async SDK names, the proxy's route names).
_CALL_TYPE_ALIASES: dict[str, CallType] = {
    "completion": "completion",
    "acompletion": "completion",
    "embedding": "embedding",
    "aembedding": "embedding",
    "embeddings": "embedding",
    "image_generation": "image_generation",
    "aimage_generation": "image_generation",
    "text_completion": "text_completion",
    "atext_completion": "text_completion",
    "responses": "responses",
    "aresponses": "responses",
    "anthropic_messages": "anthropic_messages",
    "aanthropic_messages": "anthropic_messages",
}


def normalize_call_type(value: object) -> CallType | None:
    """Map any LiteLLM call-type spelling (enum or str) to ours; None for call types we do not model."""
    if type(value) is str:  # the common case, first
        return _CALL_TYPE_ALIASES.get(value)
    raw = getattr(value, "value", value)
    return _CALL_TYPE_ALIASES.get(raw) if isinstance(raw, str) else None


def validate_call_types(values: str | Iterable[str]) -> frozenset[CallType]:
    """One call type or several, under any LiteLLM spelling. A string is one call type (not its letters); none
    at all is refused, since an interceptor that handles no call fails open without a word."""
    if isinstance(values, str):
        values = [values]
    elif not isinstance(values, Iterable) or isinstance(values, (Mapping, bytes, bytearray)):
        raise TypeError(
            f"call types must be a call type or a list of them, not {type(values).__name__}; "
            f"expected some of {sorted(ALL_CALL_TYPES)}"
        )
    result: set[CallType] = set()
    for value in values:
        normalized = normalize_call_type(value)
        if normalized is None:
            raise ValueError(f"unknown call type {value!r}; expected some of {sorted(ALL_CALL_TYPES)}")
        result.add(normalized)
    if not result:
        raise ValueError(
            "no call types: the interceptor would handle no call at all; leave call_types out for the default "
            f"(chat completions), or name some of {sorted(ALL_CALL_TYPES)}"
        )
    return frozenset(result)
