"""The provider contract, checked around every method a ``BaseCustomProvider`` subclass writes.

LiteLLM hands a custom provider's result back as it is on the sync paths (a ``str`` from ``completion`` fails
later, far away, with ``'str' object has no attribute 'choices'``) and reports a plain exception as an
``APIConnectionError`` that blames LiteLLM. Wrapping each method the subclass defines, when the class is
defined (or the method is set on an instance or assigned to the class later), makes every path (sync, async,
stream, Router, proxy) report both the same way, naming the provider and the method:
:class:`ProviderContractError` for a wrong result, :class:`ProviderMethodError` (with the original exception
as ``__cause__``) for a plain exception.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import types
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
import openai
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import EmbeddingResponse, ImageResponse, ModelResponse
from pydantic import BaseModel

from litellm_plugin.core import _bridge
from litellm_plugin.core._caller import caller_stacklevel
from litellm_plugin.core._keyword_calls import (
    STATIC_WITH_SELF,
    keyword_call_problems,
    missing_first_parameter,
    static_with_self,
    without_positional_only,
)
from litellm_plugin.core._method_kinds import (
    as_method,
    as_resolved_method,
    function_kind,
    hidden_async_fix,
    is_plain_value,
    uncallable_value_message,
)
from litellm_plugin.core.provider_errors import ProviderContractError, ProviderMethodError

if TYPE_CHECKING:
    from litellm_plugin.core.provider import BaseCustomProvider

__all__ = [
    "PROVIDER_METHODS",
    "ProviderDefinitionError",
    "ProviderDefinitionWarning",
    "check_provider_class",
    "check_provider_method",
    "checked_instance_method",
    "recheck_provider_class",
]


class ProviderDefinitionError(TypeError):
    """A provider class defines a method LiteLLM cannot call as written; raised at class definition."""


class ProviderDefinitionWarning(UserWarning):
    """A provider class defines a method that looks like a misspelt provider method: LiteLLM never calls it."""


# What each method must return; the stream methods return an iterator of chunks instead.
_RESULTS: dict[str, tuple[type, str]] = {
    "completion": (ModelResponse, "self.make_response(model, messages, text)"),
    "acompletion": (ModelResponse, "self.make_response(model, messages, text)"),
    "embedding": (EmbeddingResponse, "a litellm EmbeddingResponse (fill the model_response argument)"),
    "aembedding": (EmbeddingResponse, "a litellm EmbeddingResponse (fill the model_response argument)"),
    "image_generation": (ImageResponse, "a litellm ImageResponse (fill the model_response argument)"),
    "aimage_generation": (ImageResponse, "a litellm ImageResponse (fill the model_response argument)"),
    # Served by LiteLLM's CustomLLM as they are (not derived one from the other: a provider writes both).
    "image_edit": (ImageResponse, "a litellm ImageResponse (fill the model_response argument)"),
    "aimage_edit": (ImageResponse, "a litellm ImageResponse (fill the model_response argument)"),
}
_STREAMS = ("streaming", "astreaming")
# The keys LiteLLM reads from every GenericStreamingChunk dict a custom provider yields (streaming_handler.py).
_CHUNK_KEYS = ("text", "is_finished", "finish_reason", "usage")
PROVIDER_METHODS = (*_RESULTS, *_STREAMS)
_CHECKED = "__litellm_plugin_checked__"
_ASYNC_STREAM_FIX = (
    "astreaming must return an async iterator: write it as `async def astreaming(...)` that yields chunks "
    "(self.make_chunk(text)), or as plain `def astreaming(...)` returning an object with __aiter__"
)
HookFn = Callable[..., Any]


def _is_litellm_error(exc: BaseException) -> bool:
    """Errors LiteLLM already knows how to map (its own, openai's, httpx's, anything with a status code)."""
    return isinstance(exc, (openai.APIError, httpx.HTTPError)) or isinstance(getattr(exc, "status_code", None), int)


class _Site:
    """One call of one provider method: what to name in an error."""

    __slots__ = ("method", "model", "provider")

    def __init__(self, provider: BaseCustomProvider, method: str, kwargs: Mapping[str, Any]) -> None:
        self.provider = provider
        self.method = method
        self.model = str(kwargs.get("model", ""))

    def _names(self) -> dict[str, str]:
        return {
            "provider": self.provider.error_provider,
            "provider_class": type(self.provider).__name__,
            "method": self.method,
            "model": self.model,
        }

    def failed(self, exc: Exception) -> NoReturn:
        """Re-raise ``exc`` as it is if LiteLLM can map it (naming the provider, see ``_name_provider``), else as
        a ProviderMethodError caused by it."""
        if _is_litellm_error(exc):
            self._name_provider(exc)
            raise exc
        raise ProviderMethodError(**self._names(), detail=f"raised {type(exc).__name__}: {exc}") from exc

    def _name_provider(self, exc: Exception) -> None:
        """Fill in a LiteLLM error raised without ``llm_provider`` (or ``model``): ``self.make_response`` and the
        module-level message helpers know neither, and Router cooldowns, fallbacks and the conformance suite read
        them. The derived paths validate with the provider's name first; this makes the native ones match."""
        if hasattr(exc, "llm_provider") and not exc.llm_provider:
            exc.llm_provider = self.provider.error_provider
        if hasattr(exc, "model") and not exc.model and self.model:
            exc.model = self.model

    def wrong(self, detail: str) -> ProviderContractError:
        return ProviderContractError(**self._names(), detail=detail)

    def result(self, value: Any) -> Any:
        expected, how = _RESULTS[self.method]
        if isinstance(value, expected):
            return value
        got = "None (a missing return?)" if value is None else f"a {type(value).__name__}"
        if inspect.iscoroutine(value):  # an ``async def`` where LiteLLM does not await: never run it
            value.close()
            got = f"a coroutine (an `async def` where LiteLLM does not await: give it as a{self.method})"
        if isinstance(value, Mapping) and ("choices" in value or "data" in value):  # an API's JSON body as it is
            how = f"litellm.{expected.__name__}(**reply) from the API's JSON reply, or {how}"
        article = "an" if expected.__name__[0] in "AEIOU" else "a"
        raise self.wrong(f"returned {got}; it must return {article} {expected.__name__}: build it with {how}")

    def chunk(self, chunk: Any) -> Any:
        if isinstance(chunk, Mapping):
            missing = [key for key in _CHUNK_KEYS if key not in chunk]
            if not missing:
                return chunk
            raise self.wrong(  # LiteLLM reads them with chunk[key]: "APIConnectionError: 'is_finished'"
                f"yielded a chunk without {', '.join(missing)}, which LiteLLM reads from every chunk; yield "
                "self.make_chunk(text, is_finished=..., finish_reason=..., usage=...) (a GenericStreamingChunk dict)"
            )
        if isinstance(chunk, BaseModel):
            return chunk
        raise self.wrong(
            f"yielded a {type(chunk).__name__} chunk; yield self.make_chunk(text) (a GenericStreamingChunk dict)"
        )

    def stream(self, value: Any) -> Any:
        """Chunks read the way the site is iterated: ``streaming`` with the sync protocol, ``astreaming`` with
        the async one. Objects offering both (LiteLLM's ``ModelResponseIterator``, a ``CustomStreamWrapper``)
        are read through the protocol the caller uses, never the other."""
        iterable = hasattr(value, "__iter__") and not isinstance(value, (str, bytes, Mapping, BaseModel))
        async_iterable = hasattr(value, "__aiter__")
        if self.method == "astreaming":
            if async_iterable:
                return self._async_chunks(value)
            raise self.wrong(f"returned {self._what(value)}; {_ASYNC_STREAM_FIX}")
        if iterable:
            return self._chunks(value)
        if async_iterable:  # a sync site reading an async-only stream: one step at a time on a private loop
            return _bridge.iterate_sync(self._async_chunks(value))
        raise self.wrong(f"returned {self._what(value)}; it must yield chunks made with self.make_chunk(text)")

    @staticmethod
    def _what(value: Any) -> str:
        if isinstance(value, Mapping) and "text" in value:  # LiteLLM's docs example returns its one chunk
            return "one chunk (a dict) instead of an iterator of chunks: `yield` it rather than returning it"
        if value is None:
            return "None (a missing return or yield?)"
        if inspect.iscoroutine(value):
            value.close()  # never awaited: close it so Python does not warn about it
            return "a coroutine (an `async def` that returns instead of yielding?)"
        return f"a {type(value).__name__}"

    def _chunks(self, chunks: Any) -> Iterator[Any]:
        iterator = iter(chunks)
        while True:
            try:
                chunk = next(iterator)
            except StopIteration:
                return
            except Exception as exc:
                self.failed(exc)
            yield self.chunk(chunk)

    async def _async_chunks(self, chunks: Any) -> AsyncIterator[Any]:
        iterator = chunks.__aiter__()
        while True:
            try:
                chunk = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except Exception as exc:
                self.failed(exc)
            yield self.chunk(chunk)

    def check(self, value: Any) -> Any:
        return self.stream(value) if self.method in _STREAMS else self.result(value)

    async def check_awaited(self, pending: Any) -> Any:
        try:
            value = await pending
        except Exception as exc:
            self.failed(exc)
        return self.check(value)


