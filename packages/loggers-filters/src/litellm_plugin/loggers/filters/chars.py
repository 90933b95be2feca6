"""What one character does to the comparison form: nothing (invisible or decoration), join the letter before
it, start a whitespace run, or stand for itself; and the folding of a letter with its marks.

The Unicode properties come from the ``regex`` module (kept current with each Unicode release), not from a
hand-kept list: ``Default_Ignorable_Code_Point`` (variation selectors, the combining grapheme joiner, Hangul
fillers, Mongolian free variation selectors, tags...) plus every format character (``Cf``). Control characters
and escape sequences are found before this module sees a character (see
:mod:`~litellm_plugin.loggers.filters.hidden`).

Some letters have no compatibility decomposition but are only a style of a Latin letter: the small
capitals (``ᴀ``, ``ꜱ``, ``ʀ``: "LATIN LETTER SMALL CAPITAL X") and the white-on-black letters of "fancy text"
generators (``🅢``, ``🆂``: "NEGATIVE CIRCLED/SQUARED LATIN CAPITAL LETTER X"). They fold to their letter
always, like fullwidth, circled and squared letters do through NFKC: nobody writes an ordinary word in them
except to style it or to slip it past a filter. (In IPA, ``ɪ ʀ ʏ ʜ ʟ ɴ ɢ ʙ`` are sounds of their own; a
blocked word spelled in a transcription is masked, which errs on the safe side.) Parenthesized letters keep
their NFKC form (``⒮`` is ``(s)``): their brackets separate words. So do regional indicators (``🇸``): two of
them show as a flag.

Marks of a script's spelling (Indic vowel signs, spacing or not, and viramas, Hebrew and Arabic points, Thai
tone marks, kana voicing marks) count only on a letter of a script that uses them (Unicode's
``Script_Extensions``): on a Latin, Cyrillic, Greek, CJK... letter, or on a digit, a Hebrew point, a Thai tone
mark or a Devanagari vowel sign sits on the letter like an accent and hides nothing (``s\u05b0pam`` and
``sp\u093fam`` are ``spam``; see :func:`is_foreign`). On anything but a letter (punctuation, a symbol, an emoji)
every combining mark is folded so, and on no character at all (at the start of the text, after a space) it
hides nothing either (see :func:`is_combining`). Letters of scripts not in :data:`_SCRIPTS` keep every mark.
"""

from __future__ import annotations

import functools
import unicodedata

import regex

__all__ = [
    "ATTACH",
    "DROP",
    "PLAIN",
    "SPACE",
    "fold",
    "is_base",
    "is_combining",
    "is_decoration",
    "is_foreign",
    "is_mark",
    "is_sign",
    "kept_on",
    "kind",
    "letter_style",
]

PLAIN, ATTACH, DROP, SPACE = 0, 1, 2, 3

# Invisible: default-ignorable and format characters, but for the format characters Unicode leaves out of the
# default-ignorable ones because renderers draw them (the Arabic number sign, the end of ayah "۝"...): those
# are a visible sign between words, like punctuation.
_IGNORABLE = regex.compile(r"(?V1)[[\p{Default_Ignorable_Code_Point}\p{Cf}]--\p{Prepended_Concatenation_Mark}]")
# Where the styled letters live (see the module docstring), and how their names spell the letter.
_STYLED_RANGES = ((0x0250, 0x02B0), (0x1D00, 0x1D80), (0xA720, 0xA800), (0x1F150, 0x1F16A), (0x1F170, 0x1F18A))
_STYLED_NAME = regex.compile(
    r"(?:LATIN LETTER SMALL CAPITAL|NEGATIVE (?:CIRCLED|SQUARED) LATIN CAPITAL LETTER) ([A-Z])"
)
# Characters that may compose with the one before them (Hangul vowels and trailing consonants, some Indic
# length marks): they join the letter before like combining marks do.
_COMPOSES_BACKWARDS = regex.compile(r"\p{NFC_Quick_Check=Maybe}")

# Scripts whose letters are told apart from the marks of other scripts (see the module docstring): the
# alphabets and the scripts with marks of their own; "Common" for digits and signs shared by all scripts.
_SCRIPTS = (
    "Latin", "Greek", "Cyrillic", "Armenian", "Georgian", "Hebrew", "Arabic", "Syriac", "Thaana", "Nko",
    "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam",
    "Sinhala", "Thai", "Lao", "Tibetan", "Myanmar", "Khmer", "Mongolian", "Ethiopic", "Hangul", "Hiragana",
    "Katakana", "Han", "Bopomofo", "Common",
)  # fmt: skip
_SCRIPT_PATTERNS = tuple(regex.compile(rf"\p{{scx={name}}}") for name in _SCRIPTS)
_COMBINING = frozenset({"Mn", "Mc"})  # marks that sit on a letter (spacing or not); enclosing ones are decorations
# The "scripts" of a base that is no letter (a digit, punctuation, a symbol, an emoji): no combining mark belongs
# to it, so every one on it is folded away like an accent.
_NO_MARKS = (regex.compile(r"(?!)"),)

