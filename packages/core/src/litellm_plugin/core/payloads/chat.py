"""Chat completions: where text lives in requests, ``ModelResponse`` and ``ModelResponseStream`` chunks."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from litellm.types.utils import (
    ChatCompletionDeltaToolCall,
    Delta,
    Function,
    FunctionCall,
    ModelResponse,
    ModelResponseStream,
    StreamingChoices,
)
from litellm.utils import type_to_response_format_param
from pydantic import BaseModel

from litellm_plugin.core.errors import UnchangeableReplyError, UnreadablePayloadError
from litellm_plugin.core.payloads.base import (
    Channel,
    ChannelBook,
    ChannelKind,
    LogprobsCheck,
    TextField,
    TransformFor,
    dict_items,
    field_value,
    field_values,
    identifier_field,
    leaf_text,
    optional_field,
    put_leaf,
    sequence_at,
    set_field,
    setter,
    string_leaves,
)
from litellm_plugin.core.payloads.bridged_reasoning import (
    OPAQUE_BLOCK_KEYS,
    bridged_thinking_fields,
    is_bridged_thinking,
)
from litellm_plugin.core.payloads.inline_files import (
    base64_text_field,
    data_url_field,
    data_url_header,
    is_text_media,
    refuse_text_before_a_data_url,
    string_field,
)
from litellm_plugin.core.payloads.json_text import entry_fields, json_fields, object_fields, schema_fields

__all__ = [
    "ChatStream",
    "content_fields",
    "other_strings",
    "replacing",
    "request_fields",
    "rewrite_response",
    "schema_format_fields",
    "tool_choice_fields",
    "tool_definition_fields",
]


def content_fields(owner: dict[str, Any], name: str, kind: str) -> Iterator[TextField]:
    """A string, or a sequence of parts whose ``text`` (or nested ``content``) holds text. The text parts of
    one content share a group: the model reads them as one text."""
    content = owner.get(name)
    if isinstance(content, str):
        yield TextField(kind, content, setter(owner, name))
        return
    if isinstance(content, dict):  # one block in place of a list (an Anthropic web search error, for one)
        yield from _part_fields(content, kind, None)
        return
    parts = sequence_at(owner, name, f"a {kind} content")
    if not parts:
        return
    group = object()
    for index, part in enumerate(dict_items(parts)):
        if isinstance(part, str):
            yield TextField(kind, part, setter(parts, index), group)
        elif isinstance(part, dict):
            yield from _part_fields(part, kind, group)
        else:
            raise UnreadablePayloadError(f"a {kind} content part of type {type(part).__name__}")


def _part_fields(part: dict[str, Any], kind: str, group: object) -> Iterator[TextField]:
    """One content part or block: its text, thinking, refusal, nested content, and the text a document or
    search result carries (Anthropic ``document``/``search_result`` blocks, which LiteLLM also takes in chat).
    Every key not read here is read at the end, as any string a provider sends on: a key that belongs to
    another kind of part (an image's URL, a tool call's id) is opaque only on the parts it belongs to."""
    _check_part_shape(part, kind)
    part_type = part.get("type")
    read = {"text", "content"}  # a text that is no string fails closed (above); content: read below
    if isinstance(part_type, str):
        read.add("type")
        if part_type not in KNOWN_PART_TYPES:  # a type no API has: sent on as given, so its words are read
            yield identifier_field(kind, part_type, "content part type")
    if isinstance(part.get("name"), str):  # a tool_use block's tool; on another part, a name sent on as given
        what = "tool name" if part_type in _TOOL_USE_PARTS else "content part name"
        yield identifier_field(kind, part["name"], what)
        read.add("name")
    read.update(key for key, belongs in _OPAQUE_ON.items() if isinstance(part.get(key), str) and belongs(part_type))
    if isinstance(part.get("text"), str):
        yield TextField(kind, part["text"], setter(part, "text"), group)
    for key in ("thinking", "refusal", "title", "context"):
        if isinstance(part.get(key), str):
            yield TextField(kind, part[key], setter(part, key))
            read.add(key)
    if "content" in part:
        yield from content_fields(part, "content", kind)
    if not isinstance(part.get("citations"), dict):  # a request's document block: settings, {"enabled": true}
        read.add("citations")
        for citation in dict_items(sequence_at(part, "citations", "a content block's citations") or []):
            if isinstance(citation, dict):
                for key in ("cited_text", "document_title", "title"):
                    if isinstance(citation.get(key), str):
                        yield TextField(kind, citation[key], setter(citation, key))
                yield from other_strings(citation, _NONE, kind, opaque=_CITATION_IDS)
    file = part.get("file")
    if isinstance(file, dict):  # chat "file"; Responses "input_file" has these keys on the part itself
        yield from _file_fields(file, kind, opaque=True)
        yield from other_strings(file, _media_type_key(file, "format"), kind, opaque=_FILE_IDS)
        read.add("file")
    yield from _file_fields(part, kind, opaque=part_type in _FILE_PARTS)
    read.update(key for key in ("file_data", "filename") if isinstance(part.get(key), str))
    file_id = part.get("file_id")
    if isinstance(file_id, str) and data_url_header(file_id) is not None:
        read.add("file_id")  # read as the file it is (above)
    image = part.get("image_url")  # a text file given where an image goes is still sent, and read, as text
    if isinstance(image, dict) and isinstance(image.get("url"), str) and part_type in _IMAGE_PARTS:
        yield from _data_url_fields(image, "url", kind, image.get("format"))
        yield from other_strings(image, _image_settings(image), kind)
        read.add("image_url")
    elif isinstance(image, str):
        yield from _data_url_fields(part, "image_url", kind, opaque=part_type in _IMAGE_PARTS)
        read.add("image_url")
    if part_type in _IMAGE_PARTS:
        read.update(_image_settings(part))
    elif _is_media_type(part.get("format")):
        read.add("format")
    audio = part.get("input_audio")
    if isinstance(audio, dict) and part_type in _AUDIO_PARTS:
        if isinstance(audio.get("transcript"), str):
            yield TextField(kind, audio["transcript"], setter(audio, "transcript"))
        yield from other_strings(audio, _NONE, kind, opaque=_AUDIO_IDS)
        read.add("input_audio")
    yield from _encoded_reasoning_fields(part, kind)
    for key in OPAQUE_BLOCK_KEYS:  # a thinking block's, or LiteLLM's encoding of thinking blocks (read above)
        value = part.get(key)
        if isinstance(value, str) and (part_type in _THINKING_PARTS or is_bridged_thinking(value)):
            read.add(key)
    source = part.get("source")
    if isinstance(source, dict) and part_type in _SOURCE_PARTS:
        yield from _source_fields(source, kind, document=part_type == "document")
        yield from other_strings(source, _source_keys_read(source, part_type), kind, opaque=_source_ids(source))
        read.add("source")
    yield from other_strings(part, frozenset(read), kind)


_NONE: frozenset[str] = frozenset()


def _is_media_type(value: Any) -> bool:
    return isinstance(value, str) and _MEDIA_TYPE.fullmatch(value) is not None


def _media_type_key(holder: dict[str, Any], key: str) -> frozenset[str]:
    """``{key}`` when ``holder[key]`` is a media type (a file's ``format``): a setting, not read; else nothing."""
    return frozenset({key}) if _is_media_type(holder.get(key)) else _NONE


def _is_one_of(value: Any, options: frozenset[Any]) -> bool:
    """``value in options`` for a value of any type: a dict or list (unhashable) is none of the options."""
    return isinstance(value, (str, bool)) and value in options


def _image_settings(image: dict[str, Any]) -> frozenset[str]:
    """An image's keys that hold no text: its URL (read above, when a ``data:`` URL of a text type), and its
    ``detail`` and ``format`` when they hold what the API takes there (``auto``, ``image/png``)."""
    keys = {"url"} if isinstance(image.get("url"), str) else set()
    if _is_one_of(image.get("detail"), _IMAGE_DETAILS):
        keys.add("detail")
    if _is_media_type(image.get("format")):
        keys.add("format")
    return frozenset(keys)


def _file_fields(holder: dict[str, Any], kind: str, *, opaque: bool) -> Iterator[TextField]:
    """A file's name, shown to the model with its text, and the file itself where it is given inline: as
    ``file_data`` or, where LiteLLM's bridges put one, a ``data:`` URL in ``file_id`` (any other id is opaque).
    ``opaque``: ``file_data`` that is no ``data:`` URL is a file's own data (base64) here; elsewhere it is text."""
    for key in ("file_data", "file_id"):
        if isinstance(holder.get(key), str):
            yield from _data_url_fields(holder, key, kind, holder.get("format"), opaque=opaque or key == "file_id")
    if isinstance(holder.get("filename"), str):
        yield TextField(kind, holder["filename"], setter(holder, "filename"))


def _source_fields(source: dict[str, Any], kind: str, *, document: bool) -> Iterator[TextField]:
    """An Anthropic block's ``source`` (a document's, an image's): the text file it gives inline, as base64 of a
    text media type or as a ``data:`` URL (LiteLLM sends either on as a text file), or a document's own text."""
    kind_of_source = source.get("type")
    media = source.get("media_type")
    # A document's base64 without a media type is taken for text, as LiteLLM does; an image's is a picture.
    if kind_of_source == "base64" and (document or media) and is_text_media(str(media or "")):
        if not isinstance(source.get("data"), str):
            raise UnreadablePayloadError("a base64 text file", "its 'data' is not a string")
        yield base64_text_field(source["data"], setter(source, "data"), kind)
    elif kind_of_source == "url" and isinstance(source.get("url"), str):
        yield from _data_url_fields(source, "url", kind)
    elif kind_of_source == "text":
        if not isinstance(source.get("data"), str):
            raise UnreadablePayloadError("an Anthropic text document", "its 'data' is not a string")
        yield TextField(kind, source["data"], setter(source, "data"))
    elif kind_of_source == "content":
        yield from content_fields(source, "content", kind)


def _data_url_fields(
    owner: dict[str, Any], name: str, kind: str, declared: Any = None, *, opaque: bool = True
) -> Iterator[TextField]:
    """A file given by URL (``declared``: the media type given beside it). ``opaque``: any other string is a
    location or data no model reads as text (an image's URL on an image part); else it is read as it is."""
    refuse_text_before_a_data_url(owner[name], kind)
    field = data_url_field(owner[name], setter(owner, name), kind, declared)
    if field is not None:
        yield field
    elif not opaque:
        yield TextField(kind, owner[name], setter(owner, name))


# A message's keys read below whatever they hold, and those that are a role, an id, or text read below when they
# hold a string: every other key of a message or content part is sent to the provider as given, so every string
# under it is read.
_MESSAGE_KEYS_READ = frozenset({"content", "tool_calls", "function_call", "thinking_blocks"})
_MESSAGE_IDS = frozenset({"role", "name", "reasoning_content", "refusal", "tool_call_id", "id"})
_TOOL_USE_PARTS = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
# The part types the APIs define (chat, Anthropic Messages, Responses input): any other type is read as a name.
KNOWN_PART_TYPES = frozenset(
    {
        "text", "image_url", "input_audio", "file", "video_url", "image", "document", "search_result", "tool_use",
        "tool_result", "thinking", "redacted_thinking", "server_tool_use", "web_search_tool_result",
        "web_fetch_tool_result", "code_execution_tool_result", "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result", "tool_search_tool_result", "mcp_tool_use", "mcp_tool_result",
        "container_upload", "input_text", "input_image", "input_file", "output_text", "refusal", "audio",
        "summary_text", "reasoning_text",
    }
)  # fmt: skip
_FILE_ID_PARTS = frozenset({"file", "input_file", "input_image", "container_upload", "image"})


def _ends(part_type: Any, suffix: str) -> bool:
    return isinstance(part_type, str) and part_type.endswith(suffix)


# Ids and signatures are opaque on the parts they belong to; on any other part they are text sent on as given.
_OPAQUE_ON: dict[str, Callable[[Any], bool]] = {
    "id": lambda part_type: _ends(part_type, "tool_use"),
    "tool_use_id": lambda part_type: _ends(part_type, "tool_result"),
    "file_id": lambda part_type: part_type in _FILE_ID_PARTS or _ends(part_type, "_output"),
    # A web search or fetch result's ciphertext (the API checks it), on the results that carry it.
    "encrypted_content": lambda part_type: _ends(part_type, "_result"),
}
# The parts a key belongs to, where it holds what no model reads as text (an image's URL, a file's base64).
_IMAGE_PARTS = frozenset({"image_url", "input_image", "image"})
_FILE_PARTS = frozenset({"file", "input_file", "document"})
_AUDIO_PARTS = frozenset({"input_audio", "audio"})
_SOURCE_PARTS = frozenset({"image", "document", "file", "input_file", "container_upload"})
_THINKING_PARTS = frozenset({"thinking", "redacted_thinking"})
_AUDIO_IDS = frozenset({"transcript", "data", "format"})
_IMAGE_DETAILS = frozenset({"auto", "low", "high", "original"})
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]*/[\w.+-]+")
# A citation's keys read above, or its location (numbers, a kind of location, an id the API gave), as strings.
_CITATION_IDS = frozenset({"cited_text", "document_title", "title", "type", "file_id", "encrypted_index"})
# A source's keys read by ``_source_fields``, or opaque as a string (an image's base64, a file id), by the
# source's type: a key of another type's (``data`` on a ``url`` source) is sent on as given, so read.
_TYPE_ONLY = frozenset({"type"})
_SOURCE_IDS = {
    "base64": frozenset({"type", "data"}),
    "url": frozenset({"type", "url"}),
    "text": frozenset({"type", "data"}),
    "file": frozenset({"type", "file_id"}),
}
# The media types the API takes for a source's data, by the block it is on: any other value is read.
_IMAGE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_DOCUMENT_MEDIA_TYPES = frozenset({"application/pdf", "text/plain"})
_MEDIA_TYPES_TAKEN = {"image": _IMAGE_MEDIA_TYPES, "document": _DOCUMENT_MEDIA_TYPES}
_ANY_MEDIA_TYPE_TAKEN = _IMAGE_MEDIA_TYPES | _DOCUMENT_MEDIA_TYPES


