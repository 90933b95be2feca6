"""A request an interceptor refuses never reaches LiteLLM, yet LiteLLM's observers hear of it: one failure event,
as for any failed call (LiteLLM's proxy logs the requests its hooks refuse the same way). So does a stream an
interceptor ends with an error, which LiteLLM, never reading it to its end, would not log. Observed through
LiteLLM's own ``CustomLogger`` on every SDK entry point; the refused requests never reach a provider."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, ClassVar

import litellm
import pytest
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import GenericStreamingChunk

from litellm_plugin.core import (
    ALL_CALL_TYPES,
    BaseCustomLogger,
    CallType,
    InterceptorError,
    InterceptorRejectedError,
    TextTransform,
)
from litellm_plugin.core.testing.events import EventRecorder
from litellm_plugin.core.testing.settle import drain_litellm_logging

pytestmark = pytest.mark.usefixtures("clean_callbacks")
Route = Callable[[Any], str]  # the ``route`` fixture from conftest

# Nothing listens there: a call that got past the refusal would fail with a connection error instead.
UNREACHABLE: dict[str, Any] = {"api_base": "http://127.0.0.1:9", "api_key": "sk-test", "max_retries": 0}
MESSAGES: list[Any] = [{"role": "user", "content": "please refuse"}]


class Refuser(BaseCustomLogger):
    call_types: ClassVar[frozenset[CallType]] = ALL_CALL_TYPES

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        return "not this one"


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
    recorder = EventRecorder()
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
    recorder = EventRecorder()
    litellm.callbacks = [Refuser(), recorder]
    with pytest.raises(InterceptorRejectedError) as refused:
        SYNC_CALLS[entry_point]()
    asyncio.run(drain_litellm_logging(timeout=10))
    assert [kind for kind, _ in recorder.events] == ["sync failure"]
    assert recorder.events[0][1]["exception"] is refused.value


async def test_the_failure_event_carries_the_callers_call_id_and_metadata() -> None:
    recorder = EventRecorder()
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
    recorder = EventRecorder()
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


# --- streams: an interceptor ending a stream before LiteLLM's stream has ended ---------------------------------


class StreamRefuser(BaseCustomLogger):
    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: dict[str, Any]
    ) -> AsyncGenerator[Any, None]:
        async for chunk in response:
            raise litellm.BadRequestError(message="not this stream", model="m", llm_provider="p")
            yield chunk


class PassThrough(BaseCustomLogger):
    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return TextTransform()


def _chunk(text: str, *, last: bool) -> GenericStreamingChunk:
    return {
        "text": text,
        "is_finished": last,
        "finish_reason": "stop" if last else "",
        "usage": None,
        "index": 0,
        "tool_use": None,
    }


class Streamer(CustomLLM):
    """Streams two chunks; with ``fail``, raises after the first (a provider failing mid-stream)."""

    def __init__(self, *, fail: bool = False) -> None:
        super().__init__()
        self.fail = fail

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        yield _chunk("one ", last=False)
        if self.fail:
            raise RuntimeError("the provider failed mid-stream")
        yield _chunk("two", last=True)

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        for chunk in self.streaming():
            yield chunk


def _read(model: str, *, is_async: bool) -> None:
    if is_async:

        async def read() -> None:
            stream: Any = await litellm.acompletion(model=model, messages=MESSAGES, stream=True)
            async for _ in stream:
                pass

        asyncio.run(read())
    else:
        for _ in litellm.completion(model=model, messages=MESSAGES, stream=True):
            pass


def _settled(recorder: EventRecorder, count: int = 1) -> list[str]:
    asyncio.run(drain_litellm_logging(timeout=10))
    for _ in range(100):  # a sync stream's failure handler may run on LiteLLM's thread pool
        if len(recorder.events) >= count:
            break
        time.sleep(0.02)
    time.sleep(0.3)  # and anything that would come twice
    return [kind for kind, _ in recorder.events]


@pytest.mark.parametrize("is_async", [True, False], ids=["async", "sync"])
def test_a_stream_an_interceptor_refuses_midway_is_one_failure_event(route: Route, is_async: bool) -> None:
    recorder = EventRecorder()
    litellm.callbacks = [StreamRefuser(), recorder]
    with pytest.raises(litellm.BadRequestError, match="not this stream"):
        _read(f"{route(Streamer())}/m", is_async=is_async)
    assert _settled(recorder) == (["async failure"] if is_async else ["sync failure"])
    [(_, kwargs)] = recorder.events
    assert kwargs["stream"] is True


@pytest.mark.parametrize("is_async", [True, False], ids=["async", "sync"])
def test_a_provider_failing_midstream_is_still_logged_once(route: Route, is_async: bool) -> None:
    """LiteLLM logs its own stream's failure: the engine, applying an interceptor to the stream, adds nothing."""
    recorder = EventRecorder()
    litellm.callbacks = [PassThrough(), recorder]
    with pytest.raises(Exception, match="failed mid-stream"):
        _read(f"{route(Streamer(fail=True))}/m", is_async=is_async)
    assert len([kind for kind in _settled(recorder) if "failure" in kind]) == 1


