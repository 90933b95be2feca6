"""The interception engine through LiteLLM's public API: order, nesting, concurrency, failure policy, call types."""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
import types
import uuid
from collections.abc import AsyncGenerator, Callable, Iterator
from typing import Any

import litellm
import pytest
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import EmbeddingResponse, ModelResponse

from litellm_plugin.core import (
    BaseCustomLogger,
    BaseCustomProvider,
    InterceptorError,
    InterceptorRejectedError,
    TextTransform,
    interception,
    phases,
)
from litellm_plugin.core.testing.interceptors import ProbeInterceptor, TagInterceptor
from litellm_plugin.core.testing.paths import SDK_PATHS, CallPath, call_path

Route = Callable[[type[CustomLLM] | CustomLLM], str]

USER = [{"role": "user", "content": "hi"}]


pytestmark = pytest.mark.usefixtures("clean_callbacks")


class WordsProvider(BaseCustomProvider):
    """Implements only ``completion``: every other chat path is derived by BaseCustomProvider."""

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "Echo: " + self.last_user_text(messages))

    def embedding(self, model: str, input: list[str], *args: Any, **kwargs: Any) -> EmbeddingResponse:
        return EmbeddingResponse(
            model=model,
            data=[{"object": "embedding", "index": i, "embedding": [float(len(text))]} for i, text in enumerate(input)],
        )


class DelegatingProvider(BaseCustomProvider):
    """A routing provider: answers by calling LiteLLM again, for another model."""

    target = ""

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        response = litellm.completion(model=self.target, messages=messages)
        assert isinstance(response, ModelResponse)
        return response


@pytest.fixture
def words(route: Route) -> str:
    return f"{route(WordsProvider)}/m"


async def _observed(probe: ProbeInterceptor, probe_id: str) -> int:
    return await _settled(lambda: probe.observed[probe_id])


async def _settled(count: Callable[[], int]) -> int:
    """``count()`` once an observation has arrived (or a few seconds passed) and a second would have too."""
    for _ in range(50):
        await asyncio.sleep(0.05)
        if count():
            break
    await asyncio.sleep(0.3)
    return count()


@pytest.mark.parametrize("path", SDK_PATHS)
async def test_interceptors_compose_in_registration_order(path: CallPath, words: str) -> None:
    litellm.callbacks = [TagInterceptor("A"), TagInterceptor("B")]
    reply = await call_path(path, model=words, messages=[{"role": "user", "content": "hi"}])
    assert reply.text == "B:A:Echo: hi [A] [B]"


@pytest.mark.parametrize("path", SDK_PATHS)
async def test_provider_that_calls_litellm_is_intercepted_once(path: CallPath, route: Route, words: str) -> None:
    delegating = DelegatingProvider()
    delegating.target = words
    model = f"{route(delegating)}/m"
    probe = ProbeInterceptor()
    litellm.callbacks = [probe]
    probe_id = uuid.uuid4().hex[:8]
    content = f"x probe-request probe-rewrite probe-id:{probe_id}"
    reply = await call_path(path, model=model, messages=[{"role": "user", "content": content}])
    assert reply.text.count("[req]") == 1
    if reply.chunks is None:
        assert reply.text.startswith("~Echo: x")
        assert reply.text.count("~") == 1
    else:
        assert all(c.startswith("~") and not c.startswith("~~") for c in reply.chunks)
    assert await _observed(probe, probe_id) == 1  # the inner call is not observed as a second call


class _OutcomeCounter(BaseCustomLogger):
    """Observes only: takes part in no phase of the call (no request, response or stream hook)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.seen = 0

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        if self.token in str(kwargs.get("messages")):
            self.seen += 1


@pytest.mark.parametrize("path", SDK_PATHS)
async def test_an_observer_alone_still_sees_a_delegating_call_once(path: CallPath, route: Route, words: str) -> None:
    """With no interceptor that changes anything, the call (streams too) still scopes its inner calls."""
    delegating = DelegatingProvider()
    delegating.target = words
    token = uuid.uuid4().hex
    counter = _OutcomeCounter(token)
    litellm.callbacks = [counter]
    reply = await call_path(path, model=f"{route(delegating)}/m", messages=[{"role": "user", "content": token}])
    assert reply.text == f"Echo: {token}"
    assert await _settled(lambda: counter.seen) == 1


class _Quiet(BaseCustomLogger):
    """Has no hook of its own."""


@pytest.mark.parametrize("path", SDK_PATHS)
async def test_a_hook_set_on_an_instance_runs(path: CallPath, words: str) -> None:
    quiet = _Quiet()

    async def shout(user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any) -> dict[str, Any]:
        data["messages"][-1]["content"] = data["messages"][-1]["content"].upper()
        return data

    quiet.async_pre_call_hook = shout  # type: ignore[method-assign]
    litellm.callbacks = [quiet]
    messages = [{"role": "user", "content": "hi"}]
    reply = await call_path(path, model=words, messages=messages)
    assert reply.text == "Echo: HI"
    assert messages == [{"role": "user", "content": "hi"}]  # the caller's list is left alone


class _Numbering(TextTransform):
    """Stateful: numbers the pieces of one reply and tags them with the request they belong to."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.count = 0

    def transform(self, text: str) -> str:
        self.count += 1
        return f"<{self.tag}#{self.count}>{text}"


