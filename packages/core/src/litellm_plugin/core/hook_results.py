"""What the engine accepts back from an author's request and reply hooks on SDK calls.

LiteLLM's proxy keeps the request when ``async_pre_call_hook`` returns anything but a dict, a str or an
exception, and hands on whatever non-None ``async_post_call_success_hook`` returns. On an SDK call that would
lose the change silently (``return [data]``) or give the caller a ``str`` where it reads ``.choices``
(``return response.choices[0].message.content``), and a stream hook's ``str`` or ``dict`` chunks would reach a
caller that reads ``chunk.choices``: the engine fails the call with
:class:`~litellm_plugin.core.contracts.InterceptorContractError` saying what to return instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from pydantic import BaseModel

from litellm_plugin.core.contracts import InterceptorContractError

__all__ = ["StreamKinds", "check_chunk_result", "check_reply_result", "check_request_result", "checked_stream"]


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


def _kind(item: Any) -> type:
    """What a stream item is, as its reader sees it: LiteLLM's objects, bytes (Anthropic SSE), text or dicts."""
    for kind in (BaseModel, bytes, str, Mapping):
        if isinstance(item, kind):
            return kind
    return type(item)


def check_chunk_result(interceptor: str, result: Any, chunk: Any) -> None:
    """``async_post_call_streaming_hook`` may return a chunk of the kind it replaces, or None."""
    if result is None or _kind(result) is _kind(chunk):
        return
    kind = type(chunk).__name__
    raise InterceptorContractError(
        interceptor,
        "async_post_call_streaming_hook",
        f"returned a {type(result).__name__} in place of a {kind} chunk; return a {kind} (the chunk changed, or "
        "a new one), or None to keep the chunk",
    )


class StreamKinds:
    """Taps a stream on its way into an interceptor's stream hook, noting the kind of item it carries."""

    def __init__(self, source: AsyncIterator[Any]) -> None:
        self._source = source
        self.last: Any = None

    def __aiter__(self) -> StreamKinds:
        return self

    async def __anext__(self) -> Any:
        item = await self._source.__anext__()
        self.last = item
        return item


async def checked_stream(interceptor: str, produced: AsyncIterator[Any], fed: StreamKinds) -> AsyncIterator[Any]:
    """The items ``async_post_call_streaming_iterator_hook`` yields, each of the kind it was fed."""
    async for item in produced:
        if fed.last is not None and _kind(item) is not _kind(fed.last):
            kind = type(fed.last).__name__
            raise InterceptorContractError(
                interceptor,
                "async_post_call_streaming_iterator_hook",
                f"yielded a {type(item).__name__} in a stream of {kind} chunks; yield {kind} chunks (those it "
                "reads, changed, or new ones)",
            )
        yield item
