"""Combining marks of another script on a blocked word's letters (a Hebrew point, a Thai tone mark, an Arabic
vowel sign, a Devanagari nukta or a kana voicing mark on a Latin letter): they sit on the letter like an
accent, and a reader still sees the word. The whole class, every such mark in Unicode, through LiteLLM's
public API; the marks of a script's own spelling still count on its own letters."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable

import litellm
import pytest
import regex

from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.loggers.filters import ContentFilter

Call = Callable[..., str]

_IGNORABLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Cf}]")


def _spelling_marks() -> list[str]:
    """Every non-spacing mark that is not a decoration by its combining class (accents above and below are
    folded whatever they sit on): the marks that belong to some script's spelling."""
    marks = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) != "Mn" or _IGNORABLE.match(char):
            continue
        combining = unicodedata.combining(char)
        if combining == 1 or combining >= 200:
            continue
        marks.append(char)
    return marks


MARKS = _spelling_marks()
# A word in each script whose letters take no marks of another script's spelling.
WORDS = ["spam", "спам", "σπαμ", "スパム", "한국", "垃圾"]


def _disguised(word: str, mark: str) -> str:
    return "".join(letter + mark for letter in word)


# Python's own Unicode database decides what a mark is: Python 3.10 knows Unicode 13, where the Znamenny marks
# (Unicode 14) are unassigned, so they separate words there as any unassigned character does.
ZNAMENNY = "\U0001cf00"
KNOWS_ZNAMENNY = unicodedata.category(ZNAMENNY) == "Mn"
_NEWER_UNICODE = pytest.mark.skipif(not KNOWS_ZNAMENNY, reason=f"Python's Unicode {unicodedata.unidata_version} < 14")


def test_the_class_is_large() -> None:
    assert len(MARKS) > 800
    assert {"\u05b0", "\u0e48", "\u064e", "\u093c", "\u094d", "\u3099"} <= set(MARKS)
    assert (ZNAMENNY in MARKS) == KNOWS_ZNAMENNY


@pytest.mark.parametrize("path", ["acompletion", "acompletion_stream", "router_completion_stream"])
def test_a_foreign_mark_on_every_letter_does_not_hide_a_word(path: str, call: Call) -> None:
    for word in WORDS:
        litellm.callbacks = [ContentFilter([word], replacement="#")]
        marks = [mark for mark in MARKS if not regex.match(r"\p{scx=Katakana}", mark)] if word == "スパム" else MARKS
        text = " ".join(_disguised(word, mark) for mark in marks)
        reply = call(path, text)
        leaked = [mark for mark, out in zip(marks, reply.split(" "), strict=True) if out != "#"]
        assert not leaked, (word, [f"U+{ord(mark):04X}" for mark in leaked[:20]], len(leaked))


@pytest.mark.parametrize(
    "mark", ["\u05b0", "\u0e48", "\u064e", "\u093c", "\u3099", pytest.param(ZNAMENNY, marks=_NEWER_UNICODE)]
)
def test_a_foreign_mark_does_not_get_a_blocked_word_past_block(mark: str, call: Call) -> None:
    litellm.callbacks = [ContentFilter(["spam"], action="block")]
    for path in ("acompletion", "acompletion_stream"):
        with pytest.raises(InterceptorRejectedError):
            call(path, f"here: {_disguised('spam', mark)}.")


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("ハム", "パム"),  # a voicing mark makes another kana
        ("कम", "क़म"),  # a nukta makes another Devanagari letter
        ("नमस", "नम्स"),  # a virama joins two consonants
        ("שלם", "שָׁלֹם"),  # Hebrew points on Hebrew letters are compared (a blocked unpointed word differs)
    ],
)
def test_a_scripts_own_marks_still_count(word: str, text: str) -> None:
    assert ContentFilter([word]).find(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ab1ﾟass", "ab1ﾟass"),  # "1" with a foreign mark is "1": one word with "ass"
        ("ab1\u05b0ass", "ab1\u05b0ass"),
        ("abア\u05b0ass", "abア\u05b0#"),  # katakana has no word boundaries; the point sits on "ア"
        ("x s\u05b0pam", "x #"),
    ],
)
def test_a_stream_chunk_that_begins_with_a_mark_reads_it_on_the_letter_before(
    text: str, expected: str, call: Call
) -> None:
    """The echo provider streams 3 characters a chunk: the mark starts a chunk, its letter ended the last one."""
    litellm.callbacks = [ContentFilter(["ass", "spam"], replacement="#")]
    assert ContentFilter(["ass", "spam"], replacement="#").mask(text) == expected
    assert call("acompletion_stream", text) == expected
    assert call("acompletion", text) == expected
