"""Every endpoint: the bundled interceptors' cost beyond chat, and the payload views' per-chunk cost.

1. P2 per endpoint: ResponseModifier + ContentFilter (1k words) + RequestLogger versus none, on
   ``acompletion``, ``aresponses`` and ``atext_completion`` (rounds alternate; medians of ratios).
2. ContentFilter per stream piece: a Responses API stream (delta events, then the ``*.done`` events and
   ``response.completed`` that repeat the text) versus a chat stream of the same text, through the same
   :class:`StreamRewriter` (target: Responses within 2x of chat).

    uv run python benchmarks/bench_endpoints.py [--rounds 7] [--calls 200] [--chunks 2000] [--log-records]
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import argparse
import asyncio
import logging
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import litellm
from litellm.types.llms.openai import ResponsesAPIStreamEvents
from litellm.types.utils import Delta, ModelResponseStream, StreamingChoices

from litellm_plugin.core import BaseCustomProvider, PluginRegistry
from litellm_plugin.core.payloads import StreamRewriter
from litellm_plugin.loggers.filters import ContentFilter, RequestLogger, ResponseModifier

WORDS = [f"blockedword{i}" for i in range(1000)]


class QuickProvider(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        return self.make_response(model, messages, "ok spam " + self.last_user_text(messages))

    async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> litellm.ModelResponse:
        return self.completion(model, messages)


def _interceptors(log_records: bool) -> list[Any]:
    """P2's set. ``log_records``: RequestLogger builds and emits every record (to a NullHandler); by default its
    logger is at WARNING, as in bench_interception.py, so the figure is the engine's, not logging's."""
    log = logging.getLogger("litellm_plugin.loggers.filters")
    log.setLevel(logging.INFO if log_records else logging.WARNING)
    log.addHandler(logging.NullHandler())
    return [ResponseModifier(prefix="[V] "), ContentFilter(blocked_words=["spam", *WORDS]), RequestLogger()]


async def _rate(call: Callable[[], Awaitable[Any]], calls: int, concurrency: int = 20) -> float:
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with semaphore:
            await call()

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    return calls / (time.perf_counter() - start)


def bench_calls(rounds: int, calls: int, log_records: bool) -> None:
    registry = PluginRegistry()
    registry.register("bench", QuickProvider)
    registry.initialize()
    model = "bench/m"
    litellm.suppress_debug_info = True
    chain = _interceptors(log_records)
    paths: dict[str, Callable[[], Awaitable[Any]]] = {
        "acompletion": lambda: litellm.acompletion(model=model, messages=[{"role": "user", "content": "hi"}]),
        "aresponses": lambda: litellm.aresponses(model=model, input="hi"),
        "atext_completion": lambda: litellm.atext_completion(model=model, prompt="hi"),
    }
    rates: dict[str, dict[bool, list[float]]] = {path: {False: [], True: []} for path in paths}

    async def run() -> None:
        for on in (False, True):  # warm up
            litellm.callbacks = list(chain) if on else []
            for call in paths.values():
                await _rate(call, 30)
        for index in range(rounds):
            for on in (False, True) if index % 2 == 0 else (True, False):
                litellm.callbacks = list(chain) if on else []
                for path, call in paths.items():
                    rates[path][on].append(await _rate(call, calls))
            print(
                f"round {index + 1}: "
                + ", ".join(f"{p} {r[False][-1]:4.0f}->{r[True][-1]:4.0f}/s" for p, r in rates.items())
            )

    asyncio.run(run())
    litellm.callbacks = []
    print("\nP2 per endpoint: three bundled interceptors / none (median of per-round ratios; target >= 0.90)")
    for path, by_setup in rates.items():
        ratio = statistics.median(c / n for n, c in zip(by_setup[False], by_setup[True], strict=True))
        print(f"  {path:17} {ratio:.3f}   (none: {statistics.median(by_setup[False]):.0f} calls/s)")


def _chat_chunks(pieces: list[str]) -> list[ModelResponseStream]:
    return [ModelResponseStream(choices=[StreamingChoices(index=0, delta=Delta(content=p))]) for p in pieces]


def _responses_events(pieces: list[str]) -> list[Any]:
    from litellm.types.llms.openai import OutputTextDeltaEvent

    return [
        OutputTextDeltaEvent(
            type=ResponsesAPIStreamEvents.OUTPUT_TEXT_DELTA, item_id="i", output_index=0, content_index=0, delta=p
        )
        for p in pieces
    ]


def _per_piece(make: Callable[[list[str]], list[Any]], pieces: list[str], content_filter: ContentFilter) -> float:
    """Microseconds per stream piece through ContentFilter's StreamRewriter (best of 5)."""
    best = float("inf")
    for _ in range(5):
        items = make(pieces)  # fresh objects: the rewriter changes them in place
        transform_for = content_filter.transform_for({})
        assert transform_for is not None
        rewriter = StreamRewriter(transform_for)
        start = time.perf_counter()
        for item in items:
            rewriter.rewrite(item)
        rewriter.finish()
        best = min(best, (time.perf_counter() - start) / len(items) * 1e6)
    return best


def bench_pieces(chunks: int) -> None:
    content_filter = ContentFilter(blocked_words=["spam", *WORDS])
    text = "the quick brown fox says spam to the lazy dog while buying things " * (chunks // 12 + 1)
    pieces = [text[i : i + 5] for i in range(0, 5 * chunks, 5)]
    chat = _per_piece(_chat_chunks, pieces, content_filter)
    responses = _per_piece(_responses_events, pieces, content_filter)
    print(f"\nContentFilter per stream piece ({len(pieces)} pieces of 5 characters, 1k blocked words):")
    print(f"  chat chunks            {chat:6.1f} us")
    print(f"  Responses delta events {responses:6.1f} us   ratio {responses / chat:.2f} (target <= 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--log-records", action="store_true", help="RequestLogger emits every record (INFO)")
    args = parser.parse_args()
    bench_pieces(args.chunks)
    bench_calls(args.rounds, args.calls, args.log_records)


if __name__ == "__main__":
    main()
