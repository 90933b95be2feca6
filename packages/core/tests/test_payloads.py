"""Where text lives in each payload family, and what happens with a shape nobody knows: it fails closed."""

from __future__ import annotations

import json
from typing import Any

import litellm
import pytest
from litellm.proxy._types import UserAPIKeyAuth
from litellm.types.utils import ModelResponse

from litellm_plugin.core import InterceptorError, TextTransform
from litellm_plugin.core.errors import UnchangeableRequestError, UnreadablePayloadError
from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.payloads import (
    Channel,
    StreamRewriter,
    map_json_strings,
    request_fields,
    response_texts,
    rewrite_response,
)

KEY = UserAPIKeyAuth()


class Upper(TextTransform):
    def transform(self, text: str) -> str:
        return text.upper()


def upper_all(channel: Channel) -> TextTransform:
    return Upper()


def _texts(call_type: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(field.kind, field.text) for field in request_fields(call_type, data)]


def test_chat_request_every_text_field() -> None:
    data: dict[str, Any] = {
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "name": "alice", "content": [{"type": "text", "text": "part"}, {"type": "image_url"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": '{"a": "arg", "n": 1}'}}],
            },
            {"role": "tool", "tool_call_id": "1", "content": "result"},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "f",
                    "description": "desc",
                    "parameters": {"type": "object", "properties": {"a": {"type": "string", "description": "pd"}}},
                },
            }
        ],
    }
    texts = {text for _, text in _texts("acompletion", data)}
    assert {"sys", "alice", "part", "arg", "result", "desc", "pd"} <= texts
    for field in request_fields("completion", data):
        field.set(field.text.upper() if field.text in {"arg", "pd", "alice"} else field.text)
    assert json.loads(data["messages"][2]["tool_calls"][0]["function"]["arguments"]) == {"a": "ARG", "n": 1}
    assert data["messages"][1]["name"] == "ALICE"
    assert data["tools"][0]["function"]["parameters"]["properties"]["a"]["description"] == "PD"


def test_tool_schemas_keep_their_structure() -> None:
    """A tool's schema: its prose can be changed; its names (tool, properties, enum values, required) and its
    structure values (a format, a pattern) are read but refuse a change; JSON's own types are not text."""
    parameters = {
        "type": "object",
        "title": "t",
        "properties": {"city": {"type": "string", "format": "x", "enum": ["paris"], "description": "the city"}},
        "required": ["city"],
    }
    data: dict[str, Any] = {"tools": [{"type": "function", "function": {"name": "f", "parameters": parameters}}]}
    fields = request_fields("completion", data)
    assert sorted(field.text for field in fields if not field.identifier) == ["t", "the city"]
    assert sorted((field.identifier, field.text) for field in fields if field.identifier) == [
        ("schema enum value", "paris"),
        ("schema format", "x"),
        ("schema property name", "city"),
        ("schema property name", "city"),
        ("tool name", "f"),
    ]
    for field in fields:
        if field.identifier:
            field.set(field.text)  # the same text back: no change, no error
            with pytest.raises(UnchangeableRequestError, match=field.identifier):
                field.set(field.text.upper())
        else:
            field.set(field.text.upper())
    changed = data["tools"][0]["function"]["parameters"]
    assert changed["properties"] == {
        "city": {"type": "string", "format": "x", "enum": ["paris"], "description": "THE CITY"}
    }
    assert changed["required"] == ["city"]
    assert data["tools"][0]["function"]["name"] == "f"


def test_unknown_schema_keywords_are_prose() -> None:
    """A string under a keyword that says nothing about structure (``$comment``, a provider's ``x-...``) reaches
    the model like a description; a ``$ref`` within the schema points to names read where they are."""
    parameters = {"type": "object", "$comment": "c", "x-hint": "h", "$ref": "#/$defs/d", "$defs": {"d": {}}}
    data: dict[str, Any] = {"tools": [{"type": "function", "function": {"name": "f", "parameters": parameters}}]}
    assert {(f.identifier, f.text) for f in request_fields("completion", data)} == {
        ("", "c"),
        ("", "h"),
        ("schema keyword", "x-hint"),  # its name is read in the schema too
        ("schema property name", "d"),
        ("tool name", "f"),
    }