class NumberingInterceptor(BaseCustomLogger):
    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return _Numbering(request_data["messages"][-1]["content"])


async def test_concurrent_calls_and_streams_keep_state_apart(words: str) -> None:
    litellm.callbacks = [NumberingInterceptor()]

    async def one(i: int) -> None:
        response = await litellm.acompletion(model=words, messages=[{"role": "user", "content": f"c{i}"}])
        assert response.choices[0].message.content == f"<c{i}#1>Echo: c{i}"

    async def one_stream(i: int) -> None:
        stream = await litellm.acompletion(model=words, messages=[{"role": "user", "content": f"s{i}"}], stream=True)
        pieces = [c.choices[0].delta.content async for c in stream if c.choices[0].delta.content]
        assert pieces == [f"<s{i}#{n}>{word}" for n, word in enumerate(["Echo: ", f"s{i}"], start=1)]

    await asyncio.gather(*(one(i) for i in range(1000)))
    await asyncio.gather(*(one_stream(i) for i in range(200)))


class _SuffixTransform(TextTransform):
    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def flush(self) -> str:
        return self.suffix


class _Suffix(BaseCustomLogger):
    """Only a response transform (BaseCustomLogger's own response hook applies it)."""

    suffix = "<s>"

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return _SuffixTransform(self.suffix)


class _First(_Suffix):
    suffix = "<a>"


class _Last(_Suffix):
    suffix = "<c>"


class _BrokenTransform(TextTransform):
    def transform(self, text: str) -> str:
        raise ValueError("transform bug")


class _Broken(BaseCustomLogger):
    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return _BrokenTransform()


class _OwnHook(BaseCustomLogger):
    """Changes the reply in its own response hook, between two transform-only neighbours."""

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        response.choices[0].message.content += "<h>"
        return response


NON_STREAM_SDK_PATHS = [p for p in SDK_PATHS if not p.endswith("stream")]


@pytest.mark.parametrize("path", NON_STREAM_SDK_PATHS)
async def test_transform_only_interceptors_keep_order_call_types_and_own_hooks_between(
    path: CallPath, words: str
) -> None:
    litellm.callbacks = [_First(), _OwnHook(), _Suffix(), _Last()]
    assert (await call_path(path, model=words, messages=USER)).text == "Echo: hi<a><h><s><c>"
    litellm.callbacks = [_First(), _Suffix(call_types=["embedding"]), _Last()]
    assert (await call_path(path, model=words, messages=USER)).text == "Echo: hi<a><c>"


@pytest.mark.parametrize("path", NON_STREAM_SDK_PATHS)
async def test_a_failing_transform_among_others_is_named_and_follows_its_own_policy(
    path: CallPath, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    litellm.callbacks = [_First(), _Broken(), _Last()]
    failure = "'_Broken' failed in async_post_call_success_hook: ValueError: transform bug"
    with pytest.raises(InterceptorError, match=failure):
        await call_path(path, model=words, messages=USER)

    litellm.callbacks = [_First(), _Broken(fail_open=True), _Last()]
    with caplog.at_level(logging.WARNING, logger="litellm_plugin.core"):
        reply = await call_path(path, model=words, messages=USER)
    assert reply.text == "Echo: hi<a><c>"
    assert any("'_Broken' failed in async_post_call_success_hook" in r.getMessage() for r in caplog.records)


class Exploding(BaseCustomLogger):
    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        raise ValueError("boom")


async def test_fail_open_is_explicit_and_logged(words: str, caplog: pytest.LogCaptureFixture) -> None:
    litellm.callbacks = [Exploding()]
    with pytest.raises(InterceptorError, match="'Exploding' failed in async_pre_call_hook: ValueError: boom"):
        await litellm.acompletion(model=words, messages=USER)

    litellm.callbacks = [Exploding(fail_open=True)]
    with caplog.at_level(logging.WARNING, logger="litellm_plugin.core"):
        response = await litellm.acompletion(model=words, messages=USER)
    assert response.choices[0].message.content == "Echo: hi"
    assert any("'Exploding' failed in async_pre_call_hook" in r.getMessage() for r in caplog.records)


class CrashesOnTheSecondChunk(BaseCustomLogger):
    """A hand-written stream hook that takes a chunk and raises before handing it on."""

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: dict[str, Any]
    ) -> AsyncGenerator[Any, None]:
        taken = 0
        async for chunk in response:
            taken += 1
            if taken == 2:
                raise ValueError("stream hook bug")
            yield chunk


