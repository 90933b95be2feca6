"""Anthropic Messages: ``system``/``messages``/``tools`` in requests, content blocks in the (dict) response, and
the SSE stream, which arrives as bytes split anywhere (mid-event, mid-character): events are reassembled,
rewritten and re-encoded; events nobody changed go out byte for byte."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

from litellm_plugin.core.errors import UnreadablePayloadError
from litellm_plugin.core.payloads.base import (
    ChannelBook,
    ChannelKind,
    TextField,
    TransformFor,
    leaf_text,
    string_leaves,
)
from litellm_plugin.core.payloads.chat import (
    content_fields,
    messages_of,
    other_strings,
    schema_format_fields,
    tool_choice_fields,
    tool_definition_fields,
)
from litellm_plugin.core.payloads.json_text import object_fields

__all__ = ["AnthropicStream", "is_anthropic_message", "request_fields", "rewrite_response"]


def request_fields(data: dict[str, Any]) -> Iterator[TextField]:
    yield from content_fields(data, "system", "system")
    for message in messages_of(data):
        yield from content_fields(message, "content", "message")  # a tuple of blocks becomes a list here
        blocks = message.get("content")
        for block in blocks if isinstance(blocks, list) else ():
            if isinstance(block, dict) and block.get("type") in ("tool_use", "server_tool_use", "mcp_tool_use"):
                yield from object_fields(block, "input", "tool_arguments")  # its name: read with the content
        # A key of its own is sent on as given, and so is a role or id that is no string.
        yield from other_strings(message, _MESSAGE_KEYS_READ, "message", opaque=_MESSAGE_IDS)
    yield from tool_definition_fields(data, "tools")
    yield from tool_choice_fields(data)
    # Structured output, which LiteLLM turns into the provider's ``response_format``: its schema's prose and names.
    yield from schema_format_fields(data.get("output_format"), "response_format")
    output_config = data.get("output_config")
    if isinstance(output_config, dict):
        yield from schema_format_fields(output_config.get("format"), "response_format")


_MESSAGE_KEYS_READ = frozenset({"content"})
_MESSAGE_IDS = frozenset({"role", "id"})  # opaque as strings, as in chat


def is_anthropic_message(response: Any) -> bool:
    return isinstance(response, dict) and response.get("type") == "message" and "content" in response


# block type -> (channel kind, the field holding its text)
_BLOCKS: dict[str, tuple[ChannelKind, str]] = {"text": ("text", "text"), "thinking": ("reasoning", "thinking")}
_TOOL_BLOCKS = frozenset({"tool_use", "server_tool_use"})
_NO_TEXT_BLOCKS = frozenset({"redacted_thinking", "image"})


# A citation's quoted text and titles (``citation`` channels); its other strings are read as well (a web
# result's URL, a search result's source, a key a provider added), but for its ``type`` when it is one the API
# has and the ids the client sends back as they are.
_CITATION_FIELDS = frozenset({"cited_text", "document_title", "title"})
_CITATION_TYPES = frozenset(
    {
        "char_location", "page_location", "content_block_location", "web_search_result_location",
        "search_result_location",
    }
)  # fmt: skip
_CITATION_IDS = frozenset({"encrypted_index", "file_id"})


def _rewrite_citation(citation: Any, book: ChannelBook, where: tuple[object, ...]) -> dict[str, Any] | None:
    """Every string of a citation: a changed copy, or None if nothing changed."""
    if not isinstance(citation, dict):
        return None
    changes: list[tuple[tuple[object, ...], str]] = []
    for path, holder, key in string_leaves(citation):
        text = leaf_text(holder, key)
        if path[0] in _CITATION_IDS or (path == ("type",) and text in _CITATION_TYPES):
            continue
        kind: ChannelKind = "citation" if path[0] in _CITATION_FIELDS else "provider_field"
        new = book.apply(kind, 0, (*where, *path), text)
        if new != text:
            changes.append((path, new))
    return _changed_copy(citation, changes)


def _changed_copy(value: dict[str, Any], changes: list[tuple[tuple[object, ...], str]]) -> dict[str, Any] | None:
    """A copy of ``value`` with each ``(path, new)`` string of ``changes`` put in, or None if there are none."""
    if not changes:
        return None
    changed = copy.deepcopy(value)
    for path, new in changes:
        holder: Any = changed
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = new
    return changed


# Server tool result blocks: every string of their ``content`` (a web result's URL, title and age, an error's
# code) is read, but for the fixed types of its entries and ``encrypted_content``, which the client sends back
# as it is.
_RESULT_BLOCKS = frozenset({"web_search_tool_result"})
_RESULT_TYPES = frozenset({"web_search_result", "web_search_tool_result_error"})
_RESULT_OPAQUE = frozenset({"encrypted_content"})


def _rewrite_tool_result(block: dict[str, Any], book: ChannelBook, where: tuple[object, ...]) -> dict[str, Any] | None:
    """A server tool's result block: a changed copy, or None if nothing changed."""
    changes: list[tuple[tuple[object, ...], str]] = []
    for path, holder, key in string_leaves({"content": block.get("content")}):
        text = leaf_text(holder, key)
        if key in _RESULT_OPAQUE or (key == "type" and text in _RESULT_TYPES):
            continue
        new = book.apply("tool_output", 0, (*where, *path), text)
        if new != text:
            changes.append((path, new))
    return _changed_copy(block, changes)