def _checked(method: str, fn: HookFn) -> HookFn:
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def checked_async(self: BaseCustomProvider, *args: Any, **kwargs: Any) -> Any:
            site = _Site(self, method, kwargs)
            try:
                value = await fn(self, *args, **kwargs)
            except Exception as exc:
                site.failed(exc)
            return site.check(value)

        return checked_async

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        def checked_async_stream(self: BaseCustomProvider, *args: Any, **kwargs: Any) -> Any:
            return _Site(self, method, kwargs).stream(fn(self, *args, **kwargs))

        return checked_async_stream

    @functools.wraps(fn)
    def checked(self: BaseCustomProvider, *args: Any, **kwargs: Any) -> Any:
        site = _Site(self, method, kwargs)
        try:
            value = fn(self, *args, **kwargs)
        except Exception as exc:
            site.failed(exc)
        if inspect.isawaitable(value) and _KINDS[method] == ("async def",):  # LiteLLM awaits what it returns
            return site.check_awaited(value)
        return site.check(value)

    return checked


# How LiteLLM calls each method: plain call, awaited, iterated, or async-iterated. ``astreaming`` is
# iterated with ``async for`` on whatever it returns: an async generator, or a plain ``def`` returning an
# async iterator (checked when called).
_KINDS: dict[str, tuple[str, ...]] = {
    "completion": ("def",),
    "embedding": ("def",),
    "image_generation": ("def",),
    "streaming": ("def",),
    "acompletion": ("async def",),
    "aembedding": ("async def",),
    "aimage_generation": ("async def",),
    "image_edit": ("def",),
    "aimage_edit": ("async def",),
    "astreaming": ("async generator", "def"),
}
_FIX = {
    "def": "write it as plain `def {name}(...)`; LiteLLM calls it without awaiting (put async code in a{name})",
    "async def": "write it as `async def {name}(...)`; LiteLLM awaits it",
    "async generator": "write it as `async def {name}(...)` that yields chunks (self.make_chunk(text))",
}
# ``async def astreaming`` without ``yield``: calling it gives a coroutine, which LiteLLM cannot iterate.
_RETURNING_ASTREAMING = (
    "{cls}.astreaming is an `async def` that returns instead of yielding, so LiteLLM gets a coroutine it "
    "cannot iterate: yield each chunk (`yield self.make_chunk(text)`) instead of returning them, or write "
    "it as plain `def astreaming(...)` returning an async iterator"
)
# ``def astreaming`` with ``yield``: a sync generator, which ``async for`` cannot iterate.
_GENERATOR_ASTREAMING = (
    "{cls}.astreaming is a plain generator (`def` with `yield`), which LiteLLM's `async for` cannot iterate: "
    "write it as `async def astreaming(...)` that yields chunks, or name it `streaming` (BaseCustomProvider "
    "derives astreaming from it)"
)


