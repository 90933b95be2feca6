"""LiteLLM's response cache and the changes interceptors make to replies.

LiteLLM stores some replies only after the caller got them: a stream once it has been read to its end, and,
written in the background, a text completion, an Anthropic Messages reply or an image reply. By then the
interceptors have changed them, so a later call served from the cache would get this call's changes (stacked
on its own, or made by an interceptor it does not name). A chat, Responses or embedding reply is stored as it
came, before any change. So a call whose interceptors may change a reply of the first kind asks LiteLLM not to
store it (``cache={"no-store": True}``): it may still be served from the cache.

A reply LiteLLM hands back as a plain dict (Anthropic Messages) comes, on a cache hit, as the very object its
cache holds: with a cache set, interceptors change a copy. (Observers then log that reply as it came.)
"""

from __future__ import annotations

import copy
from typing import Any

import litellm

__all__ = ["keep_changed_reply_out_of_cache", "unshared_reply"]

_STORED_AS_IT_CAME = frozenset({"completion", "responses", "embedding"})


def keep_changed_reply_out_of_cache(call_type: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` asking LiteLLM not to cache the reply, when LiteLLM would store it after it is changed (a new
    dict); else ``kwargs`` itself."""
    if litellm.cache is None or (call_type in _STORED_AS_IT_CAME and kwargs.get("stream") is not True):
        return kwargs
    given = kwargs.get("cache")
    options = dict(given) if isinstance(given, dict) else {}
    if options.get("no-store") is True:
        return kwargs
    options["no-store"] = True
    return {**kwargs, "cache": options}


def unshared_reply(result: Any) -> Any:
    """The reply interceptors may change in place: a copy of a dict reply while a cache is set."""
    return copy.deepcopy(result) if litellm.cache is not None and isinstance(result, dict) else result
