"""Cost of running a coroutine from a sync LiteLLM call: the engine's ``run_sync`` against asyncio's own way.

``run_sync`` runs each coroutine as a real Task (``asyncio.timeout``, httpx and aiohttp need one) and takes its
first step without an event-loop turn; the baseline, ``loop.run_until_complete``, polls for I/O first
(``select()``), which releases the GIL: with another thread busy (LiteLLM's logging threads on a sync call),
getting it back can take a whole switch interval. Measured idle and with a thread spinning, on a coroutine that
never waits (most hooks) and on one that waits once (``asyncio.sleep(0)``). Prints per-call times and the
baseline / ``run_sync`` ratio (above 1: ``run_sync`` is faster).

    uv run python benchmarks/bench_sync_bridge.py [--seconds 1.0]
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import argparse
import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

from litellm_plugin.core._sync import run_sync


async def returns_at_once() -> int:
    return 1


async def waits_once() -> int:
    await asyncio.sleep(0)
    return 1


def per_call(
    run: Callable[[Coroutine[Any, Any, int]], int], make: Callable[[], Coroutine[Any, Any, int]], seconds: float
) -> float:
    """Microseconds per call, over ``seconds`` of calls."""
    calls = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            run(make())
        calls += 100
    return elapsed / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.0, help="per measurement")
    args = parser.parse_args()
    loop = asyncio.new_event_loop()
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(100))

    for load in ("idle", "busy thread"):
        spinner = threading.Thread(target=spin, daemon=True) if load != "idle" else None
        if spinner is not None:
            spinner.start()
        for name, make in (("returns at once", returns_at_once), ("waits once", waits_once)):
            ours = per_call(run_sync, make, args.seconds)
            baseline = per_call(loop.run_until_complete, make, args.seconds)
            print(
                f"{load:11} {name:15}: run_sync {ours:6.1f} us   run_until_complete {baseline:6.1f} us   "
                f"ratio {baseline / ours:5.2f}"
            )
        if spinner is not None:
            stop.set()
            spinner.join()
            stop.clear()
    loop.close()


if __name__ == "__main__":
    main()
