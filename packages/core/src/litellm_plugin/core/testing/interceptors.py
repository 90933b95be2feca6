"""Interceptors whose every effect can be seen from outside, for testing paths (SDK, Router, proxy).

Each effect is switched on by a word in the user's input (any format: messages, ``input``, ``prompt``), so
one proxy process serves every test:

* ``probe-request``: the request's last user message gets ``" [req]"`` appended;
* ``probe-rewrite``: every piece of reply text gets a ``"~"`` in front (the whole reply once when not
  streamed, each chunk when streamed), so a double application shows as ``"~~"``;
* ``probe-fail-request``: the pre-call hook raises; ``probe-fail-stream``: the rewrite raises mid-stream;
* every successful call is recorded under its ``probe-id:<id>`` word, in ``observed`` and, when the
  environment names one in ``LITELLM_PLUGIN_PROBE_LOG``, in a file (one line per call), so a test can
  count observations made inside a proxy process.

``probe`` is a module-level instance for the proxy's ``litellm_settings.callbacks``. Its class sits two
levels below BaseCustomLogger and defines no hook itself: that is the shape LiteLLM's proxy used to skip.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from litellm_plugin.core.call_types import ALL_CALL_TYPES
from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.text import PrefixTransform, TextTransform

__all__ = ["ProbeInterceptor", "TagInterceptor", "last_user_text", "probe", "request_text"]

PROBE_LOG_ENV = "LITELLM_PLUGIN_PROBE_LOG"
_PROBE_ID = re.compile(r"probe-id:([A-Za-z0-9_-]+)")


def last_user_text(messages: Any) -> str:
    """Text of the last user message of a chat request (plain content or text parts)."""
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            return content if isinstance(content, str) else ""
    return ""


def request_text(data: dict[str, Any]) -> str:
    """The user's input in any request format: chat/Anthropic ``messages``, Responses ``input``, ``prompt``."""
    texts = [last_user_text(data.get("messages"))]
    for name in ("input", "prompt"):
        value = data.get(name)
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            texts.append(last_user_text(value) or " ".join(v for v in value if isinstance(v, str)))
    return " ".join(text for text in texts if text)


def _append_to_last_user(data: dict[str, Any], suffix: str) -> None:
    for name in ("prompt", "input"):
        if isinstance(data.get(name), str):
            data[name] += suffix
            return
    for message in reversed(data.get("messages") or data.get("input") or []):
        if isinstance(message, dict) and message.get("role") == "user" and isinstance(message.get("content"), str):
            message["content"] += suffix
            return


class _Tilde(TextTransform):
    def __init__(self, fail_after: int | None) -> None:
        self._fail_after = fail_after
        self._pieces = 0

    def transform(self, text: str) -> str:
        self._pieces += 1
        if self._fail_after is not None and self._pieces > self._fail_after:
            raise RuntimeError("probe-fail-stream: failing on purpose mid-stream")
        return "~" + text


class _ProbeHooks(BaseCustomLogger):
    call_types = ALL_CALL_TYPES  # every format: chat, text completion, Responses API, Anthropic Messages...

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.observed: Counter[str] = Counter()
        self._lock = threading.Lock()

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any] | None:
        text = request_text(data)
        if "probe-fail-request" in text:
            raise RuntimeError("probe-fail-request: failing on purpose")
        if "probe-request" in text:
            _append_to_last_user(data, " [req]")
            return data
        return None

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        text = request_text(request_data)
        if "probe-rewrite" in text or "probe-fail-stream" in text:
            return _Tilde(fail_after=1 if "probe-fail-stream" in text else None)
        return None

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        match = _PROBE_ID.search(request_text(kwargs))
        if match is None:
            return
        with self._lock:
            self.observed[match.group(1)] += 1
            path = os.environ.get(PROBE_LOG_ENV)
            if path:
                with Path(path).open("a", encoding="utf-8") as log:  # noqa: ASYNC230 - a line, in tests
                    log.write(match.group(1) + "\n")


class _ProbeMiddle(_ProbeHooks):
    """An intermediate class, as users build their own hierarchies."""


class ProbeInterceptor(_ProbeMiddle):
    """The leaf: defines nothing itself (see the module docstring)."""


class TagInterceptor(BaseCustomLogger):
    """Appends ``[tag]`` to the request and puts ``tag:`` before the reply: two of these show the order."""

    def __init__(self, tag: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tag = tag

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any] | None:
        _append_to_last_user(data, f" [{self.tag}]")
        return data

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return PrefixTransform(f"{self.tag}:")


probe = ProbeInterceptor()
