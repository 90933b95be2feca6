"""The Responses API: ``input``/``instructions`` in requests, output items in ``ResponsesAPIResponse``, and the
stream's events, whose 'done' events and final ``response.completed`` repeat the text the deltas carried."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from litellm.types.llms.openai import (
    FunctionCallArgumentsDeltaEvent,
    GenericEvent,
    OutputTextDeltaEvent,
    ReasoningSummaryTextDeltaEvent,
    RefusalDeltaEvent,
)
from litellm.utils import type_to_response_format_param

from litellm_plugin.core.errors import UnreadablePayloadError
from litellm_plugin.core.payloads.base import (
    ChannelBook,
    ChannelKind,
    LogprobsCheck,
    TextField,
    TransformFor,
    dict_items,
    field_value,
    field_values,
    identifier_field,
    sequence_at,
    set_field,
    setter,
)
from litellm_plugin.core.payloads.bridged_reasoning import bridged_thinking_fields, rewrite_bridged_thinking
from litellm_plugin.core.payloads.chat import (
    content_fields,
    is_model_class,
    other_strings,
    replacing,
    schema_format_fields,
    tool_choice_fields,
    tool_definition_fields,
)
from litellm_plugin.core.payloads.json_text import json_fields, object_fields

__all__ = ["ResponsesStream", "is_responses_event", "request_fields", "rewrite_response"]

# --- requests -------------------------------------------------------------------------------------------


# Input items whose text fields are read one by one below.
_INPUT_ITEMS = frozenset(
    {
        "message",
        "function_call",
        "function_call_output",
        "custom_tool_call",
        "custom_tool_call_output",
        "mcp_call",
        "mcp_approval_request",
        "mcp_list_tools",
        "reasoning",
        "local_shell_call_output",
    }
)
# Built-in tool calls and their outputs: every string they hold (a search query, typed text, code, logs, file
# search results) is read, except binary payloads (images, files).
_TOOL_INPUT_ITEMS = frozenset(
    {
        "web_search_call",
        "file_search_call",
        "computer_call",
        "computer_call_output",
        "image_generation_call",
        "code_interpreter_call",
        "local_shell_call",
        "mcp_approval_response",
    }
)
# Binary payloads and bookkeeping (ids, a status, a reasoning item's ciphertext) are opaque as strings: any other
# value under one of these keys is no such thing, and is read like any other key's.
_BINARY_KEYS = frozenset({"result", "image_url", "file_data", "file_id"})
_ITEM_BOOKKEEPING = frozenset({"type", "id", "call_id", "status", "role", "encrypted_content"})
# Keys of the items in ``_INPUT_ITEMS`` read for every type whatever they hold, and opaque as strings.
_ITEM_KEYS_READ = frozenset({"content", "output", "summary"})
_ITEM_IDS = frozenset({"type", "id", "call_id", "status", "role"})
_ARGUMENT_ITEMS = frozenset({"function_call", "mcp_call", "mcp_approval_request"})
_MCP_ITEMS = frozenset({"mcp_call", "mcp_approval_request", "mcp_list_tools"})
_MCP_KEYS = frozenset({"server_label", "approval_request_id"})  # which server, which request: not read


def _is_opaque(holder: dict[Any, Any], key: Any, opaque: frozenset[str]) -> bool:
    """``holder[key]`` is an id, a status, binary data: one of the ``opaque`` keys, holding no dict or list."""
    return key in opaque and not isinstance(holder[key], (dict, list, tuple))


def request_fields(data: dict[str, Any]) -> Iterator[TextField]:
    for name in ("instructions", "input"):  # each a string or a sequence of input items
        if isinstance(data.get(name), str):
            yield TextField(name, data[name], setter(data, name))
            continue
        for item in dict_items(sequence_at(data, name, f"a Responses API {name}") or []):
            if not isinstance(item, dict):
                raise UnreadablePayloadError(f"a Responses API input item of type {type(item).__name__}")
            yield from _input_item_fields(item)
    yield from tool_definition_fields(data, "tools")
    text = data.get("text")
    if isinstance(text, dict):
        yield from schema_format_fields(text.get("format"), "response_format")
    elif text is None:
        yield from _text_format_fields(data)
    yield from _prompt_variable_fields(data.get("prompt"))
    yield from tool_choice_fields(data)


def _text_format_fields(data: dict[str, Any]) -> Iterator[TextField]:
    """``text_format`` (a pydantic model class or a ``response_format`` dict), which LiteLLM turns into ``text``
    when no ``text`` is given. Read as that ``text``; once an interceptor changes its prose, the changed ``text``
    is passed instead, and LiteLLM ignores ``text_format``."""
    text_format = data.get("text_format")
    if text_format is None:
        return
    if not isinstance(text_format, dict) and not is_model_class(text_format):
        raise UnreadablePayloadError(
            "a Responses API text_format", f"it is {type(text_format).__name__}, not a pydantic model or a dict"
        )
    converted = type_to_response_format_param(text_format) or {}
    json_schema = converted.get("json_schema")
    if not isinstance(json_schema, dict):  # LiteLLM cannot send it either: the call fails there
        return
    text = {
        "format": {
            "type": converted.get("type"),
            "name": json_schema.get("name"),
            "schema": json_schema.get("schema"),
            "strict": json_schema.get("strict"),
        }
    }
    for field in schema_format_fields(text["format"], "response_format"):
        yield TextField(field.kind, field.text, replacing(data, "text", text, field.set))


def _input_item_fields(item: dict[str, Any]) -> Iterator[TextField]:
    """One input item; an item of a type we do not know that carries anything but bookkeeping fails closed."""
    item_type = item.get("type") or "message"
    if not isinstance(item_type, str):
        raise UnreadablePayloadError(
            "a Responses API input item", f"its 'type' is {type(item_type).__name__}, not a string"
        )
    if item_type == "item_reference":  # an id; anything else it carries is sent on as given
        yield from other_strings(item, frozenset(), "input", opaque=_ITEM_BOOKKEEPING)
        return
    if item_type in _TOOL_INPUT_ITEMS:
        for key in list(item):
            if not _is_opaque(item, key, _ITEM_BOOKKEEPING | _BINARY_KEYS):
                yield from _string_fields(item, key)
        return
    if item_type not in _INPUT_ITEMS:
        if any(item[key] is not None and not _is_opaque(item, key, _ITEM_BOOKKEEPING) for key in item):
            raise UnreadablePayloadError(f"a Responses API input item of type {item_type!r}")
        return
    for name in ("content", "output", "summary"):
        yield from content_fields(item, name, "input")
    if item_type == "reasoning" and "encrypted_content" in item:
        yield from bridged_thinking_fields(item, "encrypted_content", "input")
    read = set(_ITEM_KEYS_READ)
    opaque = set(_ITEM_IDS | _MCP_KEYS) if item_type in _MCP_ITEMS else set(_ITEM_IDS)
    if item_type == "reasoning":
        opaque.add("encrypted_content")  # read above when it is LiteLLM's own encoding, else a provider's ciphertext
    if item_type in _ARGUMENT_ITEMS:
        opaque.add("arguments")  # JSON text, read here; arguments given as an object are read as one
        yield from json_fields(item, "arguments", "tool_arguments")
    if isinstance(item.get("name"), str):  # a function, custom tool or MCP tool the model called
        read.add("name")
        yield identifier_field("tool_arguments", item["name"], "tool name")
    if item_type == "mcp_list_tools":
        read.add("tools")
        yield from tool_definition_fields(item, "tools")
    if item_type == "custom_tool_call" and isinstance(item.get("input"), str):
        read.add("input")
        yield TextField("tool_arguments", item["input"], setter(item, "input"))
    # Every other key (an MCP call's ``error``, one of the caller's own) is sent on as given.
    yield from other_strings(item, frozenset(read), "input", opaque=frozenset(opaque))


def _string_fields(holder: Any, key: Any) -> Iterator[TextField]:
    """Every string value inside ``holder[key]`` (dict keys and binary payloads left alone)."""
    value = holder[key]
    if isinstance(value, str):
        yield TextField("tool_arguments", value, setter(holder, key))
    elif isinstance(value, dict):
        for name in list(value):
            if not _is_opaque(value, name, _BINARY_KEYS):
                yield from _string_fields(value, name)
    elif isinstance(value, (list, tuple)):
        items = holder[key] = list(value) if isinstance(value, tuple) else value
        for index in range(len(items)):
            yield from _string_fields(items, index)


def _prompt_variable_fields(prompt: Any) -> Iterator[TextField]:
    """A reusable prompt's ``variables``: text the model reads inside the stored prompt, each a string or an
    input part (text, an image, a file) read like a message's content; a number holds no text."""
    variables = prompt.get("variables") if isinstance(prompt, dict) else None
    if variables is None:
        return
    if not isinstance(variables, dict):
        raise UnreadablePayloadError("a Responses API prompt's variables", f"they are {type(variables).__name__}")
    for name in list(variables):
        if not isinstance(variables[name], (int, float)):  # bool included
            yield from content_fields(variables, name, "input")


