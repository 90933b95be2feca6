"""The wire format, without any I/O: request bodies out, LiteLLM objects in.

When you copy this package for your own HTTP API, this is the file that changes most: how LiteLLM's arguments
become your API's request, and how your API's responses and stream events become LiteLLM's objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from litellm.types.utils import (
    Choices,
    Delta,
    EmbeddingResponse,
    GenericStreamingChunk,
    Message,
    ModelResponse,
    ModelResponseStream,
    StreamingChoices,
    Usage,
)

from litellm_plugin.core.responses import make_chunk

__all__ = [
    "Chunk",
    "SSEFramer",
    "StreamAssembler",
    "StreamError",
    "chat_request",
    "embedding_request",
    "fill_embedding_response",
    "fill_model_response",
]

# Set by the provider itself rather than passed through from ``optional_params``.
_NOT_FORWARDED = frozenset({"stream", "stream_options", "extra_body"})


def _json_default(value: object) -> object:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=_json_default).encode()


def chat_request(model: str, messages: Sequence[Any], optional_params: Mapping[str, Any], *, stream: bool) -> bytes:
    """The ``/chat/completions`` body: every OpenAI parameter LiteLLM collected, passed through as is."""
    body: dict[str, Any] = {"model": model, "messages": list(messages)}
    body.update((key, value) for key, value in optional_params.items() if key not in _NOT_FORWARDED)
    extra_body = optional_params.get("extra_body")
    if isinstance(extra_body, Mapping):
        body.update(extra_body)
    if stream:
        # Always ask for usage: LiteLLM decides whether the caller sees it (their stream_options).
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return _encode(body)


def embedding_request(model: str, inputs: Sequence[Any], optional_params: Mapping[str, Any]) -> bytes:
    body: dict[str, Any] = {"model": model, "input": list(inputs)}
    body.update((key, value) for key, value in optional_params.items() if key not in _NOT_FORWARDED)
    return _encode(body)


def _require(payload: Mapping[str, Any], key: str, kind: type) -> Any:
    value = payload.get(key)
    if not isinstance(value, kind):
        raise ValueError(f"field {key!r} missing or not a {kind.__name__}")
    return value


def fill_model_response(payload: object, model_response: ModelResponse) -> ModelResponse:
    """Copy a ``chat.completion`` JSON object into a ``ModelResponse``; ``ValueError`` if malformed."""
    if not isinstance(payload, Mapping):
        raise ValueError("body is not a JSON object")
    choices: list[Choices] = []
    for raw in _require(payload, "choices", list):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("message"), Mapping):
            raise ValueError("a choice has no message object")
        choices.append(
            Choices(
                index=raw.get("index", len(choices)),
                message=Message(**raw["message"]),
                finish_reason=raw.get("finish_reason") or "stop",
                logprobs=raw.get("logprobs"),
            )
        )
    model_response.choices = choices
    model_response.id = payload.get("id") or model_response.id
    model_response.created = payload.get("created") or model_response.created
    model_response.model = payload.get("model") or model_response.model
    model_response.system_fingerprint = payload.get("system_fingerprint")
    usage = payload.get("usage")
    if isinstance(usage, Mapping):
        setattr(model_response, "usage", Usage(**usage))  # noqa: B010 - not a declared field of ModelResponse
    return model_response


def fill_embedding_response(payload: object, response: EmbeddingResponse) -> EmbeddingResponse:
    """Copy an embeddings ``list`` JSON object into LiteLLM's ``EmbeddingResponse``."""
    if not isinstance(payload, Mapping):
        raise ValueError("body is not a JSON object")
    response.data = list(_require(payload, "data", list))
    response.model = payload.get("model") or response.model
    usage = payload.get("usage")
    if isinstance(usage, Mapping):
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        response.usage = Usage(
            prompt_tokens=prompt_tokens,
            completion_tokens=0,
            total_tokens=int(usage.get("total_tokens") or prompt_tokens),
        )
    return response


