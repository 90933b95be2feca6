"""Signs next to a word: a trademark sign, a superscript or circled number, a unit square (``Spam™``,
``spam²``, ``spam①``). NFKC spells them as letters or digits (``™`` is ``TM``, ``²`` is ``2``), which joined
them to the word, so a blocked word with a sign glued to it passed. A sign is a word of its own; the whole
class (every symbol or number character that NFKC turns into letters or digits), through the public API."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable

import litellm
import pytest

from litellm_plugin.loggers.filters import ContentFilter

Call = Callable[..., str]


def _signs() -> list[str]:
    """Symbols and numbers (not letters) that NFKC writes with letters or digits, other than a single letter
    (a circled or squared letter is a styled letter, part of the word it is in)."""
    signs = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) not in {"So", "No"}:
            continue
        spelled = unicodedata.normalize("NFKC", char).casefold()
        if spelled == char or not any(part.isalnum() for part in spelled):
            continue
        if len(spelled) == 1 and spelled.isalpha():
            continue
        signs.append(char)
    return signs


SIGNS = _signs()


def test_the_class_is_large() -> None:
    assert len(SIGNS) > 300
    assert {"™", "℠", "²", "①", "㎏", "½", "⑴", "⒈"} <= set(SIGNS)


@pytest.mark.parametrize("path", ["acompletion", "acompletion_stream", "router_completion_stream"])
def test_a_sign_glued_to_a_word_does_not_hide_it(path: str, call: Call) -> None:
    litellm.callbacks = [ContentFilter(["spam"], replacement="#")]
    text = " ".join(f"spam{sign} {sign}spam Spam{sign}{sign}" for sign in SIGNS)
    reply = call(path, text)
    expected = " ".join(f"#{sign} {sign}# #{sign}{sign}" for sign in SIGNS)
    leaked = [
        sign
        for sign, got, want in zip(SIGNS, reply.split(" ")[::3], expected.split(" ")[::3], strict=True)
        if got != want
    ]
    assert reply == expected, leaked[:20]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spam2 2spam", "spam2 2spam"),  # digits written as digits are part of the word
        ("ⓢⓟⓐⓜⓧ 𝐬𝐩𝐚𝐦𝐱 𝐬𝑝𝒂𝓂𝔵", "ⓢⓟⓐⓜⓧ 𝐬𝐩𝐚𝐦𝐱 𝐬𝑝𝒂𝓂𝔵"),  # letters of one style are one word (any font)
        ("spamⓧ ⓧspam 𝐱spam spam𝐱 ｘspam ᴀspam 🅰spam", "#ⓧ ⓧ# 𝐱# #𝐱 ｘ# ᴀ# 🅰#"),  # a style change: a boundary
        ("s𝐩am ⓢpam", "# #"),  # inside a blocked word: not a boundary that keeps it apart
        ("spam_ⓧ spam_x", "#_ⓧ spam_x"),  # past an underscore too, unlike an identifier of one style
        ("ﬁspam éspam", "ﬁspam éspam"),  # ligatures and accented letters are ordinary letters
        ("ⓢⓟⓐⓜ", "#"),
        ("spam™", "#™"),
    ],
)
def test_what_stays_a_word(text: str, expected: str) -> None:
    assert ContentFilter(["spam"], replacement="#").mask(text) == expected
