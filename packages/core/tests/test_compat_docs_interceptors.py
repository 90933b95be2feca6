"""Interceptors as LiteLLM's documentation writes them (custom callbacks, proxy call hooks), once on LiteLLM's
``CustomLogger`` (the baseline) and once re-based on ``BaseCustomLogger``: what their author observes.

Scenarios: the failure hook of the proxy's call-hooks page (LiteLLM passes it ``traceback_str`` by name, an
optional parameter of its signature).
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import litellm
import pytest
from litellm.caching.dual_cache import DualCache
from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy._types import UserAPIKeyAuth
from litellm.proxy.utils import ProxyLogging

from litellm_plugin.core import BaseCustomLogger
from litellm_plugin.core.contracts import InterceptorDefinitionError

pytestmark = pytest.mark.usefixtures("clean_callbacks")


# --- the failure hook: LiteLLM passes traceback_str, an optional parameter, by name -----------------------


class _WithoutTraceback:
    """The failure hook as a user writes it from LiteLLM's hook list, without ``traceback_str``."""

    seen: list[str]

    async def async_post_call_failure_hook(
        self, request_data: dict[str, Any], original_exception: Exception, user_api_key_dict: Any
    ) -> None:
        self.seen.append(type(original_exception).__name__)


class _WithTraceback:
    """LiteLLM's own signature, with ``traceback_str`` written without its default."""

    seen: list[str]

    async def async_post_call_failure_hook(
        self, request_data: dict[str, Any], original_exception: Exception, user_api_key_dict: Any, traceback_str: Any
    ) -> None:
        self.seen.append(type(original_exception).__name__)


def _proxy_failure(logger: Any) -> list[str]:
    """What the logger saw when LiteLLM's proxy reported a failed request (its own ``ProxyLogging`` call)."""
    logger.seen = []
    litellm.callbacks = [logger]
    asyncio.run(
        ProxyLogging(user_api_key_cache=cast(Any, DualCache())).post_call_failure_hook(
            request_data={"model": "m"}, original_exception=ValueError("boom"), user_api_key_dict=UserAPIKeyAuth()
        )
    )
    seen: list[str] = logger.seen
    return seen


def test_baseline_failure_hook_runs_only_when_it_takes_traceback_str() -> None:
    class Without(_WithoutTraceback, CustomLogger):  # type: ignore[misc]
        pass

    class With(_WithTraceback, CustomLogger):  # type: ignore[misc]
        pass

    assert _proxy_failure(Without()) == []  # LiteLLM's call raised TypeError, which it logged
    assert _proxy_failure(With()) == ["ValueError"]


def test_failure_hook_without_traceback_str_is_refused_with_the_signature_to_write() -> None:
    """It was accepted, and then never ran in the proxy."""
    with pytest.raises(InterceptorDefinitionError) as refused:

        class Without(_WithoutTraceback, BaseCustomLogger):  # type: ignore[misc]
            pass

    message = str(refused.value)
    assert "LiteLLM passes traceback_str by name" in message
    assert (
        "async_post_call_failure_hook(self, request_data, original_exception, user_api_key_dict, traceback_str=None)"
        in message
    )


def test_failure_hook_with_litellms_own_parameters_is_accepted_and_runs() -> None:
    """It was refused ("traceback_str, which LiteLLM never passes by name"), though LiteLLM passes it."""

    class With(_WithTraceback, BaseCustomLogger):  # type: ignore[misc]
        pass

    assert _proxy_failure(With()) == ["ValueError"]
