"""ContentFilter and the three interceptors: speed against baselines measured in the same run.

Prints:
  1. (P3) masking ~100 KB with 10 000 blocked words: ContentFilter vs LiteLLM's built-in
     ``litellm_content_filter`` guardrail (MASK), both called directly on the same text, with a check that both
     found the same words (target: >= 300x faster), and the same with ``confusables=True``;
  2. flat cost: the same text with 1 000 vs 10 000 words, for both;
  3. (P4) streaming: ContentFilter's cost per chunk (target <= 20 us) and the most text it ever held back
     (target <= the longest blocked phrase); and adversarial streams, "buy" (the beginning of "buy now")
     followed by 8 000 invisible chunks (a zero-width space, ``&shy;``, ``&#8203;``, ``\\u00ad``, a reference to
     a Thai tone mark): its cost per chunk (target: within 10x of a normal chunk's),
     first thousand vs last thousand chunks (flat: the cost does not grow with what is held back);
  4. ``litellm.acompletion`` throughput with ResponseModifier + ContentFilter + RequestLogger vs no
     interceptors, trivial in-process provider (target >= 0.90).

Run: ``uv run python benchmarks/bench_filters.py [--rounds 15] [--calls 200] [--skip-calls]``
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price-map download

import argparse
import asyncio
import importlib.metadata
import io
import logging
import random
import statistics
import string
import sys
import time
from collections.abc import Callable
from typing import Any

import ahocorasick
import litellm
from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.integrations.custom_logger import CustomLogger
from litellm.llms.custom_llm import CustomLLM
from litellm.proxy.guardrails.guardrail_hooks.litellm_content_filter.content_filter import ContentFilterGuardrail
from litellm.types.guardrails import BlockedWord, ContentFilterAction, GuardrailEventHooks
from litellm.types.utils import Choices, Message, ModelResponse, Usage

from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.text import TextTransform
from litellm_plugin.loggers.filters import ContentFilter, RequestLogger, ResponseModifier

REDACTION = "[KEYWORD_REDACTED]"  # the built-in's replacement; ours is set to the same for a direct comparison


# --- data ------------------------------------------------------------------------------------------------


def _word(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 10)))


def make_corpus(seed: int, words: int, size: int, drawn_from: int | None = None) -> tuple[list[str], str]:
    """``words`` plain alphabetic blocked words and a ~``size``-character text of filler words with ~3% of
    them blocked (taken from the first ``drawn_from`` words). No blocked word occurs inside another word, so
    the built-in's substring matching and our whole-word matching must find exactly the same occurrences."""
    rng = random.Random(seed)
    blocked: set[str] = set()
    while len(blocked) < words:
        blocked.add(_word(rng))
    filler: list[str] = []
    automaton = ahocorasick.Automaton()
    for word in blocked:
        automaton.add_word(word, word)
    automaton.make_automaton()
    while len(filler) < 3000:
        candidate = _word(rng)
        if candidate not in blocked and not list(automaton.iter(candidate)):
            filler.append(candidate)
    for word in REDACTION.lower().strip("[]").split("_"):
        blocked.discard(word)
    blocked_list = sorted(blocked)
    rng.shuffle(blocked_list)
    occurring = blocked_list[: drawn_from or len(blocked_list)]
    tokens: list[str] = []
    length = 0
    while length < size:
        token = rng.choice(occurring) if rng.random() < 0.03 else rng.choice(filler)
        if rng.random() < 0.1:
            token = token.capitalize() + rng.choice([",", ".", "!", ";"])
        tokens.append(token)
        length += len(token) + 1
    text = " ".join(tokens)
    # A few line breaks, as in a real reply.
    return blocked_list, text.replace(". ", ".\n", 200)


def _with_non_ascii(text: str) -> str:
    """``text`` with accents, curly quotes, emoji and CJK between the words (blocked words untouched)."""
    rng = random.Random(5)
    extras = ["café", "naïve", "“quoted”", "👍🏽", "漢字", "résumé", "—", "Ελλάδα", "東京"]
    tokens = text.split(" ")
    return " ".join(token if rng.random() > 0.15 else f"{token} {rng.choice(extras)}" for token in tokens)


def _non_ascii_share(text: str) -> float:
    return sum(1 for char in text if not char.isascii()) / len(text)


