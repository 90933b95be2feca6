"""One entry for every payload family: which module reads a request, a response or a stream item."""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import litellm
import litellm.types.llms.openai as litellm_openai_types
import litellm.types.utils as litellm_types
from litellm.types.llms.openai import ResponsesAPIResponse
from litellm.types.utils import (
    EmbeddingResponse,
    ImageResponse,
    ModelResponse,
    ModelResponseStream,
    TextCompletionResponse,
)

from litellm_plugin.core.call_types import CallType, normalize_call_type
from litellm_plugin.core.errors import UNREADABLE_CALL_HINT, UnreadablePayloadError
from litellm_plugin.core.payloads import anthropic, chat, inputs, responses, text_completion
from litellm_plugin.core.payloads.base import (
    Channel,
    ChannelBook,
    TextField,
    TransformFor,
    field_value,
    set_field,
    setter,
)
from litellm_plugin.core.payloads.inline_files import string_field
from litellm_plugin.core.payloads.json_text import object_fields
from litellm_plugin.core.proxy_process import is_proxy_request
from litellm_plugin.core.text import TextTransform

__all__ = ["StreamRewriter", "payload_call_type", "request_fields", "response_texts", "rewrite_response"]


_REQUESTS: dict[CallType, Callable[[dict[str, Any]], Iterator[TextField]]] = {
    "completion": chat.request_fields,
    "text_completion": text_completion.request_fields,
    "responses": responses.request_fields,
    "anthropic_messages": anthropic.request_fields,
    "embedding": inputs.embedding_fields,
    "image_generation": inputs.image_fields,
}


def request_fields(call_type: object, data: dict[str, Any]) -> list[TextField]:
    """Every piece of text a request carries, each with a way to put it back changed (in ``data``).

    Raises :class:`UnreadablePayloadError` for a call type whose text this library cannot read."""
    normalized = normalize_call_type(call_type)
    if normalized is None:
        raw = getattr(call_type, "value", call_type)
        raise UnreadablePayloadError(
            f"a {raw!r} request", f"litellm-plugin does not know where its text is; {UNREADABLE_CALL_HINT}"
        )
    fields = list(_REQUESTS[normalized](data))
    if isinstance(data.get("prompt_variables"), dict):
        fields.extend(_prompt_variable_fields(data))
    if data.get("extra_body") is not None:
        fields.extend(_extra_body_fields(normalized, data))
    if normalized in _ENTRIES:
        fields.extend(_unknown_param_fields(normalized, data))
    fields.extend(_free_text_param_fields(normalized, data))
    fields.extend(_header_fields(data))
    fields.extend(_fallback_fields(normalized, data))
    return fields


# Router fallbacks a caller may list in the request; a dict entry is merged into the call's arguments when
# the Router falls back to it (``{"model": "b", "messages": [...]}`` is another conversation).
_FALLBACK_KEYS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")


def _fallback_fields(call_type: CallType, data: dict[str, Any]) -> Iterator[TextField]:
    """The text of each fallback given as a dict, read as a request of the same call type: the Router sends
    it to the fallback's model in place of the request's own fields. The caller's list stays as it was."""
    for key in _FALLBACK_KEYS:
        entries = data.get(key)
        if not isinstance(entries, (list, tuple)) or not any(isinstance(entry, dict) for entry in entries):
            continue
        data[key] = entries = copy.deepcopy(list(entries))
        for entry in entries:
            if isinstance(entry, dict):
                yield from request_fields(call_type, entry)


def _prompt_variable_fields(data: dict[str, Any]) -> Iterator[TextField]:
    """The values of ``prompt_variables``, which LiteLLM fills into a stored prompt template (``prompt_id``) the
    model reads: on some calls only inside the call, after every request hook. The caller's dict stays."""
    variables = data["prompt_variables"] = copy.deepcopy(data["prompt_variables"])
    for name in list(variables):
        if isinstance(variables[name], str):
            yield TextField("parameter", variables[name], setter(variables, name))
        else:
            yield from object_fields(variables, name, "parameter")


_HEADER_PARAMS = ("extra_headers", "headers")


def _header_fields(data: dict[str, Any]) -> Iterator[TextField]:
    """Request headers the caller chose (``extra_headers=``, ``headers=``; in the proxy also the client headers
    it forwards): LiteLLM sends them to the provider, which may read them. The caller's dict stays as it was."""
    for key in _HEADER_PARAMS:
        headers = data.get(key)
        if not isinstance(headers, dict) or not headers:
            continue
        headers = data[key] = dict(headers)
        for name in list(headers):
            if isinstance(headers[name], str):
                yield TextField("header", headers[name], setter(headers, name))


# Calls whose keyword arguments LiteLLM does not know go to the provider as they are, as fields of its request:
# the LiteLLM entry points whose parameters it does know.
_ENTRIES: dict[CallType, str] = {
    "completion": "completion",
    "text_completion": "text_completion",
    "responses": "responses",
    "embedding": "embedding",
    "image_generation": "image_generation",
}


