"""ContentFilter against what attackers send: one case per obfuscation class, through find, mask, block,
streams split at every boundary and the proxy guardrail path; and clean text that must come back byte for
byte. In the proxy also: credential headers stay out of RequestLogger's log."""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import litellm
import openai
import pytest
from pydantic import ValidationError

from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.core.testing import early
from litellm_plugin.core.testing.early import early_server
from litellm_plugin.core.testing.proxy_files import run_proxy_in_folder
from litellm_plugin.core.testing.servers import ProxyNotInstalledError, ServerProcess
from litellm_plugin.loggers.filters import ContentFilter
from litellm_plugin.loggers.filters.stream import MAX_HELD_CHARS

WORDS = ["spam", "buy now", "スパム", "ㅅㅂ"]
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
    ("tag characters", "s\U000e0073p\U000e0070am", "#"),
    ("diaeresis above", "s\u0308pam", "#"),
    ("underline", "s\u0332p\u0332a\u0332m\u0332", "#"),
    ("underline after the word", "spam\u0332", "#"),
    ("strike-through", "s\u0336p\u0336a\u0336m\u0336", "#"),
    ("enclosing circle", "s\u20ddpam", "#"),
    ("marks of other scripts", "s\u05b0p\u0e48a\u064em\u093c", "#"),
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
    ("phrase across a braille blank", "buy\u2800now", "#"),
    # Default-ignorable, yet drawn as a blank by text renderers: a reader sees "buy now".
    ("phrase across a hangul filler", "buy\u3164now", "#"),
    ("phrase across a halfwidth hangul filler", "buy\uffa0now", "#"),
    ("a word after a hangul filler", "love\u3164spam", "love\u3164#"),
    # Format characters renderers draw (Prepended_Concatenation_Mark): a sign between words.
    ("a word after an end of ayah", "love\u06ddspam", "love\u06dd#"),
    ("a word after an arabic number sign", "love\u0600spam", "love\u0600#"),
    # Conjoining Hangul fillers inside syllable blocks draw nothing: "ㅅㅂ" written as two syllables.
    ("conjoining hangul fillers inside syllable blocks", "\u1109\u1160\u1107\u1160", "#\u1160"),
    ("hangul choseong filler", "sp\u115fam", "#"),
    ("hangul jungseong filler", "sp\u1160am", "#"),
    ("small capitals", "ꜱᴘᴀᴍ", "#"),
    ("small capitals in a phrase", "ʙᴜʏ ɴᴏᴡ", "#"),
    ("negative circled letters", "🅢🅟🅐🅜", "#"),
    ("negative squared letters", "🆂🅿🅰🅼", "#"),
    ("negative squared letters as emoji", "🆂\ufe0f🅿\ufe0f🅰\ufe0f🅼", "#"),
    ("negative letters in a phrase", "🅑🅤🅨 🅽🅾🆆", "#"),
    ("a NUL glued to the word", "ok\x00spam", "ok\x00#"),
    ("a parenthesized letter glued to the word", "⒜spam", "⒜#"),
    ("a flag glued to the word", "spam🇺🇸", "#🇺🇸"),
    ("a circled letter glued to the word", "ⓐspam", "ⓐ#"),
    ("a bold letter glued to the word", "spam𝐱", "#𝐱"),
    ("a negative letter glued to the word", "🅰spam", "🅰#"),
    ("a bold word glued after a word", "ok𝐬𝐩𝐚𝐦", "ok#"),
    ("a bold letter starting the word glued after a word", "ok𝐬pam", "ok#"),
    ("a circled word glued after a word", "okⓢⓟⓐⓜ", "ok#"),
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
    "controls\x00 \x1b[1mbetween\x1b[0m words: spa\x1c\x1dm, sp\x1eam, spa\x85m, \x7f\x9f",
    "small capitals ꜱᴘᴀ ᴘᴀᴍ ɪᴘᴀ and flags 🇪🇸 🇵🇦 🇲🇸",
    "parking 🅿\ufe0f, blood type 🅰\ufe0f 🅱\ufe0f 🅾\ufe0f and 🆂🅿🅰 🅟🅐🅜",
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


