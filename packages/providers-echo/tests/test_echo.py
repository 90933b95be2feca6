"""EchoProvider: the shared conformance suite plus echo-specific behaviour, through LiteLLM's public API."""

from __future__ import annotations

import base64
import math
import struct
import uuid
import zlib
from collections.abc import Iterator
from typing import Any

import litellm
import pytest
from litellm.exceptions import BadRequestError
from litellm.types.utils import ModelResponse

from litellm_plugin.core import PluginRegistry
from litellm_plugin.core.testing import ProviderConformanceTests
from litellm_plugin.providers.echo import EchoProvider, echo_provider


class TestEchoConformance(ProviderConformanceTests):
    provider_class = EchoProvider
    entry_point = "echo"
    supports_embeddings = True
    supports_images = True


@pytest.fixture
def model() -> Iterator[str]:
    registry = PluginRegistry()
    name = f"echo_{uuid.uuid4().hex[:8]}"
    registry.register(name, EchoProvider)
    registry.initialize()
    yield f"{name}/any-model"
    registry.unregister(name)


def _text(response: object) -> str:
    assert isinstance(response, ModelResponse)
    return str(response.choices[0].message.content)


def test_echoes_the_last_user_message(model: str) -> None:
    messages = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "Echo: first"},
        {"role": "user", "content": "second"},
        {"role": "system", "content": "ignored"},
    ]
    assert _text(litellm.completion(model=model, messages=messages)) == "Echo: second"


def test_content_parts_are_joined(model: str) -> None:
    parts = [{"type": "text", "text": "Hello, "}, {"type": "image_url", "image_url": {"url": "x"}}]
    parts.append({"type": "text", "text": "world"})
    assert _text(litellm.completion(model=model, messages=[{"role": "user", "content": parts}])) == (
        "Echo: Hello, world"
    )


def test_streams_word_by_word(model: str) -> None:
    chunks = list(litellm.completion(model=model, messages=[{"role": "user", "content": "a b  c"}], stream=True))
    words = [chunk.choices[0].delta.content for chunk in chunks if chunk.choices and chunk.choices[0].delta.content]
    assert words == ["Echo: ", "a ", "b  ", "c"]


async def test_async_stream_is_word_by_word(model: str) -> None:
    stream = await litellm.acompletion(model=model, messages=[{"role": "user", "content": "x y"}], stream=True)
    words = [chunk.choices[0].delta.content async for chunk in stream if chunk.choices[0].delta.content]
    assert words == ["Echo: ", "x ", "y"]


def _vector(model: str, text: str, **kwargs: Any) -> list[float]:
    response = litellm.embedding(model=model, input=[text], **kwargs)
    vector = response.data[0]["embedding"]
    assert isinstance(vector, list)
    return vector


def test_embeddings_are_deterministic_unit_vectors(model: str) -> None:
    first = _vector(model, "same text")
    assert first == _vector(model, "same text")
    assert first != _vector(model, "other text")
    assert len(first) == 16
    assert math.isclose(sum(value * value for value in first), 1.0)


def test_embedding_dimensions_and_usage(model: str) -> None:
    # LiteLLM refuses `dimensions` for custom providers, but forwards provider-specific parameters.
    assert len(_vector(model, "x", echo_dimensions=5)) == 5
    response = litellm.embedding(model=model, input="a single string")
    assert len(response.data) == 1
    assert response.usage is not None
    assert response.usage.prompt_tokens > 0
    with pytest.raises(BadRequestError, match="dimensions"):
        litellm.embedding(model=model, input=["x"], echo_dimensions=0)
    with pytest.raises(BadRequestError, match="embedding input"):
        litellm.embedding(model=model, input=[{"not": "text"}])


def _png(url: str) -> bytes:
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    return base64.b64decode(url[len(prefix) :])


def test_images_are_deterministic_valid_pngs(model: str) -> None:
    first = litellm.image_generation(model=model, prompt="a red square")
    again = litellm.image_generation(model=model, prompt="a red square")
    other = litellm.image_generation(model=model, prompt="a blue circle")
    assert first.data is not None
    assert again.data is not None
    assert other.data is not None
    assert first.data[0].url == again.data[0].url != other.data[0].url
    assert first.data[0].revised_prompt == "Echo: a red square"
    png = _png(str(first.data[0].url))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (16, 16)
    idat_length = struct.unpack(">I", png[33:37])[0]
    assert len(zlib.decompress(png[41 : 41 + idat_length])) == 16 * (1 + 16 * 3)


def test_module_level_instance_serves_the_proxy_style_map() -> None:
    """What the proxy does with ``custom_handler: litellm_plugin.providers.echo.echo_provider``."""
    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map = [*saved, {"provider": "echo_proxy_style", "custom_handler": echo_provider}]
    try:
        assert _text(litellm.completion(model="echo_proxy_style/m", messages=[{"role": "user", "content": "hi"}])) == (
            "Echo: hi"
        )
    finally:
        litellm.custom_provider_map = saved