def test_schema_strings_in_lists_and_where_a_schema_belongs_are_read() -> None:
    """A provider sends a schema as it is: a string inside a list (``"x-notes": ["..."]``, ``"anyOf": ["..."]``),
    a property or ``parameters`` given as a string, and the keys of a keyword we do not know reach the model."""
    parameters = {
        "type": ["object", "null"],  # structure: not read
        "x-notes": ["n1", {"k1": "v1"}],
        "anyOf": ["a1"],
        "properties": {"p": "s1"},
        "description": ["d1"],
    }
    data: dict[str, Any] = {
        "tools": [
            {"type": "function", "function": {"name": "f", "parameters": parameters}},
            {"type": "function", "function": {"name": "g", "parameters": "whole"}},
        ]
    }
    fields = request_fields("completion", data)
    assert {(f.identifier, f.text) for f in fields} == {
        ("", "n1"),
        ("schema keyword", "k1"),
        ("", "v1"),
        ("schema keyword", "x-notes"),
        ("", "a1"),
        ("schema property name", "p"),
        ("", "s1"),
        ("", "d1"),
        ("tool name", "f"),
        ("tool name", "g"),
        ("", "whole"),
    }
    for field in fields:
        if not field.identifier:
            field.set(field.text.upper())
    assert parameters == {
        "type": ["object", "null"],
        "x-notes": ["N1", {"k1": "V1"}],
        "anyOf": ["A1"],
        "properties": {"p": "S1"},
        "description": ["D1"],
    }
    assert data["tools"][1]["function"]["parameters"] == "WHOLE"


_NAMED: list[tuple[str, dict[str, Any], str]] = [
    ("completion", {"tool_choice": {"type": "function", "function": {"name": "n1"}}}, "tool name"),
    ("completion", {"function_call": {"name": "n1"}}, "tool name"),
    (
        "completion",
        {
            "messages": [
                {"role": "assistant", "tool_calls": [{"id": "1", "function": {"name": "n1", "arguments": "{}"}}]}
            ]
        },
        "tool name",
    ),
    (
        "completion",
        {"messages": [{"role": "assistant", "function_call": {"name": "n1", "arguments": "{}"}}]},
        "tool name",
    ),
    (
        "completion",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "n1", "schema": {}}}},
        "structured-output format name",
    ),
    (
        "completion",
        {"response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {"const": "n1"}}}},
        "schema const value",
    ),
    ("anthropic_messages", {"tool_choice": {"type": "tool", "name": "n1"}}, "tool name"),
    (
        "anthropic_messages",
        {"messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "1", "name": "n1", "input": {}}]}]},
        "tool name",
    ),
    ("anthropic_messages", {"tools": [{"name": "n1", "input_schema": {"type": "object"}}]}, "tool name"),
    (
        "responses",
        {"tool_choice": {"type": "allowed_tools", "mode": "auto", "tools": [{"type": "function", "name": "n1"}]}},
        "tool name",
    ),
    ("responses", {"input": [{"type": "function_call", "call_id": "1", "name": "n1", "arguments": "{}"}]}, "tool name"),
    (
        "responses",
        {"text": {"format": {"type": "json_schema", "name": "n1", "schema": {}}}},
        "structured-output format name",
    ),
    ("responses", {"tools": [{"type": "function", "name": "n1", "parameters": {}}]}, "tool name"),
]


@pytest.mark.parametrize(("call_type", "data", "what"), _NAMED)
def test_names_are_read_and_refuse_a_change(call_type: str, data: dict[str, Any], what: str) -> None:
    """Every name a request sends the model, in each API's shape: read (a filter sees it), never changed."""
    before = json.dumps(data)
    named = [field for field in request_fields(call_type, data) if field.text == "n1"]
    assert [field.identifier for field in named] == [what]
    with pytest.raises(UnchangeableRequestError):
        named[0].set("changed")
    assert json.dumps(data) == before


def test_plain_tool_choice_keywords_are_not_names() -> None:
    assert request_fields("completion", {"tool_choice": "required", "function_call": "auto"}) == []


def test_responses_anthropic_text_completion_and_inputs_requests() -> None:
    responses = {
        "instructions": "inst",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "in"}]},
            {"type": "function_call", "arguments": '{"q": "fc"}'},
            {"type": "function_call_output", "output": "out"},
        ],
    }
    assert {"inst", "in", "fc", "out"} <= {t for _, t in _texts("aresponses", responses)}
    anthropic = {
        "system": [{"type": "text", "text": "sys"}],
        "messages": [
            {"role": "assistant", "content": [{"type": "tool_use", "input": {"q": "tu"}}]},
            {"role": "user", "content": [{"type": "tool_result", "content": [{"type": "text", "text": "tr"}]}]},
        ],
        "tools": [{"name": "t", "description": "td", "input_schema": {"type": "object"}}],
    }
    assert {"sys", "tu", "tr", "td"} <= {t for _, t in _texts("anthropic_messages", anthropic)}
    assert _texts("text_completion", {"prompt": ["a", "b"]}) == [("prompt", "a"), ("prompt", "b")]
    assert _texts("embedding", {"input": "e"}) == [("input", "e")]
    assert _texts("image_generation", {"prompt": "p"}) == [("prompt", "p")]


