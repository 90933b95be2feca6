"""Finding blocked words and phrases in one pass, whatever their number (Aho-Corasick).

The automaton is built once from the normalized phrases and only read afterwards, so one matcher is safely
shared by threads and concurrent requests; everything that belongs to one text or one stream lives in the
caller (see :class:`StreamScan`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import ahocorasick

from litellm_plugin.loggers.filters.normalize import Normalized, is_joining, normalize, normalize_phrase

__all__ = ["StreamScan", "WordMatch", "WordMatcher"]


class WordMatch(NamedTuple):
    """A blocked phrase found in a text: ``text[start:end]`` in the original, and the phrase that matched."""

    start: int
    end: int
    word: str


class StreamScan(NamedTuple):
    """What part of a stream buffer is final: ``buffer[:final]`` with its ``matches``; the rest waits."""

    final: int
    matches: list[WordMatch]
    before: str


_Span = tuple[int, int, str]


class WordMatcher:
    """Case-insensitive, Unicode-aware multi-phrase matcher.

    * Text is compared after NFKC normalization and case folding; invisible format characters are ignored
      and any run of whitespace counts as one space, so "SPAM", "ｓｐａｍ" and "sp\\u200bam" all match "spam".
    * ``whole_words=True`` (default): a match may not start or end inside a word ("ass" does not match in
      "class"); scripts written without spaces (CJK, Thai...) have no such boundaries.
    * Overlapping matches resolve leftmost first, then longest ("new york" wins over "new").
    """

    def __init__(self, words: Iterable[str], *, whole_words: bool = True) -> None:
        self.whole_words = whole_words
        self._automaton = ahocorasick.Automaton()
        keys: list[str] = []
        for word in words:
            key = normalize_phrase(word)
            if not key:
                raise ValueError(f"blocked word {word!r} is empty once normalized")
            if not self._automaton.exists(key):
                self._automaton.add_word(key, (key, len(key)))
                keys.append(key)
        self.words: tuple[str, ...] = tuple(keys)
        self.longest = max((len(key) for key in keys), default=0)
        self._first_chars = frozenset(key[0] for key in keys)
        if keys:
            self._automaton.make_automaton()

    # -- whole texts -------------------------------------------------------------------------------

    def find(self, text: str) -> list[WordMatch]:
        """Every blocked phrase in ``text`` (original offsets, in order, not overlapping)."""
        if not self.words or not text:
            return []
        normalized = normalize(text)
        return self._to_original(normalized, self._select(normalized.text, ""))

    def mask(self, text: str, replacement: str) -> str:
        """``text`` with each blocked phrase replaced by ``replacement``; everything else unchanged."""
        return apply_mask(text, self.find(text), replacement)

    # -- streams -----------------------------------------------------------------------------------

    def scan_stream(self, buffer: str, before: str) -> StreamScan:
        """Split a stream buffer into a final head and a tail that could still grow into a blocked phrase.

        ``before`` is the last normalized character already emitted (for the word boundary at the start).
        The tail is the longest suffix that is the beginning of some phrase (at most ``longest`` normalized
        characters), so everything else is emitted at once.
        """
        if not self.words or not buffer:
            return StreamScan(len(buffer), [], before)
        normalized = normalize(buffer)
        norm = normalized.text
        selected = self._select(norm, before)
        cut = self._hold_start(norm, before)
        for start, end, _ in selected:
            if start < cut < end:  # a match straddling the tail is already decided: leftmost wins
                cut = end
                break
        final = [span for span in selected if span[1] <= cut]
        new_before = norm[cut - 1] if cut > 0 else before
        return StreamScan(normalized.offset(cut), self._to_original(normalized, final), new_before)

    def scan_final(self, buffer: str, before: str) -> list[WordMatch]:
        """All matches in the last part of a stream (nothing can follow it)."""
        if not self.words or not buffer:
            return []
        normalized = normalize(buffer)
        return self._to_original(normalized, self._select(normalized.text, before))

    # -- internals ---------------------------------------------------------------------------------

    def _select(self, norm: str, before: str) -> list[_Span]:
        """Valid matches in ``norm``, leftmost-longest, without overlaps."""
        whole = self.whole_words
        size = len(norm)
        candidates: list[_Span] = []
        for last, (key, length) in self._automaton.iter(norm):
            start = last - length + 1
            end = last + 1
            if whole:
                left = norm[start - 1] if start else before
                if left and is_joining(left, norm[start]):
                    continue
                if end < size and is_joining(norm[last], norm[end]):
                    continue
            candidates.append((start, end, key))
        if len(candidates) < 2:
            return candidates
        candidates.sort(key=lambda span: (span[0], -span[1]))
        selected: list[_Span] = []
        reached = 0
        for span in candidates:
            if span[0] >= reached:
                selected.append(span)
                reached = span[1]
        return selected

    def _hold_start(self, norm: str, before: str) -> int:
        """Start of the longest suffix of ``norm`` that begins some phrase (``len(norm)`` if none)."""
        size = len(norm)
        firsts = self._first_chars
        for position in range(max(0, size - self.longest), size):
            char = norm[position]
            if char not in firsts:
                continue
            if self.whole_words:
                left = norm[position - 1] if position else before
                if left and is_joining(left, char):
                    continue
            if self._automaton.match(norm[position:]):
                return position
        return size

    @staticmethod
    def _to_original(normalized: Normalized, spans: list[_Span]) -> list[WordMatch]:
        return [WordMatch(*normalized.span(start, end), key) for start, end, key in spans]


def apply_mask(text: str, matches: Iterable[WordMatch], replacement: str) -> str:
    """Replace each match (sorted, original offsets) with ``replacement``; one replacement per match."""
    pieces: list[str] = []
    position = 0
    for match in matches:
        if match.start < position:  # two matches inside one folded character: already replaced
            position = max(position, match.end)
            continue
        pieces.append(text[position : match.start])
        pieces.append(replacement)
        position = match.end
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)
