"""Quoted strings in text that is almost JSON: tool-call arguments cut short (``{"q": "\\u0073pam``), with a
trailing comma, single quotes or unquoted keys (JSON5, a Python literal). A lenient parser (json5,
``ast.literal_eval``, the partial-JSON readers of streaming UIs) decodes their escapes, so a filter must read
them decoded too: :func:`map_string_literals` rewrites each literal's decoded value and writes it back
encoded, with the same quote; everything else stays as it is."""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["decoded_view", "map_string_literals"]

# A quoted string, its end quote optional (the text may be cut short inside it).
_LITERAL = re.compile(r"""(?P<quote>["'])(?P<body>(?:\\.|\\\Z|(?!(?P=quote))[^\\])*)(?P<end>(?P=quote))?""", re.S)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|U([0-9a-fA-F]{8})|(.))", re.S)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_SURROGATES = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def _decode_escape(found: re.Match[str]) -> str:
    four, two, eight, other = found.groups()
    code = four or two or eight
    if code is not None:
        value = int(code, 16)
        return chr(value) if value <= 0x10FFFF else found.group(0)
    return _SIMPLE.get(other, other)  # an unknown escape is its character (JSON5 reads "\s" as "s")


def _join_pair(found: re.Match[str]) -> str:
    pair = found.group(0)
    high, low = pair[0], pair[1]
    return chr(0x10000 + ((ord(high) - 0xD800) << 10) + (ord(low) - 0xDC00))


def _decode(body: str) -> str:
    return _SURROGATES.sub(_join_pair, _ESCAPE.sub(_decode_escape, body))


def _encode(text: str, quote: str) -> str:
    text = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return "".join(f"\\u{ord(char):04x}" if char < " " else char for char in text)


def map_string_literals(text: str, rewrite: Callable[[str], str], *, always: bool = False) -> str:
    """``text`` with ``rewrite`` applied to the decoded value of each quoted string in it; a literal whose
    value ``rewrite`` leaves alone stays byte for byte (unless ``always``: then it is written again, with only
    the escapes it needs)."""
    if "\\" not in text:  # nothing encoded: the text reads as it is written
        return text
    pieces: list[str] = []
    position = 0
    for found in _LITERAL.finditer(text):
        body = found.group("body")
        if "\\" not in body:
            continue
        value = _decode(body)
        new = rewrite(value)
        if new == value and not always:
            continue
        quote = found.group("quote")
        pieces += [text[position : found.start()], quote, _encode(new, quote), found.group("end") or ""]
        position = found.end()
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


def decoded_view(text: str) -> str:
    """``text`` with its quoted strings (and theirs, JSON inside a string) decoded, written with only the
    escapes a quoted string needs: what a lenient reader sees, for a check that reads the text as it is."""
    return map_string_literals(text, decoded_view, always=True)
