"""Whether a method can take LiteLLM's keyword-only call: shared by the provider and interceptor checks."""

from __future__ import annotations

import inspect
from collections.abc import Iterable

__all__ = [
    "STATIC_WITH_SELF",
    "class_without_cls",
    "keyword_call_problems",
    "method_without_self",
    "missing_first_parameter",
    "positional_call_problems",
    "static_with_self",
    "without_positional_only",
]

_BY_NAME = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
_POSITIONAL_ONLY = inspect.Parameter.POSITIONAL_ONLY
STATIC_WITH_SELF = (
    "it is a @staticmethod, so LiteLLM calls it without self, yet its first parameter is self: remove "
    "@staticmethod (or the self parameter)"
)


def static_with_self(params: list[inspect.Parameter]) -> bool:
    """Whether a staticmethod's parameters start with ``self``, which nobody passes: the author kept the method's
    ``self`` and added ``@staticmethod``; suggesting the signature they wrote would not help."""
    return (
        bool(params)
        and params[0].name == "self"
        and params[0].kind in (_POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    )


def _first_passed(fn: object, passed: Iterable[str]) -> str | None:
    """``fn``'s first positional parameter when it is one of the arguments LiteLLM passes (``model``,
    ``kwargs``): the parameter Python fills with the instance or the class was left out. Else None."""
    try:
        params = list(inspect.signature(fn).parameters.values())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not params or params[0].kind not in (_POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        return None
    first = params[0].name
    return first if first in set(passed) else None


def class_without_cls(fn: object, passed: Iterable[str]) -> str | None:
    """A classmethod's first parameter when it is one of the arguments LiteLLM passes (``model``, ``kwargs``): the
    author forgot ``cls``, so that parameter receives the class. The message saying so, or None."""
    first = _first_passed(fn, passed)
    if first is None:
        return None
    return (
        f"it is a @classmethod, so its first parameter receives the class, yet that parameter is {first}, which "
        f"LiteLLM passes itself: add cls before {first} (or remove @classmethod)"
    )


def method_without_self(fn: object, passed: Iterable[str]) -> str | None:
    """A plain method's first parameter when it is one of the arguments LiteLLM passes (``model``, ``kwargs``):
    the author forgot ``self``, so that parameter receives the instance and every call fails with "got multiple
    values for argument". The message saying so, or None."""
    first = _first_passed(fn, passed)
    if first is None:
        return None
    return (
        f"its first parameter receives the instance, yet that parameter is {first}, which LiteLLM passes "
        f"itself: add self as the first parameter, before {first} (or make it a @staticmethod)"
    )


def missing_first_parameter(fn: object, passed: Iterable[str], *, bound: int, of_class: bool) -> str | None:
    """What to add when ``fn`` left out the parameter Python fills (``cls`` for a classmethod, ``self`` for a
    method; a staticmethod, ``bound=0``, has none), or None."""
    if of_class:
        return class_without_cls(fn, passed)
    return method_without_self(fn, passed) if bound else None


def without_positional_only(params: Iterable[inspect.Parameter]) -> list[inspect.Parameter]:
    """``params`` as if the ``/`` were removed: to tell whether removing it is the whole fix."""
    return [
        p.replace(kind=inspect.Parameter.POSITIONAL_OR_KEYWORD) if p.kind is _POSITIONAL_ONLY else p for p in params
    ]


def keyword_call_problems(params: Iterable[inspect.Parameter], passed: Iterable[str]) -> list[str]:
    """What keeps a method with ``params`` (``self`` left out) from being called with exactly the keyword
    arguments ``passed``, in words for an error message; empty when the call binds."""
    params, passed = list(params), list(passed)
    by_name = {p.name for p in params if p.kind in _BY_NAME}
    # Named before a ``/``: LiteLLM's argument of that name cannot reach it (it lands in **kwargs, if any).
    slashed = [p.name for p in params if p.kind is _POSITIONAL_ONLY and p.name in passed]
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    missing = [] if takes_any else [name for name in passed if name not in by_name and name not in slashed]
    extra = [
        p.name
        for p in params
        if p.default is inspect.Parameter.empty
        and (p.kind is _POSITIONAL_ONLY or p.kind in _BY_NAME)
        and p.name not in passed
    ]
    problems = []
    if slashed:
        one = len(slashed) == 1
        problems.append(
            f"{', '.join(slashed)} {'is' if one else 'are'} positional-only (before the `/`), but LiteLLM passes "
            f"{'it' if one else 'them'} by name: remove the `/`"
        )
    if missing:
        problems.append(f"LiteLLM passes {', '.join(missing)} by name, which it does not accept")
    if extra:
        problems.append(f"it requires {', '.join(extra)}, which LiteLLM never passes by name")
    return problems


def positional_call_problems(params: Iterable[inspect.Parameter], count: int) -> list[str]:
    """What keeps a method with ``params`` (``self`` left out) from being called with ``count`` positional
    arguments (the names do not matter then), in words for an error message; empty when the call binds."""
    try:
        inspect.Signature(list(params)).bind(*range(count))
    except TypeError as exc:
        return [f"LiteLLM passes {count} positional argument{'s' if count != 1 else ''} ({exc})"]
    return []
