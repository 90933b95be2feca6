"""Guards put around every hook an interceptor author writes, when the class is defined.

They are why an author never has to think about LiteLLM's quirks: the failure policy (fail closed, or fail
open when asked), the call-type filter, observers that never raise and skip nested calls, and the proxy's
rule that it only runs ``async_pre_call_hook`` and ``async_post_call_streaming_iterator_hook`` when the leaf
class itself defines them.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import logging
import types
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from litellm.integrations.custom_logger import CustomLogger

from litellm_plugin.core import refusals
from litellm_plugin.core.call_types import ALL_CALL_TYPES, CallType, normalize_call_type
from litellm_plugin.core.contracts import check_instance_hook, check_late_hook, checked_transform
from litellm_plugin.core.kept_chunks import share_choices_with_kept_copy
from litellm_plugin.core.observers import (
    RecentKeys,
    dropped_per_call,
    is_nested_call_id,
    names,
    outcome_delivered,
    per_call_only,
    was_dropped_per_call,
)
from litellm_plugin.core.payloads import payload_call_type
from litellm_plugin.core.proxy_process import in_proxy_process, is_proxy_request

if TYPE_CHECKING:
    from litellm_plugin.core.logger import BaseCustomLogger

__all__ = [
    "DEFAULT_CALL_TYPES",
    "DURING_CALL_OBSERVERS",
    "HOLDS_SUCCESS_LOGS",
    "NESTED_CALL_KEY",
    "OBSERVING_HOOKS",
    "authored",
    "guard_class",
    "guard_instance_hook",
    "guarded_hook",
    "handled_call_types",
    "has_own_hook",
    "in_proxy_process",
    "is_deliberate_rejection",
    "is_proxy_call",
    "is_proxy_request",
    "observes_call",
    "overrides",
    "proxy_ran_request_hook",
    "sdk_hook_context",
]

logger = logging.getLogger("litellm_plugin.core")

OBSERVING_HOOKS = ("async_log_success_event", "async_log_failure_event", "log_success_event", "log_failure_event")
# Observe-only hooks LiteLLM calls while a call runs, scoped like the outcome hooks (nested calls, interceptors
# passed per call, declared call types) but never run once per call only: a stream event fires per chunk.
# Each with the position of LiteLLM's logging kwargs among its arguments (also passed as ``kwargs=``).
DURING_CALL_OBSERVERS = {
    "log_pre_api_call": 2,
    "async_log_pre_api_call": 2,
    "log_post_api_call": 0,
    "log_stream_event": 0,
    "async_log_stream_event": 0,
}
# The proxy runs these only when they sit in the leaf class's own __dict__.
LEAF_VISIBLE_HOOKS = ("async_pre_call_hook", "async_post_call_streaming_iterator_hook")

# Former metadata flag for nested calls. Nothing writes it any more (nested calls are recorded by id in
# ``observers``, user metadata is left alone); kept so imports of the name keep working.
NESTED_CALL_KEY = "litellm_plugin_nested_call"

# The default ``call_types`` object: an interceptor still holding it has not declared any, so its observers
# see every call (as a plain CustomLogger's do); declaring ``call_types`` narrows them too.
DEFAULT_CALL_TYPES: frozenset[CallType] = frozenset({"completion"})


def handled_call_types(interceptor: Any) -> frozenset[CallType]:
    """The call types the engine applies ``interceptor`` to. LiteLLM's CustomLogger has no ``call_types``, so a
    logger moved onto BaseCustomLogger may use the name for its own data (``self.call_types = []`` to record
    what it saw): an instance value that is not a set of call types (what the constructor stores) is the
    author's, and the class's declaration applies."""
    value = interceptor.call_types
    if type(value) is frozenset:  # what the constructor and the class check store (hot paths test this inline)
        return value
    own = getattr(interceptor, "__dict__", None)
    verdict = own.get(_CALL_TYPES_VERDICT) if type(own) is dict else None
    if verdict is not None and verdict[0] is value:
        decided: frozenset[CallType] = verdict[1]  # when this object was first met: a filled list stays theirs
        return decided
    # A set, list or tuple of our names set on the instance is a declaration too (it worked as one before):
    # treating it as the author's data would silently skip the interceptor where it declared itself.
    handled: frozenset[CallType]
    if (
        isinstance(value, (set, frozenset, list, tuple))
        and value
        and all(isinstance(name, str) and name in ALL_CALL_TYPES for name in value)
    ):
        handled = frozenset(value)
    else:
        handled = type(interceptor).call_types
    if type(own) is dict:
        own[_CALL_TYPES_VERDICT] = (value, handled)
    return handled


# What ``handled_call_types`` made of the ``call_types`` object an instance held when it was first met. LiteLLM's
# call types include our names (``completion``, ``embedding``): a logger that records them in its own
# ``self.call_types = []`` must not turn that list into a declaration as it fills.
_CALL_TYPES_VERDICT = "_litellm_plugin_call_types_verdict"


_START_TIME_TYPES = (dt.datetime, float, int)


def observes_call(interceptor: BaseCustomLogger, kwargs: Any) -> bool:
    """Whether an observer hook of ``interceptor`` runs for LiteLLM's logging ``kwargs``."""
    return _observes(interceptor, kwargs, None)