def _source_ids(source: dict[str, Any]) -> frozenset[str]:
    source_type = source.get("type")
    return _SOURCE_IDS.get(source_type, _TYPE_ONLY) if isinstance(source_type, str) else _TYPE_ONLY


def _source_keys_read(source: dict[str, Any], part_type: str | None) -> frozenset[str]:
    """A source's keys read whatever they hold: a ``content`` source's content (read above), and a base64 or
    text source's ``media_type`` when it is one the API takes for the block (``image/png`` on an image)."""
    source_type = source.get("type")
    if source_type == "content":
        return frozenset({"content"})
    taken = _MEDIA_TYPES_TAKEN.get(part_type or "", _ANY_MEDIA_TYPE_TAKEN)
    if source_type in ("base64", "text") and _is_one_of(source.get("media_type"), taken):
        return frozenset({"media_type"})
    return _NONE


# A chat ``file``'s keys read by ``_file_fields`` as strings (its media type, ``format``, is a setting when it
# is one): every other one (``file_url``) is sent on as given.
_FILE_IDS = frozenset({"file_data", "file_id", "filename"})


def _encoded_reasoning_fields(block: dict[str, Any], kind: str) -> Iterator[TextField]:
    """A thinking block's signature or redacted data that carries LiteLLM's encoding of thinking blocks."""
    for key in OPAQUE_BLOCK_KEYS:
        if key in block:
            yield from bridged_thinking_fields(block, key, kind)


