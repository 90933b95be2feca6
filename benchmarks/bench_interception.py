"""Cost of the interception engine: a chain of interceptors versus none.

Chains (``--chain``): ``modify`` is three no-op modifying interceptors (target >= 0.99: interceptors that
implement no observe-only hook stay out of LiteLLM's observer lists); ``issue`` is ResponseModifier +
ContentFilter with 1 000 blocked words + RequestLogger (target >= 0.97); ``plain`` is LiteLLM's own floor for
comparison: three plain ``CustomLogger`` objects that observe and do nothing. Same process, same provider, rounds
alternating between the two set-ups, so background load hits both alike. Prints per-path medians of
throughput ratios (chain/none) on ``acompletion`` and on sync ``completion``.

``--engine-only`` adds a third set-up, measured in the same rounds: the chain run by the engine but absent
from ``litellm.callbacks`` (not a way to use the library: the engine is told of the chain directly). Its
ratio is the engine's own cost; the gap to the chain's ratio is what LiteLLM spends per entry of
``litellm.callbacks`` (its deployment hooks, agentic-loop check, guardrail scan and list copies).

    uv run python benchmarks/bench_interception.py [--chain modify|issue|plain] [--rounds 7] [--calls 300]
    uv run python benchmarks/bench_interception.py --chain modify --engine-only
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import argparse
import asyncio
import gc
import logging
import statistics
import sys
import threading
import time
import types
from typing import Any

import litellm
from litellm.integrations.custom_logger import CustomLogger

from litellm_plugin.core import BaseCustomLogger, BaseCustomProvider, PluginRegistry, TextTransform, interception


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


class PlainObserver(CustomLogger):
    """LiteLLM's own base class, observing and doing nothing: what any callback costs in LiteLLM."""

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        return None


MESSAGES = [{"role": "user", "content": "benchmark"}]
# LiteLLM's observer lists: emptied for runs without a chain (LiteLLM never takes a plain CustomLogger out).
OBSERVER_LISTS = (
    "input_callback",
    "success_callback",
    "failure_callback",
    "_async_success_callback",
    "_async_failure_callback",
)


def make_chain(name: str) -> list[CustomLogger]:
    if name == "plain":
        return [PlainObserver(), PlainObserver(), PlainObserver()]
    if name == "modify":
        return [NoOpModifier(), NoOpModifier(), NoOpModifier()]
    from litellm_plugin.loggers.filters import ContentFilter, RequestLogger, ResponseModifier

    blocked = [f"blockedword{i}" for i in range(1000)]
    logging.getLogger("litellm_plugin.loggers.filters").setLevel(logging.WARNING)  # measure, do not print
    return [ResponseModifier(), ContentFilter(blocked), RequestLogger()]


Rate = tuple[float, float]  # calls per wall-clock second, calls per CPU second of this process


async def settle_logging() -> None:
    """Wait for the success handlers LiteLLM queued for this round's calls: each set-up pays for its own
    logging, none of it spills into the next round (which belongs to the other set-up)."""
    try:
        from litellm.litellm_core_utils.logging_worker import GLOBAL_LOGGING_WORKER
    except ImportError:  # a LiteLLM release without the worker runs its handlers as plain tasks
        await asyncio.sleep(0)
        return
    await GLOBAL_LOGGING_WORKER.flush()


async def async_round(model: str, calls: int, concurrency: int) -> Rate:
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            await litellm.acompletion(model=model, messages=MESSAGES)

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one() for _ in range(calls)))
    await settle_logging()
    return calls / (time.perf_counter() - start), calls / (time.process_time() - cpu)


def sync_round(model: str, calls: int) -> Rate:
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        litellm.completion(model=model, messages=MESSAGES)
    return calls / (time.perf_counter() - start), calls / (time.process_time() - cpu)


