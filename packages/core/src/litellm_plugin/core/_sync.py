"""Run interceptor coroutines from LiteLLM's synchronous paths.

Interceptor hooks are ``async`` (LiteLLM's signatures), but ``litellm.completion`` is not. Each coroutine runs
as a real Task on the thread's private loop (``asyncio.current_task()``, ``asyncio.timeout``, httpx and aiohttp
need one), and its first step is taken at once, without the loop's ``select()``: most hooks never wait on
anything, and a loop turn releases the GIL, which LiteLLM's logging threads then keep for a whole switch
interval. A coroutine that does wait is finished on that loop. A thread that already runs a loop (sync LiteLLM
called from async code) hands the coroutine to a helper thread instead of deadlocking.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
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


def _run_on_helper(coro: Coroutine[Any, Any, T]) -> T:
    context = contextvars.copy_context()
    result: Future[T] = Future()
    loop = _helper()

    def done(task: asyncio.Task[T]) -> None:
        error = task.exception()
        if error is not None:
            result.set_exception(error)
        else:
            result.set_result(task.result())

    loop.call_soon_threadsafe(lambda: context.run(loop.create_task, coro).add_done_callback(done))
    return result.result()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code, as a Task in a copy of the caller's context."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return _run_on_helper(coro)
    loop = _thread_loop()
    ready = getattr(loop, "_ready", None)  # the loop's queue of callbacks due now (asyncio's own loops)
    if not isinstance(ready, collections.deque):  # another loop implementation: its own run
        return loop.run_until_complete(coro)
    asyncio.events._set_running_loop(loop)
    try:
        task = loop.create_task(coro)
        # What one turn of the loop would run, without polling for I/O first: the Task's first step.
        for _ in range(len(ready)):
            handle = ready.popleft()
            if not handle._cancelled:
                handle._run()
    finally:
        asyncio.events._set_running_loop(None)
    if task.done():
        return task.result()
    return loop.run_until_complete(task)


def call_off_running_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``function`` from a thread with no running event loop, in the caller's context.

    LiteLLM's sync Router (and sync ``completion`` with ``fallbacks=[...]``, and other sync paths built on its
    ``run_async_function``) runs its async core on a new thread when the caller's thread runs a loop (a
    notebook, sync LiteLLM called from async code), and that thread starts with an empty context: the engine
    would no longer know the inner calls belong to the user's call, and would intercept them a second time.
    From a thread without a loop, LiteLLM runs its core on a loop in the same thread, which keeps the context."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="litellm-plugin-router") as pool:
        return pool.submit(context.run, function, *args, **kwargs).result()