_kinds: dict[str, int] = {}
_folds: dict[tuple[str, bool], str] = {}
_CACHE_LIMIT = 50_000


def is_decoration(char: str) -> bool:
    """A combining mark that only decorates the letter it sits on (accents, strike-through, underline,
    enclosing circles): placed above, below, over or around it (canonical combining class 1 or >= 200), or
    enclosing. Marks that belong to a script's spelling (Indic vowel signs and viramas, kana voicing marks,
    Hebrew and Arabic points in their fixed classes) are not decorations and are kept."""
    category = unicodedata.category(char)
    if category == "Me":
        return True
    if category != "Mn":
        return False
    combining = unicodedata.combining(char)
    return combining == 1 or combining >= 200


def is_mark(char: str) -> bool:
    """A combining mark (it belongs to the letter before it, even when it is dropped)."""
    return unicodedata.category(char)[0] == "M"


def is_combining(char: str) -> bool:
    """A combining mark that is not enclosing (category Mn or Mc, spacing or not): it sits on the letter before
    it; on no letter (at the start of the text, after a space), it hides nothing."""
    return unicodedata.category(char) in _COMBINING


@functools.lru_cache(maxsize=4096)
def is_sign(char: str) -> bool:
    """A symbol or number that NFKC spells with letters or digits but that is not one styled letter: ``™``
    (``tm``), ``²`` (``2``), ``①``, ``㎏``, ``½``. It stands apart from the letters next to it (``Spam™`` is
    the word ``Spam`` and a sign), unlike a circled letter (``ⓢⓟⓐⓜ`` is one word)."""
    if unicodedata.category(char) not in {"So", "No"}:
        return False
    spelled = fold(char)
    if not any(part.isalnum() for part in spelled):
        return False
    return not (len(spelled) == 1 and spelled.isalpha())


# Compatibility forms that only style a letter or digit: mathematical fonts, circled, fullwidth, squared,
# superscript, subscript, small forms. (Not ``<compat>``: ligatures such as "ﬁ" are ordinary text.)
_STYLE_TAGS = frozenset({"<font>", "<circle>", "<wide>", "<square>", "<super>", "<sub>", "<small>"})


@functools.lru_cache(maxsize=4096)
def letter_style(char: str) -> str:
    """How a letter or digit is drawn: "" for an ordinary one, else its style (the compatibility form, or
    "styled" for small capitals and white-on-black letters). Where the style changes inside a run of letters,
    a word may begin or end: ``ⓐspam`` and ``𝐚spam`` hold the word ``spam``, as ``⒜spam`` does, while ``ⓢⓟⓐⓜ``
    is one word and ``s𝐩am`` still matches ``spam``."""
    if ord(char) in _styled_letters():
        return "styled"
    tag = unicodedata.decomposition(char).partition(" ")[0]
    return tag if tag in _STYLE_TAGS and fold(char).isalnum() else ""


# Not whitespace to Unicode, but shown as a blank between words: BRAILLE PATTERN BLANK (a common stand-in
# for a space where spaces are stripped), so "buy\u2800now" is the phrase "buy now"; and the two standalone
# Hangul fillers, default-ignorable to Unicode, which text renderers (HarfBuzz, Uniscribe) still draw as a
# blank of a letter's width: "buy\u3164now" reads "buy now", not "buynow". (Not the conjoining fillers U+115F
# and U+1160: inside a syllable block, ``\u1109\u1160`` is the syllable "ㅅ", they draw nothing.)
_BLANKS = frozenset("\u2800\u3164\uffa0")


def _classify(char: str) -> int:
    if char.isspace() or char in _BLANKS:
        return SPACE
    if _IGNORABLE.match(char):
        return DROP
    decomposed = unicodedata.normalize("NFKD", char)
    attaches = (
        unicodedata.category(char)[0] == "M"
        or unicodedata.combining(decomposed[0]) != 0
        or _COMPOSES_BACKWARDS.match(char) is not None
    )
    if not attaches:
        return PLAIN
    if all(is_decoration(part) for part in decomposed):
        return DROP
    return ATTACH


def kind(char: str) -> int:
    """PLAIN, ATTACH (joins the letter before), DROP (contributes nothing) or SPACE."""
    known = _kinds.get(char)
    if known is None:
        known = _classify(char)
        if len(_kinds) < _CACHE_LIMIT:
            _kinds[char] = known
    return known