def other_strings(
    owner: dict[str, Any], handled: frozenset[str], kind: str, *, opaque: frozenset[str] = frozenset()
) -> Iterator[TextField]:
    """Every string under the keys of ``owner`` not in ``handled``: fields a reader does not know that a
    provider receives all the same (``{"role": "user", "content": "hi", "note": "..."}``).

    ``opaque``: keys that hold an id, a role, a signature (or text the reader reads) when they hold a string or
    number. Any other value there (``"name": {"n": "..."}``) is no such thing, and is sent on as given: read like
    any other key's. A settings object the APIs define (``cache_control``) is read where it holds what they do
    not take."""
    for key in [key for key in owner if key not in handled]:
        value = owner[key]
        if key in opaque and not isinstance(value, (dict, list, tuple)):
            continue
        if isinstance(value, str):
            yield string_field(value, setter(owner, key), kind)
        elif isinstance(value, dict) and key in _SETTINGS:
            yield from _settings_fields(value, _SETTINGS[key], kind)
        else:
            yield from object_fields(owner, key, kind)


# Settings objects the APIs define, by key: each setting's name and the values the API takes there (a prompt
# cache's kind and lifetime, a document's citations switch). Those are settings, like an image's ``detail``.
_SETTINGS: dict[str, dict[str, frozenset[Any]]] = {
    "cache_control": {"type": frozenset({"ephemeral"}), "ttl": frozenset({"5m", "1h"})},
    "citations": {"enabled": frozenset({True, False})},
}


def _settings_fields(settings: dict[str, Any], taken: dict[str, frozenset[Any]], kind: str) -> Iterator[TextField]:
    """The strings of a settings object besides its settings: a value the API does not take for a setting, and
    any key it does not define, its name too (as in any object sent on as given). A setting's name is never
    read: a changed one is a setting the API does not know."""
    for key in list(settings):
        options = taken.get(key)
        if options is None or not _is_one_of(settings[key], options):
            yield from entry_fields(settings, key, kind, name=options is None)


