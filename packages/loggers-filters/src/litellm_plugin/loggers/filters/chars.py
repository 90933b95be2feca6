"""What one character does to the comparison form: nothing (invisible or decoration), join the letter before
it, start a whitespace run, or stand for itself; and the folding of a letter with its marks.

The Unicode properties come from the ``regex`` module (kept current with each Unicode release), not from a
hand-kept list: ``Default_Ignorable_Code_Point`` (variation selectors, the combining grapheme joiner, Hangul
fillers, Mongolian free variation selectors, tags...) plus every format character (``Cf``).
"""

from __future__ import annotations

import unicodedata

import regex

__all__ = ["ATTACH", "DROP", "PLAIN", "SPACE", "fold", "is_decoration", "is_mark", "kind"]

PLAIN, ATTACH, DROP, SPACE = 0, 1, 2, 3

_IGNORABLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Cf}]")
# Characters that may compose with the one before them (Hangul vowels and trailing consonants, some Indic
# length marks): they join the letter before like combining marks do.
_COMPOSES_BACKWARDS = regex.compile(r"\p{NFC_Quick_Check=Maybe}")

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


def _classify(char: str) -> int:
    if _IGNORABLE.match(char):
        return DROP
    if char.isspace():
        return SPACE
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


def _fold_once(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = "".join(char for char in decomposed if not is_decoration(char) and not _IGNORABLE.match(char))
    return unicodedata.normalize("NFC", kept)


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