class LooksAheadThenCrashes(BaseCustomLogger):
    """Takes two chunks, hands on the first (as a filter holding text back for a phrase does), then raises."""

    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: Any, request_data: dict[str, Any]
    ) -> AsyncGenerator[Any, None]:
        iterator = response.__aiter__()
        first = await iterator.__anext__()
        await iterator.__anext__()
        yield first
        raise ValueError("stream hook bug")


@pytest.mark.parametrize("hook", [CrashesOnTheSecondChunk, LooksAheadThenCrashes])
@pytest.mark.parametrize("path", ["sync_stream", "async_stream", "router_sync_stream", "router_async_stream"])
async def test_a_stream_hook_failing_open_loses_no_chunk(path: CallPath, words: str, hook: type) -> None:
    """The call goes on unchanged from where the hook failed: the chunks it had taken come through too."""
    litellm.callbacks = [hook(fail_open=True)]
    reply = await call_path(path, model=words, messages=[{"role": "user", "content": "one two three four"}])
    assert reply.text == "Echo: one two three four"


class BrokenObserver(BaseCustomLogger):
    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        raise RuntimeError("observer bug")


@pytest.mark.parametrize("path", ["sync", "async"])
async def test_observer_errors_never_break_a_call(path: CallPath, words: str, caplog: pytest.LogCaptureFixture) -> None:
    litellm.callbacks = [BrokenObserver()]
    with caplog.at_level(logging.ERROR, logger="litellm_plugin.core"):
        reply = await call_path(path, model=words, messages=USER)
        for _ in range(40):
            await asyncio.sleep(0.05)
            if caplog.records:
                break
    assert reply.text == "Echo: hi"
    assert any("'BrokenObserver' raised" in r.getMessage() for r in caplog.records)


class Refusing(BaseCustomLogger):
    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        if "bad" in data["messages"][-1]["content"]:
            return "not allowed here"
        raise litellm.BadRequestError(message="deliberate", model=data["model"], llm_provider="x")


async def test_refusals_are_typed_and_not_wrapped(words: str) -> None:
    litellm.callbacks = [Refusing()]
    with pytest.raises(InterceptorRejectedError, match="Refusing: not allowed here") as refused:
        await litellm.acompletion(model=words, messages=[{"role": "user", "content": "bad"}])
    assert isinstance(refused.value, litellm.BadRequestError)
    with pytest.raises(litellm.BadRequestError, match="deliberate") as passed:
        litellm.completion(model=words, messages=USER)
    assert not isinstance(passed.value, InterceptorError)


class EmbeddingRecorder(BaseCustomLogger):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seen: list[tuple[str, str]] = []

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        self.seen.append(("pre", str(call_type)))
        if call_type == "embedding":
            data["input"] = [text + "!!" for text in data["input"]]
        return data

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        self.seen.append(("post", type(response).__name__))
        return None


async def test_interceptors_run_only_on_the_call_types_they_declare(words: str) -> None:
    chat_only = EmbeddingRecorder()
    both = EmbeddingRecorder(call_types=["completion", "embedding"])
    litellm.callbacks = [chat_only, both]
    response = await litellm.aembedding(model=words, input=["abc"])
    assert response.data[0]["embedding"] == [5.0]  # "abc!!": the request change reached the provider
    assert chat_only.seen == []
    assert both.seen == [("pre", "embedding"), ("post", "EmbeddingResponse")]


async def test_unknown_call_type_is_a_clear_error(words: str) -> None:
    with pytest.raises(ValueError, match="unknown call type 'chat'"):
        TagInterceptor("T", call_types=["chat"])


