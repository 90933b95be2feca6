"""Providers as LiteLLM's documentation and plugin authors write them, once on LiteLLM's ``CustomLLM`` (the
baseline) and once re-based on ``BaseCustomProvider``: what a caller observes through LiteLLM's public API.

Scenarios: a ``completion()`` that forwards ``optional_params`` to its API (the usual HTTP provider), the
docs' streaming example that returns one chunk instead of an iterator, a provider with no provider method, one
that only streams, LiteLLM's full ``completion`` signature and the docs' image example.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import litellm
import pytest
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ImageObject, ImageResponse, ModelResponse
from litellm.utils import custom_llm_setup

from litellm_plugin.core import (
    BaseCustomProvider,
    InvalidProviderError,
    PluginRegistry,
    ProviderContractError,
    ProviderDefinitionError,
)

MESSAGES: list[Any] = [{"role": "user", "content": "hi"}]


def _route(handler: CustomLLM) -> str:
    """Registered the LiteLLM way, as the docs do (``custom_provider_map``); conftest restores the map."""
    name = f"docs_{uuid.uuid4().hex[:8]}"
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": handler}]
    custom_llm_setup()
    return f"{name}/m"


def _chunk_text(chunk: Any) -> str:
    """A stream chunk's text; a usage chunk (``stream_options.include_usage``) has no choices."""
    return (chunk.choices[0].delta.content or "") if chunk.choices else ""


def _text(model: str, *, stream: bool, asynchronous: bool, **params: Any) -> str:
    async def run_async() -> str:
        if stream:
            chunks = await litellm.acompletion(model=model, messages=MESSAGES, stream=True, **params)
            return "".join([_chunk_text(c) async for c in chunks])
        reply = await litellm.acompletion(model=model, messages=MESSAGES, **params)
        return str(reply.choices[0].message.content)

    if asynchronous:
        return asyncio.run(run_async())
    if stream:
        return "".join(
            _chunk_text(c) for c in litellm.completion(model=model, messages=MESSAGES, stream=True, **params)
        )
    return str(litellm.completion(model=model, messages=MESSAGES, **params).choices[0].message.content)


PATHS = [(False, False), (True, False), (False, True), (True, True)]
PATH_IDS = ["sync", "async", "stream", "async_stream"]


# --- completion() forwarding optional_params to its API ----------------------------------------------------


class _ForwardingAPI:
    """What a provider's HTTP API does with the body it is sent: it answers a JSON reply, unless the body asks
    for a stream (then it answers server-sent events, which a JSON reader cannot parse)."""

    @staticmethod
    def post(body: dict[str, Any]) -> dict[str, Any]:
        if body.get("stream"):
            raise ValueError("the API answered text/event-stream; expected a JSON body")
        return {"content": f"answer at temperature {body.get('temperature')}"}


class _Forwarding:
    """The usual HTTP provider: ``optional_params`` (temperature, max_tokens...) go into the request body as
    they are. LiteLLM only ever calls ``completion()`` for calls made without ``stream=True``."""

    seen: list[dict[str, Any]]

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        body = {"model": model, "messages": messages, **kwargs["optional_params"]}
        self.seen.append(dict(kwargs["optional_params"]))
        response = ModelResponse(model=model)
        response.choices[0].message.content = _ForwardingAPI.post(body)["content"]
        return response


