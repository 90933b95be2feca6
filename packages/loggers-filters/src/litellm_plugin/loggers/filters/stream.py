"""Filtering one stream chunk by chunk at a cost per chunk that does not grow with what is held back.

A stream holds back the text that could still become a blocked phrase. Held text can be long while its
comparison form stays short ("buy" followed by thousands of zero-width spaces is still "buy"), so it is
never normalized again: it is kept *compact*, without the characters that normalize to nothing (invisible
characters, decorations) and with each whitespace run as its first character, each compact character
knowing the span of the original it stands for. Each chunk is normalized together with that compact text,
whose size is bounded by the longest phrase, never by the held text.

Hidden characters (controls, escape sequences) are kept as one ``\x00`` per stretch, which stands for a possible
word boundary (none next to a space, already one). An escape sequence the held text ends in the middle of is
kept raw, so that the next chunk completes it; its parameters and intermediate bytes are kept as one
character, the controls it goes on past as none or one (they change nothing but its length), so an endless
``\x1b[`` + digits (or spaces, line breaks, NULs) stays short.

The original held text is kept for the output up to :data:`MAX_HELD_CHARS` characters; past that, it is
replaced by its compact form (a hostile stream loses its padding; matching is unchanged).
"""

from __future__ import annotations

import logging
import re
from collections import deque

from litellm_plugin.loggers.filters.chars import (
    ATTACH,
    DROP,
    PLAIN,
    SPACE,
    fold,
    is_base,
    is_combining,
    is_foreign,
    is_mark,
    kind,
)
from litellm_plugin.loggers.filters.hidden import (
    HAS_CONTROL,
    MAX_STRING,
    STRING_OPEN,
    open_tail,
    special_runs,
    split_hidden,
)
from litellm_plugin.loggers.filters.matcher import WordMatch, WordMatcher
from litellm_plugin.loggers.filters.normalize import MAX_MARKS, char_at
from litellm_plugin.loggers.filters.references import REFERENCE, decode, escape_start

__all__ = ["MAX_HELD_CHARS", "StreamMatcher"]

MAX_HELD_CHARS = 65_536
_HIDDEN_MARK = "\x00"  # the compact form of a hidden stretch
_STRING_BREAK = re.compile("[\x07\x18\x1a\x1b\x90\x98\x9b-\x9f]")  # what ends or aborts a control string

logger = logging.getLogger("litellm_plugin.loggers.filters")


_WHITESPACE_CONTROLS = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
# Other characters a sequence goes on past (C0 controls but CAN, SUB, ESC; DEL): they change nothing in it.
_TRANSPARENT = frozenset(
    chr(code) for code in (*range(0x00, 0x18), 0x19, 0x7F) if chr(code) not in _WHITESPACE_CONTROLS
)


def _open_class(char: str) -> str:
    """What a character after the introducer of an unfinished escape sequence is to it: a whitespace control
    ("w", the terminal executes it), another control ("k", nothing), a byte of the sequence ("b"), or the
    "[" or string introducer after ESC ("h")."""
    if char in _WHITESPACE_CONTROLS:
        return "w"
    if char in _TRANSPARENT:
        return "k"
    return "b" if "\x20" <= char <= "\x3f" else "h"


def _after_lone_high_surrogate(compact: list[str]) -> bool:
    """The compact text ends with a high surrogate, or with the one character kept after it (see ``_add_plain``)."""
    return "\ud800" <= compact[-1] <= "\udbff" or (
        len(compact) > 1 and "\ud800" <= compact[-2] <= "\udbff" and kind(compact[-1]) == DROP
    )


# A reference (``&shy;``, ``\u00ad``) the compact text ends with: its last character, and the pattern.
_REFERENCE_LAST = frozenset(";0123456789abcdefABCDEF")
_REFERENCE_AT_END = re.compile(rf"(?:{REFERENCE.pattern})\Z")
_REFERENCE_REACH = 48  # longer than any reference
_WALK_LIMIT = 64  # characters looked at back from a mark for its letter
# \\uXXXX, \\xXX, \\UXXXXXXXX, an escaped surrogate pair (its low half's backslash escaped up to four levels)
_ESCAPE_LENGTHS = (6, 4, 10, *range(12, 20))


