"""A whole reply put together from a provider's own stream, for a provider that only streams.

A provider written with only ``streaming``/``astreaming`` (LiteLLM's docs show streaming as the thing to add)
answers non-stream calls with the reply its stream spells out: the text joined, tool calls joined by index,
the last finish reason and the usage the stream reported (else counted). The chunks are those LiteLLM reads
from a custom provider: ``GenericStreamingChunk`` dicts or ``ModelResponseStream`` objects.

Not LiteLLM's ``stream_chunk_builder``: it looks a custom provider's model name up among LiteLLM's providers
(printing LiteLLM's provider list to stdout) and counts usage from every message part, fetching images.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from litellm.types.utils import ChatCompletionMessageToolCall, Choices, Function, Message, ModelResponse, Usage

from litellm_plugin.core.responses import count_usage

__all__ = ["StreamAssembler", "response_from_chunks"]


class StreamAssembler:
    """Collects chunks one by one (sync and async streams alike), then builds the reply."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.tools: dict[int, dict[str, Any]] = {}
        self.finish_reason = ""
        self.usage: Any = None

    def add(self, chunk: Any) -> None:
        if isinstance(chunk, Mapping):
            self._add(chunk.get("text"), [chunk.get("tool_use")], chunk.get("finish_reason"), chunk.get("usage"))
            return
        choices = getattr(chunk, "choices", None) or []
        choice = choices[0] if choices else None
        delta = getattr(choice, "delta", None)
        calls = [_as_dict(call) for call in getattr(delta, "tool_calls", None) or []]
        content = getattr(delta, "content", None)
        self._add(content, calls, getattr(choice, "finish_reason", None), getattr(chunk, "usage", None))

    def _add(self, text: Any, calls: Sequence[Any], finish_reason: Any, usage: Any) -> None:
        if isinstance(text, str):
            self.text.append(text)
        for call in calls:
            if isinstance(call, Mapping):
                self._add_tool_call(call)
        if isinstance(finish_reason, str) and finish_reason:
            self.finish_reason = finish_reason
        if usage:
            self.usage = usage

    def _add_tool_call(self, call: Mapping[str, Any]) -> None:
        index = call.get("index")
        slot = self.tools.setdefault(index if isinstance(index, int) else len(self.tools), {"arguments": ""})
        function = call.get("function") or {}
        for key, value in (("id", call.get("id")), ("name", function.get("name"))):
            if value and not slot.get(key):
                slot[key] = value
        slot["arguments"] += function.get("arguments") or ""

    def response(self, model: str, messages: Sequence[Mapping[str, Any]]) -> ModelResponse:
        text = "".join(self.text)
        calls = [
            ChatCompletionMessageToolCall(
                id=slot.get("id"),
                type="function",
                function=Function(name=slot.get("name"), arguments=slot["arguments"]),
            )
            for _, slot in sorted(self.tools.items())
        ]
        message = Message(role="assistant", content=text if text or not calls else None, tool_calls=calls or None)
        finish_reason = self.finish_reason or ("tool_calls" if calls else "stop")
        choice = Choices(index=0, message=message, finish_reason=finish_reason)
        return ModelResponse(model=model, choices=[choice], usage=self._usage(model, messages, text))

    def _usage(self, model: str, messages: Sequence[Mapping[str, Any]], text: str) -> Usage:
        reported = self.usage
        if isinstance(reported, Usage):
            return reported
        if isinstance(reported, Mapping) and reported.get("total_tokens") is not None:
            prompt, completion = int(reported.get("prompt_tokens") or 0), int(reported.get("completion_tokens") or 0)
            return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=int(reported["total_tokens"]))
        return count_usage(model, messages, text)


def _as_dict(call: Any) -> Any:
    dump = getattr(call, "model_dump", None)
    return dump() if callable(dump) else call


def response_from_chunks(model: str, messages: Sequence[Mapping[str, Any]], chunks: Iterable[Any]) -> ModelResponse:
    assembler = StreamAssembler()
    for chunk in chunks:
        assembler.add(chunk)
    return assembler.response(model, messages)
