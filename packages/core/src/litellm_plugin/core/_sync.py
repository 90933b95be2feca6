"""Run interceptor coroutines from LiteLLM's synchronous paths.

Interceptor hooks are ``async`` (LiteLLM's signatures), but ``litellm.completion`` is not. Each thread gets
one private event loop, reused across calls so a sync call pays no loop start-up; a thread that already runs
a loop (sync LiteLLM called from async code) hands the coroutine to a helper thread instead of deadlocking.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_local = threading.local()
_helper_lock = threading.Lock()
_helper_loop: asyncio.AbstractEventLoop | None = None


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop


def _helper() -> asyncio.AbstractEventLoop:
    global _helper_loop
    with _helper_lock:
        if _helper_loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="litellm-plugin-sync", daemon=True).start()
            _helper_loop = loop
        return _helper_loop


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code, keeping the caller's context variables."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _thread_loop().run_until_complete(coro)
    context = contextvars.copy_context()
    result: Future[T] = Future()
    loop = _helper()

    def start() -> None:
        task = context.run(loop.create_task, coro)
        task.add_done_callback(
            lambda t: (
                result.set_exception(t.exception()) if t.exception() is not None else result.set_result(t.result())
            )
        )

    loop.call_soon_threadsafe(start)
    return result.result()