def _rewrite_citations(block: dict[str, Any], book: ChannelBook, index: int) -> dict[str, Any] | None:
    """A text block with its citations rewritten (a copy), or None if none changed."""
    citations = block.get("citations")
    if not isinstance(citations, list):
        return None
    new = [_rewrite_citation(citation, book, ("b", index, "cite", n)) for n, citation in enumerate(citations)]
    if all(item is None for item in new):
        return None
    merged = [item if item is not None else old for item, old in zip(new, citations, strict=True)]
    return {**block, "citations": merged}


def rewrite_response(response: dict[str, Any], transform_for: TransformFor) -> dict[str, Any]:
    return _rewrite_message(response, ChannelBook(transform_for))


def _rewrite_message(response: dict[str, Any], book: ChannelBook, where: tuple[object, ...] = ()) -> dict[str, Any]:
    """A whole message's blocks in place; ``where`` keeps a stream's ``message_start`` apart from its blocks."""
    for index, block in enumerate(response.get("content") or ()):
        block_type = block.get("type") if isinstance(block, dict) else None
        if block_type in _BLOCKS:
            kind, field = _BLOCKS[block_type]
            if isinstance(block.get(field), str) and block[field]:
                block[field] = book.apply(kind, 0, (*where, "b", index), block[field])
            cited = _rewrite_citations(block, book, index)
            if cited is not None:
                block["citations"] = cited["citations"]
        elif block_type in _TOOL_BLOCKS:
            block["input"] = _rewrite_tool_input(block, book, (*where, "b", index))
        elif block_type in _RESULT_BLOCKS:
            result = _rewrite_tool_result(block, book, (*where, "b", index))
            if result is not None:
                block["content"] = result["content"]
        elif block_type not in _NO_TEXT_BLOCKS:
            raise UnreadablePayloadError(f"an Anthropic content block of type {block_type!r}")
        if block_type not in _NO_TEXT_BLOCKS:
            _rewrite_others(block, _block_keys(block), book, (*where, "b", index))
    _rewrite_stop_details(response, book)
    _rewrite_others(response, _MESSAGE_KEYS, book, (*where, "m"))
    return response


# The keys of a message, a content block, a stream event and its delta that are read above or hold no text.
# A provider's reply reaches the caller as it is: every other key's strings are read (a field the API added).
_MESSAGE_KEYS = frozenset(
    {
        "id", "type", "role", "model", "content", "stop_reason", "stop_sequence", "stop_details", "usage",
        "container", "context_management",
    }
)  # fmt: skip
_BLOCK_KEYS = frozenset(
    {"type", "text", "thinking", "citations", "signature", "id", "name", "input", "caller", "cache_control"}
)
_RESULT_BLOCK_KEYS = frozenset({"type", "tool_use_id", "content", "cache_control"})


def _block_keys(block: dict[str, Any]) -> frozenset[str]:
    return _RESULT_BLOCK_KEYS if block.get("type") in _RESULT_BLOCKS else _BLOCK_KEYS


