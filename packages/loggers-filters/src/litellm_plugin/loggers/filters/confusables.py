"""Look-alike letters from other scripts (Cyrillic ``а``, Greek ``ο``...) mapped to one representative, from
Unicode's confusables data (UTS #39) as shipped by the ``confusable-homoglyphs`` package.

That package stores each line ``source → prototype`` of ``confusables.txt`` in both directions. Every source
has exactly one prototype and a prototype is never a source, so each group is a star around its prototype:
a character listing one partner that itself lists several is a source, a character listing several is the
prototype. A group of two is symmetric; its lower code point represents it (only equality of skeletons
matters for matching, not which member stands for the group).

Prototypes of several characters (``m → rn``) are represented by the single ASCII letter that has them
(``m``), so a skeleton never turns one character into several: ``rn`` typed as two letters is not ``m``.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["skeleton"]


@functools.cache
def _table() -> dict[str, str]:
    from confusable_homoglyphs import utils  # type: ignore[import-untyped]

    data: dict[str, list[dict[str, Any]]] = utils.load("confusables.json")
    partners = {key: [entry["c"] for entry in entries] for key, entries in data.items()}
    prototype: dict[str, str] = {}
    for key, targets in partners.items():
        if len(key) != 1 or len(targets) != 1:
            continue  # several partners: a prototype, its own representative
        target = targets[0]
        if len(partners.get(target, ())) > 1 or len(target) > 1:
            prototype[key] = target
        elif target != key:
            prototype[key] = min(key, target)
    # One character for a prototype of several: the ASCII letter that has it, if any.
    ascii_for = {target: key for key, target in prototype.items() if key.isascii() and len(target) > 1}
    table: dict[str, str] = {}
    for key, target in prototype.items():
        if len(target) > 1:
            target = ascii_for.get(target, key if key.isascii() else target)
        if target != key:
            table[key] = target
    return table


def skeleton(text: str) -> str:
    """``text`` with each character replaced by its group's representative."""
    table = _table()
    return "".join(table.get(char, char) for char in text)
