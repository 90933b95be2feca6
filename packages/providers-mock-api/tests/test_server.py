"""The mock API as an HTTP server: auth, validation, determinism, SSE framing, embeddings, models."""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

import httpx
import litellm
import pytest

from litellm_plugin.providers.mock_api import MockServerSettings, create_app

AUTH = {"Authorization": "Bearer test-key"}
MESSAGES = [{"role": "user", "content": "Tell me about deterministic mock servers."}]


def chat(**overrides: Any) -> dict[str, Any]:
    return {"model": "gpt-mock", "messages": MESSAGES, **overrides}


def sse_data(body: str) -> list[str]:
    """The data of each event; asserts OpenAI's framing (``data: ...`` + blank line, nothing else)."""
    assert body.endswith("\n\n"), "every event ends with a blank line"
    events = body[:-2].split("\n\n")
    assert all(event.startswith("data: ") and "\n" not in event for event in events)
    return [event[len("data: ") :] for event in events]


async def test_health_needs_no_key(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_models_lists_configured_models(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.get("/v1/models", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "list"
    assert [model["id"] for model in body["data"]] == [
        "gpt-mock",
        "gpt-mock-mini",
        "text-embedding-mock",
        "claude-mock",
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": "test-key"},
        {"Authorization": "Basic dGVzdA=="},
    ],
    ids=["missing", "wrong", "no-scheme", "basic"],
)
async def test_missing_or_wrong_key_is_401_in_openai_shape(
    asgi_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=chat(), headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == "invalid_api_key"
    assert "wrong-key" not in error["message"], "the key is masked"


async def test_auth_can_be_turned_off() -> None:
    transport = httpx.ASGITransport(app=create_app(MockServerSettings(api_key=None)))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        assert (await client.post("/v1/chat/completions", json=chat())).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"n": 0}, "n"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"stop": ""}, "stop"),
        ({"seed": "not-a-number"}, "seed"),
        ({"top_p": 1.5}, "top_p"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "user", "content": None}]}, "messages"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages"),
        ({"model": ""}, "model"),
    ],
)
async def test_invalid_parameters_are_400_naming_the_field(
    asgi_client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=chat(**overrides), headers=AUTH)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == field
    assert f"'{field}'" in error["message"]


