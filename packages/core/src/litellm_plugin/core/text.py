"""Rewriting the text of requests, responses and streams, with state per stream.

A :class:`TextTransform` sees one channel of reply text piece by piece: the whole text for a non-stream
response, one delta at a time for a stream. The same object therefore serves both, and an interceptor that
only needs to rewrite text never has to touch LiteLLM's response types (:mod:`litellm_plugin.core.payloads`
knows where text lives in each of them).
"""

from __future__ import annotations

import difflib
import inspect
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from litellm_plugin.core._caller import caller_stacklevel
from litellm_plugin.core.errors import (
    InterceptorContractError,
    InterceptorDefinitionError,
    InterceptorDefinitionWarning,
)

__all__ = ["PrefixTransform", "TextTransform", "emitted_text", "map_message_text"]

_METHODS = ("transform", "flush")


class TextTransform:
    """Rewrites one reply (one choice of one call). Subclass and keep per-reply state on ``self``.

    ``transform`` gets each new piece of text and returns what to emit now; text it holds back must be
    returned later by another ``transform`` call or by ``flush``, which is called once at the end.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """The engine calls ``transform`` and ``flush`` without awaiting or iterating, for each piece: a method
        of another kind, or one named close to them (never called), is reported here."""
        super().__init_subclass__(**kwargs)
        for name, value in vars(cls).items():
            if name in _METHODS:
                fn = inspect.unwrap(value) if callable(value) else value
                if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
                    kind = "an `async def`"
                elif inspect.isgeneratorfunction(fn):
                    kind = "a generator (`def` with `yield`)"
                else:
                    continue
                signature = "(self, text: str)" if name == "transform" else "(self)"
                raise InterceptorDefinitionError(
                    f"{cls.__qualname__}.{name} is {kind}: the engine calls it for each piece of text and uses "
                    f"what it returns; write it as plain `def {name}{signature} -> str`"
                )
            elif not name.startswith("_") and callable(value):
                close = difflib.get_close_matches(name, _METHODS, n=1, cutoff=0.75)
                if close:
                    warnings.warn(
                        f"{cls.__qualname__}.{name} is never called; did you mean {close[0]}?",
                        InterceptorDefinitionWarning,
                        stacklevel=caller_stacklevel(),
                    )

    def transform(self, text: str) -> str:
        return text

    def flush(self) -> str:
        return ""

    def apply(self, text: str) -> str:
        """Rewrite a complete text in one go (non-stream responses)."""
        head = emitted_text(self, "transform", self.transform(text))
        return head + emitted_text(self, "flush", self.flush())


def emitted_text(transform: TextTransform, method: str, value: object) -> str:
    """``value``, what ``transform.<method>`` returned, if it is text to emit; else the error saying so."""
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str(value)
    hint = " (a missing `return`?)" if value is None else ""
    raise InterceptorContractError(
        type(transform).__qualname__,
        method,
        f"returned a {type(value).__name__}{hint}; {type(transform).__qualname__}.{method} must return the text "
        f"to emit now, a str ('' to hold it back)",
    )


class PrefixTransform(TextTransform):
    """Puts ``prefix`` in front of the first non-empty piece of a reply: once per reply, streamed or not."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def transform(self, text: str) -> str:
        if not self._prefix or not text:
            return text
        prefix, self._prefix = self._prefix, ""
        return prefix + text


def map_message_text(messages: Iterable[Any], rewrite: Callable[[str], str]) -> list[Any]:
    """Copy of a chat message list with ``rewrite`` applied to every text content (plain or text parts)."""
    result: list[Any] = []
    for message in messages:
        if not isinstance(message, dict):
            result.append(message)
            continue
        content = message.get("content")
        if isinstance(content, str):
            message = {**message, "content": rewrite(content)}
        elif isinstance(content, list):
            parts = [
                {**part, "text": rewrite(part["text"])}
                if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str)
                else part
                for part in content
            ]
            message = {**message, "content": parts}
        result.append(message)
    return result
