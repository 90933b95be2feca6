"""The provider contract is checked on every path, and a plain exception names provider and method (issue 12,
items 5, 6 and 9). Observed through LiteLLM's public API: ``litellm.completion`` & co. and ``litellm.Router``."""

from __future__ import annotations

import abc
import asyncio
import functools
from collections.abc import Callable, Iterator
from typing import Any

import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError
from litellm.types.utils import ModelResponse

from litellm_plugin.core import (
    BaseCustomProvider,
    InvalidProviderNameError,
    ProviderContractError,
    ProviderDefinitionError,
    ProviderDefinitionWarning,
    ProviderMethodError,
    ProviderNotFoundError,
    get_provider,
    register_provider,
)

Route = Callable[[Any], str]  # the ``route`` fixture from conftest
MESSAGES: list[Any] = [{"role": "user", "content": "hi"}]


class ReturnsStr(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return "just text"  # type: ignore[return-value]


class ReturnsNone(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        self.make_response(model, messages, "forgot to return it")
        return None  # type: ignore[return-value]


class AsyncReturnsStr(BaseCustomProvider):
    async def acompletion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return "just text"  # type: ignore[return-value]


class Crashes(BaseCustomProvider):
    calls = 0

    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        type(self).calls += 1
        raise KeyError("choices")


class CrashesMidStream(BaseCustomProvider):
    def streaming(self, model: str, messages: list[Any], **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        yield self.make_chunk("first ")
        raise ValueError("lost the connection object")


class StreamYieldsText(BaseCustomProvider):
    def streaming(self, model: str, messages: list[Any], **kwargs: Any) -> Iterator[Any]:  # type: ignore[override]
        yield "plain text"


class EmbeddingReturnsList(BaseCustomProvider):
    def embedding(self, model: str, input: list[Any], **kwargs: Any) -> Any:  # type: ignore[override]
        return [[0.1, 0.2]]


class RaisesTyped(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        raise self.error("rate_limit", "slow down", model=model)


def _router(model: str, **settings: Any) -> litellm.Router:
    return litellm.Router(model_list=[{"model_name": "m", "litellm_params": {"model": model}}], **settings)


def _sync(model: str) -> Any:
    return litellm.completion(model=model, messages=MESSAGES)


def _async(model: str) -> Any:
    return asyncio.run(litellm.acompletion(model=model, messages=MESSAGES))


def _unwrapped(read: Callable[[], Any]) -> Any:
    """LiteLLM reports an error raised while a stream is read as a ``MidStreamFallbackError`` carrying the
    provider's exception (the derived ``astreaming`` runs ``completion`` on the first read): unwrap it."""
    try:
        return read()
    except MidStreamFallbackError as wrapped:
        original = wrapped.original_exception
    raise original  # type: ignore[misc]  # outside the except block, so ``original.__cause__`` stays the provider's own


def _stream(model: str) -> Any:
    return _unwrapped(lambda: list(litellm.completion(model=model, messages=MESSAGES, stream=True)))


def _async_stream(model: str) -> Any:
    async def consume() -> list[Any]:
        return [chunk async for chunk in await litellm.acompletion(model=model, messages=MESSAGES, stream=True)]

    return _unwrapped(lambda: asyncio.run(consume()))


def _router_sync(model: str) -> Any:
    return _router(model, num_retries=0).completion(model="m", messages=MESSAGES)


def _router_async(model: str) -> Any:
    return asyncio.run(_router(model, num_retries=0).acompletion(model="m", messages=MESSAGES))


PATHS = [_sync, _async, _stream, _async_stream, _router_sync, _router_async]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.__name__.strip("_"))
@pytest.mark.parametrize(
    ("provider", "method", "got"),
    [
        (ReturnsStr, "completion", "a str"),
        (ReturnsNone, "completion", "None"),
        (AsyncReturnsStr, "acompletion", "a str"),
    ],
)
def test_wrong_completion_result_is_reported_on_every_path(
    route: Route, path: Callable[[str], Any], provider: type[BaseCustomProvider], method: str, got: str
) -> None:
    name = route(provider)
    with pytest.raises(ProviderContractError) as caught:
        path(f"{name}/x")
    message = str(caught.value)
    assert f"provider {name!r} ({provider.__name__}.{method})" in message
    assert f"returned {got}" in message
    assert "ModelResponse" in message
    assert caught.value.method == method
    assert caught.value.provider_class == provider.__name__


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.__name__.strip("_"))
def test_plain_exception_becomes_a_typed_error_naming_provider_and_method(
    route: Route, path: Callable[[str], Any]
) -> None:
    name = route(Crashes)
    with pytest.raises(ProviderMethodError) as caught:
        path(f"{name}/x")
    error = caught.value
    assert isinstance(error, litellm.InternalServerError)
    assert f"provider {name!r} (Crashes.completion): raised KeyError: 'choices'" in str(error)
    assert "bug in LiteLLM" not in str(error)
    assert isinstance(error.__cause__, KeyError)
    assert error.llm_provider == name


def test_router_retries_a_plain_exception_like_any_500(route: Route) -> None:
    """Documented decision: a ProviderMethodError is a 500, retried by the Router like a built-in provider's."""
    name = route(Crashes)
    Crashes.calls = 0
    router = _router(f"{name}/x", num_retries=2, retry_after=0)
    with pytest.raises(ProviderMethodError):
        asyncio.run(router.acompletion(model="m", messages=MESSAGES))
    assert Crashes.calls == 3


@pytest.mark.parametrize("path", [_stream, _async_stream], ids=["stream", "async_stream"])
def test_plain_exception_mid_stream_is_typed(route: Route, path: Callable[[str], Any]) -> None:
    name = route(CrashesMidStream)
    with pytest.raises(ProviderMethodError, match=r"CrashesMidStream\.streaming\): raised ValueError") as caught:
        path(f"{name}/x")
    assert isinstance(caught.value.__cause__, ValueError)


def test_wrong_chunk_type_is_reported(route: Route) -> None:
    name = route(StreamYieldsText)
    with pytest.raises(ProviderContractError, match=r"StreamYieldsText\.streaming\): yielded a str chunk"):
        _stream(f"{name}/x")


def test_wrong_embedding_result_is_reported(route: Route) -> None:
    name = route(EmbeddingReturnsList)
    with pytest.raises(ProviderContractError, match=r"EmbeddingReturnsList\.embedding\): returned a list"):
        litellm.embedding(model=f"{name}/x", input=["a"])


def test_litellm_errors_pass_through_unchanged(route: Route) -> None:
    name = route(RaisesTyped)
    with pytest.raises(litellm.RateLimitError) as caught:
        _sync(f"{name}/x")
    assert not isinstance(caught.value, ProviderMethodError)


class Shadow(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return self.make_response(model, messages, "custom")


def test_hand_written_map_entry_with_a_builtin_name_is_refused() -> None:
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": "openai", "custom_handler": Shadow()}]
    expected = r"custom_provider_map\[\d+\] \(provider 'openai', custom_handler Shadow\).*Rename the entry"
    # A Router refuses it when it is built (or, on LiteLLM releases whose Router builds no deployments in
    # Python, on its first call); a plain call refuses it at once.
    with pytest.raises(InvalidProviderNameError, match=expected):
        _router("openai/gpt-4o-mini").completion(model="m", messages=MESSAGES, mock_response="hi")
    with pytest.raises(InvalidProviderNameError, match=expected):
        litellm.completion(model="openai/gpt-4o-mini", messages=MESSAGES, mock_response="hi")


class _CompletionMixin:
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:
        return None  # type: ignore[return-value]


class FromMixin(_CompletionMixin, BaseCustomProvider):  # type: ignore[misc]
    pass


def test_methods_from_a_mixin_are_checked_too(route: Route) -> None:
    name = route(FromMixin)
    with pytest.raises(ProviderContractError, match=r"FromMixin\.completion\): returned None"):
        _sync(f"{name}/x")


def test_async_def_where_litellm_calls_without_awaiting_is_refused_at_definition() -> None:
    with pytest.raises(ProviderDefinitionError, match=r"AsyncSync\.completion is written as async def.*acompletion"):

        class AsyncSync(BaseCustomProvider):
            async def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
                return self.make_response(model, messages, "x")


@pytest.mark.parametrize("method", ["completion", "acompletion", "embedding", "aimage_generation"])
def test_a_whole_reply_method_that_yields_is_refused_at_definition(method: str) -> None:
    """Sync or async, ``yield`` in a method LiteLLM calls for one reply makes it return a generator: refused
    when the class is defined (not at the first call), saying to return the reply, not to write what is
    written already."""

    def sync_yielding(self: Any, *args: Any, **kwargs: Any) -> Any:
        yield "x"

    async def async_yielding(self: Any, *args: Any, **kwargs: Any) -> Any:
        yield "x"

    body = async_yielding if method.startswith("a") else sync_yielding
    with pytest.raises(ProviderDefinitionError) as refused:
        type("Yielding", (BaseCustomProvider,), {method: body})
    message = str(refused.value)
    assert f"Yielding.{method} yields" in message
    assert "`return` the reply" in message
    assert "write it as" not in message
    assert ("streaming" in message) is method.endswith("completion")


def test_a_decorator_gathering_a_generators_pieces_into_one_reply_is_accepted(route: Route) -> None:
    """``functools.wraps`` names the generator in ``__wrapped__``; the method LiteLLM calls is the wrapper, which
    returns one whole reply."""

    def reply_from_pieces(method: Any) -> Any:
        @functools.wraps(method)
        def wrapper(self: BaseCustomProvider, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
            return self.make_response(model, messages, "".join(method(self, model, messages, *args, **kwargs)))

        return wrapper

    class Pieces(BaseCustomProvider):
        @reply_from_pieces
        def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
            yield "Hello, "
            yield "world"

    name = route(Pieces)
    assert _sync(f"{name}/x").choices[0].message.content == "Hello, world"


def test_a_wrong_result_is_named_with_its_article(route: Route) -> None:
    class EmbedsList(BaseCustomProvider):
        def embedding(self, *args: Any, **kwargs: Any) -> Any:
            return [0.1]

    name = route(EmbedsList)
    with pytest.raises(ProviderContractError, match=r"it must return an EmbeddingResponse"):
        litellm.embedding(model=f"{name}/x", input=["hi"])


def test_astreaming_that_does_not_yield_is_refused_at_definition() -> None:
    with pytest.raises(
        ProviderDefinitionError, match=r"NoYield\.astreaming is an `async def` that returns instead of yielding"
    ):

        class NoYield(BaseCustomProvider):
            async def astreaming(self, model: str, messages: list[Any], **kwargs: Any) -> Any:  # type: ignore[override]
                return iter([])


def test_misspelt_provider_method_warns_at_the_class() -> None:
    with pytest.warns(
        ProviderDefinitionWarning, match=r"acompletions is not a provider method.*acompletion\?"
    ) as caught:

        class Misspelt(BaseCustomProvider):
            async def acompletions(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:
                return self.make_response(model, messages, "x")

    # Only ours: a warning about an earlier test's objects (an unclosed event loop) may be collected meanwhile.
    ours = [warning for warning in caught if issubclass(warning.category, ProviderDefinitionWarning)]
    assert [warning.filename for warning in ours] == [__file__]


def test_watching_the_map_keeps_routers_settings_readable() -> None:
    """The proxy reads router_settings through ``Router.get_valid_args`` (``inspect.getfullargspec``)."""
    assert {"fallbacks", "num_retries", "model_list"} <= set(litellm.Router.get_valid_args())


@pytest.mark.parametrize("value", [None, "off", 0])
@pytest.mark.parametrize(
    ("method", "how"),
    [
        ("completion", "plain `def completion"),
        ("acompletion", "async def acompletion"),
        ("astreaming", "async def astreaming"),
        ("embedding", "plain `def embedding"),
    ],
)
def test_a_method_set_to_a_value_that_cannot_be_called_is_refused_at_definition(
    method: str, how: str, value: object
) -> None:
    """``completion = None`` would pass registration and fail every call with an APIConnectionError."""
    with pytest.raises(ProviderDefinitionError) as refused:
        type("Half", (BaseCustomProvider,), {method: value})
    message = str(refused.value)
    assert f"Half.{method} is set to {value!r}" in message
    assert f"Delete the assignment to keep the inherited {method}" in message
    assert how in message


def test_a_staticmethod_provider_method_that_kept_self_is_told_to_drop_staticmethod() -> None:
    with pytest.raises(ProviderDefinitionError, match=r"is a @staticmethod.*remove @staticmethod \(or the self"):

        class KeptSelf(BaseCustomProvider):
            @staticmethod
            def completion(self: Any, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
                return BaseCustomProvider.make_response(model, messages, "never called")


def test_a_positional_only_provider_method_is_told_to_remove_the_slash() -> None:
    with pytest.raises(ProviderDefinitionError) as refused:

        class Slashed(BaseCustomProvider):
            def completion(self, model: str, messages: list[Any], /, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
                return self.make_response(model, messages, "never called")

    message = str(refused.value)
    assert "model, messages are positional-only (before the `/`)" in message
    assert message.endswith("remove the `/`")


class _Completion:
    """A callable object used as a provider method: Python calls it without the provider (no ``__get__``)."""

    def __call__(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return BaseCustomProvider.make_response(model, messages, "from a callable object")


@pytest.mark.parametrize("stream", [False, True])
def test_a_provider_method_written_as_a_callable_object_works_as_on_custom_llm(
    route: Callable[[Any], str], stream: bool
) -> None:
    """It was wrapped as a function and called with the provider first: every call failed with a 500."""

    class ByObject(BaseCustomProvider):
        completion = _Completion()

    model = f"{route(ByObject)}/m"
    if stream:
        chunks: Any = litellm.completion(model=model, messages=[{"role": "user", "content": "hi"}], stream=True)
        text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    else:
        reply: Any = litellm.completion(model=model, messages=[{"role": "user", "content": "hi"}])
        text = reply.choices[0].message.content
    assert text == "from a callable object"


def test_a_classmethod_provider_method_without_cls_is_told_to_add_it() -> None:
    with pytest.raises(ProviderDefinitionError, match=r"@classmethod.*add cls before model \(or remove @classmethod\)"):

        class NoCls(BaseCustomProvider):
            @classmethod
            def completion(model: Any, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
                return BaseCustomProvider.make_response("m", messages, "never called")


class _Client:
    """A client whose methods a provider hands to LiteLLM as they are: each breaks the contract."""

    def complete_str(self, model: str, messages: list[Any], **kwargs: Any) -> Any:
        return "plain text"

    def complete_raise(self, model: str, messages: list[Any], **kwargs: Any) -> Any:
        raise KeyError("choices")

    def embed(self, model: str, input: list[Any], **kwargs: Any) -> Any:
        return [[0.1, 0.2]]

    def draw(self, model: str, prompt: str, **kwargs: Any) -> Any:
        return ["an image"]

    def stream_text(self, model: str, messages: list[Any], **kwargs: Any) -> Iterator[Any]:
        yield "plain text"

    async def astream_text(self, model: str, messages: list[Any], **kwargs: Any) -> Any:
        yield "plain text"


class Delegates(BaseCustomProvider):
    def __init__(self, method: str, client_method: str) -> None:
        super().__init__()
        setattr(self, method, getattr(_Client(), client_method))


def _embedding(model: str) -> Any:
    return litellm.embedding(model=model, input=["a"])


def _async_embedding(model: str) -> Any:
    return asyncio.run(litellm.aembedding(model=model, input=["a"]))


def _image(model: str) -> Any:
    return litellm.image_generation(model=model, prompt="an otter")


def _async_image(model: str) -> Any:
    return asyncio.run(litellm.aimage_generation(model=model, prompt="an otter"))


_COMPLETIONS = [_sync, _async, _stream, _async_stream, _router_sync]


@pytest.mark.parametrize(
    ("method", "client_method", "paths", "error", "says"),
    [
        ("completion", "complete_str", _COMPLETIONS, ProviderContractError, "returned a str"),
        ("completion", "complete_raise", _COMPLETIONS, ProviderMethodError, "raised KeyError: 'choices'"),
        ("acompletion", "complete_raise", _COMPLETIONS, ProviderMethodError, "raised KeyError: 'choices'"),
        ("streaming", "stream_text", _COMPLETIONS, ProviderContractError, "yielded a str chunk"),
        ("astreaming", "astream_text", _COMPLETIONS, ProviderContractError, "yielded a str chunk"),
        ("embedding", "embed", [_embedding, _async_embedding], ProviderContractError, "returned a list"),
        ("image_generation", "draw", [_image, _async_image], ProviderContractError, "returned a list"),
    ],
)
def test_a_method_set_on_the_instance_is_checked_on_every_path(
    route: Route, method: str, client_method: str, paths: list[Callable[[str], Any]], error: type, says: str
) -> None:
    """It counts as written, so it is checked as written: the sync path handed a ``str`` back to the caller, and
    a ``KeyError`` became LiteLLM's ``APIConnectionError: 'choices'``."""
    name = route(Delegates(method, client_method))
    for path in paths:
        with pytest.raises(error) as caught:
            path(f"{name}/x")
        assert f"provider {name!r} (Delegates.{method}): {says}" in str(caught.value), path.__name__


def test_a_method_assigned_to_the_class_later_is_checked_on_every_path(route: Route) -> None:
    class Later(BaseCustomProvider):
        pass

    def completion(self: Any, model: str, messages: list[Any], **kwargs: Any) -> Any:
        return "plain text"

    Later.completion = completion  # type: ignore[method-assign,assignment]
    name = route(Later)
    for path in _COMPLETIONS:
        with pytest.raises(ProviderContractError, match=r"\(Later\.completion\): returned a str"):
            path(f"{name}/x")


def test_a_method_assigned_to_the_class_later_is_refused_as_in_the_class_body() -> None:
    class Later(BaseCustomProvider):
        pass

    async def completion(self: Any, model: str, messages: list[Any], **kwargs: Any) -> Any:
        return "never called"

    Later.completion = completion  # type: ignore[method-assign,assignment]
    with pytest.raises(ProviderDefinitionError, match=r"Later\.completion is written as async def"):
        register_provider("later-async", Later)
    with pytest.raises(ProviderNotFoundError):
        get_provider("later-async")  # nothing half-registered


def _without_self(method: str) -> Callable[..., Any]:
    """``method`` written without ``self``, its first parameter LiteLLM's first argument (``model``), as each kind."""

    def plain(model: str, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("never called")

    async def coroutine(model: str, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("never called")

    async def agen(model: str, *args: Any, **kwargs: Any) -> Any:
        yield "never called"

    if method == "astreaming":
        return agen
    return coroutine if method.startswith("a") else plain


@pytest.mark.parametrize(
    "method", ["completion", "acompletion", "streaming", "astreaming", "embedding", "aembedding", "image_generation"]
)
def test_a_provider_method_without_self_is_told_to_add_it(method: str) -> None:
    """It was accepted, and every call failed with "got multiple values for argument 'model'" (a 500 the Router
    retried)."""
    with pytest.raises(ProviderDefinitionError) as refused:
        type("NoSelf", (BaseCustomProvider,), {method: _without_self(method)})
    message = str(refused.value)
    assert message.startswith(f"NoSelf.{method}(model: ")
    assert "add self as the first parameter, before model (or make it a @staticmethod)" in message


def test_a_provider_method_whose_first_parameter_is_not_litellms_is_taken_for_self(route: Route) -> None:
    class OwnName(BaseCustomProvider):
        def completion(this, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
            return this.make_response(model, messages, "from this")

    reply: Any = _sync(f"{route(OwnName)}/x")
    assert reply.choices[0].message.content == "from this"


def test_a_provider_may_still_mix_in_abc(route: Route) -> None:
    """An ``abc.ABC`` base (or any metaclass of the provider's own) does not conflict with ours: we have none."""

    class Shared(BaseCustomProvider, abc.ABC):
        @abc.abstractmethod
        def answer(self) -> str: ...

        def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
            return self.make_response(model, messages, self.answer())

    class Concrete(Shared):
        def answer(self) -> str:
            return "concrete"

    with pytest.raises(TypeError, match="abstract"):
        Shared()  # type: ignore[abstract]
    reply: Any = _sync(f"{route(Concrete)}/x")
    assert reply.choices[0].message.content == "concrete"


def test_a_provider_may_have_a_metaclass_of_its_own(route: Route) -> None:
    """``CustomLLM`` has none, so a provider re-based on us may bring its own."""

    made: list[str] = []

    class Tracked(type):
        def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Tracked:
            made.append(name)
            return super().__new__(mcs, name, bases, namespace)

    class Own(BaseCustomProvider, metaclass=Tracked):
        def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
            return self.make_response(model, messages, "own metaclass")

    assert made == ["Own"]
    reply: Any = _sync(f"{route(Own)}/x")
    assert reply.choices[0].message.content == "own metaclass"


class _AsyncClient:
    async def complete(self, model: str, messages: list[Any], **kwargs: Any) -> Any:
        raise AssertionError("never run: LiteLLM does not await completion")


def test_an_async_method_set_on_the_instance_as_completion_is_a_contract_error_on_the_sync_path(route: Route) -> None:
    """The sync path handed the caller the coroutine itself (and Python warned it was never awaited)."""

    class SetAsync(BaseCustomProvider):
        def __init__(self) -> None:
            super().__init__()
            self.completion = _AsyncClient().complete  # type: ignore[method-assign,assignment]

    name = route(SetAsync())
    with pytest.raises(ProviderContractError, match=r"returned a coroutine \(an `async def` where LiteLLM"):
        _sync(f"{name}/x")


def test_a_method_set_to_a_value_that_cannot_be_called_on_the_instance_is_refused_when_set() -> None:
    """Accepted before, and every call failed with LiteLLM's "'NoneType' object is not callable"."""

    class Provider(BaseCustomProvider):
        def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
            return self.make_response(model, messages, "ok")

    provider = Provider()
    with pytest.raises(ProviderDefinitionError, match=r"Provider\.completion is set to None"):
        provider.completion = None  # type: ignore[method-assign,assignment]
    assert provider.completion.__name__ == "completion"  # nothing changed
