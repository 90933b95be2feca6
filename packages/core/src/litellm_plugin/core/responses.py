"""Building LiteLLM response objects and stream chunks from plain text.

Usage is counted with ``litellm.token_counter`` so cost tracking and budgets see real numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import litellm
from litellm.types.llms.openai import ChatCompletionToolCallChunk, ChatCompletionUsageBlock
from litellm.types.utils import Choices, GenericStreamingChunk, Message, ModelResponse, Usage
from pydantic import BaseModel

from litellm_plugin.core.messages import validate_messages

__all__ = ["chunks_from_response", "count_usage", "dropped_in_replay", "make_chunk", "make_response", "split_words"]

# A word with its whitespace, and the same piece again right after it (``\1*``): one piece.
_WORD = re.compile(r"(\s*\S+\s*)\1*|\s+")


def split_words(text: str) -> list[str]:
    """Split into word pieces that keep their surrounding whitespace, so ``"".join`` gives ``text`` back. A word
    repeated back to back stays one piece: LiteLLM ends a stream that sends the same chunk 100 times in a row
    (``REPEATED_STREAMING_CHUNK_LIMIT``), taking it for a model caught in a loop."""
    return [match.group(0) for match in _WORD.finditer(text)]


def count_usage(model: str, messages: Sequence[Mapping[str, Any]], text: str) -> Usage:
    """Token usage for a reply: prompt tokens from the messages' text, completion tokens from ``text``.

    Only the text of each message is counted; image parts would make the tokenizer fetch the image.
    """
    plain = [
        {"role": message["role"], "content": content} for message, content in validate_messages(messages, model=model)
    ]
    prompt_tokens = litellm.token_counter(model=model, messages=plain)
    completion_tokens = litellm.token_counter(model=model, text=text, count_response_tokens=True) if text else 0
    return Usage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
    )


def make_response(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    text: str,
    finish_reason: str = "stop",
) -> ModelResponse:
    """A one-choice assistant ``ModelResponse`` with ``text`` and counted usage."""
    choice = Choices(index=0, message=Message(role="assistant", content=text), finish_reason=finish_reason)
    return ModelResponse(model=model, choices=[choice], usage=count_usage(model, messages, text))


_USAGE_DETAILS = ("prompt_tokens_details", "completion_tokens_details")


def _usage_block(usage: Usage | Mapping[str, Any]) -> ChatCompletionUsageBlock:
    get = usage.get if isinstance(usage, Mapping) else lambda key: getattr(usage, key, None)
    prompt = int(get("prompt_tokens") or 0)
    completion = int(get("completion_tokens") or 0)
    total = int(get("total_tokens") or prompt + completion)
    block = ChatCompletionUsageBlock(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total)
    # LiteLLM builds the stream's Usage from this dict: the token details (reasoning, cached) ride along.
    extra: dict[str, Any] = {}
    for key in _USAGE_DETAILS:
        detail = get(key)
        if isinstance(detail, BaseModel):
            detail = detail.model_dump(exclude_none=True)
        if isinstance(detail, Mapping) and detail:
            extra[key] = dict(detail)
    return cast(ChatCompletionUsageBlock, {**block, **extra}) if extra else block


def make_chunk(
    text: str,
    *,
    is_finished: bool = False,
    finish_reason: str | None = None,
    usage: Usage | Mapping[str, Any] | None = None,
    index: int = 0,
    tool_use: ChatCompletionToolCallChunk | None = None,
) -> GenericStreamingChunk:
    """One stream chunk in LiteLLM's generic format; a finished chunk defaults to ``finish_reason="stop"``."""
    reason = finish_reason or ("stop" if is_finished else "")
    return GenericStreamingChunk(
        text=text,
        is_finished=is_finished,
        finish_reason=reason,
        usage=None if usage is None else _usage_block(usage),
        index=index,
        tool_use=tool_use,
    )


def _tool_call_chunks(message: Message) -> Iterator[ChatCompletionToolCallChunk]:
    for position, call in enumerate(message.tool_calls or []):
        function = getattr(call, "function", None)
        if function is None:  # custom (non-function) tool calls have no generic-chunk form
            continue
        yield ChatCompletionToolCallChunk(
            id=call.id,
            type="function",
            function={"name": function.name, "arguments": function.arguments},
            index=position,
        )


# What a choice's message may carry beside text and tool calls: LiteLLM's generic chunk has no field for it.
_MESSAGE_EXTRAS = ("reasoning_content", "thinking_blocks", "annotations", "audio", "images")


def dropped_in_replay(response: ModelResponse) -> list[str]:
    """What of ``response``'s first choice :func:`chunks_from_response` cannot carry (a generic chunk holds text,
    one function tool call, the finish reason and usage)."""
    choice = response.choices[0] if response.choices else None
    if not isinstance(choice, Choices):
        return []
    message = choice.message
    lost = [name for name in _MESSAGE_EXTRAS if getattr(message, name, None)]
    if getattr(choice, "logprobs", None):
        lost.append("logprobs")
    if any(getattr(call, "function", None) is None for call in message.tool_calls or []):
        lost.append("non-function tool calls")
    return lost


def chunks_from_response(response: ModelResponse) -> Iterator[GenericStreamingChunk]:
    """Replay a complete response as a stream: one chunk per word, tool calls, then a final chunk.

    The final chunk carries the finish reason and the response's usage, so streamed and non-streamed calls
    report the same numbers.
    """
    choice = response.choices[0] if response.choices else None
    finish_reason = "stop"
    if isinstance(choice, Choices):
        for word in split_words(choice.message.content or ""):
            yield make_chunk(word)
        for tool_use in _tool_call_chunks(choice.message):
            yield make_chunk("", tool_use=tool_use)
        finish_reason = choice.finish_reason or finish_reason
    usage = getattr(response, "usage", None)
    yield make_chunk("", is_finished=True, finish_reason=finish_reason, usage=usage)
