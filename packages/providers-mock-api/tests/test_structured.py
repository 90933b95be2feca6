"""Structured output (json_object, json_schema) and schema-driven generation, including a Hypothesis property."""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
import jsonschema
import litellm
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from litellm_plugin.providers.mock_api import MockAPIProvider, SchemaError, create_app
from litellm_plugin.providers.mock_api.schemas import generate

AUTH = {"Authorization": "Bearer test-key"}


class Address(BaseModel):
    street: str
    zip_code: str


class Person(BaseModel):
    name: str
    age: int
    role: Literal["admin", "user"]
    tags: list[str]
    address: Address
    nickname: str | None


def test_openai_parse_with_a_pydantic_model(openai_client: Any) -> None:
    messages: Any = [{"role": "user", "content": "Who is it?"}]
    completion = openai_client.chat.completions.parse(model="gpt-mock", messages=messages, response_format=Person)
    person = completion.choices[0].message.parsed
    assert isinstance(person, Person)
    again = openai_client.chat.completions.parse(model="gpt-mock", messages=messages, response_format=Person)
    assert again.choices[0].message.parsed == person, "deterministic"


def test_json_schema_strict_has_no_extra_properties(openai_client: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "array", "items": {"type": "boolean"}}},
        "required": ["a", "b"],
        "additionalProperties": False,
    }
    completion = openai_client.chat.completions.create(
        model="gpt-mock",
        messages=[{"role": "user", "content": "x"}],
        response_format={"type": "json_schema", "json_schema": {"name": "thing", "schema": schema, "strict": True}},
    )
    value = json.loads(completion.choices[0].message.content or "")
    jsonschema.validate(value, schema)
    assert set(value) == {"a", "b"}


def test_json_object_needs_json_in_messages_and_returns_an_object(openai_client: Any) -> None:
    with pytest.raises(openai.BadRequestError, match="json"):
        openai_client.chat.completions.create(
            model="gpt-mock", messages=[{"role": "user", "content": "hi"}], response_format={"type": "json_object"}
        )
    completion = openai_client.chat.completions.create(
        model="gpt-mock",
        messages=[{"role": "user", "content": "Answer in JSON"}],
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(completion.choices[0].message.content or ""), dict)


def test_invalid_schema_is_400(openai_client: Any) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(
            model="gpt-mock",
            messages=[{"role": "user", "content": "x"}],
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "nope"}}},
        )
    assert caught.value.param == "response_format"


def test_litellm_mock_api_structured_output(provider: MockAPIProvider) -> None:
    response = litellm.completion(
        model="mock_api/gpt-mock", messages=[{"role": "user", "content": "Who?"}], response_format=Person
    )
    Person.model_validate_json(response.choices[0].message.content)


def test_unsatisfiable_schema_is_a_clear_error() -> None:
    with pytest.raises(SchemaError, match="could not generate"):
        generate({"type": "integer", "minimum": 5, "maximum": 1}, "seed")


# --- property: any schema from a reasonable family yields valid values --------------------------------

_leaf = st.one_of(
    st.builds(lambda: {"type": "boolean"}),
    st.builds(lambda: {"type": "null"}),
    st.builds(
        lambda low, span: {"type": "integer", "minimum": low, "maximum": low + span},
        st.integers(-1000, 1000),
        st.integers(0, 50),
    ),
    st.builds(
        lambda low, step: {"type": "number", "minimum": low, "multipleOf": step},
        st.integers(-50, 50),
        st.sampled_from([0.5, 0.25, 2, 5]),
    ),
    st.builds(
        lambda low, extra: {"type": "string", "minLength": low, "maxLength": low + extra},
        st.integers(0, 20),
        st.integers(0, 20),
    ),
    st.builds(lambda values: {"enum": values}, st.lists(st.text(max_size=5) | st.integers(), min_size=1, max_size=4)),
    st.sampled_from(
        [
            {"type": "string", "pattern": r"^[A-Z]{2,3}-\d{3}$"},
            {"type": "string", "pattern": r"^(foo|bar)+[0-9]?$"},
            {"type": "string", "format": "date-time"},
            {"type": "string", "format": "email"},
            {"type": ["string", "null"]},
            {"const": "fixed"},
        ]
    ),
)


def _object(children: Any) -> Any:
    def build(properties: dict[str, Any], required_all: bool, closed: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required_all:
            schema["required"] = list(properties)
        if closed:
            schema["additionalProperties"] = False
        return schema

    names = st.text("abcdefghij_", min_size=1, max_size=8)
    return st.builds(build, st.dictionaries(names, children, max_size=4), st.booleans(), st.booleans())


def _array(children: Any) -> Any:
    return st.builds(
        lambda items, low, extra: {"type": "array", "items": items, "minItems": low, "maxItems": low + extra},
        children,
        st.integers(0, 3),
        st.integers(0, 3),
    )


def _any_of(children: Any) -> Any:
    return st.builds(lambda options: {"anyOf": options}, st.lists(children, min_size=1, max_size=3))


SCHEMAS = st.recursive(_leaf, lambda children: _object(children) | _array(children) | _any_of(children), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, seed=st.text(max_size=8), strict=st.booleans())
def test_generated_values_validate_against_their_schema(schema: dict[str, Any], seed: str, strict: bool) -> None:
    value = generate(schema, seed, strict=strict)
    jsonschema.validate(value, schema)
    assert generate(schema, seed, strict=strict) == value


_app = create_app()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(properties=st.dictionaries(st.text("abcxyz", min_size=1, max_size=6), SCHEMAS, min_size=1, max_size=3))
async def test_server_replies_validate_for_tool_arguments_and_structured_output(properties: dict[str, Any]) -> None:
    schema = {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}
    tool = {"type": "function", "function": {"name": "f", "parameters": schema}}
    messages = [{"role": "user", "content": "go"}]
    transport = httpx.ASGITransport(app=_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock", headers=AUTH) as client:
        called = await client.post(
            "/v1/chat/completions",
            json={"model": "gpt-mock", "messages": messages, "tools": [tool], "tool_choice": "required"},
        )
        arguments = called.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        jsonschema.validate(json.loads(arguments), schema)
        structured = await client.post(
            "/v1/chat/completions",
            json={
                "model": "gpt-mock",
                "messages": messages,
                "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}},
            },
        )
        jsonschema.validate(json.loads(structured.json()["choices"][0]["message"]["content"]), schema)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(properties=st.dictionaries(st.text("abcxyz", min_size=1, max_size=6), SCHEMAS, min_size=1, max_size=3))
async def test_responses_and_messages_tool_arguments_validate(properties: dict[str, Any]) -> None:
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    transport = httpx.ASGITransport(app=_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock", headers=AUTH) as client:
        response = await client.post(
            "/v1/responses",
            json={
                "model": "gpt-mock",
                "input": "go",
                "tools": [{"type": "function", "name": "f", "parameters": schema}],
                "tool_choice": "required",
            },
        )
        jsonschema.validate(json.loads(response.json()["output"][0]["arguments"]), schema)
        message = await client.post(
            "/v1/messages",
            json={
                "model": "claude-mock",
                "max_tokens": 8192,  # (fewer tokens than the arguments need cut them: see test_tools)
                "messages": [{"role": "user", "content": "go"}],
                "tools": [{"name": "f", "input_schema": schema}],
                "tool_choice": {"type": "any"},
            },
            headers={"anthropic-version": "2023-06-01", "x-api-key": "test-key"},
        )
        jsonschema.validate(message.json()["content"][0]["input"], schema)
