"""Surrogate pairs in a Python string (``"\\ud835\\udc2c"``): a provider's stream whose JSON escapes split a pair
across two chunks gives them, LiteLLM passes them on, and a UTF-16 client (a browser, openai-node) joining the
deltas reads the character, so ``"\\ud835\\udc2cpam"`` is ``𝐬pam``, which is ``spam``. A pair is read as its
character, whatever it stands for (a styled letter, a tag character, a variation selector), however a stream
cuts it. Through LiteLLM's public API."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import litellm
import pytest

from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.loggers.filters import ContentFilter

Call = Callable[..., str]


def _pairs(text: str) -> str:
    """``text`` with each astral character written as its two surrogates."""
    return "".join(
        chr(0xD800 + ((ord(char) - 0x10000) >> 10)) + chr(0xDC00 + ((ord(char) - 0x10000) & 0x3FF))
        if ord(char) > 0xFFFF
        else char
        for char in text
    )


# Astral disguises: mathematical letters, a tag character, a variation selector supplement, a Znamenny mark.
# (The Znamenny mark is Unicode 14: on Python 3.10, whose Unicode database is older, it is unassigned.)
ASTRAL = ["𝐬𝐩𝐚𝐦", "𝓈𝓅𝒶𝓂", "𝕤𝕡𝕒𝕞", "s\U000e0020pam", "sp\U000e0100am", "𝚜pam"]
if unicodedata.category("\U0001cf00") == "Mn":
    ASTRAL.append("s\U0001cf00pam")


def test_pairs_stand_for_the_astral_characters() -> None:
    assert _pairs("𝐬") == "\ud835\udc2c"
    assert _pairs("𝐬").encode("utf-16-le", "surrogatepass").decode("utf-16-le") == "𝐬"


@pytest.mark.parametrize(
    "path", ["acompletion", "acompletion_stream", "completion_stream", "router_acompletion_stream"]
)
def test_a_word_written_in_surrogate_pairs_is_masked(path: str, call: Call) -> None:
    litellm.callbacks = [ContentFilter(["spam"], replacement="#")]
    for offset in range(3):  # the echo provider streams 3 code points a chunk: every cut of a pair
        text = "x" * offset + " " + " ".join(_pairs(word) for word in ASTRAL)
        assert call(path, text) == "x" * offset + " " + " ".join("#" for _ in ASTRAL)


def test_a_word_written_in_surrogate_pairs_is_refused(call: Call) -> None:
    litellm.callbacks = [ContentFilter(["spam"], action="block")]
    for path in ("acompletion", "acompletion_stream"):
        with pytest.raises(InterceptorRejectedError):
            call(path, "x " + _pairs("𝐬𝐩𝐚𝐦"))


def test_lone_surrogates_stay_as_they_are() -> None:
    content_filter = ContentFilter(["spam"], replacement="#")
    for text in ["\ud835", "\udc2c", "a\udc2c\ud835b", "\ud835spam", "spam\udc2c"]:
        assert content_filter.mask(text) in {text, text.replace("spam", "#")}


def test_invisible_pairs_between_phrase_words_each_split_across_chunks() -> None:
    """A tag character as a pair, its two halves in two chunks, 2 000 times between "buy" and "now"."""
    transform = ContentFilter(["buy now"], replacement="#").response_transform({})
    assert transform is not None
    pieces = ["I will buy", *(["\udb40", "\udc20"] * 2000), " now!"]
    output = "".join(transform.transform(piece) for piece in pieces) + transform.flush()
    assert output == "I will #!"


@pytest.mark.parametrize(
    "text",
    [
        "𝐨𝐤\ud835\udc2cpam",  # a pair of the same style as the word before it: one word, cut or not
        "𝓴\ud835\udc2cpam",
        "🆇\ud83c\udd82pam",
        "𝐬𝐩𝐚𝐦\ud835\u0301\udd82",  # halves kept apart by a mark: two lone halves, cut or not
        "spam\ud835\u200b\udd82",
        "ok\ud835\udc2cpam",
    ],
)
def test_a_stream_cut_inside_or_next_to_a_pair_gives_the_whole_texts_result(text: str) -> None:
    content_filter = ContentFilter(["spam"], replacement="#")
    whole = content_filter.mask(text)
    for cut in range(1, len(text)):
        transform = content_filter.response_transform({})
        assert transform is not None
        streamed = transform.transform(text[:cut]) + transform.transform(text[cut:]) + transform.flush()
        assert streamed == whole, (text[:cut], text[cut:])
