"""The interception engine: BaseCustomLogger hooks, applied exactly once on every LiteLLM path.

LiteLLM runs the modifying hooks (``async_pre_call_hook``, ``async_post_call_success_hook``, the stream
hooks) only inside its proxy. This module is the one place that knows that. Like an OpenTelemetry
instrumentor, it wraps LiteLLM's public entry points (``litellm.completion`` & co. and the same ``Router``
methods) with ``functools.wraps`` wrappers that keep the original, and can be installed and uninstalled any
number of times. Constructing a BaseCustomLogger installs it.

Exactly once, per call the user made — a context variable tracks where we are:

* outside any call: the wrapper applies the interceptors;
* inside a Router call: the Router's deployment call (``litellm.acompletion``) *is* the user's call, already
  intercepted at the Router, so it is not intercepted again — but it is observed;
* inside a LiteLLM call (a provider or a hook calling LiteLLM again, also while a stream is read): not
  intercepted, and tagged so that observers skip it too;
* a proxy request (it carries ``proxy_server_request``): LiteLLM's proxy runs the same hooks itself, and
  BaseCustomLogger makes sure it sees them, so the wrappers stand aside.

LiteLLM's deployment hooks are not bridged, so nothing runs a second time through them.

Order: interceptors run in the order of ``litellm.callbacks`` (then per-call ``callbacks=[...]``), for
requests, responses and streams alike, as in the proxy.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import litellm

from litellm_plugin.core import observers
from litellm_plugin.core._sync import run_sync
from litellm_plugin.core.call_types import CallType
from litellm_plugin.core.errors import InterceptionNotSupportedError, InterceptorRejectedError
from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.streams import InterceptedStream

__all__ = ["install", "is_installed", "uninstall"]

# Call types whose request/response changes the engine applies on the SDK paths.
_APPLIED: frozenset[CallType] = frozenset({"completion", "embedding", "image_generation"})

# (function name, call type): the same names on the litellm module and on litellm.Router.
_ENTRY_POINTS: tuple[tuple[str, CallType], ...] = (
    ("completion", "completion"),
    ("acompletion", "completion"),
    ("embedding", "embedding"),
    ("aembedding", "embedding"),
    ("image_generation", "image_generation"),
    ("aimage_generation", "image_generation"),
    ("text_completion", "text_completion"),
    ("atext_completion", "text_completion"),
    ("responses", "responses"),
    ("aresponses", "responses"),
)

_MODIFYING_HOOKS = (
    "response_transform",
    "async_pre_call_hook",
    "async_post_call_success_hook",
    "async_post_call_streaming_iterator_hook",
    "async_post_call_streaming_hook",
)
_WRAPPED_MARK = "__litellm_plugin_original__"


class _RouterCall:
    """Scope of one user call to a Router: its deployment call is the user's call; what runs inside that
    call (provider code, also while a stream is read) is nested. A failed deployment call ends, so the
    Router's retry or fallback is a deployment call again."""

    __slots__ = ("deployment_live",)

    def __init__(self) -> None:
        self.deployment_live = False


_IN_CALL = object()  # inside a LiteLLM call the user made
_scope: ContextVar[object | None] = ContextVar("litellm_plugin_scope", default=None)
_install_lock = threading.Lock()
_originals: dict[tuple[object, str], Any] = {}


# --- install / uninstall ---------------------------------------------------------------------------------


def _targets() -> Iterable[tuple[object, str, CallType]]:
    for owner in (litellm, litellm.Router):
        for name, call_type in _ENTRY_POINTS:
            if callable(getattr(owner, name, None)):
                yield owner, name, call_type


def install() -> None:
    """Wrap LiteLLM's entry points (idempotent)."""
    with _install_lock:
        for owner, name, call_type in _targets():
            current = getattr(owner, name)
            if getattr(current, _WRAPPED_MARK, None) is not None:
                continue
            _originals[(owner, name)] = current
            setattr(owner, name, _wrap(current, call_type, is_router=owner is litellm.Router))