@functools.cache
def _known_params(call_type: CallType) -> frozenset[str]:
    """Every parameter LiteLLM knows for this call (its entry point's, its own, OpenAI's): the rest it passes on.
    Read from the original entry point (a wrapper has the same signature, through ``__wrapped__``)."""
    names: set[str] = {"extra_body", "callbacks"}
    names.update(inspect.signature(getattr(litellm, _ENTRIES[call_type])).parameters)
    names.update(getattr(litellm_types, "all_litellm_params", ()))
    names.update(getattr(litellm, "OPENAI_CHAT_COMPLETION_PARAMS", ()))
    if call_type == "responses":  # the Responses API's own parameters, also those LiteLLM's signature lacks
        optional = getattr(litellm_openai_types, "ResponsesAPIOptionalRequestParams", None)
        names.update(getattr(optional, "__annotations__", ()))
    return frozenset(names)


def _unknown_param_fields(call_type: CallType, data: dict[str, Any]) -> Iterator[TextField]:
    """Keyword arguments LiteLLM does not know (``documents=``, ``chat_template=``...): it sends them to the
    provider as request fields, which OpenAI-compatible servers may read. Every string in them is read, like
    the unknown keys of ``extra_body``."""
    known = _known_params(call_type)
    skipped = _READ_KEYS[call_type].union(_FALLBACK_KEYS, ("prompt_variables",))
    yield from _param_fields(data, [key for key in _sent_keys(data) if key not in known and key not in skipped])


# Parameters LiteLLM knows whose strings it sends to the provider as the caller wrote them: stop sequences, the
# end user's id, a cache key, a search location. The provider stores or reads them like the rest of the text.
_FREE_TEXT_PARAMS: dict[CallType, frozenset[str]] = {
    "completion": frozenset({"stop", "user", "safety_identifier", "prompt_cache_key", "web_search_options"}),
    "text_completion": frozenset({"stop", "user"}),
    "responses": frozenset({"user", "safety_identifier", "prompt_cache_key"}),
    "anthropic_messages": frozenset({"stop_sequences"}),
    "embedding": frozenset({"user"}),
    "image_generation": frozenset({"user"}),
}


def _free_text_param_fields(call_type: CallType, data: dict[str, Any]) -> Iterator[TextField]:
    wanted = _FREE_TEXT_PARAMS[call_type]
    sent = _sent_keys(data)
    yield from _param_fields(data, [key for key in sent if key in wanted and data[key] is not None])
    if call_type == "anthropic_messages" and "metadata" in sent:
        yield from _end_user_id_field(data)


def _end_user_id_field(data: dict[str, Any]) -> Iterator[TextField]:
    """Anthropic's ``metadata.user_id``: the end user's id, sent to the provider as written (chat's ``user``).
    Only that key: the rest of ``metadata`` is LiteLLM's and the proxy's own (tags, keys, spend)."""
    metadata = data["metadata"]
    if not isinstance(metadata, dict) or not isinstance(metadata.get("user_id"), str):
        return

    def put(new: str) -> None:
        data["metadata"] = {**metadata, "user_id": new}  # a copy: the caller's dict stays as it is

    yield string_field(metadata["user_id"], put, "parameter")


def _param_fields(data: dict[str, Any], keys: list[Any]) -> Iterator[TextField]:
    """Every string in ``data[key]`` for each of ``keys``; a dict or list is copied first (the caller's stays)."""
    for key in keys:
        value = data[key]
        if isinstance(value, str):
            yield string_field(value, setter(data, key), "parameter")
        elif isinstance(value, (dict, list, tuple)):
            data[key] = copy.deepcopy(list(value) if isinstance(value, tuple) else value)
            yield from object_fields(data, key, "parameter")


def _sent_keys(data: dict[str, Any]) -> list[Any]:
    """The keys of ``data`` its caller chose. In the proxy, ``data`` also holds what the proxy added (keys,
    spend, headers): only the fields of the client's body count, and the proxy passes each on as it came."""
    if not is_proxy_request(data):
        return list(data)
    body = data["proxy_server_request"].get("body") if isinstance(data["proxy_server_request"], dict) else None
    return [key for key in body if key in data] if isinstance(body, dict) else []


# The keys each request reader reads; in ``extra_body`` every other key's strings are read as they come.
_READ_KEYS: dict[CallType, frozenset[str]] = {
    "completion": frozenset({"messages", "system", "tools", "functions", "prediction", "response_format"}),
    "text_completion": frozenset({"prompt", "suffix"}),
    "responses": frozenset({"instructions", "input", "tools", "text", "text_format", "prompt"}),
    "anthropic_messages": frozenset({"messages", "system", "tools"}),
    "embedding": frozenset({"input"}),
    "image_generation": frozenset({"prompt"}),
}


