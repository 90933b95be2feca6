"""A logger written for ``litellm.CustomLogger`` keeps working on ``BaseCustomLogger`` (compatibility review):
hooks written as ``@staticmethod``/``@classmethod`` are called as LiteLLM calls them, misspelt hooks warn, and
a wrong ``response_transform`` is explained as this library's hook. Observed through LiteLLM's public API."""

from __future__ import annotations

import asyncio
import functools
import warnings
from typing import Any

import litellm
import pytest

from litellm_plugin.core import BaseCustomLogger
from litellm_plugin.core.contracts import InterceptorDefinitionError, InterceptorDefinitionWarning
from litellm_plugin.core.testing.settle import drain_litellm_logging

pytestmark = pytest.mark.usefixtures("clean_callbacks")

CALL: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


# --- item 3: staticmethod and classmethod hooks ------------------------------------------------------------

seen: list[str] = []


class StaticObservers(BaseCustomLogger):
    @staticmethod
    def log_success_event(kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        seen.append(f"static sync {kwargs['model']}")

    @staticmethod
    async def async_log_success_event(kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        seen.append(f"static async {kwargs['model']}")

    @classmethod
    def log_failure_event(cls, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        seen.append(f"classmethod failure {cls.__name__}")


async def test_staticmethod_and_classmethod_hooks_are_called_like_litellm_calls_them() -> None:
    seen.clear()
    litellm.callbacks = [StaticObservers()]
    await asyncio.to_thread(litellm.completion, **CALL, mock_response="ok")  # sync observers, on LiteLLM's pool
    await litellm.acompletion(**CALL, mock_response="ok")
    with pytest.raises(Exception, match="boom"):
        await asyncio.to_thread(litellm.completion, **CALL, mock_response=Exception("boom"))
    if not await drain_litellm_logging(timeout=10):
        pytest.skip("this LiteLLM release offers nothing to wait on")
    assert "static sync gpt-4o-mini" in seen
    assert "static async gpt-4o-mini" in seen
    assert "classmethod failure StaticObservers" in seen


def test_staticmethod_hook_with_a_wrong_signature_is_refused() -> None:
    with pytest.raises(InterceptorDefinitionError, match=r"log_success_event.*requires extra"):

        class Wrong(BaseCustomLogger):
            @staticmethod
            def log_success_event(kwargs: Any, response_obj: Any, start_time: Any, end_time: Any, extra: Any) -> None:  # type: ignore[override]
                pass


# --- item 6: misspelt hooks and this library's own hook ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("async_log_success", "async_log_success_event"),
        ("async_post_call_hook", "async_post_call_success_hook"),
        ("pre_call_hook", "async_pre_call_hook"),
    ],
)
def test_hook_one_word_off_warns(name: str, meant: str) -> None:
    async def hook(self: Any, *args: Any, **kwargs: Any) -> None:
        return None

    with pytest.warns(InterceptorDefinitionWarning, match=rf"{name} is not a LiteLLM hook.*{meant}"):
        type("Misspelt", (BaseCustomLogger,), {name: hook})


def test_helper_names_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", InterceptorDefinitionWarning)

        class Helpers(BaseCustomLogger):
            def log_line(self) -> None: ...

            def post_call(self) -> None: ...

            def pre_call(self) -> None: ...

            def build_call_hook_data(self) -> None: ...

            def log_success(self) -> None: ...


def test_async_response_transform_is_explained_as_this_librarys_hook() -> None:
    with pytest.raises(InterceptorDefinitionError) as caught:

        class AsyncTransform(BaseCustomLogger):
            async def response_transform(self, request_data: dict[str, Any]) -> Any:  # type: ignore[override]
                return None

    assert "LiteLLM" not in str(caught.value)
    assert "BaseCustomLogger calls it without awaiting" in str(caught.value)


# --- hooks wrapped by a decorator written as a plain ``def`` (tracing, retries) ----------------------------


def _traced(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)  # the coroutine, which LiteLLM awaits

    return wrapper


class DecoratedHooks(BaseCustomLogger):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    @_traced
    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
        data["messages"] = [*data["messages"], {"role": "user", "content": "decorated"}]
        return data

    @_traced
    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.seen.append(str(kwargs["messages"][-1]["content"]))


async def test_async_hooks_behind_a_plain_def_decorator_are_accepted_and_awaited() -> None:
    hooks = DecoratedHooks()
    litellm.callbacks = [hooks]
    reply = await litellm.acompletion(**CALL, mock_response="ok")
    assert reply.choices[0].message.content == "ok"
    if not await drain_litellm_logging(timeout=10):
        pytest.skip("this LiteLLM release offers nothing to wait on")
    assert hooks.seen == ["decorated"]


def test_a_plain_def_hook_without_a_wrapped_coroutine_is_still_refused() -> None:
    with pytest.raises(InterceptorDefinitionError, match="async_log_success_event is written as plain `def`"):

        class Plain(BaseCustomLogger):
            def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:  # type: ignore[override]
                pass


def test_an_async_hook_behind_a_decorator_where_litellm_does_not_await_is_refused() -> None:
    """LiteLLM calls ``log_success_event`` without awaiting: the coroutine the wrapper returns would never run."""
    with pytest.raises(InterceptorDefinitionError, match="log_success_event is written as `async def`"):

        class Wrong(BaseCustomLogger):
            @_traced
            async def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
                pass
