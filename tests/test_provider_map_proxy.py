"""A proxy YAML ``custom_provider_map`` entry named after a built-in provider stops the proxy at startup.

Without the check LiteLLM silently routes ``openai/...`` to its built-in provider and the custom handler never
runs. The real proxy process is started with such a config; it must exit with an error naming the entry.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

import contextlib
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from litellm_plugin.core.testing.early import early_server
from litellm_plugin.core.testing.servers import ServerProcess, run_proxy

HANDLER_MODULE = textwrap.dedent(
    """
    from litellm_plugin.core import BaseCustomProvider


    class Shadowed(BaseCustomProvider):
        def completion(self, model, messages, **kwargs):
            return self.make_response(model, messages, "custom handler ran")


    shadowed = Shadowed()
    """
)

CONFIG = textwrap.dedent(
    """
    model_list:
      - model_name: shadowed
        litellm_params:
          model: openai/anything
          api_key: sk-not-used
    litellm_settings:
      custom_provider_map:
        - provider: openai
          custom_handler: shadow_handlers.shadowed
    """
)


@contextlib.contextmanager
def _start_shadowing_proxy() -> Iterator[ServerProcess]:
    with tempfile.TemporaryDirectory(prefix="shadowing-proxy-") as name:
        folder = Path(name)
        (folder / "shadow_handlers.py").write_text(HANDLER_MODULE)
        config = folder / "config.yaml"
        config.write_text(CONFIG)
        with run_proxy(config, startup_timeout=120) as server:
            yield server


# The proxy starts in the background while earlier tests run (litellm_plugin.core.testing.early).
@pytest.mark.early_servers(shadowing_proxy=_start_shadowing_proxy)
def test_builtin_name_in_yaml_custom_provider_map_is_a_startup_error() -> None:
    with (
        pytest.raises(RuntimeError, match="before it was ready") as failed,
        early_server("shadowing_proxy", _start_shadowing_proxy),
    ):
        pass
    logs = str(failed.value)
    assert "custom_provider_map[0] (provider 'openai', custom_handler Shadowed)" in logs
    assert "Rename the entry's provider" in logs


NOT_A_PROVIDER_CONFIG = textwrap.dedent(
    """
    model_list:
      - model_name: mine
        litellm_params: {model: mine/any}
    litellm_settings:
      custom_provider_map:
        - {provider: mine, custom_handler: litellm_plugin.loggers.filters.ResponseModifier}
    """
)


@contextlib.contextmanager
def _start_not_a_provider_proxy() -> Iterator[ServerProcess]:
    """No provider class of ours is defined in this proxy: only an interceptor's, named by mistake."""
    with tempfile.TemporaryDirectory(prefix="not-a-provider-proxy-") as name:
        config = Path(name) / "config.yaml"
        config.write_text(NOT_A_PROVIDER_CONFIG)
        with run_proxy(config, startup_timeout=120) as server:
            yield server


@pytest.mark.early_servers(not_a_provider_proxy=_start_not_a_provider_proxy)
def test_a_handler_that_is_not_a_provider_is_a_startup_error() -> None:
    """Before: the proxy started and answered every call with LiteLLM's "Unmapped LLM provider"."""
    with (
        pytest.raises(RuntimeError, match="before it was ready") as failed,
        early_server("not_a_provider_proxy", _start_not_a_provider_proxy),
    ):
        pass
    logs = str(failed.value)
    assert "custom_handler class ResponseModifier, which is not a provider" in logs