@pytest.mark.parametrize(
    ("call_type", "data"),
    [
        ("text_completion", {"prompt": [1, 2, 3]}),  # token ids: text we cannot read
        ("embedding", {"input": [[1, 2]]}),
        ("arerank", {"query": "q"}),  # a call type this library does not know
    ],
)
def test_unreadable_requests_raise(call_type: str, data: dict[str, Any]) -> None:
    with pytest.raises(UnreadablePayloadError):
        request_fields(call_type, data)


def test_a_request_refused_as_unreadable_is_a_client_error() -> None:
    """HTTP 400 in the proxy, which clients do not resend (the openai SDK resends a 500 twice, each attempt
    refused and logged again); a reply that cannot be read is the server's failure: 500."""
    unreadable = UnreadablePayloadError("an 'embedding' request", "token ids")
    assert InterceptorError("f", "async_pre_call_hook", unreadable).status_code == 400
    assert InterceptorError("f", "async_moderation_hook", UnchangeableRequestError("tool name")).status_code == 400
    refused_before = UnreadablePayloadError.for_reply_of("arerank")
    assert InterceptorError("f", "async_post_call_success_hook", refused_before).status_code == 400
    assert InterceptorError("f", "async_post_call_success_hook", UnreadablePayloadError("a reply")).status_code == 500
    assert InterceptorError("f", "async_pre_call_hook", KeyError("x")).status_code == 500


def test_json_strings_are_rewritten_and_stay_valid_json() -> None:
    # keys too: a key can carry text as well as a value
    assert map_json_strings('{"a": "x\\u0073y", "b": [1, "z"]}', str.upper) == '{"A": "XSY", "B": [1, "Z"]}'
    unchanged = '{ "a" : 1 }'
    assert map_json_strings(unchanged, lambda text: text) is unchanged  # byte for byte
    assert map_json_strings("not json", str.upper) == "NOT JSON"