def _check_part_shape(part: dict[str, Any], kind: str) -> None:
    """A part whose ``text`` is not a string, or an untyped part carrying strings: a provider may still send
    them on (LiteLLM forwards them as given), and we cannot tell which of its strings the model reads."""
    text = part.get("text")
    if text is not None and not isinstance(text, str):
        raise UnreadablePayloadError(f"a {kind} content part", f"its 'text' is {type(text).__name__}, not a string")
    if "type" not in part and any(isinstance(value, (str, dict, list)) for value in part.values()):
        raise UnreadablePayloadError(f"a {kind} content part", "it has no 'type'")
    part_type = part.get("type")
    if part_type is not None and not isinstance(part_type, str):
        raise UnreadablePayloadError(
            f"a {kind} content part", f"its 'type' is {type(part_type).__name__}, not a string"
        )


def tool_definition_fields(owner: dict[str, Any], name: str) -> Iterator[TextField]:
    """The tool definitions in ``owner[name]`` (OpenAI ``function`` and ``custom`` tools, Anthropic and Responses
    tools): their descriptions and the strings of their parameters' schemas; names are read, never changed."""
    for tool in dict_items(sequence_at(owner, name, "a request's tool definitions") or []):
        if not isinstance(tool, dict):
            continue
        for holder in (tool, tool.get("function"), tool.get("custom")):
            if not isinstance(holder, dict):
                continue
            for key in ("description", "server_description"):  # the latter: a Responses MCP server's
                if isinstance(holder.get(key), str):
                    yield TextField("tool_definition", holder[key], setter(holder, key))
            if isinstance(holder.get("name"), str):
                yield identifier_field("tool_definition", holder["name"], "tool name")
            for schema in ("parameters", "input_schema"):
                yield from schema_fields(holder, schema, "tool_definition")
            yield from _grammar_fields(holder.get("format"))
            if holder is not tool or _is_user_tool(tool):
                yield from other_strings(holder, _TOOL_KEYS_READ, "tool_definition", opaque=_TOOL_IDS)


def _grammar_fields(tool_format: Any) -> Iterator[TextField]:
    """A custom tool's grammar (``format: {type: grammar, ...}``, Responses; ``grammar: {definition}`` in chat): the
    model must write what it spells out, its literals included. Read, never changed: a changed grammar is another
    tool."""
    if not isinstance(tool_format, dict):
        return
    for holder in (tool_format, tool_format.get("grammar")):
        if isinstance(holder, dict) and isinstance(holder.get("definition"), str):
            yield identifier_field("tool_definition", holder["definition"], "custom tool grammar")


# Tools the caller defines (a function, a custom tool; Anthropic's carry no type): a provider sends their
# definition as it is, and a chat template shows all of it to the model (``input_examples``, a key of its own).
# A built-in tool's other keys are its settings (``search_context_size``, MCP server URLs): not read.
_USER_TOOL_TYPES = frozenset({"function", "custom"})
# A tool's keys read above whatever they hold, and those read above (or settings) when they hold a string or a
# flag: any other value under one is read as any other key's.
_TOOL_KEYS_READ = frozenset({"function", "custom", "parameters", "input_schema", "format"})
_TOOL_IDS = frozenset({"type", "name", "description", "server_description", "strict", "defer_loading"})


def _is_user_tool(tool: dict[str, Any]) -> bool:
    """A tool the caller defines; one whose type is no string is no built-in tool either: read as one."""
    tool_type = tool.get("type")
    return not isinstance(tool_type, str) or tool_type in _USER_TOOL_TYPES


def messages_of(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The request's messages as dicts, each with its ``content`` read (chat and Anthropic Messages alike)."""
    messages = sequence_at(data, "messages", "a request's messages")
    for message in dict_items(messages or []):
        if not isinstance(message, dict):
            raise UnreadablePayloadError(f"a message of type {type(message).__name__}")
        yield message


def request_fields(data: dict[str, Any]) -> Iterator[TextField]:
    for message in messages_of(data):
        yield from content_fields(message, "content", "message")
        for key in ("name", "reasoning_content", "refusal"):
            if isinstance(message.get(key), str):
                yield TextField("message", message[key], setter(message, key))
        yield from _tool_call_fields(message)
        if isinstance(message.get("function_call"), dict):
            yield from _arguments_fields(message["function_call"])
            yield from _names_in(message["function_call"], "tool_arguments")
            yield from other_strings(message["function_call"], _ARGUMENTS, "tool_arguments", opaque=_NAME)
        for block in dict_items(sequence_at(message, "thinking_blocks", "an assistant message's thinking") or []):
            if isinstance(block, dict) and isinstance(block.get("thinking"), str):
                yield TextField("message", block["thinking"], setter(block, "thinking"))
            if isinstance(block, dict):
                yield from other_strings(block, _NONE, "message", opaque=_THINKING_IDS)
                yield from _encoded_reasoning_fields(block, "message")
        yield from other_strings(message, _MESSAGE_KEYS_READ, "message", opaque=_MESSAGE_IDS)
    yield from content_fields(data, "system", "system")  # a system prompt given as a parameter (Anthropic's)
    yield from tool_definition_fields(data, "tools")
    yield from tool_definition_fields(data, "functions")
    prediction = data.get("prediction")
    if isinstance(prediction, dict):
        yield from content_fields(prediction, "content", "prediction")
    yield from response_format_fields(data)
    yield from tool_choice_fields(data)


def tool_choice_fields(data: dict[str, Any]) -> Iterator[TextField]:
    """The tool names a request's ``tool_choice`` (or the legacy ``function_call``) forces or allows, in any
    API's shape (``{"function": {"name": ...}}``, ``{"name": ...}``, ``allowed_tools``): read, never changed."""
    for key in ("tool_choice", "function_call"):
        yield from _names_in(data.get(key), "tool_choice")


def _names_in(value: Any, kind: str) -> Iterator[TextField]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "name" and isinstance(item, str):
                yield identifier_field(kind, item, "tool name")
            else:
                yield from _names_in(item, kind)
    elif isinstance(value, list):
        for item in value:
            yield from _names_in(item, kind)


def _tool_call_fields(message: dict[str, Any]) -> Iterator[TextField]:
    """Arguments of an assistant message's function tool calls (JSON) and input of its custom tool calls."""
    for call in dict_items(sequence_at(message, "tool_calls", "an assistant message's tool calls") or []):
        if not isinstance(call, dict):
            continue
        function = call.get("function")
        if isinstance(function, dict):
            yield from _arguments_fields(function)
            if isinstance(function.get("name"), str):
                yield identifier_field("tool_arguments", function["name"], "tool name")
            yield from other_strings(function, _ARGUMENTS, "tool_arguments", opaque=_NAME)
        custom = call.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("input"), str):
            yield TextField("tool_arguments", custom["input"], setter(custom, "input"))
        if isinstance(custom, dict):
            yield from other_strings(custom, _NONE, "tool_arguments", opaque=_CUSTOM_CALL_IDS)
        yield from other_strings(call, _CALL_KEYS_READ, "tool_arguments", opaque=_CALL_IDS)


