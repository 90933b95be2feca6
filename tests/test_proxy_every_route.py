"""The shipped proxy config on every route the proxy serves: filtered, prefixed and blocked the same way.

A guardrail configured once must not be bypassed by a client that picks another endpoint. Each route is called
the way its clients call it: the ``openai`` client for chat, Responses, text completions and embeddings, plain
HTTP (Anthropic's wire format, SSE parsed by hand) for ``/v1/messages``.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import json
from collections.abc import Callable

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from litellm_plugin.core.testing.servers import ServerProcess

CLEAN = "hello spam world"
EXPECTED = "[Verified] Echo: hello [FILTERED] world"  # post_call mask guardrail + ResponseModifier
BLOCKED = "my password is hunter2"  # the pre_call block guardrail


@pytest.fixture(scope="module")
def proxy(example_proxy: ServerProcess) -> ServerProcess:
    """examples/proxy/config.yaml as shipped (shared with tests/test_proxy_e2e.py, see conftest)."""
    return example_proxy


@pytest.fixture(scope="module")
def client(proxy: ServerProcess) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{proxy.base_url}/v1", api_key=proxy.env["LITELLM_MASTER_KEY"], max_retries=0, timeout=120
    )


def _messages(proxy: ServerProcess, text: str, *, stream: bool) -> httpx.Response:
    return httpx.post(
        f"{proxy.base_url}/v1/messages",
        headers={"x-api-key": proxy.env["LITELLM_MASTER_KEY"], "anthropic-version": "2023-06-01"},
        json={"model": "echo", "max_tokens": 100, "stream": stream, "messages": [{"role": "user", "content": text}]},
        timeout=120,
    )


def _anthropic_stream_text(body: str) -> str:
    text = ""
    for block in body.split("\n\n"):
        for line in block.splitlines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                if event.get("type") == "content_block_delta" and event["delta"].get("type") == "text_delta":
                    text += event["delta"]["text"]
    return text


def chat(client: openai.OpenAI, proxy: ServerProcess, text: str) -> str:
    reply = client.chat.completions.create(model="echo", messages=[{"role": "user", "content": text}])
    return reply.choices[0].message.content or ""


def chat_stream(client: openai.OpenAI, proxy: ServerProcess, text: str) -> str:
    stream = client.chat.completions.create(model="echo", messages=[{"role": "user", "content": text}], stream=True)
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def responses(client: openai.OpenAI, proxy: ServerProcess, text: str) -> str:
    return client.responses.create(model="echo", input=text).output_text


def responses_stream(client: openai.OpenAI, proxy: ServerProcess, text: str) -> str:
    deltas, final = "", None
    for event in client.responses.create(model="echo", input=text, stream=True):
        if event.type == "response.output_text.delta":
            deltas += event.delta
        elif event.type == "response.completed":
            final = event.response.output_text
    assert final == deltas, "response.completed must repeat exactly the text that was streamed"
    return deltas


def completions(client: openai.OpenAI, proxy: ServerProcess, text: str) -> str:
    return client.completions.create(model="echo", prompt=text).choices[0].text


def completions_stream(client: openai.OpenAI, proxy: ServerProcess, text: str) -> str:
    stream = client.completions.create(model="echo", prompt=text, stream=True)
    return "".join(chunk.choices[0].text or "" for chunk in stream if chunk.choices)


def messages(client: openai.OpenAI, proxy: ServerProcess, text: str) -> str:
    response = _messages(proxy, text, stream=False)
    if response.status_code >= 400:
        raise openai.BadRequestError(response.text, response=response, body=None)
    return "".join(block["text"] for block in response.json()["content"] if block["type"] == "text")


def messages_stream(client: openai.OpenAI, proxy: ServerProcess, text: str) -> str:
    response = _messages(proxy, text, stream=True)
    if response.status_code >= 400:
        raise openai.BadRequestError(response.text, response=response, body=None)
    return _anthropic_stream_text(response.text)


ROUTES: dict[str, Callable[[openai.OpenAI, ServerProcess, str], str]] = {
    "chat": chat,
    "chat-stream": chat_stream,
    "responses": responses,
    "responses-stream": responses_stream,
    "completions": completions,
    "completions-stream": completions_stream,
    "messages": messages,
    "messages-stream": messages_stream,
}


@pytest.mark.parametrize("route", ROUTES)
def test_reply_is_masked_and_prefixed_on_every_route(route: str, client: openai.OpenAI, proxy: ServerProcess) -> None:
    assert ROUTES[route](client, proxy, CLEAN) == EXPECTED


@pytest.mark.parametrize("route", ROUTES)
def test_blocked_word_is_refused_with_400_on_every_route(
    route: str, client: openai.OpenAI, proxy: ServerProcess
) -> None:
    with pytest.raises(openai.BadRequestError) as excinfo:
        ROUTES[route](client, proxy, BLOCKED)
    assert excinfo.value.status_code == 400
    assert "block-secrets" in str(excinfo.value)


def test_blocked_word_in_embedding_input_is_refused(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as excinfo:
        client.embeddings.create(model="echo-embedding", input=["fine", BLOCKED])
    assert "block-secrets" in str(excinfo.value)


def test_clean_embedding_still_works(client: openai.OpenAI) -> None:
    assert len(client.embeddings.create(model="echo-embedding", input="hello").data) == 1


def test_blocked_word_hidden_in_other_fields_is_refused(client: openai.OpenAI) -> None:
    """The request's name field, an assistant tool call's arguments, a tool definition, instructions."""
    attempts: list[Callable[[], object]] = [
        lambda: client.chat.completions.create(
            model="echo", messages=[{"role": "user", "content": "hi", "name": "password"}]
        ),
        lambda: client.chat.completions.create(
            model="echo",
            messages=[
                {"role": "user", "content": "hi"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "f", "arguments": '{"note": "hunter2"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "ok"},
                {"role": "user", "content": "go on"},
            ],
        ),
        lambda: client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "hi"}],
            tools=[{"type": "function", "function": {"name": "f", "description": "leaks the password"}}],
        ),
        lambda: client.responses.create(model="echo", input="hi", instructions="the password is x"),
        lambda: client.chat.completions.create(
            model="echo", messages=[{"role": "user", "content": [{"type": "text", "text": "a password"}]}]
        ),
    ]
    for attempt in attempts:
        with pytest.raises(openai.BadRequestError):
            attempt()


# `extra_body` goes to the provider as is, and OpenAI-compatible providers (LiteLLM's own, the mock API provider)
# merge it over the request body they send: `extra_body.messages` replaces the messages the guardrail read.
SMUGGLED = {"messages": [{"role": "user", "content": BLOCKED}], "input": BLOCKED, "prompt": BLOCKED}
HI: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]


def _chat_mock(client: openai.OpenAI, proxy: ServerProcess) -> str:
    reply = client.chat.completions.create(model="gpt-mock", messages=HI, extra_body={"extra_body": SMUGGLED})
    return reply.choices[0].message.content or ""


def _chat_mock_stream(client: openai.OpenAI, proxy: ServerProcess) -> str:
    stream = client.chat.completions.create(
        model="gpt-mock", messages=HI, stream=True, extra_body={"extra_body": SMUGGLED}
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def _responses(client: openai.OpenAI, proxy: ServerProcess) -> str:
    return client.responses.create(model="echo", input="hi", extra_body={"extra_body": SMUGGLED}).output_text


def _completions(client: openai.OpenAI, proxy: ServerProcess) -> str:
    return client.completions.create(model="echo", prompt="hi", extra_body={"extra_body": SMUGGLED}).choices[0].text


def _embeddings(client: openai.OpenAI, proxy: ServerProcess) -> str:
    client.embeddings.create(model="echo-embedding", input="hi", extra_body={"extra_body": SMUGGLED})
    return ""


def _messages_extra_body(client: openai.OpenAI, proxy: ServerProcess) -> str:
    response = httpx.post(
        f"{proxy.base_url}/v1/messages",
        headers={"x-api-key": proxy.env["LITELLM_MASTER_KEY"], "anthropic-version": "2023-06-01"},
        json={"model": "echo", "max_tokens": 100, "messages": HI, "extra_body": SMUGGLED},
        timeout=120,
    )
    if response.status_code >= 400:
        raise openai.BadRequestError(response.text, response=response, body=None)
    return response.text


EXTRA_BODY_ROUTES: dict[str, Callable[[openai.OpenAI, ServerProcess], str]] = {
    "chat": _chat_mock,
    "chat-stream": _chat_mock_stream,
    "responses": _responses,
    "completions": _completions,
    "embeddings": _embeddings,
    "messages": _messages_extra_body,
}


@pytest.mark.parametrize("route", EXTRA_BODY_ROUTES)
def test_blocked_word_in_extra_body_is_refused(route: str, client: openai.OpenAI, proxy: ServerProcess) -> None:
    """Before: 200, and the mock API server answered 'Mock reply to "my password is hunter2"'."""
    with pytest.raises(openai.BadRequestError) as excinfo:
        EXTRA_BODY_ROUTES[route](client, proxy)
    assert excinfo.value.status_code == 400
    assert "block-secrets" in str(excinfo.value)


def test_clean_extra_body_still_reaches_the_provider(client: openai.OpenAI) -> None:
    """A clean `extra_body` is passed on unchanged: the mock API server answers the message it carries."""
    reply = client.chat.completions.create(
        model="gpt-mock", messages=HI, extra_body={"extra_body": {"messages": [{"role": "user", "content": "tell me"}]}}
    )
    assert "tell me" in (reply.choices[0].message.content or "")


# A body field LiteLLM does not know goes to the provider as a field of its request (OpenAI-compatible servers
# read some: vLLM's `documents`, `chat_template`): the proxy's guardrail reads what the client sent there too.
UNKNOWN_FIELDS: dict[str, Callable[[openai.OpenAI, dict[str, object]], object]] = {
    "chat": lambda client, extra: client.chat.completions.create(model="gpt-mock", messages=HI, extra_body=extra),
    "chat-stream": lambda client, extra: list(
        client.chat.completions.create(model="gpt-mock", messages=HI, stream=True, extra_body=extra)
    ),
    "completions": lambda client, extra: client.completions.create(model="echo", prompt="hi", extra_body=extra),
    "embeddings": lambda client, extra: client.embeddings.create(model="echo-embedding", input="hi", extra_body=extra),
}


@pytest.mark.parametrize("route", UNKNOWN_FIELDS)
def test_blocked_word_in_a_body_field_litellm_does_not_know_is_refused(route: str, client: openai.OpenAI) -> None:
    """Before: 200, the field passed on unread."""
    smuggled: list[dict[str, object]] = [
        {"documents": [{"title": "notes", "text": BLOCKED}]},
        {"chat_template": BLOCKED},
    ]
    for extra in smuggled:
        with pytest.raises(openai.BadRequestError) as excinfo:
            UNKNOWN_FIELDS[route](client, extra)
        assert excinfo.value.status_code == 400, extra
        assert "block-secrets" in str(excinfo.value), extra


@pytest.mark.parametrize("route", UNKNOWN_FIELDS)
def test_a_clean_body_field_litellm_does_not_know_still_passes(route: str, client: openai.OpenAI) -> None:
    UNKNOWN_FIELDS[route](client, {"documents": [{"title": "notes", "text": "nothing to hide"}]})
