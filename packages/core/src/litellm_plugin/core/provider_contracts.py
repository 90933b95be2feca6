"""The provider contract, checked around every method a ``BaseCustomProvider`` subclass writes.

LiteLLM hands a custom provider's result back as it is on the sync paths (a ``str`` from ``completion`` fails
later, far away, with ``'str' object has no attribute 'choices'``) and reports a plain exception as an
``APIConnectionError`` that blames LiteLLM. Wrapping each method the subclass defines, when the class is
defined, makes every path (sync, async, stream, Router, proxy) report both the same way, naming the provider
and the method: :class:`ProviderContractError` for a wrong result, :class:`ProviderMethodError` (with the
original exception as ``__cause__``) for a plain exception.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, NoReturn

import httpx
import openai
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import EmbeddingResponse, ImageResponse, ModelResponse
from pydantic import BaseModel

from litellm_plugin.core._caller import caller_stacklevel
from litellm_plugin.core.provider_errors import ProviderContractError, ProviderMethodError

if TYPE_CHECKING:
    from litellm_plugin.core.provider import BaseCustomProvider

__all__ = ["PROVIDER_METHODS", "ProviderDefinitionError", "ProviderDefinitionWarning", "check_provider_class"]


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
}
_STREAMS = ("streaming", "astreaming")
PROVIDER_METHODS = (*_RESULTS, *_STREAMS)
_CHECKED = "__litellm_plugin_checked__"
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
        """Re-raise ``exc`` as it is if LiteLLM can map it, else as a ProviderMethodError caused by it."""
        if _is_litellm_error(exc):
            raise exc
        raise ProviderMethodError(**self._names(), detail=f"raised {type(exc).__name__}: {exc}") from exc

    def wrong(self, detail: str) -> ProviderContractError:
        return ProviderContractError(**self._names(), detail=detail)

    def result(self, value: Any) -> Any:
        expected, how = _RESULTS[self.method]
        if isinstance(value, expected):
            return value
        got = "None (a missing return?)" if value is None else f"a {type(value).__name__}"
        raise self.wrong(f"returned {got}; it must return a {expected.__name__}: build it with {how}")

    def chunk(self, chunk: Any) -> Any:
        if isinstance(chunk, (Mapping, BaseModel)):
            return chunk
        raise self.wrong(
            f"yielded a {type(chunk).__name__} chunk; yield self.make_chunk(text) (a GenericStreamingChunk dict)"
        )

    def stream(self, value: Any) -> Any:
        if hasattr(value, "__aiter__"):
            return self._async_chunks(value)
        if hasattr(value, "__iter__") and not isinstance(value, (str, bytes, Mapping, BaseModel)):
            return self._chunks(value)
        got = "None (a missing return or yield?)" if value is None else f"a {type(value).__name__}"
        raise self.wrong(f"returned {got}; it must yield chunks made with self.make_chunk(text)")

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
        if inspect.isawaitable(value) and method not in _STREAMS:
            return site.check_awaited(value)
        return site.check(value)

    return checked


# How LiteLLM calls each method: plain call, awaited, iterated, or async-iterated.
_KINDS = {
    "completion": "def",
    "embedding": "def",
    "image_generation": "def",
    "streaming": "def",
    "acompletion": "async def",
    "aembedding": "async def",
    "aimage_generation": "async def",
    "astreaming": "async generator",
}
_FIX = {
    "def": "write it as plain `def {name}(...)`; LiteLLM calls it without awaiting (put async code in a{name})",
    "async def": "write it as `async def {name}(...)`; LiteLLM awaits it",
    "async generator": "write it as `async def {name}(...)` that yields chunks (self.make_chunk(text))",
}


def _kind(fn: Callable[..., Any]) -> str:
    if inspect.isasyncgenfunction(fn):
        return "async generator"
    return "async def" if inspect.iscoroutinefunction(fn) else "def"


def _check_definition(cls: type, method: str, fn: Callable[..., Any]) -> None:
    expected, got = _KINDS[method], _kind(fn)
    if expected != got:
        fix = _FIX[expected].format(name=method)
        raise ProviderDefinitionError(f"{cls.__qualname__}.{method} is written as {got}: {fix}")


def _warn_if_misspelt(cls: type) -> None:
    known = sorted({*PROVIDER_METHODS, *(n for n in dir(CustomLLM) if not n.startswith("_"))})
    for name, value in vars(cls).items():
        if name.startswith("_") or name in known or not inspect.isfunction(value):
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
        if close:
            warnings.warn(
                f"{cls.__qualname__}.{name} is not a provider method and LiteLLM never calls it; "
                f"did you mean {close[0]}?",
                ProviderDefinitionWarning,
                stacklevel=caller_stacklevel(),
            )


def check_provider_class(cls: type, base: type) -> None:
    """Wrap each provider method ``cls`` defines or takes from a mixin with the contract checks (once).

    ``base`` (BaseCustomProvider) and LiteLLM's ``CustomLLM`` keep their own methods unwrapped.
    """
    for method in PROVIDER_METHODS:
        owner = next((klass for klass in cls.__mro__ if method in vars(klass)), None)
        if owner is None or owner is base or owner.__module__.startswith("litellm."):
            continue
        fn = vars(owner)[method]
        if not callable(fn) or getattr(fn, _CHECKED, False):
            continue
        _check_definition(cls, method, fn)
        wrapped = _checked(method, fn)
        setattr(wrapped, _CHECKED, True)
        setattr(cls, method, wrapped)
    _warn_if_misspelt(cls)
