"""litellm_plugin.core.testing.settle: once drained, every logging callback of a finished call has run."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger
from litellm.litellm_core_utils.logging_worker import GLOBAL_LOGGING_WORKER

from litellm_plugin.core.testing.settle import (
    _plain_pool_busy,
    drain_litellm_logging,
    finish_litellm_background_logging,
)

pytestmark = pytest.mark.usefixtures("clean_callbacks")  # LiteLLM keeps an earlier test's loggers in its lists


class SlowLogger(CustomLogger):
    """Both success hooks, each slow: a fixed sleep after the call would have to guess how slow."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        time.sleep(0.3)
        self.events.append("sync")

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        await asyncio.sleep(0.3)
        self.events.append("async")


def _skip_unless(drained: bool) -> None:
    if not drained:
        pytest.skip("this LiteLLM release offers nothing to wait on (no logging worker flush or pool count)")


async def test_after_draining_both_hooks_have_run() -> None:
    logger = SlowLogger()
    litellm.callbacks = [logger]
    call: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    await asyncio.to_thread(litellm.completion, **call, mock_response="x")  # the sync hook, on LiteLLM's pool
    await litellm.acompletion(**call, mock_response="x")  # the async hook, on LiteLLM's logging worker
    _skip_unless(await drain_litellm_logging(timeout=10))
    assert sorted(logger.events) == ["async", "sync"]


async def test_draining_right_after_an_async_call_waits_for_its_logging() -> None:
    """LiteLLM queues an async call's logging from a task the call schedules: draining at once must see it."""
    logger = SlowLogger()
    litellm.callbacks = [logger]
    await litellm.acompletion(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], mock_response="x")
    _skip_unless(await drain_litellm_logging(timeout=10))
    assert logger.events == ["async"]


class SlowSyncLogger(CustomLogger):
    """Only the sync hook: LiteLLM runs it on its logging thread pool after a sync call has returned."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        time.sleep(0.3)
        self.events.append("sync")


def test_after_finishing_the_sync_hook_has_run() -> None:
    logger = SlowSyncLogger()
    litellm.callbacks = [logger]
    litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], mock_response="x")
    _skip_unless(finish_litellm_background_logging(timeout=10))
    assert logger.events == ["sync"]


class AsyncLogger(CustomLogger):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.events.append("async")


def test_async_logging_left_by_a_closed_event_loop_runs_when_finishing() -> None:
    """``asyncio.run`` returns before LiteLLM's async logging ran; LiteLLM keeps it for the next loop it sees,
    which would be the next test's."""
    if not hasattr(GLOBAL_LOGGING_WORKER, "_drain_pending"):
        pytest.skip("this LiteLLM release drops the logging a closed event loop left queued: nothing to run")
    logger = AsyncLogger()
    litellm.callbacks = [logger]
    call: dict[str, Any] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    asyncio.run(litellm.acompletion(**call, mock_response="x"))
    _skip_unless(finish_litellm_background_logging(timeout=10))
    assert logger.events == ["async"]


def test_a_plain_thread_pool_counts_as_busy_while_a_task_waits_or_runs() -> None:
    """Older LiteLLM releases log on a plain ThreadPoolExecutor, which keeps no count of its tasks."""
    pool = ThreadPoolExecutor(max_workers=1)
    gate = threading.Event()
    try:
        running, queued = pool.submit(gate.wait, 10), pool.submit(time.sleep, 0)
        assert _plain_pool_busy(pool) is True
        assert not queued.done()
        gate.set()
        running.result(timeout=10)
        queued.result(timeout=10)
        deadline = time.monotonic() + 10  # the thread leaves the task a moment after its result is set
        while _plain_pool_busy(pool, after=0.01) and time.monotonic() < deadline:
            pass
        assert _plain_pool_busy(pool) is False
    finally:
        gate.set()
        pool.shutdown()