# --- output items (non-stream, and the items the stream repeats) --------------------------------------------

# (kind, text) -> the text to keep; ``part`` says where in the response the text lives.
Rewrite = Callable[[ChannelKind, tuple[object, ...], str, bool], str]


def _rewrite_attr(
    obj: Any, name: str, kind: ChannelKind, part: tuple[object, ...], rewrite: Rewrite, json: bool
) -> None:
    text = field_value(obj, name)
    if isinstance(text, str) and text:
        new = rewrite(kind, part, text, json)
        if new != text:
            set_field(obj, name, new)


def _rewrite_strings(
    owner: Any, name: str, kind: ChannelKind, part: tuple[object, ...], rewrite: Rewrite, field: str | None = None
) -> None:
    """Each string of the list ``owner.name`` (or each ``field`` of its entries)."""
    for index, entry in enumerate(field_value(owner, name) or ()):
        if field is not None:
            _rewrite_attr(entry, field, kind, (*part, index), rewrite, False)
        elif isinstance(entry, str) and entry:
            new = rewrite(kind, (*part, index), entry, False)
            if new != entry:
                field_value(owner, name)[index] = new


def _rewrite_message(item: Any, output_index: int, rewrite: Rewrite) -> None:
    """A message item: its parts' text or refusal, then every other string in it (a part's annotations, a key
    a provider added to the item, a part or an annotation), each its own channel."""
    for content_index, part in enumerate(field_value(item, "content") or ()):
        where = ("c", output_index, content_index)
        if field_value(part, "type") == "refusal":
            _rewrite_attr(part, "refusal", "refusal", where, rewrite, False)
        else:
            _rewrite_attr(part, "text", "text", where, rewrite, False)
        _rewrite_part_others(part, ("p", output_index, content_index), rewrite)
    _rewrite_leaves(item, "message", output_index, rewrite)


