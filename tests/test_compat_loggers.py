"""Compatibility suite, loggers: the scenarios of LiteLLM's CustomLogger and Router-callback tests, run three ways.

The scenarios follow LiteLLM's ``test_custom_logger.py``, ``test_custom_callback_input.py`` and
``test_custom_callback_router.py`` (written anew here, offline): which hooks fire, with which call type, model,
user, stream flag, response text and exception, for sync and async calls, streams, failures, embeddings, and
Router calls with retries and fallbacks. Each runs with

* ``baseline``: ``litellm.CustomLogger`` + ``litellm.CustomLLM`` implementing every method;
* ``rebased``: the same hooks on ``BaseCustomLogger`` + the same methods on ``BaseCustomProvider``;
* ``completion_only``: the same logger on ``BaseCustomLogger`` + ``BaseCustomProvider`` with only ``completion()``.

The logger records every hook it receives, like LiteLLM's handlers (written without ``super().__init__()``,
as LiteLLM's examples are). Results must equal the baseline's; there are no documented differences here.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import EmbeddingResponse, GenericStreamingChunk, ModelResponse
from litellm.utils import custom_llm_setup

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider
from litellm_plugin.core.testing.settle import drain_litellm_logging

REPLY = "logged reply text"
Event = tuple[Any, ...]


def _check_key(api_key: Any, model: str, provider: str) -> None:
    if api_key == "my-bad-key":
        raise litellm.AuthenticationError(message="invalid api key", llm_provider=provider, model=model)


class _Chat:
    def completion(self, model: str, messages: list[Any], api_key: Any = None, **kwargs: Any) -> ModelResponse:
        _check_key(api_key, model, "compat")
        if "fail-once" in str(messages) and not getattr(self, "failed_once", False):
            self.failed_once = True
            raise litellm.RateLimitError(message="try again", llm_provider="compat", model=model)
        response = ModelResponse(model=model)
        response.choices[0].message.content = REPLY
        return response


class _Everything(_Chat):
    async def acompletion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:
        return self.completion(model, messages, **kwargs)

    def streaming(
        self, model: str, messages: list[Any], api_key: Any = None, **kwargs: Any
    ) -> Iterator[GenericStreamingChunk]:
        _check_key(api_key, model, "compat")
        words = REPLY.split(" ")
        for index, word in enumerate(words):
            last = index == len(words) - 1
            yield GenericStreamingChunk(
                text=word if last else word + " ",
                tool_use=None,
                is_finished=last,
                finish_reason="stop" if last else "",
                usage={"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6} if last else None,
                index=0,
            )

    async def astreaming(self, model: str, messages: list[Any], **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:
        for chunk in self.streaming(model, messages, **kwargs):
            yield chunk

    def embedding(
        self, model: str, input: list[Any], model_response: EmbeddingResponse, api_key: Any = None, **kwargs: Any
    ) -> EmbeddingResponse:
        _check_key(api_key, model, "compat")
        model_response.model = model
        model_response.data = [{"object": "embedding", "embedding": [0.5], "index": i} for i in range(len(input))]
        return model_response

    async def aembedding(
        self, model: str, input: list[Any], model_response: EmbeddingResponse, **kwargs: Any
    ) -> EmbeddingResponse:
        return self.embedding(model, input, model_response, **kwargs)


class BaselineProvider(_Everything, CustomLLM):  # type: ignore[misc]
    pass


class RebasedProvider(_Everything, BaseCustomProvider):  # type: ignore[misc]
    pass


class CompletionOnlyProvider(_Chat, BaseCustomProvider):  # type: ignore[misc]
    pass


def _text(response_obj: Any) -> Any:
    try:
        return response_obj.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return type(response_obj).__name__ if response_obj is not None else None


class _Recording:
    """Every observe-only hook, recording what LiteLLM passes. Only calls carrying ``token`` are recorded:
    LiteLLM logs sync calls on a background thread, so an earlier test's call may arrive late."""

    expect_events = True

    def __init__(self, token: str) -> None:  # no super().__init__(), as in LiteLLM's own examples
        self.token = token
        self.events: list[Event] = []

    def _record(self, hook: str, kwargs: Any, response_obj: Any = None) -> None:
        if self.token not in str(kwargs.get("messages")) + str(kwargs.get("input")):
            return
        metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
        self.events.append(
            (
                hook,
                kwargs.get("call_type"),
                kwargs.get("user"),
                bool(kwargs.get("stream")),
                _text(response_obj),
                kwargs.get("exception") is not None,
                metadata.get("model_group"),
            )
        )

    def log_pre_api_call(self, model: Any, messages: Any, kwargs: Any) -> None:
        self._record("log_pre_api_call", kwargs)

    def log_post_api_call(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("log_post_api_call", kwargs)

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("log_success_event", kwargs, response_obj)

    def log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("log_failure_event", kwargs, response_obj)

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("async_log_success_event", kwargs, response_obj)

    async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("async_log_failure_event", kwargs, response_obj)


class BaselineLogger(_Recording, CustomLogger):
    pass


class RebasedLogger(_Recording, BaseCustomLogger):
    pass


FLAVOURS: dict[str, tuple[type[CustomLLM], type[_Recording]]] = {
    "baseline": (BaselineProvider, BaselineLogger),
    "rebased": (RebasedProvider, RebasedLogger),
    "completion_only": (CompletionOnlyProvider, RebasedLogger),
}


# --- the scenarios: each makes calls with ``model`` (a provider route or a Router group) ---------------

Call = Callable[[str, str, litellm.Router], Awaitable[Any]]


def _user(token: str, extra: str = "") -> list[Any]:
    return [{"role": "user", "content": f"{extra}hello {token}"}]


async def _swallow(awaitable: Awaitable[Any]) -> None:
    try:
        await awaitable
    except Exception:  # the failure is what the scenario observes
        return


async def async_success(model: str, token: str, router: litellm.Router) -> None:
    await litellm.acompletion(model=model, messages=_user(token), user="John")


async def async_failure(model: str, token: str, router: litellm.Router) -> None:
    await _swallow(litellm.acompletion(model=model, messages=_user(token), api_key="my-bad-key"))


async def async_stream(model: str, token: str, router: litellm.Router) -> list[str]:
    stream = await litellm.acompletion(model=model, messages=_user(token), stream=True)
    return [chunk.choices[0].delta.content or "" async for chunk in stream]


async def sync_success(model: str, token: str, router: litellm.Router) -> None:
    await asyncio.to_thread(litellm.completion, model=model, messages=_user(token), user="John")


async def sync_stream(model: str, token: str, router: litellm.Router) -> list[str]:
    def read() -> list[str]:
        stream = litellm.completion(model=model, messages=_user(token), stream=True)
        return [chunk.choices[0].delta.content or "" for chunk in stream]

    return await asyncio.to_thread(read)


async def sync_failure(model: str, token: str, router: litellm.Router) -> None:
    def call() -> None:
        litellm.completion(model=model, messages=_user(token), api_key="my-bad-key")

    await _swallow(asyncio.to_thread(call))


async def async_embedding(model: str, token: str, router: litellm.Router) -> None:
    await litellm.aembedding(model=model, input=[f"hello {token}"])


async def async_embedding_failure(model: str, token: str, router: litellm.Router) -> None:
    await _swallow(litellm.aembedding(model=model, input=[f"hello {token}"], api_key="my-bad-key"))


async def router_acompletion(model: str, token: str, router: litellm.Router) -> None:
    await router.acompletion(model="group", messages=_user(token))


async def router_astream(model: str, token: str, router: litellm.Router) -> list[str]:
    stream = await router.acompletion(model="group", messages=_user(token), stream=True)
    return [chunk.choices[0].delta.content or "" async for chunk in stream]


async def router_completion(model: str, token: str, router: litellm.Router) -> None:
    await asyncio.to_thread(router.completion, model="group", messages=_user(token))


async def router_aembedding(model: str, token: str, router: litellm.Router) -> None:
    await router.aembedding(model="group", input=[f"hello {token}"])


async def router_retry(model: str, token: str, router: litellm.Router) -> None:
    await router.acompletion(model="group", messages=_user(token, "fail-once "), num_retries=1)


async def router_fallback(model: str, token: str, router: litellm.Router) -> None:
    await router.acompletion(model="broken", messages=_user(token), fallbacks=["group"])


SCENARIOS: list[Call] = [
    async_success,
    async_failure,
    async_stream,
    sync_success,
    sync_stream,
    sync_failure,
    async_embedding,
    async_embedding_failure,
    router_acompletion,
    router_astream,
    router_completion,
    router_aembedding,
    router_retry,
    router_fallback,
]
_UNSUPPORTED_BY_COMPLETION_ONLY = {"async_embedding", "async_embedding_failure", "router_aembedding"}


QUIET = 0.15  # seconds without a new event, once LiteLLM's logging queues are drained


async def _settle(logger: Any) -> None:
    """Wait until the call's terminal event has arrived (if one is expected), LiteLLM's logging queues are drained,
    and no event comes for a short while. Where this LiteLLM offers nothing to wait on, the quiet time is longer.

    Every logging callback is queued before the call (or the stream's last chunk) returns, so once both queues are
    empty only stray threads could still deliver: the quiet window is for those."""
    terminal = ("log_success_event", "log_failure_event", "async_log_success_event", "async_log_failure_event")
    deadline = time.monotonic() + (10 if logger.expect_events else 2)
    while logger.expect_events and time.monotonic() < deadline and not any(e[0] in terminal for e in logger.events):  # noqa: ASYNC110
        await asyncio.sleep(0.02)  # LiteLLM logs from its own threads and tasks
    seen = -1
    while seen != len(logger.events) and time.monotonic() < deadline:
        seen = len(logger.events)
        drained = await drain_litellm_logging(max(0.1, deadline - time.monotonic()))
        await asyncio.sleep(QUIET if drained else 0.6)


async def _observe(
    flavour: str, scenario: Call, logger_class: type[_Recording] | None = None
) -> tuple[Any, Counter[Event]]:
    provider_class, default_logger = FLAVOURS[flavour]
    logger_class = logger_class or default_logger
    token = uuid.uuid4().hex
    name = f"compat_{flavour}_{token[:8]}"
    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map = [*saved, {"provider": name, "custom_handler": provider_class()}]
    custom_llm_setup()
    router = litellm.Router(
        model_list=[
            {"model_name": "group", "litellm_params": {"model": f"{name}/m"}},
            {"model_name": "broken", "litellm_params": {"model": f"{name}/m", "api_key": "my-bad-key"}},
        ],
        num_retries=0,
        retry_after=0,
    )
    logger = logger_class(token)
    litellm.callbacks = [logger]  # type: ignore[list-item]
    try:
        result = await scenario(f"{name}/m", token, router)
        await _settle(logger)
    finally:
        litellm.custom_provider_map = saved
    return result, Counter(logger.events)


_BASELINES: dict[str, tuple[Any, Counter[Event]]] = {}


async def _baseline(scenario: Call) -> tuple[Any, Counter[Event]]:
    """The baseline's observations of ``scenario``, made once per session: both flavours compare against them."""
    if scenario.__name__ not in _BASELINES:
        observed = await _observe("baseline", scenario)
        assert observed[1], "the baseline logger observed nothing: the scenario is broken"
        litellm.logging_callback_manager._reset_all_callbacks()
        _BASELINES[scenario.__name__] = observed
    return _BASELINES[scenario.__name__]


@pytest.fixture(autouse=True)
def _fresh_lists() -> Iterator[None]:
    litellm.logging_callback_manager._reset_all_callbacks()
    yield
    litellm.logging_callback_manager._reset_all_callbacks()


@pytest.mark.parametrize("flavour", ["rebased", "completion_only"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
async def test_matches_litellm_custom_logger(scenario: Call, flavour: str) -> None:
    if flavour == "completion_only" and scenario.__name__ in _UNSUPPORTED_BY_COMPLETION_ONLY:
        pytest.skip("embeddings need embedding()/aembedding(): see test_compat_providers")
    baseline = await _baseline(scenario)
    assert await _observe(flavour, scenario) == baseline


# --- documented difference ------------------------------------------------------------------------------


class _AsyncOnly:
    """Only the async success hook, as many LiteLLM loggers are written."""

    expect_events = False
    __init__ = _Recording.__init__
    _record = _Recording._record
    async_log_success_event = _Recording.async_log_success_event


class BaselineAsyncOnly(_AsyncOnly, CustomLogger):
    pass


class RebasedAsyncOnly(_AsyncOnly, BaseCustomLogger):
    pass


async def test_difference_async_observer_also_sees_sync_calls() -> None:
    """LiteLLM never calls ``async_log_success_event`` for a sync call; BaseCustomLogger runs it from the sync
    hook, so an async-only observer sees sync calls too (README: documented differences)."""
    baseline = await _observe("baseline", sync_success, BaselineAsyncOnly)
    litellm.logging_callback_manager._reset_all_callbacks()
    rebased = await _observe("rebased", sync_success, RebasedAsyncOnly)
    assert baseline == (None, Counter())
    assert rebased == (None, Counter({("async_log_success_event", "completion", "John", False, REPLY, False, None): 1}))
