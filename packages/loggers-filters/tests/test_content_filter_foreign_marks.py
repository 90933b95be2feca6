"""Combining marks of another script on a blocked word's letters (a Hebrew point, a Thai tone mark, an Arabic
vowel sign, a Devanagari nukta or a kana voicing mark on a Latin letter): they sit on the letter like an
accent, and a reader still sees the word. The whole class, every such mark in Unicode, through LiteLLM's
public API; the marks of a script's own spelling still count on its own letters."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from typing import Any

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


def _spacing_marks() -> list[str]:
    """Every spacing combining mark (Indic vowel signs such as U+093F, U+0940, U+09BF, U+0BBE...)."""
    return [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Mc"]


SPACING_MARKS = _spacing_marks()


def test_spacing_marks_are_a_large_class() -> None:
    assert len(SPACING_MARKS) > 400
    assert {"\u093f", "\u0940", "\u09bf", "\u0bbe", "\u0903"} <= set(SPACING_MARKS)


@pytest.mark.parametrize("path", ["completion", "acompletion_stream"])
def test_a_spacing_vowel_sign_of_another_script_does_not_hide_a_word(path: str, call: Call) -> None:
    """A spacing Indic vowel sign on a Latin or Cyrillic letter is folded like a non-spacing one (U+0941)."""
    for word in ("spam", "спам"):
        litellm.callbacks = [ContentFilter([word], replacement="#")]
        inside = " ".join(word[:2] + mark + word[2:] for mark in SPACING_MARKS)
        on_every_letter = " ".join(_disguised(word, mark) for mark in SPACING_MARKS)
        for text in (inside, on_every_letter):
            reply = call(path, text)
            leaked = [mark for mark, out in zip(SPACING_MARKS, reply.split(" "), strict=True) if out != "#"]
            assert not leaked, (word, [f"U+{ord(mark):04X}" for mark in leaked[:20]], len(leaked))


@pytest.mark.parametrize("text", ["sp\u093fam", "sp\u0940am", "sp\u09bfam", "sp\u0bbeam", "1\u093f spam\u0bbe"])
def test_a_spacing_vowel_sign_on_a_latin_letter_or_a_digit_is_found(text: str) -> None:
    assert [match.word for match in ContentFilter(["spam"]).find(text)] == ["spam"]


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("कम", "किम"),  # a spacing vowel sign on its own script's letter is compared
        ("कम", "कीम"),
        ("কম", "কিম"),  # Bengali
        ("கம", "காம"),  # Tamil
    ],
)
def test_a_scripts_own_spacing_signs_still_count(word: str, text: str) -> None:
    assert ContentFilter([word]).find(text) == []
    assert ContentFilter([text]).find(text) != []


# More marks than one letter keeps (16) of other scripts: stacked Thai tone marks, Hebrew points, Devanagari signs,
# mixed with each other and with accents.
STACKS = {
    "thai-17": "\u0e48" * 17,
    "thai-40": "\u0e48" * 40,
    "hebrew-thai-9": "\u05b0\u0e48" * 9,
    "acute-thai-17": "\u0301\u0e48" * 17,
    "devanagari-17": "\u0941" * 17,
    "spacing-devanagari-17": "\u093f" * 17,
    "kana-voicing-20": "\u3099" * 20,
}


@pytest.mark.parametrize("stack", list(STACKS.values()), ids=list(STACKS))
def test_any_number_of_foreign_marks_on_a_letter_does_not_hide_a_word(stack: str) -> None:
    text = f"buy s{stack}pam now"
    assert [(text[match.start : match.end], match.word) for match in ContentFilter(["spam"]).find(text)] == [
        (f"s{stack}pam", "spam")
    ]
    assert ContentFilter(["buy now"]).find(f"buy{stack} now") != []


@pytest.mark.parametrize("path", ["completion", "completion_stream", "acompletion", "acompletion_stream"])
@pytest.mark.parametrize("stack", list(STACKS.values()), ids=list(STACKS))
def test_any_number_of_foreign_marks_is_masked_whole_and_streamed(stack: str, path: str, call: Call) -> None:
    litellm.callbacks = [ContentFilter(["spam"], replacement="#")]
    assert call(path, f"buy s{stack}pam now and sp{stack}a{stack}m") == "buy # now and #"


@pytest.mark.parametrize("text", ["s" + "\u0e48" * 18 + "pam x", "x\u0915" + "\u0e48" * 17 + "spam"])
def test_a_stream_of_foreign_marks_cut_anywhere_gives_the_whole_replys_result(
    text: str, assert_stream_cuts_agree: Callable[[Any, str], None]
) -> None:
    assert_stream_cuts_agree(ContentFilter(["spam"], replacement="#"), text)


def test_a_scripts_own_marks_past_the_limit_still_start_a_cluster() -> None:
    """Marks a letter keeps are still bounded: past 16 of them, the next starts a cluster of its own."""
    word = "क" + "\u0941" * 16
    assert ContentFilter([word]).find(word) != []
    assert ContentFilter(["कम"]).find("क" + "\u0941" * 17 + "म") == []


# A combining mark on no letter: at the start of the text, after a space, punctuation, a digit or an emoji.
COMBINING_MARKS = MARKS + SPACING_MARKS


@pytest.mark.parametrize("path", ["completion", "completion_stream", "acompletion_stream"])
def test_no_combining_mark_on_a_space_hides_the_word_after_it(path: str, call: Call) -> None:
    """Every non-spacing mark of a script's spelling and every spacing mark, at the start of the text or right
    after a space: it sits on no letter and hides nothing, as an accent there does."""
    litellm.callbacks = [ContentFilter(["spam"], replacement="#")]
    reply = call(path, " ".join(f"{mark}spam" for mark in COMBINING_MARKS))
    leaked = [mark for mark, out in zip(COMBINING_MARKS, reply.split(" "), strict=True) if out != f"{mark}#"]
    assert not leaked, ([f"U+{ord(mark):04X}" for mark in leaked[:20]], len(leaked))


MANY = "\u093f\u05b0\u0903\u0bbe\u093c" * 8


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("buy \u05b0spam now", "buy \u05b0# now"),  # a Hebrew point
        ("buy \u093cspam now", "buy \u093c# now"),  # a nukta
        ("buy \u093fspam now", "buy \u093f# now"),  # a spacing vowel sign
        ("buy \u0bbespam now", "buy \u0bbe# now"),
        ("buy \u0903spam now", "buy \u0903# now"),  # a visarga
        ("buy \u0301spam now", "buy \u0301# now"),  # as an accent there
        ("buy \u0e48spam now", "buy \u0e48# now"),
        ("\u05b0spam", "\u05b0#"),
        ("\u093fspam", "\u093f#"),
        ("a \u093fspam", "a \u093f#"),
        (f"a {MANY}spam", f"a {MANY}#"),  # many in a row
        (f"{MANY}spam {MANY}", f"{MANY}# {MANY}"),
        ("(\u093fspam)", "(\u093f#)"),  # after punctuation
        ("(\u05b0\u093f\u0301spam)", "(\u05b0\u093f\u0301#)"),
        ("(\U0001d165spam)", "(\U0001d165#)"),  # a musical combining stem (script Common) on a bracket
        ("\u0964\u093fspam", "\u0964\u093f#"),  # on a Devanagari danda: punctuation of the mark's own script
        ("\U0001f600\u093fspam", "\U0001f600\u093f#"),  # after an emoji
        ("1\u093fspam", "1\u093fspam"),  # on a digit: folded as an accent is, and "1spam" is one word
        ("1\u0301spam", "1\u0301spam"),
        ("x\u093fspam", "x\u093fspam"),  # on a letter: still one word with it
        ("x \u093fspam", "x \u093f#"),
        ("spam\u093fx \u093fx", "spam\u093fx \u093fx"),
        ("buy \u093fnow", "#"),  # a phrase: the mark goes with the space
        ("&#x93f;spam &#2367;spam", "&#x93f;# &#2367;#"),  # a reference to one
    ],
)
def test_a_mark_on_no_letter_hides_nothing(text: str, expected: str, call: Call) -> None:
    content_filter = ContentFilter(["spam", "buy now"], replacement="#")
    assert content_filter.mask(text) == expected
    litellm.callbacks = [content_filter]
    for path in ("completion", "completion_stream", "acompletion_stream"):
        assert call(path, text) == expected, path


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("שלום", "\u05b0שלום"),  # a point before a word of its own script, on no letter
        ("कम", "x \u093fकम"),
        ("кот", "\u0903кот"),
    ],
)
def test_a_word_after_a_mark_on_no_letter_is_found(word: str, text: str) -> None:
    assert [match.word for match in ContentFilter([word]).find(text)] == [word]


@pytest.mark.parametrize("hidden", ["\x00", "\x07", "\x7f", "\x1b[31m", "\x9b1m", "\x1b]0;title\x07", "\x1b(B"])
@pytest.mark.parametrize(
    ("word", "before", "after"),
    [("किताब", "यह क", "िताब है"), ("বোকা", "তুমি ব", "োকা"), ("טִפֵּשׁ", "אַתָּה ט", "ִפֵּשׁ"), ("spam", "s", "\u0301pam")],
)
def test_a_mark_behind_a_control_or_escape_sequence_stays_on_its_letter(
    hidden: str, word: str, before: str, after: str, call: Call
) -> None:
    """A terminal draws ``क\x1b[31mि`` as ``कि``: the mark is on the letter before the hidden stretch, not on no
    letter (the first fix for marks on no letter dropped it there, which split the word and hid it)."""
    text = before + hidden + after
    content_filter = ContentFilter([word], replacement="#")
    assert [match.word for match in content_filter.find(text)] == [word]
    masked = content_filter.mask(text)
    assert word not in masked
    assert masked.endswith("#") or masked.endswith("# है")
    litellm.callbacks = [content_filter]
    assert call("completion_stream", text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "buy \u05b0spam \u093fnow",
        "(\u093f\u0903spam)",
        "\u093c\u093fspam",
        "1\u093fspam \u0bbex",
        " \u093fsp\u05b0am",
        "buy \u093f\u0301now",
    ],
)
def test_a_stream_of_marks_on_no_letter_cut_anywhere_gives_the_whole_replys_result(
    text: str, assert_stream_cuts_agree: Callable[[Any, str], None]
) -> None:
    assert_stream_cuts_agree(ContentFilter(["spam", "buy now"], replacement="#"), text)


def test_a_flood_of_streamed_marks_on_a_space_hides_nothing() -> None:
    """Marks on a space widen it in the held text, as accents do (a flood of them is not held back as text)."""
    transform = ContentFilter(["buy now"], replacement="#").response_transform({})
    assert transform is not None
    out = "".join(transform.transform(piece) for piece in ["buy ", *["\u093f"] * 3000, "now"]) + transform.flush()
    assert out == "#"
