"""ContentFilter matching: what users expect a word filter to catch, and to leave alone."""

from __future__ import annotations

import random
import string
from collections.abc import Callable

import litellm
import pytest

from litellm_plugin.loggers.filters import ContentFilter

Call = Callable[..., str]


def masked(words: list[str], text: str, **options: object) -> str:
    return ContentFilter(words, replacement="#", **options).mask(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spam", "#"),
        ("SPAM", "#"),
        ("Spam, spam and sPaM!", "#, # and #!"),
        ("(spam)", "(#)"),
        ("spam_eggs", "spam_eggs"),
        ("spam-eggs", "#-eggs"),
        ("spammer", "spammer"),
        ("antispam", "antispam"),
        ("spam2", "spam2"),
        ("line one\nspam\nline three", "line one\n#\nline three"),
    ],
)
def test_case_insensitive_whole_words(text: str, expected: str) -> None:
    assert masked(["spam"], text) == expected


def test_word_boundaries_keep_longer_words_intact() -> None:
    assert masked(["ass"], "class assignment, ass, bass") == "class assignment, #, bass"


def test_substring_mode_is_opt_in() -> None:
    assert masked(["ass"], "class ass", whole_words=False) == "cl# #"
    assert masked(["spam"], "antispammer", whole_words=False) == "anti#mer"


def test_multi_word_phrases_match_across_any_whitespace() -> None:
    words = ["buy now", "limited time offer"]
    assert masked(words, "Buy now!") == "#!"
    assert masked(words, "buy   NOW") == "#"
    assert masked(words, "buy\nnow") == "#"
    assert masked(words, "a Limited\tTime  offer today") == "a # today"
    assert masked(words, "buy nowhere") == "buy nowhere"
    assert masked(words, "buy, now") == "buy, now"


def test_longest_leftmost_phrase_wins() -> None:
    assert masked(["new", "new york", "york city"], "new york city") == "# city"
    assert masked(["new", "new york"], "new yorker") == "# yorker"


@pytest.mark.parametrize(
    "text",
    [
        "ＳＰＡＭ",  # fullwidth letters (NFKC)
        "ſpam",  # long s (case folding)
        "SPAM",
        "sp\u200bam",  # zero-width space
        "sp\u200dam",  # zero-width joiner
        "sp\u200cam",  # zero-width non-joiner
        "spa\u00adm",  # soft hyphen
        "ｓｐａｍ",
    ],
)
def test_unicode_disguises_are_caught(text: str) -> None:
    assert masked(["spam"], f"hi {text} there") == "hi # there"


def test_invisible_characters_around_a_word_are_left_in_place() -> None:
    assert masked(["spam"], "a \u2060spam\u200b b") == "a \u2060#\u200b b"


def test_control_characters_stand_between_words() -> None:
    """A control character joined to a word does not hide it: a word boundary may be read there."""
    text = "hello\x00spam \x1bspam\x07 x\x7fspam \x9bspam"
    assert masked(["spam"], text) == "hello\x00# \x1b#\x07 x\x7f# \x9b#"


def test_small_capitals_are_letters_without_the_confusables_option() -> None:
    assert masked(["spam", "pin"], "ꜱᴘᴀᴍ ᴘɪɴ") == "# #"
    [match] = ContentFilter(["spam"]).find("a ꜱᴘ\u200bᴀᴍ b")
    assert (match.start, match.end) == (2, 7)


def test_letter_symbols_next_to_a_word_do_not_hide_it() -> None:
    """Parenthesized letters keep their brackets, flags are not letters, and a boxed letter is a letter of
    another style: a word written right next to one is still a word, with and without the confusables option."""
    assert masked(["spam"], "⒜spam spam⒮ spam🇺🇸 🇺🇸spam 🅰spam 🆂spam") == "⒜# #⒮ #🇺🇸 🇺🇸# 🅰# 🆂#"
    confusable = ContentFilter(["spam"], replacement="#", confusables=True)
    assert confusable.mask("spam🇺🇸 🇺🇸spam 🅰spam") == "#🇺🇸 🇺🇸# 🅰#"


def test_composed_and_decomposed_accents_match_each_other() -> None:
    assert masked(["café"], "cafe\u0301 and CAFÉ and café") == "# and # and #"
    assert masked(["cafe\u0301"], "café") == "#"


def test_ligatures_and_sharp_s() -> None:
    assert masked(["fine"], "ﬁne") == "#"
    assert masked(["strasse"], "Straße") == "#"


def test_unspaced_scripts_match_without_word_boundaries() -> None:
    assert masked(["スパム"], "これはスパムです") == "これは#です"
    assert masked(["垃圾"], "这是垃圾邮件") == "这是#邮件"


