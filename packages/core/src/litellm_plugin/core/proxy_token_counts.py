"""The proxy's token-counting routes (``/v1/messages/count_tokens``, ``/v1/responses/input_tokens``,
``/utils/token_counter``, Gemini's ``:countTokens``) run none of the proxy's hooks, yet a deployment whose
provider has a counting API (Anthropic, Gemini...) sends it the request's text. The routes share one function of
the proxy server; wrapped (by the engine, see ``interception.install``), it runs the interceptors' request hooks
first, as on an SDK call: a blocked word is refused before the provider sees it, a masked one is counted masked.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["RequestHooks", "counter_target", "wrap_counter"]

_PROXY_SERVER = "litellm.proxy.proxy_server"
# The function the counting routes call: ``count_request_tokens`` in newer releases; ``token_counter`` in older
# ones (1.84), where ``/utils/token_counter`` keeps the function its route was built with (not covered there).
_COUNTERS = ("count_request_tokens", "token_counter")
# The fields of LiteLLM's ``TokenCountRequest`` that carry text.
_TEXT_FIELDS = ("messages", "system", "tools", "prompt", "contents")
# Gemini's ``contents``: a shape no reader knows, so an interceptor claiming every call type fails closed on it.
UNREAD_COUNT = "count_tokens"

RequestHooks = Callable[[dict[str, Any], str], Awaitable[dict[str, Any]]]


def counter_target() -> tuple[Any, str] | None:
    """The proxy server module and its counting function's name, in a process that has loaded the proxy (this
    never imports it: the SDK alone must not pay for, or start, the proxy)."""
    server = sys.modules.get(_PROXY_SERVER)
    if server is None:
        return None
    for name in _COUNTERS:
        if callable(getattr(server, name, None)):
            return server, name
    return None


def wrap_counter(original: Callable[..., Awaitable[Any]], request_hooks: RequestHooks) -> Callable[..., Any]:
    """``original`` with ``request_hooks(data, call_type)`` run on its request's text first."""

    @functools.wraps(original)
    async def count_after_request_hooks(*args: Any, **kwargs: Any) -> Any:
        positional = "request" not in kwargs
        request = args[0] if positional else kwargs["request"]
        data: dict[str, Any] = {"model": request.model}
        data.update((name, value) for name in _TEXT_FIELDS if (value := getattr(request, name, None)) is not None)
        try:
            changed = await request_hooks(data, _call_type(data, kwargs.get("messages_format")))
        except Exception as exc:
            raise _proxy_error(exc) from exc
        request = request.model_copy(update={name: changed.get(name) for name in _TEXT_FIELDS if name in data})
        if positional:
            return await original(request, *args[1:], **kwargs)
        return await original(*args, **{**kwargs, "request": request})

    return count_after_request_hooks


def _call_type(data: dict[str, Any], messages_format: object) -> str:
    """As the route's request would be read: Anthropic Messages (its own route), chat (``/utils/token_counter``,
    Responses input, which LiteLLM turns into chat messages), a bare prompt, or Gemini contents."""
    if "contents" in data:
        return UNREAD_COUNT
    if "messages" in data:
        return "anthropic_messages" if messages_format == "anthropic" else "completion"
    return "text_completion"


def _proxy_error(exc: Exception) -> Exception:
    """A refusal as the proxy's own error type, which every counting route answers with its status code (some
    routes answer any other exception with a bare 500)."""
    from litellm.proxy._types import ProxyException

    status = getattr(exc, "status_code", 500)
    kind = "invalid_request_error" if status == 400 else "internal_server_error"
    return ProxyException(message=str(exc), type=kind, param=None, code=status)
