"""HTML character references in text: a reply rendered as Markdown or HTML (a chat window) shows
``&#115;pam`` as ``spam``, so a reference is compared as the character it stands for. The whole class (every
letter in decimal and hexadecimal, every named reference to a letter, an invisible character or a space),
through LiteLLM's public API: replies, streams cut inside references, and requests."""

from __future__ import annotations

import html.entities
from collections.abc import Callable
from typing import Any

import litellm
import pytest

from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.loggers.filters import ContentFilter
from litellm_plugin.loggers.filters.chars import DROP, SPACE, fold, kind

Call = Callable[..., str]
NAMED = {name[:-1]: text for name, text in html.entities.html5.items() if name.endswith(";") and len(text) == 1}


def _letters(word: str) -> list[str]:
    """The word with its letters written as references, each way there is."""
    forms = [
        "".join(f"&#{ord(letter)};" for letter in word),
        "".join(f"&#x{ord(letter):x};" for letter in word),
        "".join(f"&#X{ord(letter):04X};" for letter in word),
        f"&#{ord(word[0]):07d};{word[1:]}",
        f"{word[:-1]}&#x{ord(word[-1]):X};",
    ]
    for name, char in NAMED.items():  # &aacute; &Sscr; &sfr;... a reference to any form of a letter
        folded = fold(char)
        for index, letter in enumerate(word):
            if folded == letter:
                forms.append(f"{word[:index]}&{name};{word[index + 1 :]}")
    return forms


def _invisible(word: str) -> list[str]:
    names = [name for name, char in NAMED.items() if kind(char) == DROP]
    return [f"{word[:2]}&{name};{word[2:]}" for name in names]


def _spaces() -> list[str]:
    named = [f"buy&{name};now" for name, char in NAMED.items() if kind(char) == SPACE]
    # A line break or tab written as a number (a renderer shows the whitespace), and as a JSON escape.
    numbered = [form for code in range(0x09, 0x0E) for form in (f"buy&#{code};now", f"buy&#x{code:02X};now")]
    return [*named, *numbered, "buy\\u000anow", "buy\\u0009now"]


DISGUISES = [*_letters("spam"), *_invisible("spam"), *_spaces()]


def test_the_class_is_large() -> None:
    assert len(_letters("spam")) > 40
    assert {"sp&shy;am", "sp&ZeroWidthSpace;am", "sp&zwj;am"} <= set(_invisible("spam"))
    assert {"buy&nbsp;now", "buy&emsp;now", "buy&NewLine;now", "buy&#10;now", "buy&#x0D;now"} <= set(_spaces())


@pytest.mark.parametrize("path", ["acompletion", "completion_stream", "acompletion_stream", "router_acompletion"])
def test_a_word_written_with_references_is_masked(path: str, call: Call) -> None:
    litellm.callbacks = [ContentFilter(["spam", "buy now"], replacement="#")]
    reply = call(path, " ".join(DISGUISES))
    leaked = [text for text, out in zip(DISGUISES, reply.split(" "), strict=True) if out != "#"]
    assert not leaked, leaked[:20]


@pytest.mark.parametrize(
    "text",
    [
        "a &#115;&#x70;am b",
        "&#115;pam&#115;",
        "x sp&shy;am&amp; y",
        "&amp;#115;pam",
        "spa&#109",
        # an escape sequence the terminal ends at "x" (not the start of "&#x73;"), cut after it
        "x \x1b[&#x73;spam here",
        # a mark after a reference to an invisible character joins the letter before it, as after the character
        "A&shy;\u309aspam here",
        "A&#173;\uff9fspam here",
        "A\u00ad\u309aspam here",
        # underscores between a word and a reference to a letter: one word (snake_case), also when cut inside it
        "nows spam_&#x73;x",
        "spam_\\u0073a",
        # a mark after a reference to an invisible character goes with a masked word, cut anywhere
        "spam&shy;\u0308 x",
        "spam&#8203;\u0308 x",
        "spam\\u00ad\u0301 x",
        "spam&shy;\u05b0 x",
    ],
)
def test_every_cut_of_a_stream_gives_the_whole_replys_result(
    text: str, assert_stream_cuts_agree: Callable[[Any, str], None]
) -> None:
    assert_stream_cuts_agree(ContentFilter(["spam"], replacement="#"), text)


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        (["spam&shy;\u0308"], "***"),
        (["spam&shy;\u0308", " x"], "*** x"),
        (["spam&#8203;\u0308", " x"], "*** x"),
        (["spam&shy;&ZeroWidthSpace;\u0308\u0301", " x"], "*** x"),
        (["spam\\u00ad\u0308", " x"], "*** x"),
        (["spam&shy;\u0e48", " x"], "*** x"),  # a Thai tone mark on a Latin letter, folded like an accent
    ],
)
def test_a_mark_after_a_reference_to_an_invisible_character_goes_with_a_streamed_match(
    chunks: list[str], expected: str
) -> None:
    """The whole reply masks the reference and the mark with the word; a stream did too only when the next chunk
    came before the match was decided (the mark was left after the replacement)."""
    content_filter = ContentFilter(["spam"], replacement="***")
    assert content_filter.mask("".join(chunks)) == expected
    transform = content_filter.response_transform({})
    assert transform is not None
    assert "".join(transform.transform(chunk) for chunk in chunks) + transform.flush() == expected


def test_a_blocked_word_in_references_refuses_the_reply(call: Call) -> None:
    litellm.callbacks = [ContentFilter(["spam"], action="block")]
    for path in ("acompletion", "acompletion_stream"):
        with pytest.raises(InterceptorRejectedError):
            call(path, "look: &#115;&#112;&#97;&#109;")


def test_a_request_is_masked_before_the_model_reads_it(call: Call, provider: Any) -> None:
    litellm.callbacks = [ContentFilter(["spam"], replacement="#", filter_requests=True, filter_responses=False)]
    call("acompletion", "say &#x73;pam")
    assert provider.llm.seen[-1][-1]["content"] == "say #"


@pytest.mark.parametrize(
    "text",
    [
        "&amp;#115;pam",  # shows "&#115;pam"
        "&#115pam",  # no ";": CommonMark shows it as text
        "&#0;&#xD800;&#x110000;",
        "AT&T, fish &amp; chips, &lt;b&gt;, a&b;c",
    ],
)
def test_text_that_is_not_a_reference_to_the_word_stays(text: str) -> None:
    assert ContentFilter(["spam"], replacement="#").mask(text) == text