_DELTA_KEYS = frozenset({"type", "text", "thinking", "partial_json", "signature", "citation"})
_MESSAGE_DELTA_KEYS = frozenset({"stop_reason", "stop_sequence", "stop_details", "container"})
_EVENT_KEYS: dict[str, frozenset[str]] = {
    "content_block_start": frozenset({"type", "index", "content_block"}),
    "content_block_delta": frozenset({"type", "index", "delta"}),
    "content_block_stop": frozenset({"type", "index"}),
    "message_start": frozenset({"type", "message"}),
    "message_delta": frozenset({"type", "delta", "usage", "context_management"}),
    "message_stop": frozenset({"type"}),
    "ping": frozenset({"type"}),
    "error": frozenset({"type"}),  # its ``error`` (a provider's message) is read as any other key
}


def _others(holder: dict[str, Any], known: frozenset[str]) -> list[str]:
    return [
        key
        for key, value in holder.items()
        if isinstance(key, str) and key not in known and isinstance(value, (str, dict, list))
    ]


def _rewrite_others(
    holder: dict[str, Any], known: frozenset[str], book: ChannelBook, where: tuple[object, ...]
) -> None:
    """Every string under the keys of ``holder`` not in ``known``, rewritten in place; a key whose own name
    a transform would change goes."""
    for key in _others(holder, known):
        if book.apply("provider_field", 0, (*where, key, "name"), key) != key:
            del holder[key]
        elif isinstance(holder[key], str):
            holder[key] = book.apply("provider_field", 0, (*where, key), holder[key])
        else:
            for index, field in enumerate(list(object_fields(holder, key, "provider_field"))):
                out = book.apply("provider_field", 0, (*where, key, index), field.text)
                if out != field.text:
                    field.set(out)


def _rewrite_tool_input(block: dict[str, Any], book: ChannelBook, where: tuple[object, ...]) -> Any:
    """A ``tool_use`` block's ``input`` object, rewritten as the JSON it stands for."""
    raw = json.dumps(block.get("input") or {}, ensure_ascii=False)
    new = book.apply("tool_arguments", 0, where, raw, json=True)
    if new == raw:
        return block.get("input")
    try:
        return json.loads(new)
    except ValueError as exc:
        raise UnreadablePayloadError("an Anthropic tool_use block", "its input is no longer JSON") from exc


def _rewrite_stop_details(holder: dict[str, Any], book: ChannelBook) -> dict[str, Any] | None:
    """A refusal's ``stop_details.explanation`` (the message, or a stream's ``message_delta``): the new
    holder if the text changed, else None."""
    details = holder.get("stop_details")
    text = details.get("explanation") if isinstance(details, dict) else None
    if not isinstance(text, str) or not text:
        return None
    new = book.apply("refusal", 0, ("stop",), text)
    if new == text:
        return None
    holder["stop_details"] = {**details, "explanation": new}  # type: ignore[dict-item]
    return holder


# delta type -> (channel kind, field, JSON?)
_DELTAS: dict[str, tuple[ChannelKind, str, bool]] = {
    "text_delta": ("text", "text", False),
    "thinking_delta": ("reasoning", "thinking", False),
    "input_json_delta": ("tool_arguments", "partial_json", True),
}
_PASSIVE_DELTAS = frozenset({"signature_delta"})
_PASSIVE_EVENTS = frozenset({"message_start", "message_delta", "message_stop", "ping", "error"})
_EVENT_END = re.compile(rb"\r?\n\r?\n")


