"""BaseCustomLogger: the hooks interceptor authors implement, with LiteLLM's own names and signatures.

What this class adds to ``litellm.integrations.custom_logger.CustomLogger``:

* every hook an author writes is *guarded* when the class is defined (``__init_subclass__``): the failure
  policy (fail closed by default, opt-in fail open), the call-type filter, and the proxy's requirement that
  the leaf class itself defines ``async_pre_call_hook`` and ``async_post_call_streaming_iterator_hook``;
* a :class:`~litellm_plugin.core.text.TextTransform` shortcut (``response_transform``) that rewrites
  non-stream replies and streams alike;
* constructing an interceptor installs the interception engine, which runs these hooks on the SDK paths
  where LiteLLM itself never calls them (see :mod:`litellm_plugin.core.interception`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast, get_args

from litellm.integrations.custom_logger import CustomLogger
from litellm.types.utils import EmbeddingResponse, ImageResponse, ModelResponse

from litellm_plugin.core._sync import run_sync
from litellm_plugin.core.errors import InterceptionNotSupportedError, InterceptorError
from litellm_plugin.core.text import StreamTextRewriter, TextTransform, rewrite_response_text

if TYPE_CHECKING:
    from litellm.caching.dual_cache import DualCache
    from litellm.proxy._types import UserAPIKeyAuth

__all__ = ["ALL_CALL_TYPES", "NESTED_CALL_KEY", "BaseCustomLogger", "CallType", "normalize_call_type"]

logger = logging.getLogger("litellm_plugin.core")

CallType = Literal["completion", "embedding", "image_generation", "text_completion", "responses"]
ALL_CALL_TYPES: frozenset[CallType] = frozenset(get_args(CallType))

# LiteLLM names one kind of call several ways (sync/async SDK names, the proxy's route names).
_CALL_TYPE_ALIASES: dict[str, CallType] = {
    "completion": "completion",
    "acompletion": "completion",
    "embedding": "embedding",
    "aembedding": "embedding",
    "embeddings": "embedding",
    "image_generation": "image_generation",
    "aimage_generation": "image_generation",
    "text_completion": "text_completion",
    "atext_completion": "text_completion",
    "responses": "responses",
    "aresponses": "responses",
}


def normalize_call_type(value: object) -> CallType | None:
    """Map any LiteLLM call-type spelling (enum or str) to ours; None for call types we do not model."""
    raw = getattr(value, "value", value)
    return _CALL_TYPE_ALIASES.get(raw) if isinstance(raw, str) else None


def _response_call_type(response: object) -> CallType | None:
    if isinstance(response, ModelResponse):
        return "completion"
    if isinstance(response, EmbeddingResponse):
        return "embedding"
    if isinstance(response, ImageResponse):
        return "image_generation"
    return None


# Metadata flag the engine puts on LiteLLM calls made from inside an intercepted call (a provider or a hook
# calling LiteLLM again): observers skip them, so one user call gives one observation.
NESTED_CALL_KEY = "litellm_plugin_nested_call"


def _is_nested_call(kwargs: Any) -> bool:
    litellm_params = kwargs.get("litellm_params") if isinstance(kwargs, dict) else None
    metadata = litellm_params.get("metadata") if isinstance(litellm_params, dict) else None
    return isinstance(metadata, dict) and metadata.get(NESTED_CALL_KEY) is True


def _is_proxy_call(kwargs: Any) -> bool:
    """Whether LiteLLM's logging ``kwargs`` describe a request the proxy received."""
    if not isinstance(kwargs, dict):
        return False
    litellm_params = kwargs.get("litellm_params")
    params: dict[str, Any] = litellm_params if isinstance(litellm_params, dict) else {}
    metadata = params.get("metadata")
    return any(
        isinstance(where, dict) and where.get("proxy_server_request") is not None
        for where in (kwargs, params, metadata)
    )


