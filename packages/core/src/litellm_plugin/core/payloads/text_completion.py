"""Text completions: ``prompt`` in requests, ``choices[].text`` in ``TextCompletionResponse`` and its chunks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litellm.types.utils import TextChoices, TextCompletionResponse

from litellm_plugin.core.errors import UnreadablePayloadError
from litellm_plugin.core.payloads.base import (
    ChannelBook,
    LogprobsCheck,
    TextField,
    TransformFor,
    optional_field,
    sequence_at,
    set_field,
    setter,
)

__all__ = ["TextCompletionStream", "prompt_fields", "request_fields", "rewrite_response"]


def prompt_fields(data: dict[str, Any], name: str, kind: str, shape: str) -> Iterator[TextField]:
    """A string or a list of strings. Token ids carry text we cannot read: refused, never passed unseen."""
    value = data.get(name)
    if value is None:
        return
    if isinstance(value, str):
        yield TextField(kind, value, setter(data, name))
        return
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        value = sequence_at(data, name, shape) or []
        for index, item in enumerate(value):
            yield TextField(kind, item, setter(value, index))
        return
    raise UnreadablePayloadError(shape, f"{name!r} is {type(value).__name__} (token ids?), not text")


def request_fields(data: dict[str, Any]) -> Iterator[TextField]:
    yield from prompt_fields(data, "prompt", "prompt", "a text completion request")
    if isinstance(data.get("suffix"), str):
        yield TextField("prompt", data["suffix"], setter(data, "suffix"))


def rewrite_response(response: TextCompletionResponse, transform_for: TransformFor) -> TextCompletionResponse:
    book = ChannelBook(transform_for)
    logprobs_check = LogprobsCheck(book)
    for choice in response.choices:
        if isinstance(choice.text, str) and choice.text:
            choice.text = book.apply("text", choice.index, (), choice.text)
        reasoning = optional_field(choice, _REASONING)
        if isinstance(reasoning, str) and reasoning:
            set_field(choice, _REASONING, book.apply("reasoning", choice.index, (), reasoning))
        logprobs = optional_field(choice, "logprobs")
        if logprobs is not None and not logprobs_check.keep(choice.index, logprobs):
            choice.logprobs = None
    return response


class TextCompletionStream:
    def __init__(self, transform_for: TransformFor) -> None:
        self._book = ChannelBook(transform_for)
        self._logprobs = LogprobsCheck(self._book)
        self._last: TextCompletionResponse | None = None

    def rewrite(self, chunk: TextCompletionResponse) -> list[Any]:
        self._last = chunk
        for choice in chunk.choices:
            text = choice.text
            out = self._book.feed("text", choice.index, (), text) if isinstance(text, str) and text else text
            if choice.finish_reason is not None:
                out = (out or "") + self._book.flush("text", choice.index, ())
            if out != text:
                choice.text = out
            self._rewrite_reasoning(choice)
            logprobs = optional_field(choice, "logprobs")
            if logprobs is not None and not self._logprobs.keep_piece(choice.index, logprobs):
                choice.logprobs = None
        return [chunk]

    def _rewrite_reasoning(self, choice: Any) -> None:
        """A chunk's ``reasoning_content`` (LiteLLM copies a chat stream's reasoning there), its own channel."""
        reasoning = optional_field(choice, _REASONING)
        out = self._book.feed("reasoning", choice.index, (), reasoning) if isinstance(reasoning, str) else reasoning
        if choice.finish_reason is not None:
            tail = self._book.flush("reasoning", choice.index, ())
            out = (out or "") + tail if tail else out
        if out != reasoning:
            set_field(choice, _REASONING, out)

    def finish(self) -> list[Any]:
        tails = self._book.pending()
        if not tails:
            return []
        last = self._last
        closing = TextCompletionResponse(id=last.id if last is not None else None, model=last.model if last else None)
        closing.choices = [
            TextChoices(index=channel.reply, text=tail)
            if channel.kind == "text"
            else TextChoices(index=channel.reply, text="", reasoning_content=tail)
            for channel, tail in tails
        ]
        return [closing]


_REASONING = "reasoning_content"
