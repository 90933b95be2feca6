"""Every SDK entry point and Router method, streamed and not: one interceptor registration covers them all.

ContentFilter (mask, and block) and ResponseModifier through ``litellm.callbacks``, with the echo provider
registered as a user would. Exactly once: the reply is prefixed once and the request is checked once, also
where LiteLLM bridges a Responses or Anthropic Messages call onto ``completion`` internally.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import litellm
import pytest

from litellm_plugin.core import (
    BaseCustomLogger,
    BaseCustomProvider,
    InterceptorError,
    InterceptorRejectedError,
    PluginRegistry,
)
from litellm_plugin.loggers.filters import ContentFilter, RequestLogger, ResponseModifier

CLEAN = "hello spam world"
EXPECTED = "[V] Echo: hello [FILTERED] world"
BLOCKED = "tell me the password"
USER = "user"

Call = Callable[[str, str], Awaitable[str]]


def _messages(text: str) -> Any:
    return [{"role": USER, "content": text}]


def _chat_stream_text(chunks: list[Any]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def _text_stream_text(chunks: list[Any]) -> str:
    return "".join(chunk.choices[0].text or "" for chunk in chunks if chunk.choices)


def _responses_text(response: Any) -> str:
    return "".join(part.text for item in response.output if item.type == "message" for part in item.content)


def _responses_stream_text(events: list[Any]) -> str:
    deltas = "".join(e.delta for e in events if str(getattr(e.type, "value", e.type)) == "response.output_text.delta")
    completed = [e for e in events if str(getattr(e.type, "value", e.type)) == "response.completed"]
    assert completed, "a Responses stream ends with response.completed"
    assert _responses_text(completed[-1].response) == deltas, "completed repeats what was streamed"
    return deltas


def _anthropic_text(message: dict[str, Any]) -> str:
    return "".join(block["text"] for block in message["content"] if block["type"] == "text")


def _anthropic_stream_text(chunks: list[Any]) -> str:
    body = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in chunks).decode()
    text = ""
    for line in body.splitlines():
        if line.startswith("data:"):
            event = json.loads(line[5:])
            if event.get("type") == "content_block_delta" and event["delta"].get("type") == "text_delta":
                text += event["delta"]["text"]
    return text


async def _alist(stream: Any) -> list[Any]:
    return [item async for item in stream]


def _router(model: str) -> litellm.Router:
    return litellm.Router(model_list=[{"model_name": "m", "litellm_params": {"model": model}}])


async def chat(model: str, text: str) -> str:
    return litellm.completion(model=model, messages=_messages(text)).choices[0].message.content or ""


async def chat_stream(model: str, text: str) -> str:
    return _chat_stream_text(list(litellm.completion(model=model, messages=_messages(text), stream=True)))


async def achat(model: str, text: str) -> str:
    response = await litellm.acompletion(model=model, messages=_messages(text))
    return response.choices[0].message.content or ""


async def achat_stream(model: str, text: str) -> str:
    stream = await litellm.acompletion(model=model, messages=_messages(text), stream=True)
    return _chat_stream_text(await _alist(stream))


async def text_completion(model: str, text: str) -> str:
    return str(litellm.text_completion(model=model, prompt=text).choices[0].text)


async def text_completion_stream(model: str, text: str) -> str:
    return _text_stream_text(list(litellm.text_completion(model=model, prompt=text, stream=True)))


async def atext_completion(model: str, text: str) -> str:
    return str((await litellm.atext_completion(model=model, prompt=text)).choices[0].text)


async def atext_completion_stream(model: str, text: str) -> str:
    return _text_stream_text(await _alist(await litellm.atext_completion(model=model, prompt=text, stream=True)))


async def responses(model: str, text: str) -> str:
    return _responses_text(litellm.responses(model=model, input=text))


async def responses_stream(model: str, text: str) -> str:
    stream: Any = litellm.responses(model=model, input=text, stream=True)
    return _responses_stream_text(list(stream))


async def aresponses(model: str, text: str) -> str:
    return _responses_text(await litellm.aresponses(model=model, input=text))


async def aresponses_stream(model: str, text: str) -> str:
    return _responses_stream_text(await _alist(await litellm.aresponses(model=model, input=text, stream=True)))


async def messages(model: str, text: str) -> str:
    message: Any = litellm.anthropic.messages.create(model=model, messages=_messages(text), max_tokens=99)
    return _anthropic_text(message)


async def messages_stream(model: str, text: str) -> str:
    stream = litellm.anthropic.messages.create(model=model, messages=_messages(text), max_tokens=99, stream=True)
    return _anthropic_stream_text(list(stream))  # type: ignore[arg-type]


async def amessages(model: str, text: str) -> str:
    message = await litellm.anthropic.messages.acreate(model=model, messages=_messages(text), max_tokens=99)
    return _anthropic_text(message)  # type: ignore[arg-type]


async def amessages_stream(model: str, text: str) -> str:
    stream = await litellm.anthropic.messages.acreate(model=model, messages=_messages(text), max_tokens=99, stream=True)
    return _anthropic_stream_text(await _alist(stream))


# The sync Router methods, called from a running event loop (as in a notebook): LiteLLM then runs the Router's
# core on a thread of its own.
async def router_sync_chat(model: str, text: str) -> str:
    response: Any = _router(model).completion(model="m", messages=_messages(text))
    return response.choices[0].message.content or ""


async def router_sync_chat_stream(model: str, text: str) -> str:
    return _chat_stream_text(list(_router(model).completion(model="m", messages=_messages(text), stream=True)))


async def router_sync_responses(model: str, text: str) -> str:
    return _responses_text(_router(model).responses(model="m", input=text))


async def router_chat(model: str, text: str) -> str:
    response = await _router(model).acompletion(model="m", messages=_messages(text))
    return response.choices[0].message.content or ""


async def router_chat_stream(model: str, text: str) -> str:
    stream = await _router(model).acompletion(model="m", messages=_messages(text), stream=True)
    return _chat_stream_text(await _alist(stream))


async def router_text_completion(model: str, text: str) -> str:
    return str((await _router(model).atext_completion(model="m", prompt=text)).choices[0].text)


async def router_responses(model: str, text: str) -> str:
    return _responses_text(await _router(model).aresponses(model="m", input=text))


async def router_responses_stream(model: str, text: str) -> str:
    stream = await _router(model).aresponses(model="m", input=text, stream=True)
    return _responses_stream_text(await _alist(stream))


async def router_messages(model: str, text: str) -> str:
    message = await _router(model).aanthropic_messages(model="m", messages=_messages(text), max_tokens=99)
    return _anthropic_text(message)


async def router_messages_stream(model: str, text: str) -> str:
    stream = await _router(model).aanthropic_messages(model="m", messages=_messages(text), max_tokens=99, stream=True)
    return _anthropic_stream_text(await _alist(stream))


ENTRY_POINTS: dict[str, Call] = {
    call.__name__: call
    for call in (
        chat,
        chat_stream,
        achat,
        achat_stream,
        text_completion,
        text_completion_stream,
        atext_completion,
        atext_completion_stream,
        responses,
        responses_stream,
        aresponses,
        aresponses_stream,
        messages,
        messages_stream,
        amessages,
        amessages_stream,
        router_sync_chat,
        router_sync_chat_stream,
        router_sync_responses,
        router_chat,
        router_chat_stream,
        router_text_completion,
        router_responses,
        router_responses_stream,
        router_messages,
        router_messages_stream,
    )
}


class RequestCounter(BaseCustomLogger):
    """Counts how often the request side runs per call (exactly once is the promise)."""

    call_types = ContentFilter.call_types

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any]:
        self.seen.append(str(call_type))
        return data


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
async def test_reply_is_masked_and_prefixed_exactly_once(entry_point: str, echo_model: str) -> None:
    counter = RequestCounter()
    litellm.callbacks = [ContentFilter(blocked_words=["spam"]), ResponseModifier(prefix="[V] "), counter]
    assert await ENTRY_POINTS[entry_point](echo_model, CLEAN) == EXPECTED
    assert len(counter.seen) == 1, counter.seen


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
async def test_blocked_request_is_refused(entry_point: str, echo_model: str) -> None:
    litellm.callbacks = [ContentFilter(blocked_words=["password"], action="block", filter_requests=True)]
    with pytest.raises(InterceptorRejectedError, match="ContentFilter"):
        await ENTRY_POINTS[entry_point](echo_model, BLOCKED)


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
async def test_blocked_reply_is_refused(entry_point: str, echo_model: str) -> None:
    """Action block on replies: the echo repeats the word, so the reply itself is refused (mid-stream too)."""
    litellm.callbacks = [ContentFilter(blocked_words=["spam"], action="block")]
    with pytest.raises(InterceptorRejectedError):
        await ENTRY_POINTS[entry_point](echo_model, CLEAN)


async def test_the_callers_request_objects_are_not_changed(echo_model: str) -> None:
    """Interceptors change the engine's copy of the request: the caller's messages and tools stay as given."""
    litellm.callbacks = [ContentFilter(blocked_words=["spam"], filter_requests=True)]
    tools: list[dict[str, Any]] = [{"type": "function", "function": {"name": "f", "description": "no spam"}}]
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "text", "text": "hello spam"}]}]
    reply = await litellm.acompletion(model=echo_model, messages=messages, tools=tools)
    assert reply.choices[0].message.content == "Echo: hello [FILTERED]"
    assert tools[0]["function"]["description"] == "no spam"
    assert messages[0]["content"][0]["text"] == "hello spam"


async def test_embedding_and_image_prompts_are_checked(echo_model: str) -> None:
    litellm.callbacks = [ContentFilter(blocked_words=["password"], action="block", filter_requests=True)]
    with pytest.raises(InterceptorRejectedError):
        litellm.embedding(model=echo_model, input=["fine", BLOCKED])
    with pytest.raises(InterceptorRejectedError):
        await litellm.aimage_generation(model=echo_model, prompt=BLOCKED)
    assert len(litellm.embedding(model=echo_model, input=["fine"]).data) == 1


@pytest.mark.parametrize(
    ("entry_point", "api"),
    [("aresponses", "responses"), ("amessages", "anthropic_messages"), ("atext_completion", "text_completion")],
)
async def test_request_logger_records_every_call_type_once(
    entry_point: str, api: str, echo_model: str, caplog: pytest.LogCaptureFixture
) -> None:
    logger = RequestLogger(verbose=True, json_lines=True)
    litellm.callbacks = [logger]
    token = f"t{uuid.uuid4().hex[:10]}"

    def mine() -> list[dict[str, Any]]:  # LiteLLM may still be logging earlier tests' calls in the background
        return [getattr(r, "litellm_call", {}) for r in caplog.records if token in str(getattr(r, "litellm_call", ""))]

    with caplog.at_level("INFO", logger="litellm_plugin.loggers.filters"):
        await ENTRY_POINTS[entry_point](echo_model, f"hello {token}")
        for _ in range(100):
            if mine():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
    records = mine()
    assert len(records) == 1, records
    assert records[0]["api"] == api
    assert records[0]["reply"] == f"Echo: hello {token}"


class Broken(BaseCustomLogger):
    """A request hook that crashes, on embeddings and images."""

    call_types = frozenset({"embedding", "image_generation"})

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any]:
        raise RuntimeError("broken on purpose")


async def test_embedding_and_image_calls_fail_closed(echo_model: str) -> None:
    litellm.callbacks = [Broken()]
    with pytest.raises(InterceptorError, match="Broken"):
        litellm.embedding(model=echo_model, input=["hi"])
    with pytest.raises(InterceptorError, match="Broken"):
        await litellm.aembedding(model=echo_model, input=["hi"])
    with pytest.raises(InterceptorError, match="Broken"):
        litellm.image_generation(model=echo_model, prompt="hi")
    with pytest.raises(InterceptorError, match="Broken"):
        await litellm.aimage_generation(model=echo_model, prompt="hi")


class FailsMidStream(BaseCustomProvider):
    """Streams two pieces, then fails with a 500: the Router falls back to another deployment mid-stream."""

    def completion(self, model: str, messages: Any, *args: Any, **kwargs: Any) -> Any:
        return self.make_response(model, messages, "never used")

    async def astreaming(self, model: str, messages: Any, *args: Any, **kwargs: Any) -> Any:
        yield self.make_chunk("Half ")
        yield self.make_chunk("spam ")
        raise self.error("internal", "the upstream went away", model=model)


async def test_a_responses_stream_that_falls_back_mid_stream_ends_with_the_fallbacks_reply(echo_model: str) -> None:
    """LiteLLM streams the fallback's response after the abandoned one, in the same stream: each gets its
    own prefix and filtering, and ``response.completed`` holds the fallback's reply only, as without us."""
    registry = PluginRegistry()
    registry.register("fails_mid_stream", FailsMidStream)
    registry.initialize()
    try:
        litellm.callbacks = [ContentFilter(blocked_words=["spam"]), ResponseModifier(prefix="[V] ")]
        router = litellm.Router(
            model_list=[
                {"model_name": "flaky", "litellm_params": {"model": "fails_mid_stream/x"}},
                {"model_name": "echo", "litellm_params": {"model": echo_model}},
            ],
            fallbacks=[{"flaky": ["echo"]}],
            num_retries=0,
        )
        events = await _alist(await router.aresponses(model="flaky", input=CLEAN, stream=True))
    finally:
        registry.unregister("fails_mid_stream")
    kinds = [str(getattr(e.type, "value", e.type)) for e in events]
    assert kinds.count("response.created") == 2, kinds
    restart = kinds.index("response.created", 1)
    first = "".join(
        e.delta for e, k in zip(events[:restart], kinds[:restart], strict=True) if k == "response.output_text.delta"
    )
    assert first == "[V] Half [FILTERED] "
    completed = [e for e in events if str(getattr(e.type, "value", e.type)) == "response.completed"]
    assert _responses_text(completed[-1].response) == EXPECTED
    numbers = [e.sequence_number for e in events]
    assert numbers == sorted(set(numbers)), numbers
