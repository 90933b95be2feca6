"""Throughput and latency of the real LiteLLM proxy: built-in ``mock_response`` vs echo vs echo + every plugin.

Two proxies run side by side on 127.0.0.1 (``litellm --config``, one worker each, random master key):

* **bare** - no callbacks, no guardrails: ``mock-response`` (``openai/fake`` with LiteLLM's built-in
  ``mock_response``, the baseline) and ``echo`` (the echo provider through ``custom_provider_map``);
* **chain** - ``echo`` with the full plugin chain of ``examples/proxy``: the ContentFilter guardrail (mask,
  default on), ResponseModifier and RequestLogger callbacks (``examples/proxy/plugins.py``, one log line per call).

Callbacks and default-on guardrails apply to every model of a proxy, which is why the baseline needs a proxy
of its own. An async httpx client sends the same chat request (``--concurrency`` in flight) to each scenario in
interleaved rounds, the order rotating each round, so background load hits all three alike. Printed per
scenario: median requests/s over the rounds, p50/p95 latency over all requests, the p50 of LiteLLM's
``x-litellm-overhead-duration-ms`` and ``x-litellm-response-duration-ms`` headers, and the median per-round
ratio against the ``mock_response`` baseline (target for the full chain: >= 0.90).

    uv run python benchmarks/bench_proxy.py                          # 5 rounds x 300 requests per scenario
    uv run python benchmarks/bench_proxy.py --rounds 3 --requests 200 --concurrency 8 --max-seconds 120
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # for the proxies this script starts

import argparse
import asyncio
import contextlib
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from litellm_plugin.core.testing.servers import ServerProcess, run_proxy

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "proxy"
PROMPT = "Benchmark the proxy, and no spam please."
ECHO_REPLY = f"Echo: {PROMPT}"
CHAIN_REPLY = "[Verified] Echo: Benchmark the proxy, and no [FILTERED] please."

PROVIDERS = """
litellm_settings:
  custom_provider_map:
    - provider: echo
      custom_handler: litellm_plugin.providers.echo.echo_provider
"""

BARE_CONFIG = f"""
model_list:
  - model_name: mock-response
    litellm_params:
      model: openai/fake
      api_key: fake-key
      mock_response: "{ECHO_REPLY}"
  - model_name: echo
    litellm_params:
      model: echo/echo-model
{PROVIDERS}"""

GUARDRAIL = """
guardrails:
  - guardrail_name: content-filter
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: post_call
      default_on: true
      action: mask
      replacement: "[FILTERED]"
      blocked_words:
        - {keyword: spam, action: MASK}
        - {keyword: advertisement, action: MASK}
        - {keyword: buy now, action: MASK}
"""


def chain_config(callbacks: list[str], guardrail: bool) -> str:
    """A proxy serving ``echo`` with some of the example's plugins."""
    config = f"""
model_list:
  - model_name: echo
    litellm_params:
      model: echo/echo-model
{PROVIDERS}"""
    if callbacks:
        config += "  callbacks:\n" + "".join(f"    - plugins.{name}\n" for name in callbacks)
    return config + (GUARDRAIL if guardrail else "")


CONFIGS = {
    "bare": BARE_CONFIG,
    "chain": chain_config(["response_modifier", "request_logger"], guardrail=True),
    # --breakdown: one plugin at a time
    "guardrail": chain_config([], guardrail=True),
    "modifier": chain_config(["response_modifier"], guardrail=False),
    "logger": chain_config(["request_logger"], guardrail=False),
}


@dataclass
class Scenario:
    name: str
    proxy: str  # "bare" or "chain"
    model: str
    expected: str
    rps: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # proxy CPU time per request, one value per round
    latencies_ms: list[float] = field(default_factory=list)
    overhead_ms: list[float] = field(default_factory=list)
    response_ms: list[float] = field(default_factory=list)


