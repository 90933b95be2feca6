"""Provider overhead: EchoProvider through the framework vs. a bare ``litellm.CustomLLM``, same reply logic.

Prints, from one run:
  1. ``litellm.acompletion`` throughput of both providers (rounds interleaved, so drift hits both alike) and
     the framework/bare ratio (target >= 0.95);
  2. the import cost of ``litellm_plugin.core`` on top of ``litellm`` (target <= 50 ms), measured in fresh
     interpreters.

Run: ``uv run python benchmarks/bench_provider.py [--rounds 7] [--calls 400]``
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price-map download

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from typing import Any

import litellm
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import Choices, Message, ModelResponse, Usage

from litellm_plugin.core import PluginRegistry
from litellm_plugin.providers.echo import EchoProvider

MESSAGES = [
    {"role": "system", "content": "You are a benchmark."},
    {"role": "user", "content": "How fast can a provider answer when it does almost nothing?"},
]


class BareEcho(CustomLLM):
    """The baseline: LiteLLM's own base class, the same reply and the same token counting, no framework."""

    async def acompletion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        text = "Echo: " + next(m["content"] for m in reversed(messages) if m["role"] == "user")
        prompt = litellm.token_counter(model=model, messages=messages)
        completion = litellm.token_counter(model=model, text=text, count_response_tokens=True)
        return ModelResponse(
            model=model,
            choices=[Choices(index=0, message=Message(role="assistant", content=text), finish_reason="stop")],
            usage=Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion),
        )


async def _batch(model: str, size: int) -> tuple[float, float]:
    """Wall-clock and process CPU seconds to complete ``size`` concurrent ``acompletion`` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(litellm.acompletion(model=model, messages=MESSAGES) for _ in range(size)))
    return time.perf_counter() - wall, time.process_time() - cpu


async def bench_throughput(rounds: int, calls: int, concurrency: int) -> None:
    registry = PluginRegistry()  # only writes litellm.custom_provider_map; not on the call path
    registry.register("bench_echo", EchoProvider)
    registry.register("bench_bare", BareEcho)
    registry.initialize()
    models = {"framework": "bench_echo/m", "bare": "bench_bare/m"}
    for model in models.values():  # warm up caches, tokenizer, logging objects
        for _ in range(5):
            await _batch(model, concurrency)

    # Interleave batch by batch (alternating who goes first), so load from other processes hits both alike.
    # CPU time is reported too: on a shared machine it is far less disturbed by other processes.
    wall_rates: dict[str, list[float]] = {name: [] for name in models}
    cpu_rates: dict[str, list[float]] = {name: [] for name in models}
    batches = max(1, calls // concurrency)
    for _ in range(rounds):
        wall = dict.fromkeys(models, 0.0)
        cpu = dict.fromkeys(models, 0.0)
        for index in range(batches):
            order = list(models.items()) if index % 2 == 0 else list(reversed(models.items()))
            for name, model in order:
                batch_wall, batch_cpu = await _batch(model, concurrency)
                wall[name] += batch_wall
                cpu[name] += batch_cpu
        for name in models:
            wall_rates[name].append(batches * concurrency / wall[name])
            cpu_rates[name].append(batches * concurrency / cpu[name])

    print(f"acompletion throughput ({rounds} interleaved rounds x {calls} calls, {concurrency} concurrent)")
    for label, rates in (("wall clock", wall_rates), ("CPU time  ", cpu_rates)):
        ratios = [fw / bare for fw, bare in zip(rates["framework"], rates["bare"], strict=True)]
        print(
            f"  {label}: framework {statistics.median(rates['framework']):7.1f} calls/s, "
            f"bare {statistics.median(rates['bare']):7.1f} calls/s, "
            f"ratio median {statistics.median(ratios):.3f} (rounds: {', '.join(f'{r:.2f}' for r in ratios)})"
        )
    print("  target: ratio >= 0.95")


def _time_in_fresh_interpreter(setup: str, statement: str) -> float:
    """Seconds ``statement`` takes in a new interpreter, after ``setup`` (not timed)."""
    code = f"{setup}\nimport time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(done.stdout)


def bench_imports(runs: int) -> None:
    samples: dict[str, list[float]] = {"litellm": [], "core": [], "core_after_litellm": []}
    for _ in range(runs):  # interleaved, as above
        samples["litellm"].append(_time_in_fresh_interpreter("", "import litellm"))
        samples["core"].append(_time_in_fresh_interpreter("", "import litellm_plugin.core"))
        samples["core_after_litellm"].append(_time_in_fresh_interpreter("import litellm", "import litellm_plugin.core"))
    litellm_ms, core_ms, extra_ms = (statistics.median(samples[key]) * 1000 for key in samples)
    print(f"import time ({runs} fresh interpreters each, medians)")
    print(f"  import litellm                          {litellm_ms:8.1f} ms")
    print(f"  import litellm_plugin.core              {core_ms:8.1f} ms")
    print(f"  difference                              {core_ms - litellm_ms:8.1f} ms  (noisy)")
    print(f"  litellm_plugin.core, litellm preloaded  {extra_ms:8.1f} ms")
    print("  target: <= 50 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--import-runs", type=int, default=5, help="0 skips the import measurement")
    args = parser.parse_args()
    asyncio.run(bench_throughput(args.rounds, args.calls, args.concurrency))
    if args.import_runs > 0:
        bench_imports(args.import_runs)


if __name__ == "__main__":
    main()
