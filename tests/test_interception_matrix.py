"""One interceptor, every way of calling LiteLLM: each change applies exactly once, failures fail closed.

SDK paths use a ProbeInterceptor in ``litellm.callbacks`` and the echo provider registered through the
registry; proxy paths use the real ``litellm`` proxy process configured by tests/proxy/config.yaml (the same
interceptor class and provider, named in YAML) and the ``openai`` client.
"""

from __future__ import annotations

import uuid
from typing import Any

import litellm
import openai
import pytest

from litellm_plugin.core import InterceptorError
from litellm_plugin.core.testing.interceptors import ProbeInterceptor
from litellm_plugin.core.testing.paths import ALL_PATHS, PROXY_PATHS, STREAM_PATHS, CallPath, Reply, call_path
from litellm_plugin.core.testing.servers import ServerProcess

# the session's proxy (conftest) starts in the background while earlier tests run
pytestmark = pytest.mark.early_servers("proxy")

STREAMS = sorted(STREAM_PATHS)


def _messages(*words: str) -> tuple[str, list[dict[str, Any]]]:
    probe_id = uuid.uuid4().hex[:12]
    return probe_id, [{"role": "user", "content": " ".join(("hello", *words, f"probe-id:{probe_id}"))}]


@pytest.fixture
def target(request: pytest.FixtureRequest, path: CallPath) -> dict[str, Any]:
    """Where to send the call: the proxy for proxy paths, else echo with a probe in litellm.callbacks."""
    if path in PROXY_PATHS:
        return {"model": "echo", "proxy": request.getfixturevalue("proxy")}
    model = request.getfixturevalue("echo_model")
    probe = ProbeInterceptor()
    litellm.callbacks = [probe]
    return {"model": model, "probe": probe}


async def _call(path: CallPath, target: dict[str, Any], messages: list[dict[str, Any]]) -> Reply:
    return await call_path(path, model=target["model"], messages=messages, proxy=target.get("proxy"))


@pytest.mark.parametrize("path", ALL_PATHS)
async def test_request_change_reaches_the_provider_once(path: CallPath, target: dict[str, Any]) -> None:
    _, messages = _messages("probe-request")
    reply = await _call(path, target, messages)
    assert reply.text.startswith("Echo: hello probe-request")
    assert reply.text.count("[req]") == 1
    assert messages[0]["content"].count("[req]") == 0  # the caller's own message list is not changed


@pytest.mark.parametrize("path", ALL_PATHS)
async def test_response_change_reaches_the_caller_once(path: CallPath, target: dict[str, Any]) -> None:
    _, messages = _messages("probe-rewrite")
    reply = await _call(path, target, messages)
    if reply.chunks is None:
        assert reply.text.startswith("~Echo: hello probe-rewrite")
        assert reply.text.count("~") == 1
    else:  # a stream: every chunk changed, each exactly once
        assert len(reply.chunks) > 3
        assert all(chunk.startswith("~") and not chunk.startswith("~~") for chunk in reply.chunks)
        assert reply.text.replace("~", "").startswith("Echo: hello probe-rewrite")


@pytest.mark.parametrize("path", ALL_PATHS)
async def test_observer_called_once(path: CallPath, target: dict[str, Any], observations: Any) -> None:
    probe_id, messages = _messages()
    await _call(path, target, messages)
    assert await observations(target, probe_id) == 1


@pytest.mark.parametrize("path", ALL_PATHS)
async def test_failing_request_hook_fails_the_call_closed(path: CallPath, target: dict[str, Any]) -> None:
    _, messages = _messages("probe-fail-request")
    if path in PROXY_PATHS:
        with pytest.raises(openai.InternalServerError, match="ProbeInterceptor"):
            await _call(path, target, messages)
    else:
        with pytest.raises(InterceptorError, match=r"ProbeInterceptor.*async_pre_call_hook"):
            await _call(path, target, messages)


@pytest.mark.parametrize("path", STREAMS)
async def test_failing_stream_hook_fails_the_stream_closed(path: CallPath, target: dict[str, Any]) -> None:
    _, messages = _messages("probe-fail-stream", "and", "more", "words")
    expected = openai.APIError if path in PROXY_PATHS else InterceptorError
    with pytest.raises(expected, match="ProbeInterceptor"):
        await _call(path, target, messages)


async def test_proxy_error_mid_stream_is_not_a_clean_end(proxy: ServerProcess) -> None:
    """The client gets the chunks sent before the failure and then an error, never a truncated success."""
    client = openai.AsyncOpenAI(base_url=proxy.base_url + "/v1", api_key=proxy.env["LITELLM_MASTER_KEY"])
    received: list[str] = []
    async with client:
        stream = await client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "one two three probe-fail-stream"}],
            stream=True,
        )
        with pytest.raises(openai.APIError, match="ProbeInterceptor"):  # noqa: PT012 - the error comes mid-loop
            async for chunk in stream:
                received.extend(c.delta.content or "" for c in chunk.choices)
    assert received[:1] == ["~Echo: "]


async def test_proxy_runs_a_user_subclass_two_levels_below_the_base(proxy: ServerProcess) -> None:
    """The proxy's interceptor is ``ProbeInterceptor(_ProbeMiddle(_ProbeHooks(BaseCustomLogger)))`` and its leaf
    class writes no hook itself: LiteLLM only runs hooks the leaf defines, and BaseCustomLogger provides them."""
    hooks_written_by_leaf = {"async_pre_call_hook", "response_transform"} & set(ProbeInterceptor.__dict__)
    assert ProbeInterceptor.__mro__[3].__name__ == "BaseCustomLogger"
    assert "response_transform" not in hooks_written_by_leaf
    _, messages = _messages("probe-request", "probe-rewrite")
    reply = await call_path("proxy", model="echo", messages=messages, proxy=proxy)
    assert reply.text.startswith("~Echo: hello probe-request probe-rewrite")
    assert reply.text.count("[req]") == 1