def _observes(interceptor: BaseCustomLogger, kwargs: Any, event: str | None) -> bool:
    """``observes_call``; with an ``event``, also only the first time for a call (LiteLLM fires some
    observers twice for one call: a sync text completion runs the sync and the async success handlers).
    Runs for every observer on every call: one function, no further Python calls on the common path."""
    if not isinstance(kwargs, dict):
        return True
    call_id = kwargs.get("litellm_call_id")
    if not isinstance(call_id, str):
        call_id = None
    elif is_nested_call_id(call_id):
        return False
    elif (
        (per_call_only or dropped_per_call)
        and (per_call_only.get(id(interceptor)) is interceptor or was_dropped_per_call(interceptor))
        and not names(call_id, interceptor)
    ):
        return False  # passed per call to other calls only (``callbacks=[...]``): not an observer of this one
    if handled_call_types(interceptor) is not DEFAULT_CALL_TYPES:
        call_type = kwargs.get("call_type")
        if call_type is not None and not interceptor.handles(call_type):
            return False
    if event is None or call_id is None:
        return True
    seen: RecentKeys | None = interceptor.__dict__.get("_litellm_plugin_seen")
    if seen is None:
        seen = interceptor.__dict__.setdefault("_litellm_plugin_seen", RecentKeys(4096))
    # A client may reuse a call id (the proxy takes it from ``x-litellm-call-id``): one call is one start time.
    started = kwargs.get("start_time")
    return seen.add((event, call_id, started if isinstance(started, _START_TIME_TYPES) else None))


_sdk_hook_args: tuple[Any, Any] | None = None


def sdk_hook_context() -> tuple[Any, Any]:
    """The ``user_api_key_dict`` and ``cache`` the engine passes to proxy-style hooks on SDK calls (made once,
    lazily)."""
    global _sdk_hook_args
    if _sdk_hook_args is None:
        from litellm.caching.dual_cache import DualCache
        from litellm.proxy._types import UserAPIKeyAuth

        _sdk_hook_args = (UserAPIKeyAuth(), DualCache())
    return _sdk_hook_args


def is_proxy_call(kwargs: Any) -> bool:
    """Whether LiteLLM's logging ``kwargs`` describe a request the proxy received (the marker may sit in the
    call's ``litellm_params`` or their metadata)."""
    if not isinstance(kwargs, dict):
        return False
    litellm_params = kwargs.get("litellm_params")
    params: dict[str, Any] = litellm_params if isinstance(litellm_params, dict) else {}
    return any(is_proxy_request(where) for where in (kwargs, params, params.get("metadata")))


def is_deliberate_rejection(exc: BaseException) -> bool:
    """A 4xx-carrying exception is an interceptor saying "no", not an interceptor crashing."""
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and 400 <= status < 500


def overrides(cls: type, name: str) -> bool:
    return getattr(cls, name) is not getattr(CustomLogger, name)


