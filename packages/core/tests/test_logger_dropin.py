"""A CustomLogger re-based on BaseCustomLogger behaves as before, plus interception (issue 12, items 1-4)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger
from litellm.types.utils import EmbeddingResponse, ImageObject, ImageResponse, ModelResponse

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider, interception

Route = Callable[[Any], str]  # the ``route`` fixture from conftest
USER: list[Any] = [{"role": "user", "content": "hi"}]


pytestmark = pytest.mark.usefixtures("clean_callbacks")


class Provider(BaseCustomProvider):
    """Chat, embeddings and images; chat replies echo the last user message, and a message starting with
    "nested:" makes the provider call LiteLLM itself first (a nested call)."""

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        text = self.last_user_text(messages)
        if text.startswith("nested:"):
            inner = [{"role": "user", "content": "inner " + text}]
            litellm.completion(model=f"{self.provider_name}/inner", messages=inner, metadata={"span": "inner"})
        return self.make_response(model, messages, "Echo: " + text)

    def embedding(self, model: str, input: list[Any], *args: Any, **kwargs: Any) -> EmbeddingResponse:
        return EmbeddingResponse(model=model, data=[{"object": "embedding", "index": 0, "embedding": [0.5]}])

    def image_generation(self, model: str, prompt: str, *args: Any, **kwargs: Any) -> ImageResponse:
        return ImageResponse(created=int(time.time()), data=[ImageObject(url="https://example.invalid/i.png")])


@pytest.fixture
def provider(route: Route) -> str:
    return route(Provider)


def _wait_for(condition: Callable[[], bool], settle: float = 0.3) -> None:
    deadline = time.monotonic() + 5
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(settle)  # a second, unwanted observation would arrive within this


class Recorder(BaseCustomLogger):
    """An observer written the way LiteLLM's docs write CustomLogger subclasses (no ``super().__init__()``).

    Records only calls carrying this test's token: LiteLLM runs sync success logging on a background thread,
    so an earlier test's call may still be logged while this test runs.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[dict[str, Any]] = []

    def _record(self, hook: str, kwargs: Any) -> None:
        if self.token in str(kwargs.get("messages")) + str(kwargs.get("input")) + str(kwargs.get("prompt")):
            self.calls.append({"hook": hook, "call_type": kwargs.get("call_type"), "kwargs": kwargs})

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("sync", kwargs)

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("async", kwargs)


@pytest.fixture
def token() -> str:
    return uuid.uuid4().hex


def _user(token: str, prefix: str = "") -> list[Any]:
    return [{"role": "user", "content": f"{prefix}{token}"}]


# --- item 1: activation does not depend on the author's __init__ ----------------------------------------


def test_interceptor_whose_init_skips_super_is_still_applied(provider: str) -> None:
    interception.uninstall()  # as in a fresh process: nothing has installed the engine yet

    class Shouter(BaseCustomLogger):
        def __init__(self, suffix: str) -> None:  # LiteLLM's own examples never call super().__init__()
            self.suffix = suffix

        async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
            data["messages"][-1]["content"] += self.suffix
            return data

    litellm.callbacks = [Shouter("!!")]
    reply = litellm.completion(model=f"{provider}/m", messages=USER)
    assert reply.choices[0].message.content == "Echo: hi!!"


# --- item 2: only what the engine added is ever removed --------------------------------------------------


def test_logger_assigned_to_success_callback_directly_fires(provider: str, token: str) -> None:
    recorder = Recorder(token)
    litellm.success_callback = [recorder]
    litellm.completion(model=f"{provider}/m", messages=_user(token))
    _wait_for(lambda: bool(recorder.calls))
    assert [c["hook"] for c in recorder.calls] == ["sync"]


async def test_logger_added_through_the_callback_manager_fires(provider: str, token: str) -> None:
    recorder = Recorder(token)
    litellm.logging_callback_manager.add_litellm_async_success_callback(recorder)
    litellm.callbacks = [Recorder(token)]  # another interceptor, managed by the engine, changes nothing for it
    await litellm.acompletion(model=f"{provider}/m", messages=_user(token))
    await asyncio.to_thread(_wait_for, lambda: bool(recorder.calls))
    assert [c["hook"] for c in recorder.calls] == ["async"]


def test_replaced_interceptor_stops_observing(provider: str, token: str) -> None:
    first, second = Recorder(token), Recorder(token)
    litellm.callbacks = [first]
    litellm.completion(model=f"{provider}/m", messages=_user(token))
    _wait_for(lambda: bool(first.calls))
    litellm.callbacks = [second]
    litellm.completion(model=f"{provider}/m", messages=_user(token))
    _wait_for(lambda: bool(second.calls))
    assert (len(first.calls), len(second.calls)) == (1, 1)


# --- item 3: observers keep every call type ------------------------------------------------------------


async def test_rebased_observer_sees_embeddings_and_images(provider: str, token: str) -> None:
    recorder = Recorder(token)
    litellm.callbacks = [recorder]
    await litellm.acompletion(model=f"{provider}/m", messages=_user(token))
    await litellm.aembedding(model=f"{provider}/m", input=[token])
    await litellm.aimage_generation(model=f"{provider}/m", prompt=token)
    await asyncio.to_thread(_wait_for, lambda: len(recorder.calls) >= 3)
    assert sorted(c["call_type"] for c in recorder.calls) == ["acompletion", "aembedding", "aimage_generation"]


