"""An ``async def`` hook or provider method behind a decorator written without ``functools.wraps``: the wrapper is
a plain ``def`` that does not say what it wraps. The refusal names the decorator and the one-line fix, instead
of telling the author to write the ``async def`` they already wrote."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider
from litellm_plugin.core.contracts import InterceptorDefinitionError
from litellm_plugin.core.provider_contracts import ProviderDefinitionError

FIX = r"a decorator hides the `async def {name}`.*`@functools.wraps\(fn\)`"


def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


def test_an_interceptor_hook_behind_a_decorator_without_wraps_is_explained() -> None:
    with pytest.raises(InterceptorDefinitionError, match=FIX.format(name="async_pre_call_hook")) as caught:

        class Timed(BaseCustomLogger):
            @timed
            async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
                return data

    assert "write it as `async def async_pre_call_hook" not in str(caught.value)


def test_a_provider_method_behind_a_decorator_without_wraps_is_explained() -> None:
    with pytest.raises(ProviderDefinitionError, match=FIX.format(name="acompletion")) as caught:

        class TimedProvider(BaseCustomProvider):
            @timed
            async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
                return self.make_response(model, messages, "hi")

    assert "write it as `async def acompletion" not in str(caught.value)


def test_a_plain_def_hook_without_a_decorator_is_still_told_to_be_async() -> None:
    with pytest.raises(InterceptorDefinitionError, match=r"write it as `async def async_pre_call_hook\(...\)`"):

        class Plain(BaseCustomLogger):
            def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
                return data
