"""The comparison form of a text: NFKC + case folding, invisible format characters dropped, whitespace runs
collapsed, with a map from every character of that form back to the original text.

Matching happens on the normalized copy; masking happens on the original through the map, so the text that
is not filtered comes back exactly as it was, character for character.

Plain ASCII (most of any LLM reply) is handled by C-level string methods; only the non-ASCII stretches and
whitespace runs go through the per-character path.
"""

from __future__ import annotations

import bisect
import re
import unicodedata

__all__ = ["Normalized", "fold", "is_joining", "normalize", "normalize_phrase"]

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"  # ASCII whitespace other than " "
_TO_SPACE = str.maketrans(dict.fromkeys(_ASCII_SPACES, " "))

_PLAIN, _MARK, _FORMAT = 0, 1, 2
_char_kinds: dict[str, int] = {}
_folds: dict[str, str] = {}
_CACHE_LIMIT = 50_000


class Normalized:
    """``text`` is the comparison form; :meth:`span` maps its positions back to the original.

    The map is a list of segments: *linear* ones (one original character per character, offset by a
    constant) and *folded* ones (several characters of either side that map to each other as a block:
    a whitespace run, a ligature, a letter with combining marks).
    """

    __slots__ = ("_folded_ends", "_norm_starts", "_orig_starts", "original_length", "text")

    def __init__(
        self,
        text: str,
        original_length: int,
        norm_starts: list[int] | None = None,
        orig_starts: list[int] | None = None,
        folded_ends: list[int] | None = None,
    ) -> None:
        self.text = text
        self.original_length = original_length
        self._norm_starts = norm_starts
        self._orig_starts = orig_starts
        self._folded_ends = folded_ends  # -1 for a linear segment

    def _locate(self, index: int) -> tuple[int, int]:
        if self._norm_starts is None or self._orig_starts is None or self._folded_ends is None:
            return index, index + 1
        segment = bisect.bisect_right(self._norm_starts, index) - 1
        orig = self._orig_starts[segment]
        folded_end = self._folded_ends[segment]
        if folded_end >= 0:
            return orig, folded_end
        position = orig + index - self._norm_starts[segment]
        return position, position + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original span of the normalized span ``[start, end)`` (``end > start``)."""
        return self._locate(start)[0], self._locate(end - 1)[1]

    def offset(self, index: int) -> int:
        """Original offset where normalized position ``index`` begins (the original length at the end)."""
        return self._locate(index)[0] if index < len(self.text) else self.original_length


class _Builder:
    """Accumulates the comparison form and its segment map."""

    def __init__(self, original_length: int) -> None:
        self.original_length = original_length
        self.pieces: list[str] = []
        self.size = 0
        self.norm_starts: list[int] = []
        self.orig_starts: list[int] = []
        self.folded_ends: list[int] = []
        self.orig_cursor = -1  # original end of the last linear segment, for merging
        self.last_is_space = False

    def linear(self, orig: int, piece: str) -> None:
        """``piece`` stands for ``original[orig:orig + len(piece)]``, character for character."""
        if not piece:
            return
        if self.orig_cursor != orig:
            self.norm_starts.append(self.size)
            self.orig_starts.append(orig)
            self.folded_ends.append(-1)
        self.pieces.append(piece)
        self.size += len(piece)
        self.orig_cursor = orig + len(piece)
        self.last_is_space = piece[-1] == " "

    def folded(self, orig: int, orig_end: int, piece: str) -> None:
        """``piece`` stands for ``original[orig:orig_end]`` as a whole."""
        if len(piece) == 1 and orig_end == orig + 1:
            self.linear(orig, piece)
            return
        self.norm_starts.append(self.size)
        self.orig_starts.append(orig)
        self.folded_ends.append(orig_end)
        self.pieces.append(piece)
        self.size += len(piece)
        self.orig_cursor = -1
        self.last_is_space = piece[-1] == " "

    def space(self, orig: int, orig_end: int) -> None:
        """Whitespace ``original[orig:orig_end]``: one space, merged into a space just before it."""
        if self.last_is_space:
            # Widen the segment of the previous space so it also covers this whitespace.
            if self.folded_ends[-1] >= 0:
                self.folded_ends[-1] = orig_end
            else:
                space_orig = self.orig_cursor - 1
                self._drop_last_char()
                self.folded(space_orig, orig_end, " ")
                self.last_is_space = True
                return
            self.orig_cursor = -1
            return
        self.folded(orig, orig_end, " ")
        self.last_is_space = True

    def _drop_last_char(self) -> None:
        self.pieces[-1] = self.pieces[-1][:-1]
        self.size -= 1
        if self.norm_starts[-1] == self.size:
            self.norm_starts.pop()
            self.orig_starts.pop()
            self.folded_ends.pop()
        self.orig_cursor = -1

    def ascii(self, text: str, start: int, end: int) -> None:
        """An ASCII stretch: lower-cased, every whitespace run one space."""
        piece = text[start:end].lower()
        if any(char in piece for char in _ASCII_SPACES):
            piece = piece.translate(_TO_SPACE)
        position = 0
        while position < len(piece):
            if self.last_is_space and piece[position] == " ":
                run_end = position + 1
                while run_end < len(piece) and piece[run_end] == " ":
                    run_end += 1
                self.space(start + position, start + run_end)
                position = run_end
                continue
            run = piece.find("  ", position)
            if run < 0:
                self.linear(start + position, piece[position:])
                return
            self.linear(start + position, piece[position:run])
            run_end = run + 2
            while run_end < len(piece) and piece[run_end] == " ":
                run_end += 1
            self.space(start + run, start + run_end)
            position = run_end

    def non_ascii(self, text: str, start: int, end: int) -> None:
        """A run of non-ASCII characters, folded cluster by cluster (a base character and its marks)."""
        index = start
        if _kind(text[start]) == _MARK and self.orig_cursor == start and not self.last_is_space:
            # A combining mark on the ASCII letter just before ("e" + U+0301): fold them together.
            index = start - 1
            self._drop_last_char()
        while index < end:
            if _kind(text[index]) == _FORMAT:  # zero-width space/joiner, soft hyphen...: invisible
                index += 1
                continue
            stop = index + 1
            while stop < end and _kind(text[stop]) != _PLAIN:
                stop += 1
            cluster = text[index:stop]
            if stop > index + 1:
                cluster = "".join(char for char in cluster if _kind(char) != _FORMAT)
            folded = fold(cluster)
            if folded == " ":
                self.space(index, stop)
            else:
                self.folded(index, stop, folded)
            index = stop

    def build(self) -> Normalized:
        return Normalized(
            "".join(self.pieces), self.original_length, self.norm_starts, self.orig_starts, self.folded_ends
        )


def _kind(char: str) -> int:
    kind = _char_kinds.get(char)
    if kind is None:
        category = unicodedata.category(char)
        kind = _MARK if category[0] == "M" else _FORMAT if category == "Cf" else _PLAIN
        if len(_char_kinds) < _CACHE_LIMIT:
            _char_kinds[char] = kind
    return kind


def fold(cluster: str) -> str:
    """NFKC + case folding of one character with its combining marks (whitespace becomes one space)."""
    folded = _folds.get(cluster)
    if folded is None:
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold())
        if folded.isspace():
            folded = " "
        if len(_folds) < _CACHE_LIMIT:
            _folds[cluster] = folded
    return folded


def normalize(text: str) -> Normalized:
    """The comparison form of ``text`` with its map back to ``text``."""
    if text.isascii():
        lowered = text.lower()
        if any(char in lowered for char in _ASCII_SPACES):
            lowered = lowered.translate(_TO_SPACE)
        if "  " not in lowered:
            return Normalized(lowered, len(text))
    builder = _Builder(len(text))
    position = 0
    for run in _NON_ASCII.finditer(text):
        start, end = run.span()
        if start > position:
            builder.ascii(text, position, start)
        builder.non_ascii(text, start, end)
        position = end
    if position < len(text):
        builder.ascii(text, position, len(text))
    return builder.build()


def normalize_phrase(phrase: str) -> str:
    """Comparison form of a blocked word or phrase (surrounding whitespace removed)."""
    return normalize(phrase.strip()).text.strip()


# --- word boundaries ---------------------------------------------------------------------------------

# Scripts written without spaces between words: a blocked word there has no word boundary to respect.
_UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x31F0, 0x31FF),  # Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_" or (not char.isascii() and _kind(char) == _MARK)


def _is_unspaced(char: str) -> bool:
    code = ord(char)
    return code >= 0x0E00 and any(low <= code <= high for low, high in _UNSPACED)


def is_joining(before: str, after: str) -> bool:
    """True when ``before`` and ``after`` belong to one word, so a match may not start or end between them."""
    return _is_word(before) and _is_word(after) and not (_is_unspaced(before) or _is_unspaced(after))