async def test_declared_call_types_narrow_observers(provider: str, token: str) -> None:
    recorder = Recorder(token)
    recorder.call_types = frozenset({"completion"})  # type: ignore[misc]
    narrowed = type("Narrowed", (Recorder,), {"call_types": ["embedding"]})(token)
    litellm.callbacks = [recorder, narrowed]
    await litellm.acompletion(model=f"{provider}/m", messages=_user(token))
    await litellm.aembedding(model=f"{provider}/m", input=[token])
    await asyncio.to_thread(_wait_for, lambda: bool(recorder.calls) and bool(narrowed.calls))
    assert [c["call_type"] for c in recorder.calls] == ["acompletion"]
    assert [c["call_type"] for c in narrowed.calls] == ["aembedding"]


# --- item 4: nesting is tracked without touching user metadata ----------------------------------------


async def _nested_call(provider: str, token: str, metadata: dict[str, Any], *, asynchronous: bool) -> None:
    call: dict[str, Any] = {"model": f"{provider}/m", "messages": _user(token, "nested: "), "metadata": metadata}
    if asynchronous:
        await litellm.acompletion(**call)
    else:
        await asyncio.to_thread(litellm.completion, **call)


class Forwarder(CustomLogger):
    """A plain LiteLLM logger (like Langfuse) that forwards each call's metadata: it sees nested calls too."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.metadata: list[dict[str, Any]] = []

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        if self.token in str(kwargs.get("messages")):
            self.metadata.append(dict(kwargs["litellm_params"].get("metadata") or {}))

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        if self.token in str(kwargs.get("messages")):
            self.metadata.append(dict(kwargs["litellm_params"].get("metadata") or {}))


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_nested_call_leaves_user_metadata_alone(provider: str, asynchronous: bool, token: str) -> None:
    recorder = Recorder(token)
    litellm.callbacks = [recorder]
    metadata = {"trace": "t-1"}
    await _nested_call(provider, token, metadata, asynchronous=asynchronous)
    await asyncio.to_thread(_wait_for, lambda: bool(recorder.calls))
    assert len(recorder.calls) == 1  # the provider's own inner call (same token) is not observed
    assert metadata["trace"] == "t-1"
    for seen in (metadata, recorder.calls[0]["kwargs"]["litellm_params"]["metadata"]):
        assert not [key for key in seen if "litellm_plugin" in key]


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_other_loggers_see_nested_calls_with_untouched_metadata(
    provider: str, asynchronous: bool, token: str
) -> None:
    forwarder = Forwarder(token)
    litellm.callbacks = [Recorder(token), forwarder]
    await _nested_call(provider, token, {"trace": "t-1"}, asynchronous=asynchronous)
    await asyncio.to_thread(_wait_for, lambda: len(forwarder.metadata) >= 2)
    inner = [m for m in forwarder.metadata if m.get("span") == "inner"]
    assert len(inner) == 1
    assert not [key for key in inner[0] if "litellm_plugin" in key]


# --- performance goal: modify-only interceptors stay out of LiteLLM's observer lists ----------------


class ModifyOnly(BaseCustomLogger):
    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
        return data


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_modify_only_interceptors_are_not_in_litellms_lists(
    provider: str, token: str, asynchronous: bool
) -> None:
    modifier, recorder = ModifyOnly(), Recorder(token)
    litellm.callbacks = [modifier, recorder]
    for _ in range(2):  # LiteLLM copies litellm.callbacks into its lists on every call
        if asynchronous:
            await litellm.acompletion(model=f"{provider}/m", messages=_user(token))
        else:
            await asyncio.to_thread(litellm.completion, model=f"{provider}/m", messages=_user(token))
    for name in ("input_callback", "success_callback", "failure_callback", "_async_success_callback"):
        entries = list(getattr(litellm, name))
        assert not any(entry is modifier for entry in entries), name
        # LiteLLM only calls the pre/post API call hooks from input_callback: an outcome observer stays out.
        assert sum(entry is recorder for entry in entries) == (name != "input_callback"), name
    await asyncio.to_thread(_wait_for, lambda: len(recorder.calls) >= 2)
    assert len(recorder.calls) == 2


class PreCallRecorder(Recorder):
    def log_pre_api_call(self, model: Any, messages: Any, kwargs: Any) -> None:
        self._record("pre", kwargs)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_an_observer_of_api_calls_is_in_the_input_list_and_sees_them(token: str, asynchronous: bool) -> None:
    recorder = PreCallRecorder(token)
    litellm.callbacks = [ModifyOnly(), recorder]
    # A built-in provider logs its API call (a custom provider has none); mock_response keeps it offline.
    call = {"model": "openai/gpt-4o-mini", "messages": _user(token), "mock_response": "hi"}
    if asynchronous:
        await litellm.acompletion(**call)
    else:
        await asyncio.to_thread(litellm.completion, **call)
    assert sum(entry is recorder for entry in litellm.input_callback) == 1
    await asyncio.to_thread(_wait_for, lambda: len(recorder.calls) >= 2)
    assert sorted(call["hook"] for call in recorder.calls) == sorted(["async" if asynchronous else "sync", "pre"])
