"""On a sync LiteLLM call, the async code of providers, interceptors and observers runs inside an asyncio Task.

Asyncio libraries need one from their very first line: ``asyncio.timeout`` and aiohttp's timeouts ask for
``asyncio.current_task()``, httpx (through anyio and sniffio) finds its event loop library by it. Each scenario
runs on the sync path and, as the baseline, on the async one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import litellm
import pytest
from litellm.types.utils import EmbeddingResponse, GenericStreamingChunk, ModelResponse

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider
from litellm_plugin.core.testing.local_http import LocalHandler, serve_in_thread

pytestmark = pytest.mark.usefixtures("clean_callbacks")
Route = Callable[[Any], str]  # the ``route`` fixture from conftest
MESSAGES: list[Any] = [{"role": "user", "content": "hello"}]


class _Handler(LocalHandler):
    def do_GET(self) -> None:
        self.reply(b"from the server", "text/plain")


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with serve_in_thread(_Handler) as url:
        yield url


def _in_a_task() -> str:
    return "in a task" if asyncio.current_task() is not None else "no task"


class HttpxProvider(BaseCustomProvider):
    """Only ``acompletion``, fetching its reply with ``httpx.AsyncClient``, as a private model API would."""

    url = ""

    async def acompletion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        async with httpx.AsyncClient() as client:
            reply = await client.get(self.url)
        return self.make_response(model, messages, reply.text)


class TaskAsyncStream(BaseCustomProvider):
    async def astreaming(  # type: ignore[override]
        self, model: str, messages: list[Any], **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        yield self.make_chunk(_in_a_task(), is_finished=True)


class TaskEmbedder(BaseCustomProvider):
    async def aembedding(self, model: str, input: list[str], *args: Any, **kwargs: Any) -> EmbeddingResponse:
        response: EmbeddingResponse = kwargs["model_response"]
        response.data = [
            {"object": "embedding", "index": 0, "embedding": [1.0 if _in_a_task() == "in a task" else 0.0]}
        ]
        return response


class Replier(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return self.make_response(model, messages, "reply")


class TaskMarker(BaseCustomLogger):
    """Request and reply hooks that write down whether they run in a Task."""

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        data["messages"] = [{"role": "user", "content": _in_a_task()}]
        return data

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        response.choices[0].message.content += " / reply hook " + _in_a_task()
        return response


class Echo(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return self.make_response(model, messages, "request hook " + self.last_user_text(messages))


class TimingOutHook(BaseCustomLogger):
    """A request hook that gives up on a slow check after a short wait, through its Task's cancellation."""

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        try:
            await asyncio.wait_for(asyncio.sleep(30), timeout=0.05)
        except asyncio.TimeoutError:
            data["messages"] = [{"role": "user", "content": "timed out"}]
        return data


class TaskObserver(BaseCustomLogger):
    """Writes down, per provider, whether its hook ran in a Task (a call an earlier test made may be logged
    late, once this observer is in LiteLLM's lists: only this test's provider counts)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, list[str]] = {}

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        provider = (kwargs.get("litellm_params") or {}).get("custom_llm_provider")
        self.seen.setdefault(str(provider), []).append(_in_a_task())


def _text(response: Any) -> str:
    return str(response.choices[0].message.content)


async def test_an_acompletion_only_provider_using_httpx_serves_sync_calls(route: Route, server_url: str) -> None:
    provider = HttpxProvider()
    provider.url = server_url
    model = f"{route(provider)}/m"
    assert _text(await litellm.acompletion(model=model, messages=MESSAGES)) == "from the server"
    sync = await asyncio.to_thread(litellm.completion, model=model, messages=MESSAGES)
    assert _text(sync) == "from the server"
    stream = await asyncio.to_thread(
        lambda: "".join(
            c.choices[0].delta.content or "" for c in litellm.completion(model=model, messages=MESSAGES, stream=True)
        )
    )
    assert stream == "from the server"


def test_an_astreaming_only_provider_runs_in_a_task_on_sync_calls(route: Route) -> None:
    model = f"{route(TaskAsyncStream)}/m"
    chunks = litellm.completion(model=model, messages=MESSAGES, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "in a task"
    assert _text(litellm.completion(model=model, messages=MESSAGES)) == "in a task"


def test_an_aembedding_only_provider_runs_in_a_task_on_sync_calls(route: Route) -> None:
    response = litellm.embedding(model=f"{route(TaskEmbedder)}/m", input=["x"])
    assert response.data[0]["embedding"] == [1.0]


@pytest.mark.parametrize("how", ["sync", "async"])
def test_interceptor_hooks_run_in_a_task(route: Route, how: str) -> None:
    litellm.callbacks = [TaskMarker()]
    model = f"{route(Echo)}/m"
    if how == "sync":
        reply = litellm.completion(model=model, messages=MESSAGES)
    else:
        reply = asyncio.run(litellm.acompletion(model=model, messages=MESSAGES))
    assert _text(reply) == "request hook in a task / reply hook in a task"


def test_a_hook_timeout_cancels_its_own_wait_on_a_sync_call(route: Route) -> None:
    litellm.callbacks = [TimingOutHook()]
    assert _text(litellm.completion(model=f"{route(Echo)}/m", messages=MESSAGES)) == "request hook timed out"


def test_an_async_observer_runs_in_a_task_on_sync_calls(route: Route) -> None:
    observer = TaskObserver()
    litellm.callbacks = [observer]
    provider = route(Replier)
    litellm.completion(model=f"{provider}/m", messages=MESSAGES)
    for _ in range(200):  # LiteLLM logs a sync call's success on its logging thread pool
        if provider in observer.seen:
            break
        threading.Event().wait(0.05)
    assert observer.seen.get(provider) == ["in a task"], observer.seen
