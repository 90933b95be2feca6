"""A whole reply an interceptor refuses is the call's failure to LiteLLM's observers, not its success.

LiteLLM logs a call's success as its call returns, before the engine's reply hooks run; the engine has it hold
that log back (as LiteLLM's proxy does for its ``post_call`` guardrails; a sync call's, which LiteLLM hands to its
logging thread pool, is held there) and lets it go once the hooks have passed the reply, or reports the refusal in
its place. Observed through LiteLLM's own ``CustomLogger`` on each entry point whose reply the engine reads, with
an in-process provider of ours."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import litellm
import pytest

from litellm_plugin.core import (
    ALL_CALL_TYPES,
    BaseCustomLogger,
    BaseCustomProvider,
    CallType,
    InterceptorError,
    refusals,
)
from litellm_plugin.core.testing.events import EventRecorder
from litellm_plugin.core.testing.settle import drain_litellm_logging

pytestmark = pytest.mark.usefixtures("clean_callbacks")
Route = Callable[[Any], str]  # the ``route`` fixture from conftest
MESSAGES: list[Any] = [{"role": "user", "content": "hello"}]


class Replier(BaseCustomProvider):
    """Implements ``completion`` only: LiteLLM bridges the Responses API and Anthropic Messages onto it."""

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        return self.make_response(model, messages, "a forbidden reply")


class ReplyRefuser(BaseCustomLogger):
    """Refuses every reply, as a filter in ``block`` mode does when it finds a blocked word."""

    call_types: ClassVar[frozenset[CallType]] = ALL_CALL_TYPES

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        raise litellm.BadRequestError(message="not this reply", model="m", llm_provider="p")


class ReplyCrasher(BaseCustomLogger):
    """A reply hook with a bug: the call fails closed."""

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        raise KeyError("a bug")


class ReplyReader(BaseCustomLogger):
    """Reads every reply and passes it on (a reply hook that changes nothing)."""

    call_types: ClassVar[frozenset[CallType]] = ALL_CALL_TYPES

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        return response


def _calls(model: str) -> dict[str, Callable[[], Any]]:
    """Each entry point by name: the async ones return an awaitable."""
    router = litellm.Router(model_list=[{"model_name": "group", "litellm_params": {"model": model}}])
    return {
        "completion": lambda: litellm.completion(model=model, messages=MESSAGES),
        "Router.completion": lambda: router.completion(model="group", messages=MESSAGES),
        "responses": lambda: litellm.responses(model=model, input="hello"),
        "text_completion": lambda: litellm.text_completion(model=model, prompt="hello"),
        "Router.responses": lambda: router.responses(model="group", input="hello"),
        "acompletion": lambda: litellm.acompletion(model=model, messages=MESSAGES),
        "Router.acompletion": lambda: router.acompletion(model="group", messages=MESSAGES),
        "aresponses": lambda: litellm.aresponses(model=model, input="hello"),
        "atext_completion": lambda: litellm.atext_completion(model=model, prompt="hello"),
        "anthropic_messages": lambda: litellm.anthropic_messages(model=model, messages=MESSAGES, max_tokens=10),
        "Router.aresponses": lambda: router.aresponses(model="group", input="hello"),
    }


ENTRY_POINTS = [
    "acompletion",
    "Router.acompletion",
    "aresponses",
    "atext_completion",
    "anthropic_messages",
    "Router.aresponses",
]


async def _settled(recorder: EventRecorder) -> list[str]:
    await drain_litellm_logging(timeout=10)
    await asyncio.sleep(0.3)  # anything that would come twice
    await drain_litellm_logging(timeout=10)
    return recorder.kinds()


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
async def test_a_refused_reply_is_one_failure_event_and_no_success(route: Route, entry_point: str) -> None:
    recorder = EventRecorder()
    litellm.callbacks = [ReplyRefuser(), recorder]
    with pytest.raises(litellm.BadRequestError, match="not this reply") as refused:
        await _calls(f"{route(Replier())}/m")[entry_point]()
    assert await _settled(recorder) == ["async failure"]
    [(_, kwargs)] = recorder.events
    assert kwargs["exception"] is refused.value
    assert kwargs["standard_logging_object"]["status"] == "failure"


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
async def test_a_reply_the_hooks_pass_is_one_success_event(route: Route, entry_point: str) -> None:
    recorder = EventRecorder()
    litellm.callbacks = [ReplyReader(), recorder]
    await _calls(f"{route(Replier())}/m")[entry_point]()
    assert await _settled(recorder) == ["async success"]


async def test_a_reply_hook_that_fails_closed_is_the_calls_failure(route: Route) -> None:
    recorder = EventRecorder()
    litellm.callbacks = [ReplyCrasher(), recorder]
    with pytest.raises(InterceptorError):
        await litellm.acompletion(model=f"{route(Replier())}/m", messages=MESSAGES)
    assert await _settled(recorder) == ["async failure"]


async def test_the_failure_event_is_the_calls_own(route: Route) -> None:
    """The call id the caller gave, its model and provider, and the time the call took."""
    recorder = EventRecorder()
    litellm.callbacks = [ReplyRefuser(), recorder]
    name = route(Replier())
    with pytest.raises(litellm.BadRequestError):
        await litellm.acompletion(model=f"{name}/m", messages=MESSAGES, litellm_call_id="call-7", metadata={"a": 1})
    await _settled(recorder)
    [(_, kwargs)] = recorder.events
    assert kwargs["litellm_call_id"] == "call-7"
    assert kwargs["standard_logging_object"]["id"] == "call-7"
    assert (kwargs["model"], kwargs["custom_llm_provider"]) == ("m", name)
    assert kwargs["litellm_params"]["metadata"]["a"] == 1


class StreamCrasher(BaseCustomLogger):
    """A stream hook with a bug: the stream fails closed after its first chunk."""

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: dict[str, Any]
    ) -> AsyncGenerator[Any, None]:
        async for chunk in response:
            yield chunk
            raise KeyError("a bug")


async def _read_stream(router: litellm.Router) -> None:
    stream: Any = await router.acompletion(model="group", messages=MESSAGES, stream=True)
    async for _ in stream:
        pass


@pytest.mark.parametrize(
    ("interceptor", "stream"),
    [(ReplyRefuser, False), (ReplyCrasher, False), (StreamCrasher, True)],
    ids=["a refused reply", "a reply hook that fails closed", "a stream hook that fails closed"],
)
async def test_refusals_do_not_take_a_router_deployment_out(
    route: Route, interceptor: type[BaseCustomLogger], stream: bool
) -> None:
    """A refusal is about the reply, not the deployment's health: the Router keeps sending calls to it (it cools
    down a deployment after a few failures held against it, and then has none left to call)."""
    recorder = EventRecorder()
    model = f"{route(Replier())}/m"
    router = litellm.Router(
        model_list=[
            {"model_name": "group", "litellm_params": {"model": model}},
            {"model_name": "group", "litellm_params": {"model": model}},
        ]
    )
    litellm.callbacks = [interceptor(), recorder]
    for _ in range(8):
        call = _read_stream(router) if stream else router.acompletion(model="group", messages=MESSAGES)
        with pytest.raises((litellm.BadRequestError, InterceptorError)):
            await call
    assert await _settled(recorder) == ["async failure"] * 8
    litellm.callbacks = [recorder]
    reply = await router.acompletion(model="group", messages=MESSAGES)
    assert reply.choices[0].message.content == "a forbidden reply"


class NestedCaller(BaseCustomLogger):
    """A reply hook that makes a LiteLLM call of its own (a judge model, say) and then refuses the reply."""

    def __init__(self, model: str) -> None:
        super().__init__()
        self.model = model

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        await litellm.acompletion(model=self.model, messages=[{"role": "user", "content": "judge this"}])
        raise litellm.BadRequestError(message="the judge said no", model="m", llm_provider="p")


async def test_a_call_a_reply_hook_makes_keeps_its_own_success(route: Route) -> None:
    recorder = EventRecorder()
    model = f"{route(Replier())}/m"
    litellm.callbacks = [NestedCaller(model), recorder]
    with pytest.raises(litellm.BadRequestError, match="the judge said no"):
        await litellm.acompletion(model=model, messages=MESSAGES)
    assert sorted(await _settled(recorder)) == ["async failure", "async success"]
    judged = [kwargs for kind, kwargs in recorder.events if kind == "async success"]
    assert "judge this" in str(judged[0]["messages"])


class Spawner(BaseCustomProvider):
    """Starts a task during the call that makes a LiteLLM call of its own once the call has ended: the task
    inherits the call's context, where the engine held success logs back."""

    def __init__(self, later_model: str) -> None:
        super().__init__()
        self.later_model = later_model
        self.tasks: list[asyncio.Task[Any]] = []

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        return self.make_response(model, messages, "now")

    async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        self.tasks.append(asyncio.create_task(self._later()))
        return self.completion(model, messages)

    async def _later(self) -> None:
        await asyncio.sleep(0.2)
        await litellm.acompletion(model=self.later_model, messages=[{"role": "user", "content": "later"}])


