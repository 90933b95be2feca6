"""ResponseModifier: put a fixed prefix in front of every reply, streamed or not."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.text import PrefixTransform, TextTransform
from litellm_plugin.loggers.filters.config import ResponseModifierConfig

__all__ = ["ResponseModifier"]


class ResponseModifier(BaseCustomLogger):
    """Adds ``prefix`` to the reply once: in front of a non-stream reply, or of a stream's first text.

    A reply without text (only tool calls, say) is left alone.
    """

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
