"""Crossing between sync and async provider code.

LiteLLM's sync entry points need sync results and iterators; its async ones must never block the event loop.
Coroutines are run from sync code by ``_sync.run_sync`` (a reused per-thread loop); blocking calls are moved
off the event loop with ``asyncio.to_thread``, which also copies context variables.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar, cast

from litellm_plugin.core._sync import run_sync

__all__ = ["aiterate_in_thread", "iterate_sync", "run_sync"]

T = TypeVar("T")

_DONE = object()


async def _next_or_done(stream: AsyncIterator[T]) -> T | object:
    try:
        return await stream.__anext__()
    except StopAsyncIteration:
        return _DONE


def iterate_sync(stream: AsyncIterator[T]) -> Iterator[T]:
    """Iterate an async iterator from sync code, one ``run_sync`` per item; closes it when abandoned."""
    try:
        while (item := run_sync(_next_or_done(stream))) is not _DONE:
            yield cast(T, item)
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            run_sync(aclose())


async def aiterate_in_thread(make_stream: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
    """Iterate a blocking iterator from async code, advancing it in a worker thread each step."""
    iterator = await asyncio.to_thread(lambda: iter(make_stream()))
    while (item := await asyncio.to_thread(next, iterator, _DONE)) is not _DONE:
        yield cast(T, item)
