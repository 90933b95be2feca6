"""MockAPIProvider's arguments are checked when it is built (pydantic errors naming them), not on its first call."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import litellm
import pytest
from pydantic import ValidationError

from litellm_plugin.core import PluginRegistry
from litellm_plugin.providers.mock_api import MockAPIProvider, MockServerSettings


@pytest.fixture
def registry() -> Iterator[PluginRegistry]:
    registry = PluginRegistry()
    yield registry
    for name in registry.list_providers():
        registry.unregister(name)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"api_base": 8000}, "api_base"),
        ({"api_base": "127.0.0.1:8000/v1"}, "http:// or https://"),
        ({"api_base": "ftp://127.0.0.1/v1"}, "http:// or https://"),
        ({"api_base": "http://user:hunter2-password@127.0.0.1/v1"}, "credentials"),
        ({"api_key": 1234}, "api_key"),
        ({"extra_headers": {"X-Mock-Fault": 503}}, "extra_headers.X-Mock-Fault"),
        ({"settings": {"modls": ["gpt-mock"]}}, "modls"),
        ({"settings": {"embedding_dimensions": -1}}, "embedding_dimensions"),
        ({"settings": "gpt-mock"}, "settings"),
    ],
)
def test_bad_arguments_fail_when_the_provider_is_built(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match="MockAPIProvider") as excinfo:
        MockAPIProvider(**kwargs)
    assert field in str(excinfo.value)
    assert "hunter2" not in str(excinfo.value)


def test_a_typo_in_server_settings_is_an_error() -> None:
    with pytest.raises(ValidationError, match="modls"):
        MockServerSettings(modls=("gpt-mock",))  # type: ignore[call-arg]


def test_settings_as_a_dict_and_headers_as_any_mapping_work(registry: PluginRegistry) -> None:
    provider = MockAPIProvider(
        settings={"models": ["only-model"]}, extra_headers=types.MappingProxyType({"X-Trace": "t1"})
    )
    registry.register("mock_api_cfg", provider)
    registry.initialize()
    reply = litellm.completion(model="mock_api_cfg/only-model", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content
    with pytest.raises(litellm.NotFoundError):
        litellm.completion(model="mock_api_cfg/gpt-mock", messages=[{"role": "user", "content": "hi"}], num_retries=0)


def test_an_empty_api_base_means_none() -> None:
    assert MockAPIProvider(api_base="").api_base is None
