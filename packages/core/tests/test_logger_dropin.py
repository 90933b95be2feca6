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


# --- the hooks LiteLLM calls while a call runs are scoped like the outcome hooks ------------------------


class DuringCallRecorder(CustomLogger):
    """Every observe-only hook LiteLLM calls before and during an API call: pre/post API call, stream events."""

    def __init__(self, token: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token = token
        self.events: list[str] = []

    def _record(self, hook: str, kwargs: Any) -> None:
        if self.token in str(kwargs.get("messages")):
            self.events.append(hook)

    def log_pre_api_call(self, model: Any, messages: Any, kwargs: Any) -> None:
        self._record("pre", kwargs)

    def log_post_api_call(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("post", kwargs)

    def log_stream_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("stream", kwargs)

    async def async_log_stream_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("async stream", kwargs)


class RebasedDuringCallRecorder(DuringCallRecorder, BaseCustomLogger):
    pass


def _built_in_call(token: str, **extra: Any) -> None:
    """A built-in provider logs its API call and each streamed chunk (a custom provider does not)."""
    response = litellm.completion(model="openai/gpt-4o-mini", messages=_user(token), mock_response="a b c d", **extra)
    if extra.get("stream"):
        for _ in response:
            pass


def test_api_call_and_stream_hooks_observe_what_litellms_class_observes(token: str) -> None:
    plain, rebased = DuringCallRecorder(token), RebasedDuringCallRecorder(token)
    litellm.callbacks = [plain, rebased]
    _built_in_call(token)
    _built_in_call(token, stream=True)

    # Which of the two stream hooks LiteLLM calls for a sync stream depends on its release; both see chunks.
    def chunk_events() -> int:
        return sum(event.endswith("stream") for event in plain.events)

    _wait_for(lambda: chunk_events() > 1 and sorted(rebased.events) == sorted(plain.events))
    assert chunk_events() > 1  # one per chunk, not once per call
    assert sorted(rebased.events) == sorted(plain.events)


def test_api_call_and_stream_hooks_of_an_interceptor_passed_per_call_see_that_call_only(token: str) -> None:
    rebased = RebasedDuringCallRecorder(token)
    _built_in_call(token, callbacks=[rebased])
    _wait_for(lambda: len(rebased.events) >= 2)
    seen = len(rebased.events)
    assert sorted(set(rebased.events)) == ["post", "pre"]
    _built_in_call(token)
    _built_in_call(token, stream=True)
    time.sleep(0.5)
    assert len(rebased.events) == seen


def test_api_call_and_stream_hooks_narrow_with_declared_call_types(token: str) -> None:
    narrowed, plain = RebasedDuringCallRecorder(token, call_types=["embedding"]), DuringCallRecorder(token)
    litellm.callbacks = [narrowed, plain]
    _built_in_call(token)
    _built_in_call(token, stream=True)
    _wait_for(lambda: len(plain.events) >= 4)
    assert narrowed.events == []


class CallsABuiltInModel(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        _built_in_call(self.last_user_text(messages))
        return self.make_response(model, messages, "done")


def test_api_call_hooks_skip_a_call_nested_in_another(route: Route, token: str) -> None:
    rebased, plain = RebasedDuringCallRecorder(token), DuringCallRecorder(token)
    litellm.callbacks = [rebased, plain]
    litellm.completion(model=f"{route(CallsABuiltInModel)}/m", messages=_user(token))
    _wait_for(lambda: len(plain.events) >= 2)  # LiteLLM's class sees the inner call's
    assert rebased.events == []  # the outer call is a custom provider's: it logs no API call of its own


class KeepsItsOwnCallTypes(CustomLogger):
    """Uses the name ``call_types`` for its own data: the calls it saw (LiteLLM's names include ours)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.call_types: list[str] = []

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        if self.token in str(kwargs.get("messages")) + str(kwargs.get("input")):
            self.call_types.append(kwargs["call_type"])


class RebasedKeepsItsOwnCallTypes(KeepsItsOwnCallTypes, BaseCustomLogger):  # type: ignore[misc]
    pass


def test_a_list_the_author_fills_under_call_types_stays_their_data(provider: str, token: str) -> None:
    plain, rebased = KeepsItsOwnCallTypes(token), RebasedKeepsItsOwnCallTypes(token)
    litellm.callbacks = [plain, rebased]
    for rounds in (1, 2):  # the second round runs with a list that now holds "completion"

        def logged(call_type: str, rounds: int = rounds) -> bool:  # each round's own record, not the last one's
            return plain.call_types.count(call_type) >= rounds and rebased.call_types.count(call_type) >= rounds

        litellm.completion(model=f"{provider}/m", messages=_user(token))
        _wait_for(lambda: logged("completion"), settle=0)
        litellm.embedding(model=f"{provider}/m", input=[token])
        _wait_for(lambda: logged("embedding"))
    assert plain.call_types == ["completion", "embedding"] * 2
    assert rebased.call_types == plain.call_types


def test_a_declaration_set_on_the_instance_still_narrows(provider: str, token: str) -> None:
    rebased = RebasedKeepsItsOwnCallTypes(token)
    rebased.call_types = ["embedding"]
    litellm.callbacks = [rebased, plain := KeepsItsOwnCallTypes(token)]
    litellm.completion(model=f"{provider}/m", messages=_user(token))
    litellm.embedding(model=f"{provider}/m", input=[token])
    _wait_for(lambda: len(plain.call_types) >= 2 and len(rebased.call_types) >= 2)
    assert rebased.call_types == ["embedding", "embedding"]  # its declaration, then the one call it observed


# --- a subclass's observer hook that calls super() runs its parent's too -----------------------------------


class ParentObserver(CustomLogger):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.events: list[str] = []

    def _record(self, event: str, kwargs: Any) -> None:
        if self.token in str(kwargs.get("messages")):
            self.events.append(event)

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("parent success", kwargs)

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("parent async success", kwargs)

    async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("parent async failure", kwargs)


class ChildHooks:
    """A subclass's hooks, each adding a record and calling its parent's through super()."""

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("child success", kwargs)  # type: ignore[attr-defined]
        super().log_success_event(kwargs, response_obj, start_time, end_time)  # type: ignore[misc]

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("child async success", kwargs)  # type: ignore[attr-defined]
        await super().async_log_success_event(kwargs, response_obj, start_time, end_time)  # type: ignore[misc]

    async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._record("child async failure", kwargs)  # type: ignore[attr-defined]
        await super().async_log_failure_event(kwargs, response_obj, start_time, end_time)  # type: ignore[misc]


class ChildObserver(ChildHooks, ParentObserver):
    pass


class RebasedParentObserver(ParentObserver, BaseCustomLogger):
    pass


class RebasedChildObserver(ChildHooks, RebasedParentObserver):
    pass


async def test_an_observer_hook_calling_super_runs_its_parents_as_litellms_class_does(token: str) -> None:
    plain, rebased = ChildObserver(token), RebasedChildObserver(token)
    litellm.callbacks = [plain, rebased]
    call = {"model": "openai/gpt-4o-mini", "messages": _user(token)}
    await asyncio.to_thread(litellm.completion, **call, mock_response="ok")
    await litellm.acompletion(**call, mock_response="ok")
    with pytest.raises(Exception, match="boom"):
        await litellm.acompletion(**call, mock_response=Exception("boom"))
    await asyncio.to_thread(
        _wait_for, lambda: len(plain.events) >= 6 and sorted(rebased.events) == sorted(plain.events)
    )
    assert sorted(rebased.events) == sorted(plain.events), (plain.events, rebased.events)
    for event in ("success", "async success", "async failure"):  # LiteLLM's class: the child, then its parent
        assert f"parent {event}" in rebased.events


class BothHooks(CustomLogger):
    """Sync and async success hooks, each calling CustomLogger's through super() (a no-op there)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.events: list[str] = []

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        if self.token in str(kwargs.get("messages")):
            self.events.append("sync")
        super().log_success_event(kwargs, response_obj, start_time, end_time)  # type: ignore[no-untyped-call]

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        if self.token in str(kwargs.get("messages")):
            self.events.append("async")
        await super().async_log_success_event(kwargs, response_obj, start_time, end_time)  # type: ignore[no-untyped-call]


class RebasedBothHooks(BothHooks, BaseCustomLogger):
    pass


class BaseFirstBothHooks(BaseCustomLogger, BothHooks):
    """BaseCustomLogger put before an existing logger: that logger's sync hook still runs on sync calls."""


class OwnSyncHook:
    """A sync hook of the author's own, passing the call on to the class after it through super()."""

    events: list[str]
    token: str

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        if self.token in str(kwargs.get("messages")):
            self.events.append("own")
        super().log_success_event(kwargs, response_obj, start_time, end_time)  # type: ignore[misc]


class PlainOwnHook(OwnSyncHook, BothHooks):
    pass


class BaseFirstOwnHook(OwnSyncHook, BaseCustomLogger, BothHooks):
    """``class Mine(BaseCustomLogger, Existing)`` with a sync hook of Mine's own calling super()."""


async def test_a_sync_and_an_async_hook_observe_each_call_once_as_in_litellms_class(token: str) -> None:
    plain, rebased, base_first = BothHooks(token), RebasedBothHooks(token), BaseFirstBothHooks(token)
    litellm.callbacks = [plain, rebased, base_first]
    call = {"model": "openai/gpt-4o-mini", "messages": _user(token), "mock_response": "ok"}
    await asyncio.to_thread(litellm.completion, **call)
    await asyncio.to_thread(_wait_for, lambda: len(plain.events) >= 1)
    await litellm.acompletion(**call)
    await asyncio.to_thread(_wait_for, lambda: len(plain.events) >= 2)
    assert plain.events == ["sync", "async"]
    assert rebased.events == base_first.events == plain.events


async def test_a_sync_hook_calling_super_reaches_the_existing_logger_after_base_custom_logger(token: str) -> None:
    plain, base_first = PlainOwnHook(token), BaseFirstOwnHook(token)
    litellm.callbacks = [plain, base_first]
    call = {"model": "openai/gpt-4o-mini", "messages": _user(token), "mock_response": "ok"}
    await asyncio.to_thread(litellm.completion, **call)
    await asyncio.to_thread(_wait_for, lambda: len(plain.events) >= 2 and len(base_first.events) >= 2)
    await litellm.acompletion(**call)
    await asyncio.to_thread(_wait_for, lambda: len(plain.events) >= 3 and len(base_first.events) >= 3)
    assert plain.events == ["own", "sync", "async"]
    assert base_first.events == plain.events