def test_json_rewritten_keeps_its_numbers_and_spacing_as_written() -> None:
    """Only the strings change: ``1e999`` written out again by ``json.dumps`` is ``Infinity`` (not JSON), and
    long or precise numbers lose digits."""
    text = '{"n": 1e999, "m":-1E400,\n "big": 12345678901234567890.5, "p": 0.10000000000000000555, "q":"x"}'
    assert map_json_strings(text, str.upper) == (
        '{"N": 1e999, "M":-1E400,\n "BIG": 12345678901234567890.5, "P": 0.10000000000000000555, "Q":"X"}'
    )
    assert map_json_strings(r'["a\"b", "c\\", 1e5]', str.upper) == r'["A\"B", "C\\", 1e5]'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r'{"q": "\ud800 spam", "n": 1}', r'{"q": "\ud800 ***", "n": 1}'),  # valid JSON
        (r'{"q": "\ud800 spam",}', r'{"q": "\ud800 ***",}'),  # almost JSON
    ],
)
def test_a_lone_surrogate_escape_stays_an_escape_when_its_string_is_rewritten(text: str, expected: str) -> None:
    """As a character it cannot be encoded as UTF-8: the reply could not be sent (LiteLLM's own logging fails)."""
    rewritten = map_json_strings(text, lambda value: value.replace("spam", "***"))
    assert rewritten == expected
    rewritten.encode("utf-8")


def test_response_texts_reads_every_format() -> None:
    response = litellm.completion(model="openai/gpt-x", messages=[{"role": "user", "content": "x"}], mock_response="hi")
    assert [(c.kind, t) for c, t in response_texts(response)] == [("text", "hi")]
    message = {"type": "message", "content": [{"type": "thinking", "thinking": "t"}, {"type": "text", "text": "a"}]}
    assert [(c.kind, c.first_text, t) for c, t in response_texts(message)] == [
        ("reasoning", False, "t"),
        ("text", True, "a"),
    ]


def test_unknown_response_and_stream_shapes_fail_closed() -> None:
    with pytest.raises(UnreadablePayloadError, match="object"):
        rewrite_response(object(), upper_all)
    with pytest.raises(UnreadablePayloadError, match="mystery"):
        rewrite_response({"type": "message", "content": [{"type": "mystery", "text": "x"}]}, upper_all)
    rewriter = StreamRewriter(upper_all)
    with pytest.raises(UnreadablePayloadError, match="some_new_delta"):
        rewriter.rewrite({"type": "content_block_delta", "index": 0, "delta": {"type": "some_new_delta", "x": "y"}})
    with pytest.raises(UnreadablePayloadError):
        StreamRewriter(upper_all).rewrite(42)


class Shouter(BaseCustomLogger):
    """Claims every call type, so it must face shapes it does not know."""

    call_types = frozenset(
        {"completion", "embedding", "image_generation", "text_completion", "responses", "anthropic_messages"}
    )

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return Upper()


async def test_interceptor_meeting_an_unknown_shape_names_itself_and_the_shape() -> None:
    hook = Shouter().async_post_call_success_hook
    with pytest.raises(InterceptorError, match=r"Shouter.*cannot read the text of a response of type Mystery"):
        await hook(data={}, user_api_key_dict=KEY, response=type("Mystery", (), {})())
    lenient = Shouter(fail_open=True)
    assert await lenient.async_post_call_success_hook(data={}, user_api_key_dict=KEY, response=object()) is None
    reply = ModelResponse()
    reply.choices[0].message.content = "ok"
    await lenient.async_post_call_success_hook(data={}, user_api_key_dict=KEY, response=reply)
    assert reply.choices[0].message.content == "OK"


def test_message_objects_are_read_like_dicts() -> None:
    """A ``litellm.Message`` in the history is read (and changed) like a dict: no way around the filter."""
    data: dict[str, Any] = {"messages": [litellm.Message(role="assistant", content="old secret"), {"role": "user"}]}
    fields = request_fields("completion", data)
    assert [field.text for field in fields] == ["old secret"]
    fields[0].set("old [x]")
    assert data["messages"][0]["content"] == "old [x]"
