"""Filtering one stream chunk by chunk at a cost per chunk that does not grow with what is held back.

A stream holds back the text that could still become a blocked phrase. Held text can be long while its
comparison form stays short ("buy" followed by thousands of zero-width spaces is still "buy"), so it is
never normalized again: it is kept *compact*, without the characters that normalize to nothing (invisible
characters, decorations) and with each whitespace run as its first character, each compact character
knowing the span of the original it stands for. Each chunk is normalized together with that compact text,
whose size is bounded by the longest phrase, never by the held text.

The original held text is kept for the output up to :data:`MAX_HELD_CHARS` characters; past that, it is
replaced by its compact form (a hostile stream loses its padding; matching is unchanged).
"""

from __future__ import annotations

import logging
from collections import deque

from litellm_plugin.loggers.filters.chars import DROP, SPACE, fold, is_mark, kind
from litellm_plugin.loggers.filters.matcher import WordMatch, WordMatcher

__all__ = ["MAX_HELD_CHARS", "StreamMatcher"]

MAX_HELD_CHARS = 65_536

logger = logging.getLogger("litellm_plugin.loggers.filters")


def _is_space(char: str) -> bool:
    char_kind = kind(char)
    return char_kind == SPACE or (char_kind != DROP and not char.isascii() and fold(char) == " ")


class StreamMatcher:
    """The held text of one stream and its compact form; :meth:`feed` each chunk, :meth:`finish` at the end."""

    __slots__ = ("_before", "_compact", "_held", "_held_length", "_matcher", "_spans")

    def __init__(self, matcher: WordMatcher) -> None:
        self._matcher = matcher
        self._held: deque[tuple[str, int]] = deque()  # original pieces, each (text, start within it)
        self._held_length = 0
        self._compact: list[str] = []
        self._spans: list[list[int]] = []  # per compact character: [start, end) in the held text
        self._before = ""

    @property
    def held_back(self) -> int:
        """Characters of the original waiting for the next chunk."""
        return self._held_length

    def feed(self, text: str) -> tuple[str, list[WordMatch]]:
        """The text that is final after ``text`` arrived, and the matches in it (offsets into that text)."""
        if not text:
            return "", []
        compact = "".join(self._compact)
        scan = self._matcher.scan_stream(compact + text, self._before)
        self._before = scan.before
        size = len(compact)
        matches = [
            WordMatch(self._start(match.start, size), self._end(match.end, size), match.word) for match in scan.matches
        ]
        cut = self._start(scan.final, size)
        if scan.final < size:
            self._compact = self._compact[scan.final :]
            self._spans = self._spans[scan.final :]
            chunk_from = 0
        else:
            self._compact, self._spans = [], []
            chunk_from = scan.final - size
        self._add_compact(text, chunk_from, self._held_length + chunk_from)
        self._held.append((text, 0))
        self._held_length += len(text)
        emitted = self._take(cut)
        if self._held_length > MAX_HELD_CHARS:
            self._shrink()
        return emitted, matches

    def finish(self) -> tuple[str, list[WordMatch]]:
        """Everything still held, with its matches (nothing follows it)."""
        if not self._held_length:
            return "", []
        compact = "".join(self._compact)
        found = self._matcher.scan_final(compact, self._before)
        size = len(compact)
        matches = [WordMatch(self._start(match.start, size), self._end(match.end, size), match.word) for match in found]
        text = self._take(self._held_length)
        self._compact, self._spans, self._before = [], [], ""
        return text, matches

    # -- internals ---------------------------------------------------------------------------------

    def _start(self, position: int, size: int) -> int:
        if position < size:
            return self._spans[position][0]
        return self._held_length + position - size

    def _end(self, position: int, size: int) -> int:
        if position <= size:
            return self._spans[position - 1][1]
        return self._held_length + position - size

    def _add_compact(self, text: str, start: int, offset: int) -> None:
        """Append the compact form of ``text[start:]``; ``offset``: where ``text[start]`` is in the held text.

        Invisible characters widen the span of the character before them, as in :func:`normalize`."""
        compact, spans = self._compact, self._spans
        for index in range(start, len(text)):
            char = text[index]
            position = offset + index - start
            char_kind = kind(char)
            if char_kind == DROP:
                if spans and is_mark(char):
                    spans[-1][1] = position + 1
                continue
            if spans and _is_space(char) and _is_space(compact[-1]):
                spans[-1][1] = position + 1
                continue
            compact.append(char)
            spans.append([position, position + 1])

    def _take(self, count: int) -> str:
        """Remove and return the first ``count`` characters of the held text."""
        parts: list[str] = []
        remaining = count
        while remaining:
            text, start = self._held[0]
            available = len(text) - start
            if available <= remaining:
                parts.append(text[start:] if start else text)
                self._held.popleft()
                remaining -= available
            else:
                parts.append(text[start : start + remaining])
                self._held[0] = (text, start + remaining)
                remaining = 0
        self._held_length -= count
        if count:
            self._spans = [[start - count, end - count] for start, end in self._spans]
        return "".join(parts)

    def _shrink(self) -> None:
        """Past the limit: the held text becomes its compact form (its padding is dropped)."""
        logger.warning("a stream held back over %d characters; its invisible padding is dropped", MAX_HELD_CHARS)
        compact = "".join(self._compact)
        self._held = deque([(compact, 0)])
        self._held_length = len(compact)
        self._spans = [[index, index + 1] for index in range(len(compact))]