def _is_plain_generator(fn: Callable[..., Any]) -> bool:
    try:
        return inspect.isgeneratorfunction(inspect.unwrap(fn))
    except ValueError:  # a cycle of __wrapped__
        return False


# Names authors reach for that difflib does not find close enough; LiteLLM never calls them.
_ALIASES = {
    "complete": "completion",
    "acomplete": "acompletion",
    "async_completion": "acompletion",
    "async_complete": "acompletion",
    "async_streaming": "astreaming",
    "async_embedding": "aembedding",
    "async_image_generation": "aimage_generation",
    "chat_completion": "completion",
    "achat_completion": "acompletion",
}


# A method LiteLLM calls for one whole reply, written with ``yield`` (sync or async): it returns a generator.
_YIELDING_WHOLE_REPLY = (
    "{cls}.{method} yields, so it returns a generator where LiteLLM expects one whole reply: `return` the "
    "reply ({how}) instead of yielding it{stream}"
)


def _check_definition(cls: type, method: str, fn: Callable[..., Any]) -> None:
    expected, got = _KINDS[method], function_kind(fn)
    # The function itself, not what it wraps: a decorator may gather a generator's pieces into one reply.
    if method not in _STREAMS and (inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn)):
        stream = ", and put streaming code in `streaming` (or `astreaming`)" if "completion" in method else ""
        how = _RESULTS[method][1]
        raise ProviderDefinitionError(
            _YIELDING_WHOLE_REPLY.format(cls=cls.__qualname__, method=method, how=how, stream=stream)
        )
    if got in expected and not (method == "astreaming" and _is_plain_generator(fn)):
        return
    if method == "astreaming" and got == "async def":
        raise ProviderDefinitionError(_RETURNING_ASTREAMING.format(cls=cls.__qualname__))
    if method == "astreaming" and _is_plain_generator(fn):
        raise ProviderDefinitionError(_GENERATOR_ASTREAMING.format(cls=cls.__qualname__))
    fix = _FIX[expected[0]].format(name=method)
    if expected == ("async def",):
        fix = hidden_async_fix(fn, method) or fix
    raise ProviderDefinitionError(f"{cls.__qualname__}.{method} is written as {got}: {fix}")