SCENARIOS = [
    Scenario("mock_response (baseline)", "bare", "mock-response", ECHO_REPLY),
    Scenario("echo", "bare", "echo", ECHO_REPLY),
    Scenario("echo + full chain", "chain", "echo", CHAIN_REPLY),
]
BREAKDOWN = [
    Scenario(
        "echo + ContentFilter guardrail only",
        "guardrail",
        "echo",
        "Echo: Benchmark the proxy, and no [FILTERED] please.",
    ),
    Scenario("echo + ResponseModifier only", "modifier", "echo", f"[Verified] {ECHO_REPLY}"),
    Scenario("echo + RequestLogger only", "logger", "echo", ECHO_REPLY),
]


@contextlib.contextmanager
def proxies(names: list[str]) -> Iterator[dict[str, ServerProcess]]:
    """Start one proxy per name (configs in a temporary folder, each next to a copy of the example's plugins.py)."""
    with tempfile.TemporaryDirectory(prefix="bench-proxy-") as tmp, contextlib.ExitStack() as stack:
        started: dict[str, ServerProcess] = {}
        for name in names:
            folder = Path(tmp) / name
            folder.mkdir()
            shutil.copy(EXAMPLE / "plugins.py", folder / "plugins.py")
            (folder / "config.yaml").write_text(CONFIGS[name], encoding="utf-8")
            began = time.monotonic()
            started[name] = stack.enter_context(run_proxy(folder / "config.yaml"))
            print(f"  {name} proxy ready on {started[name].base_url} after {time.monotonic() - began:.0f}s")
        yield started


_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def proxy_cpu_ms(server: ServerProcess) -> float:
    """CPU time (user + system) used so far by the proxy's processes (its process group), from /proc.

    Throughput on a shared machine moves with whatever else runs; the CPU time the proxy itself spends per
    request does much less, so it is reported next to requests/s.
    """
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        # after "pid (comm)": state ppid pgrp session ... utime(12th) stime(13th)
        if int(fields[2]) == server.process.pid:
            total += int(fields[11]) + int(fields[12])
    return total * _TICK_MS


def _header_ms(response: httpx.Response, name: str) -> float | None:
    try:
        return float(response.headers[name])
    except (KeyError, ValueError):
        return None


