"""Tool calling on /v1/chat/completions, through the real ``openai`` client and through LiteLLM's ``mock_api/``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import litellm
import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from litellm_plugin.providers.mock_api import MockAPIProvider

WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 2},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
                "where": {
                    "type": "object",
                    "properties": {"lat": {"type": "number"}, "tags": {"type": "array", "items": {"type": "string"}}},
                    "required": ["lat", "tags"],
                },
            },
            "required": ["city", "unit", "days", "where"],
            "additionalProperties": False,
        },
    },
}
TIME: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]},
    },
}
SCHEMAS = {tool["function"]["name"]: tool["function"]["parameters"] for tool in (WEATHER, TIME)}
Strict = Callable[[type[Any], object], Any]


def ask(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


def raw_chat(client: openai.OpenAI, **body: Any) -> dict[str, Any]:
    """The JSON body exactly as the server sent it (for strict validation against the SDK's types)."""
    response = client.chat.completions.with_raw_response.create(**body)
    result: dict[str, Any] = json.loads(response.http_response.content)
    return result


def check_calls(calls: list[Any]) -> list[str]:
    """Each call's arguments are JSON valid against its tool's schema; returns the called names."""
    for call in calls:
        jsonschema.validate(json.loads(call.function.arguments), SCHEMAS[call.function.name])
        assert call.id.startswith("call_")
    return [call.function.name for call in calls]


def test_required_calls_a_tool_with_valid_arguments(openai_client: Any, assert_strict: Strict) -> None:
    body = {"model": "gpt-mock", "messages": ask("Hello"), "tools": [WEATHER, TIME], "tool_choice": "required"}
    completion = assert_strict(ChatCompletion, raw_chat(openai_client, **body))
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert check_calls(choice.message.tool_calls) == ["get_weather"]  # nothing named: the first tool
    again = openai_client.chat.completions.create(**body)
    assert again.choices[0].message.tool_calls == choice.message.tool_calls, "deterministic"


def test_named_function_is_called(openai_client: Any) -> None:
    completion = openai_client.chat.completions.create(
        model="gpt-mock",
        messages=ask("What is the weather?"),
        tools=[WEATHER, TIME],
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    assert check_calls(completion.choices[0].message.tool_calls or []) == ["get_time"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please call get_weather for Paris", ["get_weather"]),
        ("get weather, then get_time", ["get_weather", "get_time"]),
        ("GET_TIME first and get_weather after", ["get_time", "get_weather"]),
        ("Use a tool, please", ["get_weather"]),
        ("Just chat with me", []),
        ("get_weathers is no name here, nor is forget_time", []),
    ],
)
def test_auto_calls_the_tools_the_user_names(openai_client: Any, text: str, expected: list[str]) -> None:
    completion = openai_client.chat.completions.create(model="gpt-mock", messages=ask(text), tools=[WEATHER, TIME])
    choice = completion.choices[0]
    assert check_calls(choice.message.tool_calls or []) == expected
    assert choice.finish_reason == ("tool_calls" if expected else "stop")
    if not expected:
        assert (choice.message.content or "").startswith("Mock reply to")


def test_parallel_tool_calls_false_gives_one_call(openai_client: Any) -> None:
    completion = openai_client.chat.completions.create(
        model="gpt-mock",
        messages=ask("get_weather and get_time"),
        tools=[WEATHER, TIME],
        parallel_tool_calls=False,
    )
    assert check_calls(completion.choices[0].message.tool_calls or []) == ["get_weather"]


def test_none_never_calls(openai_client: Any) -> None:
    completion = openai_client.chat.completions.create(
        model="gpt-mock", messages=ask("call get_weather"), tools=[WEATHER], tool_choice="none"
    )
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].finish_reason == "stop"


def test_tool_result_gets_a_text_reply_that_uses_it(openai_client: Any) -> None:
    first = openai_client.chat.completions.create(
        model="gpt-mock", messages=ask("get_weather in Paris"), tools=[WEATHER]
    )
    call = (first.choices[0].message.tool_calls or [])[0]
    history = [
        *ask("get_weather in Paris"),
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 24 degrees"},
    ]
    final = openai_client.chat.completions.create(model="gpt-mock", messages=history, tools=[WEATHER])
    assert final.choices[0].finish_reason == "stop"
    assert 'tool result "Sunny, 24 degrees"' in (final.choices[0].message.content or "")