async def test_unparseable_body_is_400(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post(
        "/v1/chat/completions", content=b"{not json", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


async def test_unknown_model_is_404(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=chat(model="gpt-nope"), headers=AUTH)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "model_not_found"


async def test_unknown_route_is_404_in_openai_shape(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.get("/v1/nothing-here", headers=AUTH)
    assert response.status_code == 404
    assert "message" in response.json()["error"]


async def test_completion_shape_and_real_token_counts(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=chat(), headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "gpt-mock"
    (choice,) = body["choices"]
    assert choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] == "stop"
    text = choice["message"]["content"]
    assert text.startswith('Mock reply to "Tell me about deterministic mock servers."')
    usage = body["usage"]
    assert usage["prompt_tokens"] == litellm.token_counter(model="gpt-mock", messages=MESSAGES)
    assert usage["completion_tokens"] == litellm.token_counter(model="gpt-mock", text=text)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


async def test_replies_are_deterministic_and_derived_from_input(asgi_client: httpx.AsyncClient) -> None:
    async def text(**overrides: Any) -> str:
        response = await asgi_client.post("/v1/chat/completions", json=chat(**overrides), headers=AUTH)
        return str(response.json()["choices"][0]["message"]["content"])

    first = await text()
    assert first == await text()
    assert first == await text(temperature=1.5)  # sampling settings do not change a mock reply
    assert first != await text(messages=[{"role": "user", "content": "Something else entirely"}])
    assert await text(seed=1) == await text(seed=1)
    assert await text(seed=1) != await text(seed=2)


@pytest.mark.parametrize("limit", [1, 5, 50])
async def test_max_tokens_cuts_the_reply_with_finish_reason_length(asgi_client: httpx.AsyncClient, limit: int) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=chat(max_tokens=limit), headers=AUTH)
    body = response.json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "length"
    assert litellm.token_counter(model="gpt-mock", text=choice["message"]["content"]) <= limit
    assert body["usage"]["completion_tokens"] <= limit


async def test_max_completion_tokens_is_honoured_too(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=chat(max_completion_tokens=3), headers=AUTH)
    assert response.json()["usage"]["completion_tokens"] <= 3


async def test_stop_sequence_cuts_before_it(asgi_client: httpx.AsyncClient) -> None:
    full = (await asgi_client.post("/v1/chat/completions", json=chat(), headers=AUTH)).json()
    text = full["choices"][0]["message"]["content"]
    stop = text.split()[6]  # a word from the middle of the reply
    response = await asgi_client.post("/v1/chat/completions", json=chat(stop=[stop]), headers=AUTH)
    choice = response.json()["choices"][0]
    assert choice["message"]["content"] == text[: text.index(stop)]
    assert choice["finish_reason"] == "stop"


async def test_n_gives_n_distinct_choices(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=chat(n=3), headers=AUTH)
    choices = response.json()["choices"]
    assert [choice["index"] for choice in choices] == [0, 1, 2]
    assert len({choice["message"]["content"] for choice in choices}) == 3


async def test_unknown_openai_fields_are_ignored(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post(
        "/v1/chat/completions",
        json=chat(user="u-1", logit_bias={}, response_format={"type": "text"}),
        headers=AUTH,
    )
    assert response.status_code == 200


async def test_stream_framing_and_content_match_non_stream(asgi_client: httpx.AsyncClient) -> None:
    plain = (await asgi_client.post("/v1/chat/completions", json=chat(), headers=AUTH)).json()
    response = await asgi_client.post("/v1/chat/completions", json=chat(stream=True), headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_data(response.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert len({chunk["id"] for chunk in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("usage" not in chunk for chunk in chunks), "no usage unless stream_options asks for it"
    text = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks)
    assert text == plain["choices"][0]["message"]["content"]
    assert [c["choices"][0]["finish_reason"] for c in chunks].count("stop") == 1
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


async def test_stream_usage_in_last_chunk_when_asked(asgi_client: httpx.AsyncClient) -> None:
    body = chat(stream=True, max_tokens=7, stream_options={"include_usage": True})
    response = await asgi_client.post("/v1/chat/completions", json=body, headers=AUTH)
    chunks = [json.loads(event) for event in sse_data(response.text)[:-1]]
    last = chunks[-1]
    assert last["choices"] == []
    assert last["usage"]["completion_tokens"] <= 7
    assert last["usage"]["prompt_tokens"] == litellm.token_counter(model="gpt-mock", messages=MESSAGES)
    assert all(chunk["usage"] is None for chunk in chunks[:-1])
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1] if c["choices"]][-1] == "length"


async def test_embeddings_are_deterministic_unit_vectors(asgi_client: httpx.AsyncClient) -> None:
    async def embed(**body: Any) -> dict[str, Any]:
        response = await asgi_client.post("/v1/embeddings", json={"model": "text-embedding-mock", **body}, headers=AUTH)
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    first = await embed(input=["alpha", "beta"])
    assert [item["index"] for item in first["data"]] == [0, 1]
    vectors = [item["embedding"] for item in first["data"]]
    assert all(len(vector) == 256 for vector in vectors)
    assert all(math.isclose(math.fsum(v * v for v in vector), 1.0, rel_tol=1e-9) for vector in vectors)
    assert vectors[0] != vectors[1]
    assert (await embed(input="alpha"))["data"][0]["embedding"] == vectors[0]
    assert first["usage"]["prompt_tokens"] == 2

    small = await embed(input="alpha", dimensions=8, encoding_format="base64")
    packed = base64.b64decode(small["data"][0]["embedding"])
    assert len(struct.unpack("<8f", packed)) == 8


@pytest.mark.parametrize("body", [{"input": []}, {"input": ""}, {"input": "x", "dimensions": 0}])
async def test_invalid_embedding_requests_are_400(asgi_client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await asgi_client.post("/v1/embeddings", json={"model": "text-embedding-mock", **body}, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["error"]["param"] in {"input", "dimensions"}


async def test_token_counts_include_names_and_tool_definitions(asgi_client: httpx.AsyncClient) -> None:
    """As OpenAI bills them, and as ``litellm.token_counter`` counts them."""
    messages = [{"role": "user", "content": "hello", "name": "alice"}]
    tool: Any = {
        "type": "function",
        "function": {"name": "f", "description": "does f", "parameters": {"type": "object"}},
    }
    response = await asgi_client.post(
        "/v1/chat/completions", json={"model": "gpt-mock", "messages": messages, "tools": [tool]}, headers=AUTH
    )
    expected = litellm.token_counter(model="gpt-mock", messages=messages, tools=[tool])
    assert response.json()["usage"]["prompt_tokens"] == expected


async def test_embeddings_of_token_ids_are_those_of_their_text(asgi_client: httpx.AsyncClient) -> None:
    ids = litellm.encode(model="gpt-mock", text="hello world")

    async def embed(value: Any) -> dict[str, Any]:
        response = await asgi_client.post(
            "/v1/embeddings", json={"model": "text-embedding-mock", "input": value}, headers=AUTH
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    by_text, by_ids, by_nested_ids = await embed("hello world"), await embed(list(ids)), await embed([list(ids)])
    assert by_ids["data"][0]["embedding"] == by_text["data"][0]["embedding"]
    assert by_nested_ids["data"][0]["embedding"] == by_text["data"][0]["embedding"]
    assert by_ids["usage"]["prompt_tokens"] == len(ids)
    unknown = await asgi_client.post(
        "/v1/embeddings", json={"model": "text-embedding-mock", "input": [10**9]}, headers=AUTH
    )
    assert unknown.status_code == 400
    assert "vocabulary" in unknown.json()["error"]["message"]
