"""Quoted strings in text that is almost JSON: tool-call arguments cut short (``{"q": "\\u0073pam``), with a
trailing comma, single quotes or unquoted keys (JSON5, a Python literal). A lenient parser (json5,
``ast.literal_eval``, the partial-JSON readers of streaming UIs) decodes their escapes, so a filter must read
them decoded too: :func:`map_string_literals` rewrites each literal's decoded value and writes it back
encoded, with the same quote; everything else stays as it is. Python's escapes are read too (octal ``\\163``,
named ``\\N{...}``), and so are literals written next to each other, which Python joins (``'sp' 'am'``): they
are read as one, and written back as one if changed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["decoded_view", "encode_literal", "map_string_literals"]

# A quoted string, its end quote optional (the text may be cut short inside it).
_LITERAL = re.compile(r"""(?P<quote>["'])(?P<body>(?:\\.|\\\Z|(?!(?P=quote))[^\\])*)(?P<end>(?P=quote))?""", re.S)
_ESCAPE = re.compile(
    r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|U([0-9a-fA-F]{8})|([0-7]{1,3})|N\{([^{}\\]{1,100})\}|(.))", re.S
)
# Two literals with nothing but whitespace between them, which Python reads as one string.
_ADJACENT = re.compile(r"""["']\s*["']""")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_SURROGATES = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _decode_escape(found: re.Match[str]) -> str:
    four, two, eight, octal, name, other = found.groups()
    code = four or two or eight
    if code is not None:
        value = int(code, 16)
        return chr(value) if value <= 0x10FFFF else found.group(0)
    if octal is not None:
        return chr(int(octal, 8))
    if name is not None:
        try:
            return unicodedata.lookup(name)
        except KeyError:
            return found.group(0)
    return _SIMPLE.get(other, other)  # an unknown escape is its character (JSON5 reads "\s" as "s")


def _join_pair(found: re.Match[str]) -> str:
    pair = found.group(0)
    high, low = pair[0], pair[1]
    return chr(0x10000 + ((ord(high) - 0xD800) << 10) + (ord(low) - 0xDC00))


def _decode(body: str) -> str:
    return _SURROGATES.sub(_join_pair, _ESCAPE.sub(_decode_escape, body))


def encode_literal(text: str, quote: str) -> str:
    """Escaped where needed: the quote, backslashes, control characters, and a lone surrogate (which cannot be
    sent as UTF-8)."""
    text = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return "".join(f"\\u{ord(char):04x}" if char < " " or "\ud800" <= char <= "\udfff" else char for char in text)


def map_string_literals(text: str, rewrite: Callable[[str], str], *, always: bool = False) -> str:
    """``text`` with ``rewrite`` applied to the decoded value of each quoted string in it (literals written
    next to each other are one string); a string whose value ``rewrite`` leaves alone stays byte for byte
    (unless ``always``: then it is written again, as one literal with only the escapes it needs)."""
    if "\\" not in text and _ADJACENT.search(text) is None:  # nothing encoded: the text reads as written
        return text
    pieces: list[str] = []
    position = 0
    for group in _joined_literals(text):
        first, last = group[0], group[-1]
        if len(group) == 1 and "\\" not in first.group("body"):
            continue
        value = "".join(_decode(found.group("body")) for found in group)
        new = rewrite(value)
        if new == value and not always:
            continue
        quote = first.group("quote")
        pieces += [text[position : first.start()], quote, encode_literal(new, quote), last.group("end") or ""]
        position = last.end()
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


def _joined_literals(text: str) -> list[list[re.Match[str]]]:
    """The quoted strings of ``text``, those with only whitespace between them (Python joins them) together."""
    groups: list[list[re.Match[str]]] = []
    for found in _LITERAL.finditer(text):
        if groups:
            previous = groups[-1][-1]
            if previous.group("end") is not None and not text[previous.end() : found.start()].strip():
                groups[-1].append(found)
                continue
        groups.append([found])
    return groups


def decoded_view(text: str) -> str:
    """``text`` with its quoted strings (and theirs, JSON inside a string) decoded, written with only the
    escapes a quoted string needs: what a lenient reader sees, for a check that reads the text as it is."""
    return map_string_literals(text, decoded_view, always=True)
