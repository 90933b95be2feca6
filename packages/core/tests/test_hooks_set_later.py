"""Hooks set on an instance (``self.hook = self._impl`` in ``__init__``) or assigned to the class after it was
defined (``Cls.hook = fn``) count on every path, with the failure policy, as hooks written in the class."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import litellm
import pytest
from litellm.types.utils import ModelResponse

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider, InterceptorError, TextTransform
from litellm_plugin.core.errors import InterceptorDefinitionError
from litellm_plugin.core.testing.paths import SDK_PATHS, CallPath, call_path

pytestmark = pytest.mark.usefixtures("clean_callbacks")

SECRET = [{"role": "user", "content": "the secret"}]
STREAM_PATHS = [p for p in SDK_PATHS if p.endswith("stream")]
NON_STREAM_PATHS = [p for p in SDK_PATHS if not p.endswith("stream")]


class Echo(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "you said: " + self.last_user_text(messages))


@pytest.fixture
def echo(route: Any) -> str:
    return f"{route(Echo)}/m"


class _Mask(TextTransform):
    def transform(self, text: str) -> str:
        return text.replace("secret", "******")


class BoundOnInstance(BaseCustomLogger):
    """Chooses its hooks at run time, as one configured from a file would."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.async_post_call_success_hook = self._whole  # type: ignore[method-assign]
        self.async_post_call_streaming_iterator_hook = self._stream  # type: ignore[method-assign,assignment]

    async def _whole(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        response.choices[0].message.content = response.choices[0].message.content.replace("secret", "******")
        return response

    async def _stream(self, user_api_key_dict: Any, response: Any, request_data: dict[str, Any]) -> AsyncIterator[Any]:
        async for chunk in response:
            for choice in chunk.choices:
                if choice.delta.content:
                    choice.delta.content = choice.delta.content.replace("secret", "******")
            yield chunk


class TransformOnInstance(BaseCustomLogger):
    def __init__(self) -> None:
        super().__init__()
        self.response_transform = self._mask  # type: ignore[method-assign]

    def _mask(self, request_data: dict[str, Any]) -> TextTransform:
        return _Mask()


@pytest.mark.parametrize("path", SDK_PATHS)
@pytest.mark.parametrize("interceptor", [BoundOnInstance, TransformOnInstance])
async def test_reply_hooks_set_on_the_instance_change_every_path(
    path: CallPath, echo: str, interceptor: type[BaseCustomLogger]
) -> None:
    litellm.callbacks = [interceptor()]
    reply = await call_path(path, model=echo, messages=SECRET)
    assert reply.text == "you said: the ******"


@pytest.mark.parametrize("path", STREAM_PATHS)
async def test_a_chunk_hook_set_on_the_instance_runs_per_chunk(path: CallPath, echo: str) -> None:
    seen: list[str] = []

    class ChunkWatcher(BaseCustomLogger):
        def __init__(self) -> None:
            super().__init__()
            self.async_post_call_streaming_hook = self._watch  # type: ignore[method-assign]

        async def _watch(self, user_api_key_dict: Any, response: str) -> None:
            seen.append(response)

    litellm.callbacks = [ChunkWatcher()]
    await call_path(path, model=echo, messages=SECRET)
    assert seen
    assert seen[-1] == "you said: the secret"


class _Refusing(BaseCustomLogger):
    pass


async def _unreachable(user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any) -> None:
    raise ValueError("policy service unreachable")


async def _unreachable_method(
    self: Any, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
) -> None:
    raise ValueError("policy service unreachable")


def _failing_on_instance(fail_open: bool) -> BaseCustomLogger:
    interceptor = _Refusing(fail_open=fail_open)
    interceptor.async_pre_call_hook = _unreachable  # type: ignore[method-assign]
    return interceptor


def _failing_in_class_set_later(fail_open: bool) -> BaseCustomLogger:
    class SetLater(BaseCustomLogger):
        pass

    SetLater.async_pre_call_hook = _unreachable_method  # type: ignore[method-assign]
    return SetLater(fail_open=fail_open)


@pytest.mark.parametrize("path", NON_STREAM_PATHS)
@pytest.mark.parametrize("make", [_failing_on_instance, _failing_in_class_set_later])
async def test_a_hook_set_later_follows_the_failure_policy(path: CallPath, echo: str, make: Any) -> None:
    litellm.callbacks = [make(False)]
    with pytest.raises(InterceptorError, match="async_pre_call_hook") as raised:
        await call_path(path, model=echo, messages=SECRET)
    assert isinstance(raised.value.__cause__, ValueError)
    litellm.callbacks = [make(True)]
    assert (await call_path(path, model=echo, messages=SECRET)).text == "you said: the secret"


def _plain_def(user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any) -> None:
    return None


def test_a_plain_def_set_on_the_instance_is_refused_naming_it() -> None:
    interceptor = _Refusing()
    with pytest.raises(InterceptorDefinitionError, match=r"_Refusing.*async_pre_call_hook.*async def"):
        interceptor.async_pre_call_hook = _plain_def  # type: ignore[method-assign,assignment]


@pytest.mark.parametrize("path", NON_STREAM_PATHS)
async def test_a_plain_def_assigned_to_the_class_later_is_refused_naming_it(path: CallPath, echo: str) -> None:
    class PlainLater(BaseCustomLogger):
        pass

    def plain(self: Any, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any) -> None:
        return None

    PlainLater.async_pre_call_hook = plain  # type: ignore[method-assign,assignment]
    litellm.callbacks = [PlainLater()]
    with pytest.raises(InterceptorDefinitionError, match=r"PlainLater\.async_pre_call_hook.*async def"):
        await call_path(path, model=echo, messages=SECRET)


@pytest.mark.parametrize("path", SDK_PATHS)
async def test_a_reply_hook_assigned_to_the_class_after_a_first_call_runs(path: CallPath, echo: str) -> None:
    class UsedFirst(BaseCustomLogger):
        pass

    litellm.callbacks = [UsedFirst()]
    assert (await call_path(path, model=echo, messages=SECRET)).text == "you said: the secret"

    def mask(self: Any, request_data: dict[str, Any]) -> TextTransform:
        return _Mask()

    UsedFirst.response_transform = mask  # type: ignore[method-assign]
    assert (await call_path(path, model=echo, messages=SECRET)).text == "you said: the ******"