def _extra_body_fields(call_type: CallType, data: dict[str, Any]) -> Iterator[TextField]:
    """``extra_body``, which LiteLLM merges into the provider's request body as it is: its keys replace the
    request's own (``extra_body={"messages": [...]}`` is the conversation the model reads). Read with the call
    type's reader, and every string under any other key, since only the provider knows what it reads there."""
    extra = data["extra_body"]
    if not isinstance(extra, dict):
        raise UnreadablePayloadError("a request's extra_body", f"it is {type(extra).__name__}, not a dict")
    yield from _REQUESTS[call_type](extra)
    for key in list(extra):
        if key in _READ_KEYS[call_type]:
            continue
        if isinstance(extra[key], str):
            yield TextField("extra_body", extra[key], setter(extra, key))
        else:
            yield from object_fields(extra, key, "extra_body")
        if isinstance(key, str):  # a field name is text the provider reads too
            yield TextField("extra_body", key, _renamer(extra, key))


def _renamer(owner: dict[str, Any], key: str) -> Callable[[str], None]:
    def rename(new: str) -> None:
        owner[new] = owner.pop(key)

    return rename


def payload_call_type(payload: Any) -> CallType | None:
    """The call type a response or stream item belongs to; None for a shape we do not know."""
    if isinstance(payload, (ModelResponse, ModelResponseStream)):
        return "completion"
    if isinstance(payload, TextCompletionResponse):
        return "text_completion"
    if isinstance(payload, ResponsesAPIResponse) or responses.is_responses_event(payload):
        return "responses"
    if anthropic.is_anthropic_message(payload) or isinstance(payload, (bytes, bytearray)):
        return "anthropic_messages"
    if isinstance(payload, dict) and isinstance(payload.get("type"), str):
        return "anthropic_messages"  # a stream event given as a dict
    if isinstance(payload, EmbeddingResponse):
        return "embedding"
    if isinstance(payload, ImageResponse):
        return "image_generation"
    return None


def rewrite_response(response: Any, transform_for: TransformFor) -> Any:
    """Rewrite every text channel of a non-stream response in place (and return it)."""
    if isinstance(response, ModelResponse):
        return chat.rewrite_response(response, transform_for)
    if isinstance(response, TextCompletionResponse):
        return text_completion.rewrite_response(response, transform_for)
    if isinstance(response, ResponsesAPIResponse):
        return responses.rewrite_response(response, transform_for)
    if anthropic.is_anthropic_message(response):
        return anthropic.rewrite_response(response, transform_for)
    if isinstance(response, ImageResponse):
        return _rewrite_images(response, transform_for)
    if isinstance(response, EmbeddingResponse):
        return response  # no text in this reply
    raise UnreadablePayloadError(f"a response of type {type(response).__name__}")


def _rewrite_images(response: ImageResponse, transform_for: TransformFor) -> ImageResponse:
    """Each image's ``revised_prompt`` (the prompt the model actually drew, shown to the caller)."""
    book = ChannelBook(transform_for)
    for index, image in enumerate(response.data or ()):
        text = field_value(image, "revised_prompt")
        if isinstance(text, str) and text:
            new = book.apply("revised_prompt", index, (), text)
            if new != text:
                set_field(image, "revised_prompt", new)
    return response


class _Capture(TextTransform):
    def __init__(self, channel: Channel, found: list[tuple[Channel, str]]) -> None:
        self._channel = channel
        self._found = found

    def apply(self, text: str) -> str:
        self._found.append((self._channel, text))
        return text


def response_texts(response: Any) -> list[tuple[Channel, str]]:
    """Every text channel of a non-stream response, read only (for loggers); [] for shapes without text.
    Logprobs only repeat the reply's text token by token: left out."""
    found: list[tuple[Channel, str]] = []
    try:
        rewrite_response(response, lambda channel: None if channel.kind == "logprobs" else _Capture(channel, found))
    except UnreadablePayloadError:
        return []
    return found


class StreamRewriter:
    """Rewrites one stream of any family, item by item; ``finish`` gives what was still held back."""

    def __init__(self, transform_for: TransformFor) -> None:
        self._transform_for = transform_for
        self._family: Any = None

    def _family_for(self, item: Any) -> Any:
        if isinstance(item, ModelResponseStream):
            return chat.ChatStream(self._transform_for)
        if isinstance(item, TextCompletionResponse):
            return text_completion.TextCompletionStream(self._transform_for)
        if responses.is_responses_event(item):
            return responses.ResponsesStream(self._transform_for)
        if isinstance(item, (bytes, bytearray, str, dict)):
            return anthropic.AnthropicStream(self._transform_for)
        raise UnreadablePayloadError(f"a stream item of type {type(item).__name__}")

    def rewrite(self, item: Any) -> list[Any]:
        if self._family is None:
            self._family = self._family_for(item)
        return list(self._family.rewrite(item))

    def finish(self) -> list[Any]:
        return [] if self._family is None else list(self._family.finish())
