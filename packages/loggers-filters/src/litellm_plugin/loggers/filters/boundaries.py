"""Whole-word boundaries in the comparison form, with Markdown emphasis.

A match may not start or end inside a word ("ass" is not in "class"). Underscores are word characters
(``spam_filter`` is one identifier), except as emphasis: a run of underscores whose other side is not a
letter or digit (``_spam_``, ``__spam__``, the start or end of the text) is a boundary.

Streams carry the left context across chunks as a short string (see :func:`context`): the last character,
and when that is an underscore, the character before the underscore run.

``soft`` holds the positions where hidden characters (controls, escape sequences) stood: a boundary may be
read there, so a match may begin or end there, and an underscore run reaching one ends there.
"""

from __future__ import annotations

import functools

import regex

from litellm_plugin.loggers.filters.chars import ATTACH, kind

__all__ = ["UNDECIDED", "context", "is_joining", "left_ok", "right_ok"]

UNDECIDED = None

# Scripts written without spaces between words: a blocked word there has no word boundary to respect. Unicode's
# own classes, from the ``regex`` module (current with each Unicode release): South-East Asian scripts
# (Line_Break=SA: Thai, Lao, Myanmar and its extensions, Khmer, Tai Le, New Tai Lue, Tai Tham, Tai Viet...), the
# ideographic and kana ones (ID, CJ: Han, Hiragana, Katakana and their supplements, Bopomofo, Yi, Tangut,
# Nushu...), and the scripts of those that Unicode puts in other classes (Khitan, Javanese, Balinese).
_UNSPACED = regex.compile(
    r"[\p{Line_Break=SA}\p{Line_Break=ID}\p{Line_Break=CJ}\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}"
    r"\p{scx=Tangut}\p{scx=Nushu}\p{scx=Khitan_Small_Script}\p{scx=Yi}\p{scx=Javanese}\p{scx=Balinese}]"
)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_" or (not char.isascii() and kind(char) == ATTACH)


@functools.lru_cache(maxsize=4096)
def _is_unspaced(char: str) -> bool:
    return _UNSPACED.match(char) is not None


def is_joining(before: str, after: str) -> bool:
    """True when ``before`` and ``after`` belong to one word, so a match may not start or end between them."""
    if before < "\x80" and after < "\x80":  # the common case, without the Unicode lookups
        return (before.isalnum() or before == "_") and (after.isalnum() or after == "_")
    return _is_word(before) and _is_word(after) and not (_is_unspaced(before) or _is_unspaced(after))


def left_ok(norm: str, start: int, before: str, soft: frozenset[int] = frozenset()) -> bool:
    """May a match begin at ``norm[start]``? ``before`` is the context preceding ``norm``."""
    if soft and start in soft:
        return True
    left = norm[start - 1] if start else before[-1:]
    if not left:
        return True
    first = norm[start]
    if left != "_" or first == "_":
        return not is_joining(left, first)
    position = start - 1
    while position >= 0 and norm[position] == "_":
        if soft and position in soft:
            return True
        position -= 1
    if position < 0:  # the run began before this text
        outside = before[:-1] if before.endswith("_") else before[-1:]
        return not outside or not is_joining(outside, first)
    outside = norm[position]
    return not outside or not is_joining(outside, first)


def right_ok(norm: str, end: int, *, final: bool, soft: frozenset[int] = frozenset()) -> bool | None:
    """May a match end before ``norm[end]``? ``None`` (undecided) when an underscore run reaches the end of
    a stream buffer that is not ``final``: what follows the run decides."""
    if end >= len(norm) or (soft and end in soft):
        return True
    after = norm[end]
    last = norm[end - 1]
    if after != "_" or last == "_":
        return not is_joining(last, after)
    position = end
    while position < len(norm) and norm[position] == "_":
        position += 1
        if soft and position in soft:
            return True
    if position == len(norm):
        return True if final else UNDECIDED
    return not is_joining(last, norm[position])


def context(norm: str, cut: int, before: str, soft: frozenset[int] = frozenset()) -> str:
    """The left context for text that continues after ``norm[:cut]``."""
    if soft and cut in soft:
        return " "
    if cut <= 0:
        return before
    last = norm[cut - 1]
    if last != "_":
        return last
    position = cut - 1
    while position >= 0 and norm[position] == "_":
        if soft and position in soft:
            return " _"
        position -= 1
    if position >= 0:
        return norm[position] + "_"
    return before if before.endswith("_") else before[-1:] + "_"
