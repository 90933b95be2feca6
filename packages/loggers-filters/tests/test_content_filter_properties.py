"""Property tests (Hypothesis) for ContentFilter's invariants: a blocked word hidden by any supported
obfuscation is caught; text without one comes back unchanged; a stream gives the same result as the whole
text, however it is cut into chunks."""

from __future__ import annotations

import itertools
import json
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from litellm_plugin.loggers.filters import ContentFilter
from litellm_plugin.loggers.filters.normalize import normalize_phrase

WORDS = ["spam", "buy now", "スパム", "naïve"]
PLAIN = ContentFilter(WORDS, replacement="#")
CONFUSABLE = ContentFilter([*WORDS, "paypal"], replacement="#", confusables=True)
ANYWHERE = ContentFilter(WORDS, replacement="#", whole_words=False)

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufe0f", "\U000e0100", "\u034f", "\u180b"]
INVISIBLE += ["\u202e", "\u202c"]  # bidi controls
# What a terminal does not show: control characters and escape sequences (CSI, 8-bit CSI, OSC, charset).
HIDDEN = ["\x00", "\x07", "\x08", "\x7f", "\x9f", "\x1b[1m", "\x1b[38;5;9m", "\x1b[m", "\x9b2m"]
HIDDEN += ["\x1b]0;t\x07", "\x1b]8;;u\x1b\\", "\x1b(B", "\x1b7"]
# Read the terminal's way: a space as intermediate byte, controls and DEL inside a sequence.
HIDDEN += ["\x1b[2 q", "\x1b F", "\x1b[1\x00m", "\x1b[1\x07m", "\x1b[\x7f1m", "\x1b\x00[m", "\x1b(\x01B"]
DECORATIONS = ["\u0300", "\u0301", "\u0308", "\u0332", "\u0336", "\u0338", "\u20dd", "\u0489"]
FULLWIDTH = {char: chr(ord(char) - 0x61 + 0xFF41) for char in "abcdefghijklmnopqrstuvwxyz"}
# Small capitals (their letter without the confusables option).
STYLED = {char: [small] for char, small in zip("abeimnopsuvwy", "ᴀʙᴇɪᴍɴᴏᴘꜱᴜᴠᴡʏ", strict=True)}
LOOK_ALIKES = {"a": "а", "e": "е", "o": "ο", "p": "р", "s": "ѕ", "y": "у", "P": "Ρ"}
HALFWIDTH = {"スパム": ["ｽﾊﾟﾑ", "ｽパﾑ", "スﾊﾟム"]}
SPACES = [" ", "  ", "\u00a0", "\n", "\r\n", "\t", "\u3000", " \u200b ", "\u2800", "\u3164", "\uffa0"]
SETTINGS = settings(max_examples=300, deadline=None)


@st.composite
def disguised(draw: st.DrawFn, words: list[str], look_alikes: bool = False) -> tuple[str, str]:
    """(word, a disguise of it): case, fullwidth, look-alikes, invisible characters, decorations, control
    characters and escape sequences."""
    word = draw(st.sampled_from(words))
    if word in HALFWIDTH and draw(st.booleans()):
        return word, draw(st.sampled_from(HALFWIDTH[word]))
    pieces = []
    for char in word:
        if char == " ":
            pieces.append(draw(st.sampled_from(SPACES)))
            continue
        choice = draw(st.integers(0, 4 if look_alikes else 3))
        if choice == 1:
            char = char.upper()
        elif choice == 2:
            char = FULLWIDTH.get(char, char)
        elif choice == 3 and char in STYLED:
            char = draw(st.sampled_from(STYLED[char]))
        elif choice == 4:
            char = LOOK_ALIKES.get(char, char)
        char += "".join(draw(st.lists(st.sampled_from(DECORATIONS), max_size=3)))
        char += "".join(draw(st.lists(st.sampled_from(INVISIBLE), max_size=2)))
        char += "".join(draw(st.lists(st.sampled_from(HIDDEN), max_size=2)))
        pieces.append(char)
    disguise = "".join(pieces)
    if draw(st.booleans()):
        emphasis = draw(st.sampled_from(["_", "__", "*", "**", "~~"]))
        disguise = f"{emphasis}{disguise}{emphasis}"
    return word, disguise


