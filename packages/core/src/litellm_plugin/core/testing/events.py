"""An observer that records what LiteLLM reports to its callbacks, for tests of what observers are told."""

from __future__ import annotations

from typing import Any

from litellm.integrations.custom_logger import CustomLogger

__all__ = ["EventRecorder"]


class EventRecorder(CustomLogger):
    """LiteLLM's own observer class (what Langfuse, Datadog and the rest are built on), recording each success and
    failure event with its ``kwargs``: ``("async failure", kwargs)``, ``("sync success", kwargs)``..."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, dict[str, Any]]] = []

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.events.append(("sync success", kwargs))

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.events.append(("async success", kwargs))

    def log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.events.append(("sync failure", kwargs))

    async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.events.append(("async failure", kwargs))
