"""HTML character references (``&#115;``, ``&#x73;``, ``&shy;``): a reply rendered as Markdown (CommonMark) or
HTML shows the character, so ``&#115;pam`` reads ``spam`` in a chat window. A reference is compared as the
character it stands for, and masked as a whole.

Only complete references count, ended by ``;`` as CommonMark requires: ``&#115`` or ``&amp`` alone are text.
Named references are HTML5's (from :data:`html.entities.html5`); a reference to a control character, a
surrogate or beyond U+10FFFF is left as text (a renderer shows a replacement character, not a letter).
"""

from __future__ import annotations

import html.entities
import re

__all__ = ["REFERENCE", "decode", "open_reference"]

REFERENCE = re.compile(r"&(?:#[xX]([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([A-Za-z][A-Za-z0-9]{1,31}));")
# The start of a reference the end of a stream buffer may be in the middle of.
_OPEN = re.compile(r"&(?:#[xX]?[0-9a-fA-F]{0,7}|[A-Za-z][A-Za-z0-9]{0,31})?\Z")
_NAMED = {name[:-1]: text for name, text in html.entities.html5.items() if name.endswith(";")}


def decode(found: re.Match[str]) -> str | None:
    """The text a reference stands for (one character, or two for a few named ones), or None."""
    hexadecimal, decimal, name = found.groups()
    if name is not None:
        return _NAMED.get(name)
    code = int(hexadecimal, 16) if hexadecimal is not None else int(decimal)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code < 0x20 or 0x7F <= code <= 0x9F:
        return None
    return chr(code)


def open_reference(text: str) -> int | None:
    """Where a reference begins that ``text`` ends in the middle of, or None."""
    position = text.rfind("&", max(0, len(text) - 40))
    if position < 0:
        return None
    return position if _OPEN.match(text, position) else None
