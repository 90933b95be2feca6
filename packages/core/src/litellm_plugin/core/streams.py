"""Applying interceptors' stream hooks to a LiteLLM stream, chunk by chunk, for async and sync consumers.

Async consumers get the interceptors' ``async_post_call_streaming_iterator_hook`` generators chained in
registration order, then LiteLLM's per-chunk ``async_post_call_streaming_hook`` — the proxy's order.

Sync consumers must not run LiteLLM's sync stream inside an event loop (LiteLLM then schedules its logging
on that loop and can wait on it). So interceptors that only use ``response_transform`` — the common case —
are applied without any loop; only a hand-written async stream hook needs the async chain, and then the
sync stream is read on a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any

import litellm
from litellm.integrations.custom_logger import CustomLogger
from litellm.types.utils import ModelResponseStream

from litellm_plugin.core import refusals
from litellm_plugin.core._sync import run_sync
from litellm_plugin.core.guards import guarded_hook, has_own_hook
from litellm_plugin.core.hook_results import StreamKinds, check_chunk_result, checked_stream
from litellm_plugin.core.kept_chunks import share_choices_with_kept_copy
from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.payloads import StreamRewriter

__all__ = ["InterceptedStream"]

_STREAM_HOOK = "async_post_call_streaming_iterator_hook"
_CHUNK_HOOK = "async_post_call_streaming_hook"


def _uses_default_stream_hook(interceptor: BaseCustomLogger) -> bool:
    return not has_own_hook(interceptor, _STREAM_HOOK, BaseCustomLogger) and not _has_chunk_hook(interceptor)


def _has_chunk_hook(interceptor: BaseCustomLogger) -> bool:
    """In its class or set on the instance, as every hook (see ``guards.has_own_hook``)."""
    return has_own_hook(interceptor, _CHUNK_HOOK, CustomLogger)


class _SyncRewriters:
    """``response_transform`` of each interceptor applied to sync chunks, with the guards' failure policy."""

    def __init__(self, interceptors: list[BaseCustomLogger], data: dict[str, Any]) -> None:
        self._layers: list[tuple[BaseCustomLogger, StreamRewriter | None]] = []
        for interceptor in interceptors:
            try:  # ``response_transform`` is the author's code too: the same policy as the async stream hook's
                transform_for = interceptor.transform_for(data)
            except Exception as exc:
                interceptor._on_hook_error(_STREAM_HOOK, exc)  # fail closed, or (fail_open) leave it out
                continue
            if transform_for is not None:
                self._layers.append((interceptor, StreamRewriter(transform_for)))

    def _through(self, items: list[Any], start: int) -> list[Any]:
        for position in range(start, len(self._layers)):
            interceptor, rewriter = self._layers[position]
            if rewriter is None:  # failed open earlier: the rest of its stream passes unmodified
                continue
            try:
                items = [out for item in items for out in rewriter.rewrite(item)]
            except Exception as exc:
                self._layers[position] = (interceptor, None)
                interceptor._on_hook_error(_STREAM_HOOK, exc)
        return items

    def rewrite(self, chunk: Any) -> list[Any]:
        return self._through([chunk], 0)

    def finish(self) -> list[Any]:
        closing: list[Any] = []
        for position, (interceptor, rewriter) in enumerate(self._layers):
            if rewriter is None:
                continue
            try:
                items = rewriter.finish()
            except Exception as exc:
                interceptor._on_hook_error(_STREAM_HOOK, exc)
                continue
            closing.extend(self._through(items, position + 1))
        return closing


async def _read_in_thread(stream: Any) -> AsyncIterator[Any]:
    """Read a sync LiteLLM stream off the event loop, one chunk per worker-thread hop."""
    iterator = iter(stream)
    done = object()
    while True:
        chunk = await asyncio.to_thread(next, iterator, done)
        if chunk is done:
            return
        yield chunk


async def _per_chunk_hooks(
    source: AsyncIterator[Any], interceptors: list[BaseCustomLogger], user_api_key_dict: Any
) -> AsyncIterator[Any]:
    """LiteLLM's per-chunk ``async_post_call_streaming_hook``: text so far in, replacement chunk out."""
    so_far = ""
    async for chunk in source:
        if isinstance(chunk, ModelResponseStream):
            so_far += litellm.get_response_string(response_obj=chunk)
            for interceptor in interceptors:
                replaced = await guarded_hook(interceptor, _CHUNK_HOOK)(
                    user_api_key_dict=user_api_key_dict, response=so_far
                )
                if replaced is not None:
                    check_chunk_result(interceptor.interceptor_name, replaced, chunk)
                    chunk = replaced
        yield chunk


def _async_chain(
    source: AsyncIterator[Any],
    interceptors: list[BaseCustomLogger],
    data: dict[str, Any],
    user_api_key_dict: Any,
) -> AsyncIterator[Any]:
    chain: Any = source
    for interceptor in interceptors:
        fed = StreamKinds(chain)
        produced = guarded_hook(interceptor, _STREAM_HOOK)(
            user_api_key_dict=user_api_key_dict, response=fed, request_data=data
        )
        chain = checked_stream(interceptor.interceptor_name, produced, fed)
    per_chunk = [i for i in interceptors if _has_chunk_hook(i)]
    return _per_chunk_hooks(chain, per_chunk, user_api_key_dict) if per_chunk else chain


# Attributes of LiteLLM's stream wrapper holding the model's text (or stream) as it came, not as the interceptors
# changed it: passed through, they would hand a caller what a filter took out.
_UNCHANGED_TEXT = frozenset({"response_uptil_now", "chunks", "completion_stream", "holding_chunk"})


