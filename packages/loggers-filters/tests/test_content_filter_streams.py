"""ContentFilter on streams: words split across chunks, minimal holdback, independent concurrent streams."""

from __future__ import annotations

import asyncio
import itertools
import random
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import litellm
import pytest

from litellm_plugin.loggers.filters import ContentFilter

WORDS = ["spam", "buy now", "limited time offer", "ass"]


def stream_through(content_filter: ContentFilter, pieces: list[str]) -> tuple[str, list[str]]:
    """Feed pieces through one reply's transform: (full output, output after each piece, then the flush)."""
    transform = content_filter.response_transform({})
    assert transform is not None
    outputs = [transform.transform(piece) for piece in pieces]
    outputs.append(transform.flush())
    return "".join(outputs), outputs


def splits(text: str, cuts: int) -> list[list[str]]:
    """Every way to cut ``text`` at ``cuts`` positions."""
    result = []
    for positions in itertools.combinations(range(1, len(text)), cuts):
        bounds = (0, *positions, len(text))
        result.append([text[a:b] for a, b in itertools.pairwise(bounds)])
    return result


@pytest.mark.parametrize("text", ["this is spam!", "Please BUY NOW today", "a limited time offer."])
def test_every_single_split_point(text: str) -> None:
    content_filter = ContentFilter(WORDS, replacement="#")
    expected = content_filter.mask(text)
    assert "#" in expected
    for pieces in splits(text, 1):
        assert stream_through(content_filter, pieces)[0] == expected, pieces


def test_every_pair_of_split_points_in_a_phrase() -> None:
    content_filter = ContentFilter(WORDS, replacement="#")
    text = "go buy now, class"
    expected = "go #, class"
    for pieces in splits(text, 2):
        assert stream_through(content_filter, pieces)[0] == expected, pieces


def test_character_by_character_with_unicode_disguises() -> None:
    content_filter = ContentFilter(WORDS, replacement="#")
    text = "x ＳＰＡＭ y sp\u200bam z Buy\u00a0 Now w"
    out, _ = stream_through(content_filter, list(text))
    assert out == content_filter.mask(text) == "x # y # z # w"


def test_text_that_cannot_start_a_phrase_is_emitted_at_once() -> None:
    content_filter = ContentFilter(WORDS, replacement="#")
    _, outputs = stream_through(content_filter, ["Hello ", "world, ", "how are ", "you?"])
    assert outputs[:4] == ["Hello ", "world, ", "how are ", "you?"]


def test_holdback_waits_only_while_a_phrase_is_possible() -> None:
    content_filter = ContentFilter(WORDS, replacement="#")
    _, outputs = stream_through(content_filter, ["I will bu", "y", " no", "thing"])
    assert outputs == ["I will ", "", "", "buy nothing", ""]


def test_holdback_never_exceeds_the_longest_phrase() -> None:
    content_filter = ContentFilter(WORDS, replacement="#")
    rng = random.Random(3)
    # Beginnings of phrases, never a whole one: the output is the input, only delayed.
    vocabulary = ["buy", "limited", "time", "lim", "of", "off", "spa", "as", "class", "hello", "no"]
    text = " ".join(rng.choice(vocabulary) for _ in range(3000))
    assert content_filter.find(text) == []
    transform = content_filter.response_transform({})
    assert transform is not None
    fed = emitted = held = 0
    position = 0
    while position < len(text):
        piece = text[position : position + rng.randint(1, 6)]
        position += len(piece)
        fed += len(piece)
        emitted += len(transform.transform(piece))
        held = max(held, fed - emitted)
    emitted += len(transform.flush())
    assert emitted == fed
    assert 0 < held <= content_filter.longest_phrase == len("limited time offer")


# References a stream may pad a held-back phrase with: to an invisible character (HTML, numeric, JSON escapes), to
# a decoration, to a mark of another script (folded away on a Latin letter); and one that is kept (a letter).
REFERENCE_PADDINGS = ["&shy;", "&#8203;", "&#x200B;", "\\u00ad", "\\U0000200b", "&#x301;", "&#x0e48;", "&#x93f;"]