class SSEFramer:
    """Server-sent event framing: feed lines, get each event's ``data`` (``data:`` lines joined)."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> str | None:
        if line:
            if line.startswith("data:"):
                self._data.append(line[6:] if line.startswith("data: ") else line[5:])
            return None  # comments (":..."), "event:", "id:" and "retry:" fields carry nothing we use
        if not self._data:
            return None
        event, self._data = "\n".join(self._data), []
        return event

    def flush(self) -> str | None:
        """An event the stream ended in the middle of (no trailing blank line)."""
        return self.feed("")


class StreamError(ValueError):
    """A stream event that reports an error, or cannot be read."""

    def __init__(self, message: str, status_code: int = 500, malformed: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.malformed = malformed


def _tool_call(call: object) -> dict[str, Any]:
    """An OpenAI tool-call delta, checked (the first for a call carries its id and name)."""
    if not isinstance(call, Mapping) or not isinstance(call.get("index"), int):
        raise StreamError(f"malformed tool-call delta: {str(call)[:200]!r}", malformed=True)
    raw_function = call.get("function")
    function: Mapping[str, Any] = raw_function if isinstance(raw_function, Mapping) else {}
    return {
        "index": call["index"],
        "id": call.get("id"),
        "type": "function",
        "function": {"name": function.get("name"), "arguments": function.get("arguments") or ""},
    }


Chunk = GenericStreamingChunk | ModelResponseStream
"""What the assembler yields: content as ``ModelResponseStream``, the end as a generic chunk."""


class StreamAssembler:
    """Turns the data of OpenAI-style chunk events into the chunks LiteLLM reads from a custom provider.

    Text and tool-call deltas become ``ModelResponseStream`` chunks with the event's id, model and choice
    index: LiteLLM passes those through as they are, whereas its generic chunks (``make_chunk``) all land in
    choice 0, which merged the choices of an ``n=2`` stream. Finish reasons are held back until the stream
    ends and sent as one generic chunk that also carries the usage (which OpenAI sends in a separate, later
    event); LiteLLM reports one finish reason per stream, so it is the first choice's. ``done`` says whether
    the ``[DONE]`` marker arrived; a stream that ends without it was cut off.
    """

    def __init__(self) -> None:
        self.done = False
        self._finished: dict[int, str] = {}
        self._usage: Mapping[str, Any] | None = None
        self._started: set[int] = set()

    def feed(self, data: str) -> list[Chunk]:
        if data.strip() == "[DONE]":
            self.done = True
            return []
        try:
            payload = json.loads(data)
        except ValueError:
            raise StreamError(f"stream event is not JSON: {data[:200]!r}", malformed=True) from None
        if not isinstance(payload, Mapping):
            raise StreamError(f"stream event is not a JSON object: {data[:200]!r}", malformed=True)
        error = payload.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, Mapping) else error
            raise StreamError(f"error event mid-stream: {message}")
        if isinstance(payload.get("usage"), Mapping):
            self._usage = payload["usage"]
        chunks: list[Chunk] = []
        for choice in payload.get("choices") or ():
            if not isinstance(choice, Mapping):
                raise StreamError("stream choice is not an object", malformed=True)
            index = int(choice.get("index") or 0)
            raw_delta = choice.get("delta")
            delta: Mapping[str, Any] = raw_delta if isinstance(raw_delta, Mapping) else {}
            text = delta.get("content") or ""
            if text:
                chunks.append(self._chunk(payload, index, Delta(content=text)))
            calls = delta.get("tool_calls")
            for call in calls if isinstance(calls, list) else ():
                chunks.append(self._chunk(payload, index, Delta(content=None, tool_calls=[_tool_call(call)])))
            if choice.get("finish_reason"):
                self._finished.setdefault(index, str(choice["finish_reason"]))
        return chunks

    def _chunk(self, payload: Mapping[str, Any], index: int, delta: Delta) -> ModelResponseStream:
        if index not in self._started:  # the first delta of each choice says who speaks
            self._started.add(index)
            delta.role = "assistant"
        return ModelResponseStream(
            id=payload.get("id"),
            created=payload.get("created"),
            model=payload.get("model"),
            choices=[StreamingChoices(index=index, delta=delta)],
        )

    def finish(self) -> list[Chunk]:
        """The held-back finish chunk (first choice's reason, and the usage), once ``[DONE]`` has arrived."""
        reason = self._finished.get(0) or next(iter(self._finished.values()), "stop")
        return [make_chunk("", is_finished=True, finish_reason=reason, usage=self._usage)]