# --- guards ------------------------------------------------------------------------------------------

_GUARD_MARK = "__litellm_plugin_guarded__"
HookFn = Callable[..., Any]


def _runs_on(self: BaseCustomLogger, call_type: object) -> bool:
    """Known call types run the interceptors that declare them. One that claims every call type also meets
    call types and shapes this library does not know, so that a security interceptor fails closed there."""
    declared = self.call_types
    if type(declared) is not frozenset:
        declared = handled_call_types(self)
    return declared >= ALL_CALL_TYPES if call_type is None else call_type in declared


# The interceptors whose request hook LiteLLM's proxy ran, on a call type we cannot read, for the request the
# current task serves. Some proxy routes run no hooks at all (the Assistants API): the engine applies the
# interceptors there itself, except those the proxy already ran (see ``interception``). A context variable: one
# request's task cannot vouch for another's.
_PROXY_RAN_UNREAD: ContextVar[frozenset[int]] = ContextVar("litellm_plugin_proxy_ran_unread", default=frozenset())


def proxy_ran_request_hook(interceptor: object) -> bool:
    """Whether the proxy ran ``interceptor``'s request hook for the request this task serves (unread call type)."""
    return id(interceptor) in _PROXY_RAN_UNREAD.get()


def _note_proxy_ran(interceptor: object, data: Any) -> None:
    if is_proxy_request(data):
        _PROXY_RAN_UNREAD.set(_PROXY_RAN_UNREAD.get() | {id(interceptor)})


def _guard_pre(fn: HookFn) -> HookFn:
    @functools.wraps(fn)
    async def guarded(
        self: BaseCustomLogger, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any, **kwargs: Any
    ) -> Any:
        # The engine passes one of our own names: found in ``call_types`` without a further Python call.
        declared = self.call_types
        if type(declared) is not frozenset:
            declared = handled_call_types(self)
        known = type(call_type) is str and call_type in declared
        if not known:
            normalized = normalize_call_type(call_type)
            if not _runs_on(self, normalized):
                return None
            if normalized is None:
                if _checked_mcp_call_again(self, data, call_type):
                    return None
                _note_proxy_ran(self, data)
        mirrored = _mirrored_image_prompt(data, call_type)
        try:
            result = await fn(
                self,
                user_api_key_dict=user_api_key_dict,
                cache=cache,
                data=data,
                call_type=call_type,
                **kwargs,
            )
        except Exception as exc:
            await _fail_reported(self, "async_pre_call_hook", exc, data, call_type)
            return None
        if mirrored is not None:
            _mirror_prompt_change(mirrored, data if result is None else result)
        return result

    return guarded


# MCP tool calls whose request hook an interceptor has run, by the call's logging object: LiteLLM's proxy runs the
# request hooks of ``/mcp-rest/tools/call`` twice (its route's own pre-call step, then the tool check with the
# arguments as ``mcp_arguments``, whose changes it drops), with the same logging object.
_MCP_CALLS_CHECKED: weakref.WeakKeyDictionary[Any, set[int]] = weakref.WeakKeyDictionary()


def _checked_mcp_call_again(interceptor: BaseCustomLogger, data: Any, call_type: Any) -> bool:
    """Whether ``interceptor`` already ran its request hook on this MCP tool call (then it runs once)."""
    if getattr(call_type, "value", call_type) != "call_mcp_tool" or not isinstance(data, dict):
        return False
    logging_obj = data.get("litellm_logging_obj")
    if logging_obj is None:
        return False
    try:
        checked = _MCP_CALLS_CHECKED.setdefault(logging_obj, set())
    except TypeError:  # not weakly referenceable: run the hook again rather than risk skipping a first run
        return False
    if id(interceptor) in checked:
        return True
    checked.add(id(interceptor))
    return False


_IMAGE_CALLS = ("image_generation", "aimage_generation")