def count_instructions(model: str, calls: int) -> float:
    """Python bytecode instructions executed per ``acompletion``, in every thread, LiteLLM's logging included.

    Unlike a time, this count hardly moves from run to run: it shows a change of a few tenths of a percent
    that timing rounds on a shared machine cannot. It leaves out work done in C (pydantic, regex, dict
    copies), so it is a guide to where Python time goes, not a substitute for the ratios."""
    count = 0

    def tracer(frame: types.FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True

        def per_instruction(frame: types.FrameType, event: str, arg: Any) -> Any:
            nonlocal count
            if event == "opcode":
                count += 1
            return per_instruction

        return per_instruction

    async def traced() -> None:
        threading.settrace(tracer)
        sys.settrace(tracer)
        try:
            for _ in range(calls):
                await litellm.acompletion(model=model, messages=MESSAGES)
            await settle_logging()
        finally:
            sys.settrace(None)
            threading.settrace(None)

    asyncio.run(traced())
    return count / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=200, help="async calls per round and set-up")
    parser.add_argument("--sync-calls", type=int, default=100, help="sync calls per round and set-up")
    parser.add_argument("--warmup", type=int, default=300, help="async calls per set-up before measuring")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--chain", choices=("modify", "issue", "plain"), default="modify")
    parser.add_argument(
        "--instructions",
        type=int,
        default=0,
        metavar="CALLS",
        help="instead of timing: count Python bytecode instructions per acompletion over CALLS calls",
    )
    parser.add_argument(
        "--engine-only",
        action="store_true",
        help="also measure the chain run by the engine while absent from litellm.callbacks (see above)",
    )
    args = parser.parse_args()
    chain = make_chain(args.chain)

    registry = PluginRegistry()
    registry.register("bench", QuickProvider)
    registry.initialize()
    model = "bench/m"
    litellm.suppress_debug_info = True

    setups = ["none", "chain", "engine-only"] if args.engine_only else ["none", "chain"]
    engine_only = False
    active_interceptors = interception._active_interceptors

    def told_directly(kwargs: dict[str, Any]) -> list[BaseCustomLogger]:
        return [i for i in chain if isinstance(i, BaseCustomLogger)] if engine_only else active_interceptors(kwargs)

    interception._active_interceptors = told_directly  # only ``--engine-only`` changes what it answers

    def set_up(name: str) -> None:
        nonlocal engine_only
        engine_only = name == "engine-only"
        litellm.callbacks = list(chain) if name == "chain" else []
        if name != "chain":
            for list_name in OBSERVER_LISTS:
                setattr(litellm, list_name, [])

    if args.instructions:
        counts = {}
        for name in setups:
            set_up(name)
            asyncio.run(async_round(model, args.warmup, args.concurrency))  # warm: lazy imports, caches
            counts[name] = count_instructions(model, args.instructions)
        print(
            f"{args.chain} chain ({', '.join(type(i).__name__ for i in chain)}), Python instructions per acompletion:"
        )
        print(
            f"  none {counts['none']:.0f}   "
            + "   ".join(
                f"{name} {counts[name]:.0f} +{counts[name] - counts['none']:.0f} "
                f"({100 * (counts[name] - counts['none']) / counts['none']:.2f} %)"
                for name in setups[1:]
            )
        )
        return

    # path -> set-up -> per-round (wall, cpu) rates
    rates: dict[str, dict[str, list[Rate]]] = {
        "acompletion": {name: [] for name in setups},
        "completion (sync)": {name: [] for name in setups},
    }

    async def run() -> None:
        for name in setups:  # warm up every set-up
            set_up(name)
            await async_round(model, args.warmup, args.concurrency)
            await asyncio.to_thread(sync_round, model, max(1, args.warmup // 3))
        # LiteLLM's import leaves a large heap: a full collection landing in one round would decide that round
        # alone. Frozen, the objects made so far are no longer traversed; what the calls allocate still is.
        gc.collect()
        gc.freeze()
        for index in range(args.rounds):
            for name in setups if index % 2 == 0 else setups[::-1]:
                set_up(name)
                rates["acompletion"][name].append(await async_round(model, args.calls, args.concurrency))
                rates["completion (sync)"][name].append(await asyncio.to_thread(sync_round, model, args.sync_calls))
            print(
                f"round {index + 1}: "
                + ", ".join(
                    f"{path} " + " -> ".join(f"{r[name][-1][0]:5.0f}" for name in setups) + " calls/s"
                    for path, r in rates.items()
                )
            )

    asyncio.run(run())
    target = {"modify": "0.99", "issue": "0.97", "plain": "none: LiteLLM's floor"}[args.chain]
    print(f"\n{args.chain} chain ({', '.join(type(i).__name__ for i in chain)}) / none (medians; target >= {target}):")
    for path, by_setup in rates.items():
        none = statistics.median(r[0] for r in by_setup["none"])
        for name in setups[1:]:
            pairs = list(zip(by_setup["none"], by_setup[name], strict=True))
            wall = statistics.median(c[0] / n[0] for n, c in pairs)
            cpu = statistics.median(c[1] / n[1] for n, c in pairs)
            print(
                f"  {path:18} {name:11} wall-clock ratio {wall:.3f}   CPU-time ratio {cpu:.3f}   "
                f"(none: {none:.0f} calls/s)"
            )


if __name__ == "__main__":
    main()
