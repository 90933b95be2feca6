"""The helpers that keep providers short: responses, chunks and LiteLLM's typed errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import litellm
import pytest
from litellm import exceptions
from litellm.router import Router
from litellm.types.utils import ModelResponse

from litellm_plugin.core import BaseCustomProvider, ErrorKind, Messages

Route = Callable[[Any], str]  # the ``route`` fixture from conftest
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Count my tokens please"}]


def test_make_response_counts_usage_with_litellm() -> None:
    response = BaseCustomProvider.make_response("m", MESSAGES, "Four words right here", finish_reason="length")
    usage = response.usage  # type: ignore[attr-defined]
    assert usage.prompt_tokens == litellm.token_counter(model="m", messages=MESSAGES)
    assert usage.completion_tokens == litellm.token_counter(
        model="m", text="Four words right here", count_response_tokens=True
    )
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert response.choices[0].message.content == "Four words right here"
    assert response.choices[0].finish_reason == "length"


def test_make_chunk_defaults() -> None:
    assert BaseCustomProvider.make_chunk("hi") == {
        "text": "hi",
        "is_finished": False,
        "finish_reason": "",
        "usage": None,
        "index": 0,
        "tool_use": None,
    }
    last = BaseCustomProvider.make_chunk("", is_finished=True, usage={"prompt_tokens": 2, "completion_tokens": 3})
    assert last["finish_reason"] == "stop"
    assert last["usage"] == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}


@pytest.mark.parametrize(
    ("kind", "cls", "status", "given"),
    [
        ("bad_request", exceptions.BadRequestError, 400, None),
        ("authentication", exceptions.AuthenticationError, 401, None),
        ("permission_denied", exceptions.PermissionDeniedError, 403, None),
        ("not_found", exceptions.NotFoundError, 404, None),
        ("context_window_exceeded", exceptions.ContextWindowExceededError, 400, None),
        ("content_policy", exceptions.ContentPolicyViolationError, 400, None),
        ("rate_limit", exceptions.RateLimitError, 429, None),
        ("timeout", exceptions.Timeout, 408, None),
        ("connection", exceptions.APIConnectionError, 500, None),
        ("internal", exceptions.InternalServerError, 500, None),
        ("unavailable", exceptions.ServiceUnavailableError, 503, None),
        ("api_error", exceptions.APIError, 500, None),
        # a status of the upstream's own replaces the kind's usual one
        ("timeout", exceptions.Timeout, 504, 504),
        ("bad_request", exceptions.BadRequestError, 422, 422),
        ("unavailable", exceptions.ServiceUnavailableError, 502, 502),
        ("rate_limit", exceptions.RateLimitError, 420, 420),
    ],
)
def test_errors_reach_the_caller_typed_and_named(
    route: Route, kind: ErrorKind, cls: type, status: int, given: int | None
) -> None:
    class Failing(BaseCustomProvider):
        def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
            raise self.error(kind, "it broke", model=model, status_code=given)

    name = route(Failing)
    with pytest.raises(cls) as caught:
        litellm.completion(model=f"{name}/m", messages=MESSAGES)
    assert getattr(caught.value, "llm_provider", None) == name
    assert getattr(caught.value, "status_code", None) == status
    assert "it broke" in str(caught.value)


def test_error_carries_retry_after_and_custom_status() -> None:
    provider = BaseCustomProvider()
    provider.provider_name = "p"
    limited = provider.error("rate_limit", "slow down", model="m", retry_after=7)
    assert isinstance(limited, exceptions.RateLimitError)
    assert limited.response.headers["retry-after"] == "7"
    teapot = provider.error("api_error", "odd", model="m", status_code=418)
    assert isinstance(teapot, exceptions.APIError)
    assert teapot.status_code == 418
    with pytest.raises(ValueError, match="unknown error kind"):
        provider.error("nope", "x", model="m")  # type: ignore[arg-type]


def test_router_falls_back_on_a_typed_provider_error(route: Route) -> None:
    class Limited(BaseCustomProvider):
        def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
            raise self.error("rate_limit", "quota exhausted", model=model)

    class Backup(BaseCustomProvider):
        def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
            return self.make_response(model, messages, "from backup")

    router = Router(
        model_list=[
            {"model_name": "primary", "litellm_params": {"model": f"{route(Limited)}/m"}},
            {"model_name": "backup", "litellm_params": {"model": f"{route(Backup)}/m"}},
        ],
        fallbacks=[{"primary": ["backup"]}],
        num_retries=0,
    )
    response = router.completion(model="primary", messages=MESSAGES)
    assert response.choices[0].message.content == "from backup"  # type: ignore[union-attr]


def test_implements_reports_overrides_only() -> None:
    class OnlyChat(BaseCustomProvider):
        def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
            raise NotImplementedError

    assert OnlyChat.implements("completion")
    assert not OnlyChat.implements("acompletion")
    with pytest.raises(ValueError, match="unknown provider method"):
        OnlyChat.implements("rerank")


class _RepliesWithMakeResponse(BaseCustomProvider):
    """The README's shortest provider: make_response validates the messages, knowing no provider name."""

    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "OK")


class _AsyncRepliesWithMakeResponse(BaseCustomProvider):
    async def acompletion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "OK")


class _StreamsAfterValidating(BaseCustomProvider):
    def streaming(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> Any:
        self.validate_messages(messages)  # no model= either
        yield self.make_chunk("OK", is_finished=True)


def _call(path: str, model: str, messages: list[Any]) -> None:
    async def call_async() -> None:
        reply = await litellm.acompletion(model=model, messages=messages, stream=path == "async stream")
        if path == "async stream":
            async for _ in reply:
                pass

    if path.startswith("async"):
        asyncio.run(call_async())
    else:
        reply = litellm.completion(model=model, messages=messages, stream=path == "stream")
        if path == "stream":
            list(reply)


@pytest.mark.parametrize("path", ["sync", "async", "stream", "async stream"])
@pytest.mark.parametrize("provider", [_RepliesWithMakeResponse, _AsyncRepliesWithMakeResponse, _StreamsAfterValidating])
def test_bad_messages_refused_by_a_helper_name_the_provider_on_every_path(
    route: Route, provider: type[BaseCustomProvider], path: str
) -> None:
    """Router cooldowns and fallbacks, and the conformance suite, read llm_provider off the error."""
    name = route(provider)
    with pytest.raises(exceptions.BadRequestError, match="has no content") as refused:
        _call(path, f"{name}/m", [{"role": "user", "content": None}])
    assert refused.value.llm_provider == name
    assert refused.value.model == "m"
