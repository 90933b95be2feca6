"""What a terminal does not show: control characters and escape sequences (ECMA-48), found by C-level regexes.

*Hidden* characters are dropped from the comparison form (``sp\\x00am`` is ``spam``), and where they stood a
word boundary may be read or not (``hello\\x00spam`` holds the word ``spam``; ``spam\\x00ham`` too). What is
hidden, read the way a terminal reads it:

- control characters: C0 (``\\x00``-``\\x1f``) other than the whitespace ones (``\\t \\n \\v \\f \\r`` and
  ``\\x1c``-``\\x1f``, which are spaces), DEL, and C1 (``\\x80``-``\\x9f``) other than NEL (``\\x85``, a line
  break: Unicode and Python count it as whitespace, so ``spa\\x85m`` is two words);
- CSI sequences: ``\\x1b[``, parameter and intermediate bytes (``\\x20``-``\\x3f``, the space included:
  ``\\x1b[2 q``; a terminal ignores the rest of a malformed one up to its end), a final byte (``\\x1b[31m``,
  ``\\x1b[m``); the 8-bit CSI ``\\x9b`` when a parameter follows it (``\\x9b31m``); a sequence cut short ends
  before the first character that cannot belong to it;
- control strings (OSC ``\\x1b]``, DCS ``\\x1bP``, SOS ``\\x1bX``, PM ``\\x1b^``, APC ``\\x1b_``; their 8-bit
  introducers are only control characters, see ``_STRING_START``) ended by BEL or ST within
  :data:`MAX_STRING` characters (``\\x1b]0;title\\x07``); without an end there, only the introducer is hidden
  and the rest is text. A string whose text itself holds a blocked word (``\\x1b]0;spam\\x07``, a window title;
  a text display shows it) is read as that text between two hidden parts (see :func:`split_hidden`);
- other escapes: ``\\x1b``, intermediate bytes (``\\x20``-``\\x2f``, the space included: ``\\x1b F``), and a
  final byte that is not a letter unless an intermediate byte came before it (``\\x1b(B``, ``\\x1b7``,
  ``\\x1b=``). ``\\x1b`` followed by a letter hides only the ``\\x1b``: a text display shows the letter
  (``\\x1bspam`` holds ``spam``).

Inside a sequence (after its ``\\x1b``, not in a control string's text), a C0 control or DEL does not end it,
as in a terminal's parser (the VT500 one): ``\\x1b[1\\x00m`` is one sequence. CAN and SUB abort it, ESC starts a
new one. A whitespace control there (``\\n``, ``\\t``...) is still whitespace: the terminal executes it
(:func:`split_hidden` gives it back as text). So ``\\x1b[; spam`` hides ``\\x1b[; s``, as a terminal does.

Every pattern stops at the next introducer, so any text is scanned in linear time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

__all__ = ["HAS_CONTROL", "MAX_STRING", "STRING_OPEN", "is_hidden_at", "open_tail", "special_runs", "split_hidden"]

MAX_STRING = 1024  # characters of a control string's body (a title, a link target)

_CONTROLS = "\\x00-\\x08\\x0e-\\x1b\\x7f-\\x84\\x86-\\x9f"
# What a sequence goes on past: C0 controls (executed) and DEL (ignored); not CAN, SUB (they abort it) or ESC.
_CARRIED = "\\x00-\\x17\\x19\\x1c-\\x1f\\x7f"
_WHITESPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f"  # of those, the ones a terminal executes as a move: whitespace
_ESC = f"\\x1b[{_CARRIED}]*"  # ESC, and the controls a terminal executes before what follows it
# A control string's body: anything up to its end (BEL, ST) or the next introducer (which aborts it).
_BODY = "[^\\x07\\x18\\x1a\\x1b\\x90\\x98\\x9b-\\x9f]"
# 7-bit only: a display that does not read C1 controls shows nothing for an 8-bit introducer (``\\x9d``), so
# the letters after it would join the text before it; as a control string it could hide them.
_STRING_START = f"{_ESC}[\\]PX^_]"
# A body read at once, never given back (a lookahead is atomic): an unended string fails in one step.


def _atomic_body(group: int) -> str:
    return f"(?=({_BODY}{{0,{MAX_STRING}}}))\\{group}"


_CSI_START = f"(?:{_ESC}\\[|\\x9b(?=[\\x30-\\x3f]))"
_CSI_BODY = f"[\\x20-\\x3f{_CARRIED}]*"  # parameters, intermediates, and what a terminal ignores up to the end
_NF_BODY = f"[\\x20-\\x2f][\\x20-\\x2f{_CARRIED}]*"  # intermediate bytes
_ESCAPE = (
    f"{_CSI_START}{_CSI_BODY}[\\x40-\\x7e]?"  # CSI
    f"|{_STRING_START}{_atomic_body(2)}(?:\\x07|\\x9c|\\x1b\\\\)"  # a control string, ended
    f"|{_ESC}{_NF_BODY}[\\x30-\\x7e]?"  # an escape with intermediate bytes
    f"|{_ESC}[\\x30-\\x40\\x5b-\\x60\\x7b-\\x7e]"  # an escape whose final byte is not a letter
)
_HIDDEN = f"(?:{_ESCAPE}|[{_CONTROLS}])+"

HAS_CONTROL = re.compile(f"[{_CONTROLS}]")
# Hidden stretches, and the runs of other non-ASCII characters.
_SPECIAL = re.compile(f"(?P<hidden>{_HIDDEN})|[^\\x00-\\x84\\x86-\\x9f]+")
# A sequence the end of a stream buffer may still be in the middle of: what follows decides what it hides.
_OPEN_TAIL = re.compile(
    f"(?:{_ESC}\\[{_CSI_BODY}|\\x9b(?:[\\x30-\\x3f]{_CSI_BODY})?"
    f"|{_STRING_START}{_atomic_body(1)}\\x1b?"
    f"|{_ESC}(?:{_NF_BODY})?)\\Z"
)
_STRING = f"{_STRING_START}{_atomic_body(1)}(?:\\x07|\\x9c|\\x1b\\\\)"
# In a hidden stretch: a control string (its text may be revealed) or whitespace a sequence goes on past.
_PARTS = re.compile(f"{_STRING}|[{_WHITESPACE}]+")
_SPACES = re.compile(f"[{_WHITESPACE}]+")
# An open sequence that is a control string: its text so far is kept as it is.
STRING_OPEN = re.compile(_STRING_START)


def split_hidden(
    text: str, start: int, end: int, reveal: Callable[[str], bool] | None
) -> Iterator[tuple[bool, int, int]]:
    """``(hidden, start, end)`` parts of the hidden stretch ``text[start:end]``. Not hidden: whitespace inside
    a sequence (a terminal executes it), and a control string whose text holds a blocked word (``reveal``), so
    a filter does not pass a word a text display shows."""
    position = start
    for found in _PARTS.finditer(text, start, end):
        body = found.group(1)
        if body is None:
            yield True, position, found.start()
            yield False, found.start(), found.end()
            position = found.end()
            continue
        # Whitespace between a string's ESC and its introducer.
        for space in _SPACES.finditer(text, found.start(), found.start(1)):
            yield True, position, space.start()
            yield False, space.start(), space.end()
            position = space.end()
        if reveal is not None and reveal(body):
            body_start, body_end = found.span(1)
            yield True, position, body_start
            yield False, body_start, body_end
            position = body_end
    if position < end:
        yield True, position, end


# Where a hidden stretch or a non-ASCII run may begin: one character class, which ``re`` searches fast.
_SPECIAL_START = re.compile("[\\x00-\\x08\\x0e-\\x1b\\x7f-\\U0010ffff]")
_INTRODUCERS = "\x1b\x9b"


def special_runs(text: str, start: int, end: int) -> Iterator[re.Match[str]]:
    """The hidden stretches (group ``hidden``) and the runs of other non-ASCII characters in ``text[start:end]``."""
    position = start
    while True:
        found = _SPECIAL_START.search(text, position, end)
        if found is None:
            return
        run = _SPECIAL.match(text, found.start(), end)
        if run is None:  # pragma: no cover - every character the search finds starts a run
            return
        yield run
        position = run.end()


def is_hidden_at(text: str, position: int, reveal: Callable[[str], bool] | None) -> bool:
    """Whether ``text[position]`` is hidden: a control character, or part of an escape sequence (``&`` in
    ``\x1b[&#x``, which the terminal reads as a finished sequence, not as the start of ``&#x73;``)."""
    if HAS_CONTROL.search(text) is None:
        return False
    for run in special_runs(text, 0, len(text)):
        if run.start() > position:
            return False
        if run.end() > position and run.lastgroup == "hidden":
            return any(
                hidden and part_start <= position < part_end
                for hidden, part_start, part_end in split_hidden(text, run.start(), run.end(), reveal)
            )
    return False


def open_tail(text: str) -> int | None:
    """Where an escape sequence begins that ``text`` ends in the middle of (what follows decides what it
    hides), or None. It begins at the last introducer, or the one before when the text ends in a possible ST."""
    last = max(text.rfind(char) for char in _INTRODUCERS)
    if last < 0:
        return None
    if text[-1] == "\x1b" and last == len(text) - 1:
        previous = max(text.rfind(char, 0, last) for char in _INTRODUCERS)
        if previous >= 0 and _OPEN_TAIL.match(text, previous):
            return previous
    return last if _OPEN_TAIL.match(text, last) else None