async def test_a_call_made_after_the_call_ended_from_a_task_it_started_is_logged(route: Route) -> None:
    recorder = EventRecorder()
    spawner = Spawner(f"{route(Replier())}/m")
    litellm.callbacks = [ReplyReader(), recorder]
    await litellm.acompletion(model=f"{route(spawner)}/m", messages=MESSAGES)
    await asyncio.gather(*spawner.tasks)
    assert await _settled(recorder) == ["async success", "async success"]
    assert "later" in str(recorder.events[1][1]["messages"])


# --- sync calls: LiteLLM hands a sync call's success log to its logging thread pool as the call returns ---


SYNC_ENTRY_POINTS = ["completion", "Router.completion", "responses", "text_completion", "Router.responses"]


def _settled_sync(recorder: EventRecorder) -> list[str]:
    return asyncio.run(_settled(recorder))


@pytest.mark.parametrize("entry_point", SYNC_ENTRY_POINTS)
def test_a_refused_sync_reply_is_one_failure_event_and_no_success(route: Route, entry_point: str) -> None:
    recorder = EventRecorder()
    litellm.callbacks = [ReplyRefuser(), recorder]
    with pytest.raises(litellm.BadRequestError, match="not this reply") as refused:
        _calls(f"{route(Replier())}/m")[entry_point]()
    assert _settled_sync(recorder) == ["sync failure"]
    [(_, kwargs)] = recorder.events
    assert kwargs["exception"] is refused.value
    assert kwargs["standard_logging_object"]["status"] == "failure"


