"""Router fallback across packages: a ``mock_api`` deployment answering HTTP 500 falls back to ``echo``."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported below

from collections.abc import Iterator
from typing import Any

import litellm
import pytest
from litellm.exceptions import InternalServerError
from litellm.router import Router
from litellm.types.utils import ModelResponse

from litellm_plugin.core import PluginRegistry
from litellm_plugin.providers.echo import EchoProvider
from litellm_plugin.providers.mock_api import MockAPIProvider

MESSAGES: list[Any] = [{"role": "user", "content": "fall back please"}]


@pytest.fixture
def router() -> Iterator[Router]:
    mock = MockAPIProvider()  # embedded app: no server needed
    registry = PluginRegistry()
    registry.register("mock_api", mock)
    registry.register("echo", EchoProvider())
    registry.initialize()
    litellm.suppress_debug_info = True
    try:
        yield Router(
            model_list=[
                {
                    "model_name": "primary",
                    "litellm_params": {
                        "model": "mock_api/gpt-mock",
                        "extra_headers": {"X-Mock-Fault": "status=500"},
                    },
                },
                {"model_name": "backup", "litellm_params": {"model": "echo/echo-model"}},
            ],
            fallbacks=[{"primary": ["backup"]}],
            num_retries=0,
        )
    finally:
        for name in registry.list_providers():
            registry.unregister(name)
        mock.close()


def test_primary_really_fails(router: Router) -> None:
    with pytest.raises(InternalServerError):
        litellm.completion(model="mock_api/gpt-mock", messages=MESSAGES, extra_headers={"X-Mock-Fault": "status=500"})


def test_sync_fallback_to_echo(router: Router) -> None:
    response = router.completion(model="primary", messages=MESSAGES)
    assert isinstance(response, ModelResponse)
    assert response.choices[0].message.content == "Echo: fall back please"


async def test_async_fallback_to_echo(router: Router) -> None:
    response = await router.acompletion(model="primary", messages=MESSAGES)
    assert isinstance(response, ModelResponse)
    assert response.choices[0].message.content == "Echo: fall back please"


def test_sync_stream_fallback_to_echo(router: Router) -> None:
    chunks: list[Any] = list(router.completion(model="primary", messages=MESSAGES, stream=True))
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == "Echo: fall back please"


async def test_async_stream_fallback_to_echo(router: Router) -> None:
    stream = await router.acompletion(model="primary", messages=MESSAGES, stream=True)
    text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream if chunk.choices])
    assert text == "Echo: fall back please"
