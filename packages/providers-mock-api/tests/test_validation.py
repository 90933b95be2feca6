"""Strict request validation, UTF-8-safe cuts, logprobs, GET /v1/models/{id}, and work kept off the event loop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import litellm
import openai
import pytest
from openai.types import CreateEmbeddingResponse, Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from litellm_plugin.core.testing.servers import ServerProcess
from litellm_plugin.providers.mock_api import MockAPIProvider

AUTH = {"Authorization": "Bearer test-key"}
MESSAGES = [{"role": "user", "content": "Tell me about strict validation."}]
Strict = Callable[[type[Any], object], Any]


def chat(**overrides: Any) -> dict[str, Any]:
    return {"model": "gpt-mock", "messages": MESSAGES, **overrides}


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"stream": "yes"}, "stream"),
        ({"stream": 1}, "stream"),
        ({"temperature": "0.5"}, "temperature"),
        ({"seed": "42"}, "seed"),
        ({"seed": 4.0}, "seed"),
        ({"n": "2"}, "n"),
        ({"max_tokens": 10.5}, "max_tokens"),
        ({"logprobs": "true"}, "logprobs"),
        ({"top_logprobs": 21, "logprobs": True}, "top_logprobs"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages"),
        ({"tools": {"type": "function"}}, "tools"),
        ({"response_format": {"type": "xml"}}, "response_format"),
        ({"stream_options": {"include_usage": True}}, "stream_options"),
        ({"top_logprobs": 2}, "top_logprobs"),
    ],
)
async def test_wrong_types_are_refused_not_coerced(
    asgi_client: httpx.AsyncClient, overrides: dict[str, Any], param: str
) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=chat(**overrides), headers=AUTH)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


@pytest.mark.parametrize("overrides", [{"n": None}, {"stream": None}, {"temperature": None}, {"stop": None}])
async def test_nullable_fields_accept_null(asgi_client: httpx.AsyncClient, overrides: dict[str, Any]) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=chat(**overrides), headers=AUTH)
    assert response.status_code == 200, response.text


async def test_invalid_stream_request_is_a_plain_400_not_a_stream(asgi_client: httpx.AsyncClient) -> None:
    body = chat(stream=True, tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": 1}}}])
    response = await asgi_client.post("/v1/chat/completions", json=body, headers=AUTH)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")


async def test_embeddings_refuse_a_chat_model_and_chat_refuses_an_embedding_model(
    asgi_client: httpx.AsyncClient,
) -> None:
    embedding = await asgi_client.post("/v1/embeddings", json={"model": "gpt-mock", "input": "x"}, headers=AUTH)
    assert embedding.status_code == 400
    assert embedding.json()["error"]["param"] == "model"
    chat_response = await asgi_client.post("/v1/chat/completions", json=chat(model="text-embedding-mock"), headers=AUTH)
    assert chat_response.status_code == 404
    assert chat_response.json()["error"]["param"] == "model"


@pytest.mark.parametrize("limit", range(1, 12))
async def test_max_tokens_never_cuts_a_character_in_half(asgi_client: httpx.AsyncClient, limit: int) -> None:
    messages = [{"role": "user", "content": "日本語のテキスト 🙂🙂 ünïcödé ✓✓✓ 한국어 Ελληνικά"}]
    response = await asgi_client.post(
        "/v1/chat/completions", json=chat(messages=messages, max_tokens=limit), headers=AUTH
    )
    text = response.json()["choices"][0]["message"]["content"]
    assert "\ufffd" not in text
    assert response.json()["usage"]["completion_tokens"] <= limit


def test_models_retrieve(openai_client: Any, assert_strict: Strict) -> None:
    model = openai_client.models.retrieve("gpt-mock-mini")
    assert model.id == "gpt-mock-mini"
    assert_strict(Model, model.model_dump())
    assert [m.id for m in openai_client.models.list()][:2] == ["gpt-mock", "gpt-mock-mini"]
    with pytest.raises(openai.NotFoundError):
        openai_client.models.retrieve("gpt-nope")


def test_logprobs_match_the_reply_tokens(openai_client: Any, assert_strict: Strict) -> None:
    raw = openai_client.chat.completions.with_raw_response.create(
        model="gpt-mock", messages=MESSAGES, logprobs=True, top_logprobs=3
    )
    completion = assert_strict(ChatCompletion, json.loads(raw.http_response.content))
    choice = completion.choices[0]
    content = choice.logprobs.content
    assert bytes(b for entry in content for b in entry.bytes).decode() == choice.message.content
    assert all(entry.logprob <= 0 for entry in content)
    assert all(len(entry.top_logprobs) == 3 for entry in content)
    assert all(entry.top_logprobs[0].token == entry.token for entry in content)
    assert all(entry.top_logprobs[0].logprob >= alt.logprob for entry in content for alt in entry.top_logprobs)
    plain = openai_client.chat.completions.create(model="gpt-mock", messages=MESSAGES)
    assert plain.choices[0].logprobs is None


def test_streamed_logprobs_follow_the_text(openai_client: Any) -> None:
    messages: Any = [{"role": "user", "content": "Emoji 🙂 and ünïcödé"}]
    stream = openai_client.chat.completions.create(model="gpt-mock", messages=messages, logprobs=True, stream=True)
    text, raw = "", b""
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
            raw += bytes(b for entry in chunk.choices[0].logprobs.content for b in entry.bytes)
    assert raw.decode() == text
    plain = openai_client.chat.completions.create(model="gpt-mock", messages=messages)
    assert text == plain.choices[0].message.content


async def test_a_heavy_request_does_not_hold_up_health(live_server: ServerProcess) -> None:
    big = "word " * 200_000  # ~1 MB prompt
    body = {"model": "gpt-mock", "messages": [{"role": "user", "content": big}], "n": 128}
    order: list[str] = []
    async with httpx.AsyncClient(base_url=live_server.base_url, headers=AUTH, timeout=120) as client:

        async def heavy() -> None:
            response = await client.post("/v1/chat/completions", json=body)
            assert response.status_code == 200
            order.append("heavy")

        async def health() -> None:
            await asyncio.sleep(0.3)  # let the heavy request reach the server first
            assert (await client.get("/health")).status_code == 200
            order.append("health")

        await asyncio.gather(heavy(), health())
    assert order == ["health", "heavy"]


def test_litellm_mock_api_passes_logprobs_through(provider: MockAPIProvider) -> None:
    response: Any = litellm.completion(model="mock_api/gpt-mock", messages=MESSAGES, logprobs=True, top_logprobs=2)
    choice = response.choices[0]
    entries = choice.logprobs["content"] if isinstance(choice.logprobs, dict) else choice.logprobs.content
    tokens = [entry["token"] if isinstance(entry, dict) else entry.token for entry in entries]
    assert "".join(tokens) == choice.message.content


def test_embeddings_and_usage_chunks_match_the_sdk_types(openai_client: Any, assert_strict: Strict) -> None:
    raw = openai_client.embeddings.with_raw_response.create(
        model="text-embedding-mock", input=["a", "b"], encoding_format="float"
    )
    assert_strict(CreateEmbeddingResponse, json.loads(raw.http_response.content))
    body = {"model": "gpt-mock", "messages": MESSAGES, "n": 2, "stream": True, "logprobs": True, "top_logprobs": 1}
    body["stream_options"] = {"include_usage": True}
    url = f"{openai_client.base_url}chat/completions"
    with httpx.stream("POST", url, json=body, headers=AUTH) as response:
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    chunks = [assert_strict(ChatCompletionChunk, json.loads(event)) for event in events[:-1]]
    assert chunks[-1].usage is not None
    assert {chunk.choices[0].index for chunk in chunks if chunk.choices} == {0, 1}