def test_tool_message_without_a_matching_call_is_400(openai_client: Any) -> None:
    history = [*ask("hi"), {"role": "tool", "tool_call_id": "call_nope", "content": "x"}]
    with pytest.raises(openai.BadRequestError, match="tool_calls"):
        openai_client.chat.completions.create(model="gpt-mock", messages=history)


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"tool_choice": "required"}, "tool_choice"),  # no tools
        ({"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice"),
        ({"tools": [{"type": "function", "function": {"name": "bad name!"}}]}, "tools"),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": 5}}}]}, "tools"),
        ({"tools": [WEATHER, WEATHER]}, "tools"),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}]}, "tools"),
        ({"tools": []}, "tools"),
    ],
)
def test_bad_tool_requests_are_400(openai_client: Any, extra: dict[str, Any], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(model="gpt-mock", messages=ask("hi"), **extra)
    assert caught.value.param == param


def test_tool_without_parameters_gets_empty_arguments(openai_client: Any) -> None:
    tool = {"type": "function", "function": {"name": "ping"}}
    completion = openai_client.chat.completions.create(
        model="gpt-mock", messages=ask("ping"), tools=[tool], tool_choice="required"
    )
    assert completion.choices[0].message.tool_calls[0].function.arguments == "{}"


def test_streamed_tool_calls_rebuild_the_non_stream_ones(openai_client: Any, assert_strict: Strict) -> None:
    body: dict[str, Any] = {"model": "gpt-mock", "messages": ask("get_weather and get_time"), "tools": [WEATHER, TIME]}
    plain = openai_client.chat.completions.create(**body).choices[0].message.tool_calls or []
    calls: dict[int, dict[str, str]] = {}
    finish = None
    with httpx.stream(
        "POST",
        f"{openai_client.base_url}chat/completions",
        json={**body, "stream": True},
        headers={"Authorization": "Bearer test-key"},
    ) as response:
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    for event in events[:-1]:
        chunk = assert_strict(ChatCompletionChunk, json.loads(event))
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        for delta in choice.delta.tool_calls or []:
            slot = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            slot["id"] += delta.id or ""
            slot["name"] += (delta.function.name or "") if delta.function else ""
            slot["arguments"] += (delta.function.arguments or "") if delta.function else ""
    assert finish == "tool_calls"
    assert [(c["id"], c["name"], c["arguments"]) for c in calls.values()] == [
        (call.id, call.function.name, call.function.arguments) for call in plain
    ]


# --- through LiteLLM: mock_api/ ------------------------------------------------------------------------


async def test_litellm_mock_api_returns_tool_calls(provider: MockAPIProvider) -> None:
    kwargs: dict[str, Any] = {"model": "mock_api/gpt-mock", "messages": ask("get_weather please"), "tools": [WEATHER]}
    response = await litellm.acompletion(**kwargs)
    assert response.choices[0].finish_reason == "tool_calls"
    (call,) = response.choices[0].message.tool_calls
    jsonschema.validate(json.loads(call.function.arguments), SCHEMAS["get_weather"])

    chunks = [chunk async for chunk in await litellm.acompletion(**kwargs, stream=True)]
    rebuilt: Any = litellm.stream_chunk_builder(chunks)
    assert rebuilt is not None
    (streamed,) = rebuilt.choices[0].message.tool_calls
    assert (streamed.id, streamed.function.name, streamed.function.arguments) == (
        call.id,
        call.function.name,
        call.function.arguments,
    )
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]

    sync_chunks = list(litellm.completion(**kwargs, stream=True))
    sync_rebuilt: Any = litellm.stream_chunk_builder(sync_chunks)
    assert sync_rebuilt is not None
    assert sync_rebuilt.choices[0].message.tool_calls[0].function.arguments == call.function.arguments


def test_litellm_mock_api_tool_loop(provider: MockAPIProvider) -> None:
    messages: list[Any] = ask("get_weather in Paris")
    first = litellm.completion(model="mock_api/gpt-mock", messages=messages, tools=[WEATHER], tool_choice="required")
    call = first.choices[0].message.tool_calls[0]
    messages += [first.choices[0].message, {"role": "tool", "tool_call_id": call.id, "content": "Rain"}]
    final = litellm.completion(model="mock_api/gpt-mock", messages=messages, tools=[WEATHER])
    assert 'tool result "Rain"' in final.choices[0].message.content


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_max_tokens_cuts_a_tool_call_with_finish_reason_length(openai_client: Any, limit: int) -> None:
    """As a model that runs out of tokens mid-call: its arguments cut short, no more calls after it."""
    completion = openai_client.chat.completions.create(
        model="gpt-mock",
        messages=ask("weather and time please"),
        tools=[WEATHER, TIME],
        tool_choice="required",
        max_completion_tokens=limit,
    )
    (choice,) = completion.choices
    assert choice.finish_reason == "length"
    assert completion.usage.completion_tokens == limit
    names = [call.function.name for call in choice.message.tool_calls or ()]
    assert names == ([] if limit < 2 else ["get_weather"])  # its name alone is 2 tokens


def test_responses_and_messages_cut_a_tool_call_at_the_token_limit(live_server: Any) -> None:
    headers = {"Authorization": "Bearer test-key"}
    tools = [{"type": "function", **WEATHER["function"]}]
    with httpx.Client(base_url=live_server.base_url, headers=headers, timeout=30) as client:
        response = client.post(
            "/v1/responses",
            json={
                "model": "gpt-mock",
                "input": "weather",
                "tools": tools,
                "tool_choice": "required",
                "max_output_tokens": 16,
            },
        ).json()
        assert response["status"] == "incomplete"
        assert response["incomplete_details"] == {"reason": "max_output_tokens"}
        assert response["usage"]["output_tokens"] <= 16
        anthropic_tool = {"name": "get_weather", "input_schema": WEATHER["function"]["parameters"]}
        message = client.post(
            "/v1/messages",
            json={
                "model": "claude-mock",
                "max_tokens": 2,
                "messages": ask("weather"),
                "tools": [anthropic_tool],
                "tool_choice": {"type": "any"},
            },
            headers={"anthropic-version": "2023-06-01"},
        ).json()
        assert message["stop_reason"] == "max_tokens"
        assert message["usage"]["output_tokens"] <= 2