# Where an output text or refusal part holds no other text: its text (read on its own channel) and token
# logprobs (checked as such); an annotation's type is skipped when it is one the API has.
_PART_READ: tuple[tuple[object, ...], ...] = (("text",), ("refusal",), ("logprobs",))
_ANNOTATION_TYPES = frozenset({"url_citation", "file_citation", "container_file_citation", "file_path"})


def _rewrite_part_others(part: Any, where: tuple[object, ...], rewrite: Rewrite) -> None:
    """Every string of a part besides its text: annotation titles (citations), file names, URLs, and any key
    a provider added (a stream's ``content_part`` events carry the part, ``annotation.added`` an annotation)."""
    for path, holder, key in list(_item_leaves(part)):
        text = _leaf_text(holder, key)
        if _is_read(path, _PART_READ) or (key == "type" and text in _ANNOTATION_TYPES):
            continue
        kind: ChannelKind = "citation" if path[0] == "annotations" and key == "title" else "provider_field"
        _rewrite_leaf(holder, key, rewrite(kind, (*where, *path), text, False))


def _rewrite_tool_item(item: Any, item_type: str, output_index: int, rewrite: Rewrite) -> None:
    """Server-side tool calls: what the model asked (arguments, queries, code) and what the tool answered."""
    where = ("c", output_index)
    if item_type == "mcp_call":
        _rewrite_attr(item, "output", "tool_output", ("o", output_index), rewrite, False)
        _rewrite_attr(item, "error", "tool_output", ("e", output_index), rewrite, False)
    elif item_type == "web_search_call":
        action = field_value(item, "action")
        for name in ("query", "pattern"):
            _rewrite_attr(action, name, "tool_arguments", (*where, name), rewrite, False)
        _rewrite_strings(action, "queries", "tool_arguments", (*where, "queries"), rewrite)
    elif item_type == "file_search_call":
        _rewrite_strings(item, "queries", "tool_arguments", where, rewrite)
        _rewrite_strings(item, "results", "tool_output", ("o", output_index), rewrite, "text")
    elif item_type == "code_interpreter_call":
        _rewrite_attr(item, "code", "tool_arguments", where, rewrite, False)
        _rewrite_strings(item, "outputs", "tool_output", ("o", output_index), rewrite, "logs")
    elif item_type == "computer_call":
        _rewrite_attr(field_value(item, "action"), "text", "tool_arguments", where, rewrite, False)


_TOOL_ITEMS = frozenset({"web_search_call", "file_search_call", "code_interpreter_call", "computer_call"})