class InterceptedStream:
    """A LiteLLM stream with the interceptors' stream hooks applied; other attributes pass through."""

    def __init__(
        self,
        inner: Any,
        interceptors: list[BaseCustomLogger],
        data: dict[str, Any],
        *,
        user_api_key_dict: Any,
        scope: ContextVar[object | None],
        scope_value: object,
        pull_scope: object = None,
    ) -> None:
        self._inner = inner
        self._interceptors = interceptors
        self._data = data
        self._user_api_key_dict = user_api_key_dict
        self._scope = scope
        self._scope_value = scope_value
        # Reading the wrapped stream itself, when that differs from running the hooks: a Router's stream, from
        # which the Router may retry or fall back (that attempt is the user's call, not one nested in it).
        self._pull_scope = pull_scope
        self._async_chain: AsyncIterator[Any] | None = None
        self._sync_chain: Iterator[Any] | None = None
        # Whether LiteLLM's stream has ended or failed: then LiteLLM has logged the call itself. An interceptor
        # ending the stream with an error before that leaves the call unlogged: the engine reports it.
        self._inner_over = False

    # Pulling a chunk may run provider code that calls LiteLLM again: keep the call's scope around it.

    def __iter__(self) -> InterceptedStream:
        return self

    def __next__(self) -> Any:
        if self._sync_chain is None:
            self._sync_chain = self._build_sync_chain()
        previous = self._scope.get()
        self._scope.set(self._scope_value)
        try:
            return next(self._sync_chain)
        except StopIteration:
            raise
        except Exception as exc:
            if not self._inner_over:
                self._inner_over = True
                refusals.report_refused_stream_sync(self._inner, exc)
            raise
        finally:
            self._scope.set(previous)  # not reset(): LiteLLM may run the rest of a call in another context

    def __aiter__(self) -> InterceptedStream:
        return self

    async def __anext__(self) -> Any:
        if self._async_chain is None:
            self._async_chain = _async_chain(
                self._watched_async(), self._interceptors, self._data, self._user_api_key_dict
            )
        previous = self._scope.get()
        self._scope.set(self._scope_value)
        try:
            return await self._async_chain.__anext__()
        except StopAsyncIteration:
            raise
        except Exception as exc:
            if not self._inner_over:
                self._inner_over = True
                await refusals.report_refused_stream(self._inner, exc)
            raise
        finally:
            self._scope.set(previous)  # not reset(): LiteLLM may run the rest of a call in another context

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        """The wrapped stream's class, so that ``isinstance(stream, litellm.CustomStreamWrapper)`` holds, as
        LiteLLM's Router (its fastest-response batch, shadow traffic) and callers check; ``type(stream)`` is
        still this one."""
        inner = self.__dict__.get("_inner")
        return InterceptedStream if inner is None else type(inner)

    def __copy__(self) -> InterceptedStream:
        """The same stream, read from the same place (a stream is read once)."""
        copied = object.__new__(InterceptedStream)
        copied.__dict__.update(self.__dict__)
        return copied

    def __getattr__(self, name: str) -> Any:
        if name in _UNCHANGED_TEXT and self.__dict__.get("_interceptors"):
            raise AttributeError(
                f"{name!r} is not available on a stream that interceptors change: LiteLLM's stream keeps the text "
                "there as the model sent it, before the interceptors' changes; read the chunks this stream yields"
            )
        inner = self.__dict__.get("_inner")
        if inner is None:  # not made by ``__init__`` (``copy``, ``pickle``): nothing to pass the name on to
            raise AttributeError(name)
        return getattr(inner, name)

    async def _watched_async(self) -> AsyncIterator[Any]:
        try:
            async for chunk in self._inner if self._pull_scope is None else self._pulled_async():
                share_choices_with_kept_copy(self._inner, chunk)
                yield chunk
        except GeneratorExit:  # closed because a consumer or an interceptor stopped reading: not an end
            raise
        except BaseException:
            self._inner_over = True
            raise
        self._inner_over = True

    async def _pulled_async(self) -> AsyncIterator[Any]:
        iterator = aiter(self._inner)
        while True:
            previous = self._scope.get()
            self._scope.set(self._pull_scope)
            try:
                chunk = await anext(iterator)
            except StopAsyncIteration:
                return
            finally:
                self._scope.set(previous)
            yield chunk

    def _pulled_sync(self) -> Iterator[Any]:
        iterator = iter(self._inner)
        while True:
            previous = self._scope.get()
            self._scope.set(self._pull_scope)
            try:
                chunk = next(iterator)
            except StopIteration:
                return
            finally:
                self._scope.set(previous)
            yield chunk

    def _watched_sync(self) -> Iterator[Any]:
        try:
            # not ``yield from``: that would close LiteLLM's stream with this one
            for chunk in self._inner if self._pull_scope is None else self._pulled_sync():
                share_choices_with_kept_copy(self._inner, chunk)
                yield chunk
        except GeneratorExit:
            raise
        except BaseException:
            self._inner_over = True
            raise
        self._inner_over = True

    def _build_sync_chain(self) -> Iterator[Any]:
        if all(_uses_default_stream_hook(i) for i in self._interceptors):
            return self._sync_rewritten()
        return self._sync_stepped()

    def _sync_rewritten(self) -> Iterator[Any]:
        rewriters = _SyncRewriters(self._interceptors, self._data)
        for chunk in self._watched_sync():
            yield from rewriters.rewrite(chunk)
        yield from rewriters.finish()

    def _sync_stepped(self) -> Iterator[Any]:
        chain = _async_chain(
            _read_in_thread(self._watched_sync()), self._interceptors, self._data, self._user_api_key_dict
        )
        while True:
            try:
                yield run_sync(chain.__anext__())  # type: ignore[arg-type]
            except StopAsyncIteration:
                return
