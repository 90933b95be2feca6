"""Wait for LiteLLM's background logging, instead of sleeping until it has probably finished.

LiteLLM runs success and failure callbacks after the call has returned: async ones on its logging worker (an
asyncio queue), sync ones on its logging thread pool. A test that counts callbacks must wait for both. An async
call queues its logging from a task it schedules as it returns, so draining first lets ready tasks run; once both
are empty only a stray thread could still deliver: a short quiet window afterwards covers that.

Waiting only: nothing is replaced or patched. Older releases' plain thread pool keeps no count of its tasks: it is
idle when no task is queued and none of its threads is inside one. Releases without the worker's ``flush()``
cannot be drained; :func:`drain_litellm_logging` then says so, and callers wait longer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures.thread
import importlib
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["drain_litellm_logging", "finish_litellm_background_logging"]


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:  # a LiteLLM release without it
        return None


def _executor_busy() -> bool | None:
    """Whether LiteLLM's logging thread pool has tasks queued or running; ``None`` if this LiteLLM cannot say."""
    pool = getattr(_module("litellm.litellm_core_utils.thread_pool_executor"), "executor", None)
    free = getattr(getattr(pool, "_pending_slots", None), "_value", None)
    maximum = getattr(pool, "_max_pending_tasks", None)
    if isinstance(maximum, int) and isinstance(free, int):
        return free < maximum
    if isinstance(pool, ThreadPoolExecutor):  # older releases: a plain pool, which keeps no count
        return _plain_pool_busy(pool) or _plain_pool_busy(pool, after=_PLAIN_POOL_RECHECK)
    return None


_PLAIN_POOL_RECHECK = 0.01
# The code of the method a pool thread runs a task in (the standard library's; reading only).
_RUN_CODE: types.CodeType | None = getattr(
    getattr(getattr(concurrent.futures.thread, "_WorkItem", None), "run", None), "__code__", None
)


def _plain_pool_busy(pool: ThreadPoolExecutor, after: float = 0.0) -> bool | None:
    """A task is queued, or one of the pool's threads is inside a task (read off the threads' current frames).
    A worker that has just taken a task but not yet started it looks idle: so an idle answer is asked twice,
    ``after`` seconds apart. ``None`` if this Python's pool does not look as expected."""
    queued, threads = getattr(getattr(pool, "_work_queue", None), "qsize", None), getattr(pool, "_threads", None)
    if _RUN_CODE is None or not callable(queued) or not isinstance(threads, set):
        return None
    if after:
        time.sleep(after)
    if queued():
        return True
    frames = sys._current_frames()
    for thread in list(threads):
        frame = frames.get(thread.ident) if thread.ident is not None else None
        while frame is not None:
            if frame.f_code is _RUN_CODE:
                return True
            frame = frame.f_back
    return False


_PASSES = 2  # the second catches logging queued while the first waited


async def _cancel(tasks: set[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def finish_litellm_background_logging(timeout: float = 10.0) -> bool:
    """From sync code (a fixture between tests): wait (at most ``timeout`` seconds) until LiteLLM's logging
    thread pool is idle, and run the async logging left queued by event loops that have closed
    (``asyncio.run(litellm.acompletion(...))`` returns before it ran; LiteLLM carries it over to the next loop
    it sees). LiteLLM reads its callback lists when it logs, so either would otherwise reach the next test's
    loggers. ``False`` if this LiteLLM cannot say, a wait timed out, or an event loop runs in this thread
    (then only the pool is waited for)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:  # no second loop here: only the pool can be waited for
        deadline = time.monotonic() + timeout
        while _executor_busy() and time.monotonic() < deadline:
            time.sleep(0.01)
        return False
    loop = asyncio.new_event_loop()  # its own loop: the thread's current loop (if any) stays as it is
    try:  # draining waits for the pool as well
        return loop.run_until_complete(drain_litellm_logging(timeout))
    finally:
        loop.run_until_complete(_cancel(asyncio.all_tasks(loop)))  # LiteLLM's worker, as asyncio.run would
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


async def drain_litellm_logging(timeout: float = 10.0) -> bool:
    """Wait (at most ``timeout`` seconds) until LiteLLM's logging worker has run every queued callback and its
    logging thread pool has finished every submitted task. ``False`` if this LiteLLM offers no way to tell for
    one of them (or the wait timed out): the caller should then fall back to waiting for quiet.

    Each pass first lets ready tasks run: on Python 3.12+ ``asyncio.wait_for`` does not yield before the flush."""
    deadline = time.monotonic() + timeout
    worker = getattr(_module("litellm.litellm_core_utils.logging_worker"), "GLOBAL_LOGGING_WORKER", None)
    flush, start = getattr(worker, "flush", None), getattr(worker, "start", None)
    flushed = callable(flush)
    busy: bool | None = None
    for _ in range(_PASSES):
        await asyncio.sleep(0)  # the tasks a finished call scheduled (LiteLLM's enqueue of its async logging)
        if callable(flush):
            if callable(start):  # a queue left by a closed loop: newer LiteLLM carries it over, older drops it
                start()
            try:
                await asyncio.wait_for(flush(), timeout=max(0.1, deadline - time.monotonic()))
            except (TimeoutError, asyncio.TimeoutError):
                flushed = False
            except RuntimeError:  # older LiteLLM: its queue is bound to a loop that has closed; nothing to join
                flush, flushed = None, False
        busy = _executor_busy()
        while busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
            busy = _executor_busy()
    return flushed and busy is False
