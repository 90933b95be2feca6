"""Keeps a garbage collection from crashing the interpreter in the middle of a ``ContextVar.set`` (Python < 3.12).

On CPython 3.10 and 3.11 a collection can start inside ``ContextVar.set``, while it builds the context's new
mapping from the old one (CPython issue gh-148891). If a finalizer that runs in that collection sets a context
variable too, the old mapping is freed under the outer ``set``, and the process dies with a segmentation fault.
LiteLLM's streams (``CustomStreamWrapper.__del__``, LiteLLM 1.100 and later) do exactly that when they are
collected, so a busy proxy or SDK process crashes now and then; the engine's own ``set`` calls make the window
wider. A reference to the current context taken when each collection starts keeps that mapping alive; the last
:data:`KEPT` are held, more than the collections one ``set`` can start (one per object it allocates).
From 3.12 on, collections only start between bytecodes, never inside ``set``, and nothing is installed.
"""

from __future__ import annotations

import collections
import contextvars
import gc
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["KEPT", "install", "installed"]

KEPT = 64

_kept: collections.deque[contextvars.Context] = collections.deque(maxlen=KEPT)
_lock = threading.Lock()


def _keep_current_context(
    phase: str,
    info: dict[str, Any],
    _keep: Callable[[contextvars.Context], None] = _kept.append,
    _current: Callable[[], contextvars.Context] = contextvars.copy_context,
) -> None:
    # Bound at definition: collections still run (and need the guard) while the interpreter tears modules down.
    if phase == "start":
        _keep(_current())


def installed() -> bool:
    """Is the guard in ``gc.callbacks``?"""
    return _keep_current_context in gc.callbacks


def install() -> None:
    """Install the guard once per process, on Python versions that need it."""
    if sys.version_info >= (3, 12):
        return
    with _lock:
        if not installed():
            gc.callbacks.append(_keep_current_context)