def _separator_char(char: str) -> bool:
    # Not an escape sequence's introducer: a terminal reads the letter after "\x1b " or "\x1b[ " as its end.
    if char in "\x1b\x9b":
        return False
    return not any(part.isalnum() or part == "_" for part in unicodedata.normalize("NFKC", char))


SEPARATORS = st.text(
    st.characters(codec="utf-8", categories=["Zs", "Po", "Ps", "Pe", "So", "Sm", "Cc"]).filter(_separator_char),
    min_size=1,
    max_size=3,
)
CLEAN_WORDS = st.sampled_from(
    ["hello", "spa", "pam", "spammer", "spam_filter", "my_spam", "class", "buy", "nave", "café", "ハム", "👍🏽", "1️⃣"]
)


@st.composite
def clean_text(draw: st.DrawFn) -> str:
    """Words that are not blocked, between separators that have no letter even once normalized."""
    parts = [draw(SEPARATORS)]
    for word in draw(st.lists(CLEAN_WORDS, max_size=8)):
        parts.append(word)
        parts.append(draw(SEPARATORS))
    return "".join(parts)


@st.composite
def chunked(draw: st.DrawFn, text: str) -> list[str]:
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(text) - 1)), max_size=12))))
    bounds = [0, *[cut for cut in cuts if cut < len(text)], len(text)]
    return [text[start:end] for start, end in itertools.pairwise(bounds)]


def stream(content_filter: ContentFilter, pieces: list[str]) -> str:
    transform = content_filter.response_transform({})
    assert transform is not None
    return "".join(transform.transform(piece) for piece in pieces) + transform.flush()


def assert_streaming_equals_the_whole_text(text: str, chunks: list[str]) -> None:
    for content_filter in (PLAIN, CONFUSABLE, ANYWHERE):
        assert stream(content_filter, chunks) == content_filter.mask(text)


@SETTINGS
@given(clean_text(), disguised(WORDS), clean_text())
def test_a_disguised_word_is_caught(before: str, hidden: tuple[str, str], after: str) -> None:
    word, disguise = hidden
    text = f"{before} {disguise} {after}"
    found = PLAIN.find(text)
    assert normalize_phrase(word) in [match.word for match in found]
    assert "#" in PLAIN.mask(text)


@SETTINGS
@given(clean_text(), disguised([*WORDS, "paypal"], look_alikes=True), clean_text())
def test_a_look_alike_word_is_caught_with_confusables(before: str, hidden: tuple[str, str], after: str) -> None:
    text = f"{before} {hidden[1]} {after}"
    assert CONFUSABLE.find(text)


@SETTINGS
@given(clean_text())
def test_text_without_a_blocked_word_comes_back_unchanged(text: str) -> None:
    assert PLAIN.mask(text) == text
    assert CONFUSABLE.mask(text) == text


@SETTINGS
@given(st.data())
def test_streaming_equals_the_whole_text_for_any_chunking(data: st.DataObject) -> None:
    pieces = data.draw(st.lists(st.one_of(clean_text(), disguised(WORDS).map(lambda pair: pair[1])), max_size=6))
    text = "".join(pieces)
    chunks = data.draw(chunked(text))
    assert_streaming_equals_the_whole_text(text, chunks)


@SETTINGS
@given(st.text(max_size=40), st.data())
def test_streaming_equals_the_whole_text_for_arbitrary_text(text: str, data: st.DataObject) -> None:
    chunks = data.draw(chunked(text))
    assert stream(PLAIN, chunks) == PLAIN.mask(text)
    assert stream(ANYWHERE, chunks) == ANYWHERE.mask(text)


# Pieces of text around and inside words, with every kind of hidden character and sequences cut short.
PIECES = ["s", "p", "a", "m", "x", "_", " ", "buy", "now", "é", "\u0301", "\u200b", "\n", "\x85", ";", "1"]
PIECES += [*HIDDEN, "\x1b", "\x1b[", "\x1b]", "\x9b", "\x9d", "\\", "[", "]", "\x1b]0;spam\x07", "\x1b]0;x"]
PIECES += ["\x00", "\x7f", "\x18", "\t", "!", "\x1b ", "\x1b[1\n", "\x1b\x00"]


@SETTINGS
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), st.data())
def test_streaming_equals_the_whole_text_with_control_characters(text: str, data: st.DataObject) -> None:
    chunks = data.draw(chunked(text))
    assert_streaming_equals_the_whole_text(text, chunks)


