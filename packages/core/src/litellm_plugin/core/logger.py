"""BaseCustomLogger: the hooks interceptor authors implement, with LiteLLM's own names and signatures.

What this class adds to ``litellm.integrations.custom_logger.CustomLogger``:

* every hook an author writes is *guarded* when the class is defined (``__init_subclass__``, see
  :mod:`litellm_plugin.core.guards`): the failure policy (fail closed by default, opt-in fail open), the
  call-type filter, and the proxy's requirement that the leaf class itself defines ``async_pre_call_hook``
  and ``async_post_call_streaming_iterator_hook``;
* a :class:`~litellm_plugin.core.text.TextTransform` shortcut (``response_transform``) that rewrites
  non-stream replies and streams alike;
* constructing an interceptor installs the interception engine, which runs these hooks on the SDK paths
  where LiteLLM itself never calls them (see :mod:`litellm_plugin.core.interception`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.integrations.custom_logger import CustomLogger
from litellm.types.guardrails import GuardrailEventHooks

from litellm_plugin.core import observers, refusals
from litellm_plugin.core._compat import deployment_hooks_run_apply_guardrail
from litellm_plugin.core._sync import run_sync
from litellm_plugin.core.call_types import ALL_CALL_TYPES, CallType, normalize_call_type, validate_call_types
from litellm_plugin.core.contracts import (
    check_interceptor_class,
    validate_response_channels,
    warn_about_misspelt_arguments,
)
from litellm_plugin.core.errors import (
    InterceptionNotSupportedError,
    InterceptorDefinitionError,
    InterceptorError,
    InterceptorRejectedError,
    InterceptorSettingValueError,
)
from litellm_plugin.core.guardrail_rules import (
    check_guardrail_arguments,
    engine_phases,
    follows_guardrail_rules,
    guardrail_allows,
    without_admin_metadata,
)
from litellm_plugin.core.guards import (
    DEFAULT_CALL_TYPES,
    HOLDS_SUCCESS_LOGS,
    NESTED_CALL_KEY,
    SYNC_BRIDGE,
    authored,
    guard_class,
    guard_instance_hook,
    handled_call_types,
    has_own_hook,
    is_deliberate_rejection,
    is_proxy_call,
    is_proxy_request,
    overrides,
    sdk_hook_context,
)
from litellm_plugin.core.payloads import Channel, ChannelKind, StreamRewriter, TransformFor, rewrite_response
from litellm_plugin.core.text import TextTransform

if TYPE_CHECKING:
    from litellm.caching.dual_cache import DualCache
    from litellm.proxy._types import UserAPIKeyAuth

__all__ = ["ALL_CALL_TYPES", "NESTED_CALL_KEY", "BaseCustomLogger", "CallType", "normalize_call_type"]

logger = logging.getLogger("litellm_plugin.core")


class BaseCustomLogger(CustomLogger):
    """Base class for interceptors: read and change requests, responses and streams on every LiteLLM path.

    Register an instance the usual way (``litellm.callbacks = [MyInterceptor()]`` in code,
    ``litellm_settings.callbacks: [module.instance]`` in the proxy).

    * ``call_types``: the kinds of call its modifying hooks handle (default: chat completions); they are not
      run on others. Observe-only hooks (``async_log_success_event`` & co.) see every call, as on a plain
      ``CustomLogger``, unless ``call_types`` is declared (class attribute or constructor argument).
    * ``fail_open``: when a modifying hook raises, the call fails with :class:`InterceptorError` unless this
      is True, in which case the error is logged and the call goes on unmodified.
    * ``response_channels``: which reply text ``response_transform`` rewrites: visible ``text`` by default;
      add ``reasoning``, ``refusal``, ``tool_arguments`` (raw JSON), ``tool_output``, ``citation``,
      ``transcript``, ``revised_prompt``, ``logprobs`` or ``provider_field`` to see those too
      (``ALL_CHANNEL_KINDS`` for all).
      ``transcript`` and ``logprobs`` are only checked: a changed transcript fails the call (its audio cannot
      change), changed logprobs are dropped.
    * ``checks_guardrail_rules``: on a class that is also a LiteLLM ``CustomGuardrail``, the engine runs the
      request hooks only where ``should_run_guardrail`` allows ``pre_call`` and the reply hooks ``post_call``
      (as LiteLLM does); set it to True when the hooks apply those rules themselves.
    """

    call_types: ClassVar[frozenset[CallType]] = DEFAULT_CALL_TYPES
    response_channels: ClassVar[frozenset[ChannelKind]] = frozenset({"text"})
    fail_open: bool = False
    # A re-based CustomGuardrail: the engine runs its hooks by LiteLLM's guardrail rules (mode, default_on,
    # guardrails=[...]), unless its hooks check them themselves (True).
    checks_guardrail_rules: ClassVar[bool] = False

    def __init__(
        self,
        *args: Any,
        fail_open: bool | None = None,
        call_types: str | Iterable[str] | None = None,
        response_channels: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        # Positional arguments are LiteLLM's (CustomLogger's turn_off_message_logging, a guardrail's name...).
        if kwargs:
            warn_about_misspelt_arguments(self, kwargs)
            if isinstance(self, CustomGuardrail):
                check_guardrail_arguments(self, kwargs)
        super().__init__(*args, **kwargs)
        if fail_open is not None:
            if not isinstance(fail_open, bool):
                raise InterceptorDefinitionError(
                    f"{type(self).__name__}: fail_open must be True or False, not {fail_open!r} (a string such as "
                    "'false' is truthy: the interceptor would silently fail open)"
                )
            self.fail_open = fail_open
        if call_types is not None:
            try:
                self.call_types = validate_call_types(call_types)  # type: ignore[misc]
            except TypeError as exc:
                raise InterceptorDefinitionError(f"{type(self).__name__}(call_types=...): {exc}") from None
            except ValueError as exc:
                raise InterceptorSettingValueError(f"{type(self).__name__}(call_types=...): {exc}") from None
        if response_channels is not None:
            where = f"{type(self).__name__}(response_channels=...)"
            self.response_channels = validate_response_channels(response_channels, where)  # type: ignore[misc]
        _install_engine()  # again, in case it was uninstalled since the class was defined

    def __setattr__(self, name: str, value: Any) -> None:
        # A modifying hook set on the instance is checked and guarded as one written in the class.
        super().__setattr__(name, guard_instance_hook(self, name, value))
        observers.instance_attribute_set(name)  # a hook set on the instance is observed like the class's

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        observers.instance_attribute_set(name)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Check the hooks against LiteLLM's (see ``contracts``), guard them, and install the engine: defining
        the class is enough, so an ``__init__`` that skips ``super().__init__()`` still gets intercepted."""
        super().__init_subclass__(**kwargs)
        check_interceptor_class(cls, BaseCustomLogger)
        guard_class(cls)
        _install_engine()

    @property
    def interceptor_name(self) -> str:
        """How errors and logs name this interceptor: its guardrail name if it has one, else its class."""
        name = getattr(self, "guardrail_name", None)
        return name if isinstance(name, str) and name else type(self).__name__

    def handles(self, call_type: object) -> bool:
        normalized = normalize_call_type(call_type)
        return normalized is not None and normalized in handled_call_types(self)

    # -- the text shortcut ---------------------------------------------------------------------------

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        """Return a fresh TextTransform to rewrite one channel of this call's reply (streams too), or None.

        Called once per channel (each choice, content block, tool call...) of the kinds in
        ``response_channels``, in every format: chat, text completion, Responses API, Anthropic Messages."""
        return None

    def channel_transform(self, request_data: dict[str, Any], channel: Channel) -> TextTransform | None:
        """The transform for one channel: override to treat channels differently (``channel.first_text``
        is where a prefix belongs). The default applies ``response_transform`` to ``response_channels``."""
        if channel.kind not in self.response_channels:
            return None
        return self.response_transform(request_data)

    def transform_for(self, request_data: dict[str, Any]) -> TransformFor | None:
        """This call's channel -> transform function, or None when this interceptor rewrites no reply text."""
        if not has_own_hook(self, "channel_transform", BaseCustomLogger):
            if not has_own_hook(self, "response_transform", BaseCustomLogger):
                return None
            first = self.response_transform(request_data)  # also tells whether it applies to this call
            if first is None:
                return None
            pending = [first]

            def default(channel: Channel) -> TextTransform | None:
                if channel.kind not in self.response_channels:
                    return None
                return pending.pop() if pending else self.response_transform(request_data)

            return default
        return lambda channel: self.channel_transform(request_data, channel)

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
        """Change or replace a non-stream response; the default applies ``response_transform`` to every
        channel of any format (an unknown response shape fails closed)."""
        transform_for = self.transform_for(data)
        return None if transform_for is None else rewrite_response(response, transform_for)

    async def async_post_call_streaming_iterator_hook(
        self,
        user_api_key_dict: UserAPIKeyAuth,
        response: Any,
        request_data: dict[str, Any],
    ) -> AsyncGenerator[Any, None]:
        """Rewrite, drop or add stream items; the default applies ``response_transform`` channel by channel,
        for chat chunks, text completion chunks, Responses API events and Anthropic SSE bytes alike."""
        transform_for = self.transform_for(request_data)
        if transform_for is None:
            async for chunk in response:
                yield chunk
            return
        rewriter = StreamRewriter(transform_for)
        async for chunk in response:
            for item in rewriter.rewrite(chunk):
                yield item
        for item in rewriter.finish():
            yield item

    # -- LiteLLM's deployment hooks: not a way in for our hooks outside the proxy ---------------------------

    async def async_pre_call_deployment_hook(self, kwargs: dict[str, Any], call_type: Any) -> dict[str, Any] | None:
        """On SDK calls the engine already ran this interceptor's hooks. LiteLLM's ``CustomGuardrail`` would run
        them again from here (async calls naming it in ``guardrails=[...]``), so outside the proxy this is a no-op,
        except for a guardrail written with ``apply_guardrail``, which only LiteLLM's hook runs."""
        # The marker test inline first: LiteLLM calls this for every callback on every async SDK call.
        if not (isinstance(kwargs, dict) and "proxy_server_request" in kwargs and is_proxy_request(kwargs)):
            if not (isinstance(self, CustomGuardrail) and isinstance(kwargs, dict)):  # the common case: C calls only
                return None
            if deployment_hooks_run_apply_guardrail(self):
                return await self._sdk_apply_guardrail_request(kwargs, call_type)
            if follows_guardrail_rules(self):
                return await self._deployment_named_request(kwargs, call_type)
            return None
        with refusals.logged_elsewhere():  # a refusal here fails LiteLLM's call, which LiteLLM logs
            result: dict[str, Any] | None = await super().async_pre_call_deployment_hook(kwargs, call_type)
        return result

    async def _deployment_named_request(self, kwargs: dict[str, Any], call_type: Any) -> dict[str, Any] | None:
        """A guardrail that only the Router deployment names (in its ``litellm_params``): the engine, which
        intercepted the Router call, did not run its request hook; run it now, by the same rules, once."""
        ours = self._deployment_call_type(call_type, request=True)
        if ours is None or not guardrail_allows(self, kwargs, GuardrailEventHooks.pre_call):
            return None
        user_api_key_dict, cache = sdk_hook_context()
        result = await self.async_pre_call_hook(
            user_api_key_dict=user_api_key_dict, cache=cache, data=kwargs, call_type=ours
        )
        if isinstance(result, str):  # the proxy's convention: a string refuses the request
            raise InterceptorRejectedError(self.interceptor_name, result, model=str(kwargs.get("model", "")))
        if isinstance(result, Exception):
            raise result
        return result if isinstance(result, dict) else kwargs

    def _deployment_call_type(self, call_type: Any, *, request: bool) -> CallType | None:
        """This call's type, if a deployment hook must run this guardrail's request (or reply) hook: the engine
        intercepted the call without running it, the class has that hook, and it handles the call type."""
        from litellm_plugin.core.phases import phases  # it imports this module

        ran = engine_phases.get()
        if ran is None or id(self) in ran[0 if request else 1]:
            return None
        takes_part = phases(self)
        if not (takes_part.request if request else takes_part.response):
            return None
        ours = normalize_call_type(call_type)
        return ours if ours is not None and ours in handled_call_types(self) else None

    async def _sdk_apply_guardrail_request(self, kwargs: dict[str, Any], call_type: Any) -> dict[str, Any] | None:
        """A re-based guardrail written with ``apply_guardrail``: the engine does not run that hook, LiteLLM's
        deployment hook does (as for its own class), shown the call without the proxy's admin switches."""
        view = without_admin_metadata(kwargs)
        result: dict[str, Any] | None = await super().async_pre_call_deployment_hook(view, call_type)
        if view is kwargs or not isinstance(result, dict):
            return result
        if "messages" in result:  # the one field LiteLLM's hook changes (masking)
            kwargs["messages"] = result["messages"]
        return kwargs

    async def async_post_call_success_deployment_hook(
        self, request_data: dict[str, Any], response: Any, call_type: Any
    ) -> Any:
        """The response-side twin of ``async_pre_call_deployment_hook``."""
        if not (
            isinstance(request_data, dict) and "proxy_server_request" in request_data and is_proxy_request(request_data)
        ):
            refusals.hold_success_log(request_data)  # LiteLLM logs the success next: held if reply hooks are to run
            if not (isinstance(self, CustomGuardrail) and isinstance(request_data, dict)):  # C calls only
                return None
            if deployment_hooks_run_apply_guardrail(self):
                view = without_admin_metadata(request_data)
                return await super().async_post_call_success_deployment_hook(view, response, call_type)
            if follows_guardrail_rules(self):
                ours = self._deployment_call_type(call_type, request=False)
                if ours is not None and guardrail_allows(self, request_data, GuardrailEventHooks.post_call):
                    user_api_key_dict, _ = sdk_hook_context()
                    return await self.async_post_call_success_hook(
                        data=request_data, user_api_key_dict=user_api_key_dict, response=response
                    )
            return None
        return await super().async_post_call_success_deployment_hook(request_data, response, call_type)

    setattr(async_post_call_success_deployment_hook, HOLDS_SUCCESS_LOGS, True)

    # -- observing hooks: never break a call -----------------------------------------------------------

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        """LiteLLM's sync SDK paths only call this sync hook: run the async observer from it."""
        self._bridge("log_success_event", False, kwargs, response_obj, start_time, end_time)

    def log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        """Like ``log_success_event``. The proxy calls the async observer itself, and for a request it refuses
        (bad key, unknown model) it calls this one too: bridging it there would observe that request twice."""
        self._bridge("log_failure_event", False, kwargs, response_obj, start_time, end_time)

    def _bridge(
        self, name: str, from_subclass: bool, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        """What the sync hook ``name`` of this class does here, as LiteLLM would run the hooks the author wrote
        (``from_subclass``: reached through ``super()`` from an author's own sync hook, as the guard tells):

        * a sync hook written in a class after BaseCustomLogger (``class Mine(BaseCustomLogger, Existing)``)
          runs, and nothing else (this bridge would hide it);
        * otherwise the async hook runs, except when the author's sync hook that called ``super()`` sits in a
          class that writes the async hook too (or below one that does): LiteLLM runs only the sync hook on a
          sync call, and its ``CustomLogger`` hook there does nothing. A subclass adding a sync hook to an
          async-only parent (RequestLogger) still gets the parent's behaviour, the bridge.
        """
        cls = type(self)
        args = (kwargs, response_obj, start_time, end_time)
        later = _sync_hook_after_base(cls, name)
        if later is not None:
            later(self, *args)
            return
        async_name = "async_" + name
        if not overrides(cls, async_name) or is_proxy_call(kwargs):
            return
        if from_subclass and not _async_hook_below_sync_hooks(cls, name, async_name):
            return
        run_sync(getattr(self, async_name)(*args))

    setattr(log_success_event, SYNC_BRIDGE, True)
    setattr(log_failure_event, SYNC_BRIDGE, True)

    # -- failure policy ------------------------------------------------------------------------------

    def _on_hook_error(self, hook: str, exc: Exception) -> None:
        """Re-raise (fail closed) or log and return (fail open)."""
        if isinstance(exc, (InterceptorError, InterceptionNotSupportedError)) or is_deliberate_rejection(exc):
            raise exc
        fail_open = self.fail_open
        if fail_open is True:
            logger.warning(
                "interceptor %r failed in %s and is fail_open: the call continues without its change",
                self.interceptor_name,
                hook,
                exc_info=exc,
            )
            return
        if fail_open is not False:  # set on the instance past the checks ("false" is truthy): closed, and said
            logger.warning(
                "interceptor %r has fail_open=%r, which is neither True nor False: it fails closed",
                self.interceptor_name,
                fail_open,
            )
        raise InterceptorError(self.interceptor_name, hook, exc) from exc


_sync_hooks_after_base: dict[tuple[type, str], Any] = {}


def _sync_hook_after_base(cls: type, name: str) -> Any:
    """A sync observer hook an author wrote in a class after BaseCustomLogger in ``cls``'s MRO (``class
    Mine(BaseCustomLogger, ExistingLogger)``), which the bridge would otherwise hide: run instead of bridging, as
    LiteLLM runs it (None if there is none; read once per class)."""
    key = (cls, name)
    if key not in _sync_hooks_after_base:
        _sync_hooks_after_base[key] = authored(cls, name, after=BaseCustomLogger)
    return _sync_hooks_after_base[key]


_async_below: dict[tuple[type, str], bool] = {}


def _owner(mro: tuple[type, ...], name: str, start: int) -> int:
    """Index in ``mro`` of the class that wrote the ``name`` found at ``mro[start]`` (the guard sets its wrapper
    of a mixin's hook on the class it guards: the original function names the writer)."""
    original = getattr(vars(mro[start])[name], "__wrapped__", vars(mro[start])[name])
    return next((i for i in range(start, len(mro)) if vars(mro[i]).get(name) is original), start)


def _async_hook_below_sync_hooks(cls: type, name: str, async_name: str) -> bool:
    """Whether the async hook ``cls`` runs was written in a class after every class writing the sync hook
    ``name`` (an async-only parent under a subclass that adds a sync hook); read once per class."""
    key = (cls, name)
    if key not in _async_below:
        mro = cls.__mro__
        before_base = mro[: mro.index(BaseCustomLogger)]
        sync_owners = [_owner(mro, name, i) for i, klass in enumerate(before_base) if name in vars(klass)]
        at = next((i for i, klass in enumerate(mro) if async_name in vars(klass)), None)
        _async_below[key] = at is not None and _owner(mro, async_name, at) > max(sync_owners, default=-1)
    return _async_below[key]


guard_class(BaseCustomLogger)


def _install_engine() -> None:
    from litellm_plugin.core import interception  # the engine imports this module

    interception.install()
