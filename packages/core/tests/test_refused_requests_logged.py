"""A request an interceptor refuses never reaches LiteLLM, yet LiteLLM's observers hear of it: one failure event,
as for any failed call (LiteLLM's proxy logs the requests its hooks refuse the same way). Observed through
LiteLLM's own ``CustomLogger`` on every SDK entry point; the refused calls never reach a provider."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger

from litellm_plugin.core import ALL_CALL_TYPES, BaseCustomLogger, CallType, InterceptorRejectedError
from litellm_plugin.core.testing.settle import drain_litellm_logging

pytestmark = pytest.mark.usefixtures("clean_callbacks")

# Nothing listens there: a call that got past the refusal would fail with a connection error instead.
UNREACHABLE: dict[str, Any] = {"api_base": "http://127.0.0.1:9", "api_key": "sk-test", "max_retries": 0}
MESSAGES: list[Any] = [{"role": "user", "content": "please refuse"}]


class Refuser(BaseCustomLogger):
    call_types: ClassVar[frozenset[CallType]] = ALL_CALL_TYPES

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        return "not this one"


class Recorder(CustomLogger):
    """LiteLLM's own observer class: what Langfuse, Datadog and the rest are built on."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, dict[str, Any]]] = []

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.events.append(("sync success", kwargs))

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.events.append(("async success", kwargs))

    def log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.events.append(("sync failure", kwargs))

    async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.events.append(("async failure", kwargs))


def _router() -> litellm.Router:
    return litellm.Router(model_list=[{"model_name": "group", "litellm_params": {"model": "openai/x", **UNREACHABLE}}])


ASYNC_CALLS: dict[str, Callable[[], Awaitable[Any]]] = {
    "acompletion": lambda: litellm.acompletion(model="openai/x", messages=MESSAGES, **UNREACHABLE),
    "acompletion stream": lambda: litellm.acompletion(model="openai/x", messages=MESSAGES, stream=True, **UNREACHABLE),
    "Router.acompletion": lambda: _router().acompletion(model="group", messages=MESSAGES),
    "aembedding": lambda: litellm.aembedding(model="openai/x", input=["please refuse"], **UNREACHABLE),
    "atext_completion": lambda: litellm.atext_completion(model="openai/x", prompt="please refuse", **UNREACHABLE),
    "aresponses": lambda: litellm.aresponses(model="openai/x", input="please refuse", **UNREACHABLE),
    "aimage_generation": lambda: litellm.aimage_generation(model="openai/x", prompt="please refuse", **UNREACHABLE),
    "anthropic_messages": lambda: litellm.anthropic_messages(
        model="anthropic/x", messages=MESSAGES, max_tokens=10, **UNREACHABLE
    ),
}
SYNC_CALLS: dict[str, Callable[[], Any]] = {
    "completion": lambda: litellm.completion(model="openai/x", messages=MESSAGES, **UNREACHABLE),
    "Router.completion": lambda: _router().completion(model="group", messages=MESSAGES),
    "embedding": lambda: litellm.embedding(model="openai/x", input=["please refuse"], **UNREACHABLE),
    "text_completion": lambda: litellm.text_completion(model="openai/x", prompt="please refuse", **UNREACHABLE),
    "responses": lambda: litellm.responses(model="openai/x", input="please refuse", **UNREACHABLE),
}


@pytest.mark.parametrize("entry_point", list(ASYNC_CALLS))
async def test_an_async_refusal_is_one_async_failure_event(entry_point: str) -> None:
    recorder = Recorder()
    litellm.callbacks = [Refuser(), recorder]
    with pytest.raises(InterceptorRejectedError) as refused:
        await ASYNC_CALLS[entry_point]()
    await drain_litellm_logging(timeout=10)
    assert [kind for kind, _ in recorder.events] == ["async failure"]
    [(_, kwargs)] = recorder.events
    assert kwargs["exception"] is refused.value
    assert kwargs["standard_logging_object"]["status"] == "failure"


@pytest.mark.parametrize("entry_point", list(SYNC_CALLS))
def test_a_sync_refusal_is_one_sync_failure_event(entry_point: str) -> None:
    recorder = Recorder()
    litellm.callbacks = [Refuser(), recorder]
    with pytest.raises(InterceptorRejectedError) as refused:
        SYNC_CALLS[entry_point]()
    asyncio.run(drain_litellm_logging(timeout=10))
    assert [kind for kind, _ in recorder.events] == ["sync failure"]
    assert recorder.events[0][1]["exception"] is refused.value


async def test_the_failure_event_carries_the_callers_call_id_and_metadata() -> None:
    recorder = Recorder()
    litellm.callbacks = [Refuser(), recorder]
    with pytest.raises(InterceptorRejectedError):
        await litellm.acompletion(
            model="openai/x", messages=MESSAGES, litellm_call_id="call-42", metadata={"team": "red"}, **UNREACHABLE
        )
    [(_, kwargs)] = recorder.events
    assert kwargs["litellm_call_id"] == "call-42"
    assert kwargs["litellm_params"]["metadata"]["team"] == "red"
    assert (kwargs["model"], kwargs["custom_llm_provider"]) == ("x", "openai")
    assert kwargs["standard_logging_object"]["id"] == "call-42"


async def test_an_observer_named_only_by_the_call_hears_of_its_refusal() -> None:
    recorder = Recorder()
    litellm.callbacks = [Refuser()]
    with pytest.raises(InterceptorRejectedError):
        await litellm.acompletion(model="openai/x", messages=MESSAGES, callbacks=[recorder], **UNREACHABLE)
    assert [kind for kind, _ in recorder.events] == ["async failure"]


async def test_an_async_only_observer_of_ours_hears_of_a_sync_refusal() -> None:
    failures: list[str] = []

    class AsyncOnly(BaseCustomLogger):
        async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            failures.append(type(kwargs["exception"]).__name__)

    litellm.callbacks = [Refuser(), AsyncOnly()]
    with pytest.raises(InterceptorRejectedError):
        await asyncio.to_thread(litellm.completion, model="openai/x", messages=MESSAGES, **UNREACHABLE)
    await drain_litellm_logging(timeout=10)
    for _ in range(200):  # its async hook runs on LiteLLM's loop for sync calls
        if failures:
            break
        await asyncio.sleep(0.02)
    assert failures == ["InterceptorRejectedError"]