def _mirrored_image_prompt(data: Any, call_type: Any) -> str | None:
    """LiteLLM's proxy hands an image request's hooks its prompt twice, as ``prompt`` and as one user message,
    and sends the message's text on: a hook that changes ``prompt`` alone (the field an SDK call reads) would
    change nothing. The prompt, where the request has that shape."""
    if call_type not in _IMAGE_CALLS or type(data) is not dict:
        return None
    prompt = data.get("prompt")
    if isinstance(prompt, str) and data.get("messages") == [{"role": "user", "content": prompt}]:
        return prompt
    return None


def _mirror_prompt_change(original: str, data: Any) -> None:
    """A hook changed the prompt and left the message alone: the message follows (the proxy sends it)."""
    if not isinstance(data, dict):
        return
    prompt = data.get("prompt")
    if (
        isinstance(prompt, str)
        and prompt != original
        and data.get("messages") == [{"role": "user", "content": original}]
    ):
        data["messages"] = [{"role": "user", "content": prompt}]


def _guard_moderation(fn: HookFn) -> HookFn:
    """The proxy's ``during_call`` hook, run alongside the model call: a refusal (or a crash failing closed) is
    reported to the observers, as a request hook's is (the proxy logs only its own exception types)."""

    @functools.wraps(fn)
    async def guarded(self: BaseCustomLogger, *args: Any, **kwargs: Any) -> Any:
        try:
            return await fn(self, *args, **kwargs)
        except Exception as exc:
            data = kwargs["data"] if "data" in kwargs else (args[0] if args else None)
            call_type = kwargs.get("call_type", args[2] if len(args) > 2 else None)
            await _fail_reported(self, "async_moderation_hook", exc, data, call_type)
            return None

    return guarded


async def _fail_reported(
    self: BaseCustomLogger,
    hook: str,
    exc: Exception,
    data: Any,
    call_type: Any,
    *,
    unlogged: Callable[[dict[str, Any]], bool] | None = None,
) -> None:
    """``_on_hook_error``; when it fails a proxy request that no one else would log (the proxy logs only its own
    exception types; ``unlogged`` narrows further), the failure is reported to the observers first."""
    try:
        self._on_hook_error(hook, exc)
    except Exception as refusal:
        if is_proxy_request(data) and (unlogged is None or unlogged(data)):
            await refusals.report_proxy_refusal(data, call_type, refusal)
        raise


def _guard_post(fn: HookFn) -> HookFn:
    @functools.wraps(fn)
    async def guarded(self: BaseCustomLogger, data: Any, user_api_key_dict: Any, response: Any) -> Any:
        if not _runs_on(self, payload_call_type(response)):
            return None
        try:
            return await fn(self, data=data, user_api_key_dict=user_api_key_dict, response=response)
        except Exception as exc:
            await _fail_reported(
                self,
                "async_post_call_success_hook",
                exc,
                data,
                _logged_call_type(data),
                unlogged=refusals.success_log_withheld,
            )
            return None

    return guarded


def _logged_call_type(data: Any) -> Any:
    """The call type the proxy's logging object for the request was made with."""
    return getattr(data.get("litellm_logging_obj"), "call_type", None) if isinstance(data, dict) else None


def _guard_chunk(fn: HookFn) -> HookFn:
    @functools.wraps(fn)
    async def guarded(self: BaseCustomLogger, user_api_key_dict: Any, response: Any) -> Any:
        if "completion" not in handled_call_types(self):
            return None
        try:
            return await fn(self, user_api_key_dict=user_api_key_dict, response=response)
        except Exception as exc:
            self._on_hook_error("async_post_call_streaming_hook", exc)
            return None

    return guarded


