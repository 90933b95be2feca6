"""Rewriting the text of requests, responses and streams, with state per stream.

A :class:`TextTransform` sees one channel of reply text piece by piece: the whole text for a non-stream
response, one delta at a time for a stream. The same object therefore serves both, and an interceptor that
only needs to rewrite text never has to touch LiteLLM's response types (:mod:`litellm_plugin.core.payloads`
knows where text lives in each of them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["PrefixTransform", "TextTransform", "map_message_text"]


class TextTransform:
    """Rewrites one reply (one choice of one call). Subclass and keep per-reply state on ``self``.

    ``transform`` gets each new piece of text and returns what to emit now; text it holds back must be
    returned later by another ``transform`` call or by ``flush``, which is called once at the end.
    """

    def transform(self, text: str) -> str:
        return text

    def flush(self) -> str:
        return ""

    def apply(self, text: str) -> str:
        """Rewrite a complete text in one go (non-stream responses)."""
        return self.transform(text) + self.flush()


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
