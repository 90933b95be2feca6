"""Exactly once, tried the way a demanding user would: concurrent calls with their own interceptors, Router
retries of streams that fail before their first chunk. Each interceptor marks the request and the reply and
counts its hooks; a change applied twice, or an observation made 0 or 2 times, fails.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import copy
import json
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError
from litellm.integrations.custom_logger import CustomLogger
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider, InterceptorError, PluginRegistry, TextTransform
from litellm_plugin.core.call_types import ALL_CALL_TYPES
from litellm_plugin.core.contracts import InterceptorDefinitionWarning
from litellm_plugin.core.testing.settle import drain_litellm_logging
from litellm_plugin.providers.mock_api import MockAPIProvider


class _Suffix(TextTransform):
    def __init__(self, tag: str) -> None:
        self.tag = tag

    def flush(self) -> str:
        return f"<{self.tag}>"


class Marker(BaseCustomLogger):
    """Appends `` [tag]`` to the last user text and ``<tag>`` to the reply; counts every hook it runs."""

    call_types = ALL_CALL_TYPES

    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag = tag
        self.counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        self._count("request")
        for message in reversed(data.get("messages") or data.get("input") or []):
            if message.get("role") == "user" and isinstance(message.get("content"), str):
                message["content"] += f" [{self.tag}]"
                break
        return data

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return _Suffix(self.tag)

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._count("success")


class Counting(CustomLogger):
    """LiteLLM's own logger class, counting the successes it is told of: what ours must match."""

    def __init__(self) -> None:
        super().__init__()
        self.successes = 0

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.successes += 1


async def _settle() -> None:
    """LiteLLM logs in the background: let every queued observation run (a second one would show too)."""
    for _ in range(3):
        await drain_litellm_logging()
        await asyncio.sleep(0.2)


def _user(text: str) -> Any:
    return [{"role": "user", "content": text}]


def _chunk_text(chunk: Any) -> str:
    return str(chunk.choices[0].delta.content or "") if chunk.choices else ""


# --- concurrent calls, each with its own interceptor ---------------------------------------------------

CONCURRENT = 12


@pytest.mark.parametrize("how", ["sdk", "sdk-stream", "router", "router-stream"])
async def test_concurrent_calls_with_their_own_interceptor_observe_only_their_call(how: str, echo_model: str) -> None:
    """``callbacks=[...]`` per call, many calls at once: each interceptor changes and observes its call once,
    and never sees another call (an observer of one tenant's call must not see another's)."""
    router = litellm.Router(model_list=[{"model_name": "group", "litellm_params": {"model": echo_model}}])
    markers = [Marker(f"T{i}") for i in range(CONCURRENT)]

    async def one(i: int) -> str:
        kwargs: dict[str, Any] = {"messages": _user(f"call{i}"), "callbacks": [markers[i]]}
        stream = how.endswith("stream")
        reply: Any
        if how.startswith("router"):
            reply = await router.acompletion(model="group", stream=stream, **kwargs)
        else:
            reply = await litellm.acompletion(model=echo_model, stream=stream, **kwargs)
        if stream:
            return "".join([_chunk_text(chunk) async for chunk in reply])
        return str(reply.choices[0].message.content)

    replies = await asyncio.gather(*(one(i) for i in range(CONCURRENT)))
    await _settle()
    assert replies == [f"Echo: call{i} [T{i}]<T{i}>" for i in range(CONCURRENT)]
    assert [m.counts["success"] for m in markers] == [1] * CONCURRENT
    assert [m.counts["request"] for m in markers] == [1] * CONCURRENT


def test_threads_calling_sync_completion_with_their_own_interceptor(echo_model: str) -> None:
    markers = [Marker(f"T{i}") for i in range(CONCURRENT)]

    def one(i: int) -> str:
        reply = litellm.completion(model=echo_model, messages=_user(f"call{i}"), callbacks=[markers[i]])
        return str(reply.choices[0].message.content)

    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(one, range(CONCURRENT)))
    asyncio.run(_settle())
    assert replies == [f"Echo: call{i} [T{i}]<T{i}>" for i in range(CONCURRENT)]
    assert [m.counts["success"] for m in markers] == [1] * CONCURRENT