class _Upstream:
    """Remembers an error raised by the stream *below* an interceptor, so it is not blamed on it, and the chunks
    the interceptor has taken and not yet answered (``unanswered``), so failing open loses none. A chunk it
    hands on answers the chunk it is, or else (a changed copy) the oldest unanswered one."""

    def __init__(self, source: Any) -> None:
        self._stream = source
        self._source: AsyncIterator[Any] = source.__aiter__()
        self.failure: BaseException | None = None
        self.unanswered: list[Any] = []
        self._litellm_stream = refusals.watch_proxy_stream(source)

    def __aiter__(self) -> _Upstream:
        return self

    def answered(self, chunk: Any) -> None:
        pending = self.unanswered
        for index, taken in enumerate(pending):
            if taken is chunk:
                del pending[index]
                return
        if pending:
            del pending[0]

    async def __anext__(self) -> Any:
        try:
            chunk = await self._source.__anext__()
            share_choices_with_kept_copy(self._stream, chunk)  # the proxy's stream: LiteLLM's own wrapper
            self.unanswered.append(chunk)
            return chunk
        except StopAsyncIteration:
            refusals.proxy_stream_ended(self._litellm_stream)
            raise
        except BaseException as exc:
            self.failure = exc
            refusals.proxy_stream_ended(self._litellm_stream)
            raise


