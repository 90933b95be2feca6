"""Throughput of MockAPIProvider versus LiteLLM's built-in ``openai/`` provider, against one mock API server.

Both clients call the same uvicorn server (``litellm-plugin-mock-api serve`` in a subprocess on 127.0.0.1),
in the same run, in interleaved rounds, so machine noise hits both alike. Scenarios: async non-stream and
async stream (``--concurrency`` requests in flight), sync non-stream and sync stream (one at a time), and
the two async scenarios again with a tool in the request (``tool_choice: required``: the reply is a tool call).
Printed: median requests/s per side and the ratio mock_api / openai (target: >= 1.0).

    uv run python benchmarks/bench_mock_api.py                    # defaults: 5 rounds, 400 async requests
    uv run python benchmarks/bench_mock_api.py --rounds 3 --requests 200 --concurrency 20
    uv run python benchmarks/bench_mock_api.py --api-base http://127.0.0.1:8000/v1   # a running server
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import litellm

from litellm_plugin.core import PluginRegistry
from litellm_plugin.providers.mock_api import MockAPIProvider
from litellm_plugin.providers.mock_api.testing import serve_mock_api

MESSAGES = [{"role": "user", "content": "Benchmark the mock API, please."}]
API_KEY = "test-key"
SIDES = {"mock_api": "mock_api/gpt-mock", "openai": "openai/gpt-mock"}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
                "required": ["city", "unit"],
            },
        },
    }
]


@contextmanager
def mock_server() -> Iterator[str]:
    """The server on a free port (no access log), its ``/v1`` base URL; always stopped."""
    with serve_mock_api("--log-level", "warning", api_key=API_KEY) as server:
        yield f"{server.base_url}/v1"


def call_kwargs(side: str, api_base: str, stream: bool, max_tokens: int, tools: bool = False) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": SIDES[side],
        "messages": MESSAGES,
        "api_base": api_base,
        "api_key": API_KEY,
        "max_tokens": max_tokens,
        "stream": stream,
    }
    if tools:
        kwargs.update(tools=TOOLS, tool_choice="required")
    return kwargs


async def async_once(kwargs: dict[str, Any]) -> None:
    response = await litellm.acompletion(**kwargs)
    if kwargs.get("tools"):
        if kwargs["stream"]:
            chunks = [chunk async for chunk in response]
            calls = [c for chunk in chunks if chunk.choices for c in chunk.choices[0].delta.tool_calls or []]
            name = calls[0].function.name if calls else None
        else:
            name = response.choices[0].message.tool_calls[0].function.name
        assert name == "get_weather", name
        return
    if kwargs["stream"]:
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in response if chunk.choices])
    else:
        text = response.choices[0].message.content or ""
    assert text.startswith("Mock reply"), text[:80]


def sync_once(kwargs: dict[str, Any]) -> None:
    response = litellm.completion(**kwargs)
    if kwargs["stream"]:
        text = "".join(chunk.choices[0].delta.content or "" for chunk in response if chunk.choices)
    else:
        text = response.choices[0].message.content or ""
    assert text.startswith("Mock reply"), text[:80]


async def async_throughput(kwargs: dict[str, Any], requests: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            await async_once(kwargs)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(requests)))
    return requests / (time.perf_counter() - started)


def sync_throughput(kwargs: dict[str, Any], requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        sync_once(kwargs)
    return requests / (time.perf_counter() - started)


async def run(args: argparse.Namespace, api_base: str) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {}
    scenarios: list[tuple[str, bool, bool, Callable[[dict[str, Any]], Awaitable[float]]]] = [
        ("async non-stream", False, False, lambda kw: async_throughput(kw, args.requests, args.concurrency)),
        ("async stream", True, False, lambda kw: async_throughput(kw, args.requests, args.concurrency)),
        ("sync non-stream", False, False, lambda kw: asyncio.to_thread(sync_throughput, kw, args.sync_requests)),
        ("sync stream", True, False, lambda kw: asyncio.to_thread(sync_throughput, kw, args.sync_requests)),
        ("async tools", False, True, lambda kw: async_throughput(kw, args.requests, args.concurrency)),
        ("async tools stream", True, True, lambda kw: async_throughput(kw, args.requests, args.concurrency)),
    ]
    # Warm both paths (client pools, imports, LiteLLM caches) before measuring.
    for side in SIDES:
        for stream in (False, True):
            kwargs = call_kwargs(side, api_base, stream, args.max_tokens)
            await async_throughput(kwargs, 2 * args.concurrency, args.concurrency)
            await asyncio.to_thread(sync_throughput, kwargs, 5)
            await async_throughput(call_kwargs(side, api_base, stream, args.max_tokens, True), 20, 10)
    for round_number in range(args.rounds):
        order = list(SIDES) if round_number % 2 == 0 else list(reversed(SIDES))
        for name, stream, tools, measure in scenarios:
            for side in order:
                rate = await measure(call_kwargs(side, api_base, stream, args.max_tokens, tools))
                results.setdefault(name, {}).setdefault(side, []).append(rate)
        print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
    return results


def report(results: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> None:
    transport = "httpx" if litellm.disable_aiohttp_transport else "aiohttp (LiteLLM default)"
    print(
        f"\nMockAPIProvider vs litellm openai/ — same server, {args.rounds} interleaved rounds, "
        f"async: {args.requests} requests at concurrency {args.concurrency}, sync: {args.sync_requests} "
        f"sequential; max_tokens={args.max_tokens}; async transport: {transport}"
    )
    print(f"{'scenario':<20} {'mock_api req/s':>15} {'openai req/s':>13} {'ratio':>7}")
    for name, sides in results.items():
        ours, theirs = statistics.median(sides["mock_api"]), statistics.median(sides["openai"])
        print(f"{name:<20} {ours:>15.1f} {theirs:>13.1f} {ours / theirs:>7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=400, help="async requests per measurement")
    parser.add_argument("--sync-requests", type=int, default=100, help="sync requests per measurement")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--api-base", help="use this running server instead of starting one")
    parser.add_argument(
        "--httpx-transport",
        action="store_true",
        help="set litellm.disable_aiohttp_transport (both sides then use httpx's async transport)",
    )
    args = parser.parse_args()

    litellm.suppress_debug_info = True
    litellm.disable_aiohttp_transport = args.httpx_transport
    provider = MockAPIProvider()
    registry = PluginRegistry()
    registry.register("mock_api", provider)
    registry.initialize()
    try:
        if args.api_base:
            results = asyncio.run(run(args, args.api_base))
        else:
            with mock_server() as api_base:
                results = asyncio.run(run(args, api_base))
    finally:
        registry.unregister("mock_api")
        provider.close()
    report(results, args)


if __name__ == "__main__":
    main()