def _parameters(fn: Callable[..., Any], bound: int = 1) -> list[inspect.Parameter] | None:
    """The parameters LiteLLM fills, without the ``bound`` ones (self or cls; none for a staticmethod)."""
    try:
        return list(inspect.signature(fn).parameters.values())[bound:]
    except (TypeError, ValueError):  # a callable object without an introspectable signature
        return None


def _check_signature(
    cls: type,
    method: str,
    fn: Callable[..., Any],
    reference: Callable[..., Any],
    bound: int = 1,
    *,
    of_class: bool = False,
) -> None:
    """LiteLLM passes every argument of ``reference`` by name: ``fn`` must accept them all (or **kwargs) and
    require nothing else. ``of_class``: ``fn`` is a classmethod's function (its first parameter gets the class)."""
    params, passed = _parameters(fn, bound), [p.name for p in _parameters(reference) or ()]
    if params is None:
        return
    forgot = missing_first_parameter(fn, passed, bound=bound, of_class=of_class)
    if forgot is not None:
        raise ProviderDefinitionError(
            f"{cls.__qualname__}.{method}{inspect.signature(fn)} cannot be called the way LiteLLM calls it: {forgot}"
        )
    problems = keyword_call_problems(params, passed)
    if not problems:
        return
    written = f"{cls.__qualname__}.{method}{inspect.signature(fn)} cannot be called the way LiteLLM calls it"
    if bound == 0 and static_with_self(params):
        raise ProviderDefinitionError(f"{written}: {STATIC_WITH_SELF}")
    if not keyword_call_problems(without_positional_only(params), passed):  # the `/` is all that is wrong
        raise ProviderDefinitionError(f"{written}: {'; '.join(problems)}")
    first = "model, messages" if "messages" in passed else "model, input" if "input" in passed else "model, prompt"
    raise ProviderDefinitionError(
        f"{written}: {'; '.join(problems)}. Write it as {method}(self, {first}, *args, **kwargs): the other "
        f"arguments arrive in kwargs (optional_params, api_base, api_key, headers, timeout...)"
    )


def _close_method(name: str, known: list[str]) -> str | None:
    alias = _ALIASES.get(name)
    if alias is not None:
        return alias
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
    return close[0] if close else None


