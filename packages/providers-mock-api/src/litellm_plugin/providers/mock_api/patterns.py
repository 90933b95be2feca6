"""A string that matches a regular expression (for JSON Schema's ``pattern``), built from the parsed regex.

Python's own regex parser gives the syntax tree; the walk takes one path through it (a literal, the first
character of a class, a repeat count between its bounds) and the result is checked with ``re.search``, as
JSON Schema validators do. Lookarounds and backreferences are handled loosely; the caller validates anyway.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

if sys.version_info >= (3, 11):
    from re import _constants as _c
    from re import _parser as _p
else:  # pragma: no cover - Python 3.10
    import sre_constants as _c
    import sre_parse as _p

__all__ = ["string_matching"]

_CATEGORY = {
    "CATEGORY_DIGIT": "7",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": "-",
}
_FILLERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_."


def _class_char(items: list[tuple[Any, Any]], choose: Callable[[int], int]) -> str:
    negated = any(str(op) == "NEGATE" for op, _ in items)
    options: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            options.append(chr(arg))
        elif name == "RANGE":
            low, high = arg
            options.append(chr(low + choose(min(high - low + 1, 26))))
        elif name == "CATEGORY":
            options.append(_CATEGORY.get(str(arg), "a"))
    if negated:
        excluded = set(options)
        compiled = re.compile("[" + "".join(re.escape(ch) for ch in excluded) + "]") if excluded else None
        for filler in _FILLERS:
            if filler not in excluded and (compiled is None or not compiled.fullmatch(filler)):
                return filler
        return "~"
    return options[choose(len(options))] if options else "a"


class _Walk:
    def __init__(self, choose: Callable[[int], int], extra: int) -> None:
        self.choose = choose
        self.extra = extra
        self.groups: dict[int, str] = {}

    def run(self, parsed: Any) -> str:
        return "".join(self.node(op, arg) for op, arg in parsed)

    def node(self, op: Any, arg: Any) -> str:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "NOT_LITERAL":
            return "a" if chr(arg) != "a" else "b"
        if name == "ANY":
            return "a"
        if name == "IN":
            return _class_char(list(arg), self.choose)
        if name == "CATEGORY":
            return _CATEGORY.get(str(arg), "a")
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            upper = low + self.extra if high == _c.MAXREPEAT else min(high, low + self.extra)
            count = low + self.choose(upper - low + 1)
            return "".join(self.run(sub) for _ in range(count))
        if name == "SUBPATTERN":
            group, sub = arg[0], arg[-1]
            text = self.run(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if name == "ATOMIC_GROUP":
            return self.run(arg)
        if name == "BRANCH":
            _, branches = arg
            return self.run(branches[self.choose(len(branches))])
        if name == "GROUPREF":
            return self.groups.get(arg, "")
        if name == "GROUPREF_EXISTS":
            _, yes, no = arg
            return self.run(yes) if yes is not None else (self.run(no) if no is not None else "")
        return ""  # AT (anchors), ASSERT, ASSERT_NOT: no characters of their own


def string_matching(pattern: str, min_length: int, max_length: int, choose: Callable[[int], int]) -> str:
    """A string ``re.search``-matching ``pattern`` with a length in bounds; the best try if none fits."""
    compiled = re.compile(pattern)
    parsed = _p.parse(pattern)
    anchored_end = pattern.endswith("$") and not pattern.endswith("\\$")
    anchored_start = pattern.startswith("^")
    best = ""
    for extra in range(0, max(4, min_length + 2)):
        text = _Walk(choose, extra).run(parsed)
        if len(text) < min_length and not anchored_end:
            text += "x" * (min_length - len(text))
        elif len(text) < min_length and not anchored_start:
            text = "x" * (min_length - len(text)) + text
        if compiled.search(text) and min_length <= len(text) <= max_length:
            return text
        if compiled.search(text) and not best:
            best = text
    return best
