"""The wire format, without any I/O: request bodies out, LiteLLM objects in.

When you copy this package for your own HTTP API, this is the file that changes most: how LiteLLM's arguments
become your API's request, and how your API's responses and stream events become LiteLLM's objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from litellm.types.llms.openai import ChatCompletionToolCallChunk
from litellm.types.utils import (
    Choices,
    EmbeddingResponse,
    GenericStreamingChunk,
    Message,
    ModelResponse,
    Usage,
)

from litellm_plugin.core.responses import make_chunk

__all__ = [
    "SSEFramer",
    "SSELines",
    "StreamAssembler",
    "StreamError",
    "chat_request",
    "choices_asked",
    "embedding_request",
    "fill_embedding_response",
    "fill_model_response",
]

# Set by the provider itself rather than passed through from ``optional_params``.
_SSE_FIELD = re.compile(r"(:|(data|event|id|retry)(:|$))")

T = TypeVar("T")
D = TypeVar("D")

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


def choices_asked(optional_params: Mapping[str, Any]) -> int:
    """How many choices the request asks for (``n``, which ``extra_body`` may override); 1 if not a number."""
    n = optional_params.get("n")
    extra_body = optional_params.get("extra_body")
    if isinstance(extra_body, Mapping) and "n" in extra_body:
        n = extra_body["n"]
    return n if isinstance(n, int) and not isinstance(n, bool) else 1


def embedding_request(model: str, inputs: Sequence[Any], optional_params: Mapping[str, Any]) -> bytes:
    body: dict[str, Any] = {"model": model, "input": list(inputs)}
    body.update((key, value) for key, value in optional_params.items() if key not in _NOT_FORWARDED)
    return _encode(body)


def _require(payload: Mapping[str, Any], key: str, kind: type) -> Any:
    value = payload.get(key)
    if not isinstance(value, kind):
        raise ValueError(f"field {key!r} missing or not a {kind.__name__}")
    return value


def _metadata(payload: Mapping[str, Any], key: str, kind: type[T]) -> T | None:
    value = payload.get(key)
    return value if isinstance(value, kind) and not isinstance(value, bool) else None


def _describe(value: object) -> str:
    return "null or missing" if value is None else f"{type(value).__name__} {repr(value)[:100]}"


def _check_tool_calls(message: Mapping[str, Any], where: str) -> None:
    """A reply's tool calls as OpenAI defines them: LiteLLM's ``Message`` would take an ``id`` of 1 or a
    ``function`` of "x" as they are, and the caller would fail far from here."""
    calls = message.get("tool_calls")
    if calls is None:
        return
    if not isinstance(calls, list):
        raise ValueError(f"field '{where}.tool_calls' should be a list, got {_describe(calls)}")
    for i, call in enumerate(calls):
        at = f"{where}.tool_calls[{i}]"
        if not isinstance(call, Mapping):
            raise ValueError(f"field '{at}' should be an object, got {_describe(call)}")
        if not isinstance(call.get("id"), str):
            raise ValueError(f"field '{at}.id' should be a string, got {_describe(call.get('id'))}")
        if call.get("type", "function") != "function":
            raise ValueError(f"field '{at}.type' should be \"function\", got {_describe(call.get('type'))}")
        function = call.get("function")
        if not isinstance(function, Mapping):
            raise ValueError(f"field '{at}.function' should be an object, got {_describe(function)}")
        for key in ("name", "arguments"):
            if not isinstance(function.get(key), str):
                raise ValueError(f"field '{at}.function.{key}' should be a string, got {_describe(function.get(key))}")


def fill_model_response(payload: object, model_response: ModelResponse) -> ModelResponse:
    """Copy a ``chat.completion`` JSON object into a ``ModelResponse``; ``ValueError`` if malformed."""
    if not isinstance(payload, Mapping):
        raise ValueError("body is not a JSON object")
    choices: list[Choices] = []
    raw_choices = _require(payload, "choices", list)
    if not raw_choices:  # the caller would meet an IndexError on ``choices[0]`` instead
        raise ValueError("field 'choices' is an empty list")
    for raw in raw_choices:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("message"), Mapping):
            raise ValueError("a choice has no message object")
        _check_tool_calls(raw["message"], f"choices[{len(choices)}].message")
        choices.append(
            Choices(
                index=raw.get("index", len(choices)),
                message=Message(**raw["message"]),
                finish_reason=raw.get("finish_reason") or "stop",
                logprobs=raw.get("logprobs"),
            )
        )
    model_response.choices = choices
    # Metadata of the wrong type is ignored (LiteLLM's own values stay): it must not reach the caller as is.
    model_response.id = _metadata(payload, "id", str) or model_response.id
    model_response.created = _metadata(payload, "created", int) or model_response.created
    model_response.model = _metadata(payload, "model", str) or model_response.model
    model_response.system_fingerprint = _metadata(payload, "system_fingerprint", str)
    usage = payload.get("usage")
    if isinstance(usage, Mapping):
        setattr(model_response, "usage", Usage(**usage))  # noqa: B010 - not a declared field of ModelResponse
    return model_response


def _embedding_item(item: object) -> object:
    """One ``data`` entry: an object whose ``embedding`` is a list of numbers (or base64 text)."""
    vector = item.get("embedding") if isinstance(item, Mapping) else None
    if isinstance(vector, str):
        return item
    if not isinstance(vector, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vector):
        raise ValueError(f"an embedding is not a list of numbers: {str(item)[:100]!r}")
    return item


def fill_embedding_response(payload: object, response: EmbeddingResponse) -> EmbeddingResponse:
    """Copy an embeddings ``list`` JSON object into LiteLLM's ``EmbeddingResponse``."""
    if not isinstance(payload, Mapping):
        raise ValueError("body is not a JSON object")
    response.data = [_embedding_item(item) for item in _require(payload, "data", list)]
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


