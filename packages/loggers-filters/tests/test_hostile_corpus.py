"""ContentFilter against what attackers send: one case per obfuscation class, through find, mask, block,
streams split at every boundary; and clean text that must come back byte for byte."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import litellm
import pytest
from pydantic import ValidationError

from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.loggers.filters import ContentFilter
from litellm_plugin.loggers.filters.stream import MAX_HELD_CHARS

WORDS = ["spam", "buy now", "スパム"]
ZALGO = "".join(chr(code) for code in range(0x0300, 0x0320))

# (class, the disguised word, what it becomes when masked with "#")
HOSTILE = [
    ("zero-width space", "sp\u200bam", "#"),
    ("soft hyphen", "sp\u00adam", "#"),
    ("word joiner", "sp\u2060am", "#"),
    ("bidi override", "s\u202ep\u202cam", "#"),
    ("variation selector", "sp\ufe0fam", "#"),
    ("variation selector supplement", "sp\U000e0100am", "#"),
    ("combining grapheme joiner", "s\u034fpam", "#"),
    ("mongolian free variation selector", "sp\u180bam", "#"),
    ("hangul filler", "sp\u3164am", "#"),
    ("halfwidth hangul filler", "sp\uffa0am", "#"),
    ("hangul choseong filler", "sp\u115fam", "#"),
    ("hangul jungseong filler", "sp\u1160am", "#"),
    ("tag characters", "s\U000e0073p\U000e0070am", "#"),
    ("diaeresis above", "s\u0308pam", "#"),
    ("underline", "s\u0332p\u0332a\u0332m\u0332", "#"),
    ("underline after the word", "spam\u0332", "#"),
    ("strike-through", "s\u0336p\u0336a\u0336m\u0336", "#"),
    ("enclosing circle", "s\u20ddpam", "#"),
    ("precomposed accent", "spàm", "#"),
    ("stacked marks", f"s{ZALGO}pam", "#"),
    ("upper case", "SPAM", "#"),
    ("fullwidth", "ＳＰＡＭ", "#"),
    ("mathematical bold", "𝐬𝐩𝐚𝐦", "#"),
    ("halfwidth katakana", "ｽﾊﾟﾑ", "#"),
    ("halfwidth katakana with invisible inside", "ｽﾊ\u200bﾟﾑ", "#"),
    ("markdown italic", "_spam_", "_#_"),
    ("markdown bold", "__spam__", "__#__"),
    ("markdown bold italic", "___spam___", "___#___"),
    ("phrase across no-break spaces", "Buy\u00a0\u00a0NOW", "#"),
    ("phrase across a line break", "buy\r\nnow", "#"),
    ("phrase with invisible padding", "buy\u200b\u200b now", "#"),
    ("phrase with ideographic space", "buy\u3000now", "#"),
]
CONFUSABLE = [
    ("cyrillic letters", "ѕраm"),
    ("greek capitals", "ΡayΡal"),
    ("greek omicron", "hellο"),
    ("cyrillic and fullwidth", "ｓраｍ"),
    ("cyrillic with an accent", "ѕра́m"),
    ("digit zero for o", "hell0"),
]
CLEAN = [
    "a family 👨\u200d👩\u200d👧\u200d👦 and a flag 🇺🇸 and a keycap 1\ufe0f\u20e3",
    "café, naïve résumé, e\u0301 composed by hand",
    "line one\r\nline two\r\n",
    "spam_filter, my_spam, SPAM_COUNT=3, a_spam_b and __init__",
    "class, assignment, spammer, spa, pam, sp am",
    "invisible\u200b\u2060\ufe0f characters\u00ad outside any word",
    "\u202eright to left\u202c and ハム and ｽﾊﾟ",
    "tabs\tand   spaces\u3000everywhere",
    "",
]


def masked_filter(**options: object) -> ContentFilter:
    return ContentFilter(WORDS, replacement="#", **options)  # type: ignore[arg-type]


def stream(content_filter: ContentFilter, pieces: list[str]) -> str:
    transform = content_filter.response_transform({})
    assert transform is not None
    return "".join(transform.transform(piece) for piece in pieces) + transform.flush()


def every_split(text: str) -> list[list[str]]:
    return [[text[:cut], text[cut:]] for cut in range(1, len(text))] + [list(text)]


@pytest.mark.parametrize(("name", "word", "expected"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_mask_and_find(name: str, word: str, expected: str) -> None:
    content_filter = masked_filter()
    text = f"before {word} after"
    assert content_filter.mask(text) == f"before {expected} after"
    [match] = content_filter.find(text)
    start = len("before ") + expected.index("#")
    assert match.start == start
    assert text[match.end :] == expected[expected.index("#") + 1 :] + " after"


@pytest.mark.parametrize(("name", "word", "expected"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_streams_split_at_every_boundary(name: str, word: str, expected: str) -> None:
    content_filter = masked_filter()
    text = f"x {word}!"
    for pieces in every_split(text):
        assert stream(content_filter, pieces) == f"x {expected}!", pieces


@pytest.mark.parametrize(("name", "word", "expected"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_block_refuses_the_reply(name: str, word: str, expected: str, call: Callable[..., str]) -> None:
    litellm.callbacks = [ContentFilter(WORDS, action="block")]
    for path in ("acompletion", "acompletion_stream"):
        with pytest.raises(InterceptorRejectedError):
            call(path, f"here: {word}.")


@pytest.mark.parametrize(("name", "word"), CONFUSABLE, ids=[case[0] for case in CONFUSABLE])
def test_confusables_option(name: str, word: str) -> None:
    words = ["spam", "paypal", "hello"]
    text = f"<{word}>"
    assert ContentFilter(words, replacement="#").mask(text) == text  # off by default
    content_filter = ContentFilter(words, replacement="#", confusables=True)
    assert content_filter.mask(text) == "<#>"
    [match] = content_filter.find(text)
    assert (match.start, match.end) == (1, len(text) - 1)
    for pieces in every_split(text):
        assert stream(content_filter, pieces) == "<#>"


@pytest.mark.parametrize("confusables", [False, True])
@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_comes_back_byte_for_byte(text: str, confusables: bool) -> None:
    content_filter = masked_filter(confusables=confusables)
    assert content_filter.find(text) == []
    assert content_filter.mask(text) == text
    for pieces in every_split(text)[:40]:
        assert stream(content_filter, pieces) == text


def test_accents_outside_a_match_are_kept() -> None:
    assert masked_filter().mask("Crème brûlée, spàm, naïve") == "Crème brûlée, #, naïve"


@pytest.mark.parametrize("word", [".", "--", "!!!", "\ufe0f", "\u0301", "\u200b", "_", "…", "\u20dd", " * "])
def test_words_without_a_letter_or_digit_are_rejected(word: str) -> None:
    with pytest.raises(ValidationError) as error:
        ContentFilter(["spam", word])
    assert repr(word) in str(error.value)


def test_a_words_file_entry_without_a_letter_is_rejected(tmp_path: object) -> None:
    from pathlib import Path

    words = Path(str(tmp_path)) / "words.txt"
    words.write_text("spam\n--\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="'--'"):
        ContentFilter(blocked_words_file=str(words))


def test_padding_between_phrase_words_is_held_within_a_bound() -> None:
    content_filter = masked_filter()
    transform = content_filter.response_transform({})
    assert transform is not None
    out = [transform.transform("I will buy")]
    held = 0
    for _ in range(MAX_HELD_CHARS + 5000):
        out.append(transform.transform("\u200b"))
        held = max(held, transform.held_back)
    out.append(transform.transform(" now!"))
    out.append(transform.flush())
    assert "".join(out) == "I will #!"
    assert held <= MAX_HELD_CHARS


def test_padding_past_the_bound_is_dropped_and_the_text_released() -> None:
    content_filter = masked_filter()
    transform = content_filter.response_transform({})
    assert transform is not None
    pieces = ["I will buy", *(["\u200b" * 1000] * 70), " nothing."]
    output = "".join(transform.transform(piece) for piece in pieces) + transform.flush()
    assert output.replace("\u200b", "") == "I will buy nothing."
    assert len(output) <= len("I will buy nothing.") + MAX_HELD_CHARS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spam_filter", "spam_filter"),
        ("_spam_filter", "_spam_filter"),
        ("my_spam_", "my_spam_"),
        ("(_spam_)", "(_#_)"),
        ("**spam**", "**#**"),
        ("__spam__.", "__#__."),
        ("x __spam__", "x __#__"),
    ],
)
def test_underscores_are_emphasis_only_outside_identifiers(text: str, expected: str) -> None:
    content_filter = masked_filter()
    assert content_filter.mask(text) == expected
    for pieces in itertools.chain(every_split(text), [[text]]):
        assert stream(content_filter, pieces) == expected