def timed(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best of ``repeat`` runs in seconds (the least disturbed by other load), and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def builtin_filter(words: list[str]) -> ContentFilterGuardrail:
    return ContentFilterGuardrail(
        guardrail_name="bench",
        blocked_words=[BlockedWord(keyword=word, action=ContentFilterAction.MASK) for word in words],
        event_hook=GuardrailEventHooks.pre_call,
    )


# --- 1 and 2: whole texts --------------------------------------------------------------------------------


def bench_masking(builtin_runs: int) -> None:
    words, text = make_corpus(seed=1, words=10_000, size=100_000)
    print(f"\n1. (P3) Masking {len(text) / 1000:.0f} KB with {len(words):,} blocked words (MASK)")
    ours = ContentFilter(words, replacement=REDACTION)
    theirs = builtin_filter(words)
    our_time, our_text = timed(lambda: ours.mask(text), 20)
    their_time, their_text = timed(lambda: theirs._filter_single_text(text), builtin_runs)
    found = len(ours.find(text))
    print(f"   ContentFilter (Aho-Corasick, one pass)      {our_time * 1000:10.2f} ms")
    print(f"   litellm_content_filter (re.sub per keyword) {their_time * 1000:10.2f} ms")
    print(f"   speed-up: {their_time / our_time:,.0f}x   (target >= 300x)")
    same = our_text == their_text
    print(f"   same words found: {'yes' if same else 'NO'} ({found} occurrences; outputs identical: {same})")
    look_alikes = ContentFilter(words, replacement=REDACTION, confusables=True)
    look_alikes.mask(text)  # build the confusables table outside the timing
    confusable_time, confusable_text = timed(lambda: look_alikes.mask(text), 10)
    print(
        f"   ContentFilter(confusables=True)             {confusable_time * 1000:10.2f} ms"
        f"   speed-up: {their_time / confusable_time:,.0f}x; {confusable_time / our_time:.1f}x the default's cost;"
        f" outputs identical: {confusable_text == their_text}"
    )

    # The same with non-ASCII text around the words (accents, curly quotes, emoji, CJK): the per-character
    # path of the normalization instead of the ASCII one.
    mixed = _with_non_ascii(text)
    our_mixed, our_mixed_text = timed(lambda: ours.mask(mixed), 20)
    their_mixed, their_mixed_text = timed(lambda: theirs._filter_single_text(mixed), builtin_runs)
    print(
        f"   with ~{_non_ascii_share(mixed):.0%} non-ASCII characters: ContentFilter {our_mixed * 1000:.2f} ms,"
        f" built-in {their_mixed * 1000:.2f} ms, speed-up {their_mixed / our_mixed:,.0f}x;"
        f" outputs identical: {our_mixed_text == their_mixed_text}"
    )
    confusable_mixed, _ = timed(lambda: look_alikes.mask(mixed), 10)
    print(
        f"   the same with confusables=True: {confusable_mixed * 1000:.2f} ms,"
        f" speed-up {their_mixed / confusable_mixed:,.0f}x"
    )

    # Same text, same occurrences (all from the first 1 000 words): only the number of words differs.
    words, text = make_corpus(seed=1, words=10_000, size=100_000, drawn_from=1000)
    print("\n2. Flat cost: 1 000 vs 10 000 words, same text, same occurrences")
    ours_small = ContentFilter(words[:1000], replacement=REDACTION)
    ours_large = ContentFilter(words, replacement=REDACTION)
    our_small, small_text = timed(lambda: ours_small.mask(text), 20)
    our_large, large_text = timed(lambda: ours_large.mask(text), 20)
    assert small_text == large_text
    print(
        f"   ContentFilter:          {our_small * 1000:8.2f} ms vs {our_large * 1000:8.2f} ms"
        f"  (x{our_large / our_small:.2f})"
    )
    theirs_small = builtin_filter(words[:1000])
    theirs_large = builtin_filter(words)
    their_small, _ = timed(lambda: theirs_small._filter_single_text(text), builtin_runs)
    their_large, _ = timed(lambda: theirs_large._filter_single_text(text), builtin_runs)
    print(
        f"   litellm_content_filter: {their_small * 1000:8.2f} ms vs {their_large * 1000:8.2f} ms"
        f"  (x{their_large / their_small:.2f})"
    )


# --- 3: streams ------------------------------------------------------------------------------------------


def bench_stream() -> None:
    words, text = make_corpus(seed=2, words=10_000, size=100_000)
    phrases = [f"{a} {b}" for a, b in zip(words[:50], words[50:100], strict=True)]  # some multi-word phrases too
    content_filter = ContentFilter(words + phrases, replacement=REDACTION)
    rng = random.Random(3)
    chunks: list[str] = []
    position = 0
    while position < len(text):  # token-sized pieces, as LLM streams deliver them
        step = rng.randint(2, 8)
        chunks.append(text[position : position + step])
        position += step

    def run() -> tuple[str, int]:
        transform: Any = content_filter.response_transform({})
        out = []
        held = 0
        for chunk in chunks:
            out.append(transform.transform(chunk))
            held = max(held, transform.held_back)
        out.append(transform.flush())
        return "".join(out), held

    elapsed, (streamed, held) = timed(run, 7)
    per_chunk = elapsed / len(chunks) * 1e6
    print(
        f"\n3. (P4) Streaming {len(chunks):,} chunks of 2-8 characters through ContentFilter"
        f" ({len(words) + 50:,} phrases)"
    )
    print(f"   cost per chunk: {per_chunk:.2f} us   (target <= 20 us)")
    print(f"   most text held back: {held} characters; longest phrase: {content_filter.longest_phrase}")
    print(f"   stream output equals non-stream masking: {streamed == content_filter.mask(text)}")
    for piece in PADDINGS:
        bench_adversarial_stream(per_chunk, piece)


# What a hostile stream pads a held-back phrase with: an invisible character, references to one (HTML, a JSON
# escape), and a reference to a mark of another script (folded away on a Latin letter).
PADDINGS = ("\u200b", "&shy;", "&#8203;", "\\u00ad", "&#x0e48;")


def bench_adversarial_stream(normal_per_chunk: float, piece: str = "\u200b", padding: int = 8000) -> None:
    """ "buy" then thousands of invisible chunks: everything is held back, and each chunk must stay cheap."""
    content_filter = ContentFilter(["buy now", "spam"])

    def run() -> tuple[list[float], str]:
        transform: Any = content_filter.response_transform({})
        out = [transform.transform("I will buy")]
        costs = []
        for _ in range(padding):
            start = time.perf_counter()
            out.append(transform.transform(piece))
            costs.append(time.perf_counter() - start)
        out.append(transform.transform(" now!"))
        out.append(transform.flush())
        return costs, "".join(out)

    runs = [run() for _ in range(3)]
    costs = [min(values) for values in zip(*(costs for costs, _ in runs), strict=True)]  # least disturbed
    output = runs[-1][1]
    per_chunk = statistics.mean(costs) * 1e6
    first, last = statistics.mean(costs[:1000]) * 1e6, statistics.mean(costs[-1000:]) * 1e6
    print(f"   adversarial: 'buy' + {padding:,} chunks of {piece!r} + ' now!'")
    print(
        f"   cost per chunk: {per_chunk:.2f} us = {per_chunk / normal_per_chunk:.1f}x a normal chunk   (target <= 10x)"
    )
    print(f"   first 1 000 chunks {first:.2f} us, last 1 000 {last:.2f} us (x{last / first:.2f}: flat)")
    print(f"   masked at the end: {output.startswith('I will [FILTERED]') and output.endswith('!')}")


# --- 4: interceptors on acompletion ----------------------------------------------------------------------


class Trivial(CustomLLM):
    async def acompletion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return ModelResponse(
            model=model,
            choices=[
                Choices(
                    index=0,
                    message=Message(role="assistant", content="A short reply, with spam in it, to filter."),
                    finish_reason="stop",
                )
            ],
            usage=Usage(prompt_tokens=12, completion_tokens=10, total_tokens=22),
        )


async def _batch(calls: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process, all threads) for ``calls`` sequential calls."""
    messages = [{"role": "user", "content": "Say something short."}]
    running = asyncio.all_tasks()  # LiteLLM's long-lived logging worker among them: not waited for
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        await litellm.acompletion(model="bench_trivial/m", messages=messages)
    spawned = asyncio.all_tasks() - running
    if spawned:  # include the background logging these calls started
        await asyncio.wait(spawned, timeout=5)
    return time.perf_counter() - wall, time.process_time() - cpu


class _Same(TextTransform):
    """Rewrites nothing."""


class NoopModifier(BaseCustomLogger):
    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return _Same()


class NoopGuardrail(BaseCustomLogger, CustomGuardrail):
    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return _Same()


class NoopObserver(BaseCustomLogger):
    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        return None


async def bench_interceptors(rounds: int, calls: int) -> None:
    litellm.custom_provider_map = [{"provider": "bench_trivial", "custom_handler": Trivial()}]
    litellm.utils.custom_llm_setup()
    sink = logging.StreamHandler(io.StringIO())  # RequestLogger really formats and writes its records
    request_log = logging.getLogger("litellm_plugin.loggers.filters")
    request_log.addHandler(sink)
    request_log.setLevel(logging.INFO)
    request_log.propagate = False
    words, _ = make_corpus(seed=4, words=10_000, size=10)
    setups: dict[str, list[Any]] = {
        "none": [],
        # The same three kinds of interceptor doing nothing: what the engine and LiteLLM cost by themselves.
        "no-op": [NoopModifier(), NoopGuardrail(), NoopObserver()],
        "ours": [ResponseModifier(prefix="[Verified] "), ContentFilter([*words, "spam"]), RequestLogger()],
    }
    names = list(setups)

    def use(name: str) -> None:
        litellm.logging_callback_manager._reset_all_callbacks()
        litellm.callbacks = list(setups[name])

    for name in names:  # warm up
        use(name)
        await _batch(50)
    ratios: dict[tuple[str, str], list[float]] = {
        (clock, name): [] for clock in ("wall", "cpu") for name in ("no-op", "ours")
    }
    totals = {(clock, name): 0.0 for clock in ("wall", "cpu") for name in names}
    for index in range(rounds):
        elapsed: dict[tuple[str, str], float] = {}
        order = names[index % len(names) :] + names[: index % len(names)]  # rotate who goes first
        for name in order:
            use(name)
            elapsed["wall", name], elapsed["cpu", name] = await _batch(calls)
        for key, value in elapsed.items():
            totals[key] += value
        for clock, name in ratios:
            ratios[clock, name].append(elapsed[clock, "none"] / elapsed[clock, name])
    use("ours")
    reply = await litellm.acompletion(model="bench_trivial/m", messages=[{"role": "user", "content": "x"}])
    assert reply.choices[0].message.content == "[Verified] A short reply, with [FILTERED] in it, to filter."
    n = rounds * calls
    print(f"\n4. litellm.acompletion, {n:,} sequential calls per setup, trivial in-process provider")
    print(f"   {'':52s} {'calls/s':>8s} {'CPU ms/call':>12s}")
    for name, label in (
        ("none", "no interceptors"),
        ("no-op", "three no-op interceptors (engine + LiteLLM floor)"),
        ("ours", "ResponseModifier + ContentFilter(10k) + RequestLogger"),
    ):
        print(f"   {label:52s} {n / totals['wall', name]:8.1f} {totals['cpu', name] / n * 1000:12.3f}")
    for clock in ("wall", "cpu"):
        for name, label in (("no-op", "no-op three / none"), ("ours", "our three / none")):
            values = ratios[clock, name]
            print(
                f"   {clock:4s} throughput ratio {label:18s}: median {statistics.median(values):.3f} "
                f"of {rounds} rounds (min {min(values):.3f}, max {max(values):.3f})"
            )
    print("   target for our three: >= 0.90")
    await bench_own_cost(setups["ours"])
    litellm.callbacks = []
    request_log.removeHandler(sink)


async def bench_own_cost(interceptors: list[Any]) -> None:
    """Each interceptor's own work for one call of part 4, through its public hooks, without LiteLLM."""
    modifier, content_filter, request_logger = interceptors
    captured: dict[str, Any] = {}

    class Capture(CustomLogger):
        async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            captured.update(kwargs=kwargs, response=response_obj, start=start_time, end=end_time)

    litellm.logging_callback_manager._reset_all_callbacks()
    litellm.callbacks = [Capture()]
    messages = [{"role": "user", "content": "Say something short."}]
    await litellm.acompletion(model="bench_trivial/m", messages=messages)
    for _ in range(100):
        if captured:
            break
        await asyncio.sleep(0.01)
    data = {"model": "bench_trivial/m", "messages": messages}
    replies = [await Trivial().acompletion("m", messages) for _ in range(2000)]

    async def per_call(hook: Callable[[Any], Any]) -> float:
        start = time.perf_counter()
        for reply in replies:
            await hook(reply)
        return (time.perf_counter() - start) / len(replies) * 1e6

    costs = {
        "ResponseModifier (reply hook)": await per_call(
            lambda reply: modifier.async_post_call_success_hook(data=data, user_api_key_dict=None, response=reply)
        ),
        "ContentFilter, 10k words (reply hook)": await per_call(
            lambda reply: content_filter.async_post_call_success_hook(data=data, user_api_key_dict=None, response=reply)
        ),
        "RequestLogger (success record)": await per_call(
            lambda reply: request_logger.async_log_success_event(
                captured["kwargs"], reply, captured["start"], captured["end"]
            )
        ),
    }
    print("   own work per call, measured alone (warm caches):")
    for label, micros in costs.items():
        print(f"     {label:40s} {micros:6.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds for the acompletion test")
    parser.add_argument("--calls", type=int, default=200, help="calls per round and setup")
    parser.add_argument("--builtin-runs", type=int, default=3, help="runs of the (slow) built-in filter")
    parser.add_argument("--skip-calls", action="store_true", help="only parts 1-3 (no acompletion throughput)")
    args = parser.parse_args()
    print(f"LiteLLM {importlib.metadata.version('litellm')}, Python {sys.version.split()[0]}")
    bench_masking(args.builtin_runs)
    bench_stream()
    if not args.skip_calls:
        asyncio.run(bench_interceptors(args.rounds, args.calls))


if __name__ == "__main__":
    main()