_BOM = b"\xef\xbb\xbf"


class SSELines:
    """A byte stream cut into lines (``\\n``, ``\\r\\n`` or ``\\r``), each decoded as strict UTF-8.

    Server-sent events are UTF-8 by definition. httpx's ``iter_lines`` decodes with ``errors="replace"``, which
    would hand the caller U+FFFD where the server sent bytes that are not text; the same bytes in a non-stream
    body are a malformed body, and so they are here (``StreamError``).
    """

    def __init__(self) -> None:
        self._pending: list[bytes] = []  # the unfinished last line, in pieces (joined once it ends: no quadratic copy)
        self._started = False

    def feed(self, data: bytes) -> list[str]:
        if self._started and b"\n" not in data and b"\r" not in data:
            self._pending.append(data)
            return []
        buffer = b"".join([*self._pending, data])
        self._pending = []
        if not self._started:
            if _BOM.startswith(buffer):  # too short to tell whether the stream starts with a byte order mark
                self._pending = [buffer]
                return []
            self._started = True
            buffer = buffer.removeprefix(_BOM)  # not content (the SSE spec drops it)
        parts = buffer.splitlines(keepends=True)  # bytes split on "\n", "\r\n" and "\r" only
        # An unfinished last line waits for the rest; so does one ending in "\r", whose "\n" may come next.
        if parts and not parts[-1].endswith(b"\n"):
            self._pending = [parts.pop()]
        return [self._decode(part.rstrip(b"\r\n")) for part in parts]

    def flush(self) -> list[str]:
        """The last line, when the stream ended without a line break after it."""
        rest = b"".join(self._pending).rstrip(b"\r")
        self._pending = []
        return [self._decode(rest)] if rest else []

    @staticmethod
    def _decode(line: bytes) -> str:
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StreamError(
                f"stream is not valid UTF-8 ({exc}): line starts {line[:120]!r}", malformed=True
            ) from None


class SSEFramer:
    """Server-sent event framing: feed lines, get each event's ``data`` (``data:`` lines joined)."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self.events = 0
        self.foreign: str | None = None
        """The first line that is no SSE field: what a body that is not an event stream starts with."""

    def feed(self, line: str) -> str | None:
        if line:
            if line.startswith("data:"):
                self._data.append(line[6:] if line.startswith("data: ") else line[5:])
            elif self.foreign is None and not _SSE_FIELD.match(line):
                self.foreign = line[:120]
            return None  # comments (":..."), "event:", "id:" and "retry:" fields carry nothing we use
        if not self._data:
            return None
        event, self._data = "\n".join(self._data), []
        self.events += 1
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


def _field(payload: Mapping[str, Any], key: str, kind: type[T], default: D) -> T | D:
    """``payload[key]`` if it has the type the API promises, ``default`` if absent or null; else malformed."""
    value = payload.get(key)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise StreamError(
            f"stream field {key!r} should be {kind.__name__}, got {type(value).__name__}: {str(value)[:100]!r}",
            malformed=True,
        )
    return value


def _usage(usage: object) -> Mapping[str, Any]:
    """A stream's usage object, its token counts checked (LiteLLM adds them up later, far from here)."""
    if not isinstance(usage, Mapping):
        raise StreamError(f"stream usage is not an object: {str(usage)[:100]!r}", malformed=True)
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        _field(usage, key, int, 0)
    return usage