class TypedObserver(BaseCustomLogger):
    """An observer of ours declaring the call types it observes (as a ``RequestLogger`` for one API would)."""

    call_types: ClassVar[frozenset[CallType]] = frozenset({"responses", "anthropic_messages"})

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[Any] = []

    async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.failures.append(kwargs["call_type"])


def _anthropic_create() -> Any:
    from litellm.anthropic_interface import messages

    return messages.acreate(model="anthropic/x", messages=MESSAGES, max_tokens=10, **UNREACHABLE)


# Entry points whose Python name is not LiteLLM's name for the call: a Router's per-instance methods, the
# Anthropic interface's ``create``.
RENAMED_CALLS: dict[str, tuple[Callable[[], Awaitable[Any]], str]] = {
    "Router.aresponses": (lambda: _router().aresponses(model="group", input="please refuse"), "aresponses"),
    "Router.anthropic_messages": (
        lambda: _router().anthropic_messages(model="group", messages=MESSAGES, max_tokens=10),
        "anthropic_messages",
    ),
    "anthropic_interface.messages.acreate": (_anthropic_create, "anthropic_messages"),
}


@pytest.mark.parametrize("entry_point", list(RENAMED_CALLS))
async def test_the_failure_event_names_the_call_as_litellm_does(entry_point: str) -> None:
    """Observers (and ours that declare their call types) read what kind of call failed from ``call_type``."""
    recorder, typed = EventRecorder(), TypedObserver()
    litellm.callbacks = [Refuser(), recorder, typed]
    call, logged_as = RENAMED_CALLS[entry_point]
    with pytest.raises(InterceptorRejectedError):
        await call()
    await drain_litellm_logging(timeout=10)
    [(_, kwargs)] = recorder.events
    assert kwargs["call_type"] == logged_as
    assert "please refuse" in str(kwargs["standard_logging_object"]["messages"])
    assert typed.failures == [logged_as]


def test_a_sync_router_responses_refusal_is_named_responses() -> None:
    recorder = EventRecorder()
    litellm.callbacks = [Refuser(), recorder]
    with pytest.raises(InterceptorRejectedError):
        _router().responses(model="group", input="please refuse")
    [(_, kwargs)] = recorder.events
    assert kwargs["call_type"] == "responses"


class Masker(BaseCustomLogger):
    """Hands back a new request with the user's text masked (a PII filter's way)."""

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        return {**data, "messages": [{"role": "user", "content": "[MASKED]"}]}


@pytest.mark.parametrize("is_async", [True, False])
async def test_the_failure_event_logs_the_request_as_earlier_hooks_changed_it(is_async: bool) -> None:
    """What observers store is what the hooks let through (as the proxy logs it): a masked text stays masked."""
    recorder = EventRecorder()
    litellm.callbacks = [Masker(), Refuser(), recorder]
    request: dict[str, Any] = {"model": "openai/x", "messages": [{"role": "user", "content": "my secret"}]}
    call = (
        litellm.acompletion(**request, **UNREACHABLE)
        if is_async
        else asyncio.to_thread(litellm.completion, **request, **UNREACHABLE)
    )
    with pytest.raises(InterceptorRejectedError):
        await call
    await drain_litellm_logging(timeout=10)
    [(_, kwargs)] = recorder.events
    assert "secret" not in str(kwargs["standard_logging_object"]["messages"])
    assert "secret" not in str(kwargs["messages"])


# --- a call no one can read, refused before it is made -------------------------------------------------------


class ClaimingReplyFilter(BaseCustomLogger):
    """Rewrites reply text on every call type: a rerank reply it cannot read is refused before the call."""

    call_types: ClassVar[frozenset[CallType]] = ALL_CALL_TYPES

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return TextTransform()


RERANK: dict[str, Any] = {"model": "cohere/rerank-x", "query": "q", "documents": ["a document"], **UNREACHABLE}


async def test_an_unreadable_call_refused_before_it_is_made_is_one_failure_event() -> None:
    recorder = EventRecorder()
    litellm.callbacks = [ClaimingReplyFilter(), recorder]
    with pytest.raises(InterceptorError, match="not made"):
        await litellm.arerank(**RERANK)
    await drain_litellm_logging(timeout=10)
    assert [(kind, kwargs["call_type"]) for kind, kwargs in recorder.events] == [("async failure", "arerank")]


def test_a_sync_unreadable_call_refused_before_it_is_made_is_one_failure_event() -> None:
    recorder = EventRecorder()
    litellm.callbacks = [ClaimingReplyFilter(), recorder]
    with pytest.raises(InterceptorError, match="not made"):
        litellm.rerank(**RERANK)
    assert [(kind, kwargs["call_type"]) for kind, kwargs in recorder.events] == [("sync failure", "rerank")]
