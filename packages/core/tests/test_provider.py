"""BaseCustomProvider derives the missing call paths; observed through LiteLLM's public API only."""

from __future__ import annotations

import asyncio
import contextvars
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import litellm
import pytest
from litellm.exceptions import BadRequestError
from litellm.types.utils import (
    ChatCompletionMessageToolCall,
    Choices,
    EmbeddingResponse,
    Function,
    GenericStreamingChunk,
    ImageObject,
    ImageResponse,
    Message,
    ModelResponse,
    ModelResponseStream,
)
from litellm.utils import custom_llm_setup

from litellm_plugin.core import BaseCustomProvider

Route = Callable[[Any], str]  # the ``route`` fixture from conftest
MESSAGES = [{"role": "user", "content": "hello big world"}]
STREAM_OPTIONS = {"stream_options": {"include_usage": True}}
request_tag: contextvars.ContextVar[str] = contextvars.ContextVar("request_tag", default="none")


class CompletionOnly(BaseCustomProvider):
    """The minimal provider: only ``completion``; slow enough to show whether the event loop is blocked."""

    delay = 0.0

    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        time.sleep(self.delay)
        return self.make_response(model, messages, f"Reply[{request_tag.get()}]: {self.last_user_text(messages)}")


class AsyncOnly(BaseCustomProvider):
    async def acompletion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        await asyncio.sleep(0)
        return self.make_response(model, messages, "async says " + self.last_user_text(messages))


class NativeAsyncStream(CompletionOnly):
    async def astreaming(  # type: ignore[override]
        self, model: str, messages: list[Any], **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        yield self.make_chunk("native ")
        yield self.make_chunk("async ")
        yield self.make_chunk("stream", is_finished=True, usage={"prompt_tokens": 3, "completion_tokens": 3})


class StreamOnly(BaseCustomProvider):
    def streaming(self, model: str, messages: list[Any], **kwargs: Any) -> Iterator[GenericStreamingChunk]:  # type: ignore[override]
        yield self.make_chunk("sync ")
        yield self.make_chunk("stream", is_finished=True, usage={"prompt_tokens": 2, "completion_tokens": 2})


class ToolCaller(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        call = ChatCompletionMessageToolCall(id="call_1", function=Function(name="lookup", arguments='{"q": 1}'))
        message = Message(role="assistant", content=None, tool_calls=[call])
        return ModelResponse(model=model, choices=[Choices(index=0, message=message, finish_reason="tool_calls")])


class Nothing(BaseCustomProvider):
    """Implements no method at all."""


class SyncMedia(BaseCustomProvider):
    def embedding(  # type: ignore[override]
        self, model: str, input: list[Any], model_response: EmbeddingResponse, **kwargs: Any
    ) -> EmbeddingResponse:
        model_response.data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t))]} for i, t in enumerate(input)
        ]
        return model_response

    def image_generation(self, model: str, prompt: str, **kwargs: Any) -> ImageResponse:  # type: ignore[override]
        return ImageResponse(created=0, data=[ImageObject(url=f"data:text/plain,{prompt}")])


def _text(response: Any) -> str:
    assert isinstance(response, ModelResponse)
    return str(response.choices[0].message.content)


def _joined(chunks: list[ModelResponseStream]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


async def _all_paths(model: str, messages: list[Any]) -> dict[str, Any]:
    stream = litellm.completion(model=model, messages=messages, stream=True, **STREAM_OPTIONS)
    astream = await litellm.acompletion(model=model, messages=messages, stream=True, **STREAM_OPTIONS)
    return {
        "sync": _text(litellm.completion(model=model, messages=messages)),
        "async": _text(await litellm.acompletion(model=model, messages=messages)),
        "stream": [chunk for chunk in stream],
        "async_stream": [chunk async for chunk in astream],
    }


async def test_completion_only_provider_works_on_all_four_paths(route: Route) -> None:
    results = await _all_paths(f"{route(CompletionOnly)}/m", MESSAGES)
    assert results["sync"] == results["async"] == "Reply[none]: hello big world"
    for key in ("stream", "async_stream"):
        chunks = results[key]
        assert _joined(chunks) == results["sync"]
        assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) == 4  # word by word
        assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
        assert chunks[-1].usage.total_tokens > 0


