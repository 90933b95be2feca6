"""Whether this process is a running LiteLLM proxy, and whether call data is a request it received."""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["in_proxy_process", "is_proxy_request", "runs_moderation_hook"]

_PROXY_SERVER_MODULE = "litellm.proxy.proxy_server"
_NO_KEY_SWITCH = "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY"


def in_proxy_process() -> bool:
    """Whether LiteLLM's proxy server runs in this process. Its module alone is not enough (LiteLLM's SDK imports
    it on some paths, the Anthropic Messages one among them): the server has started once it holds a master key,
    which the proxy requires (unless a developer switched that check off)."""
    server = sys.modules.get(_PROXY_SERVER_MODULE)
    if server is None:
        return False
    return getattr(server, "master_key", None) is not None or os.environ.get(_NO_KEY_SWITCH, "").lower() == "true"


def is_proxy_request(data: Any) -> bool:
    """Whether call ``data`` (a call's kwargs, a hook's ``data``) is a request LiteLLM's proxy received, whose
    hooks the proxy runs itself.

    The proxy marks its requests with ``proxy_server_request``; that marker alone is caller input in the SDK
    (``litellm.completion(..., proxy_server_request={})``), and believing it there would switch every
    interceptor off. So it counts only in a running proxy."""
    return isinstance(data, dict) and data.get("proxy_server_request") is not None and in_proxy_process()


# The routes whose requests the proxy also hands to ``async_moderation_hook`` (a guardrail's ``during_call``):
# chat, Responses, Anthropic Messages, text completions, embeddings (checked on LiteLLM 1.84 and 1.108). Its
# other routes (images, rerank, audio, moderations, pass-through...) run the pre-call hook only.
_MODERATED_ROUTES = frozenset({"acompletion", "aresponses", "anthropic_messages", "atext_completion", "aembedding"})


def runs_moderation_hook(call_type: object) -> bool:
    """Whether the proxy runs the moderation hook (``during_call``) for a request of ``call_type`` (the
    ``call_type`` its pre-call hook gets). Where it does not, a ``during_call`` check must run before the call,
    or the route gets around it."""
    return getattr(call_type, "value", call_type) in _MODERATED_ROUTES