def _rewrite_item(item: Any, output_index: int, rewrite: Rewrite) -> None:
    item_type = field_value(item, "type")
    if item_type == "message":
        _rewrite_message(item, output_index, rewrite)
        return
    if item_type in ("function_call", "mcp_call"):
        _rewrite_attr(item, "arguments", "tool_arguments", ("c", output_index), rewrite, True)
        _rewrite_tool_item(item, item_type, output_index, rewrite)
    elif item_type in _TOOL_ITEMS:
        _rewrite_tool_item(item, item_type, output_index, rewrite)
    elif item_type == "custom_tool_call":
        _rewrite_attr(item, "input", "tool_arguments", ("c", output_index), rewrite, False)
    elif item_type == "reasoning":
        for index, part in enumerate(field_value(item, "summary") or ()):
            _rewrite_attr(part, "text", "reasoning", ("s", output_index, index), rewrite, False)
        for index, part in enumerate(field_value(item, "content") or ()):
            _rewrite_attr(part, "text", "reasoning", ("r", output_index, index), rewrite, False)
        encoded = field_value(item, "encrypted_content")
        rewritten = rewrite_bridged_thinking(
            encoded, lambda where, text: rewrite("reasoning", ("x", output_index, *where), text, False)
        )
        if rewritten is not encoded:
            set_field(item, "encrypted_content", rewritten)
    elif item_type == "mcp_approval_request":
        _rewrite_attr(item, "arguments", "tool_arguments", ("c", output_index), rewrite, True)
    elif item_type == "mcp_list_tools":
        _rewrite_strings(item, "tools", "tool_output", ("o", output_index), rewrite, "description")
        _rewrite_attr(item, "error", "tool_output", ("e", output_index), rewrite, False)
    elif item_type not in _LEAF_ITEMS:
        if any(True for _ in _item_leaves(item)):
            raise UnreadablePayloadError(f"a Responses API output item of type {item_type!r}")
        return
    _rewrite_leaves(item, str(item_type), output_index, rewrite)


# Fields of output items that name or locate things rather than say them, and opaque data (an image's base64,
# encrypted reasoning).
_ITEM_METADATA = frozenset(
    {
        "id", "type", "status", "call_id", "role", "name", "server_label", "approval_request_id", "fingerprint",
        "result", "encrypted_content",
    }
)  # fmt: skip

# Item types with no reader of their own: every string in them is read, one by one (a shell command, a patch's
# diff, an image's revised prompt, the tools a tool search found, a tool's output).
_LEAF_ITEMS = frozenset(
    {
        "image_generation_call", "apply_patch_call", "apply_patch_call_output", "local_shell_call",
        "local_shell_call_output", "shell_call", "shell_call_output", "tool_search_call", "tool_search_output",
        "function_call_output", "custom_tool_call_output", "computer_call_output", "mcp_approval_response",
    }
)  # fmt: skip

# Where the readers above find an item's text ("*": any index); every other string of the item is read as well.
_READ_PATHS: dict[str, tuple[tuple[object, ...], ...]] = {
    "function_call": (("arguments",),),
    "mcp_call": (("arguments",), ("output",), ("error",)),
    "web_search_call": (("action", "query"), ("action", "pattern"), ("action", "queries")),
    "file_search_call": (("queries",), ("results", "*", "text")),
    "code_interpreter_call": (("code",), ("outputs", "*", "logs")),
    "computer_call": (("action", "text"),),
    "custom_tool_call": (("input",),),
    "reasoning": (("summary", "*", "text"), ("content", "*", "text")),
    "mcp_approval_request": (("arguments",),),
    "mcp_list_tools": (("tools", "*", "description"), ("error",)),
    "message": (("content",),),  # read part by part
}


def _is_read(path: tuple[object, ...], read: tuple[tuple[object, ...], ...]) -> bool:
    return any(
        len(path) >= len(known) and all(k == "*" or k == p for k, p in zip(known, path, strict=False)) for known in read
    )


def _item_leaves(value: Any, path: tuple[object, ...] = ()) -> Iterator[tuple[tuple[object, ...], Any, Any]]:
    """``(path, holder, key)`` for every string inside an output item (dicts, lists, pydantic objects), but the
    item's own metadata fields."""
    if isinstance(value, list):
        entries: Iterator[tuple[Any, Any]] = iter(enumerate(value))
    elif isinstance(value, dict) or hasattr(value, "__pydantic_fields__"):
        entries = iter(list(field_values(value).items()))
    else:
        return
    for key, entry in entries:
        if isinstance(key, str) and (key.startswith("_") or (not path and key in _ITEM_METADATA)):
            continue
        if type(entry) is str:
            if entry:
                yield (*path, key), value, key
        elif entry is not None and not isinstance(entry, (int, float, bool)):
            yield from _item_leaves(entry, (*path, key))


def _rewrite_leaves(item: Any, item_type: str, output_index: int, rewrite: Rewrite) -> None:
    """The strings of an item no reader above takes, each its own channel: what the model asked a tool to do,
    or what the tool answered (fixed values such as ``action.type`` included: only their text is known)."""
    read = _READ_PATHS.get(item_type, ())
    kind: ChannelKind = (
        "provider_field"
        if item_type == "message"
        else "tool_output"
        if "output" in item_type or item_type.endswith("_tools")
        else "tool_arguments"
    )
    for path, holder, key in list(_item_leaves(item)):
        if _is_read(path, read):
            continue
        leaf_kind: ChannelKind = "revised_prompt" if key == "revised_prompt" else kind
        _rewrite_leaf(holder, key, rewrite(leaf_kind, ("leaf", output_index, *path), _leaf_text(holder, key), False))


def _leaf_text(holder: Any, key: Any) -> str:
    text: str = holder[key] if isinstance(holder, (list, dict)) else field_value(holder, key)
    return text


