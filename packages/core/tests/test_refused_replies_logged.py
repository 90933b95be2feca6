"""A whole reply an interceptor refuses is the call's failure to LiteLLM's observers, not its success.

LiteLLM logs an async call's success as its call returns, before the engine's reply hooks run; the engine has it
hold that log back (as LiteLLM's proxy does for its ``post_call`` guardrails) and lets it go once the hooks have
passed the reply, or reports the refusal in its place. Observed through LiteLLM's own ``CustomLogger`` on each
async entry point whose reply the engine reads, with an in-process provider of ours."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, ClassVar

import litellm
import pytest

from litellm_plugin.core import ALL_CALL_TYPES, BaseCustomLogger, BaseCustomProvider, CallType, InterceptorError
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


def _calls(model: str) -> dict[str, Callable[[], Awaitable[Any]]]:
    router = litellm.Router(model_list=[{"model_name": "group", "litellm_params": {"model": model}}])
    return {
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