def uninstall() -> None:
    """Put LiteLLM's original entry points back (idempotent). Interceptors then run in the proxy only."""
    with _install_lock:
        for (owner, name), original in _originals.items():
            setattr(owner, name, original)
        _originals.clear()


def is_installed() -> bool:
    """True when every LiteLLM entry point the engine knows is wrapped by it."""
    targets = list(_targets())
    return bool(targets) and all(
        getattr(getattr(owner, name), _WRAPPED_MARK, None) is not None for owner, name, _ in targets
    )


# --- which interceptors apply --------------------------------------------------------------------------


def _active_interceptors(kwargs: dict[str, Any]) -> list[BaseCustomLogger]:
    seen: set[int] = set()
    active: list[BaseCustomLogger] = []
    for callback in (*litellm.callbacks, *(kwargs.get("callbacks") or ())):
        if isinstance(callback, BaseCustomLogger) and id(callback) not in seen:
            seen.add(id(callback))
            active.append(callback)
    return active


def _modifies(interceptor: BaseCustomLogger) -> bool:
    cls = type(interceptor)
    return any(getattr(cls, name) is not getattr(BaseCustomLogger, name) for name in _MODIFYING_HOOKS)


def _applicable(interceptors: list[BaseCustomLogger], call_type: CallType) -> list[BaseCustomLogger]:
    applicable = [i for i in interceptors if call_type in i.call_types]
    if call_type in _APPLIED:
        return applicable
    for interceptor in applicable:
        if _modifies(interceptor):
            raise InterceptionNotSupportedError(
                interceptor.interceptor_name,
                call_type,
                f"litellm-plugin cannot apply request/response changes to {call_type!r} calls in the SDK; "
                f"remove {call_type!r} from its call_types or use chat completions",
            )
    return []  # observe-only interceptors are observed by LiteLLM itself


def _sync_observer_lists(active: list[BaseCustomLogger]) -> None:
    """Let LiteLLM's internal callback lists hold exactly the registered interceptors that observe.

    See :mod:`litellm_plugin.core.observers`: modify-only interceptors stay out of them (LiteLLM's logging then
    costs nothing for them), replaced ones really stop ("ghosts"), and entries the user added directly stay.
    """
    observers.sync_observer_lists(active, BaseCustomLogger)


def _mark_nested(kwargs: dict[str, Any]) -> None:
    """Record a LiteLLM call made from inside an intercepted one, so observers skip it (user data untouched)."""
    if any(isinstance(c, BaseCustomLogger) for c in litellm.callbacks):
        observers.mark_nested(kwargs)


# --- applying hooks ------------------------------------------------------------------------------------

_hook_args: tuple[Any, Any] | None = None


def _hook_context() -> tuple[Any, Any]:
    """The ``user_api_key_dict`` and ``cache`` that SDK calls pass to proxy-style hooks (made once, lazily)."""
    global _hook_args
    if _hook_args is None:
        from litellm.caching.dual_cache import DualCache
        from litellm.proxy._types import UserAPIKeyAuth

        _hook_args = (UserAPIKeyAuth(), DualCache())
    return _hook_args


async def _apply_request(
    interceptors: list[BaseCustomLogger], data: dict[str, Any], call_type: CallType
) -> dict[str, Any]:
    user_api_key_dict, cache = _hook_context()
    for interceptor in interceptors:
        result = await interceptor.async_pre_call_hook(
            user_api_key_dict=user_api_key_dict, cache=cache, data=data, call_type=call_type
        )
        if isinstance(result, dict):
            data = result
        elif isinstance(result, str):  # the proxy's convention: a string refuses the request
            raise InterceptorRejectedError(interceptor.interceptor_name, result, model=str(data.get("model", "")))
        elif isinstance(result, Exception):
            raise result
    return data


async def _apply_response(interceptors: list[BaseCustomLogger], data: dict[str, Any], response: Any) -> Any:
    user_api_key_dict, _ = _hook_context()
    for interceptor in interceptors:
        replaced = await interceptor.async_post_call_success_hook(
            data=data, user_api_key_dict=user_api_key_dict, response=response
        )
        if replaced is not None:
            response = replaced
    return response


