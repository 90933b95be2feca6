"""POST /v1/messages through the real ``anthropic`` client: text, tool_use, streams, Anthropic's errors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import anthropic
import httpx
import jsonschema
import pytest
from anthropic.types import Message, RawMessageStreamEvent
from pydantic import TypeAdapter

from litellm_plugin.core.testing.servers import ServerProcess

Strict = Callable[[type[Any], object], Any]
MODEL = "claude-mock"
TOOL: dict[str, Any] = {
    "name": "get_stock",
    "description": "Stock price",
    "input_schema": {
        "type": "object",
        "properties": {"ticker": {"type": "string", "pattern": "^[A-Z]{1,5}$"}, "exchange": {"enum": ["NYSE", "LSE"]}},
        "required": ["ticker", "exchange"],
    },
}


@pytest.fixture
def client(live_server: ServerProcess) -> Iterator[anthropic.Anthropic]:
    instance = anthropic.Anthropic(base_url=live_server.base_url, api_key="test-key", max_retries=0)
    yield instance
    instance.close()


def user(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


def test_text_message(client: Any, assert_strict: Strict) -> None:
    raw = client.messages.with_raw_response.create(
        model=MODEL, max_tokens=200, system="Be kind.", messages=user("Hello Claude")
    )
    message = assert_strict(Message, json.loads(raw.http_response.content))
    assert message.stop_reason == "end_turn"
    assert message.content[0].type == "text"
    assert message.content[0].text.startswith('Mock reply to "Hello Claude"')
    assert message.usage.output_tokens > 0


def test_tool_use_then_tool_result(client: Any) -> None:
    first = client.messages.create(model=MODEL, max_tokens=200, messages=user("get_stock for Apple"), tools=[TOOL])
    assert first.stop_reason == "tool_use"
    (block,) = [block for block in first.content if block.type == "tool_use"]
    assert block.id.startswith("toolu_")
    jsonschema.validate(block.input, TOOL["input_schema"])
    final = client.messages.create(
        model=MODEL,
        max_tokens=200,
        tools=[TOOL],
        messages=[
            *user("get_stock for Apple"),
            {"role": "assistant", "content": [block.model_dump()]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id, "content": "189.5 USD"}]},
        ],
    )
    assert final.stop_reason == "end_turn"
    assert 'tool result "189.5 USD"' in final.content[0].text


def test_tool_choice_any_and_stop_sequence(client: Any) -> None:
    forced = client.messages.create(
        model=MODEL,
        max_tokens=100,
        messages=user("hi"),
        tools=[TOOL],
        tool_choice={"type": "any"},
    )
    assert [block.type for block in forced.content] == ["tool_use"]
    plain = client.messages.create(model=MODEL, max_tokens=300, messages=user("hi"))
    word = plain.content[0].text.split()[5]
    cut = client.messages.create(model=MODEL, max_tokens=300, messages=user("hi"), stop_sequences=[word])
    assert cut.stop_reason == "stop_sequence"
    assert cut.stop_sequence == word


def test_stream_event_sequence(client: Any, live_server: ServerProcess) -> None:
    body = {"model": MODEL, "max_tokens": 200, "messages": user("get_stock please"), "tools": [TOOL], "stream": True}
    headers = {"x-api-key": "test-key", "anthropic-version": "2023-06-01"}
    with httpx.stream("POST", f"{live_server.base_url}/v1/messages", json=body, headers=headers) as response:
        lines = list(response.iter_lines())
    names = [line[7:] for line in lines if line.startswith("event: ")]
    events = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    adapter: TypeAdapter[Any] = TypeAdapter(RawMessageStreamEvent)
    for event in events:
        if event["type"] != "ping":
            adapter.validate_python(event, strict=True)
    assert names == [event["type"] for event in events]
    assert names[0] == "message_start"
    assert names[-2:] == ["message_delta", "message_stop"]
    assert events[-2]["delta"]["stop_reason"] == "tool_use"

    with client.messages.stream(model=MODEL, max_tokens=200, messages=user("get_stock please"), tools=[TOOL]) as s:
        final = s.get_final_message()
    plain = client.messages.create(model=MODEL, max_tokens=200, messages=user("get_stock please"), tools=[TOOL])
    assert [b.model_dump() for b in final.content] == [b.model_dump() for b in plain.content]


def test_text_stream_through_the_sdk(client: Any) -> None:
    with client.messages.stream(model=MODEL, max_tokens=300, messages=user("Stream me")) as stream:
        text = "".join(stream.text_stream)
    plain = client.messages.create(model=MODEL, max_tokens=300, messages=user("Stream me"))
    assert text == plain.content[0].text


def test_errors_have_anthropics_shape(live_server: ServerProcess) -> None:
    wrong = anthropic.Anthropic(base_url=live_server.base_url, api_key="wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as caught:
        wrong.messages.create(model=MODEL, max_tokens=10, messages=user("x"))
    assert caught.value.body == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
    }
    right = anthropic.Anthropic(base_url=live_server.base_url, api_key="test-key", max_retries=0)
    with pytest.raises(anthropic.BadRequestError) as bad:
        right.messages.create(model=MODEL, max_tokens=0, messages=user("x"))
    body: Any = bad.value.body
    assert body["error"]["type"] == "invalid_request_error"
    with pytest.raises(anthropic.NotFoundError):
        right.messages.create(model="claude-nope", max_tokens=10, messages=user("x"))
    with pytest.raises(anthropic.RateLimitError):
        right.messages.create(
            model=MODEL, max_tokens=10, messages=user("x"), extra_headers={"X-Mock-Fault": "status=429;retry_after=0"}
        )
    with pytest.raises(anthropic.InternalServerError) as overloaded:
        right.messages.create(
            model=MODEL, max_tokens=10, messages=user("x"), extra_headers={"X-Mock-Fault": "status=529"}
        )
    overloaded_body: Any = overloaded.value.body
    assert overloaded_body["error"]["type"] == "overloaded_error"


def test_version_header_is_required(live_server: ServerProcess) -> None:
    response = httpx.post(
        f"{live_server.base_url}/v1/messages",
        json={"model": MODEL, "max_tokens": 5, "messages": user("x")},
        headers={"x-api-key": "test-key"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "error"


def test_count_tokens_matches_usage(client: Any) -> None:
    messages = user("Count these tokens, please")
    counted = client.messages.count_tokens(model=MODEL, messages=messages, system="Be brief.")
    created = client.messages.create(model=MODEL, max_tokens=20, messages=messages, system="Be brief.")
    assert counted.input_tokens == created.usage.input_tokens > 0