def _rewrite_leaf(holder: Any, key: Any, new: str) -> None:
    if new == _leaf_text(holder, key):
        return
    if isinstance(holder, (list, dict)):
        holder[key] = new
    else:
        set_field(holder, key, new)


def _rewrite_output(response: Any, rewrite: Rewrite) -> None:
    for output_index, item in enumerate(field_value(response, "output") or ()):
        _rewrite_item(item, output_index, rewrite)


def rewrite_response(response: Any, transform_for: TransformFor) -> Any:
    book = ChannelBook(transform_for)
    _rewrite_output(response, lambda kind, part, text, json: book.apply(kind, 0, part, text, json=json))
    _rewrite_response_others(response, book)
    _check_output_logprobs(response, LogprobsCheck(book))
    return response


# The fields of a Responses API reply read above, or with no text of the model's: identifiers, numbers, states,
# and the request's own settings it repeats (read with the request). Any other is read: ``error`` (a provider's
# message), the ``provider_specific_fields`` LiteLLM keeps for a provider it bridged (Anthropic's web search
# results), a field a provider added.
_RESPONSE_KEYS = frozenset(
    {
        "id", "object", "created_at", "completed_at", "model", "status", "output", "usage", "incomplete_details",
        "parallel_tool_calls", "temperature", "top_p", "tool_choice", "tools", "max_output_tokens",
        "max_tool_calls", "previous_response_id", "reasoning", "text", "truncation", "user", "store", "instructions",
        "metadata", "background", "conversation", "prompt", "prompt_cache_key", "prompt_cache_retention",
        "safety_identifier", "service_tier", "top_logprobs", "billing", "frequency_penalty", "presence_penalty",
    }
)  # fmt: skip


def _rewrite_response_others(
    response: Any, book: ChannelBook, known: frozenset[str] = _RESPONSE_KEYS, where: object = "reply"
) -> None:
    """Every string under the fields of a reply (or a stream event's reply, or a stream event: ``known``) not in
    ``known``, each its own channel, rewritten in place; a field whose own name a transform would change goes."""
    values = field_values(response)
    if values.keys() <= known:  # the usual case
        return
    for key, value in list(values.items()):
        if not isinstance(key, str) or key in known or key.startswith("_"):
            continue
        if not isinstance(value, (str, dict, list)):
            continue
        if book.apply("provider_field", 0, (where, key, "name"), key) != key:
            _drop_field(response, key)
        elif isinstance(value, str):
            new = book.apply("provider_field", 0, (where, key), value)
            if new != value:
                set_field(response, key, new)
        else:
            for index, field in enumerate(list(object_fields({key: value}, key, "provider_field"))):
                out = book.apply("provider_field", 0, (where, key, index), field.text)
                if out != field.text:
                    field.set(out)


def _drop_field(owner: Any, key: str) -> None:
    extra = getattr(owner, "__pydantic_extra__", None)
    if isinstance(owner, dict):
        owner.pop(key, None)
    elif isinstance(extra, dict) and key in extra:
        del extra[key]
    else:
        setattr(owner, key, None)


def _check_logprobs(holder: Any, check: LogprobsCheck, *, piece: bool = False) -> None:
    """Output text logprobs (``include=["message.output_text.logprobs"]``) spell the reply token by token:
    emptied when the ``logprobs`` transform would change them, as in chat."""
    logprobs = field_value(holder, "logprobs")
    if not isinstance(logprobs, (list, tuple)) or not logprobs:
        return
    tokens = {"content": logprobs}
    if not (check.keep_piece(0, tokens) if piece else check.keep(0, tokens)):
        set_field(holder, "logprobs", [])


def _check_item_logprobs(item: Any, check: LogprobsCheck) -> None:
    if field_value(item, "type") == "message":
        for part in field_value(item, "content") or ():
            _check_logprobs(part, check)


def _check_output_logprobs(response: Any, check: LogprobsCheck) -> None:
    for item in field_value(response, "output") or ():
        _check_item_logprobs(item, check)


# --- the stream ----------------------------------------------------------------------------------------------