# A tool call's, its function's and its custom input's keys read above, or opaque as strings (ids, a name, the
# text read above); like a message's, any other key is sent to the provider as given. A thinking block's
# signature and redacted data are opaque too.
_NAME = frozenset({"name"})
_ARGUMENTS = frozenset({"arguments"})
_CALL_KEYS_READ = frozenset({"function", "custom"})
_CALL_IDS = frozenset({"id", "type", "index"})
_CUSTOM_CALL_IDS = frozenset({"name", "input"})
_THINKING_IDS = frozenset({"type", "thinking", "signature", "data"})


def _arguments_fields(function: dict[str, Any]) -> Iterator[TextField]:
    """A tool call's ``arguments``: JSON text, or the object itself (LiteLLM passes one on as given)."""
    if isinstance(function.get("arguments"), (dict, list)):
        yield from object_fields(function, "arguments", "tool_arguments")
    else:
        yield from json_fields(function, "arguments", "tool_arguments")


def is_model_class(value: Any) -> bool:
    """A pydantic model class given for a structured-output schema (LiteLLM converts it to a JSON schema)."""
    return isinstance(value, type) and issubclass(value, BaseModel)


def response_format_fields(data: dict[str, Any]) -> Iterator[TextField]:
    """The prose of a structured-output schema (``response_format``), read like a tool's parameters.

    A pydantic model class is read through the JSON schema it stands for. It stays a class (each provider
    converts it its own way) unless an interceptor changes that prose: then the changed schema replaces it."""
    response_format = data.get("response_format")
    if is_model_class(response_format):
        converted = type_to_response_format_param(response_format)
        for field in schema_format_fields((converted or {}).get("json_schema"), "response_format"):
            yield TextField(field.kind, field.text, replacing(data, "response_format", converted, field.set))
        return
    if response_format is None:
        return
    if not isinstance(response_format, dict):
        raise UnreadablePayloadError("a response_format", f"it is {type(response_format).__name__}, not a dict")
    yield from schema_format_fields(response_format.get("json_schema"), "response_format")
    yield from schema_fields(response_format, "response_schema", "response_format")  # LiteLLM's Gemini-style schema


def replacing(data: dict[str, Any], name: str, value: Any, put: Callable[[str], None]) -> Callable[[str], None]:
    """A setter that changes ``value`` (through ``put``) and makes it ``data[name]``."""

    def replace(new: str) -> None:
        put(new)
        data[name] = value

    return replace


def schema_format_fields(holder: Any, kind: str) -> Iterator[TextField]:
    """A named structured-output format (chat ``json_schema``, Responses ``text.format``): its description
    and its schema's prose."""
    if not isinstance(holder, dict):
        return
    if isinstance(holder.get("description"), str):
        yield TextField(kind, holder["description"], setter(holder, "description"))
    if isinstance(holder.get("name"), str):
        yield identifier_field(kind, holder["name"], "structured-output format name")
    yield from schema_fields(holder, "schema", kind)


def _tool_call_parts(calls: Any) -> Iterator[tuple[int, Any, Any]]:
    """(tool call index, the object holding the text, its field): function arguments or custom tool input."""
    for position, call in enumerate(calls or ()):
        index = field_value(call, "index")
        index = index if isinstance(index, int) else position
        function = field_value(call, "function")
        if function is not None:
            yield index, function, "arguments"
        custom = field_value(call, "custom")
        if custom is not None:
            yield index, custom, "input"


_TEXT_CHANNELS: tuple[tuple[str, ChannelKind], ...] = (
    ("content", "text"),
    ("reasoning_content", "reasoning"),
    ("refusal", "refusal"),
)
_TEXT_CHANNELS_BESIDES_CONTENT = _TEXT_CHANNELS[1:]  # a whole reply's content may also be a list of parts


_NO_TEXT_PARTS = frozenset({"image_url", "input_audio", "audio", "file", "image"})
_PART_FIELDS: dict[str, tuple[str, ChannelKind]] = {
    "refusal": ("refusal", "refusal"),
    "thinking": ("thinking", "reasoning"),
}


def _rewrite_parts(parts: list[Any], book: ChannelBook, reply: int) -> None:
    """Content given as a list of parts (some custom providers): each text part is its own channel."""
    for index, part in enumerate(parts):
        if isinstance(part, str):
            parts[index] = book.apply("text", reply, ("part", index), part) if part else part
            continue
        part_type = field_value(part, "type")
        if part_type in _PART_FIELDS:
            field, kind = _PART_FIELDS[part_type]
        elif isinstance(field_value(part, "text"), str):
            field, kind = "text", "text"
        elif part_type in _NO_TEXT_PARTS:
            continue
        else:
            raise UnreadablePayloadError(f"a chat reply content part of type {part_type!r}")
        text = field_value(part, field)
        if isinstance(text, str) and text:
            new = book.apply(kind, reply, ("part", index), text)
            if new != text:
                set_field(part, field, new)


# The annotation types the API has: an annotation's ``type`` is not read when it is one of them.
_ANNOTATION_TYPES = frozenset({"url_citation"})