def _finish(result: Any, interceptors: list[BaseCustomLogger], data: dict[str, Any]) -> Any:
    """Wrap a stream, or return None for a non-stream result (whose hooks the caller awaits).

    Provider code that runs while a chunk is pulled is inside the call: a LiteLLM call it makes is nested,
    even behind a Router (where a mid-stream fallback's own call therefore goes unobserved).
    """
    if data.get("stream") and (hasattr(result, "__aiter__") or hasattr(result, "__next__")):
        return InterceptedStream(
            result,
            interceptors,
            data,
            user_api_key_dict=_hook_context()[0],
            scope=_scope,
            scope_value=_IN_CALL,
        )
    return None


# --- the wrappers ----------------------------------------------------------------------------------------


def _call_data(signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments as one dict (what proxy-style hooks call ``data``); the message list is copied."""
    if args:
        bound = signature.bind_partial(*args, **kwargs)
        data: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            kind = signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                data.update(value)
            elif kind is not inspect.Parameter.VAR_POSITIONAL:
                data[name] = value
    else:
        data = dict(kwargs)
    messages = data.get("messages")
    if isinstance(messages, list):
        data["messages"] = [dict(m) if isinstance(m, dict) else m for m in messages]
    return data


def _wrap(original: Callable[..., Any], call_type: CallType, *, is_router: bool) -> Callable[..., Any]:
    signature = inspect.signature(original)
    if is_router:  # drop ``self``: it is passed on positionally
        signature = signature.replace(parameters=list(signature.parameters.values())[1:])

    def prepare(kwargs: dict[str, Any]) -> tuple[list[BaseCustomLogger], object, _RouterCall | None]:
        """The interceptors to apply, the scope inner calls run in, and the Router call this one serves."""
        scope = _scope.get()
        if scope is _IN_CALL or (isinstance(scope, _RouterCall) and scope.deployment_live):
            _mark_nested(kwargs)
            return [], _IN_CALL, None
        if isinstance(scope, _RouterCall):
            scope.deployment_live = True
            return [], _IN_CALL, scope
        inner = _RouterCall() if is_router else _IN_CALL
        if "proxy_server_request" in kwargs:
            return [], inner, None
        active = _active_interceptors(kwargs)
        _sync_observer_lists(active)
        return _applicable(active, call_type), inner, None

    @contextlib.contextmanager
    def deployment_call(router_call: _RouterCall | None, kwargs: dict[str, Any]) -> Iterator[None]:
        """A Router deployment call that failed, or returned in full, is over; a stream lives on."""
        try:
            yield
        except BaseException:
            if router_call is not None:
                router_call.deployment_live = False
            raise
        if router_call is not None and not kwargs.get("stream"):
            router_call.deployment_live = False

    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            interceptors, inner, router_call = prepare(kwargs)
            token = _scope.set(inner)
            try:
                if not interceptors:
                    with deployment_call(router_call, kwargs):
                        return await original(*args, **kwargs)
                head, rest = (args[:1], args[1:]) if is_router else ((), args)
                data = await _apply_request(interceptors, _call_data(signature, rest, kwargs), call_type)
                result = await original(*head, **data)
                stream = _finish(result, interceptors, data)
                return stream if stream is not None else await _apply_response(interceptors, data, result)
            finally:
                _scope.reset(token)

        wrapper: Callable[..., Any] = async_wrapper
    else:

        @functools.wraps(original)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            interceptors, inner, router_call = prepare(kwargs)
            token = _scope.set(inner)
            try:
                if not interceptors:
                    with deployment_call(router_call, kwargs):
                        return original(*args, **kwargs)
                head, rest = (args[:1], args[1:]) if is_router else ((), args)
                data = run_sync(_apply_request(interceptors, _call_data(signature, rest, kwargs), call_type))
                result = original(*head, **data)
                stream = _finish(result, interceptors, data)
                return stream if stream is not None else run_sync(_apply_response(interceptors, data, result))
            finally:
                _scope.reset(token)

        wrapper = sync_wrapper

    setattr(wrapper, _WRAPPED_MARK, original)
    return wrapper