def _tool_use(call: object) -> ChatCompletionToolCallChunk:
    """An OpenAI tool-call delta as LiteLLM's tool-call chunk (the first carries id and name)."""
    if not isinstance(call, Mapping) or not isinstance(call.get("index"), int):
        raise StreamError(f"malformed tool-call delta: {str(call)[:200]!r}", malformed=True)
    if call.get("type", "function") != "function":
        raise StreamError(
            f"stream field 'type' of a tool call should be \"function\": {str(call)[:200]!r}", malformed=True
        )
    raw_function = call.get("function")  # later deltas may leave it out; never a string
    if raw_function is not None and not isinstance(raw_function, Mapping):
        raise StreamError(
            f"stream field 'function' of a tool call should be an object: {str(call)[:200]!r}", malformed=True
        )
    function: Mapping[str, Any] = raw_function or {}
    return ChatCompletionToolCallChunk(
        id=_field(call, "id", str, None),
        type="function",
        function={
            "name": _field(function, "name", str, None),
            "arguments": _field(function, "arguments", str, ""),
        },
        index=call["index"],
    )


class StreamAssembler:
    """Turns the data of OpenAI-style chunk events of one choice into LiteLLM ``GenericStreamingChunk`` dicts.

    Finish chunks are held back until the stream ends, so the last chunk LiteLLM sees carries both the
    finish reason and the usage (which OpenAI sends in a separate, later event). ``done`` says whether the
    ``[DONE]`` marker arrived; a stream that ends without it was cut off.
    """

    def __init__(self) -> None:
        self.done = False
        self._finished: list[tuple[int, str]] = []
        self._usage: Mapping[str, Any] | None = None

    def feed(self, data: str) -> list[GenericStreamingChunk]:
        if data.strip() == "[DONE]":
            self.done = True
            return []
        try:
            return self._feed(data)
        except StreamError:
            raise
        except (TypeError, ValueError, RecursionError) as exc:  # a field of the wrong type, nesting too deep
            raise StreamError(f"unreadable stream event ({exc}): {data[:200]!r}", malformed=True) from None

    def _feed(self, data: str) -> list[GenericStreamingChunk]:
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
        if payload.get("usage") is not None:
            self._usage = _usage(payload["usage"])
        chunks: list[GenericStreamingChunk] = []
        for choice in _field(payload, "choices", list, []):
            if not isinstance(choice, Mapping):
                raise StreamError("stream choice is not an object", malformed=True)
            index = _field(choice, "index", int, 0)
            if index != 0:  # LiteLLM would merge it into choice 0's text (the provider refuses n > 1 streams)
                raise StreamError(
                    f"stream field 'index' is {index}: one choice per stream was asked for", malformed=True
                )
            delta = choice.get("delta") or {}
            text = _field(delta, "content", str, "") if isinstance(delta, Mapping) else ""
            if text:
                chunks.append(make_chunk(text, index=index))
            calls = delta.get("tool_calls") if isinstance(delta, Mapping) else None
            for call in calls if isinstance(calls, list) else ():
                chunks.append(make_chunk("", index=index, tool_use=_tool_use(call)))
            if choice.get("finish_reason"):
                self._finished.append((index, str(choice["finish_reason"])))
        return chunks

    def finish(self) -> list[GenericStreamingChunk]:
        """The held-back finish chunks (usage on the last one), once ``[DONE]`` has arrived."""
        finished = self._finished or [(0, "stop")]
        last = len(finished) - 1
        return [
            make_chunk(
                "",
                is_finished=True,
                finish_reason=reason,
                index=index,
                usage=self._usage if i == last else None,
            )
            for i, (index, reason) in enumerate(finished)
        ]
