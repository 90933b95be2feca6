"""A ``CustomGuardrail`` re-based on ``BaseCustomLogger`` keeps LiteLLM's guardrail rules on SDK calls: its mode
(``event_hook``) says which of its hooks run, and one that is not ``default_on`` runs only on calls naming it
in ``guardrails=[...]`` (LiteLLM's own scenarios: its CustomGuardrail tests, written anew here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

import litellm
import pytest
from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import Delta, ModelResponse, StreamingChoices

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider, InterceptorRejectedError

Route = Callable[[type[CustomLLM] | CustomLLM], str]

pytestmark = pytest.mark.usefixtures("clean_callbacks")


class Echo(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "Echo: " + self.last_user_text(messages))


class Marker(BaseCustomLogger, CustomGuardrail):
    """A guardrail as LiteLLM's examples write one: it leaves the mode checks to LiteLLM. Its request hook marks
    the request, its reply hooks mark the reply, so the reply shows which hooks ran."""

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
        data["messages"][-1]["content"] += " [pre]"
        return data

    async def async_post_call_success_hook(self, data: Any, user_api_key_dict: Any, response: Any) -> Any:
        response.choices[0].message.content += " [post]"
        return response

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: Any
    ) -> AsyncGenerator[Any, None]:
        async for chunk in response:
            yield chunk
        yield litellm.ModelResponseStream(choices=[StreamingChoices(index=0, delta=Delta(content=" [post]"))])


def _call(model: str, *, named: bool, stream: bool = False, asynchronous: bool = True, **extra: Any) -> str:
    kwargs: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": "hi"}], **extra}
    if named:
        kwargs["guardrails"] = ["marker"]

    async def run_async() -> str:
        if stream:
            chunks = await litellm.acompletion(**kwargs, stream=True)
            return "".join([c.choices[0].delta.content or "" async for c in chunks])
        reply = await litellm.acompletion(**kwargs)
        return str(reply.choices[0].message.content)

    def run_sync() -> str:
        if stream:
            return "".join(c.choices[0].delta.content or "" for c in litellm.completion(**kwargs, stream=True))
        return str(litellm.completion(**kwargs).choices[0].message.content)

    return asyncio.run(run_async()) if asynchronous else run_sync()


@pytest.mark.parametrize(
    ("mode", "default_on", "named", "expected"),
    [
        ("pre_call", False, True, "Echo: hi [pre]"),
        ("post_call", False, True, "Echo: hi [post]"),
        ("pre_call", True, False, "Echo: hi [pre]"),
        (["pre_call", "post_call"], False, True, "Echo: hi [pre] [post]"),
        ("pre_call", False, False, "Echo: hi"),  # not on by default, not named: not run
        ("post_call", False, False, "Echo: hi"),
        ("during_call", False, True, "Echo: hi"),  # the proxy runs its moderation hook, not these
        ("logging_only", True, False, "Echo: hi"),
    ],
)
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("asynchronous", [True, False], ids=["async", "sync"])
def test_rebased_guardrail_runs_by_its_mode_and_default_on(
    route: Route, mode: Any, default_on: bool, named: bool, expected: str, stream: bool, asynchronous: bool
) -> None:
    litellm.callbacks = [Marker(guardrail_name="marker", event_hook=mode, default_on=default_on)]
    assert _call(f"{route(Echo)}/m", named=named, stream=stream, asynchronous=asynchronous) == expected


def test_a_caller_cannot_switch_a_default_on_guardrail_off_through_metadata(route: Route) -> None:
    """The key and team switches are the proxy's to write: in the SDK they are caller input, ignored."""
    litellm.callbacks = [Marker(guardrail_name="marker", event_hook="pre_call", default_on=True)]
    switches = {"disable_global_guardrails": True, "opted_out_global_guardrails": ["marker"]}
    metadata = {"user_api_key_metadata": switches, "user_api_key_team_metadata": switches}
    assert _call(f"{route(Echo)}/m", named=False, metadata=metadata) == "Echo: hi [pre]"


def test_a_guardrail_without_a_mode_runs_on_every_call(route: Route) -> None:
    litellm.callbacks = [Marker(guardrail_name="marker")]
    assert _call(f"{route(Echo)}/m", named=False) == "Echo: hi [pre] [post]"


