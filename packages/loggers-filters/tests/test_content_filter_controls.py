"""ContentFilter against control characters and terminal escape sequences: a terminal does not show them, so
they do not hide a blocked word, inside it or around it; a control character between words still separates
them; everything outside a match comes back exactly as it was; streams agree with whole replies."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import litellm
import pytest

from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.loggers.filters import ContentFilter

WORDS = ["spam", "buy now"]

# A blocked word with something a terminal does not show inside it: the whole word is masked.
INSIDE = [
    "sp\x00am",  # NUL
    "s\x07pam",  # BEL
    "spa\x7fm",  # DEL
    "sp\x08am",  # a backspace with nothing to overwrite reads as nothing
    "s\x01\x02\x03pam",  # a run of C0 controls
    "sp\x9fam",  # a C1 control
    "sp\x1bam",  # a lone ESC followed by a letter: the letter stays
    "s\x1b[1mpam",  # CSI (SGR bold)
    "s\x1b[mpam",  # CSI without parameters: its final "m" is no letter of the word
    "sp\x1b[38;2;255;0;0ma\x1b[0mm",  # 24-bit colour, and a reset
    "s\x9b1mpam",  # the 8-bit CSI
    "sp\x1b]0;title\x07am",  # OSC ended by BEL
    "sp\x1b]8;;https://example.com/\x1b\\am",  # OSC 8 hyperlink ended by ST
    "sp\x1bP1$r\x1b\\am",  # DCS
    "sp\x1b(Bam",  # charset designation
    "sp\x1b7am",  # save cursor
    "S\x00P\x1b[1mA\u200bM",  # with case and an invisible character
]


def masked(text: str, **options: object) -> str:
    return ContentFilter(WORDS, replacement="#", **options).mask(text)  # type: ignore[arg-type]


@pytest.mark.parametrize("word", INSIDE)
def test_hidden_characters_inside_a_word_do_not_hide_it(word: str) -> None:
    assert masked(f"a {word} b") == "a # b"
    assert masked(f"a {word} b", whole_words=False) == "a # b"
    assert masked(f"a {word} b", confusables=True) == "a # b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[31mspam\x1b[0m", "\x1b[31m#\x1b[0m"),  # colours around the word stay where they were
        ("\x1b[1;31mSPAM\x1b[m!", "\x1b[1;31m#\x1b[m!"),
        ("hello\x00spam", "hello\x00#"),  # a control character between words still separates them
        ("spam\x00ham", "#\x00ham"),
        ("hello\x00sp\x00am", "hello\x00#"),  # a boundary at one, nothing at the other
        ("x\x1b[1mspam", "x\x1b[1m#"),
        ("\x1bspam", "\x1b#"),
        ("\x9bspam", "\x9b#"),
        ("_\x00spam_", "_\x00#_"),
        ("buy\x1b[1m now", "#"),  # a phrase across an escape sequence
        ("buy \x00 now", "#"),
        ("buy\x07\r\nnow", "#"),
        ("\x1b]0;spam\x07", "\x1b]0;#\x07"),  # a window title shows its text
        ("a \x1b[1m\x00 sp\x00am\x07 b", "a \x1b[1m\x00 #\x07 b"),
        # Without BEL or ST within reach, "\x1b]" is a lone escape and what follows is text.
        ("\x1b]spam", "\x1b]#"),
        ("\x1b]0;" + "x" * 2000 + " spam\x07", "\x1b]0;" + "x" * 2000 + " #\x07"),
        # Nothing to mask: NEL is a line break (two words); backspace overwriting is not read (see the
        # README); an identifier stays one; sequences alone.
        ("sp\x85am", "sp\x85am"),
        ("spx\x08am", "spx\x08am"),
        ("my_sp\x00am", "my_sp\x00am"),
        ("class\x00ic \x1b[1mclass\x1b[0m", "class\x00ic \x1b[1mclass\x1b[0m"),
        ("\x1b[2 q and \x1b[?25l", "\x1b[2 q and \x1b[?25l"),
    ],
)
def test_masking_keeps_everything_outside_the_word(text: str, expected: str) -> None:
    assert masked(text) == expected


def test_matches_report_original_offsets_across_hidden_characters() -> None:
    text = "a s\x1b[1mp\x00am b"
    [match] = ContentFilter(["spam"]).find(text)
    assert text[match.start : match.end] == "s\x1b[1mp\x00am"


def stream_through(content_filter: ContentFilter, pieces: list[str]) -> str:
    transform = content_filter.response_transform({})
    assert transform is not None
    return "".join(transform.transform(piece) for piece in pieces) + transform.flush()


@pytest.mark.parametrize(
    "text",
    [
        "x \x1b[31msp\x1b]0;t\x07a\x00m\x1b[0m y",
        "hello\x00spam, buy\x1b[1m now",
        "\x1b]0;spam\x07 s\x9b12mpam \x1b]8;;u\x1b\\spam\x1b]8;;\x1b\\",
        "ab\x1b]0;unended sp\x00am",
    ],
)
def test_a_stream_cut_anywhere_gives_the_whole_reply(text: str) -> None:
    content_filter = ContentFilter(WORDS, replacement="#")
    expected = content_filter.mask(text)
    assert "#" in expected
    for cut in range(1, len(text)):
        assert stream_through(content_filter, [text[:cut], text[cut:]]) == expected, cut
    for first, second in itertools.combinations(range(1, len(text)), 2):
        pieces = [text[:first], text[first:second], text[second:]]
        assert stream_through(content_filter, pieces) == expected, pieces
    assert stream_through(content_filter, list(text)) == expected


def test_an_endless_escape_sequence_is_not_held_without_bound() -> None:
    """``\\x1b[`` followed by a megabyte of digits: the word after it is masked, whole or streamed; a stream
    passes what comes before at once and keeps no more than its hold-back bound of the sequence."""
    content_filter = ContentFilter(WORDS, replacement="#")
    digits = "1" * 1_000_000
    assert content_filter.mask(f"x \x1b[{digits}mspam") == f"x \x1b[{digits}m#"
    transform = content_filter.response_transform({})
    assert transform is not None
    outputs = [transform.transform(piece) for piece in ["x \x1b[", *(["1" * 1000] * 1000), "mspam"]]
    output = "".join(outputs) + transform.flush()
    assert outputs[0] == "x "
    assert output.startswith("x \x1b[1")
    assert output.endswith("1m#")
    assert len(output) < 70_000  # the padding past the bound was dropped, not kept


@pytest.mark.parametrize("path", ["completion", "completion_stream", "acompletion", "acompletion_stream"])
def test_replies_through_litellm_are_masked(path: str, call: Callable[..., str]) -> None:
    litellm.callbacks = [ContentFilter(WORDS)]
    reply = call(path, "red \x1b[31mspam\x1b[0m, s\x1b[1mp\x00am, sp\x1b]0;title\x07am and buy\x07 now!")
    assert reply == "red \x1b[31m[FILTERED]\x1b[0m, [FILTERED], [FILTERED] and [FILTERED]!"


@pytest.mark.parametrize("path", ["completion", "completion_stream", "acompletion", "acompletion_stream"])
def test_block_refuses_a_reply_with_a_hidden_word(path: str, call: Callable[..., str]) -> None:
    litellm.callbacks = [ContentFilter(WORDS, action="block")]
    with pytest.raises(InterceptorRejectedError):
        call(path, "this is s\x1b[1mpa\x7fm")
    assert call(path, "this is \x1b[1mclean\x1b[0m") == "this is \x1b[1mclean\x1b[0m"


def test_requests_are_masked_too(call: Callable[..., str], provider: object) -> None:
    litellm.callbacks = [ContentFilter(WORDS, filter_requests=True, filter_responses=False)]
    assert call("completion", "no sp\x00am \x1b[1mhere") == "no [FILTERED] \x1b[1mhere"


# Read the terminal's way (ECMA-48, the VT500 parser): a sequence takes intermediate bytes 0x20-0x2F, the space
# included, and goes on past a C0 control (executed) or DEL (ignored) inside it; CAN and SUB abort it, ESC
# starts a new one. Each of these shows ``spam`` on a terminal.
TERMINAL_INSIDE = [
    "sp\x1b[2 qam",  # DECSCUSR: a space as the intermediate byte of a CSI
    "sp\x1b Fam",  # S7C1T: an escape with a space as intermediate byte (nF)
    "sp\x1b[1\x00mam",  # a C0 control inside a CSI
    "sp\x1b[1\x07mam",
    "sp\x1b[1\x7fmam",  # DEL inside a CSI
    "sp\x1b[3 @am",  # SL (ECMA-48 scroll left): another final byte after a space
    "sp\x1b[1 !pam",  # two intermediate bytes, one a space
    "sp\x1b[ 1mam",  # a parameter after an intermediate: the terminal ignores the sequence up to its end
    "sp\x1b  Gam",  # an escape with two spaces as intermediate bytes
    "sp\x1b(\x00Bam",  # a control inside an escape
    "sp\x1b\x00[1mam",  # a control between ESC and "["
    "sp\x1b[\x7f1\x01\x02;31\x19mam",  # controls and DEL all over a CSI
    "sp\x9b1\x00mam",  # the 8-bit CSI
    "s\x1b[1\x00\x1b[0\x7fmpam",  # a sequence cut by ESC, then a new one
]


@pytest.mark.parametrize("word", TERMINAL_INSIDE)
def test_sequences_are_read_the_way_a_terminal_reads_them(word: str) -> None:
    assert masked(f"a {word} b") == "a # b"
    assert masked(f"a {word} b", whole_words=False) == "a # b"
    assert masked(f"a {word} b", confusables=True) == "a # b"
    content_filter = ContentFilter(WORDS, replacement="#")
    assert stream_through(content_filter, list(f"a {word} b")) == "a # b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A line break inside a sequence is executed: it separates words, and the sequence goes on.
        ("x \x1b[1\nmspam", "x \x1b[1\nm#"),
        ("buy\x1b[1\r\nmnow", "#"),
        ("buy\x1b\n]0;t\x07now", "#"),  # also between ESC and a control string's introducer
        ("sp\x1b \x00\nBam", "sp\x1b \x00\nBam"),  # the terminal shows "sp", a line break, "am"
        # The terminal reads a space as part of the sequence: what it shows is "pam", no word.
        ("\x1b[; spam", "\x1b[; spam"),
        ("\x1b spam", "\x1b spam"),
        ("\x1b[1 spam", "\x1b[1 spam"),
        # CAN and SUB abort a sequence: the terminal shows "spmam".
        ("sp\x1b[1\x18mam", "sp\x1b[1\x18mam"),
        ("sp\x1b[1\x1amam", "sp\x1b[1\x1amam"),
        # Control strings are read as before: a title's line break is part of the title.
        ("\x1b]0;a\nb\x07spam", "\x1b]0;a\nb\x07#"),
        ("sp\x1bP1 q\n\x1b\\am", "#"),
    ],
)
def test_sequences_with_spaces_and_controls_inside(text: str, expected: str) -> None:
    assert masked(text) == expected
    content_filter = ContentFilter(WORDS, replacement="#")
    for cut in range(1, len(text)):
        assert stream_through(content_filter, [text[:cut], text[cut:]]) == expected, cut
    assert stream_through(content_filter, list(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x sp\x1b[2 qam, \x1b Fspam\x1b[1\x00\nmspam y", "x #, \x1b F#\x1b[1\x00\nm# y"),
        ("\x1b[; spam \x1b\x00(\x00Bspam", "\x1b[; spam \x1b\x00(\x00B#"),
    ],
)
def test_a_stream_of_terminal_sequences_cut_anywhere_gives_the_whole_reply(text: str, expected: str) -> None:
    content_filter = ContentFilter(WORDS, replacement="#")
    assert content_filter.mask(text) == expected
    for first, second in itertools.combinations(range(1, len(text)), 2):
        pieces = [text[:first], text[first:second], text[second:]]
        assert stream_through(content_filter, pieces) == expected, pieces


@pytest.mark.parametrize(
    ("head", "padding"),
    [("\x1b[", "1\n"), ("\x1b[1", "\x00 "), ("\x1b", "\x00\t"), ("\x1b!", "\x7f\r ")],
)
def test_an_endless_sequence_with_controls_inside_is_not_held_without_bound(head: str, padding: str) -> None:
    """A sequence that goes on past controls and spaces for a megabyte: the word after its end is masked,
    whole or streamed, and a stream keeps no more than its hold-back bound of it."""
    content_filter = ContentFilter(WORDS, replacement="#")
    body = padding * (1_000_000 // len(padding))
    final = "[1m" if head == "\x1b" else "m"
    assert content_filter.mask(f"x {head}{body}{final}spam").endswith(f"{final}#")
    transform = content_filter.response_transform({})
    assert transform is not None
    outputs = [transform.transform(piece) for piece in ["x ", head, *([body[:1000]] * 1000), final + "spam"]]
    output = "".join(outputs) + transform.flush()
    assert output.startswith(f"x {head}")
    assert output.endswith(f"{final}#")
    assert len(output) < 70_000


TERMINAL_REPLY = "a sp\x1b[2 qam, sp\x1b Fam, sp\x1b[1\x00mam, sp\x1b[1\x07mam and sp\x1b[1\x7fmam!"


@pytest.mark.parametrize("path", ["completion", "completion_stream", "acompletion", "acompletion_stream"])
def test_replies_with_terminal_sequences_through_litellm_are_masked(path: str, call: Callable[..., str]) -> None:
    litellm.callbacks = [ContentFilter(WORDS)]
    reply = call(path, TERMINAL_REPLY)
    assert reply == "a [FILTERED], [FILTERED], [FILTERED], [FILTERED] and [FILTERED]!"


@pytest.mark.parametrize("word", TERMINAL_INSIDE[:5])  # the inputs a tester found
@pytest.mark.parametrize("path", ["completion", "completion_stream"])
def test_block_refuses_a_reply_with_a_word_behind_terminal_sequences(
    path: str, word: str, call: Callable[..., str]
) -> None:
    litellm.callbacks = [ContentFilter(WORDS, action="block")]
    with pytest.raises(InterceptorRejectedError):
        call(path, f"this is {word}")
