"""``async_post_call_streaming_iterator_hook`` written as a plain ``def`` returning an async generator: LiteLLM's
proxy calls it without awaiting and iterates what it returns, so a plain CustomLogger written so works, and
moving it onto BaseCustomLogger must keep it working on every path (SDK streams, sync and async, Router). What
it returns that ``async for`` cannot iterate fails the call with the hook named, by the failure policy."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import litellm
import pytest

from litellm_plugin.core import BaseCustomLogger, InterceptorError
from litellm_plugin.core.contracts import InterceptorDefinitionError

pytestmark = pytest.mark.usefixtures("clean_callbacks")

CALL: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"}],
    "mock_response": "hello there",
}


class Upper(BaseCustomLogger):
    def async_post_call_streaming_iterator_hook(  # type: ignore[override]
        self, user_api_key_dict: Any, response: Any, request_data: Any
    ) -> AsyncIterator[Any]:
        return self._upper(response)

    async def _upper(self, response: Any) -> AsyncIterator[Any]:
        async for chunk in response:
            for choice in chunk.choices:
                if choice.delta.content:
                    choice.delta.content = choice.delta.content.upper()
            yield chunk


def _text(chunks: list[Any]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def test_a_sync_stream_goes_through_the_async_generator_it_returns() -> None:
    litellm.callbacks = [Upper()]
    assert _text(list(litellm.completion(**CALL, stream=True))) == "HELLO THERE"


async def test_an_async_stream_goes_through_the_async_generator_it_returns() -> None:
    litellm.callbacks = [Upper()]
    stream = await litellm.acompletion(**CALL, stream=True)
    assert _text([chunk async for chunk in stream]) == "HELLO THERE"


async def test_a_router_stream_goes_through_the_async_generator_it_returns() -> None:
    litellm.callbacks = [Upper()]
    router = litellm.Router(
        model_list=[{"model_name": "m", "litellm_params": {"model": "openai/m", "api_key": "k", **CALL}}]
    )
    stream = await router.acompletion(model="m", messages=CALL["messages"], stream=True)
    assert _text([chunk async for chunk in stream]) == "HELLO THERE"
    assert _text(list(router.completion(model="m", messages=CALL["messages"], stream=True))) == "HELLO THERE"


class ReturnsCoroutine(BaseCustomLogger):
    """An ``async def`` helper that returns instead of yielding: the hook hands LiteLLM a coroutine."""

    def async_post_call_streaming_iterator_hook(self, user_api_key_dict: Any, response: Any, request_data: Any) -> Any:
        return self._all(response)

    async def _all(self, response: Any) -> list[Any]:
        return [chunk async for chunk in response]


class ReturnsList(BaseCustomLogger):
    fail_open = True

    def async_post_call_streaming_iterator_hook(self, user_api_key_dict: Any, response: Any, request_data: Any) -> Any:
        return ["not", "an", "async", "iterator"]


async def test_a_returned_coroutine_fails_the_stream_naming_the_hook_and_the_fix() -> None:
    litellm.callbacks = [ReturnsCoroutine()]
    stream = await litellm.acompletion(**CALL, stream=True)
    with pytest.raises(InterceptorError) as caught:
        [chunk async for chunk in stream]
    message = str(caught.value)
    assert "'ReturnsCoroutine' failed in async_post_call_streaming_iterator_hook" in message
    assert "returned a coroutine" in message
    assert "yields each chunk" in message


def test_what_async_for_cannot_iterate_fails_open_when_the_interceptor_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    litellm.callbacks = [ReturnsList()]
    with caplog.at_level(logging.WARNING, logger="litellm_plugin.core"):
        assert _text(list(litellm.completion(**CALL, stream=True))) == "hello there"
    assert "returned a list, which LiteLLM's `async for` cannot iterate" in caplog.text


def test_a_plain_generator_is_still_refused_at_definition() -> None:
    with pytest.raises(InterceptorDefinitionError, match=r"plain generator .*`async for` cannot iterate"):

        class SyncGenerator(BaseCustomLogger):
            def async_post_call_streaming_iterator_hook(
                self, user_api_key_dict: Any, response: Any, request_data: Any
            ) -> Any:
                yield from []
