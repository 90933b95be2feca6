"""One walk over a non-stream reply for several interceptors that only rewrite its text.

An interceptor whose response phase is only ``response_transform`` / ``channel_transform`` /
``transform_for`` (it keeps BaseCustomLogger's ``async_post_call_success_hook``) needs no hook call and no
walk of its own: the engine walks the reply once and passes each channel's text through the transforms of
every such interceptor in turn, in ``litellm.callbacks`` order, so each sees what the one before produced,
as if each had walked the reply after the other. What the hook's guard does is kept: the call-type filter,
and a failure handled by the failing interceptor's policy (fail closed names it; fail open leaves the text
it was given and sits out the rest of the reply). Streams are not affected: each interceptor keeps its own
stream hook.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litellm_plugin.core.errors import UnreadablePayloadError
from litellm_plugin.core.guards import runs_on
from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.payloads import Channel, TransformFor, payload_call_type, rewrite_response
from litellm_plugin.core.text import TextTransform

__all__ = ["rewrite_reply_together"]

_HOOK = "async_post_call_success_hook"  # the hook whose work this does: errors are reported under its name


class _Walk:
    """The interceptors taking part in one reply's walk, and those that failed open on the way."""

    __slots__ = ("failed", "members")

    def __init__(self, members: list[tuple[BaseCustomLogger, TransformFor]]) -> None:
        self.members = members
        self.failed: set[int] = set()

    def fail(self, interceptor: BaseCustomLogger, exc: Exception) -> None:
        interceptor._on_hook_error(_HOOK, exc)  # raises unless the interceptor is fail_open
        self.failed.add(id(interceptor))

    def transform_for(self, channel: Channel) -> TextTransform | None:
        parts: list[tuple[BaseCustomLogger, TextTransform]] = []
        for interceptor, transform_for in self.members:
            if id(interceptor) in self.failed:
                continue
            try:
                transform = transform_for(channel)
            except Exception as exc:
                self.fail(interceptor, exc)
                continue
            if transform is not None:
                parts.append((interceptor, transform))
        return _Chained(self, parts) if parts else None


class _Chained(TextTransform):
    """The transforms of one channel, applied one after the other."""

    __slots__ = ("_parts", "_walk")

    def __init__(self, walk: _Walk, parts: list[tuple[BaseCustomLogger, TextTransform]]) -> None:
        self._walk = walk
        self._parts = parts

    def apply(self, text: str) -> str:
        failed = self._walk.failed
        for interceptor, transform in self._parts:
            if id(interceptor) in failed:
                continue
            try:
                text = transform.apply(text)
            except Exception as exc:
                self._walk.fail(interceptor, exc)
        return text


def rewrite_reply_together(interceptors: Sequence[BaseCustomLogger], data: dict[str, Any], response: Any) -> Any:
    """What running each interceptor's ``async_post_call_success_hook`` in turn gives, in one walk."""
    call_type = payload_call_type(response)
    members: list[tuple[BaseCustomLogger, TransformFor]] = []
    for interceptor in interceptors:
        if not runs_on(interceptor, call_type):
            continue
        try:
            transform_for = interceptor.transform_for(data)
        except Exception as exc:
            interceptor._on_hook_error(_HOOK, exc)
            continue
        if transform_for is not None:
            members.append((interceptor, transform_for))
    if not members:
        return response
    walk = _Walk(members)
    try:
        return rewrite_response(response, walk.transform_for)
    except UnreadablePayloadError as exc:  # a shape no one can read: each interceptor's policy decides
        for interceptor, _ in members:
            interceptor._on_hook_error(_HOOK, exc)
        return response
