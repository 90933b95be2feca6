"""ContentFilter through LiteLLM: replies, requests, blocking, guardrail modes — on every call path."""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import Callable
from typing import Any

import litellm
import pytest
from litellm.proxy._types import UserAPIKeyAuth

from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.loggers.filters import ContentFilter


def test_reply_is_masked_on_every_path(path: str, call: Callable[..., str], provider: Any) -> None:
    litellm.callbacks = [ContentFilter(blocked_words=["spam", "advertisement"])]
    assert call(path, "Tell me about SPAM and this Advertisement.") == ("Tell me about [FILTERED] and this [FILTERED].")
    assert provider.llm.seen[-1][-1]["content"] == "Tell me about SPAM and this Advertisement."


def test_requests_are_left_alone_unless_asked(call: Callable[..., str], provider: Any) -> None:
    litellm.callbacks = [ContentFilter(["spam"], filter_responses=False, filter_requests=True)]
    assert call("completion", "no spam please") == "no [FILTERED] please"
    assert provider.llm.seen[-1][-1]["content"] == "no [FILTERED] please"


def test_request_filtering_on_every_path(path: str, call: Callable[..., str], provider: Any) -> None:
    litellm.callbacks = [ContentFilter(["spam"], replacement="***", filter_requests=True, filter_responses=False)]
    call(path, "spam in the request")
    assert provider.llm.seen[-1][-1]["content"] == "*** in the request"


def test_request_text_parts_and_system_messages_are_filtered(provider: Any) -> None:
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    litellm.completion(
        model=provider.model,
        messages=[
            {"role": "system", "content": "spam system"},
            {"role": "user", "content": [{"type": "text", "text": "a spam b"}, {"type": "text", "text": "ok"}]},
        ],
    )
    system, user = provider.llm.seen[-1]
    assert system["content"] == "[FILTERED] system"
    assert user["content"][0]["text"] == "a [FILTERED] b"
    assert user["content"][1]["text"] == "ok"


def test_the_callers_messages_are_not_modified(provider: Any) -> None:
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True)]
    messages = [{"role": "user", "content": "spam"}]
    litellm.completion(model=provider.model, messages=messages)
    assert messages == [{"role": "user", "content": "spam"}]


def test_block_refuses_a_reply_on_every_path(path: str, call: Callable[..., str]) -> None:
    litellm.callbacks = [ContentFilter(["spam"], action="block")]
    with pytest.raises(InterceptorRejectedError) as error:
        call(path, "this has spam in it")
    assert error.value.status_code == 400
    assert "spam" not in str(error.value)
    assert call(path, "this is clean") == "this is clean"


def test_block_refuses_a_request_before_the_model_is_called(path: str, call: Callable[..., str], provider: Any) -> None:
    litellm.callbacks = [ContentFilter(["spam"], action="block", filter_requests=True)]
    with pytest.raises(litellm.BadRequestError):
        call(path, "spam")
    assert provider.llm.seen == []


def test_per_word_actions(call: Callable[..., str]) -> None:
    content_filter = ContentFilter(
        [{"keyword": "spam", "action": "MASK"}, {"keyword": "scam", "action": "BLOCK"}, "junk"], action="mask"
    )
    litellm.callbacks = [content_filter]
    assert call("acompletion", "spam and junk") == "[FILTERED] and [FILTERED]"
    with pytest.raises(InterceptorRejectedError):
        call("acompletion", "spam and scam")


def test_guardrail_modes_decide_what_is_filtered(call: Callable[..., str], provider: Any) -> None:
    litellm.callbacks = [ContentFilter(["spam"], mode="pre_call")]
    assert call("completion", "spam") == "[FILTERED]"  # the request was masked, the echo shows it
    assert provider.llm.seen[-1][-1]["content"] == "[FILTERED]"

    litellm.logging_callback_manager._reset_all_callbacks()
    litellm.callbacks = [ContentFilter(["spam"], event_hook="post_call")]
    assert call("completion", "spam") == "[FILTERED]"
    assert provider.llm.seen[-1][-1]["content"] == "spam"


def test_during_call_blocks_requests_in_the_sdk(call: Callable[..., str], provider: Any) -> None:
    litellm.callbacks = [ContentFilter(["spam"], mode="during_call", action="block")]
    with pytest.raises(InterceptorRejectedError):
        call("acompletion", "spam")
    assert call("acompletion", "fine") == "fine"


def test_guardrail_that_is_not_default_on_runs_only_when_requested(call: Callable[..., str]) -> None:
    litellm.callbacks = [ContentFilter(["spam"], guardrail_name="words", mode="post_call", default_on=False)]
    assert call("acompletion", "spam") == "spam"
    assert call("acompletion", "spam", guardrails=["words"]) == "[FILTERED]"
    assert call("completion_stream", "spam", guardrails=["words"]) == "[FILTERED]"
    assert call("acompletion", "spam", guardrails=["other"]) == "spam"


def test_runs_once_when_a_call_names_it_as_a_guardrail(call: Callable[..., str]) -> None:
    class Counting(ContentFilter):
        calls = 0

        async def async_post_call_success_hook(self, data, user_api_key_dict, response):  # type: ignore[no-untyped-def]
            type(self).calls += 1
            return await super().async_post_call_success_hook(data, user_api_key_dict, response)

    litellm.callbacks = [Counting(["spam"], guardrail_name="words")]
    assert call("acompletion", "spam", guardrails=["words"]) == "[FILTERED]"
    assert Counting.calls == 1