class _HoldsOneCallsLog(CustomLogger):
    """LiteLLM's own class, listed before any per-call interceptor: holds back LiteLLM's logging of one call, as a
    busy machine holds back LiteLLM's logging thread pool."""

    def __init__(self, call_id: str) -> None:
        super().__init__()
        self.call_id = call_id
        self.release = threading.Event()

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        if kwargs.get("litellm_call_id") == self.call_id:
            self.release.wait(30)


def test_a_call_litellm_logs_late_is_still_observed_by_the_interceptor_it_named(echo_model: str) -> None:
    """LiteLLM logs a sync call on its thread pool after the call has returned. However many calls with
    interceptors of their own end meanwhile, the late call's interceptor is still listed when LiteLLM logs it."""
    holder = _HoldsOneCallsLog("late-call")
    litellm.callbacks = [holder]
    late = Marker("late")
    litellm.completion(model=echo_model, messages=_user("late"), callbacks=[late], litellm_call_id="late-call")
    others = [Marker(f"T{i}") for i in range(CONCURRENT)]
    for i, marker in enumerate(others):
        litellm.completion(model=echo_model, messages=_user(f"call{i}"), callbacks=[marker])
    holder.release.set()
    asyncio.run(_settle())
    assert late.counts["success"] == 1
    assert [m.counts["success"] for m in others] == [1] * CONCURRENT


async def test_a_global_interceptor_sees_every_concurrent_call_once_next_to_per_call_ones(echo_model: str) -> None:
    shared = Marker("G")
    litellm.callbacks = [shared]
    markers = [Marker(f"T{i}") for i in range(CONCURRENT)]
    replies = await asyncio.gather(
        *(
            litellm.acompletion(model=echo_model, messages=_user(f"call{i}"), callbacks=[markers[i]])
            for i in range(CONCURRENT)
        )
    )
    await _settle()
    assert [r.choices[0].message.content for r in replies] == [
        f"Echo: call{i} [G] [T{i}]<G><T{i}>" for i in range(CONCURRENT)
    ]
    assert shared.counts["success"] == CONCURRENT
    assert [m.counts["success"] for m in markers] == [1] * CONCURRENT


# --- Router retries and fallbacks of a stream that fails before its first chunk --------------------------


class FlakyProvider(BaseCustomProvider):
    """Fails (rate limit) the first ``fails`` calls, in ``completion`` or, streamed, at the first chunk."""

    fails = 0
    seen: list[str] = []  # noqa: RUF012 (test state, reset per test)

    def _attempt(self, model: str, messages: Any) -> str:
        text = self.last_user_text(messages, model=model)
        FlakyProvider.seen.append(text)
        if FlakyProvider.fails > 0:
            FlakyProvider.fails -= 1
            raise self.error("rate_limit", "slow down", model=model)
        return f"Flaky: {text}"

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, self._attempt(model, messages))


def _only_chunk(text: str) -> GenericStreamingChunk:
    return GenericStreamingChunk(text=text, is_finished=True, finish_reason="stop", index=0, tool_use=None, usage=None)


