"""Whether a method can take LiteLLM's keyword-only call: shared by the provider and interceptor checks."""

from __future__ import annotations

import inspect
from collections.abc import Iterable

__all__ = ["keyword_call_problems", "positional_call_problems"]

_BY_NAME = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def keyword_call_problems(params: Iterable[inspect.Parameter], passed: Iterable[str]) -> list[str]:
    """What keeps a method with ``params`` (``self`` left out) from being called with exactly the keyword
    arguments ``passed``, in words for an error message; empty when the call binds."""
    params, passed = list(params), list(passed)
    by_name = {p.name for p in params if p.kind in _BY_NAME}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    missing = [] if takes_any else [name for name in passed if name not in by_name]
    extra = [
        p.name
        for p in params
        if p.default is inspect.Parameter.empty
        and (p.kind is inspect.Parameter.POSITIONAL_ONLY or (p.kind in _BY_NAME and p.name not in passed))
    ]
    problems = []
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
