"""With LiteLLM's response cache on, an interceptor's reply change applies once per call: a reply served from the
cache carries neither an earlier call's change stacked under this one's, nor the change of an interceptor that
only an earlier call named."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import litellm
import pytest
from litellm.caching.caching import Cache, LiteLLMCacheType
from litellm.types.utils import ModelResponse

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider, PrefixTransform, TextTransform

from .conftest import Route

pytestmark = pytest.mark.usefixtures("clean_callbacks")


class Counting(BaseCustomProvider):
    """Echoes the last user message and counts its calls (a cache hit does not reach it)."""

    calls = 0

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        type(self).calls += 1
        return self.make_response(model, messages, "Echo: " + self.last_user_text(messages))


class Prefixer(BaseCustomLogger):
    call_types = frozenset({"completion", "text_completion", "anthropic_messages"})

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return PrefixTransform("[P] ")


@pytest.fixture
def local_cache() -> Iterator[None]:
    pytest.importorskip("orjson", reason="LiteLLM's cache needs orjson, of its [proxy] extra, on this release")
    litellm.cache = Cache(type=LiteLLMCacheType.LOCAL)
    yield
    litellm.cache = None


def _text(reply: Any) -> str:
    if isinstance(reply, dict):  # Anthropic Messages
        return str(reply["content"][0]["text"])
    choice = reply.choices[0]
    return str(choice.text if hasattr(choice, "text") and not hasattr(choice, "message") else choice.message.content)


async def _call(kind: str, model: str, text: str, callbacks: list[Any]) -> str:
    common: dict[str, Any] = {"model": model, "caching": True, "callbacks": callbacks}
    messages: list[Any] = [{"role": "user", "content": text}]
    if kind == "chat_stream":
        stream = await litellm.acompletion(messages=messages, stream=True, **common)
        return "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
    if kind == "text_completion":
        return _text(await litellm.atext_completion(prompt=text, **common))
    if kind == "anthropic_messages":
        return _text(await litellm.anthropic.messages.acreate(messages=messages, max_tokens=20, **common))
    return _text(await litellm.acompletion(messages=messages, **common))


KINDS = ["chat", "chat_stream", "text_completion", "anthropic_messages"]


@pytest.mark.usefixtures("local_cache")
@pytest.mark.parametrize("kind", KINDS)
def test_a_change_is_not_stacked_on_cache_hits(route: Route, kind: str) -> None:
    model = f"{route(Counting)}/m"
    prefixer = Prefixer()
    text = f"hello {uuid.uuid4().hex[:6]}"

    async def three_calls() -> list[str]:
        replies = []
        for _ in range(3):
            replies.append(await _call(kind, model, text, [prefixer]))
            await asyncio.sleep(0.2)  # LiteLLM writes the cache in the background
        return replies

    assert asyncio.run(three_calls()) == [f"[P] Echo: {text}"] * 3


@pytest.mark.usefixtures("local_cache")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("first", ["with", "without"], ids=["changed-first", "plain-first"])
def test_a_call_that_names_no_interceptor_gets_no_change_from_the_cache(route: Route, kind: str, first: str) -> None:
    model = f"{route(Counting)}/m"
    text = f"hello {uuid.uuid4().hex[:6]}"
    order = [[Prefixer()], []] if first == "with" else [[], [Prefixer()], []]

    async def calls() -> list[str]:
        replies = []
        for callbacks in order:
            replies.append(await _call(kind, model, text, callbacks))
            await asyncio.sleep(0.2)
        return replies

    before = Counting.calls
    replies = asyncio.run(calls())
    for callbacks, reply in zip(order, replies, strict=True):
        assert reply == (f"[P] Echo: {text}" if callbacks else f"Echo: {text}")
    if first == "without":  # the plain reply was cached and served to both later calls: the cache is in use
        assert Counting.calls - before == 1