@pytest.mark.parametrize("padding", REFERENCE_PADDINGS)
def test_a_phrase_padded_with_references_streams_as_the_whole_reply(padding: str) -> None:
    """Each reference to a character the comparison drops is left out of what the stream reads again with the
    next chunk, as the character itself is (kept, thousands of them made each chunk cost more than the last)."""
    content_filter = ContentFilter(WORDS, replacement="#")
    for text in (f"I will buy{padding * 300} now!", f"x s{padding * 300}pam y", f"a{padding * 3}b sp{padding}am"):
        expected = content_filter.mask(text)
        one_reference_each = re.split(r"(?=[&\\])", text)
        cut_inside_them = [text[i : i + 3] for i in range(0, len(text), 3)]
        for pieces in (one_reference_each, cut_inside_them):
            assert stream_through(content_filter, pieces)[0] == expected, pieces[:4]
    assert content_filter.mask(f"I will buy{padding * 300} now!").startswith("I will #")


@pytest.mark.parametrize(("ending", "expected"), [("ing", "I will buying"), (" now!", "I will buy#!")])
def test_text_after_the_end_held_past_the_limit_gives_out_nothing_twice(ending: str, expected: str) -> None:
    """After ``flush`` the text before the end is context, not held text: dropping a long padding (past 65 536
    held characters) must not hand it out again."""
    content_filter = ContentFilter(WORDS, replacement="#")
    transform = content_filter.response_transform({})
    assert transform is not None
    out = [transform.transform("I will buy"), transform.flush()]
    out += [transform.transform("\u200b" * 40_000) for _ in range(2)]
    out += [transform.transform(ending), transform.flush()]
    assert "".join(out).replace("\u200b", "") == expected


def test_substring_mode_streams_too() -> None:
    content_filter = ContentFilter(["ass"], replacement="#", whole_words=False)
    for pieces in splits("classic", 2):
        assert stream_through(content_filter, pieces)[0] == "cl#ic"


def test_stream_end_flushes_held_text(call: Callable[..., str]) -> None:
    litellm.callbacks = [ContentFilter(WORDS, replacement="#")]
    assert call("completion_stream", "ends with bu") == "ends with bu"
    assert call("acompletion_stream", "ends with spam") == "ends with #"


def test_split_words_are_filtered_on_real_streams(path: str, call_chunks: Callable[..., tuple[str, list[str]]]) -> None:
    litellm.callbacks = [ContentFilter(WORDS)]
    text, chunks = call_chunks(path, "we sell spam, buy now!")
    assert text == "we sell [FILTERED], [FILTERED]!"
    if chunks:  # the provider streams 3 characters at a time: "spam" and "buy now" straddle chunks
        assert all("spam" not in chunk for chunk in chunks)


def test_concurrent_streams_keep_their_own_state(provider: Any) -> None:
    litellm.callbacks = [ContentFilter(WORDS, replacement="#")]
    rng = random.Random(11)
    vocabulary = ["spam", "buy", "now", "fine", "limited", "time", "offer", "class", "ok"]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 40))) for _ in range(200)]
    expected = [ContentFilter(WORDS, replacement="#").mask(text) for text in texts]

    async def one(text: str) -> str:
        stream = await litellm.acompletion(
            model=provider.model, messages=[{"role": "user", "content": text}], stream=True
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream])

    async def run_all() -> list[str]:
        return await asyncio.gather(*(one(text) for text in texts))

    assert asyncio.run(run_all()) == expected


def test_one_filter_shared_by_threads() -> None:
    content_filter = ContentFilter(WORDS, replacement="#")
    rng = random.Random(5)
    texts = [" ".join(rng.choice(["spam", "buy", "now", "ham", "class"]) for _ in range(200)) for _ in range(64)]
    expected = [content_filter.mask(text) for text in texts]

    def work(text: str) -> str:
        pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
        return stream_through(content_filter, pieces)[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(work, texts)) == expected


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_filtered_stream_does_not_hand_out_the_unfiltered_text_through_litellm_s_attributes(how: str) -> None:
    """LiteLLM's stream wrapper keeps the model's text as it came (``response_uptil_now``, ``chunks``...); the
    stream a caller gets back used to pass those through."""
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    call = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "mock_response": "buy spam now"}
    if how == "sync":
        stream: Any = litellm.completion(**call, stream=True)
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
    else:

        async def read() -> tuple[Any, str]:
            stream = await litellm.acompletion(**call, stream=True)
            return stream, "".join([chunk.choices[0].delta.content or "" async for chunk in stream])

        stream, text = asyncio.run(read())
    assert text == "buy [FILTERED] now"
    for name in ("response_uptil_now", "chunks", "completion_stream"):
        with pytest.raises(AttributeError, match="interceptors"):
            getattr(stream, name)
    assert stream.model  # what holds no text still passes through
