"""Compatibility suite, providers: the scenarios of LiteLLM's own CustomLLM tests, run three ways.

The scenarios follow LiteLLM's ``tests/local_testing/test_custom_llm.py`` (written anew here): provider
resolution, completion and acompletion (whose handler itself calls ``litellm.completion`` with a mock reply),
sync and async streaming, image generation (and the arguments it receives), embeddings and the supported
OpenAI params. Each runs with

* ``baseline``: a ``litellm.CustomLLM`` implementing every method, as in LiteLLM's tests;
* ``rebased``: the same methods on ``BaseCustomProvider``;
* ``completion_only``: ``BaseCustomProvider`` with only ``completion()``.

Every provider is registered the LiteLLM way (``litellm.custom_provider_map``), not through our registry.
Results must equal the baseline's, except the documented differences in ``DIFFERENCES``.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import litellm
import pytest
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import EmbeddingResponse, GenericStreamingChunk, ImageObject, ImageResponse, ModelResponse
from litellm.utils import custom_llm_setup

from litellm_plugin.core import BaseCustomProvider

REPLY = "Hi!"
USER: list[Any] = [{"role": "user", "content": "Hello world!"}]
Observation = Any


def _chunk(text: str) -> GenericStreamingChunk:
    return GenericStreamingChunk(
        text=text,
        tool_use=None,
        is_finished=True,
        finish_reason="stop",
        usage={"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30},
        index=0,
    )


def _embeddings(model_response: EmbeddingResponse, model: str, texts: list[Any]) -> EmbeddingResponse:
    model_response.model = model
    model_response.data = [{"object": "embedding", "embedding": [0.1, 0.2, 0.3], "index": i} for i in range(len(texts))]
    return model_response


class _Chat:
    """``completion`` as LiteLLM's test writes it: the handler asks LiteLLM for a mocked reply."""

    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:
        reply = litellm.completion(
            model="gpt-3.5-turbo", messages=[{"role": "user", "content": "x"}], mock_response=REPLY
        )
        assert isinstance(reply, ModelResponse)
        return reply