def _rewrite_annotations(annotations: Any, book: ChannelBook, reply: int, where: tuple[object, ...]) -> None:
    """Every string of a reply's annotations, each its own channel: a ``url_citation``'s title (text the reply
    shows next to its link), its URL, and any key a provider added."""
    if not isinstance(annotations, list):
        return
    for path, holder, key in list(string_leaves(annotations)):
        text = leaf_text(holder, key)
        if path[1:] == ("type",) and text in _ANNOTATION_TYPES:
            continue
        kind: ChannelKind = "citation" if path[1:] == ("url_citation", "title") else "provider_field"
        new = book.apply(kind, reply, (*where, *path), text)
        if new != text:
            put_leaf(holder, key, new)


def _transcript_changed() -> UnchangeableReplyError:
    return UnchangeableReplyError(
        "a chat reply with audio", "a transform changed its transcript, and the audio still says the original words"
    )


def _check_transcript(audio: Any, book: ChannelBook, reply: int) -> None:
    text = field_value(audio, "transcript") if audio is not None else None
    if isinstance(text, str) and text and book.apply("transcript", reply, ("audio",), text) != text:
        raise _transcript_changed()


def rewrite_response(response: ModelResponse, transform_for: TransformFor) -> ModelResponse:
    book = ChannelBook(transform_for)
    for choice in response.choices:
        message = getattr(choice, "message", None)
        if message is None:
            continue
        reply = choice.index
        values = field_values(message)  # one read: each absent field would cost a pydantic miss
        if _text_only_in_content(values):  # the usual reply: its other fields are not walked
            _rewrite_content(message, values.get("content"), book, reply)
        else:
            _rewrite_message(message, values, book, reply)
        if not _plain_choice(choice):
            _rewrite_choice(choice, book, reply)
    if others := _other_fields(response, _TOP_FIELDS_UNREAD):
        _rewrite_other_fields(response, others, book, 0)
    return response


def _rewrite_content(message: Any, content: Any, book: ChannelBook, reply: int) -> None:
    if isinstance(content, str):
        if content:
            out = book.apply("text", reply, (), content)
            if out != content:
                set_field(message, "content", out)
    elif isinstance(content, list):
        _rewrite_parts(content, book, reply)


def _rewrite_message(message: Any, values: dict[str, Any], book: ChannelBook, reply: int) -> None:
    """Every text field of a reply message (``values``: its fields)."""
    _rewrite_content(message, values.get("content"), book, reply)
    _rewrite_text_fields(message, values, reply, book.apply)
    if values.get("annotations"):
        _rewrite_annotations(values["annotations"], book, reply, ("annotation",))
    if values.get("audio") is not None:
        _check_transcript(values["audio"], book, reply)
    _rewrite_provider_fields(values.get(_PROVIDER_FIELDS), "message", book, reply)
    if others := _other_fields(values):
        _rewrite_other_fields(message, others, book, reply)


def _rewrite_text_fields(owner: Any, values: dict[str, Any], reply: int, rewrite: Callable[..., str]) -> None:
    """The text fields of a reply message or chunk delta besides its content and its extras (``values``: its
    fields; ``rewrite``: the book's ``apply`` for a whole reply, ``feed`` for a stream piece)."""
    for field, kind in _TEXT_CHANNELS_BESIDES_CONTENT:
        _rewrite_text(owner, field, values.get(field), rewrite, kind, reply, ())
    for block_index, block in enumerate(values.get("thinking_blocks") or ()):
        text = field_value(block, "thinking")
        _rewrite_text(block, "thinking", text, rewrite, "reasoning", reply, ("thinking", block_index))
    calls = values.get("tool_calls")
    for index, holder, name in _tool_call_parts(calls) if calls else ():
        _rewrite_text(holder, name, field_value(holder, name), rewrite, "tool_arguments", reply, ("tool", index))
    function_call = values.get("function_call")
    if function_call is not None:
        text = field_value(function_call, "arguments")
        _rewrite_text(function_call, "arguments", text, rewrite, "tool_arguments", reply, ("function",))


def _rewrite_text(
    owner: Any,
    field: str,
    text: Any,
    rewrite: Callable[..., str],
    kind: ChannelKind,
    reply: int,
    part: tuple[object, ...],
) -> None:
    if isinstance(text, str) and text:
        out = rewrite(kind, reply, part, text, json=kind == "tool_arguments")
        if out != text:
            set_field(owner, field, out)


def _rewrite_choice(choice: Any, book: ChannelBook, reply: int) -> None:
    """A choice's own fields besides its message: logprobs, provider fields, any other."""
    logprobs = optional_field(choice, "logprobs")
    if logprobs is not None and not LogprobsCheck(book).keep(reply, logprobs):
        choice.logprobs = None
    _rewrite_provider_fields(optional_field(choice, _PROVIDER_FIELDS), "choice", book, reply)
    if others := _other_fields(choice, _CHOICE_FIELDS_READ):
        _rewrite_other_fields(choice, others, book, reply)


def _plain_choice(choice: Any) -> bool:
    """A choice (or chunk choice) with nothing to read besides its message or delta: no logprobs, no provider
    or other fields. Only a pydantic object or a dict is read this way; anything else gets the full walk."""
    if not isinstance(choice, dict) and type(getattr(choice, "__dict__", None)) is not dict:
        return False
    values = field_values(choice)
    return values.keys() <= _PLAIN_CHOICE_FIELDS and values.get("logprobs") is None


def _text_only_in_content(values: dict[str, Any]) -> bool:
    """A reply message's or chunk delta's fields (``values``) hold text only in ``content``: no other field, or
    only empty ones. The field test runs in C."""
    return values.keys() <= _CONTENT_ONLY_FIELDS and not (
        values.get("tool_calls")
        or values.get("function_call")
        or values.get(_PROVIDER_FIELDS)
        or values.get("audio") is not None
    )


