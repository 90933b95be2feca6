"""How LiteLLM can call a method an author wrote: awaited, iterated, or plainly; shared by the provider and
interceptor checks."""

from __future__ import annotations

import inspect
import reprlib
from collections.abc import Callable
from typing import Any

__all__ = [
    "as_method",
    "as_resolved_method",
    "function_kind",
    "hidden_async_fix",
    "is_plain_value",
    "uncallable_value_message",
]


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


def _hides_async_def(fn: Callable[..., Any]) -> bool:
    """A plain ``def`` wrapper that holds an ``async def`` in its closure without naming it in ``__wrapped__``:
    a decorator written without ``functools.wraps`` (``def timed(fn): def wrapper(*a, **k): return fn(*a, **k)``).
    Its code does not say whether it returns the coroutine, so it is reported, not taken for an ``async def``."""
    if _own_kind(fn) != "def" or not inspect.isfunction(fn) or hasattr(fn, "__wrapped__"):
        return False
    cells = fn.__closure__ or ()
    return any(_cell_holds_async_def(cell) for cell in cells)


def _cell_holds_async_def(cell: Any) -> bool:
    try:
        held = cell.cell_contents
    except ValueError:  # an empty cell
        return False
    return inspect.iscoroutinefunction(held) or inspect.isasyncgenfunction(held)


def hidden_async_fix(fn: Callable[..., Any], name: str) -> str | None:
    """What to write when a decorator hides the ``async def`` ``name`` LiteLLM awaits (else None): the author
    wrote ``async def`` already, so "write it as async def" would send them in a circle."""
    if not _hides_async_def(fn):
        return None
    return (
        f"a decorator hides the `async def {name}` (its wrapper is a plain `def` that does not say what it "
        "wraps): give the wrapper `@functools.wraps(fn)`, or write the wrapper as `async def` that awaits fn"
    )


def as_method(value: staticmethod[Any, Any] | classmethod[Any, Any, Any]) -> Callable[..., Any]:
    """A staticmethod or classmethod as a plain method of the same kind, so wrappers that pass ``self`` call it
    the way LiteLLM calls it on its own classes: without self, or with the class."""
    return as_resolved_method(value, function_kind(value.__func__))


def is_plain_value(value: object) -> bool:
    """Neither callable nor a descriptor: what LiteLLM would fail to call (``async_pre_call_hook = None``)."""
    return not (callable(value) or hasattr(type(value), "__get__"))


def uncallable_value_message(owner: str, name: str, value: object, caller: str, fix: str) -> str:
    """Why ``owner.name = value`` (``completion = None``, a hook "switched off") is refused, and what to write."""
    return (
        f"{owner}.{name} is set to {reprlib.repr(value)}, but {caller} calls it: every call would fail with "
        f"TypeError ('{type(value).__name__}' object is not callable). Delete the assignment to keep the inherited "
        f"{name}, or define it: {fix}"
    )


def as_resolved_method(value: Any, kind: str) -> Callable[..., Any]:
    """What an author wrote for a method, if not a plain function (a staticmethod or classmethod, a property, a
    ``partialmethod``, a callable object), as a plain method of ``kind`` (``"def"``, ``"async def"``, ``"async
    generator"``: the kind LiteLLM calls it as), so wrappers that pass ``self`` call what LiteLLM gets by looking
    the name up on the instance, as on its own classes: a descriptor bound to the instance, any other callable as
    it is."""
    binds = hasattr(type(value), "__get__")

    def resolve(self: Any) -> Callable[..., Any]:
        resolved: Callable[..., Any] = value.__get__(self, type(self)) if binds else value
        return resolved

    if kind == "async generator":

        async def method_gen(self: Any, *args: Any, **kwargs: Any) -> Any:
            async for item in resolve(self)(*args, **kwargs):
                yield item

        method: Callable[..., Any] = method_gen
    elif kind == "async def":

        async def method_async(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = resolve(self)(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result

        method = method_async
    else:

        def method_plain(self: Any, *args: Any, **kwargs: Any) -> Any:
            return resolve(self)(*args, **kwargs)

        method = method_plain
    named = getattr(value, "__func__", value)  # a staticmethod's or classmethod's function
    method.__name__ = getattr(named, "__name__", None) or type(value).__name__
    method.__qualname__ = getattr(named, "__qualname__", None) or method.__name__
    method.__doc__ = getattr(named, "__doc__", None)
    method.__module__ = getattr(named, "__module__", None) or method.__module__
    return method