class _Everything(_Chat):
    """Every other method, written natively."""

    image_calls: list[dict[str, Any]]

    async def acompletion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:
        return self.completion(model, messages)

    def streaming(self, model: str, messages: list[Any], **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        yield _chunk(REPLY)

    async def astreaming(self, model: str, messages: list[Any], **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:
        yield _chunk(REPLY)

    def image_generation(self, model: str, prompt: str, **kwargs: Any) -> ImageResponse:
        self.image_calls.append(kwargs)
        return ImageResponse(created=int(time.time()), data=[ImageObject(url="https://example.com/image.png")])

    async def aimage_generation(self, model: str, prompt: str, **kwargs: Any) -> ImageResponse:
        return self.image_generation(model, prompt, **kwargs)

    def embedding(
        self, model: str, input: list[Any], model_response: EmbeddingResponse, **kwargs: Any
    ) -> EmbeddingResponse:
        return _embeddings(model_response, model, input)

    async def aembedding(
        self, model: str, input: list[Any], model_response: EmbeddingResponse, **kwargs: Any
    ) -> EmbeddingResponse:
        return _embeddings(model_response, model, input)


class Baseline(_Everything, CustomLLM):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.image_calls = []


class Rebased(_Everything, BaseCustomProvider):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.image_calls = []


class CompletionOnly(_Chat, BaseCustomProvider):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.image_calls: list[dict[str, Any]] = []


FLAVOURS: dict[str, Callable[[], CustomLLM]] = {
    "baseline": Baseline,
    "rebased": Rebased,
    "completion_only": CompletionOnly,
}

# (flavour, scenario) -> what that flavour observes instead of the baseline's result, and why (README).
DIFFERENCES: dict[tuple[str, str], Observation] = {
    # BaseCustomProvider derives images and embeddings only from each other, never from completion():
    # a provider without them answers with a typed litellm.BadRequestError naming the method.
    ("completion_only", "image_generation"): ("error", "BadRequestError"),
    ("completion_only", "aimage_generation"): ("error", "BadRequestError"),
    ("completion_only", "image_arguments"): ("error", "BadRequestError"),
    ("completion_only", "embedding"): ("error", "BadRequestError"),
    ("completion_only", "aembedding"): ("error", "BadRequestError"),
}


# --- the scenarios -------------------------------------------------------------------------------------


def _stream_summary(chunks: list[Any]) -> Observation:
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    finish = [c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason is not None]
    pieces_are_text = all(
        isinstance(c.choices[0].delta.content, str) for c in chunks if c.choices[0].finish_reason is None
    )
    return {"text": text, "finish_reasons": finish, "pieces_are_text": pieces_are_text}


async def provider_resolution(name: str, handler: CustomLLM) -> Observation:
    model, provider, _, _ = litellm.get_llm_provider(model=f"{name}/my-fake-model")
    return model, provider


async def completion(name: str, handler: CustomLLM) -> Observation:
    return litellm.completion(model=f"{name}/my-fake-model", messages=USER).choices[0].message.content


async def acompletion(name: str, handler: CustomLLM) -> Observation:
    reply = await litellm.acompletion(model=f"{name}/my-fake-model", messages=USER)
    return reply.choices[0].message.content


async def streaming(name: str, handler: CustomLLM) -> Observation:
    return _stream_summary(list(litellm.completion(model=f"{name}/my-fake-model", messages=USER, stream=True)))


async def astreaming(name: str, handler: CustomLLM) -> Observation:
    stream = await litellm.acompletion(model=f"{name}/my-fake-model", messages=USER, stream=True)
    return _stream_summary([chunk async for chunk in stream])


async def image_generation(name: str, handler: CustomLLM) -> Observation:
    return [
        image.url for image in litellm.image_generation(model=f"{name}/my-fake-model", prompt="Hello world").data or []
    ]


async def aimage_generation(name: str, handler: CustomLLM) -> Observation:
    response = await litellm.aimage_generation(model=f"{name}/my-fake-model", prompt="Hello world")
    return [image.url for image in response.data or []]


async def image_arguments(name: str, handler: CustomLLM) -> Observation:
    await litellm.aimage_generation(
        model=f"{name}/my-fake-model",
        prompt="Hello world",
        api_key="my-api-key",
        api_base="my-api-base",
        my_custom_param="my-custom-param",
    )
    [call] = handler.image_calls  # type: ignore[attr-defined]
    return call["api_key"], call["api_base"], call["optional_params"]


async def embedding(name: str, handler: CustomLLM) -> Observation:
    response = litellm.embedding(model=f"{name}/my-fake-model", input=["good morning", "good night"])
    return response.data[1]


async def aembedding(name: str, handler: CustomLLM) -> Observation:
    response = await litellm.aembedding(model=f"{name}/my-fake-model", input=["good morning", "good night"])
    return response.data[1]


async def supported_openai_params(name: str, handler: CustomLLM) -> Observation:
    return litellm.get_supported_openai_params(model=f"{name}/my-fake-model") is not None


SCENARIOS: list[Callable[[str, CustomLLM], Awaitable[Observation]]] = [
    provider_resolution,
    completion,
    acompletion,
    streaming,
    astreaming,
    image_generation,
    aimage_generation,
    image_arguments,
    embedding,
    aembedding,
    supported_openai_params,
]


async def _observe(flavour: str, scenario: Callable[[str, CustomLLM], Awaitable[Observation]]) -> Observation:
    """Register a fresh handler of ``flavour`` under a fresh name, the LiteLLM way, and run the scenario."""
    handler = FLAVOURS[flavour]()
    name = f"compat_{flavour}_{uuid.uuid4().hex[:8]}"
    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map = [*saved, {"provider": name, "custom_handler": handler}]
    custom_llm_setup()
    try:
        observed = await scenario(name, handler)
    except Exception as exc:
        return "error", type(exc).__name__
    finally:
        litellm.custom_provider_map = saved
    if scenario is provider_resolution:
        return observed[0], observed[1].replace(name, "<name>")
    return observed


@pytest.mark.parametrize("flavour", ["rebased", "completion_only"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
async def test_matches_litellm_custom_llm(
    scenario: Callable[[str, CustomLLM], Awaitable[Observation]], flavour: str
) -> None:
    baseline = await _observe("baseline", scenario)
    assert not (isinstance(baseline, tuple) and baseline[:1] == ("error",)), baseline
    expected = DIFFERENCES.get((flavour, scenario.__name__), baseline)
    assert await _observe(flavour, scenario) == expected