class BaselineForwarding(_Forwarding, CustomLLM):
    def __init__(self) -> None:
        super().__init__()
        self.seen = []

    def streaming(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        """LiteLLM's CustomLLM cannot stream from completion(): the author writes the stream out by hand."""
        raise NotImplementedError


class RebasedForwarding(_Forwarding, BaseCustomProvider):
    def __init__(self) -> None:
        super().__init__()
        self.seen = []


def test_baseline_completion_never_sees_stream_flags() -> None:
    provider = BaselineForwarding()
    model = _route(provider)
    assert _text(model, stream=False, asynchronous=False, temperature=0.5) == "answer at temperature 0.5"
    assert provider.seen == [{"temperature": 0.5}]


@pytest.mark.parametrize(("asynchronous", "stream"), PATHS, ids=PATH_IDS)
def test_completion_only_provider_forwarding_optional_params_streams(asynchronous: bool, stream: bool) -> None:
    """completion() sees the optional_params of the same call made without ``stream=True`` on every path: one
    that forwards them to its API does not ask it for a stream it cannot read (it did: stream and
    stream_options reached it, and every streamed call failed)."""
    provider = RebasedForwarding()
    model = _route(provider)
    params: dict[str, Any] = {"temperature": 0.5}
    if stream:
        params["stream_options"] = {"include_usage": True}
    assert _text(model, stream=stream, asynchronous=asynchronous, **params) == "answer at temperature 0.5"
    assert provider.seen == [{"temperature": 0.5}]


# --- the docs' streaming example returns one chunk instead of an iterator ----------------------------------


def _one_chunk() -> GenericStreamingChunk:
    return {
        "finish_reason": "stop",
        "index": 0,
        "is_finished": True,
        "text": "1700000000",
        "tool_use": None,
        "usage": {"completion_tokens": 0, "prompt_tokens": 0, "total_tokens": 0},
    }


class _ReturnsOneChunk:
    """LiteLLM's "Add Streaming Support" example: ``streaming`` *returns* its chunk."""

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        return _one_chunk()  # type: ignore[return-value]


class BaselineOneChunk(_ReturnsOneChunk, CustomLLM):
    pass


class RebasedOneChunk(_ReturnsOneChunk, BaseCustomProvider):
    pass


def _stream_error(handler: CustomLLM) -> BaseException:
    model = _route(handler)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the baseline's type is LiteLLM's to choose
        _text(model, stream=True, asynchronous=False)
    error: BaseException = caught.value
    return getattr(error, "original_exception", None) or error


def test_streaming_that_returns_one_chunk_says_to_yield_it() -> None:
    """LiteLLM cannot iterate the dict either ("'dict' object is not an iterator"); ours names the fix."""
    assert "not an iterator" in str(_stream_error(BaselineOneChunk()))
    error = _stream_error(RebasedOneChunk())
    assert isinstance(error, ProviderContractError)
    assert "returned one chunk" in str(error)
    assert "yield" in str(error)


# --- a provider that implements no provider method at all --------------------------------------------------


class _Misspelt:
    """Every method under a name LiteLLM never calls (the class-definition warning names ``completion``)."""

    def chat(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return ModelResponse(model=model)


class BaselineEmpty(_Misspelt, CustomLLM):
    pass


class RebasedEmpty(_Misspelt, BaseCustomProvider):
    pass


# LiteLLM's own error for a method its CustomLLM lacks: InternalServerError, an APIConnectionError on 1.84.
LITELLMS_NOT_IMPLEMENTED = (litellm.InternalServerError, litellm.APIConnectionError)


def test_baseline_empty_provider_fails_only_when_called() -> None:
    model = _route(BaselineEmpty())
    with pytest.raises(LITELLMS_NOT_IMPLEMENTED, match="Not implemented yet!"):
        _text(model, stream=False, asynchronous=False)


@pytest.mark.parametrize("provider", [BaselineEmpty, RebasedEmpty, RebasedEmpty()], ids=["litellm", "ours", "instance"])
def test_empty_provider_is_refused_when_registered_saying_what_to_write(
    registry: PluginRegistry, provider: Any
) -> None:
    with pytest.raises(InvalidProviderError) as refused:
        registry.register("empty", provider)
    message = str(refused.value)
    assert "implements none of LiteLLM's provider methods" in message
    assert "Implement completion(self, model, messages, *args, **kwargs)" in message
    assert registry.list_providers() == []


def test_empty_provider_put_into_litellms_map_says_what_to_write_when_called() -> None:
    model = _route(RebasedEmpty())
    with pytest.raises(litellm.BadRequestError, match=r"does not support completion: RebasedEmpty implements none"):
        _text(model, stream=False, asynchronous=False)


# --- a provider that only streams (LiteLLM's docs: "Add Streaming Support") --------------------------------


def _generic(text: str, *, tool: dict[str, Any] | None = None, last: bool = False) -> GenericStreamingChunk:
    return {
        "finish_reason": ("tool_calls" if tool else "stop") if last else "",
        "index": 0,
        "is_finished": last,
        "text": text,
        "tool_use": tool,  # type: ignore[typeddict-item]
        "usage": {"completion_tokens": 5, "prompt_tokens": 7, "total_tokens": 12} if last else None,
    }


def _call_chunk(index: int, name: str | None, arguments: str, call_id: str | None = None) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}, "index": index}