def test_router_calls_follow_the_guardrail_rules(route: Route) -> None:
    litellm.callbacks = [Marker(guardrail_name="marker", event_hook="post_call")]
    router = litellm.Router(model_list=[{"model_name": "g", "litellm_params": {"model": f"{route(Echo)}/m"}}])
    messages: list[Any] = [{"role": "user", "content": "hi"}]
    named = asyncio.run(router.acompletion(model="g", messages=messages, guardrails=["marker"]))
    unnamed = asyncio.run(router.acompletion(model="g", messages=messages))
    assert (named.choices[0].message.content, unnamed.choices[0].message.content) == ("Echo: hi [post]", "Echo: hi")


# --- guardrails written with LiteLLM's unified ``apply_guardrail`` -----------------------------------------


class _Unified:
    """Only ``apply_guardrail``, LiteLLM's one hook for requests and replies: it refuses "secret" and records
    what it was shown."""

    seen: list[str]

    async def apply_guardrail(self, inputs: Any, request_data: Any, input_type: Any, logging_obj: Any = None) -> Any:
        self.seen.append(str(input_type))
        if any("secret" in text for text in inputs.get("texts") or []):
            raise litellm.BadRequestError(message="secret refused", model="m", llm_provider="guardrail")
        return inputs


class LiteLLMUnified(_Unified, CustomGuardrail):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seen = []


class RebasedUnified(_Unified, BaseCustomLogger, CustomGuardrail):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seen = []


async def _unified_outcome(guardrail: Any, model: str, text: str) -> tuple[str, list[str]]:
    litellm.logging_callback_manager._reset_all_callbacks()
    litellm.callbacks = [guardrail]
    try:
        reply = await litellm.acompletion(
            model=model, messages=[{"role": "user", "content": text}], guardrails=["unified"]
        )
        outcome = str(reply.choices[0].message.content)
    except litellm.BadRequestError as error:
        outcome = f"refused: {'secret refused' in str(error)}"
    return outcome, guardrail.seen


@pytest.mark.parametrize("mode", ["pre_call", "post_call"])
@pytest.mark.parametrize("text", ["hello", "my secret"])
async def test_rebased_apply_guardrail_runs_as_on_litellms_class(route: Route, mode: str, text: str) -> None:
    """LiteLLM runs ``apply_guardrail`` on async calls that name the guardrail; re-based, it must still run
    (it did not at all: a guardrail silently switched off)."""
    model = f"{route(Echo)}/m"
    settings = {"guardrail_name": "unified", "event_hook": mode}
    baseline = await _litellm_unified_outcome(model, text, settings)
    assert await _unified_outcome(RebasedUnified(**settings), model, text) == baseline


async def _litellm_unified_outcome(model: str, text: str, settings: dict[str, Any]) -> tuple[str, list[str]]:
    """LiteLLM's own class as the baseline; skipped where LiteLLM itself cannot run ``apply_guardrail`` on SDK
    calls (releases without the unified interface, or an install without the proxy's dependencies)."""
    try:
        baseline = await _unified_outcome(LiteLLMUnified(**settings), model, text)
    except ImportError as error:
        pytest.skip(f"LiteLLM's own class cannot run apply_guardrail here: {error}")
    if not baseline[1] and not hasattr(CustomGuardrail, "uses_apply_guardrail_interface"):
        pytest.skip("this LiteLLM release does not run apply_guardrail on SDK calls")
    assert baseline[1], "LiteLLM's own class never ran apply_guardrail: the scenario is broken"
    return baseline


async def test_a_caller_cannot_switch_an_apply_guardrail_guardrail_off(route: Route) -> None:
    await _litellm_unified_outcome(f"{route(Echo)}/m", "my secret", {"guardrail_name": "unified"})
    guardrail = RebasedUnified(guardrail_name="unified", event_hook="pre_call", default_on=True)
    litellm.callbacks = [guardrail]
    switches = {"disable_global_guardrails": True, "opted_out_global_guardrails": ["unified"]}
    with pytest.raises(litellm.BadRequestError, match="secret refused"):
        await litellm.acompletion(
            model=f"{route(Echo)}/m",
            messages=[{"role": "user", "content": "my secret"}],
            guardrails=["unified"],
            metadata={"user_api_key_metadata": switches, "user_api_key_team_metadata": switches},
        )