def test_filters_compose_with_other_interceptors(call: Callable[..., str]) -> None:
    from litellm_plugin.loggers.filters import ResponseModifier

    litellm.callbacks = [ContentFilter(["spam"]), ResponseModifier(prefix="[Verified] ")]
    assert call("acompletion_stream", "no spam") == "[Verified] no [FILTERED]"


def test_turning_the_filter_off_really_turns_it_off(call: Callable[..., str]) -> None:
    litellm.callbacks = [ContentFilter(["spam"])]
    assert call("acompletion", "spam") == "[FILTERED]"
    litellm.callbacks = []
    assert call("acompletion", "spam") == "spam"
    assert call("completion", "spam") == "spam"


def test_a_caller_cannot_use_the_admin_switch_outside_the_proxy(call: Callable[..., str]) -> None:
    """Key and team metadata is written by the proxy; in the SDK the same keys are caller input."""
    litellm.callbacks = [ContentFilter(["spam"])]
    switched_off = {"user_api_key_metadata": {"disable_global_guardrails": True}}
    assert call("acompletion", "spam", metadata=switched_off) == "[FILTERED]"
    assert call("completion", "spam", metadata=switched_off) == "[FILTERED]"


@pytest.mark.parametrize("named", [False, True])
async def test_an_admin_can_switch_global_guardrails_off_for_a_key_in_the_proxy(
    named: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a running proxy's process, LiteLLM's switch in a key's metadata is honoured,
    for a plain callback and a named guardrail alike; the hook is called the way the proxy calls it."""
    server = types.ModuleType("litellm.proxy.proxy_server")
    server.master_key = "sk-running"  # type: ignore[attr-defined]  # what a started proxy holds
    monkeypatch.setitem(sys.modules, "litellm.proxy.proxy_server", server)
    guardrail: dict[str, Any] = {"guardrail_name": "words", "mode": "post_call"} if named else {}
    content_filter = ContentFilter(["spam"], **guardrail)

    async def reply(metadata: dict[str, Any]) -> str:
        data = {"proxy_server_request": {"url": "/v1/chat/completions"}, "metadata": metadata}
        response = litellm.ModelResponse(choices=[{"message": {"role": "assistant", "content": "spam"}}])
        changed = await content_filter.async_post_call_success_hook(
            data=data, user_api_key_dict=UserAPIKeyAuth(), response=response
        )
        return str((changed or response).choices[0].message.content)

    assert await reply({"user_api_key_metadata": {"disable_global_guardrails": True}}) == "spam"
    assert await reply({"user_api_key_metadata": {}}) == "[FILTERED]"


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("mode", ["pre_call", "post_call"])
def test_a_filter_named_only_by_a_router_deployment_runs(
    provider: Any, mode: str, asynchronous: bool, stream: bool
) -> None:
    """A guardrail that is not on by default, named in a deployment's ``litellm_params``: it runs on that model
    group's calls (it used to run on none: a filter failing open)."""
    litellm.callbacks = [ContentFilter(["spam"], guardrail_name="no-spam", mode=mode, default_on=False)]
    deployment = {"model": provider.model, "guardrails": ["no-spam"]}
    router: Any = litellm.Router(model_list=[{"model_name": "g", "litellm_params": deployment}])
    messages: list[Any] = [{"role": "user", "content": "some spam"}]

    async def run_async() -> str:
        reply = await router.acompletion(model="g", messages=messages, stream=stream)
        if stream:
            return "".join([chunk.choices[0].delta.content or "" async for chunk in reply])
        return str(reply.choices[0].message.content)

    def run_sync() -> str:
        reply = router.completion(model="g", messages=messages, stream=stream)
        if stream:
            return "".join(chunk.choices[0].delta.content or "" for chunk in reply)
        return str(reply.choices[0].message.content)

    assert (asyncio.run(run_async()) if asynchronous else run_sync()) == "some [FILTERED]"
    seen = provider.llm.seen[-1][-1]["content"]
    assert seen == ("some [FILTERED]" if mode == "pre_call" else "some spam")


@pytest.mark.parametrize("entry", ["responses", "aresponses", "aanthropic_messages"])
@pytest.mark.parametrize("named_as", ["name", "dict"])
def test_a_filter_named_only_by_a_router_deployment_runs_on_responses_and_messages(
    provider: Any, entry: str, named_as: str
) -> None:
    """The Router builds these per instance; a deployment may name a guardrail with its parameters (a dict)."""
    litellm.callbacks = [
        ContentFilter(["spam"], guardrail_name="no-spam", mode="pre_call", default_on=False, action="block")
    ]
    named: Any = "no-spam" if named_as == "name" else {"no-spam": {}}
    router: Any = litellm.Router(
        model_list=[{"model_name": "g", "litellm_params": {"model": provider.model, "guardrails": [named]}}]
    )

    async def call() -> Any:
        if entry == "aanthropic_messages":
            messages = [{"role": "user", "content": "some spam"}]
            return await router.aanthropic_messages(model="g", messages=messages, max_tokens=20)
        if entry == "aresponses":
            return await router.aresponses(model="g", input="some spam")
        return router.responses(model="g", input="some spam")

    with pytest.raises(InterceptorRejectedError):
        asyncio.run(call())
    assert provider.llm.seen == []