# delta event type -> (channel kind, where, done event type, the done event's text field, JSON?)
_DELTAS: dict[str, tuple[ChannelKind, Callable[[Any], tuple[object, ...]], str, str, bool]] = {
    "response.output_text.delta": (
        "text",
        lambda e: ("c", e.output_index, e.content_index),
        "response.output_text.done",
        "text",
        False,
    ),
    "response.refusal.delta": (
        "refusal",
        lambda e: ("c", e.output_index, e.content_index),
        "response.refusal.done",
        "refusal",
        False,
    ),
    "response.function_call_arguments.delta": (
        "tool_arguments",
        lambda e: ("c", e.output_index),
        "response.function_call_arguments.done",
        "arguments",
        True,
    ),
    "response.mcp_call_arguments.delta": (
        "tool_arguments",
        lambda e: ("c", e.output_index),
        "response.mcp_call_arguments.done",
        "arguments",
        True,
    ),
    "response.custom_tool_call_input.delta": (
        "tool_arguments",
        lambda e: ("c", e.output_index),
        "response.custom_tool_call_input.done",
        "input",
        False,
    ),
    "response.code_interpreter_call_code.delta": (  # the code a code interpreter call runs, as the item's ``code``
        "tool_arguments",
        lambda e: ("c", e.output_index),
        "response.code_interpreter_call_code.done",
        "code",
        False,
    ),
    "response.reasoning_summary_text.delta": (
        "reasoning",
        lambda e: ("s", e.output_index, getattr(e, "summary_index", 0)),
        "response.reasoning_summary_text.done",
        "text",
        False,
    ),
    "response.reasoning_text.delta": (
        "reasoning",
        lambda e: ("r", e.output_index, getattr(e, "content_index", 0)),
        "response.reasoning_text.done",
        "text",
        False,
    ),
}
_DONES = {done: (kind, where, field, json) for kind, where, done, field, json in _DELTAS.values()}
_DELTA_CLASSES: dict[str, Any] = {
    "response.output_text.delta": OutputTextDeltaEvent,
    "response.refusal.delta": RefusalDeltaEvent,
    "response.function_call_arguments.delta": FunctionCallArgumentsDeltaEvent,
    "response.reasoning_summary_text.delta": ReasoningSummaryTextDeltaEvent,
}
_WHOLE_RESPONSE = frozenset({"response.completed", "response.incomplete", "response.failed"})
_REPLY_EVENTS = _WHOLE_RESPONSE | {"response.created", "response.in_progress", "response.queued"}
# The fields of the other stream events that hold no text (LiteLLM adds ``model``; a partial image is base64).
_EVENT_KEYS = frozenset(
    {
        "type", "sequence_number", "item_id", "output_index", "content_index", "summary_index", "annotation_index",
        "partial_image_index", "partial_image_b64", "model", "obfuscation", "response", "item", "part", "logprobs",
    }
)  # fmt: skip
# The fields each kind of event has (a field of another kind's is a provider's own there, and read): where it
# is, the model's name, logprobs (checked as such), and its content. OpenAI's random ``obfuscation`` padding
# is read like any other string: a provider may put anything there.
_EVENT_PLACE = frozenset(
    {"type", "sequence_number", "item_id", "output_index", "content_index", "summary_index", "model", "logprobs"}
)
_DELTA_EVENT_KEYS = _EVENT_PLACE | {"delta"}
_DONE_EVENT_KEYS = {  # a tool call's name: an identifier
    done: _EVENT_PLACE | {field, *(("name",) if kind == "tool_arguments" else ())}
    for done, (kind, _, field, _) in _DONES.items()
}
_ANNOTATION_EVENT_KEYS = _EVENT_PLACE | {"annotation_index", "annotation"}
_PART_EVENT_KEYS = _EVENT_PLACE | {"part"}
_ITEM_EVENT_KEYS = _EVENT_PLACE | {"item"}
_REPLY_EVENT_KEYS = _EVENT_PLACE | {"response"}
_ADDED = frozenset(
    {"response.output_item.added", "response.content_part.added", "response.reasoning_summary_part.added"}
)
_TEXT_FIELDS = ("delta", "text", "arguments", "refusal", "transcript", "input", "code")
# Text an '.added' event gives that its deltas continue: (channel kind, where's first element) -> the delta
# event type and the field naming the part; a call's arguments (where ``("c", output_index)``) by item type.
_ADDED_PARTS: dict[tuple[str, object], tuple[str, str]] = {
    ("text", "c"): ("response.output_text.delta", "content_index"),
    ("refusal", "c"): ("response.refusal.delta", "content_index"),
    ("reasoning", "s"): ("response.reasoning_summary_text.delta", "summary_index"),
    ("reasoning", "r"): ("response.reasoning_text.delta", "content_index"),
}
_ADDED_CALLS = {
    "function_call": "response.function_call_arguments.delta",
    "mcp_call": "response.mcp_call_arguments.delta",
    "custom_tool_call": "response.custom_tool_call_input.delta",
    "code_interpreter_call": "response.code_interpreter_call_code.delta",
}


def _continued_by(kind: ChannelKind, part: tuple[object, ...], item_type: object) -> tuple[str, dict[str, Any]] | None:
    """The delta event type that continues the text an '.added' event gives at ``part``, and the fields saying
    which part it is; None for text no delta continues (an annotation, a search query)."""
    if kind == "tool_arguments" and len(part) == 2:
        delta_type = _ADDED_CALLS.get(item_type) if isinstance(item_type, str) else None
        return None if delta_type is None else (delta_type, {})
    found = _ADDED_PARTS.get((kind, part[0])) if len(part) == 3 else None
    return None if found is None else (found[0], {found[1]: part[2]})