# --- guardrails a Router deployment names (model-level guardrails) -----------------------------------------


@pytest.mark.parametrize(
    ("mode", "caller_names_it", "expected"),
    [
        ("pre_call", False, "Echo: hi [pre]"),
        ("post_call", False, "Echo: hi [post]"),
        ("pre_call", True, "Echo: hi [pre]"),  # named twice, run once
        ("post_call", True, "Echo: hi [post]"),
    ],
)
async def test_a_guardrail_named_by_a_router_deployment_runs_once(
    route: Route, mode: str, caller_names_it: bool, expected: str
) -> None:
    """LiteLLM runs a guardrail that a deployment's ``litellm_params`` name on async Router calls; re-based, it
    was never run there (a model-level guardrail silently skipped)."""
    litellm.callbacks = [Marker(guardrail_name="marker", event_hook=mode)]
    deployment = {"model": f"{route(Echo)}/m", "guardrails": ["marker"]}
    router = litellm.Router(model_list=[{"model_name": "g", "litellm_params": deployment}])
    extra: dict[str, Any] = {"guardrails": ["marker"]} if caller_names_it else {}
    reply = await router.acompletion(model="g", messages=[{"role": "user", "content": "hi"}], **extra)
    assert reply.choices[0].message.content == expected


def _router_call(router: Any, path: str) -> str:
    messages: list[Any] = [{"role": "user", "content": "hi"}]

    async def run_async() -> str:
        if path == "async_stream":
            chunks = await router.acompletion(model="g", messages=messages, stream=True)
            return "".join([c.choices[0].delta.content or "" async for c in chunks])
        return str((await router.acompletion(model="g", messages=messages)).choices[0].message.content)

    if path == "sync_stream":
        return "".join(
            c.choices[0].delta.content or "" for c in router.completion(model="g", messages=messages, stream=True)
        )
    if path == "sync":
        return str(router.completion(model="g", messages=messages).choices[0].message.content)
    return asyncio.run(run_async())


@pytest.mark.parametrize("path", ["sync", "sync_stream", "async", "async_stream"])
@pytest.mark.parametrize("mode", ["pre_call", "post_call"])
def test_a_guardrail_named_by_a_router_deployment_runs_on_every_path(route: Route, mode: str, path: str) -> None:
    """On sync and streamed calls too (LiteLLM's deployment hooks run on async calls only): the engine runs it
    on the Router call, before a deployment is picked."""
    litellm.callbacks = [Marker(guardrail_name="marker", event_hook=mode)]
    deployment = {"model": f"{route(Echo)}/m", "guardrails": ["marker"]}
    router = litellm.Router(model_list=[{"model_name": "g", "litellm_params": deployment}])
    assert _router_call(router, path) == ("Echo: hi [pre]" if mode == "pre_call" else "Echo: hi [post]")


def test_a_guardrail_another_model_groups_deployment_names_does_not_run(route: Route) -> None:
    litellm.callbacks = [Marker(guardrail_name="marker", event_hook="pre_call")]
    router = litellm.Router(
        model_list=[
            {"model_name": "g", "litellm_params": {"model": f"{route(Echo)}/m"}},
            {"model_name": "other", "litellm_params": {"model": f"{route(Echo)}/m", "guardrails": ["marker"]}},
        ]
    )
    assert _router_call(router, "sync") == "Echo: hi"


class RefusesWithAString(BaseCustomLogger, CustomGuardrail):
    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
        return "refused by the guardrail"


def test_a_string_from_the_request_hook_refuses_a_call_naming_the_guardrail(route: Route) -> None:
    """A documented difference: LiteLLM's SDK guardrail path ignores the string (the call went through); its
    proxy refuses, and so does the engine, on every path."""
    litellm.callbacks = [RefusesWithAString(guardrail_name="marker", event_hook="pre_call")]
    with pytest.raises(InterceptorRejectedError, match="refused by the guardrail"):
        _call(f"{route(Echo)}/m", named=True)