def test_engine_wraps_every_litellm_entry_point() -> None:
    """Fails loudly if a LiteLLM upgrade renames or re-binds an entry point the engine relies on."""
    interception.install()
    interception.install()  # idempotent
    chat_and_inputs = ("completion", "acompletion", "embedding", "aembedding", "image_generation", "aimage_generation")
    entry_points: list[tuple[object, str]] = [
        (owner, name) for owner in (litellm, litellm.Router) for name in (*chat_and_inputs, "text_completion")
    ]
    entry_points += [(litellm, "responses"), (litellm, "aresponses"), (litellm.Router, "atext_completion")]
    entry_points += [
        (litellm, "anthropic_messages"),
        (litellm.anthropic_interface.messages, "acreate"),
        (litellm.anthropic_interface.messages, "create"),
    ]
    # A Router builds its Responses and Anthropic Messages methods per instance: each new one is wrapped.
    router = litellm.Router(model_list=[{"model_name": "m", "litellm_params": {"model": "openai/m", "api_key": "k"}}])
    entry_points += [
        (router, name) for name in ("responses", "aresponses", "anthropic_messages", "aanthropic_messages")
    ]
    for owner, name in entry_points:
        wrapper = getattr(owner, name)
        original = getattr(wrapper, "__litellm_plugin_original__", None)
        assert original is not None, f"{getattr(owner, '__name__', owner)}.{name} is not intercepted"
        assert getattr(original, "__litellm_plugin_original__", None) is None, "wrapped twice"
        assert wrapper.__wrapped__ is original
    assert interception.is_installed()
    # LiteLLM's proxy reads Router.__init__'s parameters to pass router settings (fallbacks...): keep them.
    assert "fallbacks" in inspect.getfullargspec(litellm.Router.__init__).args


def test_uninstall_really_turns_interception_off(words: str) -> None:
    litellm.callbacks = [TagInterceptor("A")]
    interception.uninstall()
    assert not interception.is_installed()
    assert litellm.completion(model=words, messages=USER).choices[0].message.content == "Echo: hi"
    interception.install()
    assert litellm.completion(model=words, messages=USER).choices[0].message.content == "A:Echo: hi [A]"


@pytest.fixture
def early_module() -> Iterator[types.ModuleType]:
    """A user module that imported LiteLLM's entry points by name before any interceptor class existed."""
    interception.uninstall()  # as in a fresh process whose imports sort ``litellm`` before ``litellm_plugin``
    module = types.ModuleType("early_litellm_user")
    exec(
        "from litellm import acompletion, completion, text_completion\n"
        "from litellm.anthropic_interface.messages import acreate\n"
        "router_completion = __import__('litellm').Router.completion\n",
        vars(module),
    )
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


async def test_entry_points_imported_by_name_before_the_engine_are_intercepted(
    early_module: types.ModuleType, words: str
) -> None:
    """``from litellm import completion`` first, interceptors second: still intercepted, never skipped."""
    originals = {name: getattr(early_module, name) for name in ("completion", "acompletion", "router_completion")}
    interception.install()
    litellm.callbacks = [TagInterceptor("A", call_types=["completion", "text_completion"])]
    assert early_module.completion(model=words, messages=USER).choices[0].message.content == "A:Echo: hi [A]"
    reply = await early_module.acompletion(model=words, messages=USER)
    assert reply.choices[0].message.content == "A:Echo: hi [A]"
    reply = early_module.text_completion(model=words, prompt="hi")
    assert reply.choices[0].text == "A:Echo: hi [A]"
    router = litellm.Router(model_list=[{"model_name": "m", "litellm_params": {"model": words}}])
    reply = early_module.router_completion(router, model="m", messages=USER)
    assert reply.choices[0].message.content == "A:Echo: hi [A]"
    assert early_module.acreate is litellm.anthropic_interface.messages.acreate

    interception.uninstall()  # puts the names back as they were
    assert {name: getattr(early_module, name) for name in originals} == originals
    assert early_module.completion(model=words, messages=USER).choices[0].message.content == "Echo: hi"