def test_a_words_file_entry_without_a_letter_is_rejected(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
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
        held = max(held, transform.held_back)  # type: ignore[attr-defined]
    out.append(transform.transform(" now!"))
    out.append(transform.flush())
    assert "".join(out) == "I will #!"
    assert held <= MAX_HELD_CHARS


def test_padding_past_the_bound_is_dropped_and_the_text_released(caplog: pytest.LogCaptureFixture) -> None:
    content_filter = masked_filter()
    transform = content_filter.response_transform({})
    assert transform is not None
    pieces = ["I will buy", *(["\u200b" * 1000] * 300), " nothing."]
    with caplog.at_level(logging.WARNING, logger="litellm_plugin.loggers.filters"):
        output = "".join(transform.transform(piece) for piece in pieces) + transform.flush()
    assert output.replace("\u200b", "") == "I will buy nothing."
    assert len(output) <= len("I will buy nothing.") + MAX_HELD_CHARS
    # Said once for the stream, not once each time the held text is shrunk again (about every 65k characters).
    assert len([r for r in caplog.records if "held back over" in r.getMessage()]) == 1


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


# --- the proxy guardrail path ----------------------------------------------------------------------------

HANDLERS = """
# Guardrail classes are named through this module: older LiteLLM releases (1.84 is one) only load a guardrail class
# from a file next to the config, not from an installed package.
from litellm_plugin.core.testing.proxy_files import EchoLLM, log_records_to
from litellm_plugin.loggers.filters import ContentFilter, RequestLogger

echo = EchoLLM(piece_size=3)
request_logger = RequestLogger(verbose=True, json_lines=True)
log_records_to("calls.jsonl", "litellm_plugin.loggers.filters", having="litellm_call")  # RequestLogger's records
"""

PROXY_CONFIG = """
model_list:
  - model_name: echo
    litellm_params:
      model: echo/any

litellm_settings:
  custom_provider_map:
    - provider: echo
      custom_handler: handlers.echo
  callbacks: [handlers.request_logger]

guardrails:
  - guardrail_name: words
    litellm_params:
      guardrail: handlers.ContentFilter
      mode: post_call
      default_on: true
      replacement: "#"
      confusables: true
      blocked_words:
        - {keyword: spam, action: MASK}
        - {keyword: buy now, action: MASK}
        - {keyword: スパム, action: MASK}
        - {keyword: ㅅㅂ, action: MASK}
        - {keyword: paypal, action: MASK}
        - {keyword: hello, action: MASK}
  - guardrail_name: refuse
    litellm_params:
      guardrail: handlers.ContentFilter
      mode: pre_call
      default_on: false
      action: block
      blocked_words: &blocking
        - {keyword: spam, action: BLOCK}
        - {keyword: buy now, action: BLOCK}
        - {keyword: スパム, action: BLOCK}
        - {keyword: ㅅㅂ, action: BLOCK}
  - guardrail_name: alongside  # the same words, checked alongside the call
    litellm_params:
      guardrail: handlers.ContentFilter
      mode: during_call
      default_on: false
      action: block
      blocked_words: *blocking
"""

CREDENTIAL_HEADERS = {
    "Authentication": "opaqueAuthValue123",
    "X-Upstream-Pass": "upstreamPassValue456",
    "X-Signature": "signatureValue012",
    "X-Session-Token": "sessionValue345",
    "X-Debug": "https://bob:DebugHeaderPw99@db.example.com and ghp_Q7wErTyUiOpAsDfGhJkLzXcVbNm1234567",
}


@dataclass
class HostileProxy:
    server: ServerProcess
    log_file: Path

    def client(self) -> openai.OpenAI:
        key = self.server.env["LITELLM_MASTER_KEY"]
        return openai.OpenAI(base_url=f"{self.server.base_url}/v1", api_key=key, max_retries=0, timeout=30)

    def reply(self, text: str, *, stream: bool = False, **extra: Any) -> str:
        messages: Any = [{"role": "user", "content": text}]
        if not stream:
            reply = self.client().chat.completions.create(model="echo", messages=messages, **extra)
            return reply.choices[0].message.content or ""
        chunks = self.client().chat.completions.create(model="echo", messages=messages, stream=True, **extra)
        return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


@contextlib.contextmanager
def _start_hostile_proxy() -> Iterator[HostileProxy]:
    with run_proxy_in_folder({"handlers.py": HANDLERS, "config.yaml": PROXY_CONFIG}) as (server, folder):
        yield HostileProxy(server=server, log_file=folder / "calls.jsonl")


# Started in the background (when collection ends) if a collected test uses the fixture: core.testing.early.
early.register("hostile_proxy", _start_hostile_proxy, fixture="hostile_proxy")


@pytest.fixture(scope="module")
def hostile_proxy() -> Iterator[HostileProxy]:
    try:
        with early_server("hostile_proxy", _start_hostile_proxy) as proxy:
            yield proxy
    except ProxyNotInstalledError as missing:  # the SDK-only cell of the supported-versions matrix
        pytest.skip(str(missing).splitlines()[0])


def test_the_proxy_guardrail_masks_every_disguise(hostile_proxy: HostileProxy) -> None:
    cases = [(word, expected) for _, word, expected in HOSTILE] + [(word, "#") for _, word in CONFUSABLE]
    for word, expected in cases:
        for stream_it in (False, True):
            assert hostile_proxy.reply(f"x {word}!", stream=stream_it) == f"x {expected}!", (word, stream_it)


def test_the_proxy_guardrail_leaves_clean_text_alone(hostile_proxy: HostileProxy) -> None:
    for text in [text for text in CLEAN if text]:
        assert hostile_proxy.reply(text) == text
        assert hostile_proxy.reply(text, stream=True) == text


def test_the_proxy_guardrail_blocks_every_disguise(hostile_proxy: HostileProxy) -> None:
    for _, word, _ in HOSTILE:
        with pytest.raises(openai.BadRequestError):
            hostile_proxy.reply(f"x {word}!", extra_body={"guardrails": ["refuse"]})


def test_a_during_call_guardrail_checks_image_prompts(hostile_proxy: HostileProxy) -> None:
    """The proxy runs no moderation hook (``during_call``) on its images route: the filter checks the prompt
    before the call there. Before, the disguised word reached the provider (the echo provider makes no images:
    a 500 from it)."""
    for _, word, _ in HOSTILE:
        with pytest.raises(openai.BadRequestError) as refused:
            hostile_proxy.client().images.generate(
                model="echo", prompt=f"x {word}!", extra_body={"guardrails": ["alongside"]}
            )
        assert "alongside" in str(refused.value), word


def test_credential_headers_stay_out_of_the_proxy_log(hostile_proxy: HostileProxy) -> None:
    hostile_proxy.reply("hello there", extra_headers=CREDENTIAL_HEADERS)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Authentication" not in _read(hostile_proxy.log_file).lower().title():
        time.sleep(0.1)
    time.sleep(0.3)
    log = _read(hostile_proxy.log_file)
    assert "[REDACTED]" in log
    for secret in ("opaqueAuthValue123", "upstreamPassValue456", "signatureValue012", "sessionValue345"):
        assert secret not in log
    assert "DebugHeaderPw99" not in log
    assert "ghp_Q7wErTyUiOpAsDfGhJkLzXcVbNm1234567" not in log


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""