async def test_derived_acompletion_does_not_block_the_event_loop(route: Route) -> None:
    provider = CompletionOnly()
    provider.delay = 0.3
    model = f"{route(provider)}/m"
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await litellm.acompletion(model=model, messages=MESSAGES)
    finally:
        task.cancel()
    assert ticks >= 10, f"event loop ran only {ticks} ticks during a 0.3 s blocking completion"


class Repeater(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return self.make_response(model, messages, "word " * 120 + "end")


async def test_a_reply_repeating_one_word_streams_in_full(route: Route) -> None:
    """The stream replayed from ``completion()`` sent one chunk per word: 120 equal chunks in a row, which LiteLLM
    takes for a model caught in a loop (``REPEATED_STREAMING_CHUNK_LIMIT``) and ends with an error."""
    results = await _all_paths(f"{route(Repeater)}/m", MESSAGES)
    assert _joined(results["stream"]) == _joined(results["async_stream"]) == results["sync"] == "word " * 120 + "end"


async def test_derived_acompletion_keeps_context_variables(route: Route) -> None:
    model = f"{route(CompletionOnly)}/m"
    request_tag.set("req-42")
    assert _text(await litellm.acompletion(model=model, messages=MESSAGES)).startswith("Reply[req-42]")


async def test_async_only_provider_serves_sync_calls_too(route: Route) -> None:
    results = await _all_paths(f"{route(AsyncOnly)}/m", MESSAGES)
    assert results["sync"] == results["async"] == "async says hello big world"
    assert _joined(results["stream"]) == _joined(results["async_stream"]) == results["sync"]


async def test_sync_completion_works_inside_a_running_event_loop(route: Route) -> None:
    """A sync call from async code must not try to start a second loop in this thread."""
    assert _text(litellm.completion(model=f"{route(AsyncOnly)}/m", messages=MESSAGES)) == "async says hello big world"


async def test_native_astreaming_is_used(route: Route) -> None:
    results = await _all_paths(f"{route(NativeAsyncStream)}/m", MESSAGES)
    assert _joined(results["async_stream"]) == "native async stream"
    assert _joined(results["stream"]) == "native async stream"  # sync streaming derives from the native one
    assert results["async_stream"][-1].usage.total_tokens == 6
    assert results["sync"].startswith("Reply[")  # non-stream calls still use completion


async def test_native_streaming_serves_async_streams(route: Route) -> None:
    model = f"{route(StreamOnly)}/m"
    stream = await litellm.acompletion(model=model, messages=MESSAGES, stream=True)
    assert _joined([chunk async for chunk in stream]) == "sync stream"
    reply = litellm.completion(model=model, messages=MESSAGES)  # a provider that only streams: its stream, whole
    assert (reply.choices[0].message.content, reply.usage.total_tokens) == ("sync stream", 4)


async def test_derived_stream_carries_tool_calls(route: Route) -> None:
    model = f"{route(ToolCaller)}/m"
    stream = await litellm.acompletion(model=model, messages=MESSAGES, stream=True)
    chunks = [chunk async for chunk in stream]
    rebuilt = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert isinstance(rebuilt, ModelResponse)
    calls = rebuilt.choices[0].message.tool_calls
    assert calls is not None
    assert isinstance(calls[0], ChatCompletionMessageToolCall)
    assert calls[0].function.name == "lookup"
    assert calls[0].function.arguments == '{"q": 1}'
    assert rebuilt.choices[0].finish_reason == "tool_calls"


def _map_nothing() -> str:
    """``Nothing`` put into LiteLLM's map by hand (the registry refuses it: test_registry), named as routed."""
    name = f"nothing_{uuid.uuid4().hex[:8]}"
    handler = Nothing()
    handler.provider_name = name
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": handler}]
    custom_llm_setup()
    return name


@pytest.mark.parametrize(
    ("call", "method"),
    [
        (lambda m: litellm.completion(model=m, messages=MESSAGES), "completion"),
        (lambda m: list(litellm.completion(model=m, messages=MESSAGES, stream=True)), "streaming"),
        (lambda m: litellm.embedding(model=m, input=["x"]), "embedding"),
        (lambda m: litellm.image_generation(model=m, prompt="x"), "image_generation"),
    ],
)
def test_unimplemented_methods_raise_typed_errors(call: Any, method: str) -> None:
    name = _map_nothing()
    with pytest.raises(BadRequestError, match=f"provider '{name}' does not support {method}") as caught:
        call(f"{name}/m")
    assert caught.value.llm_provider == name


async def test_unimplemented_async_methods_raise_typed_errors() -> None:
    model = f"{_map_nothing()}/m"
    with pytest.raises(BadRequestError, match="does not support acompletion"):
        await litellm.acompletion(model=model, messages=MESSAGES)
    with pytest.raises(BadRequestError, match="does not support aembedding"):
        await litellm.aembedding(model=model, input=["x"])


async def test_async_media_derive_from_sync(route: Route) -> None:
    model = f"{route(SyncMedia)}/m"
    embedded = await litellm.aembedding(model=model, input=["ab", "abcd"])
    assert [item["embedding"] for item in embedded.data] == [[2.0], [4.0]]
    image = await litellm.aimage_generation(model=model, prompt="hi")
    assert image.data is not None
    assert image.data[0].url == "data:text/plain,hi"


async def _call(path: str, model: str, messages: list[Any]) -> object:
    if path == "sync":
        return litellm.completion(model=model, messages=messages)
    if path == "async":
        return await litellm.acompletion(model=model, messages=messages)
    if path == "stream":
        return list(litellm.completion(model=model, messages=messages, stream=True))
    stream = await litellm.acompletion(model=model, messages=messages, stream=True)
    return [chunk async for chunk in stream]


BAD_INPUTS: dict[str, list[Any]] = {
    "empty list": [],
    "no role": [{"content": "hi"}],
    "unknown role": [{"role": "wizard", "content": "hi"}],
    "user content None": [{"role": "user", "content": None}],
    # LiteLLM checks the shape of *user* content itself (raising APIConnectionError), so these use other roles
    "content is a number": [{"role": "system", "content": 7}, {"role": "user", "content": "hi"}],
    "part without type": [{"role": "system", "content": [{"text": "hi"}]}, {"role": "user", "content": "hi"}],
    "text part without text": [
        {"role": "assistant", "content": [{"type": "text"}]},
        {"role": "user", "content": "x"},
    ],
    "tool message without id": [{"role": "user", "content": "q"}, {"role": "tool", "content": "42"}],
    "no user message": [{"role": "system", "content": "be nice"}],
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
@pytest.mark.parametrize("path", ["sync", "async", "stream", "async_stream"])
async def test_malformed_messages_raise_bad_request(route: Route, case: str, path: str) -> None:
    model = f"{route(CompletionOnly)}/m"
    messages = BAD_INPUTS[case]
    with pytest.raises(BadRequestError):
        await _call(path, model, messages)


async def test_legal_message_variants_are_handled(route: Route) -> None:
    model = f"{route(CompletionOnly)}/m"
    messages = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": [{"type": "text", "text": "what is "}, {"type": "text", "text": "6*7"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "calc", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "thanks"}, {"type": "image_url", "image_url": {"url": "x"}}],
        },
    ]
    results = await _all_paths(model, messages)
    assert results["sync"] == results["async"] == "Reply[none]: thanks"
    assert _joined(results["stream"]) == "Reply[none]: thanks"