class _OnlyStreams:
    """GenericStreamingChunk dicts, as the docs write them: text in two pieces, then a tool call in two pieces."""

    seen: list[dict[str, Any]]

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        self.seen.append(dict(kwargs["optional_params"]))
        yield _generic("Hello ")
        yield _generic("there")
        yield _generic("", tool=_call_chunk(0, "get_weather", '{"city": ', "call_1"))
        yield _generic("", tool=_call_chunk(0, None, '"Paris"}'), last=True)


class BaselineOnlyStreams(_OnlyStreams, CustomLLM):
    def __init__(self) -> None:
        super().__init__()
        self.seen = []


class RebasedOnlyStreams(_OnlyStreams, BaseCustomProvider):
    def __init__(self) -> None:
        super().__init__()
        self.seen = []


def _whole(model: str, asynchronous: bool) -> Any:
    if asynchronous:
        return asyncio.run(litellm.acompletion(model=model, messages=MESSAGES, temperature=0.5))
    return litellm.completion(model=model, messages=MESSAGES, temperature=0.5)


def _streamed_reply(model: str) -> Any:
    chunks = list(litellm.completion(model=model, messages=MESSAGES, stream=True, temperature=0.5))
    return litellm.stream_chunk_builder(chunks, messages=MESSAGES)


def _reply_view(reply: Any) -> Any:
    choice = reply.choices[0]
    calls = [(c.id, c.function.name, c.function.arguments) for c in choice.message.tool_calls or []]
    return choice.message.content, calls, choice.finish_reason


def test_baseline_provider_that_only_streams_fails_unstreamed_calls() -> None:
    model = _route(BaselineOnlyStreams())
    assert _reply_view(_streamed_reply(model)) == (
        "Hello there",
        [("call_1", "get_weather", '{"city": "Paris"}')],
        "tool_calls",
    )
    with pytest.raises(LITELLMS_NOT_IMPLEMENTED, match="Not implemented yet!"):
        _whole(model, asynchronous=False)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_provider_that_only_streams_answers_unstreamed_calls_with_its_stream(asynchronous: bool) -> None:
    """The reply its stream spells out, as LiteLLM's own stream_chunk_builder reads the baseline's stream (it
    answered "does not support completion"); streaming() sees the optional_params of a streamed call."""
    baseline = _streamed_reply(_route(BaselineOnlyStreams()))
    provider = RebasedOnlyStreams()
    reply = _whole(_route(provider), asynchronous)
    assert _reply_view(reply) == _reply_view(baseline)
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (7, 5)
    assert provider.seen == [{"temperature": 0.5, "stream": True}]


# --- signatures: LiteLLM's full one, and the docs' image example -------------------------------------------


class _FullSignature:
    """completion() with every parameter of LiteLLM's CustomLLM, positional-or-keyword, as its spec shows."""

    def completion(
        self,
        model: str,
        messages: list[Any],
        api_base: Any,
        custom_prompt_dict: Any,
        model_response: ModelResponse,
        print_verbose: Any,
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: Any = None,
        client: Any = None,
    ) -> ModelResponse:
        model_response.choices[0].message.content = f"{model} {sorted(optional_params)}"
        return model_response


