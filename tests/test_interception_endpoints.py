"""The path matrix beyond chat: text completion, Responses API and Anthropic Messages, in the SDK, through a
Router and through the real proxy. Each change applies exactly once; observers see one call; failures fail
closed. Same probe interceptor and proxy as tests/test_interception_matrix.py."""

from __future__ import annotations

import uuid
from typing import Any

import litellm
import openai
import pytest

from litellm_plugin.core import InterceptorError
from litellm_plugin.core.testing.endpoints import (
    ENDPOINT_PATHS,
    ENDPOINT_STREAM_PATHS,
    PROXY_ENDPOINT_PATHS,
    EndpointPath,
    ProxyRouteError,
    call_endpoint,
)
from litellm_plugin.core.testing.interceptors import ProbeInterceptor
from litellm_plugin.core.testing.paths import Reply

# the session's proxy (conftest) starts in the background while earlier tests run
pytestmark = pytest.mark.early_servers("proxy")


def _text(*words: str) -> tuple[str, str]:
    probe_id = uuid.uuid4().hex[:12]
    return probe_id, " ".join(("hello", *words, f"probe-id:{probe_id}"))


@pytest.fixture
def target(request: pytest.FixtureRequest, path: EndpointPath) -> dict[str, Any]:
    if path in PROXY_ENDPOINT_PATHS:
        return {"model": "echo", "proxy": request.getfixturevalue("proxy")}
    probe = ProbeInterceptor()
    litellm.callbacks = [probe]
    return {"model": request.getfixturevalue("echo_model"), "probe": probe}


async def _call(path: EndpointPath, target: dict[str, Any], text: str) -> Reply:
    return await call_endpoint(path, model=target["model"], text=text, proxy=target.get("proxy"))


@pytest.mark.parametrize("path", ENDPOINT_PATHS)
async def test_request_change_reaches_the_provider_once(path: EndpointPath, target: dict[str, Any]) -> None:
    _, text = _text("probe-request")
    reply = await _call(path, target, text)
    assert reply.text.startswith("Echo: hello probe-request")
    assert reply.text.count("[req]") == 1


@pytest.mark.parametrize("path", ENDPOINT_PATHS)
async def test_response_change_reaches_the_caller_once(path: EndpointPath, target: dict[str, Any]) -> None:
    _, text = _text("probe-rewrite")
    reply = await _call(path, target, text)
    if path not in ENDPOINT_STREAM_PATHS:
        assert reply.text.startswith("~Echo: hello probe-rewrite")
        assert reply.text.count("~") == 1
    else:  # every piece changed, each exactly once
        assert reply.chunks is not None
        assert len(reply.chunks) > 3
        assert all(chunk.startswith("~") and not chunk.startswith("~~") for chunk in reply.chunks)
        assert reply.text.replace("~", "").startswith("Echo: hello probe-rewrite")


@pytest.mark.parametrize("path", ENDPOINT_PATHS)
async def test_observer_called_once(path: EndpointPath, target: dict[str, Any], observations: Any) -> None:
    probe_id, text = _text()
    await _call(path, target, text)
    assert await observations(target, probe_id) == 1


@pytest.mark.parametrize("path", ENDPOINT_PATHS)
async def test_failing_request_hook_fails_the_call_closed(path: EndpointPath, target: dict[str, Any]) -> None:
    _, text = _text("probe-fail-request")
    expected: tuple[type[Exception], ...] = (
        (openai.InternalServerError, ProxyRouteError) if path in PROXY_ENDPOINT_PATHS else (InterceptorError,)
    )
    with pytest.raises(expected, match="ProbeInterceptor") as excinfo:
        await _call(path, target, text)
    assert getattr(excinfo.value, "status_code", 500) == 500


@pytest.mark.parametrize("path", sorted(ENDPOINT_STREAM_PATHS))
async def test_failing_stream_hook_fails_the_stream_closed(path: EndpointPath, target: dict[str, Any]) -> None:
    _, text = _text("probe-fail-stream", "and", "more", "words")
    expected: tuple[type[Exception], ...] = (
        (openai.APIError, ProxyRouteError) if path in PROXY_ENDPOINT_PATHS else (InterceptorError,)
    )
    with pytest.raises(expected, match=r"ProbeInterceptor|error"):
        await _call(path, target, text)
