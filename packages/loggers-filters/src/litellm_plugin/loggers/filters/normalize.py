"""The comparison form of a text, with a map from every character of that form back to the original text.

The form: NFKC + case folding per cluster (a letter with its combining marks, so composition across
characters happens: halfwidth ``ﾊ`` + ``ﾟ`` is ``パ``), decorations removed (accents, strike-through,
underline: ``s̶p̶à̶m̶`` is ``spam``), invisible characters dropped, whitespace runs collapsed to one space.
See :mod:`~litellm_plugin.loggers.filters.chars` for what each character does.

Matching happens on the normalized copy; masking happens on the original through the map, so the text that
is not filtered comes back exactly as it was, character for character. Invisible characters and marks right
after a letter belong to that letter's span.

Control characters and terminal escape sequences are *hidden*: a terminal does not show them, so they are
dropped like invisible characters (``sp\x00am``, ``s\x1b[1mpam`` are ``spam``), but where they stood may
also have been a word boundary (``hello\x00spam`` holds the word ``spam``): :attr:`Normalized.soft` keeps those
positions, and the whole-word check accepts either reading (see :mod:`~litellm_plugin.loggers.filters.hidden`).

Plain ASCII (most of any LLM reply) is handled by C-level string methods; only the non-ASCII stretches,
hidden stretches and whitespace runs go through the per-character path.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Callable

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
    is_sign,
    kept_on,
    kind,
    letter_style,
)
from litellm_plugin.loggers.filters.hidden import HAS_CONTROL, special_runs, split_hidden
from litellm_plugin.loggers.filters.references import REFERENCE, decode, escape_start, has_reference

__all__ = ["MAX_MARKS", "Normalized", "char_at", "normalize", "normalize_phrase"]

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_ASCII_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"  # ASCII whitespace other than " "
_TO_SPACE = str.maketrans(dict.fromkeys(_ASCII_SPACES, " "))
# The same, and every ASCII control character that is not whitespace to NUL: one C-level pass tells whether
# an ASCII text has any (then it takes the path that hides them).
_ASCII_HIDDEN = [chr(code) for code in (*range(0x00, 0x09), *range(0x0E, 0x1C), 0x7F)]
_TO_SPACE_OR_NUL = str.maketrans({**dict.fromkeys(_ASCII_SPACES, " "), **dict.fromkeys(_ASCII_HIDDEN, "\x00")})
# Combining characters kept on one letter; more start a cluster of their own (bounds the work per letter).
# Marks folded away on it (decorations, marks of another script: see ``chars.is_foreign``) are not kept: they
# widen the letter's span whatever their number.
MAX_MARKS = 16


class Normalized:
    """``text`` is the comparison form; :meth:`span` maps its positions back to the original.

    The map is a list of segments: *linear* ones (one original character per character, offset by a
    constant) and *folded* ones (several characters of either side that map to each other as a block:
    a whitespace run, a ligature, a letter with combining marks).
    """

    __slots__ = (
        "_folded_ends",
        "_norm_starts",
        "_orig_starts",
        "_styles",
        "open_start",
        "original_length",
        "soft",
        "text",
    )

    def __init__(
        self,
        text: str,
        original_length: int,
        norm_starts: list[int] | None = None,
        orig_starts: list[int] | None = None,
        folded_ends: list[int] | None = None,
        open_start: int | None = None,
        soft: frozenset[int] = frozenset(),
        styles: tuple[list[int], list[str]] | None = None,
    ) -> None:
        self.text = text
        # Positions where hidden characters stood: a word boundary may be read there, or nothing.
        self.soft = soft
        # Where the last cluster begins if a combining character arriving later could still change it
        # (a non-ASCII letter at the end): a stream holds it back. ``len(text)`` otherwise.
        self.open_start = len(text) if open_start is None else open_start
        self.original_length = original_length
        self._norm_starts = norm_starts
        self._orig_starts = orig_starts
        self._folded_ends = folded_ends  # -1 for a linear segment
        # Where the style of the letters changes (see ``letter_style``): positions, and the style from each on.
        self._styles = styles

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

    def segment_start(self, index: int) -> int:
        """The first normalized position standing for the same original characters as ``index``."""
        if index >= len(self.text) or self._norm_starts is None or self._folded_ends is None:
            return index
        segment = bisect.bisect_right(self._norm_starts, index) - 1
        return self._norm_starts[segment] if self._folded_ends[segment] >= 0 else index

    def position(self, offset: int) -> int:
        """How many normalized characters stand for original characters before ``offset``."""
        if self._norm_starts is None or self._orig_starts is None or self._folded_ends is None:
            return min(offset, len(self.text))
        segment = bisect.bisect_right(self._orig_starts, offset) - 1
        if segment < 0:
            return 0
        norm_start = self._norm_starts[segment]
        orig = self._orig_starts[segment]
        segment_end = self._norm_starts[segment + 1] if segment + 1 < len(self._norm_starts) else len(self.text)
        if self._folded_ends[segment] >= 0:
            return norm_start if offset <= orig else segment_end
        return min(norm_start + offset - orig, segment_end)

    def style_before(self, index: int, style: str = "") -> str:
        """The style of the character before normalized position ``index`` (``style``: of the one before the
        text): a stream passes it on with its context, so a style change at the start of a chunk is seen."""
        if self._styles is None:
            return style
        starts, styles = self._styles
        change = bisect.bisect_left(starts, index) - 1
        return styles[change] if change >= 0 else style

    def offset(self, index: int) -> int:
        """Original offset where normalized position ``index`` begins (the original length at the end)."""
        return self._locate(index)[0] if index < len(self.text) else self.original_length


class _Builder:
    """Accumulates the comparison form and its segment map.

    The last *unit* (a cluster: a letter with its marks; or a whitespace run) stays open: a decoration after
    it widens its span, a combining character after it joins it (even behind invisible characters, which
    belong to no unit).
    """

    def __init__(self, text: str, confusables: bool, base: str = "", style: str = "") -> None:
        self.text = text
        self.confusables = confusables
        # The letter before ``text`` (a stream has passed it on), for combining marks at its very start.
        self.base = base
        self.pieces: list[str] = []
        self.size = 0
        self.norm_starts: list[int] = []
        self.orig_starts: list[int] = []
        self.folded_ends: list[int] = []
        self.orig_cursor = -1  # original end of the last linear segment, for merging
        self.last_is_space = False
        # The last unit: its original end, and for a cluster its kept characters, start and marks.
        self.unit_end = -1
        self.reach = -1  # end of the last unit and the invisible characters right after it
        self.unit_raw = ""
        self.unit_start = -1
        self.unit_marks = 0
        self.unit_norm_start = -1  # normalized start of a non-ASCII cluster (it may still grow)
        self.soft: set[int] = set()
        # Of the last character (see ``chars.letter_style``); at first, of the one a stream passed on before it.
        self.style = style
        self.style_starts: list[int] = []
        self.styles: list[str] = []

    def _style_from(self, norm_start: int, style: str) -> None:
        """Letters from ``norm_start`` on are drawn in ``style``: where it changes, a word may begin or end (see
        ``letter_style``), also at the start of a stream buffer, after the letter the previous one passed on."""
        if style != self.style:
            self.soft.add(norm_start)
            self.style = style
            if self.style_starts and self.style_starts[-1] == norm_start:  # a cluster folded again
                self.styles[-1] = style
            else:
                self.style_starts.append(norm_start)
                self.styles.append(style)

    def _cluster_from(self, norm_start: int, first: str) -> None:
        """A cluster beginning with ``first`` stands from ``norm_start`` on: its style, as for any letter. Half a
        surrogate pair has none (a separator either way): a stream may bring the other half with its next chunk,
        and the letter they make is compared then."""
        if not "\ud800" <= first <= "\udfff":
            self._style_from(norm_start, letter_style(first))

    def _on_no_letter(self) -> bool:
        """A combining mark here sits on no letter: at the start (no letter passed on by a stream), or after a
        space, a sign or punctuation. Not behind control characters or an escape sequence that follow a letter
        or mark (a terminal draws ``क\x1b[31mि`` as ``कि``): there it is its own cluster, compared as before."""
        if self.base:
            return False
        last = self.pieces[-1][-1:] if self.pieces else ""
        return not last or unicodedata.category(last)[0] not in "LM"

    def hidden(self, start: int, end: int) -> None:
        """Control characters and escape sequences ``original[start:end]``: nothing, or a word boundary."""
        self.soft.add(self.size)
        self.unit_raw = ""  # a combining character after it starts a cluster of its own
        self.base = ""

    def linear(self, orig: int, piece: str) -> None:
        """``piece`` stands for ``original[orig:orig + len(piece)]``, character for character."""
        if not piece:
            return
        self.base = ""
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
        self.base = ""
        self.norm_starts.append(self.size)
        self.orig_starts.append(orig)
        self.folded_ends.append(orig_end)
        self.pieces.append(piece)
        self.size += len(piece)
        self.orig_cursor = -1
        self.last_is_space = piece[-1] == " "

    def space(self, orig: int, orig_end: int) -> None:
        """Whitespace ``original[orig:orig_end]``: one space, merged into a space just before it."""
        self.unit_raw = ""
        self.unit_norm_start = -1
        self.base = ""
        self.unit_end = self.reach = orig_end
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

    def _widen(self, orig_end: int) -> None:
        """Invisible characters up to ``orig_end`` belong to the last unit."""
        if self.folded_ends[-1] >= 0:
            self.folded_ends[-1] = orig_end
        else:
            char_orig = self.orig_cursor - 1
            char = self.pieces[-1][-1]
            self._drop_last_char()
            self.norm_starts.append(self.size)
            self.orig_starts.append(char_orig)
            self.folded_ends.append(orig_end)
            self.pieces.append(char)
            self.size += 1
        self.unit_end = self.reach = orig_end

    def _reopen(self) -> tuple[str, int, int]:
        """Take the last cluster back (a mark follows it): its kept characters, start and mark count."""
        raw, start, marks = self.unit_raw, self.unit_start, self.unit_marks
        if self.folded_ends[-1] >= 0 and self.orig_starts[-1] == start:
            piece = self.pieces.pop()
            self.size -= len(piece)
            self.norm_starts.pop()
            self.orig_starts.pop()
            self.folded_ends.pop()
            self.orig_cursor = -1
        else:
            self._drop_last_char()
        self.last_is_space = bool(self.pieces) and self.pieces[-1][-1:] == " "
        return raw, start, marks

    def ascii(self, text: str, start: int, end: int) -> None:
        """An ASCII stretch: lower-cased, every whitespace run one space."""
        self._style_from(self.size, "")
        piece = text[start:end].lower().translate(_TO_SPACE)
        if self.confusables:
            piece = piece.translate(_ascii_skeletons())
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
                break
            self.linear(start + position, piece[position:run])
            run_end = run + 2
            while run_end < len(piece) and piece[run_end] == " ":
                run_end += 1
            self.space(start + run, start + run_end)
            position = run_end
        last = text[end - 1]
        self.unit_end = self.reach = end
        self.unit_norm_start = -1
        if piece[-1] == " ":
            self.unit_raw = ""
        else:
            self.unit_raw, self.unit_start, self.unit_marks = last, end - 1, 0

    def non_ascii(self, text: str, start: int, end: int) -> None:
        """A run of non-ASCII characters, folded cluster by cluster (a base character and its marks)."""
        index = start
        while index < end:
            char, width = text[index], 1
            if "\ud800" <= char <= "\udbff":
                char, width = char_at(text, index, end)
            char_kind = kind(char)
            if char_kind == DROP:
                # A decoration widens the letter before it; an invisible character is no one's.
                if self.reach == index:
                    if is_mark(char):
                        self._widen(index + width)
                    self.reach = index + width
                index += width
                continue
            if char_kind == SPACE:
                self.space(index, index + width)
                index += width
                continue
            joins = char_kind == ATTACH and bool(self.unit_raw) and self.reach == index
            if joins and is_foreign(char, _letter_of(self.unit_raw)):
                self._widen(index + width)  # folded away on that letter, like a decoration
                index += width
                continue
            if char_kind == ATTACH and not joins and is_combining(char) and self._on_no_letter():
                # On no letter (at the start, after a space or a hidden character): it hides nothing and joins
                # no word, as a decoration there (it widens a space right before it).
                if self.reach == index:
                    self._widen(index + width)
                    self.reach = index + width
                index += width
                continue
            if joins and self.unit_marks < MAX_MARKS:
                raw, cluster_start, marks = self._reopen()
            else:
                raw, cluster_start, marks = "", index, -1
            chars = [raw] if raw else []
            letter: str | None = None  # what the marks sit on, once one comes
            stop = span_end = index
            while stop < end:
                stop_char, width = text[stop], 1
                if "\ud800" <= stop_char <= "\udbff":
                    stop_char, width = char_at(text, stop, end)
                stop_kind = kind(stop_char)
                if stop_kind == DROP:
                    stop += width
                    if is_mark(stop_char):
                        span_end = stop
                elif stop_kind == ATTACH and marks >= 0:
                    if letter is None:
                        letter = _letter_of("".join(chars), self.base)
                    kept_letter = kept_on(stop_char, letter)
                    if kept_letter is None:  # folded away on that letter, like a decoration
                        stop += width
                        span_end = stop
                    elif marks < MAX_MARKS:
                        chars.append(stop_char)
                        marks += 1
                        stop += width
                        span_end = stop
                        letter = kept_letter
                    else:
                        break
                elif marks < 0:
                    chars.append(stop_char)
                    marks += 1
                    stop += width
                    span_end = stop
                else:
                    break
            raw = "".join(chars)
            folded = self._fold_at_start(raw) if self.base else None
            if folded is None:
                folded = fold(raw, self.confusables)
            if not folded:  # nothing visible once folded: like an invisible character
                if self.reach == cluster_start:
                    self.reach = stop
                index = stop
                continue
            if folded == " ":
                self.space(cluster_start, span_end)
            else:
                norm_start = self.size
                self.folded(cluster_start, span_end, folded)
                self._cluster_from(norm_start, raw[0])
                if is_sign(raw[0]):  # a word boundary on both sides (see is_sign)
                    self.soft.update((norm_start, self.size))
                self.unit_raw, self.unit_start, self.unit_marks = raw, cluster_start, marks
                self.unit_norm_start = norm_start
                self.unit_end = span_end
            self.reach = stop
            index = stop

    def reference(self, start: int, end: int, char: str) -> None:
        """An HTML character reference ``original[start:end]`` standing for ``char``: compared as that
        character would be at its place (see :mod:`~litellm_plugin.loggers.filters.references`)."""
        char_kind = kind(char) if len(char) == 1 else PLAIN
        if char_kind == DROP:  # a reference to an invisible character or a decoration: nothing, and no one's
            if self.reach == start:  # but, as the character itself, no gap: a mark after it joins the letter
                self.reach = end
            return
        if char_kind == SPACE:
            self.space(start, end)
            return
        folded: str | None = None
        joins = char_kind == ATTACH and bool(self.unit_raw) and self.reach == start
        if joins and is_foreign(char, _letter_of(self.unit_raw)):
            self._widen(end)  # folded away on that letter: it widens it, as the character itself does
            return
        if char_kind == ATTACH and not joins and len(char) == 1 and is_combining(char) and self._on_no_letter():
            if self.reach == start:  # on no letter: nothing, as a reference to a decoration there
                self.reach = end
            return
        if joins and self.unit_marks < MAX_MARKS:
            raw, cluster_start, marks = self._reopen()
            raw, marks = raw + char, marks + 1
        else:
            raw, cluster_start, marks = char, start, 0
            if self.base:
                folded = self._fold_at_start(raw)
        if folded is None:
            folded = fold(raw, self.confusables)
        if not folded:
            if self.reach == cluster_start:
                self.reach = end
            return
        if folded == " ":
            self.space(cluster_start, end)
            return
        norm_start = self.size
        self.folded(cluster_start, end, folded)
        self._cluster_from(norm_start, raw[0])
        if len(char) == 1 and is_sign(raw[0]):
            self.soft.update((norm_start, self.size))
        if len(char) == 1:
            self.unit_raw, self.unit_start, self.unit_marks = raw, cluster_start, marks
            self.unit_norm_start = norm_start
        else:  # several characters (a few named references): nothing joins them
            self.unit_raw, self.unit_norm_start = "", -1
        self.unit_end = self.reach = end

    def _fold_at_start(self, raw: str) -> str | None:
        """Marks at the start of the text, folded as they are on the letter before it (whether a mark belongs
        to its letter depends on the letter): what they add to it, or None when they change it (a stream holds
        back a letter that a mark could change, so that does not happen there)."""
        if kind(raw[0]) != ATTACH:
            return None
        prefix = fold(self.base, self.confusables)
        whole = fold(self.base + raw, self.confusables)
        return whole[len(prefix) :] if whole.startswith(prefix) else None

    def build(self) -> Normalized:
        open_start = self.unit_norm_start if self.unit_raw and self.unit_norm_start >= 0 else self.size
        return Normalized(
            "".join(self.pieces),
            len(self.text),
            self.norm_starts,
            self.orig_starts,
            self.folded_ends,
            open_start,
            frozenset(self.soft),
            (self.style_starts, self.styles),
        )


@functools.cache
def _ascii_skeletons() -> dict[int, str]:
    """ASCII characters whose confusable skeleton is one other character ("0" -> "o", "1" -> "l")."""
    table: dict[int, str] = {}
    for code in range(0x21, 0x7F):
        char = chr(code).lower()
        skeleton = fold(char, True)
        if len(skeleton) == 1 and skeleton != char:
            table[code] = skeleton
    return table


def _letter_of(cluster: str, base: str = "") -> str:
    """The character of ``cluster`` that marks after it sit on: its last one that is no mark (``base``, the
    letter before the text, when it has none; "" when neither)."""
    for char in reversed(cluster):
        if is_base(char):
            return char
    return base


def char_at(text: str, index: int, end: int) -> tuple[str, int]:
    """The character at ``text[index]`` and how many code points it takes: a surrogate pair (a stream whose JSON
    escapes split one across chunks gives them) is the character a UTF-16 client reads, ``"\\ud835\\udc2c"``
    is ``𝐬``."""
    char = text[index]
    if "\ud800" <= char <= "\udbff" and index + 1 < end and "\udc00" <= text[index + 1] <= "\udfff":
        return chr(0x10000 + ((ord(char) - 0xD800) << 10) + (ord(text[index + 1]) - 0xDC00)), 2
    return char, 1


def normalize(
    text: str,
    confusables: bool = False,
    reveal: Callable[[str], bool] | None = None,
    base: str = "",
    style: str = "",
) -> Normalized:
    """The comparison form of ``text`` with its map back to ``text``. ``reveal``: does the text of a control
    string hold a blocked word (then it is compared as text; see :func:`~.hidden.split_hidden`)? ``base``: the
    letter right before ``text`` in a stream, that combining marks at the start of ``text`` sit on; ``style``:
    how the character before ``text`` is drawn (see :meth:`Normalized.style_before`)."""
    if text.isascii() and not style:
        lowered = text.lower().translate(_TO_SPACE_OR_NUL)
        hidden = "\x00" in lowered
        if not hidden and "  " not in lowered and not has_reference(text):
            if confusables:
                lowered = lowered.translate(_ascii_skeletons())
            return Normalized(lowered, len(text))
    else:
        hidden = HAS_CONTROL.search(text) is not None
    builder = _Builder(text, confusables, base, style)
    _walk(builder, text, 0, len(text), hidden, reveal)
    return builder.build()


def _walk(
    builder: _Builder, text: str, start: int, end: int, hidden: bool, reveal: Callable[[str], bool] | None
) -> None:
    """Feed ``text[start:end]`` to the builder: ASCII stretches, non-ASCII runs and (when the text has any)
    hidden stretches."""
    position = start
    runs = special_runs(text, start, end) if hidden else _NON_ASCII.finditer(text, start, end)
    for run in runs:
        run_start, run_end = run.span()
        if run_start > position:
            _ascii(builder, text, position, run_start)
        if run.lastgroup != "hidden":
            builder.non_ascii(text, run_start, run_end)
        else:
            for is_hidden, part_start, part_end in split_hidden(text, run_start, run_end, reveal):
                if is_hidden:
                    builder.hidden(part_start, part_end)
                elif part_end > part_start:
                    _walk(builder, text, part_start, part_end, True, None)
        position = run_end
    if position < end:
        _ascii(builder, text, position, end)


def _ascii(builder: _Builder, text: str, start: int, end: int) -> None:
    """An ASCII stretch, with the character references in it (see ``references``; an escape whose backslash is
    escaped begins at that escaped backslash)."""
    if text.find("&", start, end) >= 0 or text.find("\\", start, end) >= 0:
        for found in REFERENCE.finditer(text, start, end):
            char = decode(found)
            if char is None:
                continue
            reference_start = escape_start(text, found.start(), start)
            if reference_start > start:
                builder.ascii(text, start, reference_start)
            builder.reference(reference_start, found.end(), char)
            start = found.end()
    if end > start:
        builder.ascii(text, start, end)


def normalize_phrase(phrase: str, confusables: bool = False) -> str:
    """Comparison form of a blocked word or phrase (surrounding whitespace removed)."""
    return normalize(phrase.strip(), confusables).text.strip()