@pytest.mark.parametrize("entry_point", SYNC_ENTRY_POINTS)
def test_a_sync_reply_the_hooks_pass_is_one_success_event(route: Route, entry_point: str) -> None:
    recorder = EventRecorder()
    litellm.callbacks = [ReplyReader(), recorder]
    _calls(f"{route(Replier())}/m")[entry_point]()
    kinds = _settled_sync(recorder)
    assert kinds == ["sync success"], [
        (kind, event.get("call_type"), event.get("litellm_call_id")) for kind, event in recorder.events
    ]


def test_the_sync_failure_event_is_the_calls_own(route: Route) -> None:
    recorder = EventRecorder()
    litellm.callbacks = [ReplyCrasher(), recorder]
    name = route(Replier())
    with pytest.raises(InterceptorError):
        litellm.completion(model=f"{name}/m", messages=MESSAGES, litellm_call_id="call-8", metadata={"b": 2})
    assert _settled_sync(recorder) == ["sync failure"]
    [(_, kwargs)] = recorder.events
    assert (kwargs["litellm_call_id"], kwargs["standard_logging_object"]["id"]) == ("call-8", "call-8")
    assert (kwargs["model"], kwargs["custom_llm_provider"]) == ("m", name)
    assert kwargs["litellm_params"]["metadata"]["b"] == 2


async def test_a_sync_call_made_from_async_code_is_held_too(route: Route) -> None:
    """Sync LiteLLM called on a thread that runs an event loop (the engine then calls it from another thread)."""
    recorder = EventRecorder()
    litellm.callbacks = [ReplyRefuser(), recorder]
    with pytest.raises(litellm.BadRequestError):
        litellm.completion(model=f"{route(Replier())}/m", messages=MESSAGES)
    assert await _settled(recorder) == ["sync failure"]


class RefuseOnAsk(BaseCustomLogger):
    """Refuses the replies to requests that ask for it."""

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        if "refuse" in str(data.get("messages")):
            raise litellm.BadRequestError(message="refused", model="m", llm_provider="p")
        return response


def test_sync_calls_on_many_threads_each_get_their_own_outcome(route: Route) -> None:
    """Each call holds its own log: a refusal on one thread never drops or fails another thread's call."""
    recorder = EventRecorder()
    model = f"{route(Replier())}/m"
    litellm.callbacks = [RefuseOnAsk(), recorder]

    def call(index: int) -> str:
        words = "refuse" if index % 2 else "pass"
        try:
            litellm.completion(
                model=model, messages=[{"role": "user", "content": words}], litellm_call_id=f"call-{index}"
            )
        except litellm.BadRequestError:
            return "refused"
        return "passed"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(call, range(16)))
    assert outcomes == ["passed", "refused"] * 8
    _settled_sync(recorder)
    logged = {kwargs["litellm_call_id"]: kind for kind, kwargs in recorder.events}
    assert logged == {f"call-{i}": "sync failure" if i % 2 else "sync success" for i in range(16)}
    assert len(recorder.events) == 16


def test_refused_sync_replies_do_not_take_a_router_deployment_out(route: Route) -> None:
    recorder = EventRecorder()
    model = f"{route(Replier())}/m"
    deployment = {"model_name": "group", "litellm_params": {"model": model}}
    router = litellm.Router(model_list=[deployment, dict(deployment)])
    litellm.callbacks = [ReplyRefuser(), recorder]
    for _ in range(8):
        with pytest.raises(litellm.BadRequestError):
            router.completion(model="group", messages=MESSAGES)
    assert _settled_sync(recorder) == ["sync failure"] * 8
    litellm.callbacks = [recorder]
    reply: Any = router.completion(model="group", messages=MESSAGES)
    assert reply.choices[0].message.content == "a forbidden reply"


