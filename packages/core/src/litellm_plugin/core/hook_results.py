"""What the engine accepts back from an author's request and reply hooks on SDK calls.

LiteLLM's proxy keeps the request when ``async_pre_call_hook`` returns anything but a dict, a str or an
exception, and hands on whatever non-None ``async_post_call_success_hook`` returns. On an SDK call that would
lose the change silently (``return [data]``) or give the caller a ``str`` where it reads ``.choices``
(``return response.choices[0].message.content``): the engine fails the call with
:class:`~litellm_plugin.core.contracts.InterceptorContractError` saying what to return instead.
"""

from __future__ import annotations

from typing import Any

from litellm_plugin.core.contracts import InterceptorContractError

__all__ = ["check_reply_result", "check_request_result"]


def check_request_result(interceptor: str, result: Any) -> None:
    """``async_pre_call_hook`` may return the request dict, a str (a refusal), an exception, or None."""
    if result is None or isinstance(result, (dict, str, Exception)):
        return
    raise InterceptorContractError(
        interceptor,
        "async_pre_call_hook",
        f"returned a {type(result).__name__}; return the request dict (data, changed or new), a str to refuse "
        "the request, or None to keep it",
    )


def check_reply_result(interceptor: str, result: Any, response: Any) -> None:
    """``async_post_call_success_hook`` may return a reply of the kind it was given (changed or new), or None."""
    if (
        result is None
        or isinstance(result, type(response))
        or (isinstance(response, type(result)) and type(result) is not object)
    ):
        return
    kind = type(response).__name__
    raise InterceptorContractError(
        interceptor,
        "async_post_call_success_hook",
        f"returned a {type(result).__name__} in place of the {kind} it was given; return the response (changed "
        f"in place, or a new {kind}), or None to keep it",
    )