async def run_round(
    client: httpx.AsyncClient, server: ServerProcess, scenario: Scenario, requests: int, concurrency: int, record: bool
) -> None:
    """Send ``requests`` chat requests, ``concurrency`` at a time; check each reply; record the figures."""
    url = f"{server.base_url}/v1/chat/completions"
    headers = {"Authorization": f"Bearer {server.env['LITELLM_MASTER_KEY']}"}
    body = {"model": scenario.model, "messages": [{"role": "user", "content": PROMPT}]}
    remaining = iter(range(requests))
    latencies: list[float] = []

    async def worker() -> None:
        for _ in remaining:
            began = time.perf_counter()
            response = await client.post(url, json=body, headers=headers)
            latencies.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{scenario.name}: HTTP {response.status_code}: {response.text[:300]}")
            reply = response.json()["choices"][0]["message"]["content"]
            if reply != scenario.expected:
                raise RuntimeError(f"{scenario.name}: unexpected reply {reply!r} (expected {scenario.expected!r})")
            if record:
                overhead = _header_ms(response, "x-litellm-overhead-duration-ms")
                total = _header_ms(response, "x-litellm-response-duration-ms")
                if overhead is not None:
                    scenario.overhead_ms.append(overhead)
                if total is not None:
                    scenario.response_ms.append(total)

    cpu_before = proxy_cpu_ms(server)
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    if record:
        scenario.rps.append(requests / elapsed)
        scenario.cpu_ms.append((proxy_cpu_ms(server) - cpu_before) / requests)
        scenario.latencies_ms.extend(latencies)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _fmt_ms(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "not sent"


def report(scenarios: list[Scenario], rounds_done: int, args: argparse.Namespace) -> None:
    baseline, chain = scenarios[0], scenarios[2]

    def ratios(scenario: Scenario) -> list[float]:
        return [mine / base for mine, base in zip(scenario.rps, baseline.rps, strict=True)]

    def cpu_ratio(scenario: Scenario) -> float:
        """Capacity relative to the baseline from CPU time: baseline CPU per request / this one's."""
        return statistics.median(baseline.cpu_ms) / statistics.median(scenario.cpu_ms)

    print(
        f"\n{rounds_done} rounds x {args.requests} requests per scenario, {args.concurrency} in flight "
        f"(1 proxy worker each):\n"
    )
    print(
        "| scenario | req/s (median) | ratio | proxy CPU ms/request | CPU ratio | p50 ms | p95 ms "
        "| overhead header p50 ms | response header p50 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scenario in scenarios:
        print(
            f"| {scenario.name} | {statistics.median(scenario.rps):.1f} | {statistics.median(ratios(scenario)):.2f} "
            f"| {statistics.median(scenario.cpu_ms):.2f} | {cpu_ratio(scenario):.2f} "
            f"| {_percentile(scenario.latencies_ms, 0.50):.1f} | {_percentile(scenario.latencies_ms, 0.95):.1f} "
            f"| {_fmt_ms(scenario.overhead_ms)} | {_fmt_ms(scenario.response_ms)} |"
        )
    ratio = statistics.median(ratios(chain))
    per_round = ", ".join(f"{value:.2f}" for value in ratios(chain))
    verdict = "meets" if ratio >= 0.90 else "MISSES"
    print(f"\nfull chain / mock_response: {ratio:.2f} req/s (per round: {per_round}) - {verdict} the >= 0.90 target")
    print(
        f"full chain / mock_response by proxy CPU per request: {cpu_ratio(chain):.2f} "
        f"({statistics.median(chain.cpu_ms):.2f} vs {statistics.median(baseline.cpu_ms):.2f} ms)"
    )
    if not any(scenario.overhead_ms for scenario in scenarios):
        print(
            "x-litellm-overhead-duration-ms: not sent for these models. LiteLLM computes it as total time minus "
            "the provider call it timed (`llm_api_duration_ms`), which only its built-in HTTP handlers record; "
            "`mock_response` and custom providers never set it, so LiteLLM leaves the header out."
        )


async def bench(args: argparse.Namespace, scenarios: list[Scenario], servers: dict[str, ServerProcess]) -> int:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        print(f"  warm-up: {args.warmup} requests per scenario")
        for scenario in scenarios:
            await run_round(client, servers[scenario.proxy], scenario, args.warmup, args.concurrency, record=False)
        deadline = time.monotonic() + args.max_seconds
        rounds_done = 0
        for index in range(args.rounds):
            if rounds_done and time.monotonic() > deadline:
                print(f"  --max-seconds reached: stopping after {rounds_done} rounds")
                break
            shift = index % len(scenarios)
            for scenario in scenarios[shift:] + scenarios[:shift]:
                await run_round(client, servers[scenario.proxy], scenario, args.requests, args.concurrency, record=True)
            rounds_done += 1
            figures = ", ".join(
                f"{scenario.name}: {scenario.rps[-1]:.0f}/s {scenario.cpu_ms[-1]:.1f} ms CPU" for scenario in scenarios
            )
            print(f"  round {rounds_done}: {figures}")
        return rounds_done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=300, help="requests per round and scenario")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured requests per scenario first")
    parser.add_argument("--max-seconds", type=float, default=300, help="no new round after this many seconds")
    parser.add_argument("--breakdown", action="store_true", help="also measure each plugin alone (three more proxies)")
    args = parser.parse_args()
    if min(args.rounds, args.requests, args.concurrency) < 1 or args.warmup < 0:
        parser.error("--rounds, --requests and --concurrency must be >= 1, --warmup >= 0")
    scenarios = SCENARIOS + (BREAKDOWN if args.breakdown else [])
    names = list(dict.fromkeys(scenario.proxy for scenario in scenarios))
    print(f"starting {len(names)} proxies: {', '.join(names)}")
    with proxies(names) as servers:
        rounds_done = asyncio.run(bench(args, scenarios, servers))
    report(scenarios, rounds_done, args)


if __name__ == "__main__":
    main()
