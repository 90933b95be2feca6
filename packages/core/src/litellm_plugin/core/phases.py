"""Which phases of a call (request, response, stream) an interceptor takes part in.

BaseCustomLogger's own hooks change nothing, so the engine skips an interceptor in every phase where it has
only those: no coroutine to run, no copy of the request, no walk over the reply. Read once per class, and
again when one of its hooks has changed (``Cls.async_pre_call_hook = fn`` after a first call); an instance
that sets a hook on itself takes part everywhere. An instance whose configuration leaves a phase alone (a
reply-only filter) says so with :func:`narrow`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, NamedTuple

from litellm_plugin.core.logger import BaseCustomLogger

__all__ = ["Phases", "narrow", "phases"]


class Phases(NamedTuple):
    request: bool
    response: bool
    stream: bool


_HOOKS = frozenset(
    {
        "async_pre_call_hook",
        "async_post_call_success_hook",
        "async_post_call_streaming_iterator_hook",
        "async_post_call_streaming_hook",
        "response_transform",
        "channel_transform",
        "transform_for",
    }
)
_BASE = BaseCustomLogger
_EVERY_PHASE = Phases(request=True, response=True, stream=True)


# Per class: its phases, and the hooks they were read from (a hook assigned to the class later is seen).
_by_class: dict[type, tuple[Phases, tuple[Any, ...]]] = {}
_hooks_of = attrgetter(*sorted(_HOOKS))


_NARROWED = "_litellm_plugin_phases"


def narrow(interceptor: BaseCustomLogger, *, request: bool = True, response: bool = True, stream: bool = True) -> None:
    """Declare that ``interceptor``, as configured, changes nothing in each phase given as False, so the engine
    skips it there (no copy of the request, no walk over the reply). LiteLLM's proxy still calls its hooks."""
    own = _class_phases(type(interceptor))
    interceptor.__dict__[_NARROWED] = Phases(own.request and request, own.response and response, own.stream and stream)


def phases(interceptor: Any) -> Phases:
    own = getattr(interceptor, "__dict__", None)
    if own:
        if not _HOOKS.isdisjoint(own):
            return _EVERY_PHASE
        narrowed: Phases | None = own.get(_NARROWED)
        if narrowed is not None:
            return narrowed
    cls = type(interceptor)
    known = _by_class.get(cls)  # runs per interceptor per call: the lookup inline, the hooks read in C
    if known is not None and known[1] == _hooks_of(cls):
        return known[0]
    return _class_phases(cls)


def _class_phases(cls: type[Any]) -> Phases:
    hooks = _hooks_of(cls)
    known = _by_class.get(cls)
    if known is None or known[1] != hooks:
        known = _by_class[cls] = (_read(cls), hooks)
    return known[0]


def _read(cls: type[Any]) -> Phases:
    transforms = (
        cls.response_transform is not _BASE.response_transform
        or cls.channel_transform is not _BASE.channel_transform
        or cls.transform_for is not _BASE.transform_for
    )
    return Phases(
        request=cls.async_pre_call_hook is not _BASE.async_pre_call_hook,
        response=transforms or cls.async_post_call_success_hook is not _BASE.async_post_call_success_hook,
        stream=transforms
        or cls.async_post_call_streaming_iterator_hook is not _BASE.async_post_call_streaming_iterator_hook
        or cls.async_post_call_streaming_hook is not _BASE.async_post_call_streaming_hook,
    )
