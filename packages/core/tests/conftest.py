"""Shared fixtures for core tests. LiteLLM must not fetch its price map: set the flag before importing it."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# LiteLLM's retry backoff (its INITIAL_RETRY_DELAY and JITTER settings, read when litellm is imported): the
# same retries, with waits of tens of milliseconds instead of up to 1.25 s each.
os.environ.setdefault("INITIAL_RETRY_DELAY", "0.02")
os.environ.setdefault("JITTER", "0.02")

import uuid
from collections.abc import Callable, Iterator

import litellm
import pytest
from litellm.llms.custom_llm import CustomLLM

from litellm_plugin.core import PluginRegistry, interception
from litellm_plugin.core import registry as registry_module
from litellm_plugin.core.testing.settle import finish_litellm_background_logging

Route = Callable[[type[CustomLLM] | CustomLLM], str]


@pytest.fixture(autouse=True)
def _restore_litellm_provider_map() -> Iterator[None]:
    """Whatever a test does to LiteLLM's provider map, the next test starts from the same map."""
    saved = list(litellm.custom_provider_map)
    yield
    litellm.custom_provider_map = saved


@pytest.fixture
def clean_callbacks() -> Iterator[None]:
    """LiteLLM keeps callbacks in private lists across calls: start and end with none, the engine installed.
    An earlier test's call still logging on LiteLLM's thread pool is let finish first."""
    finish_litellm_background_logging()
    litellm.logging_callback_manager._reset_all_callbacks()
    yield
    litellm.logging_callback_manager._reset_all_callbacks()
    interception.install()


@pytest.fixture
def route() -> Iterator[Route]:
    """Register providers under fresh names in a private registry, active in LiteLLM for one test."""
    registry = PluginRegistry()

    def _route(provider: type[CustomLLM] | CustomLLM) -> str:
        name = f"t_{uuid.uuid4().hex[:10]}"
        registry.register(name, provider)
        registry.initialize_provider(name)
        return name

    yield _route
    for name in registry.list_providers():
        registry.unregister(name)


@pytest.fixture
def registry() -> Iterator[PluginRegistry]:
    """A private registry; whatever a test registered is removed from LiteLLM afterwards."""
    private = PluginRegistry()
    yield private
    for name in private.list_providers():
        private.unregister(name)


@pytest.fixture
def global_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginRegistry]:
    """A fresh process-wide registry for tests of the module-level helpers, emptied afterwards."""
    fresh = PluginRegistry()
    monkeypatch.setattr(registry_module, "_registry", fresh)
    monkeypatch.setattr(registry_module, "_initialized_once", False)
    yield fresh
    for name in fresh.list_providers():
        fresh.unregister(name)
