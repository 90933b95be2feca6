"""Escape sequences in text: a reply that is JSON (structured output) reaches the caller's ``json.loads`` with
its escapes decoded, and Python's ``json.dumps`` writes every non-ASCII letter as one by default. So
``\\u30b9\\u30d1\\u30e0`` is compared as ``スパム``, a ``\\ud835\\udc2c`` pair as ``𝐬``; masked as a whole, the
JSON stays valid. Through LiteLLM's public API: replies, streams cut anywhere (inside an escape, between the
halves of a pair), block mode and requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import litellm
import pytest

from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.loggers.filters import ContentFilter

Call = Callable[..., str]
BLOCKED = ["スパム", "spam", "𝐬ecret"]


def _utf16(letter: str, spell: str) -> str:
    """``letter`` as ``\\u`` escapes, a surrogate pair beyond the BMP (as JSON writes it)."""
    code = ord(letter)
    if code < 0x10000:
        return "\\u" + format(code, spell)
    code -= 0x10000
    return "\\u" + format(0xD800 + (code >> 10), spell) + "\\u" + format(0xDC00 + (code & 0x3FF), spell)


def _escaped(word: str) -> list[str]:
    """``word`` with its letters written as escapes, each way a JSON or Python writer spells them."""
    return [
        json.dumps(word)[1:-1],  # ensure_ascii: only the non-ASCII letters escaped
        "".join(_utf16(letter, "04x") for letter in word),
        "".join(_utf16(letter, "04X") for letter in word),
        "".join(f"\\U{ord(letter):08x}" for letter in word),
        "".join(f"\\x{ord(letter):02x}" if ord(letter) < 0x100 else letter for letter in word),
    ]


DISGUISES = sorted({form for word in BLOCKED for form in _escaped(word) if form != word})


def test_the_class_covers_each_spelling() -> None:
    assert "\\u30b9\\u30d1\\u30e0" in DISGUISES
    assert "\\ud835\\udc2cecret" in DISGUISES
    assert "\\U0001d42c\\U00000065\\U00000063\\U00000072\\U00000065\\U00000074" in DISGUISES
    assert "\\uD835\\uDC2C\\u0065\\u0063\\u0072\\u0065\\u0074" in DISGUISES
    assert "\\x73\\x70\\x61\\x6d" in DISGUISES


@pytest.mark.parametrize("path", ["acompletion", "completion_stream", "acompletion_stream", "router_acompletion"])
def test_a_word_written_with_escapes_is_masked(path: str, call: Call) -> None:
    litellm.callbacks = [ContentFilter(BLOCKED, replacement="#")]
    reply = call(path, " ".join(DISGUISES))
    leaked = [text for text, out in zip(DISGUISES, reply.split(" "), strict=True) if out != "#"]
    assert not leaked, leaked


@pytest.mark.parametrize("path", ["acompletion", "acompletion_stream"])
def test_a_structured_reply_from_json_dumps_is_masked_and_stays_json(path: str, call: Call) -> None:
    litellm.callbacks = [ContentFilter(BLOCKED, replacement="[FILTERED]")]
    reply = call(path, json.dumps({"answer": "これはスパムです", "note": "a 𝐬ecret", "ok": "fine"}))
    assert json.loads(reply) == {"answer": "これは[FILTERED]です", "note": "a [FILTERED]", "ok": "fine"}


# JSON holding JSON: each escape's backslash escaped again per level (a second ``json.dumps``), runs of
# backslashes before an escape, a terminal's string terminator (``\x1b\\``) before one.
ESCAPED_TWICE = ["sp\\\\u00adam", "spa\\\\u0301m", "\\\\ud835\\\\udc2cecret", '{"p": "{\\"t\\": \\"sp\\\\u200bam\\"}"}']
ESCAPED_TWICE += ["\\\\x73pam", "\\\\\\u0073pam", "\\\\\\\\u0073pam", "sp\\\\\\\\u2060am", "\x1b\\\\\\u0073pam"]


@pytest.mark.parametrize(
    "text", ['{"a": "\\u30b9\\u30d1\\u30e0"}', "x \\ud835\\udc2cecret y", "\\x73pam \\u0073pam", *ESCAPED_TWICE]
)
def test_every_cut_of_a_stream_gives_the_whole_replys_result(
    text: str, assert_stream_cuts_agree: Callable[[Any, str], None]
) -> None:
    content_filter = ContentFilter(BLOCKED, replacement="#")
    assert content_filter.mask(text) != text
    assert_stream_cuts_agree(content_filter, text)


def test_an_escape_cut_short_at_the_end_of_a_stream_stays_text(
    assert_stream_cuts_agree: Callable[[Any, str], None],
) -> None:
    assert_stream_cuts_agree(ContentFilter(BLOCKED, replacement="#"), 'q "\\u00"')


def test_a_blocked_word_in_escapes_refuses_the_reply(call: Call) -> None:
    litellm.callbacks = [ContentFilter(["スパム"], action="block")]
    for path in ("acompletion", "acompletion_stream"):
        with pytest.raises(InterceptorRejectedError):
            call(path, json.dumps({"answer": "これはスパムです"}))


def test_a_request_is_masked_before_the_model_reads_it(call: Call, provider: Any) -> None:
    litellm.callbacks = [ContentFilter(["spam"], replacement="#", filter_requests=True, filter_responses=False)]
    call("acompletion", "say \\u0073pam")
    assert provider.llm.seen[-1][-1]["content"] == "say #"


@pytest.mark.parametrize(
    "text",
    [
        "C:\\users\\spa m",  # escapes of no letter
        "\\u00 sp-am \\x7",  # cut short: text
        "\\ud835 alone, \\udc2c alone",  # lone halves: a replacement character, not a letter
        "\\u0000\\u001f\\x00",  # control characters
    ],
)
def test_text_that_is_not_an_escape_of_the_word_stays(text: str) -> None:
    assert ContentFilter(["spam"], replacement="#").mask(text) == text


@pytest.mark.parametrize("path", ["acompletion", "acompletion_stream"])
@pytest.mark.parametrize(
    "inner",
    ["sp\u00adam", "sp\u200bam", "sp\u2060am", "spa\u0301m", "\U0001d42cpam", "buy\u00a0now"],
)
def test_json_holding_json_is_masked_for_a_client_that_decodes_twice(path: str, inner: str, call: Call) -> None:
    litellm.callbacks = [ContentFilter(["spam", "buy now"], replacement="[FILTERED]")]
    reply = call(path, json.dumps({"payload": json.dumps({"text": inner, "ok": "fine"})}))
    assert json.loads(json.loads(reply)["payload"]) == {"text": "[FILTERED]", "ok": "fine"}


def _escapes_of(char: str) -> list[str]:
    """``char`` as each escape a JSON or Python writer spells it (a surrogate pair beyond the BMP)."""
    escapes = [_utf16(char, "04x"), f"\\U{ord(char):08x}"]
    return [*escapes, f"\\x{ord(char):02x}"] if ord(char) < 0x100 else escapes


# Characters of every class the comparison form knows: letters, invisible characters, decorations, combining
# marks, spaces, signs, variation selectors, tags and letters beyond the BMP; around words and inside them.
CLASS_SAMPLE = [*range(0x41, 0x7B), *range(0xA0, 0x380), *range(0x2000, 0x2070), *range(0x20D0, 0x20F1), 0x2122]
CLASS_SAMPLE += [0x2800, 0x3000, 0x3099, *range(0xFE00, 0xFE10), 0xFEFF, 0x1D42C, 0x1F3FB, 0xE0061, 0xE0100]
AROUND = ["sp{}am", "spam{}", "{}spam", "s{}pam", "buy{}now", "ス{}パム"]


def test_an_escape_with_its_backslash_escaped_is_read_as_the_escape_for_every_character() -> None:
    content_filter = ContentFilter([*BLOCKED, "buy now"], replacement="#")
    differ = []
    for code in CLASS_SAMPLE:
        for escape in _escapes_of(chr(code)):
            for around in AROUND:
                once, twice = around.format(escape), around.format(escape.replace("\\", "\\\\"))
                if content_filter.mask(twice).replace("\\\\", "\\") != content_filter.mask(once):
                    differ.append(twice)
    assert not differ, differ[:20]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("\\u0073pam", "[FILTERED]"),  # one level of JSON in JSON
        ("\\x73pam", "[FILTERED]"),
        ("\\\\u0073pam", "[FILTERED]"),  # two levels
        ("\\\\\\u0073pam", "\\\\[FILTERED]"),  # a backslash, then an escape: the backslash stays
        ("\\ud835\\udc2cpam", "[FILTERED]"),
        ("sp\\u00adam and \\u0073pam", "[FILTERED] and [FILTERED]"),
    ],
)
def test_masking_an_escape_with_its_backslash_escaped_keeps_the_json_valid(
    value: str, expected: str, call: Call
) -> None:
    litellm.callbacks = [ContentFilter(["spam"], replacement="[FILTERED]")]
    for path in ("acompletion", "acompletion_stream"):
        assert json.loads(call(path, json.dumps({"a": value}))) == {"a": expected}