def _is_deliberate_rejection(exc: BaseException) -> bool:
    """A 4xx-carrying exception is an interceptor saying "no", not an interceptor crashing."""
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and 400 <= status < 500


class BaseCustomLogger(CustomLogger):
    """Base class for interceptors: read and change requests, responses and streams on every LiteLLM path.

    Register an instance the usual way (``litellm.callbacks = [MyInterceptor()]`` in code,
    ``litellm_settings.callbacks: [module.instance]`` in the proxy).

    * ``call_types``: the kinds of call this interceptor handles; it is not run on others.
    * ``fail_open``: when a modifying hook raises, the call fails with :class:`InterceptorError` unless this
      is True, in which case the error is logged and the call goes on unmodified.
    """

    call_types: ClassVar[frozenset[CallType]] = frozenset({"completion"})
    fail_open: bool = False

    _GUARDED_OBSERVING: ClassVar[tuple[str, ...]] = (
        "async_log_success_event",
        "async_log_failure_event",
        "log_success_event",
        "log_failure_event",
    )
    # The proxy runs these only when they sit in the leaf class's own __dict__.
    _LEAF_VISIBLE: ClassVar[tuple[str, ...]] = (
        "async_pre_call_hook",
        "async_post_call_streaming_iterator_hook",
    )

    def __init__(
        self,
        *,
        fail_open: bool | None = None,
        call_types: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if fail_open is not None:
            self.fail_open = fail_open
        if call_types is not None:
            self.call_types = _validate_call_types(call_types)  # type: ignore[misc]
        from litellm_plugin.core import interception

        interception.install()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _guard_class(cls)

    @property
    def interceptor_name(self) -> str:
        """How errors and logs name this interceptor: its guardrail name if it has one, else its class."""
        name = getattr(self, "guardrail_name", None)
        return name if isinstance(name, str) and name else type(self).__name__

    def handles(self, call_type: object) -> bool:
        normalized = normalize_call_type(call_type)
        return normalized is not None and normalized in self.call_types

    # -- the text shortcut ---------------------------------------------------------------------------

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        """Return a fresh TextTransform to rewrite this call's reply text (streams too), or None."""
        return None

    # -- modifying hooks (LiteLLM's names and signatures) -----------------------------------------------

    async def async_pre_call_hook(
        self,
        user_api_key_dict: UserAPIKeyAuth,
        cache: DualCache,
        data: dict[str, Any],
        call_type: Any,
    ) -> Exception | str | dict[str, Any] | None:
        """Change the request: return a new dict (or mutate ``data``), a str to refuse it, or None."""
        return None

    async def async_post_call_success_hook(
        self,
        data: dict[str, Any],
        user_api_key_dict: UserAPIKeyAuth,
        response: Any,
    ) -> Any:
        """Change or replace a non-stream response; the default applies ``response_transform``."""
        new_transform = self.transform_factory(data)
        return None if new_transform is None else rewrite_response_text(response, new_transform)

    async def async_post_call_streaming_iterator_hook(
        self,
        user_api_key_dict: UserAPIKeyAuth,
        response: Any,
        request_data: dict[str, Any],
    ) -> AsyncGenerator[Any, None]:
        """Rewrite, drop or add stream chunks; the default applies ``response_transform`` per chunk."""
        new_transform = self.transform_factory(request_data)
        if new_transform is None:
            async for chunk in response:
                yield chunk
            return
        rewriter = StreamTextRewriter(new_transform)
        async for chunk in response:
            yield rewriter.rewrite(chunk)
        closing = rewriter.finish()
        if closing is not None:
            yield closing

    def transform_factory(self, request_data: dict[str, Any]) -> Callable[[], TextTransform] | None:
        """``response_transform`` as a factory of fresh transforms (one per choice), or None if it has none."""
        first = self.response_transform(request_data)
        if first is None:
            return None
        pending = [first]

        def new_transform() -> TextTransform:
            made = pending.pop() if pending else self.response_transform(request_data)
            return made if made is not None else TextTransform()

        return new_transform

    # -- LiteLLM's deployment hooks: not a way in for our hooks outside the proxy ---------------------------

    async def async_pre_call_deployment_hook(self, kwargs: dict[str, Any], call_type: Any) -> dict[str, Any] | None:
        """On SDK calls the engine already ran this interceptor's hooks. LiteLLM's ``CustomGuardrail`` would run
        them again from here (async calls naming it in ``guardrails=[...]``), so outside the proxy this is a no-op."""
        if "proxy_server_request" not in kwargs:
            return None
        result: dict[str, Any] | None = await super().async_pre_call_deployment_hook(kwargs, call_type)
        return result

    async def async_post_call_success_deployment_hook(
        self, request_data: dict[str, Any], response: Any, call_type: Any
    ) -> Any:
        """The response-side twin of ``async_pre_call_deployment_hook``."""
        if "proxy_server_request" not in request_data:
            return None
        return await super().async_post_call_success_deployment_hook(request_data, response, call_type)

    # -- observing hooks: never break a call -----------------------------------------------------------

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        """LiteLLM's sync SDK paths only call this sync hook: run the async observer from it."""
        if _overrides(type(self), "async_log_success_event") and not _is_proxy_call(kwargs):
            run_sync(cast(Any, self).async_log_success_event(kwargs, response_obj, start_time, end_time))

    def log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        """Like ``log_success_event``. The proxy calls the async observer itself, and for a request it refuses
        (bad key, unknown model) it calls this one too: bridging it there would observe that request twice."""
        if _overrides(type(self), "async_log_failure_event") and not _is_proxy_call(kwargs):
            run_sync(cast(Any, self).async_log_failure_event(kwargs, response_obj, start_time, end_time))

    # -- failure policy ------------------------------------------------------------------------------

    def _on_hook_error(self, hook: str, exc: Exception) -> None:
        """Re-raise (fail closed) or log and return (fail open)."""
        if isinstance(exc, (InterceptorError, InterceptionNotSupportedError)) or _is_deliberate_rejection(exc):
            raise exc
        if self.fail_open:
            logger.warning(
                "interceptor %r failed in %s and is fail_open: the call continues without its change",
                self.interceptor_name,
                hook,
                exc_info=exc,
            )
            return
        raise InterceptorError(self.interceptor_name, hook, exc) from exc


def _validate_call_types(values: Iterable[str]) -> frozenset[CallType]:
    result: set[CallType] = set()
    for value in values:
        normalized = normalize_call_type(value)
        if normalized is None:
            raise ValueError(f"unknown call type {value!r}; expected some of {sorted(ALL_CALL_TYPES)}")
        result.add(normalized)
    return frozenset(result)


def _overrides(cls: type, name: str) -> bool:
    return getattr(cls, name) is not getattr(CustomLogger, name)


# --- guards ------------------------------------------------------------------------------------------

_GUARD_MARK = "__litellm_plugin_guarded__"
HookFn = Callable[..., Any]


def _guard_pre(fn: HookFn) -> HookFn:
    @functools.wraps(fn)
    async def guarded(
        self: BaseCustomLogger, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any, **kwargs: Any
    ) -> Any:
        if not self.handles(call_type):
            return None
        try:
            return await fn(
                self,
                user_api_key_dict=user_api_key_dict,
                cache=cache,
                data=data,
                call_type=call_type,
                **kwargs,
            )
        except Exception as exc:
            self._on_hook_error("async_pre_call_hook", exc)
            return None

    return guarded


def _guard_post(fn: HookFn) -> HookFn:
    @functools.wraps(fn)
    async def guarded(self: BaseCustomLogger, data: Any, user_api_key_dict: Any, response: Any) -> Any:
        call_type = _response_call_type(response)
        if call_type is None or call_type not in self.call_types:
            return None
        try:
            return await fn(self, data=data, user_api_key_dict=user_api_key_dict, response=response)
        except Exception as exc:
            self._on_hook_error("async_post_call_success_hook", exc)
            return None

    return guarded


def _guard_chunk(fn: HookFn) -> HookFn:
    @functools.wraps(fn)
    async def guarded(self: BaseCustomLogger, user_api_key_dict: Any, response: Any) -> Any:
        if "completion" not in self.call_types:
            return None
        try:
            return await fn(self, user_api_key_dict=user_api_key_dict, response=response)
        except Exception as exc:
            self._on_hook_error("async_post_call_streaming_hook", exc)
            return None

    return guarded


class _Upstream:
    """Remembers an error raised by the stream *below* an interceptor, so it is not blamed on it."""

    def __init__(self, source: Any) -> None:
        self._source: AsyncIterator[Any] = source.__aiter__()
        self.failure: BaseException | None = None

    def __aiter__(self) -> _Upstream:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self._source.__anext__()
        except StopAsyncIteration:
            raise
        except BaseException as exc:
            self.failure = exc
            raise


def _guard_iterator(fn: HookFn) -> HookFn:
    @functools.wraps(fn)
    async def guarded(
        self: BaseCustomLogger, user_api_key_dict: Any, response: Any, request_data: Any
    ) -> AsyncGenerator[Any, None]:
        upstream = _Upstream(response)
        if "completion" not in self.call_types:
            async for chunk in upstream:
                yield chunk
            return
        produced = fn(self, user_api_key_dict=user_api_key_dict, response=upstream, request_data=request_data)
        try:
            async for chunk in produced:
                yield chunk
        except Exception as exc:
            if exc is upstream.failure:
                raise
            self._on_hook_error("async_post_call_streaming_iterator_hook", exc)
            async for chunk in upstream:  # fail open: the rest of the stream, unmodified
                yield chunk

    return guarded


def _guard_observer(name: str, fn: HookFn) -> HookFn:
    def handled(self: BaseCustomLogger, kwargs: Any) -> bool:
        if _is_nested_call(kwargs):
            return False
        call_type = kwargs.get("call_type") if isinstance(kwargs, dict) else None
        return call_type is None or self.handles(call_type)

    def report(self: BaseCustomLogger) -> None:
        logger.exception("observer %s of interceptor %r raised; the call is not affected", name, self.interceptor_name)

    if name.startswith("async_"):

        @functools.wraps(fn)
        async def guarded_async(self: BaseCustomLogger, *args: Any, **kwargs: Any) -> None:
            if not handled(self, args[0] if args else kwargs.get("kwargs")):
                return
            try:
                await fn(self, *args, **kwargs)
            except Exception:
                report(self)

        return guarded_async

    @functools.wraps(fn)
    def guarded_sync(self: BaseCustomLogger, *args: Any, **kwargs: Any) -> None:
        if not handled(self, args[0] if args else kwargs.get("kwargs")):
            return
        try:
            fn(self, *args, **kwargs)
        except Exception:
            report(self)

    return guarded_sync


_GUARDS: dict[str, Callable[[HookFn], HookFn]] = {
    "async_pre_call_hook": _guard_pre,
    "async_post_call_success_hook": _guard_post,
    "async_post_call_streaming_hook": _guard_chunk,
    "async_post_call_streaming_iterator_hook": _guard_iterator,
}


def _guard_class(cls: type) -> None:
    for name in (*_GUARDS, *BaseCustomLogger._GUARDED_OBSERVING):
        fn = cls.__dict__.get(name)
        if fn is None or getattr(fn, _GUARD_MARK, False):
            continue
        guarded = _GUARDS[name](fn) if name in _GUARDS else _guard_observer(name, fn)
        setattr(guarded, _GUARD_MARK, True)
        setattr(cls, name, guarded)
    for name in BaseCustomLogger._LEAF_VISIBLE:
        if name not in cls.__dict__:
            setattr(cls, name, getattr(cls, name))


_guard_class(BaseCustomLogger)