class BaselineFull(_FullSignature, CustomLLM):
    pass


class RebasedFull(_FullSignature, BaseCustomProvider):
    pass


@pytest.mark.parametrize(("asynchronous", "stream"), PATHS, ids=PATH_IDS)
def test_full_litellm_signature_serves_every_path_as_the_baseline_serves_sync(asynchronous: bool, stream: bool) -> None:
    baseline = _text(_route(BaselineFull()), stream=False, asynchronous=False, temperature=0.1)
    assert baseline == "m ['temperature']"
    assert _text(_route(RebasedFull()), stream=stream, asynchronous=asynchronous, temperature=0.1) == baseline


class _DocsImage:
    """LiteLLM's docs' image example: no api_key, api_base parameters, which LiteLLM passes by name."""

    async def aimage_generation(
        self,
        model: str,
        prompt: str,
        model_response: Any,
        optional_params: Any,
        logging_obj: Any,
        timeout: Any = None,
        client: Any = None,
    ) -> ImageResponse:
        return ImageResponse(created=1, data=[ImageObject(url="https://example.com/image.png")])


def test_docs_image_example_is_refused_at_definition_naming_the_missing_arguments() -> None:
    class BaselineImage(_DocsImage, CustomLLM):  # type: ignore[misc]
        pass

    with pytest.raises(litellm.APIConnectionError, match="unexpected keyword argument 'api_key'"):
        asyncio.run(litellm.aimage_generation(model=_route(BaselineImage()), prompt="an otter"))
    with pytest.raises(ProviderDefinitionError, match="LiteLLM passes api_key, api_base by name"):

        class RebasedImage(_DocsImage, BaseCustomProvider):  # type: ignore[misc]
            pass


# --- stream chunks missing the keys LiteLLM reads ----------------------------------------------------------


class _TextChunks:
    """Chunks as a first attempt writes them: only the text, and the end marked on the last one."""

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        yield {"text": "Hi "}
        yield {"text": "there", "is_finished": True, "finish_reason": "stop"}


class BaselineTextChunks(_TextChunks, CustomLLM):
    pass


class RebasedTextChunks(_TextChunks, BaseCustomProvider):
    pass


@pytest.mark.parametrize("asynchronous", [False, True], ids=["stream", "async_stream"])
def test_chunks_missing_keys_are_reported_naming_them(asynchronous: bool) -> None:
    """LiteLLM fails with "APIConnectionError: 'is_finished'" (its own read of the missing key)."""
    assert "APIConnectionError: 'is_finished'" in str(_stream_error(BaselineTextChunks()))
    with pytest.raises(Exception) as caught:  # noqa: PT011 - LiteLLM wraps what a stream raises
        _text(_route(RebasedTextChunks()), stream=True, asynchronous=asynchronous)
    error = getattr(caught.value, "original_exception", None) or caught.value
    assert isinstance(error, ProviderContractError)
    assert "yielded a chunk without is_finished, finish_reason, usage" in str(error)
    assert "self.make_chunk(" in str(error)


# --- completion() returning the API's JSON body --------------------------------------------------------------


class _ReturnsJSON:
    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        message = {"role": "assistant", "content": "json"}
        return {"object": "chat.completion", "model": model, "choices": [{"index": 0, "message": message}]}


class BaselineJSON(_ReturnsJSON, CustomLLM):
    pass


class RebasedJSON(_ReturnsJSON, BaseCustomProvider):
    pass


def test_completion_returning_the_apis_json_says_how_to_convert_it() -> None:
    """LiteLLM hands the dict to the caller as it is, who fails reading it ("no attribute 'choices'")."""
    with pytest.raises(AttributeError, match="'dict' object has no attribute 'choices'"):
        _text(_route(BaselineJSON()), stream=False, asynchronous=False)
    with pytest.raises(ProviderContractError, match=r"litellm\.ModelResponse\(\*\*reply\) from the API's JSON reply"):
        _text(_route(RebasedJSON()), stream=False, asynchronous=False)