async def test_a_router_built_before_the_engine_is_intercepted_on_every_method() -> None:
    """A Router made at import time, before any interceptor class existed: its per-instance methods
    (Responses, Anthropic Messages) were made from LiteLLM's unwrapped functions, and are made again."""
    interception.uninstall()
    mocked = {"model": "openai/m", "api_key": "k", "mock_response": "Echo: hi"}  # answered without a provider
    router = litellm.Router(model_list=[{"model_name": "m", "litellm_params": mocked}])
    interception.install()
    litellm.callbacks = [TagInterceptor("A", call_types=["completion", "responses", "anthropic_messages"])]
    reply = router.completion(model="m", messages=USER)
    assert isinstance(reply, ModelResponse)
    assert reply.choices[0].message.content == "A:Echo: hi"
    responses_reply = router.responses(model="m", input="hi")
    assert responses_reply.output[0].content[0].text == "A:Echo: hi"
    responses_reply = await router.aresponses(model="m", input="hi")
    assert responses_reply.output[0].content[0].text == "A:Echo: hi"
    anthropic_reply = await router.aanthropic_messages(model="m", messages=USER, max_tokens=10)
    assert anthropic_reply["content"][0]["text"] == "A:Echo: hi"


def test_litellm_keeps_its_own_internal_references(early_module: types.ModuleType) -> None:
    """LiteLLM's modules call one another inside a call the engine already sees: those names stay LiteLLM's."""
    import litellm.main

    internal = litellm.main.completion
    original = early_module.completion
    interception.install()
    assert litellm.main.completion is internal
    assert early_module.completion is litellm.completion is not original


class RecordsPhases(BaseCustomLogger):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
        self.calls.append("request")
        return data

    async def async_post_call_success_hook(self, data: Any, user_api_key_dict: Any, response: Any) -> Any:
        self.calls.append("response")
        return None


async def test_a_narrowed_interceptor_is_skipped_in_the_phases_it_leaves_alone(words: str) -> None:
    """``phases.narrow``: an instance configured to leave requests alone costs them nothing."""
    narrowed, whole = RecordsPhases(), RecordsPhases()
    phases.narrow(narrowed, request=False)
    litellm.callbacks = [narrowed, whole]
    litellm.completion(model=words, messages=USER)
    await litellm.acompletion(model=words, messages=USER)
    assert narrowed.calls == ["response", "response"]
    assert whole.calls == ["request", "response"] * 2


async def test_replacing_callbacks_leaves_no_ghost_observer(words: str) -> None:
    first, second = ProbeInterceptor(), ProbeInterceptor()
    ids = [uuid.uuid4().hex[:8] for _ in range(2)]
    litellm.callbacks = [first]
    await litellm.acompletion(model=words, messages=[{"role": "user", "content": f"probe-id:{ids[0]}"}])
    assert await _observed(first, ids[0]) == 1
    litellm.callbacks = [second]
    await litellm.acompletion(model=words, messages=[{"role": "user", "content": f"probe-id:{ids[1]}"}])
    assert await _observed(second, ids[1]) == 1
    assert first.observed[ids[1]] == 0


def test_per_call_callbacks_are_intercepted_too(words: str) -> None:
    response = litellm.completion(model=words, messages=USER, callbacks=[TagInterceptor("P")])
    assert response.choices[0].message.content == "P:Echo: hi [P]"


class ExtraBodyRecorder(BaseCustomProvider):
    def __init__(self) -> None:
        super().__init__()
        self.extra_body: list[Any] = []

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        self.extra_body.append(kwargs["optional_params"].get("extra_body"))
        return self.make_response(model, messages, "ok")


class SeesExtraBody(BaseCustomLogger):
    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        return data


@pytest.mark.parametrize("depth", [20, 450])
def test_request_data_nested_as_deep_as_litellm_takes_is_copied_for_hooks(route: Route, depth: int) -> None:
    """LiteLLM sends JSON nested 900 deep (here: dict, list, dict...); the copy hooks are handed (so the
    caller's objects stay theirs) must not be where such a call fails (``copy.deepcopy`` ran out of stack)."""
    provider = ExtraBodyRecorder()
    model = f"{route(provider)}/m"
    nested: Any = "leaf"
    for _ in range(depth):
        nested = {"a": [nested]}
    litellm.callbacks = [SeesExtraBody()]
    litellm.completion(model=model, messages=USER, extra_body={"x": nested})
    [sent] = provider.extra_body
    original, copied = nested, sent["x"]
    for _ in range(depth):  # compared level by level: ``==`` recurses too
        assert copied is not original
        assert copied.keys() == original.keys()
        original, copied = original["a"], copied["a"]
        assert copied is not original
        assert len(copied) == 1
        original, copied = original[0], copied[0]
    assert copied == original == "leaf"
