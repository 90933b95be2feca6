"""Rewriting the text of requests, responses and streams, with state per stream.

A :class:`TextTransform` sees the reply text piece by piece: the whole reply for a non-stream response, one
delta at a time for a stream. The same object therefore serves both, and an interceptor that only needs to
rewrite text never has to touch LiteLLM's response types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from litellm.types.utils import Delta, ModelResponse, ModelResponseStream, StreamingChoices

__all__ = [
    "PrefixTransform",
    "StreamTextRewriter",
    "TextTransform",
    "map_message_text",
    "rewrite_response_text",
]


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


TransformFactory = Callable[[], TextTransform]


def rewrite_response_text(response: Any, new_transform: TransformFactory) -> Any:
    """Rewrite the assistant text of every choice of a non-stream chat response, in place."""
    if not isinstance(response, ModelResponse):
        return response
    for choice in response.choices:
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        if message is not None and isinstance(content, str):
            message.content = new_transform().apply(content)
    return response


class StreamTextRewriter:
    """Applies a fresh :class:`TextTransform` per choice of one stream, chunk by chunk."""

    def __init__(self, new_transform: TransformFactory) -> None:
        self._new_transform = new_transform
        self._transforms: dict[int, TextTransform] = {}
        self._flushed: set[int] = set()
        self._last_chunk: ModelResponseStream | None = None

    def _transform_for(self, index: int) -> TextTransform:
        transform = self._transforms.get(index)
        if transform is None:
            transform = self._transforms[index] = self._new_transform()
        return transform

    def rewrite(self, chunk: Any) -> Any:
        """Rewrite a chunk in place; the chunk that carries ``finish_reason`` also carries the flushed text."""
        if not isinstance(chunk, ModelResponseStream):
            return chunk
        self._last_chunk = chunk
        for choice in chunk.choices:
            delta = choice.delta
            text = delta.content
            index = choice.index
            if index in self._flushed:
                continue
            transform = self._transform_for(index)
            out = transform.transform(text) if isinstance(text, str) and text else text
            if choice.finish_reason is not None:
                tail = transform.flush()
                self._flushed.add(index)
                if tail:
                    out = (out or "") + tail
            if out != text:
                delta.content = out
        return chunk

    def finish(self) -> ModelResponseStream | None:
        """A closing chunk with text still held back when the stream ended without a finish_reason."""
        pending = [
            (index, transform.flush()) for index, transform in self._transforms.items() if index not in self._flushed
        ]
        self._flushed.update(index for index, _ in pending)
        pending = [(index, text) for index, text in pending if text]
        if not pending:
            return None
        last = self._last_chunk
        return ModelResponseStream(
            id=last.id if last is not None else None,
            model=last.model if last is not None else None,
            created=last.created if last is not None else None,
            choices=[
                StreamingChoices(index=index, delta=Delta(content=text, role="assistant")) for index, text in pending
            ],
        )


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
