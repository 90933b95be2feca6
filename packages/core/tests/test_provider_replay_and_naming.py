"""Streams replayed from a whole reply lose nothing silently; hand-mapped and delegating providers work as on
LiteLLM's ``CustomLLM``; ``error(status_code=...)`` is honoured for every kind."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import litellm
import pytest
from litellm import exceptions
from litellm.types.utils import Choices, Message, ModelResponse, Usage

from litellm_plugin.core import BaseCustomProvider, PluginRegistry, ProviderDefinitionError, ProviderMethodError

Route = Callable[[Any], str]  # the ``route`` fixture from conftest
MESSAGES = [{"role": "user", "content": "two plus two?"}]


class ThreeChoices(BaseCustomProvider):
    """Answers with as many choices as ``n`` asks for, and three when ``n`` is not given."""

    calls = 0

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        type(self).calls += 1
        count = kwargs["optional_params"].get("n") or 3
        reply = self.make_response(model, messages, "answer 0")
        for index in range(1, count):
            extra = self.make_response(model, messages, f"answer {index}").choices[0]
            extra.index = index
            reply.choices.append(extra)
        return reply


class Reasoner(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        message = Message(role="assistant", content="It is 4.", reasoning_content="2+2 is four")
        usage = Usage(
            prompt_tokens=5,
            completion_tokens=6,
            total_tokens=11,
            completion_tokens_details={"reasoning_tokens": 4},
            prompt_tokens_details={"cached_tokens": 2},
        )
        choice = Choices(index=0, finish_reason="stop", message=message)
        return ModelResponse(model=model, choices=[choice], usage=usage)


async def _streamed(model: str, asynchronous: bool, **params: Any) -> list[Any]:
    if asynchronous:
        stream = await litellm.acompletion(model=model, messages=MESSAGES, stream=True, **params)
        return [chunk async for chunk in stream]
    return list(litellm.completion(model=model, messages=MESSAGES, stream=True, **params))


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_a_replayed_stream_refuses_n_above_one_before_the_reply_is_made(route: Route, asynchronous: bool) -> None:
    model = f"{route(ThreeChoices)}/m"
    assert len(litellm.completion(model=model, messages=MESSAGES, n=2).choices) == 2  # without a stream: both
    ThreeChoices.calls = 0
    with pytest.raises(exceptions.BadRequestError, match=r"n=2 asks for 2 choices.*Call without stream=True"):
        await _streamed(model, asynchronous, n=2)
    assert ThreeChoices.calls == 0


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_a_replayed_stream_refuses_a_reply_of_several_choices(route: Route, asynchronous: bool) -> None:
    with pytest.raises(exceptions.BadRequestError, match="its reply has 3 choices"):
        await _streamed(f"{route(ThreeChoices)}/m", asynchronous)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_a_replayed_stream_keeps_token_details_and_names_what_it_leaves_out(
    route: Route, asynchronous: bool, caplog: pytest.LogCaptureFixture
) -> None:
    class OwnReasoner(Reasoner):  # a class of its own: the warning is given once per class
        pass

    model = f"{route(OwnReasoner)}/m"
    with caplog.at_level(logging.WARNING, logger="litellm_plugin.core.provider"):
        chunks = await _streamed(model, asynchronous, stream_options={"include_usage": True})
        await _streamed(model, asynchronous)
    rebuilt = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert isinstance(rebuilt, ModelResponse)
    assert rebuilt.choices[0].message.content == "It is 4."
    usage = getattr(rebuilt, "usage", None)
    assert usage is not None
    assert usage.completion_tokens_details.reasoning_tokens == 4
    assert usage.prompt_tokens_details.cached_tokens == 2
    warnings = [r.getMessage() for r in caplog.records if "leaves out" in r.getMessage()]
    assert len(warnings) == 1
    assert "OwnReasoner" in warnings[0]
    assert "reasoning_content" in warnings[0]


async def test_a_plain_reply_streams_without_a_warning(route: Route, caplog: pytest.LogCaptureFixture) -> None:
    class Plain(BaseCustomProvider):
        def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
            return self.make_response(model, messages, "plain words")

    with caplog.at_level(logging.WARNING, logger="litellm_plugin.core.provider"):
        chunks = await _streamed(f"{route(Plain)}/m", True)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "plain words"
    assert not [r for r in caplog.records if r.name == "litellm_plugin.core.provider"]


class _Backend:
    """A client object a provider delegates to, as LiteLLM's CustomLLM allows."""

    def complete(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return BaseCustomProvider.make_response(model, messages, "from the backend")


class Delegating(BaseCustomProvider):
    def __init__(self) -> None:
        super().__init__()
        self.completion = _Backend().complete  # type: ignore[method-assign]


async def test_a_provider_that_sets_its_method_on_the_instance_is_registered_and_serves_every_path() -> None:
    registry = PluginRegistry()
    name = f"t_{uuid.uuid4().hex[:10]}"
    registry.register(name, Delegating())
    registry.initialize_provider(name)
    try:
        model = f"{name}/m"
        assert litellm.completion(model=model, messages=MESSAGES).choices[0].message.content == "from the backend"
        reply = await litellm.acompletion(model=model, messages=MESSAGES)
        assert reply.choices[0].message.content == "from the backend"
        for asynchronous in (False, True):
            chunks = await _streamed(model, asynchronous)
            assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "from the backend"
    finally:
        registry.unregister(name)


async def test_a_provider_mapped_by_hand_names_its_entry_on_errors() -> None:
    class Broken(BaseCustomProvider):
        def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
            raise ValueError("bug in my provider")

    class Limited(BaseCustomProvider):
        def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
            raise self.error("rate_limit", "slow down", model=model)

    broken, limited = f"b_{uuid.uuid4().hex[:8]}", f"l_{uuid.uuid4().hex[:8]}"
    litellm.custom_provider_map = [  # LiteLLM's own way (and the proxy YAML's), not the registry
        *litellm.custom_provider_map,
        {"provider": broken, "custom_handler": Broken()},
        {"provider": limited, "custom_handler": Limited()},
    ]
    with pytest.raises(ProviderMethodError) as caught:
        litellm.completion(model=f"{broken}/m", messages=MESSAGES)
    assert caught.value.llm_provider == broken
    assert str(caught.value).count(f"provider {broken!r} (Broken.completion)") == 1
    with pytest.raises(exceptions.RateLimitError) as limited_error:
        await litellm.acompletion(model=f"{limited}/m", messages=MESSAGES)
    assert limited_error.value.llm_provider == limited


@pytest.mark.parametrize("status", [99, 600, "504", 504.0, True])
def test_an_error_status_that_is_no_http_status_is_refused(status: Any) -> None:
    provider = BaseCustomProvider()
    with pytest.raises(ValueError, match="HTTP status"):
        provider.error("timeout", "x", model="m", status_code=status)


def test_a_plain_generator_astreaming_is_refused_when_the_class_is_defined() -> None:
    with pytest.raises(ProviderDefinitionError, match=r"astreaming is a plain generator.*async def astreaming"):

        class Mistaken(BaseCustomProvider):
            def astreaming(self, *args: Any, **kwargs: Any) -> Any:
                yield self.make_chunk("x", is_finished=True)

    class Returning(BaseCustomProvider):  # a plain def returning an async iterator stays allowed
        def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:  # type: ignore[override]
            async def chunks() -> AsyncIterator[Any]:
                yield self.make_chunk("x", is_finished=True)

            return chunks()

    assert Returning.implements("astreaming")