# Pieces of what a reader sees as a letter or as nothing without it being one character: marks of other
# scripts, signs NFKC spells with letters, HTML character references (whole and cut), surrogate halves.
TEXT_PIECES = ["s", "p", "a", "m", "x", "1", " ", "_", "ア", "ス", "ハ", "ß", "ﬁ", "\u0301", "\u200b", "\ufe0f"]
TEXT_PIECES += ["\u05b0", "\u0e48", "\u064e", "\u093c", "\u3099", "ﾟ", "™", "²", "①", "㎏", "ⓢ"]
TEXT_PIECES += ["&#115;", "&#x73;", "&shy;", "&nbsp;", "&#1456;", "&trade;", "&", "#", "x7", "3;", "shy", ";"]
TEXT_PIECES += ["\ud835", "\udc2c", "\udb40", "\udc20", "\U0001d42c"]
# An escape sequence next to a reference (``\x1b[&#x`` is a finished sequence), JSON escapes cut, kana marks.
TEXT_PIECES += ["\x1b[", "\x1b", "\\u", "0073", "\\", "\u309a", "\uff9f", "\u00ad"]


@SETTINGS
@given(st.lists(st.sampled_from(TEXT_PIECES), max_size=20).map("".join), st.data())
def test_streaming_equals_the_whole_text_with_marks_signs_references_and_surrogates(
    text: str, data: st.DataObject
) -> None:
    chunks = data.draw(chunked(text))
    assert_streaming_equals_the_whole_text(text, chunks)


# Letters of several styles (bold, circled, fullwidth, small capital, white on black) next to plain ones: a
# style change is a boundary wherever a chunk ends, also when a styled letter begins a chunk after plain ones.
STYLED_PIECES = ["s", "p", "a", "m", "x", "spam", "𝐬", "𝐩", "𝐚", "𝐦", "𝐱", "𝐬𝐩𝐚𝐦", "ⓢ", "ⓐ", "ⓧ", "ⓢⓟⓐⓜ"]
STYLED_PIECES += ["ｓ", "ｘ", "ꜱ", "ᴀ", "🅢", "🅰", "🅰\ufe0f", " ", "_", "\u0301", "\u200b", "\x00", "™"]
STYLED_PIECES += ["\ud835", "\udc2c", "\ud83c", "\udd82"]  # halves of 𝐬 and 🆂, as JSON escapes split them


@SETTINGS
@given(st.lists(st.sampled_from(STYLED_PIECES), max_size=12).map("".join), st.data())
def test_streaming_equals_the_whole_text_with_letters_of_mixed_styles(text: str, data: st.DataObject) -> None:
    chunks = data.draw(chunked(text))
    assert_streaming_equals_the_whole_text(text, chunks)


# JSON holding JSON: escapes whose backslash is escaped (once or more), runs of backslashes, escapes cut short,
# invisible characters between backslashes, a terminal's string terminator (``\x1b\\``) before a run.
ESCAPED_PIECES = ["s", "p", "a", "m", "x", " ", "buy", "now", "\\", "\\\\", "\\\\\\\\", "\\u00ad", "\\u0301", "\\u00a0"]
ESCAPED_PIECES += ["\\u0073", "\\x73", "\\ud835", "\\udc2c", "u", "00ad", "0073", "\u200b", "\x1b", "\x1b\\"]
ESCAPED_PIECES += ["&shy;", '"']


@SETTINGS
@given(st.lists(st.sampled_from(ESCAPED_PIECES), max_size=20).map("".join), st.data())
def test_streaming_equals_the_whole_text_with_escaped_backslashes(text: str, data: st.DataObject) -> None:
    chunks = data.draw(chunked(text))
    assert_streaming_equals_the_whole_text(text, chunks)


JSON_PIECES = ["s", "p", "a", "m", "buy", " ", "now", "\\", "\\u0073", "\u00ad", "\u0301", "\u00a0", "\U0001d42c"]
JSON_PIECES += ['"', "\n"]


@SETTINGS
@given(st.lists(st.sampled_from(JSON_PIECES), max_size=10).map("".join), st.integers(1, 4))
def test_masked_json_holding_json_stays_json_at_every_level(text: str, levels: int) -> None:
    document = text
    for _ in range(levels):
        document = json.dumps({"a": document})
    masked = PLAIN.mask(document)
    for _ in range(levels):
        masked = json.loads(masked)["a"]