def _reference_before(compact: list[str], end: int) -> tuple[str, int] | None:
    """The character a complete reference ending at ``compact[end - 1]`` stands for, and where it begins."""
    if compact[end - 1] not in _REFERENCE_LAST:
        return None
    window = max(0, end - _REFERENCE_REACH)
    found = _REFERENCE_AT_END.search("".join(compact[window:end]))
    decoded = decode(found) if found is not None else None
    return None if found is None or decoded is None else (decoded, escape_start(compact, window + found.start()))


def _folded_reference(compact: list[str]) -> tuple[int, bool] | None:
    """A complete reference the compact text ends with that the comparison form folds away: to an invisible
    character or a decoration, or to a mark of a script the letter before it is not written in. Where it
    begins, and whether it widens the character before it (the foreign mark does), or None.

    Such a reference is left out, as the character itself is, so that a stream of thousands of ``&shy;``
    stays short (kept, each chunk would be read again with all of them). Not after a high surrogate: the
    reference keeps it from pairing with a low one that comes next, as in the whole text."""
    size = len(compact)
    if compact[-1] == ";":
        if "&" not in compact[-_REFERENCE_REACH:]:
            return None
    elif not any(size >= length and compact[-length] == "\\" for length in _ESCAPE_LENGTHS):
        return None
    reference = _reference_before(compact, size)
    if reference is None:
        return None
    char, start = reference
    before = compact[:start]
    if len(char) != 1 or (before and _after_lone_high_surrogate(before)):
        return None
    char_kind = kind(char)
    if char_kind == DROP:
        return start, False
    if char_kind == ATTACH and before and _sits_foreign(before, char):
        return start, True
    return None


def _sits_foreign(compact: list[str], mark: str) -> bool:
    """Would the comparison form fold ``mark`` away after the compact text (a mark of a script that the letter
    it sits on is not written in, see ``chars.is_foreign``, or a combining mark right after a space)? Then it
    is left out like a decoration, so that a stream of them stays short. False when unsure: the compact text
    then keeps it, and the comparison form decides."""
    end = len(compact)
    marks = 0
    for step in range(_WALK_LIMIT):
        if end <= 0:
            return False
        reference = _reference_before(compact, end)
        if reference is not None:
            if not step:
                return False  # kept, as a decoration is (see ``_add_plain``)
            char, start = reference
        elif "\udc00" <= compact[end - 1] <= "\udfff" and end > 1 and "\ud800" <= compact[end - 2] <= "\udbff":
            char, start = char_at(compact[end - 2] + compact[end - 1], 0, 2)[0], end - 2
        else:
            char, start = compact[end - 1], end - 1
        if len(char) != 1:
            return False
        char_kind = kind(char)
        if char_kind == PLAIN:  # the letter: nothing between it and the mark keeps them apart
            folded = fold(char)
            usable = char >= "\x20" and not "\x7f" <= char <= "\x9f" and folded not in ("", " ") and is_base(char)
            return usable and is_foreign(mark, char)
        if char_kind == ATTACH and not is_base(char):  # a mark kept on the same letter
            marks += 1
            if marks > MAX_MARKS:
                return False
        elif char_kind == SPACE and not marks:  # on no letter: the comparison form drops it (``is_combining``)
            return char == compact[end - 1] and is_combining(mark)
        elif char_kind != DROP:  # a mark that is a letter: unsure
            return False
        end = start
    return False


def _is_space(char: str) -> bool:
    char_kind = kind(char)
    return char_kind == SPACE or (char_kind != DROP and not char.isascii() and fold(char) == " ")