class AnthropicStream:
    """Rewrites Anthropic stream events, given as SSE bytes (the proxy, the SDK) or as dicts."""

    def __init__(self, transform_for: TransformFor) -> None:
        self._book = ChannelBook(transform_for)
        self._buffer = b""
        self._delta_types: dict[int, str] = {}  # block index -> its delta type
        self._as: type = bytes  # what the stream's items are: bytes, str or dict
        self._citations = 0
        self._other_count = 0  # keys of their own checked so far, each its own channel

    # -- one event --------------------------------------------------------------------------------------

    def _event(self, event: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The events to send for one event, or None when it goes out unchanged."""
        checked = self._without_other_texts(event)
        replaced = self._known_event(checked)
        return [checked] if replaced is None and checked is not event else replaced

    def _without_other_texts(self, event: dict[str, Any]) -> dict[str, Any]:
        """``event`` without the keys (its own, its block's, delta's or message's) that are not read elsewhere
        and hold text a transform would change: each arrives whole, and is checked on its own."""
        event_type = event.get("type")
        if not isinstance(event_type, str) or event_type not in _EVENT_KEYS:
            return event
        new = self._checked(event, _EVENT_KEYS[event_type])
        delta_keys = _DELTA_KEYS if event_type == "content_block_delta" else _MESSAGE_DELTA_KEYS
        for key, known in (("delta", delta_keys), ("content_block", _BLOCK_KEYS), ("message", _MESSAGE_KEYS)):
            inner = new.get(key)
            if isinstance(inner, dict):
                checked = self._checked(inner, _block_keys(inner) if key == "content_block" else known)
                if checked is not inner:
                    new = {**new, key: checked}
        return new

    def _checked(self, holder: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
        dropped = []
        for key in _others(holder, known):
            value = holder[key]
            texts = [key, value] if isinstance(value, str) else [key, *(f.text for f in object_fields(holder, key, ""))]
            self._other_count += 1
            where = ("other", self._other_count)
            if any(self._book.apply("provider_field", 0, (*where, n), text) != text for n, text in enumerate(texts)):
                dropped.append(key)
        return {key: value for key, value in holder.items() if key not in dropped} if dropped else holder

    def _known_event(self, event: dict[str, Any]) -> list[dict[str, Any]] | None:
        event_type = event.get("type")
        if event_type == "content_block_delta":
            delta = event.get("delta") or {}
            delta_type = delta.get("type")
            if delta_type in _PASSIVE_DELTAS:
                return None
            if delta_type == "citations_delta":
                return self._citation_event(event, delta)
            if delta_type not in _DELTAS:
                raise UnreadablePayloadError(f"an Anthropic stream delta of type {delta_type!r}")
            kind, field, json_text = _DELTAS[delta_type]
            index = event.get("index", 0)
            self._delta_types[index] = delta_type
            text = delta.get(field)
            if not isinstance(text, str) or not text:
                return None
            out = self._book.feed(kind, 0, ("b", index), text, json=json_text)
            if out == text:
                return None
            return [{**event, "delta": {**delta, field: out}}]
        if event_type == "content_block_stop":
            index = event.get("index", 0)
            delta_type = self._delta_types.get(index)
            if delta_type is None:
                return None
            kind, _, _ = _DELTAS[delta_type]
            tail = self._book.flush(kind, 0, ("b", index))
            return [self._tail_event(index, delta_type, tail), event] if tail else None
        if event_type == "content_block_start":
            block = event.get("content_block") or {}
            block_type = block.get("type")
            if block_type in _BLOCKS:
                kind, field = _BLOCKS[block_type]
                index = event.get("index", 0)
                self._delta_types[index] = f"{block_type}_delta"
                new_block = _rewrite_citations(block, self._book, index) or block
                text = block.get(field)
                if isinstance(text, str) and text:
                    out = self._book.feed(kind, 0, ("b", index), text)
                    if out != text:
                        new_block = {**new_block, field: out}
                return None if new_block is block else [{**event, "content_block": new_block}]
            if block_type in _TOOL_BLOCKS:
                index = event.get("index", 0)
                self._delta_types[index] = "input_json_delta"
                if not block.get("input"):  # the usual start: {} (the arguments stream as input_json_delta)
                    return None
                new_input = _rewrite_tool_input(block, self._book, ("b", index, "start"))
                return (
                    None
                    if new_input is block.get("input")
                    else [{**event, "content_block": {**block, "input": new_input}}]
                )
            if block_type in _RESULT_BLOCKS:  # it comes whole, with no deltas
                result = _rewrite_tool_result(block, self._book, ("b", event.get("index", 0)))
                return None if result is None else [{**event, "content_block": result}]
            if block_type in _NO_TEXT_BLOCKS:
                return None
            raise UnreadablePayloadError(f"an Anthropic content block of type {block_type!r}")
        if event_type == "message_start" and isinstance(event.get("message"), dict) and event["message"].get("content"):
            message = copy.deepcopy(event["message"])  # a provider that starts with content: read it whole
            return [{**event, "message": _rewrite_message(message, self._book, ("start",))}]
        if event_type in ("message_delta", "message_stop"):
            tails = self._open_block_tails()  # a block the upstream never stopped: its text goes out before the end
            if event_type == "message_delta" and isinstance(event.get("delta"), dict):
                delta = dict(event["delta"])
                if _rewrite_stop_details(delta, self._book) is not None:
                    return [*tails, {**event, "delta": delta}]
            return [*tails, event] if tails else None
        if event_type in _PASSIVE_EVENTS:
            return None
        raise UnreadablePayloadError(f"an Anthropic stream event of type {event_type!r}")

    def _open_block_tails(self) -> list[dict[str, Any]]:
        """What the blocks still streaming hold back, as one more delta each (their channels: ``("b", index)``)."""
        tails = []
        for channel, tail in self._book.pending():
            index = int(channel.part[1])  # type: ignore[call-overload]
            tails.append(self._tail_event(index, self._delta_types[index], tail))
        return tails

    def _citation_event(self, event: dict[str, Any], delta: dict[str, Any]) -> list[dict[str, Any]] | None:
        """A ``citations_delta`` carries one whole citation: its quoted text and titles, rewritten at once."""
        self._citations += 1
        where = ("b", event.get("index", 0), "cite", "streamed", self._citations)
        citation = _rewrite_citation(delta.get("citation"), self._book, where)
        return None if citation is None else [{**event, "delta": {**delta, "citation": citation}}]

    @staticmethod
    def _tail_event(index: int, delta_type: str, text: str) -> dict[str, Any]:
        _, field, _ = _DELTAS[delta_type]
        return {"type": "content_block_delta", "index": index, "delta": {"type": delta_type, field: text}}

    # -- SSE bytes ---------------------------------------------------------------------------------------

    @staticmethod
    def _encode(event: dict[str, Any]) -> bytes:
        return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()

    def _sse_event(self, raw: bytes) -> bytes:
        data_lines = [line[5:].strip() for line in raw.splitlines() if line.startswith(b"data:")]
        if not data_lines:
            return raw
        try:
            event = json.loads(b"\n".join(data_lines))
        except ValueError as exc:
            raise UnreadablePayloadError("an Anthropic SSE event", "its data is not JSON") from exc
        if not isinstance(event, dict):
            raise UnreadablePayloadError("an Anthropic SSE event", "its data is not an object")
        replaced = self._event(event)
        if replaced is None:
            return raw
        return b"".join(self._encode(item) for item in replaced)

    def _bytes(self, chunk: bytes) -> list[Any]:
        self._buffer += chunk
        out: list[bytes] = []
        while match := _EVENT_END.search(self._buffer):
            raw, self._buffer = self._buffer[: match.end()], self._buffer[match.end() :]
            out.append(self._sse_event(raw))
        joined = b"".join(out)
        return [joined] if joined else []

    # -- the stream --------------------------------------------------------------------------------------

    def rewrite(self, item: Any) -> list[Any]:
        if isinstance(item, (bytes, bytearray)):
            return self._bytes(bytes(item))
        if isinstance(item, str):
            self._as = str
            return [part.decode() for part in self._bytes(item.encode())]
        if isinstance(item, dict):
            self._as = dict
            replaced = self._event(item)
            return [item] if replaced is None else list(replaced)
        raise UnreadablePayloadError(f"an Anthropic stream item of type {type(item).__name__}")

    def finish(self) -> list[Any]:
        if self._as is dict:
            return self._open_block_tails()
        out: list[bytes] = []
        if self._buffer.strip():
            rest, self._buffer = self._buffer, b""
            out.append(self._sse_event(rest))
        out.extend(self._encode(event) for event in self._open_block_tails())
        joined = b"".join(out)
        if not joined:
            return []
        return [joined.decode()] if self._as is str else [joined]