@functools.cache
def _styled_letters() -> dict[int, str]:
    """Styled letters -> their lower-case letter (see the module docstring)."""
    table: dict[int, str] = {}
    for low, high in _STYLED_RANGES:
        for code in range(low, high):
            found = _STYLED_NAME.fullmatch(unicodedata.name(chr(code), ""))
            if found:
                table[code] = found.group(1).lower()
    return table


@functools.lru_cache(maxsize=4096)
def _scripts_of(char: str) -> tuple[regex.Pattern[str], ...]:
    """The known scripts ``char`` is written in (empty: a script not in :data:`_SCRIPTS`)."""
    return tuple(pattern for pattern in _SCRIPT_PATTERNS if pattern.match(char))


def _base_scripts(char: str) -> tuple[regex.Pattern[str], ...]:
    """What the marks after the base character ``char`` are compared with: a letter's scripts; for any other
    character, :data:`_NO_MARKS`."""
    return _scripts_of(char) if unicodedata.category(char)[0] == "L" else _NO_MARKS


def _belongs(mark: str, scripts: tuple[regex.Pattern[str], ...] | None) -> bool:
    """Does a combining mark belong to the letter before it (``scripts``: that letter's scripts)?"""
    return not scripts or any(pattern.match(mark) for pattern in scripts)


def _is_dropped(char: str) -> bool:
    return is_decoration(char) or _IGNORABLE.match(char) is not None


@functools.lru_cache(maxsize=4096)
def _letter_scripts(char: str) -> tuple[regex.Pattern[str], ...] | None:
    """The scripts of the letter ``char`` stands for, which the marks after it are compared with (as
    :func:`_fold_once` reads it: its last character once decomposed that is not a mark); None when ``char``
    stands for marks only (they sit on the letter before it)."""
    styled = _styled_letters()
    folded = unicodedata.normalize("NFKD", char.translate(styled)).casefold().translate(styled)
    for part in reversed(unicodedata.normalize("NFKD", folded)):
        if not _is_dropped(part) and unicodedata.category(part) not in _COMBINING:
            return _base_scripts(part)
    return None


def is_base(char: str) -> bool:
    """Does ``char`` stand for a letter (or any character but a mark) that the marks after it sit on?"""
    return _letter_scripts(char) is not None


@functools.lru_cache(maxsize=4096)
def kept_on(mark: str, letter: str) -> str | None:
    """What the marks after ``mark`` sit on once it joins ``letter``'s cluster (``mark`` itself when it stands
    for a letter, as a Hangul vowel does), or None when it is folded away there (see :func:`is_foreign`)."""
    if is_foreign(mark, letter):
        return None
    return mark if is_base(mark) else letter


@functools.lru_cache(maxsize=4096)
def is_foreign(mark: str, letter: str) -> bool:
    """Is ``mark`` a combining mark of a script that ``letter`` (the base the mark sits on; "" for none) is not
    written in? :func:`fold` removes it like an accent (a Thai tone mark or a Devanagari vowel sign on a Latin
    letter), so a cluster leaves it out, as it does a decoration: such marks, however many, never split a word
    (the limit on the marks of one letter counts only the marks it keeps)."""
    scripts = _letter_scripts(letter) if letter else None
    if not scripts:
        return False
    parts = [part for part in unicodedata.normalize("NFKD", mark) if not _is_dropped(part)]
    return bool(parts) and all(
        unicodedata.category(part) in _COMBINING and not _belongs(part, scripts) for part in parts
    )


def _fold_once(text: str) -> str:
    styled = _styled_letters()
    # Before NFKD and after case folding (the capital "Ɪ" folds to "ɪ").
    folded = unicodedata.normalize("NFKD", text.translate(styled)).casefold().translate(styled)
    decomposed = unicodedata.normalize("NFKD", folded)
    kept: list[str] = []
    scripts: tuple[regex.Pattern[str], ...] | None = None  # of the letter the next marks sit on
    for char in decomposed:
        if _is_dropped(char):
            continue
        if unicodedata.category(char) not in _COMBINING:
            scripts = _base_scripts(char)
        elif not _belongs(char, scripts):
            continue
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def fold(cluster: str, confusables: bool = False) -> str:
    """Comparison form of one letter with its marks: NFKC, case folding, decorations removed; with
    ``confusables``, also each character's UTS #39 prototype. Whitespace becomes one space."""
    key = (cluster, confusables)
    folded = _folds.get(key)
    if folded is None:
        folded = _fold_once(cluster)
        if confusables:
            from litellm_plugin.loggers.filters.confusables import skeleton

            for _ in range(3):  # a prototype may itself fold (an upper-case prototype, a decomposition)
                mapped = _fold_once(skeleton(folded))
                if mapped == folded:
                    break
                folded = mapped
        if folded and folded.isspace():
            folded = " "
        if len(_folds) < _CACHE_LIMIT:
            _folds[key] = folded
    return folded