def _warn_if_misspelt(cls: type) -> None:
    known = sorted({*PROVIDER_METHODS, *(n for n in dir(CustomLLM) if not n.startswith("_"))})
    for name, value in vars(cls).items():
        if name.startswith("_") or name in known or not inspect.isfunction(value):
            continue
        close = _close_method(name, known)
        if close:
            warnings.warn(
                f"{cls.__qualname__}.{name} is not a provider method and LiteLLM never calls it; did you mean {close}?",
                ProviderDefinitionWarning,
                stacklevel=caller_stacklevel(),
            )


def _check_callable(cls: type, method: str, value: object) -> None:
    """A provider method set to a value that cannot be called (``completion = None``): every call would fail, as
    LiteLLM's ``APIConnectionError: 'NoneType' object is not callable``. A descriptor (a property, a
    ``partialmethod``) gives LiteLLM what it binds, so only plain values are refused."""
    if not is_plain_value(value):
        return
    fix = _FIX[_KINDS[method][0]].format(name=method)
    raise ProviderDefinitionError(uncallable_value_message(cls.__qualname__, method, value, "LiteLLM", fix))


def check_provider_class(cls: type, base: type) -> None:
    """Wrap each provider method ``cls`` defines or takes from a mixin with the contract checks (once).

    ``base`` (BaseCustomProvider) and LiteLLM's ``CustomLLM`` keep their own methods unwrapped.
    """
    for method in PROVIDER_METHODS:
        check_provider_method(cls, method, base)
    _warn_if_misspelt(cls)


def check_provider_method(cls: type, method: str, base: type) -> None:
    """Wrap ``cls``'s ``method`` with the contract checks unless it is already wrapped: when the class is defined,
    and again when a method is assigned to it later (``Shout.completion = fn``, a test's ``monkeypatch``)."""
    owner = next((klass for klass in cls.__mro__ if method in vars(klass)), None)
    if owner is None or owner is base or owner.__module__.startswith("litellm."):
        return
    value = vars(owner)[method]
    # A staticmethod or classmethod works on LiteLLM's CustomLLM (called without self, or with the class).
    _check_callable(cls, method, value)
    if not (inspect.isfunction(value) or isinstance(value, (staticmethod, classmethod))):
        # A property, a partialmethod, a callable object: LiteLLM calls what the name gives on the instance.
        value = as_resolved_method(value, _KINDS[method][0])
    bound_to_class = isinstance(value, (staticmethod, classmethod))
    fn = value.__func__ if bound_to_class else value
    if not callable(fn) or getattr(fn, _CHECKED, False):
        return
    reference = getattr(base, method, None)  # BaseCustomProvider's, or CustomLLM's (image edits)
    if reference is None:  # a LiteLLM release without this method: it never calls it
        return
    _check_definition(cls, method, fn)
    _check_signature(
        cls,
        method,
        fn,
        reference,
        bound=0 if isinstance(value, staticmethod) else 1,
        of_class=isinstance(value, classmethod),
    )
    wrapped = _checked(method, as_method(value) if bound_to_class else fn)
    setattr(wrapped, _CHECKED, True)
    setattr(cls, method, wrapped)


def recheck_provider_class(cls: type, base: type) -> None:
    """Check ``cls``'s provider methods again when it is registered: one assigned to the class after it was
    defined (``Shout.completion = fn``) gets the checks its class body would have given it. Not a metaclass: a
    provider may have its own (``abc.ABC``, pydantic, a Protocol) and metaclasses of two kinds conflict."""
    for method in PROVIDER_METHODS:
        check_provider_method(cls, method, base)


def checked_instance_method(provider: BaseCustomProvider, method: str, value: object) -> object:
    """``value``, set on ``provider`` as ``method`` (``self.completion = client.complete``), wrapped with the same
    checks as a method the class writes. LiteLLM calls it as it is, without ``self``, the way it calls its kind.
    A value that cannot be called (``self.completion = None``) is refused, as in a class body."""
    _check_callable(type(provider), method, value)
    if not callable(value):  # a descriptor: LiteLLM gets it as it is, as from a class
        return value
    as_called = as_resolved_method(staticmethod(value), _KINDS[method][0])
    return types.MethodType(_checked(method, as_called), provider)
