"""POST /v1/responses through the real ``openai`` client: text, function tools, structured output, streams."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import openai
import pytest
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter

Strict = Callable[[type[Any], object], Any]
TOOL: dict[str, Any] = {
    "type": "function",
    "name": "lookup",
    "description": "Look a word up",
    "parameters": {
        "type": "object",
        "properties": {"word": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 5}},
        "required": ["word", "limit"],
        "additionalProperties": False,
    },
    "strict": True,
}


def test_text_response_with_instructions(openai_client: Any, assert_strict: Strict) -> None:
    raw = openai_client.responses.with_raw_response.create(
        model="gpt-mock", input="Say something", instructions="Be brief."
    )
    response = assert_strict(Response, json.loads(raw.http_response.content))
    assert response.status == "completed"
    assert response.instructions == "Be brief."
    assert response.output_text.startswith('Mock reply to "Say something"')
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens


def test_function_call_then_output(openai_client: Any) -> None:
    first = openai_client.responses.create(model="gpt-mock", input="Please lookup 'mock'", tools=[TOOL])
    (call,) = [item for item in first.output if item.type == "function_call"]
    jsonschema.validate(json.loads(call.arguments), TOOL["parameters"])
    final = openai_client.responses.create(
        model="gpt-mock",
        tools=[TOOL],
        input=[
            {"role": "user", "content": "Please lookup 'mock'"},
            {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
            {"type": "function_call_output", "call_id": call.call_id, "output": "a stand-in"},
        ],
    )
    assert 'tool result "a stand-in"' in final.output_text


def test_structured_output_with_parse(openai_client: Any) -> None:
    class Answer(BaseModel):
        title: str
        score: int

    response = openai_client.responses.parse(model="gpt-mock", input="Rate it", text_format=Answer)
    assert isinstance(response.output_parsed, Answer)


def test_previous_response_id_is_refused(openai_client: Any) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.create(model="gpt-mock", input="x", previous_response_id="resp_123")
    assert caught.value.param == "previous_response_id"


@pytest.mark.parametrize("tools", [[], [TOOL]])
def test_stream_event_sequence(openai_client: Any, assert_strict: Strict, tools: list[Any]) -> None:
    body: dict[str, Any] = {"model": "gpt-mock", "input": "Please lookup 'x'", "tools": tools, "stream": True}
    url = f"{openai_client.base_url}responses"
    with httpx.stream("POST", url, json=body, headers={"Authorization": "Bearer test-key"}) as response:
        lines = list(response.iter_lines())
    names = [line[7:] for line in lines if line.startswith("event: ")]
    events = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    assert names == [event["type"] for event in events]
    adapter: TypeAdapter[Any] = TypeAdapter(ResponseStreamEvent)
    for event in events:
        adapter.validate_python(event, strict=True)
    assert [event["sequence_number"] for event in events] == list(range(len(events)))
    assert names[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert names[-2:] == ["response.output_item.done", "response.completed"]
    final = assert_strict(Response, events[-1]["response"])
    if tools:
        deltas = "".join(e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta")
        assert deltas == final.output[0].arguments
    else:
        deltas = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
        assert deltas == final.output_text


def test_sdk_stream_helper_gets_the_final_response(openai_client: Any) -> None:
    with openai_client.responses.stream(model="gpt-mock", input="Hello stream") as stream:
        text = "".join(event.delta for event in stream if event.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert text == final.output_text


def test_max_output_tokens_makes_it_incomplete(openai_client: Any) -> None:
    response = openai_client.responses.create(model="gpt-mock", input="Long please", max_output_tokens=16)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None
    assert response.usage is not None
    assert response.usage.output_tokens <= 16


def test_faults_apply(openai_client: Any) -> None:
    with pytest.raises(openai.RateLimitError):
        openai_client.responses.create(
            model="gpt-mock", input="x", extra_headers={"X-Mock-Fault": "status=429;retry_after=0"}
        )


def test_a_function_call_output_answering_no_call_is_400(openai_client: Any) -> None:
    """As OpenAI refuses it (the chat and Messages routes already did)."""
    body = {
        "model": "gpt-mock",
        "input": [
            {"role": "user", "content": "hi"},
            {"type": "function_call_output", "call_id": "nope", "output": "x"},
        ],
    }
    with pytest.raises(openai.BadRequestError, match="No tool call found for function call output with call_id nope"):
        openai_client.responses.create(**body)
