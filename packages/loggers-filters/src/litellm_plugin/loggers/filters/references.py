"""Character references in text: compared as the character they stand for, and masked as a whole.

* HTML (``&#115;``, ``&#x73;``, ``&shy;``): a reply rendered as Markdown (CommonMark) or HTML shows the
  character, so ``&#115;pam`` reads ``spam`` in a chat window. Only complete references count, ended by ``;``
  as CommonMark requires: ``&#115`` or ``&amp`` alone are text. Named references are HTML5's (from
  :data:`html.entities.html5`).
* Escape sequences (``\\u0073``, a ``\\ud835\\udc2c`` surrogate pair, ``\\U0001d42c``, ``\\x73``): a reply
  that is JSON (structured output; ``json.dumps`` writes every non-ASCII letter so by default) reaches the
  caller's ``json.loads`` as the character. An escape whose backslash is itself escaped (``\\\\u00ad``: JSON
  holding JSON, which a client decoding twice reads as the character) is the same reference, begun with the
  backslashes that make it (see :func:`escape_start`): read as the character, and masked so that every level
  of the JSON stays valid.

A reference to a line break or a tab (``&#10;``, ``\\u000a``) is the whitespace it stands for, so a phrase split by one
still matches. One to another control character, a lone surrogate or beyond U+10FFFF is left as text (a renderer
shows a replacement character, not a letter).
"""

from __future__ import annotations

import html.entities
import re

__all__ = ["MAX_ESCAPE_RUN", "REFERENCE", "decode", "escape_start", "has_reference", "open_reference"]

# The backslashes of one escape at most: four levels of JSON in JSON (a stream holds that many, and a run's
# length modulo twice that, back).
MAX_ESCAPE_RUN = 8
REFERENCE = re.compile(
    r"&(?:#[xX](?P<hex>[0-9a-fA-F]{1,6})|#(?P<dec>[0-9]{1,7})|(?P<name>[A-Za-z][A-Za-z0-9]{1,31}));"
    r"|\\u(?P<high>[dD][89abAB][0-9a-fA-F]{2})\\{1,8}u(?P<low>[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|\\(?:u(?P<u4>[0-9a-fA-F]{4})|U(?P<u8>[0-9a-fA-F]{8})|x(?P<x2>[0-9a-fA-F]{2}))"
)
# The start of a reference the end of a stream buffer may be in the middle of (an escaped high surrogate
# waits for its low half, whose backslash may be escaped too, as the high one's may).
_OPEN = re.compile(
    r"&(?:#[xX]?[0-9a-fA-F]{0,7}|[A-Za-z][A-Za-z0-9]{0,31})?\Z"
    r"|\\(?:u[dD][89abAB][0-9a-fA-F]{2}(?:\\{1,8}(?:u[0-9a-fA-F]{0,3})?)?"
    r"|u[0-9a-fA-F]{0,3}|U[0-9a-fA-F]{0,7}|x[0-9a-fA-F]?)?\Z"
)
_ESCAPE_REACH = 18  # as long as an escaped surrogate pair cut short: ``\\ud835`` + 8 backslashes + ``udc2``
_WHITESPACE = frozenset(range(0x09, 0x0E))  # tab, line feed, vertical tab, form feed, carriage return
_NAMED = {name[:-1]: text for name, text in html.entities.html5.items() if name.endswith(";")}


def has_reference(text: str) -> bool:
    return ("&" in text or "\\" in text) and REFERENCE.search(text) is not None


def decode(found: re.Match[str]) -> str | None:
    """The text a reference stands for (one character, or two for a few named ones), or None."""
    groups = found.groupdict()
    if groups["name"] is not None:
        return _NAMED.get(groups["name"])
    if groups["high"] is not None:
        high, low = int(groups["high"], 16), int(groups["low"], 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    digits = groups["hex"] or groups["u4"] or groups["u8"] or groups["x2"]
    code = int(digits, 16) if digits is not None else int(groups["dec"])
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or (code < 0x20 and code not in _WHITESPACE) or 0x7F <= code <= 0x9F:
        return None
    return chr(code)


def escape_start(text: str | list[str], start: int, floor: int = 0) -> int:
    """Where the reference found at ``start`` begins with the backslashes that make its escape. JSON holding
    JSON escapes a backslash once more per level: ``\\\\u00ad`` is an escape to a client that decodes twice,
    ``\\\\\\\\u00ad`` to one that decodes three times. Of a run of backslashes (down to ``floor``), the escape
    is its lowest power of two (up to :data:`MAX_ESCAPE_RUN`); the rest are pairs at that level, text. Masked
    from there, every level of the JSON stays valid."""
    if text[start] != "\\":
        return start
    run = start
    while run > floor and text[run - 1] == "\\":
        run -= 1
    length = start - run + 1
    return start + 1 - min(length & -length, MAX_ESCAPE_RUN)


def open_reference(text: str) -> int | None:
    """Where a reference begins that ``text`` ends in the middle of, or None (an escaped surrogate pair cut
    inside its second half begins at the first)."""
    floor = max(0, len(text) - 40)
    # An escape begins at one of the last backslashes (a pair's second half may have two of its own).
    escapes = [index for index in range(max(0, len(text) - _ESCAPE_REACH), len(text)) if text[index] == "\\"]
    starts = (text.rfind("&", floor), *escapes)
    open_at = [start for start in starts if start >= 0 and _OPEN.match(text, start)]
    return min(open_at) if open_at else None