class StreamMatcher:
    """The held text of one stream and its compact form; :meth:`feed` each chunk, :meth:`finish` at the end."""

    __slots__ = (
        "_before",
        "_compact",
        "_held",
        "_held_length",
        "_matcher",
        "_open",
        "_origin",
        "_shrunk",
        "_spans",
        "_style",
    )

    def __init__(self, matcher: WordMatcher) -> None:
        self._matcher = matcher
        self._held: deque[tuple[str, int]] = deque()  # original pieces, each (text, start within it)
        self._held_length = 0
        self._compact: list[str] = []
        self._spans: list[list[int]] = []  # per compact character: [start, end) in the held text, plus _origin
        # What the held text has given out since the stream began: spans stay as they are when text goes out
        # (rewriting every span per chunk made a chunk's cost grow with a long phrase held back).
        self._origin = 0
        self._before = ""
        self._style = ""  # of the last character that went out (see ``StreamScan.style``)
        self._open = 0  # trailing compact characters that are the raw start of an unfinished escape sequence
        self._shrunk = False

    @property
    def held_back(self) -> int:
        """Characters of the original waiting for the next chunk."""
        return self._held_length

    def feed(self, text: str) -> tuple[str, list[WordMatch]]:
        """The text that is final after ``text`` arrived, and the matches in it (offsets into that text)."""
        if not text:
            return "", []
        compact = "".join(self._compact)
        scan = self._matcher.scan_stream(compact + text, self._before, self._style)
        self._before, self._style = scan.before, scan.style
        size = len(compact)
        matches = self._held_matches(scan.matches, size)
        cut = max(self._start(scan.final, size), 0)
        if scan.final < size:
            self._compact = self._compact[scan.final :]
            self._spans = self._spans[scan.final :]
            # What is left of a sequence the chunk has ended is read again with the chunk.
            self._open = min(self._open, len(self._compact))
            chunk_from = 0
        else:
            self._compact, self._spans, self._open = [], [], 0
            chunk_from = scan.final - size
        self._add_compact(text, chunk_from, self._held_length + chunk_from)
        self._held.append((text, 0))
        self._held_length += len(text)
        emitted = self._take(cut)
        if self._held_length > MAX_HELD_CHARS:
            self._shrink()
        return emitted, matches

    def finish(self) -> tuple[str, list[WordMatch]]:
        """Everything still held, with its matches, read as the end of the text.

        The compact form of that text stays as the context of text that may still come (a stream's text after
        its choice's finish_reason, a Responses ``done`` event or an Anthropic block's stop): a word begun
        before the end and finished after it is found, and what of it had not gone out is masked. After a word
        masked at the end, what follows is read as coming after its replacement: a word boundary."""
        if not self._held_length:
            return "", []
        compact = "".join(self._compact)
        found = self._matcher.scan_final(compact, self._before, self._style)
        matches = self._held_matches(found, len(compact))
        text = self._take(self._held_length)
        last = max((match.end for match in found), default=0)
        if last:  # what follows comes after a replacement (``[FILTERED]``), not after the word it replaced
            del self._compact[:last], self._spans[:last]
            self._before, self._style, self._open = "", "", min(self._open, len(self._compact))
        return text, matches

    # -- internals ---------------------------------------------------------------------------------

    def _held_matches(self, found: list[WordMatch], size: int) -> list[WordMatch]:
        """``found`` (offsets into the compact text and what follows it) as offsets into the held text. The
        context ``finish`` keeps stands for text already given out: a match within it was decided then, and
        one that begins in it is masked from where the held text begins."""
        matches = []
        for match in found:
            start, end = self._start(match.start, size), self._end(match.end, size)
            if end <= 0:
                continue
            if start < 0:
                logger.warning(
                    "text after the end of a reply's text continues a blocked word begun before it: "
                    "what had not gone out yet is masked"
                )
            matches.append(WordMatch(max(start, 0), end, match.word))
        return matches

    def _start(self, position: int, size: int) -> int:
        if position < size:
            return self._spans[position][0] - self._origin
        return self._held_length + position - size

    def _end(self, position: int, size: int) -> int:
        if position <= size:
            return self._spans[position - 1][1] - self._origin
        return self._held_length + position - size

    def _add_compact(self, text: str, start: int, offset: int) -> None:
        """Append the compact form of ``text[start:]``; ``offset``: where ``text[start]`` is in the held text."""
        offset += self._origin
        if not self._open and not HAS_CONTROL.search(text, start):
            self._add_plain(text, start, len(text), None, offset - start)
            return
        if self._open and self._extends_string(text, start):
            # More of an unfinished control string: kept raw as it comes (read again once it ends).
            self._compact.extend(text[start:])
            self._spans.extend([offset + index, offset + index + 1] for index in range(len(text) - start))
            self._open += len(text) - start
            return
        # The raw start of an unfinished escape sequence is taken back and read again with what follows.
        opened = len(self._compact) - self._open
        work = "".join(self._compact[opened:]) + text[start:]
        work_spans = self._spans[opened:] + [[offset + index, offset + index + 1] for index in range(len(text) - start)]
        del self._compact[opened:], self._spans[opened:]
        self._open = 0
        tail = open_tail(work)
        end = tail if tail is not None else len(work)
        position = 0
        for run in special_runs(work, 0, end):
            if run.lastgroup != "hidden":
                continue
            self._add_plain(work, position, run.start(), work_spans, 0)
            for hidden, part_start, part_end in split_hidden(work, run.start(), run.end(), self._matcher.reveals):
                if not hidden:
                    self._add_revealed(work, part_start, part_end, work_spans)
                elif part_end > part_start:
                    self._add_hidden(work_spans[part_start][0], work_spans[part_end - 1][1])
            position = run.end()
        self._add_plain(work, position, end, work_spans, 0)
        if tail is not None:
            self._add_open(work, end, work_spans)

    def _extends_string(self, text: str, start: int) -> bool:
        """Does ``text[start:]`` only continue the unfinished control string the compact text ends with?"""
        opened = len(self._compact) - self._open
        # ESC, a whitespace control, the introducer: the compact form of the start of a string is that short.
        is_string = STRING_OPEN.match("".join(self._compact[opened : opened + 3])) is not None
        return (
            is_string
            and self._compact[-1] != "\x1b"
            and self._open + len(text) - start <= MAX_STRING
            and not _STRING_BREAK.search(text, start)
        )

    def _add_revealed(self, work: str, start: int, end: int, work_spans: list[list[int]]) -> None:
        """The text of a control string that holds a blocked word (controls in it are still hidden)."""
        position = start
        for run in special_runs(work, start, end):
            if run.lastgroup == "hidden":
                self._add_plain(work, position, run.start(), work_spans, 0)
                self._add_hidden(work_spans[run.start()][0], work_spans[run.end() - 1][1])
                position = run.end()
        self._add_plain(work, position, end, work_spans, 0)

    def _add_hidden(self, start: int, end: int) -> None:
        """A hidden stretch: one mark for a possible boundary (nothing next to a space, already one)."""
        compact, spans = self._compact, self._spans
        if compact and (compact[-1] == _HIDDEN_MARK or _is_space(compact[-1])):
            spans[-1][1] = end
            return
        compact.append(_HIDDEN_MARK)
        spans.append([start, end])

    def _add_open(self, work: str, start: int, work_spans: list[list[int]]) -> None:
        """An escape sequence the held text ends in the middle of, kept raw: a control string's text whole (it
        is bounded); before it, and in any other sequence, the controls that change nothing in it are left
        out, and the first byte of the sequence and the first whitespace control stand for all that follow
        (a terminal reads the rest the same way: hidden, with at most one space)."""
        compact, spans = self._compact, self._spans
        before = len(compact)
        string = STRING_OPEN.match(work, start)
        raw_from = string.end() if string is not None else len(work)
        kept = ""
        for index in range(start, len(work)):
            char = work[index]
            char_class = _open_class(char) if start < index < raw_from else "h"
            if char_class == "k" or (char_class in kept and char_class != "h"):
                spans[-1][1] = work_spans[index][1]
                continue
            kept += char_class
            compact.append(char)
            spans.append(list(work_spans[index]))
        self._open = len(compact) - before

    def _add_plain(self, text: str, start: int, end: int, work_spans: list[list[int]] | None, shift: int) -> None:
        """Append the compact form of ``text[start:end]`` (no hidden characters). Each character's span is
        ``work_spans[index]``, or ``[index + shift, index + shift + 1]``.

        Invisible characters widen the span of the character before them, as in :func:`normalize`."""
        compact, spans = self._compact, self._spans
        # A reference (``&shy;``, ``\\u00ad``) needs its ``&`` or backslash, in this text or held from before.
        may_refer = any(text.find(sign, start, end) != -1 or sign in compact for sign in "&\\")
        index = start
        while index < end:
            char, width = char_at(text, index, end)  # a surrogate pair is one character (kept as its two)
            first = index
            index += width
            if work_spans is None:
                position, position_end = first + shift, index + shift
            else:
                position, position_end = work_spans[first][0], work_spans[index - 1][1]
            char_kind = kind(char)
            if char_kind == DROP:
                if spans and _after_lone_high_surrogate(compact):
                    # Kept (one for a run): it keeps that half from pairing with a low one the next chunk brings.
                    if "\ud800" <= compact[-1] <= "\udbff":
                        compact.append(char)
                        spans.append([position, position_end])
                    else:
                        spans[-1][1] = position_end
                elif spans and is_mark(char):
                    if _reference_before(compact, len(compact)) is not None:
                        # Kept after a reference: after one to an invisible character, the mark widens the
                        # letter before the reference over it, as in the whole text (widening the reference's
                        # last character instead would leave the reference out of that letter's span).
                        compact.append(char)
                        spans.append([position, position_end])
                    else:
                        spans[-1][1] = position_end
                continue
            if char_kind == ATTACH and spans and _sits_foreign(compact, char):
                spans[-1][1] = position_end  # folded away, like a decoration
                continue
            if spans and _is_space(char) and (_is_space(compact[-1]) or compact[-1] == _HIDDEN_MARK):
                compact[-1] = compact[-1] if compact[-1] != _HIDDEN_MARK else char
                spans[-1][1] = position_end
                continue
            if width == 1:
                compact.append(char)
                spans.append([position, position_end])
                if may_refer and char in _REFERENCE_LAST:
                    folded = _folded_reference(compact)
                    if folded is not None:
                        reference_start, widens = folded
                        if widens:
                            spans[reference_start - 1][1] = position_end
                        del compact[reference_start:], spans[reference_start:]
                continue
            for unit in range(first, index):  # one compact character per code point, as the matcher counts
                compact.append(text[unit])
                spans.append(list(work_spans[unit]) if work_spans is not None else [unit + shift, unit + shift + 1])

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
        self._origin += count
        return "".join(parts)

    def _shrink(self) -> None:
        """Past the limit: the held text becomes its compact form (its padding is dropped); said once a stream."""
        if not self._shrunk:
            self._shrunk = True
            logger.warning("a stream held back over %d characters; its invisible padding is dropped", MAX_HELD_CHARS)
        # The compact characters before the held text stand for text given out before ``finish``: context only.
        gone = 0
        while gone < len(self._spans) and self._spans[gone][0] < self._origin:
            gone += 1
        held = "".join(self._compact[gone:])
        self._held = deque([(held, 0)])
        self._held_length = len(held)
        self._spans = [[-1, -1] for _ in range(gone)] + [[index, index + 1] for index in range(len(held))]
        self._origin = 0
