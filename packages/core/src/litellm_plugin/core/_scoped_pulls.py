"""Pulling a chunk from a Router deployment's stream runs inside the call, also when the Router pulls it.

LiteLLM's Router reads the first chunk of a deployment's stream itself, before it returns (so that a stream
failing before its first token is retried or falls back like any failed call), and it retries an Anthropic
Messages or Responses stream that fails from inside the stream it returned. The engine must then tell two
kinds of LiteLLM call apart: one a provider makes while a chunk is produced (nested: not intercepted, not
observed) and the Router's next attempt after that chunk failed (the user's call: observed). Marking the
deployment call as over when it returns, and the stream's own pulls as inside the call, tells them apart.

The Router recognises some streams by their class (``isinstance(response, CustomStreamWrapper)``), so a
stream cannot be wrapped: the instance's class is swapped for a subclass (same name) whose
``__next__``/``__anext__`` set the scope around the inherited ones. Only the methods the class has are
given (a subclass must not become iterable in a way its class is not); a stream whose class cannot be
swapped (an async generator, a class with ``__slots__``) is left alone, and its deployment call stays live.
"""

from __future__ import annotations

import logging
import threading
from contextvars import ContextVar
from typing import Any

from litellm.litellm_core_utils.streaming_handler import CustomStreamWrapper

__all__ = ["scope_pulls"]

_logger = logging.getLogger(__name__)
_MARK = "__litellm_plugin_scoped_pulls__"
_classes: dict[type, type] = {}
_lock = threading.Lock()


def _scoped_class(cls: type, scope: ContextVar[object | None], value: object) -> type:
    known = _classes.get(cls)
    if known is not None:
        return known

    def __next__(self: Any) -> Any:
        previous = scope.get()
        scope.set(value)
        try:
            return cls.__next__(self)  # type: ignore[attr-defined]
        finally:
            scope.set(previous)  # not reset(): LiteLLM may run the rest of a call in another context

    async def __anext__(self: Any) -> Any:
        previous = scope.get()
        scope.set(value)
        try:
            return await cls.__anext__(self)  # type: ignore[attr-defined]
        finally:
            scope.set(previous)

    namespace: dict[str, Any] = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, _MARK: cls}
    if hasattr(cls, "__next__"):
        namespace["__next__"] = __next__
    if hasattr(cls, "__anext__"):
        namespace["__anext__"] = __anext__
    with _lock:
        return _classes.setdefault(cls, type(cls.__name__, (cls,), namespace))


_HEAP_TYPE = 1 << 9  # ``Py_TPFLAGS_HEAPTYPE``: a class made by a ``class`` statement, not a built-in type


def _plain_python_class(cls: type) -> bool:
    return cls.__flags__ & _HEAP_TYPE != 0


def scope_pulls(stream: object, scope: ContextVar[object | None], value: object) -> bool:
    """Make every chunk pulled from ``stream`` run with ``scope`` set to ``value``. False when it cannot (a
    built-in type such as an async generator, a class with ``__slots__``): the caller then keeps treating the
    deployment call as live."""
    cls = type(stream)
    if getattr(cls, _MARK, None) is not None:
        return True
    if not (isinstance(stream, CustomStreamWrapper) or _plain_python_class(cls)):
        return False
    try:
        stream.__class__ = _scoped_class(cls, scope, value)
    # A layout of its own (``__slots__``), a read-only ``__class__``, a class that refuses subclasses (its
    # ``__init_subclass__``, a final metaclass): the stream is left as it is.
    except Exception:
        _logger.debug("cannot scope the pulls of a %s", cls.__qualname__, exc_info=True)
        return False
    return True
