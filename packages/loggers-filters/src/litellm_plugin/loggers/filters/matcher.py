"""Finding blocked words and phrases in one pass, whatever their number (Aho-Corasick).

The automaton is built once from the normalized phrases and only read afterwards, so one matcher is safely
shared by threads and concurrent requests; everything that belongs to one text or one stream lives in the
caller (see :class:`StreamScan`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import ahocorasick

from litellm_plugin.loggers.filters.boundaries import UNDECIDED, context, left_ok, right_ok
from litellm_plugin.loggers.filters.hidden import is_hidden_at, open_tail
from litellm_plugin.loggers.filters.normalize import Normalized, normalize, normalize_phrase
from litellm_plugin.loggers.filters.references import MAX_ESCAPE_RUN, escape_start, open_reference

__all__ = ["StreamScan", "WordMatch", "WordMatcher", "apply_mask"]


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
    style: str = ""  # of the last final character: a letter of another style after it starts a word


_Span = tuple[int, int, str]
_REVEALED_LIMIT = 256  # control strings remembered per matcher


class WordMatcher:
    """Case-insensitive, Unicode-aware multi-phrase matcher.

    * Text is compared in the form of :mod:`~litellm_plugin.loggers.filters.normalize` (NFKC per cluster,
      case folding, small capitals as letters, decorations and invisible format characters removed,
      whitespace runs as one space), so "SPAM", "ｓｐａｍ", "ꜱᴘᴀᴍ", "sp\\u200bam" and "s̶p̶a̶m̶" all match
      "spam"; with ``confusables=True`` look-alike letters of other scripts too (UTS #39 skeletons).
      Control characters and terminal escape sequences are hidden too ("s\\x1b[1mpam"), and where they stood
      a word boundary may be read or not ("hello\\x00spam" holds "spam").
    * ``whole_words=True`` (default): a match may not start or end inside a word ("ass" does not match in
      "class", "spam" not in "spam_filter", but in "_spam_"); scripts written without spaces (CJK, Thai...)
      have no such boundaries.
    * Overlapping matches resolve leftmost first, then longest ("new york" wins over "new").
    """

    def __init__(self, words: Iterable[str], *, whole_words: bool = True, confusables: bool = False) -> None:
        self.whole_words = whole_words
        self.confusables = confusables
        self._automaton = ahocorasick.Automaton()
        keys: list[str] = []
        for word in words:
            key = self.key(word)
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
        # Control strings repeat (the same title, the same link): their verdicts are remembered.
        self._revealed: dict[str, bool] = {}

    def key(self, word: str) -> str:
        """The comparison form of a blocked word (what :attr:`WordMatch.word` holds)."""
        return normalize_phrase(word, self.confusables)

    def normalize(self, text: str) -> Normalized:
        """``text`` in the comparison form of this matcher."""
        return normalize(text, self.confusables, self.reveals)

    def reveals(self, body: str) -> bool:
        """Does the text of a control string hold a blocked word (so it is compared, not hidden)?"""
        verdict = self._revealed.get(body)
        if verdict is None:
            verdict = bool(self.find(body))
            if len(self._revealed) >= _REVEALED_LIMIT:
                self._revealed.clear()
            self._revealed[body] = verdict
        return verdict

    # -- whole texts -------------------------------------------------------------------------------

    def find(self, text: str) -> list[WordMatch]:
        """Every blocked phrase in ``text`` (original offsets, in order, not overlapping)."""
        if not self.words or not text:
            return []
        normalized = normalize(text, self.confusables, self.reveals)
        spans = self._select(normalized.text, "", final=True, soft=normalized.soft)[0]
        return self._to_original(normalized, spans) if spans else []

    def mask(self, text: str, replacement: str) -> str:
        """``text`` with each blocked phrase replaced by ``replacement``; everything else unchanged."""
        return apply_mask(text, self.find(text), replacement)

    # -- streams -----------------------------------------------------------------------------------

    def scan_stream(self, buffer: str, before: str, style: str = "") -> StreamScan:
        """Split a stream buffer into a final head and a tail that could still grow into a blocked phrase.

        ``before`` and ``style`` are the context already emitted (``StreamScan.before`` and ``.style`` of the
        previous scan; "" at the start). The tail is the longest suffix that is the beginning of some phrase
        (at most ``longest`` normalized characters), a match whose end is not yet decided (``spam_`` + more
        underscores), and a last non-ASCII letter that a combining character could still change; everything
        else is final.
        """
        if not self.words or not buffer:
            return StreamScan(len(buffer), [], before, style)
        normalized = normalize(buffer, self.confusables, self.reveals, _base(before), style)
        norm = normalized.text
        soft = normalized.soft
        selected, undecided = self._select(norm, before, final=False, soft=soft)
        # A last letter that a combining character could still change is held, and so is what before it
        # could begin a phrase whatever that letter becomes.
        open_start = normalized.open_start
        cut = min(self._hold_start(norm[:open_start] if open_start < len(norm) else norm, before, soft), undecided)
        # An escape sequence the buffer ends in the middle of may still hide what follows its start: what
        # before it could begin a phrase is held too.
        tail = open_tail(buffer) if soft else None
        reference = open_reference(buffer)
        if reference is not None and is_hidden_at(buffer, reference, self.reveals):
            reference = None  # part of an escape sequence the buffer has ended (``\x1b[&#x``): no reference
        if reference is not None:
            reference = self._escaped_from(buffer, reference)
        if reference is not None:
            # A reference cut short may stand for a combining mark, which joins the letter before it: a letter a
            # mark could still change is held with it.
            head = normalize(buffer[:reference], self.confusables, self.reveals, _base(before), style)
            if head.open_start < len(head.text):
                cut = min(cut, head.open_start, self._hold_start(norm[: head.open_start], before, soft))
            if tail is None or reference < tail:
                tail = reference
        tail_at = normalized.position(tail) if tail is not None else len(norm)
        if tail_at < len(norm):
            cut = min(cut, self._hold_start(norm[:tail_at], before, soft))
            if self.whole_words:  # a match with underscores up to the unfinished sequence: what it becomes decides
                before_tail = norm[:tail_at]
                for start, end, _ in selected:
                    if end <= tail_at and right_ok(before_tail, end, final=False, soft=soft) is UNDECIDED:
                        cut = min(cut, start)
                        break
        for start, end, _ in selected:
            if start < cut < end:  # a match straddling the tail is already decided: leftmost wins
                cut = end
                break
        # Never cut inside a character that folded to several ("ß" -> "ss"): hold all of it, and all of a
        # match that would then straddle the cut.
        segment_start = normalized.segment_start(cut)
        while segment_start < cut:
            cut = segment_start
            cut = min([cut, *(start for start, end, _ in selected if start < cut < end)])
            segment_start = normalized.segment_start(cut)
        offset = normalized.offset(cut)
        if tail is not None and tail < offset:
            # The sequence itself is held, and so is a match reaching into it.
            cut = min([tail_at, *(start for start, end, _ in selected if start < tail_at < end)])
            offset = min(tail, normalized.offset(cut))
        final = [span for span in selected if span[1] <= cut]
        return StreamScan(
            offset,
            self._to_original(normalized, final),
            context(norm, cut, before, soft),
            normalized.style_before(cut, style),
        )

    def scan_final(self, buffer: str, before: str, style: str = "") -> list[WordMatch]:
        """All matches in the last part of a stream (nothing can follow it)."""
        if not self.words or not buffer:
            return []
        normalized = normalize(buffer, self.confusables, self.reveals, _base(before), style)
        selected = self._select(normalized.text, before, final=True, soft=normalized.soft)[0]
        return self._to_original(normalized, selected)

    # -- internals ---------------------------------------------------------------------------------

    def _select(
        self, norm: str, before: str, *, final: bool, soft: frozenset[int] = frozenset()
    ) -> tuple[list[_Span], int]:
        """Valid matches in ``norm``, leftmost-longest, without overlaps; and where the first match begins
        whose end is undecided (``len(norm)`` if none)."""
        whole = self.whole_words
        undecided = len(norm)
        candidates: list[_Span] = []
        for last, (key, length) in self._automaton.iter(norm):
            start = last - length + 1
            end = last + 1
            if whole:
                if not left_ok(norm, start, before, soft):
                    continue
                right = right_ok(norm, end, final=final, soft=soft)
                if right is UNDECIDED:
                    undecided = min(undecided, start)
                    continue
                if not right:
                    continue
            candidates.append((start, end, key))
        if len(candidates) < 2:
            return candidates, undecided
        candidates.sort(key=lambda span: (span[0], -span[1]))
        selected: list[_Span] = []
        reached = 0
        for span in candidates:
            if span[0] >= reached:
                selected.append(span)
                reached = span[1]
        return selected, undecided

    def _escaped_from(self, buffer: str, reference: int) -> int:
        """Where an open reference is held from: with the backslashes that make its escape (see
        ``references.escape_start``) and those before them in its run but a multiple of twice the longest
        escape, so that what goes out of a run leaves the rest read as in the whole text. A backslash that ends
        an escape sequence (``\x1b\\``, a terminal's string terminator) is not in the run, as in the whole text."""
        run = reference
        while run > 0 and buffer[run - 1] == "\\":
            run -= 1
        if run < reference and is_hidden_at(buffer, run, self.reveals):
            run += 1
        escape = escape_start(buffer, reference, run)
        period = 2 * MAX_ESCAPE_RUN
        return run + (escape - run) // period * period

    def _hold_start(self, norm: str, before: str, soft: frozenset[int] = frozenset()) -> int:
        """Start of the longest suffix of ``norm`` that begins some phrase (``len(norm)`` if none)."""
        size = len(norm)
        firsts = self._first_chars
        for position in range(max(0, size - self.longest), size):
            char = norm[position]
            if char not in firsts:
                continue
            if self.whole_words and not left_ok(norm, position, before, soft):
                continue
            if self._automaton.match(norm[position:]):
                return position
        return size

    @staticmethod
    def _to_original(normalized: Normalized, spans: list[_Span]) -> list[WordMatch]:
        return [WordMatch(*normalized.span(start, end), key) for start, end, key in spans]


def _base(before: str) -> str:
    """The letter a stream passed on right before its buffer, that marks at the buffer's start sit on: an
    ASCII one (a stream holds back a last non-ASCII letter with the text after it); none after a boundary."""
    last = before[-1:]
    return last if last.isascii() and last not in (" ", "\x00") else ""


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