async def _prepend(first: Any, rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    yield first
    async for item in rest:
        yield item


def _async_iterator_from(produced: Any) -> Any:
    """What the stream hook returned, if LiteLLM can ``async for`` it: an author may write the hook as a plain
    ``def`` returning an async generator (LiteLLM iterates whatever it returns), so this is known per call."""
    if hasattr(produced, "__aiter__"):
        return produced
    if inspect.iscoroutine(produced):
        produced.close()  # never awaited: closed so Python does not warn about it
        got = "a coroutine (an `async def` that returns instead of yielding?)"
    else:
        got = "None (a missing return?)" if produced is None else f"a {type(produced).__name__}"
    raise TypeError(
        f"returned {got}, which LiteLLM's `async for` cannot iterate: write it as `async def "
        "async_post_call_streaming_iterator_hook(...)` that yields each chunk, or as a plain `def` returning an "
        "async iterator (an async generator)"
    )


def _guard_iterator(fn: HookFn) -> HookFn:
    @functools.wraps(fn)
    async def guarded(
        self: BaseCustomLogger, user_api_key_dict: Any, response: Any, request_data: Any
    ) -> AsyncGenerator[Any, None]:
        upstream = _Upstream(response)
        try:
            first = await upstream.__anext__()
        except StopAsyncIteration:
            return
        if not _runs_on(self, payload_call_type(first)):
            yield first
            async for chunk in upstream:
                upstream.unanswered.clear()
                yield chunk
            return
        try:
            produced = _async_iterator_from(
                fn(
                    self,
                    user_api_key_dict=user_api_key_dict,
                    response=_prepend(first, upstream),
                    request_data=request_data,
                )
            )
            async for chunk in produced:
                upstream.answered(chunk)
                yield chunk
        except Exception as exc:
            if exc is upstream.failure:
                raise
            await _fail_reported(
                self,
                "async_post_call_streaming_iterator_hook",
                exc,
                request_data,
                _logged_call_type(request_data),
                unlogged=refusals.proxy_stream_cut_short,
            )
            # Fail open: the chunks it took and never answered, then the rest of the stream, unmodified.
            taken, upstream.unanswered = upstream.unanswered, []
            for chunk in taken:
                yield chunk
            async for chunk in upstream:
                yield chunk

    return guarded


# The observer hook running in this context, as (interceptor, hook name, call): a subclass's hook that calls
# ``super()`` reaches its parent's guarded hook with the same call, which must run as part of it, not be taken
# for a second delivery of the event. A context variable: a call made from inside the hook (its own task or
# thread, another call id) is checked as any other.
_running_observer: ContextVar[tuple[object, str, object] | None] = ContextVar(
    "litellm_plugin_running_observer", default=None
)


def _call_key(call: Any) -> object:
    call_id = call.get("litellm_call_id") if isinstance(call, dict) else None
    return call_id if isinstance(call_id, str) else id(call)


def _guard_observer(name: str, fn: HookFn) -> HookFn:
    outcome = name in OBSERVING_HOOKS  # a success or failure: the call's last event
    event = name if outcome else None  # the sync bridge and the async observer it runs are separate events
    position = DURING_CALL_OBSERVERS.get(name, 0)

    def report(self: BaseCustomLogger) -> None:
        logger.exception("observer %s of interceptor %r raised; the call is not affected", name, self.interceptor_name)

    # BaseCustomLogger's sync bridge, reached through ``super()`` from an author's own sync hook, is told so: it
    # then runs what that ``super()`` stands for (see ``BaseCustomLogger.log_success_event``).
    bridge = getattr(fn, SYNC_BRIDGE, False)

    def from_subclass(self: BaseCustomLogger, call: Any) -> bool:
        running = _running_observer.get()
        return running is not None and running[0] is self and running[1] == name and running[2] == _call_key(call)

    if name.startswith("async_"):

        @functools.wraps(fn)
        async def guarded_async(self: BaseCustomLogger, *args: Any, **kwargs: Any) -> None:
            call = args[position] if len(args) > position else kwargs.get("kwargs")
            if _running_observer.get() is not None and from_subclass(self, call):
                await fn(self, *args, **kwargs)  # ``super()`` from a subclass's hook: its errors are the caller's
                return
            if not _observes(self, call, event):
                return
            running = _running_observer.set((self, name, _call_key(call)))
            try:
                await fn(self, *args, **kwargs)
            except Exception:
                report(self)
            finally:
                _running_observer.reset(running)
            if outcome and per_call_only:
                outcome_delivered(self, call)

        return guarded_async

    @functools.wraps(fn)
    def guarded_sync(self: BaseCustomLogger, *args: Any, **kwargs: Any) -> None:
        call = args[position] if len(args) > position else kwargs.get("kwargs")
        if _running_observer.get() is not None and from_subclass(self, call):
            if bridge:
                self._bridge(name, True, *args, **kwargs)
            else:
                fn(self, *args, **kwargs)
            return
        if not _observes(self, call, event):
            return
        running = _running_observer.set((self, name, _call_key(call)))
        try:
            fn(self, *args, **kwargs)
        except Exception:
            report(self)
        finally:
            _running_observer.reset(running)
        if outcome and per_call_only:
            outcome_delivered(self, call)

    return guarded_sync


def _guard_deployment_success(fn: HookFn) -> HookFn:
    """An author's own ``async_post_call_success_deployment_hook``. LiteLLM logs an async call's success right
    after it, and BaseCustomLogger's version is where the engine holds that log back while the reply hooks run
    (see ``refusals.HeldSuccessLogs``): an override written as for a plain CustomLogger, without ``super()``,
    must not let a refused reply be logged as a success."""
    if getattr(fn, HOLDS_SUCCESS_LOGS, False):  # BaseCustomLogger's own: it holds them itself
        return fn

    @functools.wraps(fn)
    async def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        refusals.hold_success_log(args[0] if args else kwargs.get("request_data"))
        return await fn(self, *args, **kwargs)

    return guarded


# Marks BaseCustomLogger's sync observer hooks, which run the async ones on sync calls.
SYNC_BRIDGE = "__litellm_plugin_sync_bridge__"

# Marks the deployment hook that holds a call's success log back itself (BaseCustomLogger's).
HOLDS_SUCCESS_LOGS = "__litellm_plugin_holds_success_logs__"

_GUARDS: dict[str, Callable[[HookFn], HookFn]] = {
    "async_pre_call_hook": _guard_pre,
    "async_post_call_success_hook": _guard_post,
    "async_post_call_streaming_hook": _guard_chunk,
    "async_post_call_streaming_iterator_hook": _guard_iterator,
    "async_post_call_success_deployment_hook": _guard_deployment_success,
    "async_moderation_hook": _guard_moderation,
}


def authored(cls: type, name: str, after: type | None = None) -> Any:
    """The attribute ``name`` as ``cls`` resolves it, if an author wrote it (in ``cls`` or a mixin), else None;
    with ``after``, as the classes after that one in ``cls``'s MRO resolve it.

    LiteLLM's own classes (``CustomLogger``, ``CustomLLM`` ...) do not count.
    """
    mro = cls.__mro__
    for klass in mro if after is None else mro[mro.index(after) + 1 :]:
        if name in vars(klass):
            module = getattr(klass, "__module__", "") or ""
            return None if module == "litellm" or module.startswith("litellm.") else vars(klass)[name]
    return None


def guard_class(cls: type) -> None:
    """Guard every hook ``cls`` defines or takes from a mixin (once); see the module docstring."""
    for name in (*_GUARDS, *OBSERVING_HOOKS, *DURING_CALL_OBSERVERS):
        fn = authored(cls, name)
        if fn is None or getattr(fn, _GUARD_MARK, False):
            continue
        guarded = _GUARDS[name](fn) if name in _GUARDS else _guard_observer(name, fn)
        setattr(guarded, _GUARD_MARK, True)
        setattr(cls, name, guarded)
    for name in LEAF_VISIBLE_HOOKS:
        if name not in cls.__dict__:
            setattr(cls, name, getattr(cls, name))


# Our text hooks an instance may set on itself: checked, and ``response_transform``'s result checked, as in a class.
_TEXT_HOOKS = frozenset({"response_transform", "channel_transform", "transform_for"})
_INSTANCE_GUARDED = frozenset(_GUARDS) | _TEXT_HOOKS


def _called_without_self(value: Any) -> HookFn:
    """A hook set on an instance as the function the guards call with ``self``: LiteLLM would call the value as
    it is (a bound method already has its ``self``)."""

    @functools.wraps(value)
    def call(_interceptor: Any, *args: Any, **kwargs: Any) -> Any:
        return value(*args, **kwargs)

    return call


def guard_instance_hook(interceptor: BaseCustomLogger, name: str, value: Any) -> Any:
    """What an interceptor keeps when ``name`` is set on it (``self.async_pre_call_hook = self._check``,
    ``patch.object``): a modifying hook checked and guarded as one written in the class (failure policy, call
    types), bound to the interceptor; any other value as it is."""
    if name not in _INSTANCE_GUARDED or getattr(value, _GUARD_MARK, False):
        return value
    from litellm_plugin.core.logger import BaseCustomLogger  # it imports this module

    check_instance_hook(interceptor, BaseCustomLogger, name, value)
    if name in _GUARDS:
        guarded = _GUARDS[name](_called_without_self(value))
    elif name == "response_transform":
        guarded = checked_transform(_called_without_self(value))
    else:
        return value
    setattr(guarded, _GUARD_MARK, True)
    return types.MethodType(guarded, interceptor)


def guarded_hook(interceptor: BaseCustomLogger, name: str) -> HookFn:
    """``interceptor``'s hook ``name``, as the engine calls it: guarded, wherever it was written. A hook assigned
    to the class after it was defined (``MyFilter.async_pre_call_hook = fn``), or put in the instance's
    ``__dict__`` directly, is checked and guarded when the engine first meets it, as one written in the class."""
    hook: HookFn = getattr(interceptor, name)
    if getattr(hook, _GUARD_MARK, False):  # a bound method reads its function's mark
        return hook
    own = getattr(interceptor, "__dict__", None)
    if own is not None and name in own:
        guarded: HookFn = guard_instance_hook(interceptor, name, own[name])
        own[name] = guarded
        return guarded
    cls = type(interceptor)
    owner = next((klass for klass in cls.__mro__ if name in vars(klass)), None)
    if owner is None or authored(cls, name) is None:  # LiteLLM's own (CustomLogger's default): nothing to guard
        return hook
    from litellm_plugin.core.logger import BaseCustomLogger  # it imports this module

    target = owner if issubclass(owner, BaseCustomLogger) else cls  # a mixin is guarded where it is used, as ever
    check_late_hook(target, BaseCustomLogger, name, vars(owner)[name])
    guard_class(target)
    resolved: HookFn = getattr(interceptor, name)
    return resolved


def has_own_hook(interceptor: object, name: str, base: type) -> bool:
    """Whether ``interceptor``'s ``name`` is not ``base``'s: set on the instance, or written in its class."""
    own = getattr(interceptor, "__dict__", None)
    if own and name in own:
        return True
    return getattr(type(interceptor), name) is not getattr(base, name)
