"""Cost of the interception engine: a chain of three no-op modifying interceptors versus none.

Same process, same provider, rounds alternating between the two set-ups, so background load hits both
alike. Prints per-path medians of throughput ratios (target: chain/none >= 0.90 on async and on sync).

    uv run python benchmarks/bench_interception.py [--rounds 7] [--calls 300] [--sync-calls 200]
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import argparse
import asyncio
import statistics
import time
from typing import Any

import litellm

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider, PluginRegistry, TextTransform


class QuickProvider(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        return self.make_response(model, messages, "ok " + self.last_user_text(messages))

    async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        return self.completion(model, messages)


class NoOpModifier(BaseCustomLogger):
    """Implements every modifying hook, changes nothing: the cost measured is the engine's."""

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        return data

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        return response

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return TextTransform()


MESSAGES = [{"role": "user", "content": "benchmark"}]
CHAIN = [NoOpModifier(), NoOpModifier(), NoOpModifier()]


async def async_round(model: str, calls: int, concurrency: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            await litellm.acompletion(model=model, messages=MESSAGES)

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    return calls / (time.perf_counter() - start)


def sync_round(model: str, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        litellm.completion(model=model, messages=MESSAGES)
    return calls / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300, help="async calls per round and set-up")
    parser.add_argument("--sync-calls", type=int, default=200, help="sync calls per round and set-up")
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()

    registry = PluginRegistry()
    registry.register("bench", QuickProvider)
    registry.initialize()
    model = "bench/m"
    litellm.suppress_debug_info = True

    def set_chain(on: bool) -> None:
        litellm.callbacks = list(CHAIN) if on else []

    ratios: dict[str, list[float]] = {"acompletion": [], "completion (sync)": []}
    rates: dict[str, list[float]] = {"none": [], "chain": [], "sync none": [], "sync chain": []}

    async def run() -> None:
        for on in (False, True):  # warm up both set-ups
            set_chain(on)
            await async_round(model, 50, args.concurrency)
            await asyncio.to_thread(sync_round, model, 20)
        for index in range(args.rounds):
            order = (False, True) if index % 2 == 0 else (True, False)
            got: dict[bool, tuple[float, float]] = {}
            for on in order:
                set_chain(on)
                async_rate = await async_round(model, args.calls, args.concurrency)
                sync_rate = await asyncio.to_thread(sync_round, model, args.sync_calls)
                got[on] = (async_rate, sync_rate)
            rates["none"].append(got[False][0])
            rates["chain"].append(got[True][0])
            rates["sync none"].append(got[False][1])
            rates["sync chain"].append(got[True][1])
            ratios["acompletion"].append(got[True][0] / got[False][0])
            ratios["completion (sync)"].append(got[True][1] / got[False][1])
            print(
                f"round {index + 1}: async {got[False][0]:7.0f} vs {got[True][0]:7.0f} calls/s, "
                f"sync {got[False][1]:6.0f} vs {got[True][1]:6.0f} calls/s"
            )

    asyncio.run(run())
    print()
    for key, values in rates.items():
        print(f"{key:>12}: median {statistics.median(values):8.0f} calls/s")
    for path, values in ratios.items():
        print(f"three no-op interceptors / none, {path}: median ratio {statistics.median(values):.3f} (target >= 0.90)")


if __name__ == "__main__":
    main()
