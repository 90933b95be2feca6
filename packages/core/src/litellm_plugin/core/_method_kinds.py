"""How LiteLLM can call a method an author wrote: awaited, iterated, or plainly; shared by the provider and
interceptor checks."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["as_method", "function_kind"]


def _own_kind(fn: Callable[..., Any]) -> str:
    if inspect.isasyncgenfunction(fn):
        return "async generator"
    return "async def" if inspect.iscoroutinefunction(fn) else "def"


def function_kind(fn: Callable[..., Any]) -> str:
    """``"async generator"``, ``"async def"`` or ``"def"``. A plain ``def`` that a decorator put around another
    function (naming it in ``__wrapped__``, as ``functools.wraps`` does) is what it wraps: around an ``async def``
    it returns the coroutine, which LiteLLM awaits where it awaits the method and drops unrun where it does not."""
    kind = _own_kind(fn)
    if kind != "def" or not inspect.isfunction(fn):
        return kind
    try:
        inner = inspect.unwrap(fn)
    except ValueError:  # a cycle of __wrapped__
        return kind
    return kind if inner is fn else _own_kind(inner)


def as_method(value: staticmethod[Any, Any] | classmethod[Any, Any, Any]) -> Callable[..., Any]:
    """A staticmethod or classmethod as a plain method of the same kind, so wrappers that pass ``self`` call it
    the way LiteLLM calls it on its own classes: without self, or with the class."""
    fn: Callable[..., Any] = value.__func__
    static = isinstance(value, staticmethod)

    def head(self: Any) -> tuple[Any, ...]:
        return () if static else (type(self),)

    if inspect.isasyncgenfunction(fn):

        async def method_gen(self: Any, *args: Any, **kwargs: Any) -> Any:
            async for item in fn(*head(self), *args, **kwargs):
                yield item

        method: Callable[..., Any] = method_gen
    elif inspect.iscoroutinefunction(fn):

        async def method_async(self: Any, *args: Any, **kwargs: Any) -> Any:
            return await fn(*head(self), *args, **kwargs)

        method = method_async
    else:

        def method_plain(self: Any, *args: Any, **kwargs: Any) -> Any:
            return fn(*head(self), *args, **kwargs)

        method = method_plain
    for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(method, attribute, getattr(fn, attribute))
    return method