def _content_part_channel(
    part: Any, output_index: object, content_index: object
) -> tuple[str, ChannelKind, tuple[object, ...]]:
    """The field, channel kind and place of a content part's text, as its deltas stream it: a message's text or
    refusal (``output_text``/``refusal`` deltas), or a reasoning item's text (``reasoning_text`` deltas)."""
    part_type = field_value(part, "type")
    if part_type == "refusal":
        return "refusal", "refusal", ("c", output_index, content_index)
    if part_type == "reasoning_text":
        return "text", "reasoning", ("r", output_index, content_index)
    return "text", "text", ("c", output_index, content_index)


def _event_type(event: Any) -> str | None:
    value = field_value(event, "type")
    value = getattr(value, "value", value)
    return value if isinstance(value, str) else None


def is_responses_event(item: Any) -> bool:
    event_type = _event_type(item)
    return event_type is not None and event_type.startswith("response.")


class ResponsesStream:
    """Rewrites Responses API events: deltas through their channel's transform, 'done' events and the final
    response with exactly the text that was streamed (held-back text streams as one more delta first)."""

    def __init__(self, transform_for: TransformFor) -> None:
        self._transform_for = transform_for
        self._book = ChannelBook(transform_for)
        self._logprobs = LogprobsCheck(self._book)
        # where -> (delta type, its last delta event, or the fields of one when only an '.added' event gave text)
        self._anchors: dict[tuple[object, ...], tuple[str, Any]] = {}
        self._next_number = 0  # the least sequence_number the next event may carry
        self._annotations = 0
        self._others = 0
        self._added_count = 0
        self._started = False

    def rewrite(self, event: Any) -> list[Any]:
        if _event_type(event) == "response.created":
            if self._started:
                return self._renumber([*self._restart(), *self._rewrite(event)])
            self._started = True
        return self._renumber(self._rewrite(event))

    def _restart(self) -> list[Any]:
        """A second ``response.created``: LiteLLM's Router fell back mid-stream and streams the fallback's
        response after the abandoned one. What the abandoned one held back goes out as its own deltas; the new
        response starts with fresh channels (its own prefix, its own final text)."""
        tails = self.finish()
        self._book = ChannelBook(self._transform_for)
        self._logprobs = LogprobsCheck(self._book)
        self._anchors = {}
        self._annotations = 0
        return tails

    def _renumber(self, events: list[Any]) -> list[Any]:
        """Keep ``sequence_number`` unique and increasing once held-back text streams as extra delta events:
        upstream numbers stay as they are until an added event takes one, then everything after shifts."""
        for event in events:
            number = field_value(event, "sequence_number")
            if isinstance(number, int) and not isinstance(number, bool):
                if number < self._next_number:
                    number = self._next_number
                    set_field(event, "sequence_number", number)
                self._next_number = number + 1
        return events

    def _rewrite(self, event: Any) -> list[Any]:
        event_type = _event_type(event)
        if event_type in _DELTAS:
            kind, locate, _, _, json = _DELTAS[event_type]
            part = locate(event)
            self._anchors[part] = (event_type, event)
            text = event.delta
            if isinstance(text, str) and text:
                out = self._book.feed(kind, 0, part, text, json=json)
                if out != text:
                    event.delta = out
            _check_logprobs(event, self._logprobs, piece=True)
            self._check_other_fields(event, _DELTA_EVENT_KEYS)
            return [event]
        if event_type in _DONES:
            kind, locate, field, json = _DONES[event_type]
            before: list[Any] = []
            self._settle_attr(event, field, kind, locate(event), json, before)
            _check_logprobs(event, self._logprobs)
            self._check_other_fields(event, _DONE_EVENT_KEYS[event_type])
            return [*before, event]
        if event_type in ("response.content_part.done", "response.reasoning_summary_part.done"):
            before = []
            part = event.part
            if event_type == "response.content_part.done":
                field, kind, where = _content_part_channel(part, event.output_index, event.content_index)
            else:
                where, field, kind = ("s", event.output_index, getattr(event, "summary_index", 0)), "text", "reasoning"
            self._settle_attr(part, field, kind, where, False, before)
            if event_type == "response.content_part.done":
                _rewrite_part_others(part, ("p", *where[1:]), self._settler([]))
            _check_logprobs(part, self._logprobs)
            self._check_other_fields(event, _PART_EVENT_KEYS)
            return [*before, event]
        if event_type in _ADDED:
            self._check_other_fields(
                event, _ITEM_EVENT_KEYS if event_type == "response.output_item.added" else _PART_EVENT_KEYS
            )
            return [self._added(event, event_type)]
        if event_type == "response.output_text.annotation.added":
            self._annotations += 1
            where = ("a", "streamed", self._annotations)
            _rewrite_part_others({"annotations": [field_value(event, "annotation")]}, where, self._settler([]))
            self._check_other_fields(event, _ANNOTATION_EVENT_KEYS)
            return [event]
        if event_type == "response.output_item.done":
            before = []
            _rewrite_item(event.item, event.output_index, self._settler(before))
            _check_item_logprobs(event.item, self._logprobs)
            self._check_other_fields(event, _ITEM_EVENT_KEYS)
            return [*before, event]
        if event_type in _REPLY_EVENTS:
            _rewrite_response_others(field_value(event, "response"), self._book)
            self._check_other_fields(event, _REPLY_EVENT_KEYS)
        if event_type in _WHOLE_RESPONSE or (
            event_type in ("response.created", "response.in_progress") and field_value(event.response, "output")
        ):
            before = []
            _rewrite_output(event.response, self._settler(before))
            _check_output_logprobs(event.response, self._logprobs)
            return [*before, event]
        if event_type is None or any(isinstance(field_value(event, name), str) for name in _TEXT_FIELDS):
            raise UnreadablePayloadError(f"a Responses API stream event of type {event_type!r}")
        self._check_other_fields(event, _EVENT_KEYS)
        return [event]

    def _check_other_fields(self, event: Any, known: frozenset[str]) -> None:
        """Any field of an event not read above (a provider's own), each its own channel."""
        self._others += 1
        _rewrite_response_others(event, self._book, known, ("event", self._others))

    def _added(self, event: Any, event_type: str) -> Any:
        """An item or part announced before its deltas: its text is empty in OpenAI's stream, but a provider
        may fill it in. Text the deltas continue (a part's text, a call's arguments) is the start of their
        channel, read with them (what could join the next delta into a blocked word is held back); any other
        string it carries (an annotation, a search query) is rewritten on its own."""
        item = field_value(event, "item")
        item_type = field_value(item, "type")
        item_id = field_value(event, "item_id") or field_value(item, "id") or ""
        place = {"item_id": item_id, "output_index": field_value(event, "output_index")}
        number = field_value(event, "sequence_number")
        if number is not None:
            place["sequence_number"] = number

        def rewrite(kind: ChannelKind, part: tuple[object, ...], text: str, json: bool) -> str:
            continued = _continued_by(kind, part, item_type)
            if continued is None:
                return self._book.apply(kind, 0, ("added", self._added_count, *part), text, json=json)
            delta_type, which = continued
            self._anchors.setdefault(part, (delta_type, {"type": delta_type, **place, **which}))
            return self._book.feed(kind, 0, part, text, json=json)

        self._added_count += 1
        if event_type == "response.output_item.added":
            _rewrite_item(item, field_value(event, "output_index"), rewrite)
        else:
            part = field_value(event, "part")
            output_index = field_value(event, "output_index")
            kind: ChannelKind
            if event_type == "response.reasoning_summary_part.added":
                field, kind = "text", "reasoning"
                where: tuple[object, ...] = ("s", output_index, field_value(event, "summary_index") or 0)
            else:
                field, kind, where = _content_part_channel(part, output_index, field_value(event, "content_index"))
            _rewrite_attr(part, field, kind, where, rewrite, False)
            _rewrite_part_others(part, ("p", *where), rewrite)
        return event

    def _settler(self, before: list[Any]) -> Rewrite:
        def settle(kind: ChannelKind, part: tuple[object, ...], text: str, json: bool) -> str:
            tail, final = self._book.settle(kind, 0, part, text, json=json)
            if tail:
                before.extend(self._delta_events(part, tail))
            return final

        return settle

    def _settle_attr(
        self, obj: Any, field: str, kind: ChannelKind, part: tuple[object, ...], json: bool, before: list[Any]
    ) -> None:
        text = field_value(obj, field)
        if isinstance(text, str):
            final = self._settler(before)(kind, part, text, json)
            if final != text:
                set_field(obj, field, final)

    def _delta_events(self, part: tuple[object, ...], text: str) -> list[Any]:
        anchor = self._anchors.get(part)
        if anchor is None:
            return []  # never streamed in pieces: the done event carries all of it
        delta_type, last = anchor
        event_class = _DELTA_CLASSES.get(delta_type)
        if isinstance(last, dict):  # only an '.added' event streamed it: a delta in its place
            return [(event_class or GenericEvent).model_validate({**last, "delta": text})]
        if event_class is None:
            copy = last.model_copy()
            copy.delta = text
            return [copy]
        fields = {k: v for k, v in last.model_dump().items() if k != "delta"}
        return [event_class.model_validate({**fields, "delta": text})]

    def finish(self) -> list[Any]:
        events: list[Any] = []
        for channel, tail in self._book.pending():
            events.extend(self._delta_events(channel.part, tail))
        return self._renumber(events)