class FlakyStreamer(FlakyProvider):
    """The same, with native streams that fail when the first chunk is asked for (as an HTTP stream does)."""

    def streaming(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        def chunks() -> Iterator[GenericStreamingChunk]:
            text = self._attempt(model, messages)
            yield _only_chunk(text)

        return chunks()

    async def astreaming(  # type: ignore[override]
        self, model: str, messages: list[Any], *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        yield _only_chunk(self._attempt(model, messages))


@pytest.fixture
def flaky() -> Iterator[None]:
    registry = PluginRegistry()
    registry.register("flaky", FlakyProvider)
    registry.register("flakystream", FlakyStreamer)
    registry.initialize()
    FlakyProvider.fails, FlakyProvider.seen = 0, []
    yield
    registry.unregister("flaky")
    registry.unregister("flakystream")


@pytest.mark.usefixtures("flaky")
@pytest.mark.parametrize("provider", ["flaky", "flakystream"])
@pytest.mark.parametrize("how", ["async", "sync"])
@pytest.mark.parametrize("recovery", ["retry", "fallback"])
async def test_a_router_stream_retried_before_its_first_chunk_is_observed_once(
    provider: str, how: str, recovery: str, echo_model: str
) -> None:
    """The Router reads a stream's first chunk itself, and retries (or falls back) when that fails: the attempt
    that answers is the call's deployment call, observed once, not a nested call (observed never). (A sync
    stream replayed from ``completion()`` fails at call time instead: the plain retry, for comparison.)"""
    deployments = [{"model_name": "group", "litellm_params": {"model": f"{provider}/m"}}]
    settings: dict[str, Any] = {"num_retries": 2}
    if recovery == "fallback":
        deployments.append({"model_name": "backup", "litellm_params": {"model": echo_model}})
        settings = {"num_retries": 0, "fallbacks": [{"group": ["backup"]}]}
        FlakyProvider.fails = 10
    else:
        FlakyProvider.fails = 1
    router = litellm.Router(model_list=deployments, **settings)
    marker = Marker("M")
    litellm.callbacks = [marker]
    if how == "async":
        stream = await router.acompletion(model="group", messages=_user("hi"), stream=True)
        text = "".join([_chunk_text(chunk) async for chunk in stream])
    else:
        chunks = router.completion(model="group", messages=_user("hi"), stream=True)
        text = "".join(_chunk_text(chunk) for chunk in chunks)
    await _settle()
    answer = "Echo" if recovery == "fallback" else "Flaky"
    assert text == f"{answer}: hi [M]<M>"
    assert FlakyProvider.seen[-1] == "hi [M]"  # every attempt got the request changed once
    assert marker.counts["request"] == 1
    assert marker.counts["success"] == 1


def _event_text(event: Any) -> str:
    """The text an Anthropic Messages stream (SSE bytes) or a Responses stream (events) carries."""
    if isinstance(event, bytes):
        lines = event.decode().splitlines()
        deltas = [json.loads(line[5:]).get("delta", {}) for line in lines if line.startswith("data:")]
        return "".join(str(delta.get("text", "")) for delta in deltas if isinstance(delta, dict))
    if getattr(event, "type", "") == "response.output_text.delta":
        return str(event.delta)
    return ""


async def _read_router_stream(api: str, recovery: str, echo_model: str) -> str:
    """One Router call whose first attempt's stream fails before its first chunk, read to its end."""
    deployments = [{"model_name": "group", "litellm_params": {"model": "flakystream/m"}}]
    settings: dict[str, Any] = {"num_retries": 2, "retry_after": 0}
    if recovery == "fallback":
        deployments.append({"model_name": "backup", "litellm_params": {"model": echo_model}})
        settings = {"num_retries": 0, "fallbacks": [{"group": ["backup"]}]}
    FlakyProvider.fails = 10 if recovery == "fallback" else 1
    router = litellm.Router(model_list=deployments, **settings)
    stream: Any
    if api == "anthropic_messages":
        stream = await router.aanthropic_messages(model="group", messages=_user("hi"), max_tokens=50, stream=True)
    else:
        stream = await router.aresponses(model="group", input=_user("hi"), stream=True)
    return "".join([_event_text(event) async for event in stream])


@pytest.mark.usefixtures("flaky")
@pytest.mark.parametrize("api", ["anthropic_messages", "responses"])
@pytest.mark.parametrize("recovery", ["retry", "fallback"])
async def test_a_router_messages_or_responses_stream_retried_is_observed_once(
    api: str, recovery: str, echo_model: str
) -> None:
    """The Router retries an Anthropic Messages or Responses stream that failed from inside the stream it
    returned (on recent LiteLLM releases): the attempt that answers is the user's call, observed once as with
    LiteLLM's own ``CustomLogger``, and not changed a second time (it was taken for a nested call: observed
    never)."""
    if api == "anthropic_messages":
        pytest.importorskip("orjson", reason="LiteLLM's Anthropic Messages stream needs its proxy extra here")
    litellm.callbacks = [Counting()]
    try:
        await _read_router_stream(api, recovery, echo_model)
    except (litellm.RateLimitError, MidStreamFallbackError):
        what = "retry" if recovery == "retry" else "fall back from"
        pytest.skip(f"this LiteLLM release does not {what} such a stream once it has returned it")
    await _settle()
    marker, plain = Marker("M"), Counting()
    litellm.callbacks = [marker, plain]
    text = await _read_router_stream(api, recovery, echo_model)
    await _settle()
    answer = "Echo" if recovery == "fallback" else "Flaky"
    assert text == f"{answer}: hi [M]<M>"
    assert FlakyProvider.seen[-1] == "hi [M]"
    assert marker.counts["request"] == 1
    assert plain.successes == 1
    assert marker.counts["success"] == plain.successes


# --- hooks that call LiteLLM themselves -----------------------------------------------------------------


class Judge(Marker):
    """Asks a model about the request and about the reply (an "LLM as a judge" guardrail): its own LiteLLM
    calls are nested in the user's call, neither intercepted nor observed."""

    judge_model = ""

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        verdict = await litellm.acompletion(model=self.judge_model, messages=_user("judge the request"))
        assert verdict.choices[0].message.content == "Echo: judge the request"  # not intercepted
        return await super().async_pre_call_hook(user_api_key_dict, cache, data, call_type)

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        verdict = await litellm.acompletion(model=self.judge_model, messages=_user("judge the reply"))
        assert verdict.choices[0].message.content == "Echo: judge the reply"
        return await super().async_post_call_success_hook(
            data=data, user_api_key_dict=user_api_key_dict, response=response
        )


@pytest.mark.parametrize("how", ["sdk", "sdk-sync", "router", "router-sync", "responses", "router-responses"])
async def test_a_hook_that_calls_litellm_makes_a_nested_call(how: str, echo_model: str) -> None:
    judge = Judge("J")
    judge.judge_model = echo_model
    litellm.callbacks = [judge]
    router = litellm.Router(model_list=[{"model_name": "group", "litellm_params": {"model": echo_model}}])
    text: Any
    if how.endswith("responses"):
        call = router.aresponses if how.startswith("router") else litellm.aresponses
        reply: Any = await call(model="group" if how.startswith("router") else echo_model, input=_user("hi"))
        text = reply.output[0].content[0].text
    else:
        if how == "sdk":
            reply = await litellm.acompletion(model=echo_model, messages=_user("hi"))
        elif how == "sdk-sync":
            reply = litellm.completion(model=echo_model, messages=_user("hi"))
        elif how == "router":
            reply = await router.acompletion(model="group", messages=_user("hi"))
        else:
            reply = router.completion(model="group", messages=_user("hi"))
        text = reply.choices[0].message.content
    await _settle()
    assert text == "Echo: hi [J]<J>"
    assert judge.counts["request"] == 1
    assert judge.counts["success"] == 1  # the user's call only, not the judge's two


# --- a crashing reply filter on sync streams --------------------------------------------------------------


class CrashingFilter(BaseCustomLogger):
    """Its ``response_transform`` itself raises (a bug, or a missing setting)."""

    call_types = ALL_CALL_TYPES

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        raise RuntimeError("filter misconfigured")


def _sync_stream(how: str, model: str) -> list[Any]:
    if how == "completion":
        return list(litellm.completion(model=model, messages=_user("hi"), stream=True))
    if how == "router":
        router = litellm.Router(model_list=[{"model_name": "group", "litellm_params": {"model": model}}])
        return list(router.completion(model="group", messages=_user("hi"), stream=True))
    if how == "text_completion":
        return list(litellm.text_completion(model=model, prompt="hi", stream=True))
    events: Any = litellm.responses(model=model, input="hi", stream=True)
    return list(events)


@pytest.mark.parametrize("how", ["completion", "router", "text_completion", "responses"])
def test_a_crashing_reply_filter_fails_a_sync_stream_closed_and_named(how: str, echo_model: str) -> None:
    litellm.callbacks = [CrashingFilter()]
    with pytest.raises(InterceptorError, match="CrashingFilter") as raised:
        _sync_stream(how, echo_model)
    assert isinstance(raised.value.__cause__, RuntimeError)


@pytest.mark.parametrize("how", ["completion", "router", "text_completion", "responses"])
def test_a_crashing_fail_open_reply_filter_leaves_a_sync_stream_unchanged(how: str, echo_model: str) -> None:
    litellm.callbacks = [CrashingFilter(fail_open=True)]
    assert _sync_stream(how, echo_model)  # the stream, unfiltered (and the failure logged)


async def test_a_crashing_reply_filter_on_an_unread_entry_point_is_named(echo_model: str) -> None:
    """``rerank`` replies cannot be read: a reply filter claiming every call type refuses the call before it is
    made, which asks it for its transform first; that crashing is its failure, named, under its policy."""
    litellm.callbacks = [CrashingFilter()]
    with pytest.raises(InterceptorError, match="CrashingFilter"):
        await litellm.arerank(model=echo_model, query="q", documents=["a"])


# --- a provider fanning out on threads (README: Known limits) ----------------------------------------------


class EnsembleProvider(BaseCustomProvider):
    """Asks two models at once on a thread pool, each call submitted in a copy of the provider's context."""

    targets: tuple[str, ...] = ()

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        def ask(target: str) -> str:
            reply: Any = litellm.completion(model=target, messages=messages)
            return str(reply.choices[0].message.content)

        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(contextvars.copy_context().run, ask, target) for target in self.targets]
            answers = [future.result() for future in futures]
        return self.make_response(model, messages, " | ".join(answers))


async def test_a_provider_fanning_out_on_threads_in_its_context_makes_nested_calls(echo_model: str) -> None:
    registry = PluginRegistry()
    ensemble = EnsembleProvider()
    ensemble.targets = (echo_model, echo_model)
    registry.register("ensemble", ensemble)
    registry.initialize()
    marker = Marker("E")
    litellm.callbacks = [marker]
    try:
        reply: Any = await litellm.acompletion(model="ensemble/m", messages=_user("hi"))
    finally:
        registry.unregister("ensemble")
    await _settle()
    assert reply.choices[0].message.content == "Echo: hi [E] | Echo: hi [E]<E>"
    assert marker.counts == {"request": 1, "success": 1}


# --- sync calls made while an event loop runs -------------------------------------------------------------


@pytest.mark.usefixtures("flaky")
async def test_sync_completion_with_fallbacks_inside_a_running_loop_is_intercepted_once(echo_model: str) -> None:
    """``litellm.completion(..., fallbacks=[...])`` runs its attempts on a new thread when the caller's thread
    runs an event loop (a notebook, sync code called from async code): those attempts are still the one call."""
    marker = Marker("S")
    litellm.callbacks = [marker]
    FlakyProvider.fails = 10
    reply: Any = litellm.completion(model="flaky/m", messages=_user("hi"), fallbacks=[echo_model])
    assert reply.choices[0].message.content == "Echo: hi [S]<S>"
    assert FlakyProvider.seen == ["hi [S]"]
    assert marker.counts["request"] == 1


async def test_interceptors_passed_per_call_do_not_pile_up_in_litellms_lists(echo_model: str) -> None:
    """Each call's own interceptor stays listed only while calls that name it may still log: a service making
    one per request does not grow LiteLLM's lists (which it walks on every call) without bound."""
    from litellm_plugin.core import observers

    for i in range(observers.PER_CALL_KEPT + 50):
        await litellm.acompletion(model=echo_model, messages=_user(f"call{i}"), callbacks=[Marker(f"T{i}")])
    await _settle()
    assert len(litellm._async_success_callback) <= observers.PER_CALL_KEPT + 1


async def test_a_logger_added_after_many_per_call_interceptors_still_observes(echo_model: str) -> None:
    """LiteLLM refuses new entries once a list holds ``MAX_CALLBACKS`` (30 on older releases, else 100),
    logging only a warning: the per-call interceptors kept listed must leave room for the user's own loggers."""

    class Plain(CustomLogger):
        def __init__(self) -> None:
            self.successes = 0

        async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            self.successes += 1

    for i in range(120):  # more than either limit
        await litellm.acompletion(model=echo_model, messages=_user(f"call{i}"), callbacks=[Marker(f"T{i}")])
    await _settle()
    plain = Plain()
    litellm.callbacks = [plain]
    await litellm.acompletion(model=echo_model, messages=_user("hi"))
    await _settle()
    assert plain.successes == 1


@pytest.mark.parametrize("stream", [False, True])
async def test_a_mock_api_deployment_answering_500_falls_back_observed_once(stream: bool, echo_model: str) -> None:
    """The same with the HTTP provider: its stream fails when the status arrives, before the first chunk."""
    mock = MockAPIProvider()  # the embedded app
    registry = PluginRegistry()
    registry.register("mock_api", mock)
    registry.initialize()
    router = litellm.Router(
        model_list=[
            {
                "model_name": "primary",
                "litellm_params": {"model": "mock_api/gpt-mock", "extra_headers": {"X-Mock-Fault": "status=500"}},
            },
            {"model_name": "backup", "litellm_params": {"model": echo_model}},
        ],
        fallbacks=[{"primary": ["backup"]}],
        num_retries=0,
    )
    marker = Marker("M")
    litellm.callbacks = [marker]
    try:
        reply: Any = await router.acompletion(model="primary", messages=_user("hi"), stream=stream)
        text = "".join([_chunk_text(c) async for c in reply]) if stream else reply.choices[0].message.content
        await _settle()
    finally:
        registry.unregister("mock_api")
        mock.close()
    assert text == "Echo: hi [M]<M>"
    assert marker.counts["request"] == 1
    assert marker.counts["success"] == 1


async def test_an_interceptor_class_passed_per_call_is_reported(echo_model: str) -> None:
    """``callbacks=[MyFilter]`` for ``callbacks=[MyFilter()]``: its hooks never run, so the call is not
    filtered; that is said (as for ``litellm.callbacks``), not left silent."""

    class ForgottenFilter(BaseCustomLogger):
        async def async_pre_call_hook(
            self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
        ) -> Any:
            return "refused"

    with pytest.warns(InterceptorDefinitionWarning, match=r"callbacks=\[\.\.\.\].*class ForgottenFilter"):
        await litellm.acompletion(model=echo_model, messages=_user("hi"), callbacks=[ForgottenFilter])


# --- the Router's own ways of calling again: shadow traffic, the fastest of several deployments -------------


class Recorder(BaseCustomProvider):
    """Records the messages of each request it gets."""

    seen: ClassVar[list[list[str]]] = []

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        type(self).seen.append([str(m.get("content")) for m in messages])
        return self.make_response(model, messages, "ok")


class BeBrief(BaseCustomLogger):
    """A request hook that adds a system message: applied twice, the provider would see it twice."""

    def __init__(self) -> None:
        super().__init__()
        self.runs = 0

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        self.runs += 1
        data["messages"] = [{"role": "system", "content": "Be brief."}, *data["messages"]]
        return data


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_a_silent_model_gets_the_users_call_changed_once(asynchronous: bool) -> None:
    """Shadow traffic (``silent_model``) is a copy of the user's call: the sync Router starts it on a thread
    of its own, where it was taken for a new call and changed again (``Be brief.`` twice)."""
    Recorder.seen = []
    registry = PluginRegistry()
    registry.register("recorder", Recorder)
    registry.initialize()
    hook = BeBrief()
    litellm.callbacks = [hook]
    try:
        router = litellm.Router(
            model_list=[
                {"model_name": "main", "litellm_params": {"model": "recorder/main", "silent_model": "shadow"}},
                {"model_name": "shadow", "litellm_params": {"model": "recorder/shadow"}},
            ]
        )
        if asynchronous:
            await router.acompletion(model="main", messages=_user("hi"))
        else:
            router.completion(model="main", messages=_user("hi"))
        for _ in range(100):  # the shadow call runs in the background
            if len(Recorder.seen) == 2:
                break
            await asyncio.sleep(0.05)
        await _settle()
    finally:
        registry.unregister("recorder")
    assert Recorder.seen == [["Be brief.", "hi"], ["Be brief.", "hi"]]
    assert hook.runs == 1


async def test_the_fastest_of_several_streams_is_returned_with_interceptors_set(echo_model: str) -> None:
    """LiteLLM keeps only results it recognises as streams (``isinstance(..., CustomStreamWrapper)``): with
    any interceptor set, every stream was dropped and the call failed with "All tasks failed"."""
    litellm.callbacks = [Marker("F")]
    router = litellm.Router(
        model_list=[
            {"model_name": "a", "litellm_params": {"model": echo_model}},
            {"model_name": "b", "litellm_params": {"model": echo_model}},
        ]
    )
    stream: Any = await router.abatch_completion_fastest_response(model="a, b", messages=_user("hi"), stream=True)
    assert isinstance(stream, litellm.CustomStreamWrapper)
    assert "".join([_chunk_text(chunk) async for chunk in stream]) == "Echo: hi [F]<F>"


class SeesCalls(Marker):
    """Writes down the calls it observes (by the first word of their last user message)."""

    def __init__(self, tag: str) -> None:
        super().__init__(tag)
        self.calls: list[str] = []

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.calls.append(str(kwargs["messages"][-1]["content"]).split(" ")[0])


async def test_per_call_observers_of_many_concurrent_calls_see_only_their_own_call(
    echo_model: str, caplog: pytest.LogCaptureFixture
) -> None:
    """100 calls, 50 at once, each with an observer of its own. None sees another call. One that misses its
    own call (LiteLLM's lists hold only so many) is never missed silently: a warning says so."""
    observers = [SeesCalls(f"C{i}") for i in range(100)]
    limit = asyncio.Semaphore(50)

    async def one(index: int) -> None:
        async with limit:
            await litellm.acompletion(model=echo_model, messages=_user(f"call{index}"), callbacks=[observers[index]])

    with caplog.at_level("WARNING", logger="litellm_plugin.core.observers"):
        await asyncio.gather(*(one(i) for i in range(100)))
        for _ in range(5):
            await _settle()
    assert {i: o.calls for i, o in enumerate(observers) if o.calls not in ([], [f"call{i}"])} == {}
    missed = [i for i, o in enumerate(observers) if not o.calls]
    assert not missed or "they miss it" in caplog.text


# --- LiteLLM's retry helpers ------------------------------------------------------------------------------


def test_completion_with_retries_goes_through_the_interceptors(echo_model: str) -> None:
    """It retried ``litellm.main.completion``, which the engine does not wrap: no interceptor ran at all."""
    pytest.importorskip("tenacity", reason="LiteLLM's retry helpers need tenacity")
    marker = Marker("R")
    litellm.callbacks = [marker]
    reply: Any = litellm.completion_with_retries(model=echo_model, messages=_user("hi"))
    assert reply.choices[0].message.content == "Echo: hi [R]<R>"
    assert marker.counts["request"] == 1


@pytest.mark.usefixtures("flaky")
def test_a_retried_attempt_is_changed_once_too() -> None:
    """Each attempt is a call of its own, made from the caller's request: changed once, not once more per
    attempt."""
    pytest.importorskip("tenacity", reason="LiteLLM's retry helpers need tenacity")
    FlakyProvider.fails = 1
    marker = Marker("R")
    litellm.callbacks = [marker]
    reply: Any = litellm.completion_with_retries(model="flaky/m", messages=_user("hi"), num_retries=3)
    assert FlakyProvider.seen == ["hi [R]", "hi [R]"]
    assert reply.choices[0].message.content == "Flaky: hi [R]<R>"


@pytest.mark.usefixtures("flaky")
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
async def test_a_call_litellm_retries_itself_is_observed_once(stream: bool) -> None:
    """``litellm.completion(..., num_retries=2)`` whose first attempt fails: LiteLLM retries the call it is in.
    The attempt that answers is that call, observed once (it was taken for a nested call: observed never)."""
    pytest.importorskip("tenacity", reason="LiteLLM's retry helpers need tenacity")
    FlakyProvider.fails = 1
    marker = Marker("R")
    litellm.callbacks = [marker]
    reply: Any = litellm.completion(model="flaky/m", messages=_user("hi"), num_retries=2, stream=stream)
    text = "".join(_chunk_text(chunk) for chunk in reply) if stream else reply.choices[0].message.content
    await _settle()
    assert text == "Flaky: hi [R]<R>"
    assert FlakyProvider.seen == ["hi [R]", "hi [R]"]
    assert marker.counts["request"] == 1
    assert marker.counts["success"] == 1


async def test_acompletion_with_retries_goes_through_the_interceptors(echo_model: str) -> None:
    pytest.importorskip("tenacity", reason="LiteLLM's retry helpers need tenacity")
    marker = Marker("R")
    litellm.callbacks = [marker]
    reply: Any = await litellm.acompletion_with_retries(model=echo_model, messages=_user("hi"))
    assert reply.choices[0].message.content == "Echo: hi [R]<R>"
    assert marker.counts["request"] == 1


def test_a_stream_with_interceptors_can_be_copied(echo_model: str) -> None:
    """``copy.copy`` of a wrapped stream recursed until Python gave up; the copy reads the same stream."""
    litellm.callbacks = [Marker("K")]
    stream: Any = litellm.completion(model=echo_model, messages=_user("hi"), stream=True)
    copied = copy.copy(stream)
    assert isinstance(copied, litellm.CustomStreamWrapper)
    assert "".join(_chunk_text(chunk) for chunk in copied) == "Echo: hi [K]<K>"
