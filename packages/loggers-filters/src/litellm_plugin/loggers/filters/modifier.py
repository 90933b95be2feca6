"""ResponseModifier: put a fixed prefix in front of every reply, streamed or not."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from litellm_plugin.core.call_types import ALL_CALL_TYPES, CallType
from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.payloads import Channel
from litellm_plugin.core.text import PrefixTransform, TextTransform
from litellm_plugin.loggers.filters.config import ResponseModifierConfig

__all__ = ["ResponseModifier"]


class ResponseModifier(BaseCustomLogger):
    """Adds ``prefix`` to the reply once: in front of the first text the user sees (a choice's content, the
    first output text of a Responses API reply, the first text block of an Anthropic message, a text
    completion), streamed or not, on every call type. A reply without text (only tool calls) is left alone.
    """

    call_types: ClassVar[frozenset[CallType]] = ALL_CALL_TYPES

    def __init__(
        self,
        prefix: str = "[Modified] ",
        *,
        fail_open: bool | None = None,
        call_types: Iterable[str] | None = None,
    ) -> None:
        self.config = ResponseModifierConfig(prefix=prefix)
        super().__init__(fail_open=fail_open, call_types=call_types)

    @property
    def prefix(self) -> str:
        return self.config.prefix

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return PrefixTransform(self.config.prefix) if self.config.prefix else None

    def channel_transform(self, request_data: dict[str, Any], channel: Channel) -> TextTransform | None:
        return self.response_transform(request_data) if channel.kind == "text" and channel.first_text else None