class Delegator(BaseCustomProvider):
    """Makes a LiteLLM call of its own to build its reply (a provider on top of another model)."""

    def __init__(self, inner_model: str) -> None:
        super().__init__()
        self.inner_model = inner_model

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        litellm.completion(model=self.inner_model, messages=[{"role": "user", "content": "inner"}])
        return self.make_response(model, messages, "the outer reply")

    async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        await litellm.acompletion(model=self.inner_model, messages=[{"role": "user", "content": "inner"}])
        return self.make_response(model, messages, "the outer reply")


class OuterRefuser(BaseCustomLogger):
    """Refuses the outer reply only."""

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        if "the outer reply" in str(response):
            raise litellm.BadRequestError(message="refused", model="m", llm_provider="p")
        return response


def _outcomes(recorder: EventRecorder) -> list[tuple[str, bool]]:
    """Each event's kind, and whether it is the inner call's."""
    return sorted((kind, "inner" in str(kwargs["messages"])) for kind, kwargs in recorder.events)


async def test_a_call_nested_in_a_refused_one_keeps_its_own_success(route: Route) -> None:
    """The provider's own call succeeded: only the call whose reply was refused is a failure."""
    recorder = EventRecorder()
    model = f"{route(Delegator(f'{route(Replier())}/m'))}/m"
    litellm.callbacks = [OuterRefuser(), recorder]
    with pytest.raises(litellm.BadRequestError, match="refused"):
        await litellm.acompletion(model=model, messages=MESSAGES)
    await _settled(recorder)
    assert _outcomes(recorder) == [("async failure", False), ("async success", True)]


def test_a_call_nested_in_a_refused_sync_one_keeps_its_own_success(route: Route) -> None:
    recorder = EventRecorder()
    model = f"{route(Delegator(f'{route(Replier())}/m'))}/m"
    litellm.callbacks = [OuterRefuser(), recorder]
    with pytest.raises(litellm.BadRequestError, match="refused"):
        litellm.completion(model=model, messages=MESSAGES)
    _settled_sync(recorder)
    assert _outcomes(recorder) == [("sync failure", False), ("sync success", True)]


def test_a_sync_reply_refused_by_an_interceptor_named_only_by_the_call_is_a_failure(route: Route) -> None:
    recorder = EventRecorder()
    litellm.callbacks = [recorder]
    with pytest.raises(litellm.BadRequestError, match="not this reply"):
        litellm.completion(model=f"{route(Replier())}/m", messages=MESSAGES, callbacks=[ReplyRefuser()])
    assert _settled_sync(recorder) == ["sync failure"]


class _Handlers:
    """What a held submission names: a logging object's ``success_handler`` (and ``failure_handler``)."""

    def __init__(self) -> None:
        self.logged = threading.Event()

    def success_handler(self, *args: Any) -> None:
        self.logged.set()

    def failure_handler(self, *args: Any) -> None:
        return None


def test_a_held_sync_log_goes_out_even_if_its_stand_in_future_was_cancelled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handlers = _Handlers()
    held = refusals.HeldSuccessLogs()
    with ThreadPoolExecutor(1) as pool:
        stand_in = held.hold_submission(
            pool.submit, contextvars.copy_context().run, (handlers.success_handler, "reply"), {}
        )
        assert stand_in is not None
        assert stand_in.cancel()
        with caplog.at_level(logging.ERROR):
            held.release()
            assert handlers.logged.wait(10)
    # the pool's done-callback ran before the pool shut down: it found the stand-in cancelled, and left it so
    assert stand_in.cancelled()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


class RefuserWithItsOwnDeploymentHook(ReplyRefuser):
    """Also overrides LiteLLM's post-call deployment hook, as a plain CustomLogger does: no ``super()`` call."""

    async def async_post_call_success_deployment_hook(
        self, request_data: dict[str, Any], response: Any, call_type: Any
    ) -> Any:
        return None


@pytest.mark.parametrize("entry_point", ["acompletion", "Router.acompletion"])
async def test_an_interceptor_overriding_the_deployment_hook_still_gets_its_refusal_logged(
    route: Route, entry_point: str
) -> None:
    """Before, the override took the place of the engine's hold on the success log: the refused reply was logged as
    a success."""
    recorder = EventRecorder()
    litellm.callbacks = [RefuserWithItsOwnDeploymentHook(), recorder]
    with pytest.raises(litellm.BadRequestError, match="not this reply"):
        await _calls(f"{route(Replier())}/m")[entry_point]()
    assert await _settled(recorder) == ["async failure"]
