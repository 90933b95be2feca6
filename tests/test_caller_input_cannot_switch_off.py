"""What a caller passes to an SDK call never switches an interceptor off.

In the proxy, ``proxy_server_request`` marks a request whose hooks the proxy runs itself, and a key's or team's
metadata (written by the proxy) may switch guardrails off. In the SDK the same keys are plain caller input: an
application that forwards its users' parameters to LiteLLM must not hand them a way around its filters.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import litellm
import pytest

from litellm_plugin.core import BaseCustomLogger, InterceptorRejectedError
from litellm_plugin.core.testing.settle import drain_litellm_logging
from litellm_plugin.loggers.filters import ContentFilter, ResponseModifier

MESSAGES: Any = [{"role": "user", "content": "a spam b"}]

FORGED: list[dict[str, Any]] = [
    {"proxy_server_request": {"url": "http://proxy/v1/chat/completions", "body": {}}},
    {"proxy_server_request": {}},
    {"metadata": {"user_api_key_metadata": {"disable_global_guardrails": True}}},
    {"metadata": {"user_api_key_team_metadata": {"disable_global_guardrails": True}}},
    {"litellm_metadata": {"user_api_key_metadata": {"disable_global_guardrails": True}}},
    {"metadata": {"user_api_key_metadata": {"opted_out_global_guardrails": ["cf"]}}},
]
IDS = ["proxy-marker", "empty-proxy-marker", "key-switch", "team-switch", "litellm-metadata-switch", "opt-out"]


async def test_loading_the_proxy_module_does_not_make_the_sdk_a_proxy(echo_model: str) -> None:
    """LiteLLM's SDK imports its proxy server module on some paths (Anthropic Messages): a proxy that is not
    running still does not run anyone's hooks."""
    importlib.import_module("litellm.proxy.proxy_server")
    litellm.callbacks = [ContentFilter(blocked_words=["spam"], filter_requests=True)]
    reply = await litellm.acompletion(model=echo_model, messages=MESSAGES, proxy_server_request={})
    assert reply.choices[0].message.content == "Echo: a [FILTERED] b"


@pytest.mark.parametrize("forged", FORGED, ids=IDS)
@pytest.mark.parametrize("named", [False, True], ids=["callback", "named-guardrail"])
async def test_a_mask_filter_still_masks_request_and_reply(
    forged: dict[str, Any], named: bool, echo_model: str
) -> None:
    sides: dict[str, Any] = (
        {"guardrail_name": "cf", "mode": ["pre_call", "post_call"]} if named else {"filter_requests": True}
    )
    litellm.callbacks = [ContentFilter(blocked_words=["spam"], **sides)]
    sync = litellm.completion(model=echo_model, messages=MESSAGES, **forged)
    assert sync.choices[0].message.content == "Echo: a [FILTERED] b"
    reply = await litellm.acompletion(model=echo_model, messages=MESSAGES, **forged)
    assert reply.choices[0].message.content == "Echo: a [FILTERED] b"
    stream = await litellm.acompletion(model=echo_model, messages=MESSAGES, stream=True, **forged)
    assert "".join([chunk.choices[0].delta.content or "" async for chunk in stream]) == "Echo: a [FILTERED] b"


@pytest.mark.parametrize("forged", FORGED, ids=IDS)
async def test_a_blocking_filter_still_refuses(forged: dict[str, Any], echo_model: str) -> None:
    litellm.callbacks = [ContentFilter(blocked_words=["spam"], action="block", filter_requests=True)]
    with pytest.raises(InterceptorRejectedError):
        litellm.completion(model=echo_model, messages=MESSAGES, **forged)
    router = litellm.Router(model_list=[{"model_name": "m", "litellm_params": {"model": echo_model}}])
    with pytest.raises(InterceptorRejectedError):
        await router.acompletion(model="m", messages=MESSAGES, **forged)
    with pytest.raises(InterceptorRejectedError):
        await litellm.aresponses(model=echo_model, input="a spam b", **forged)
    with pytest.raises(InterceptorRejectedError):
        litellm.text_completion(model=echo_model, prompt="a spam b", **forged)


async def test_a_during_call_check_is_not_left_to_a_proxy_that_is_not_there(echo_model: str) -> None:
    """``during_call`` runs from the proxy's moderation hook; in the SDK it runs before the call, marker or not."""
    litellm.callbacks = [ContentFilter(blocked_words=["spam"], action="block", mode="during_call", guardrail_name="cf")]
    with pytest.raises(InterceptorRejectedError):
        await litellm.acompletion(model=echo_model, messages=MESSAGES, proxy_server_request={})


async def test_a_router_deployment_that_streams_by_itself_is_intercepted(echo_model: str) -> None:
    """``stream: True`` in a deployment's ``litellm_params`` makes the Router stream a call the user did not ask
    to stream: the reply is still rewritten, as a stream."""
    litellm.callbacks = [ResponseModifier(prefix="[V] "), ContentFilter(blocked_words=["spam"])]
    router = litellm.Router(model_list=[{"model_name": "m", "litellm_params": {"model": echo_model, "stream": True}}])
    chunks: list[Any] = list(router.completion(model="m", messages=MESSAGES))
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == "[V] Echo: a [FILTERED] b"


class CallCounter(BaseCustomLogger):
    """An observer: counts the calls it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.success: list[str] = []

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.success.append(str(kwargs.get("litellm_call_id")))


async def test_calls_that_reuse_a_call_id_are_each_observed(echo_model: str) -> None:
    """Clients may reuse a call id (the proxy takes it from ``x-litellm-call-id``): three calls, three events.

    Only this test's id is counted: LiteLLM reads its callback lists when it logs, so on a busy machine an
    earlier test's call, still logging in the background, can reach this counter too."""
    await drain_litellm_logging()
    counter = CallCounter()
    litellm.callbacks = [counter]
    for _ in range(2):
        await litellm.acompletion(model=echo_model, messages=MESSAGES, litellm_call_id="same-id")
    litellm.completion(model=echo_model, messages=MESSAGES, litellm_call_id="same-id")
    for _ in range(600):  # LiteLLM logs in the background; a busy machine may take seconds
        if counter.success.count("same-id") >= 3:
            break
        await asyncio.sleep(0.05)
    await drain_litellm_logging()
    assert [call_id for call_id in counter.success if call_id == "same-id"] == ["same-id"] * 3