# The fields a reply message or chunk delta whose text is only in ``content`` may have (see above); a choice
# with only these (and no logprobs) has nothing to read besides its message or delta.
_CONTENT_ONLY_FIELDS = frozenset(
    {"content", "role", "tool_calls", "function_call", "provider_specific_fields", "audio"}
)
_PLAIN_CHOICE_FIELDS = frozenset({"index", "message", "delta", "finish_reason", "logprobs"})
# A reply message's or delta's fields read above, or with no text (``images`` are pictures): any other field
# (``reasoning_items``, whose summaries are reasoning text, or one a provider added) reaches the caller as it is.
_REPLY_FIELDS_READ = frozenset(
    {
        "content", "role", "tool_calls", "function_call", "reasoning_content", "refusal", "thinking_blocks",
        "annotations", "audio", "images", "provider_specific_fields",
    }
)  # fmt: skip


# A choice's fields read elsewhere, and a reply's (or chunk's) that hold no model text, or are documented as
# unread (``citations``: URLs). Any other (Perplexity's ``search_results``, a provider's own) is read.
_CHOICE_FIELDS_READ = frozenset({"index", "delta", "message", "finish_reason", "logprobs", "provider_specific_fields"})
_TOP_FIELDS_UNREAD = frozenset(
    {
        "id", "created", "model", "object", "system_fingerprint", "choices", "usage", "citations", "service_tier",
        "_response_ms", "_hidden_params", "_response_headers",
    }
)  # fmt: skip


def _other_fields(source: Any, known: frozenset[str] = _REPLY_FIELDS_READ) -> list[tuple[str, Any]]:
    """The fields of a reply message or delta (or choice, or reply: ``known``) not read elsewhere that hold
    text (strings, or containers); private ones (``_hidden_params``) never reach the caller. ``source``: the
    fields (a dict, as ``field_values`` gives them) or the object."""
    values = source if isinstance(source, dict) else getattr(source, "__dict__", None)
    # The usual case, decided in C without copying the fields: this runs for every reply and chunk.
    if (
        type(values) is dict
        and values.keys() <= known
        and (values is source or not (extra := getattr(source, "__pydantic_extra__", None)) or extra.keys() <= known)
    ):
        return []
    if values is not source:
        values = field_values(source)
    return [
        (key, value)
        for key, value in values.items()
        if isinstance(key, str)
        and key not in known
        and not key.startswith("_")
        and isinstance(value, (str, dict, list))
    ]


def _drop_field(owner: Any, key: str) -> None:
    """Take a field out of a message or delta (a declared one becomes None: LiteLLM leaves unset ones out)."""
    extra = getattr(owner, "__pydantic_extra__", None)
    if isinstance(owner, dict):
        owner.pop(key, None)
    elif isinstance(extra, dict) and key in extra and key not in type(owner).model_fields:
        del extra[key]
    else:
        setattr(owner, key, None)


def _field_texts(key: str, value: Any) -> tuple[dict[str, Any], list[TextField]]:
    """``value``'s strings (keys included), each settable in a holder ``{key: value}`` (in place for containers)."""
    holder = {key: value}
    if isinstance(value, str):
        return holder, [TextField("provider_field", value, setter(holder, key))]
    return holder, list(object_fields(holder, key, "provider_field"))


def _rewrite_other_fields(owner: Any, others: list[tuple[str, Any]], book: ChannelBook, reply: int) -> None:
    """Every string of ``others`` (``_other_fields`` of ``owner``: a message, choice or reply), rewritten in
    place like ``provider_specific_fields``; a field whose own name a transform would change goes."""
    place = type(owner).__name__
    for key, value in others:
        if book.apply("provider_field", reply, ("other", place, key, "name"), key) != key:
            _drop_field(owner, key)
            continue
        holder, fields = _field_texts(key, value)
        for index, field in enumerate(fields):
            out = book.apply("provider_field", reply, ("other", place, key, index), field.text)
            if out != field.text:
                field.set(out)
        if holder[key] is not value:
            set_field(owner, key, holder[key])


_PROVIDER_FIELDS = "provider_specific_fields"


def _provider_field_texts(fields: Any) -> list[TextField]:
    """The strings (keys included) of a ``provider_specific_fields`` value: what a provider sent that LiteLLM
    has no field for (``citations``...), and LiteLLM's raw copies of reasoning (``reasoning``,
    ``thinking_blocks``), which would otherwise show text a transform changed in ``reasoning_content``."""
    if not fields or not isinstance(fields, (dict, list)):
        return []
    return list(object_fields({_PROVIDER_FIELDS: fields}, _PROVIDER_FIELDS, "provider_field"))


def _rewrite_provider_fields(fields: Any, place: str, book: ChannelBook, reply: int) -> None:
    """``place``: the message's or the choice's fields, each its own channels."""
    for index, field in enumerate(_provider_field_texts(fields)):
        out = book.apply("provider_field", reply, (_PROVIDER_FIELDS, place, index), field.text)
        if out != field.text:
            field.set(out)