# Two letters of each script written without spaces (Unicode's Line_Break classes SA and ID/CJ, and the scripts
# Unicode classes otherwise): a blocked word of two of them, inside a run of that script.
UNSPACED_LETTERS = {
    "thai": ("ก", "ข"),
    "myanmar": ("က", "ခ"),
    "myanmar-extended-a": ("\uaa60", "\uaa61"),
    "myanmar-extended-b": ("\ua9e0", "\ua9e1"),
    "tai-le": ("\u1950", "\u1951"),
    "new-tai-lue": ("\u1980", "\u1981"),
    "tai-tham": ("\u1a20", "\u1a21"),
    "tai-viet": ("\uaa80", "\uaa81"),
    "javanese": ("\ua98f", "\ua992"),
    "balinese": ("\u1b13", "\u1b15"),
    "yi": ("\ua000", "\ua001"),
    "tangut": ("\U00017000", "\U00017001"),
    "nushu": ("\U0001b170", "\U0001b171"),
    "khitan": ("\U00018b00", "\U00018b01"),
    "kana-supplement": ("\U0001b000", "\U0001b001"),
    "kana-extended-a": ("\U0001b100", "\U0001b101"),
    "small-kana-extension": ("\U0001b150", "\U0001b151"),
    "katakana-phonetic-extensions": ("\u31f0", "\u31f1"),
}


@pytest.mark.parametrize(("letter", "other"), list(UNSPACED_LETTERS.values()), ids=list(UNSPACED_LETTERS))
def test_every_script_written_without_spaces_matches_without_word_boundaries(letter: str, other: str) -> None:
    word = letter + letter
    assert masked([word], other + word + other) == other + "#" + other
    assert masked([word], word + other) == "#" + other


@pytest.mark.parametrize("path", ["completion", "acompletion_stream"])
def test_a_word_of_a_script_written_without_spaces_is_masked_inside_a_run(path: str, call: Call) -> None:
    words = [letter + letter for letter, _ in UNSPACED_LETTERS.values()]
    litellm.callbacks = [ContentFilter(words, replacement="#")]
    text = " ".join(other + letter + letter + other for letter, other in UNSPACED_LETTERS.values())
    assert call(path, text) == " ".join(other + "#" + other for _, other in UNSPACED_LETTERS.values())


def test_scripts_written_with_spaces_keep_their_word_boundaries() -> None:
    assert masked(["한국"], "대한국인") == "대한국인"  # Korean is written with spaces
    assert masked(["spam"], "spamˊ ˇspam") == "spamˊ ˇspam"  # pinyin tone letters are part of a Latin word


def test_text_outside_matches_is_returned_character_for_character() -> None:
    text = "Ünïcödé  \t text\u200b, ＦＵＬＬ width, ﬁ and ß stay as they are: spam.\r\n"
    out = ContentFilter(["spam"], replacement="#").mask(text)
    assert out == text.replace("spam", "#")


def test_unmatched_text_is_the_same_object() -> None:
    text = "nothing to see here " * 10
    assert ContentFilter(["spam"]).mask(text) == text


def test_find_reports_original_offsets() -> None:
    text = "Hey ＳＰＡＭ and sp\u200bam"
    found = ContentFilter(["spam"]).find(text)
    assert [text[m.start : m.end] for m in found] == ["ＳＰＡＭ", "sp\u200bam"]
    assert {m.word for m in found} == {"spam"}


def test_default_replacement() -> None:
    assert ContentFilter(["spam", "advertisement"]).mask("spam or Advertisement?") == "[FILTERED] or [FILTERED]?"


def test_empty_text_and_no_matches() -> None:
    content_filter = ContentFilter(["spam"])
    assert content_filter.mask("") == ""
    assert content_filter.find("") == []
    assert content_filter.find("   \n\t ") == []


def test_huge_text() -> None:
    chunk = "Lorem ipsum dolor sit amet, spam consectetur adipiscing elit. "
    text = chunk * 20_000  # ~1.2 MB
    out = masked(["spam"], text)
    assert out == text.replace("spam", "#")


def test_ten_thousand_words() -> None:
    rng = random.Random(7)
    words = sorted({"".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 12))) for _ in range(10_500)})
    words = words[:10_000]
    content_filter = ContentFilter(words, replacement="#")
    picked = rng.sample(words, 200)
    text = " ".join(f"keep{i} {word.upper()}" for i, word in enumerate(picked))
    out = content_filter.mask(text)
    assert out == " ".join(f"keep{i} #" for i in range(len(picked)))
    assert [m.word for m in content_filter.find(text)] == picked


def test_duplicate_and_differently_written_words_count_once() -> None:
    content_filter = ContentFilter(["spam", "SPAM", " Spam ", "ＳＰＡＭ"])
    assert content_filter.find("spam")[0].word == "spam"
    assert len(content_filter.find("spam spam")) == 2