class ChatStream:
    """Rewrites ``ModelResponseStream`` chunks; a choice's held-back text comes out with its finish_reason
    (text arriving after it goes through the same transforms and comes out with the closing chunk)."""

    def __init__(self, transform_for: TransformFor) -> None:
        self._book = ChannelBook(transform_for)
        self._logprobs = LogprobsCheck(self._book)
        self._transcripts: dict[int, str] = {}  # reply -> the transcript streamed so far
        self._annotations = 0
        self._others = 0  # other delta fields seen, each checked as its own channel
        self._last: ModelResponseStream | None = None

    def rewrite(self, chunk: ModelResponseStream) -> list[Any]:
        self._last = chunk
        for choice in chunk.choices:
            reply = choice.index
            delta = choice.delta
            values = field_values(delta)
            if _text_only_in_content(values):  # the usual chunk: its other fields are not walked
                self._feed_content(delta, values.get("content"), reply)
            else:
                self._rewrite_delta(delta, values, reply)
            if not _plain_choice(choice):
                self._check_choice(choice, reply)
            if choice.finish_reason is not None:
                self._flush_choice(delta, reply)
        if others := _other_fields(chunk, _TOP_FIELDS_UNREAD):
            self._check_other_fields(chunk, others, 0)
        return [chunk]

    def _feed_content(self, delta: Any, content: Any, reply: int) -> None:
        if isinstance(content, str):
            if content:
                out = self._book.feed("text", reply, (), content)
                if out != content:
                    delta.content = out
        elif isinstance(content, list):
            raise UnreadablePayloadError("a chat stream chunk", "its delta content is a list of parts")

    def _rewrite_delta(self, delta: Any, values: dict[str, Any], reply: int) -> None:
        """Every text field of a chunk's delta (``values``: its fields)."""
        book = self._book
        self._feed_content(delta, values.get("content"), reply)
        _rewrite_text_fields(delta, values, reply, book.feed)
        if values.get("annotations"):
            self._annotations += 1
            _rewrite_annotations(values["annotations"], book, reply, ("annotation", self._annotations))
        audio = values.get("audio")
        piece = field_value(audio, "transcript") if audio is not None else None
        if isinstance(piece, str) and piece:
            self._transcripts[reply] = self._transcripts.get(reply, "") + piece
            book.feed("transcript", reply, ("audio",), piece)
            self._check_streamed_transcript(reply, final=False)
        self._check_provider_fields(delta, values.get(_PROVIDER_FIELDS), "delta", reply)
        if others := _other_fields(values):
            self._check_other_fields(delta, others, reply)

    def _check_choice(self, choice: Any, reply: int) -> None:
        """A chunk choice's own fields besides its delta: this chunk's logprobs, provider fields, any other."""
        logprobs = optional_field(choice, "logprobs")
        if logprobs is not None and not self._logprobs.keep_piece(reply, logprobs):
            choice.logprobs = None
        self._check_provider_fields(choice, optional_field(choice, _PROVIDER_FIELDS), "choice", reply)
        if others := _other_fields(choice, _CHOICE_FIELDS_READ):
            self._check_other_fields(choice, others, reply)

    def _check_other_fields(self, owner: Any, others: list[tuple[str, Any]], reply: int) -> None:
        """A delta's, choice's or chunk's other fields (``reasoning_items``, ``search_results``, a provider's
        own), each arriving whole in its chunk: every string checked on its own, and the field dropped from the
        chunk when the transform changes any."""
        for key, value in others:
            self._others += 1
            texts = [key, *(field.text for field in _field_texts(key, value)[1])]
            for index, text in enumerate(texts):
                if self._book.apply("provider_field", reply, ("other", self._others, index), text) != text:
                    _drop_field(owner, key)
                    break

    def _check_provider_fields(self, owner: Any, fields: Any, place: str, reply: int) -> None:
        """A chunk's ``provider_specific_fields`` arrive in pieces (a raw reasoning copy) that cannot be held
        back: each string goes through the transform of its place, and the chunk's fields are dropped when the
        transform holds back or changes any of it."""
        for index, field in enumerate(_provider_field_texts(fields)):
            if self._book.feed("provider_field", reply, (_PROVIDER_FIELDS, place, index), field.text) != field.text:
                set_field(owner, _PROVIDER_FIELDS, None)
                return

    def _check_streamed_transcript(self, reply: int, *, final: bool) -> None:
        """The transcript streams as the provider sent it (its audio cannot change): fail once the transform
        lets through anything else, or at the end anything but all of it."""
        heard = self._transcripts.get(reply)
        if heard is None:
            return
        if final:
            self._book.flush("transcript", reply, ("audio",))
        passed = self._book.received("transcript", reply, ("audio",))
        changed = passed != heard if final else not heard.startswith(passed)
        if changed:
            raise _transcript_changed()

    def _flush_choice(self, delta: Delta, reply: int) -> None:
        """A finishing choice carries every text its channels still held back."""
        self._check_streamed_transcript(reply, final=True)
        _add_tails(delta, self._book.pending(reply))

    def finish(self) -> list[Any]:
        """A closing chunk with what is still held back when the stream ended without a finish_reason (or
        what arrived after it)."""
        for reply in self._transcripts:
            self._check_streamed_transcript(reply, final=True)
        tails = self._book.pending()
        if not tails:
            return []
        last = self._last
        choices = []
        for reply in sorted({channel.reply for channel, _ in tails}):
            delta = Delta(role="assistant")
            _add_tails(delta, [(channel, tail) for channel, tail in tails if channel.reply == reply])
            choices.append(StreamingChoices(index=reply, delta=delta))
        return [
            ModelResponseStream(
                id=last.id if last is not None else None,
                model=last.model if last is not None else None,
                created=last.created if last is not None else None,
                choices=choices,
            )
        ]


def _add_tails(delta: Delta, tails: list[tuple[Channel, str]]) -> None:
    """Append held-back text to a delta: each tail to its own field, tool arguments to their own tool call."""
    tool_tails: dict[int, str] = {}
    for channel, tail in tails:
        if channel.kind == "text":
            delta.content = (delta.content or "") + tail
        elif channel.part[:1] == ("thinking",):
            blocks = list(getattr(delta, "thinking_blocks", None) or ())
            delta.thinking_blocks = [*blocks, {"type": "thinking", "thinking": tail}]
        elif channel.kind == "reasoning":
            # LiteLLM deletes an unset reasoning_content from a Delta: reading it then raises
            delta.reasoning_content = (getattr(delta, "reasoning_content", None) or "") + tail
        elif channel.kind == "refusal":
            setattr(delta, "refusal", (getattr(delta, "refusal", None) or "") + tail)  # noqa: B010
        elif channel.part[:1] == ("tool",):
            tool_tails[int(channel.part[1])] = tail  # type: ignore[call-overload]
        else:
            current = getattr(delta, "function_call", None)
            arguments = (field_value(current, "arguments") or "") if current is not None else ""
            delta.function_call = FunctionCall(arguments=arguments + tail, name=field_value(current, "name"))
    if not tool_tails:
        return
    calls = list(getattr(delta, "tool_calls", None) or ())
    for index, holder, name in _tool_call_parts(calls):
        if index in tool_tails:
            set_field(holder, name, (field_value(holder, name) or "") + tool_tails.pop(index))
    for index, tail in sorted(tool_tails.items()):
        calls.append(ChatCompletionDeltaToolCall(index=index, function=Function(arguments=tail)))
    delta.tool_calls = calls
