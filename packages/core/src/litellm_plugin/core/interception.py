"""The interception engine: BaseCustomLogger hooks, applied exactly once on every LiteLLM path.

LiteLLM runs the modifying hooks (``async_pre_call_hook``, ``async_post_call_success_hook``, the stream
hooks) only inside its proxy. This module is the one place that knows that. Like an OpenTelemetry
instrumentor, it wraps LiteLLM's public entry points (chat and text completion, the Responses API, the
Anthropic Messages API under each name LiteLLM exports it, embeddings, images; the same ``Router`` methods,
including those a Router builds per instance) with ``functools.wraps`` wrappers that keep the original, and
can be installed and uninstalled any number of times. Defining or constructing a BaseCustomLogger installs
it; installing also re-points the names modules imported earlier (``from litellm import completion``).
Where text lives in each format is :mod:`litellm_plugin.core.payloads`' business, not this module's.

Exactly once, per call the user made — a context variable tracks where we are:

* outside any call: the wrapper applies the interceptors;
* inside a Router call: the Router's deployment call (``litellm.acompletion``) *is* the user's call, already
  intercepted at the Router, so it is not intercepted again — but it is observed;
* inside a LiteLLM call (a provider or a hook calling LiteLLM again, also while a stream is read): not
  intercepted, and tagged so that observers skip it too;
* inside a Responses or Anthropic Messages call that LiteLLM serves by calling ``completion`` itself: that
  one inner call is treated like a Router's deployment call (LiteLLM logs it in place of the outer one);
* a proxy request (it carries ``proxy_server_request``, in the proxy's process: see
  ``guards.is_proxy_request``): LiteLLM's proxy runs the same hooks itself, and BaseCustomLogger makes sure it
  sees them, so the wrappers stand aside.

LiteLLM's deployment hooks are not bridged, so nothing runs a second time through them.

Order: interceptors run in the order of ``litellm.callbacks`` (then per-call ``callbacks=[...]``), for
requests, responses and streams alike, as in the proxy.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import importlib
import inspect
import logging
import sys
import threading
import types
import warnings
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import litellm
from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.types.guardrails import GuardrailEventHooks

from litellm_plugin.core import observers, proxy_token_counts, refusals
from litellm_plugin.core._scoped_pulls import scope_pulls
from litellm_plugin.core._sync import call_off_running_loop, run_sync
from litellm_plugin.core.call_types import ALL_CALL_TYPES, CallType
from litellm_plugin.core.contracts import InterceptorDefinitionWarning
from litellm_plugin.core.errors import InterceptorRejectedError, UnreadablePayloadError
from litellm_plugin.core.guardrail_rules import (
    engine_phases,
    follows_guardrail_rules,
    guardrail_allows,
    with_deployment_guardrails,
)
from litellm_plugin.core.guards import (
    guarded_hook,
    handled_call_types,
    has_own_hook,
    in_proxy_process,
    is_proxy_request,
    proxy_ran_request_hook,
    sdk_hook_context,
)
from litellm_plugin.core.hook_results import check_reply_result, check_request_result
from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.phases import phases
from litellm_plugin.core.provider_map import watch_provider_map
from litellm_plugin.core.response_cache import keep_changed_reply_out_of_cache, unshared_reply
from litellm_plugin.core.streams import InterceptedStream

__all__ = ["install", "is_installed", "uninstall"]

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
# Entry points that live elsewhere: the Anthropic Messages API, under each name LiteLLM exports it.
_MODULE_ENTRY_POINTS: tuple[tuple[str, str, CallType], ...] = (
    ("litellm", "anthropic_messages", "anthropic_messages"),
    ("litellm.messages", "anthropic_messages", "anthropic_messages"),
    ("litellm.messages", "anthropic_messages_handler", "anthropic_messages"),
    ("litellm.anthropic_interface.messages", "acreate", "anthropic_messages"),
    ("litellm.anthropic_interface.messages", "create", "anthropic_messages"),
)
_ROUTER_ONLY_ENTRY_POINTS: tuple[tuple[str, CallType], ...] = (
    ("anthropic_messages", "anthropic_messages"),
    ("aanthropic_messages", "anthropic_messages"),
)
# Entry points that send text this library cannot read to a model or provider, or hand back text a provider
# stored or wrote (a stored response, a thread's messages, a batch's output file); they have no call type of
# ours. Wrapped so that an interceptor claiming every call type meets them and fails closed, as on the proxy's
# other routes, instead of being skipped; those that claim less are not applied. Each is wrapped where LiteLLM
# exports it, if it does. RAG's ``query`` is one: it sends the question to a vector store search first, and
# the text it found to the model, before any ``acompletion`` of its own (and the proxy's ``/v1/rag/query`` runs
# no hooks at all). ``adapter_completion`` takes a request in an adapter's own format (``litellm.adapters``).
_UNREAD_API_CALLS: tuple[tuple[str, ...], ...] = (
    ("rerank", "moderation", "speech", "transcription", "image_edit", "image_variation", "search", "ocr"),
    ("video_generation", "video_edit", "video_remix", "video_extension", "video_content", "video_status"),
    ("video_list", "video_create_character", "video_get_character"),
    ("compact_responses", "get_responses", "cancel_responses", "delete_responses", "list_input_items"),
    ("create_assistants", "get_assistants", "delete_assistant", "create_thread", "get_thread"),
    ("add_message", "get_messages", "run_thread", "run_thread_stream"),
    ("create_batch", "retrieve_batch", "list_batches", "cancel_batch"),
    ("create_file", "file_content", "file_content_streaming", "file_retrieve", "file_list", "file_delete"),
    ("create_fine_tuning_job", "retrieve_fine_tuning_job", "list_fine_tuning_jobs", "cancel_fine_tuning_job"),
    ("create_eval", "get_eval", "list_evals", "cancel_eval", "delete_eval"),
    ("create_run", "get_run", "list_runs", "cancel_run", "delete_run"),
    ("create_container", "retrieve_container", "list_containers", "delete_container"),
    ("upload_container_file", "list_container_files"),
    ("create_skill", "get_skill", "list_skills", "delete_skill"),
    ("create_sandbox", "delete_sandbox", "run_code", "code_interpreter_tool"),
    ("ingest", "query", "adapter_completion"),
    ("vector_store_file_create", "vector_store_file_content", "vector_store_file_retrieve"),
    ("vector_store_file_list", "vector_store_file_update", "vector_store_file_delete"),
    ("create_realtime_client_secret", "create_realtime_transcription_session", "realtime_calls"),
    ("create_agent", "get_agent", "list_agents", "list_agent_versions", "delete_agent"),
    ("decisions", "systemone", "llm_passthrough_route"),
)
# Unread calls the proxy makes only for a client's request, and without marking it as one: its pass-through
# routes that name a model of the config (``/vllm/...``, ``/azure/...``) run no hooks and call the Router's
# pass-through directly. Never taken for the proxy's own background calls.
_CLIENT_CALLS_ONLY = frozenset({"llm_passthrough_route", "allm_passthrough_route"})
# LiteLLM's async twin of ``name`` is ``a<name>``, but for one.
_ASYNC_TWIN = {"add_message": "a_add_message"}
# (module, function, the call type LiteLLM logs it as)
_UNREAD_ENTRY_POINTS: tuple[tuple[str, str, str], ...] = (
    tuple(
        ("litellm", name, name)
        for group in _UNREAD_API_CALLS
        for call in group
        for name in (call, _ASYNC_TWIN.get(call, "a" + call))
    )
    + tuple(
        (module, name, name)
        for module in ("litellm.google_genai", "litellm")  # ``litellm`` exports some of them under the same name
        for name in ("generate_content", "agenerate_content", "generate_content_stream", "agenerate_content_stream")
    )
    + (("litellm.interactions", "create", "create"), ("litellm.interactions", "acreate", "acreate"))
    # Where the SDK exports it, and where a Router imports it from.
    + tuple(
        (module, name, call_type)
        for module in ("litellm.vector_stores", "litellm.vector_stores.main")
        for name, call_type in (("search", "vector_store_search"), ("asearch", "avector_store_search"))
    )
)
# LiteLLM's retry helpers call ``litellm.main.completion`` itself, past the engine. Given the wrapped
# ``litellm.completion`` to retry instead (unless the caller names a function), each attempt is a call the
# interceptors see: changed once, as a loop of the caller's own would be.
_RETRY_HELPERS = ("completion_with_retries", "acompletion_with_retries")
# Router methods each Router makes per instance with ``factory_function(..., call_type=...)`` (LiteLLM releases
# that have no such class methods).
_ROUTER_FACTORY_CALL_TYPES: dict[object, CallType] = {
    "responses": "responses",
    "aresponses": "responses",
    "anthropic_messages": "anthropic_messages",
}
# Calls LiteLLM may serve by calling ``completion`` itself (custom providers, providers without the API): that
# inner call is the one LiteLLM logs, so it is treated like a Router's deployment call: observed, not re-applied.
_BRIDGED: frozenset[CallType] = frozenset({"responses", "anthropic_messages"})
# Request fields that hold text: copied before interceptors change them, so the caller's objects stay as given.
_TEXT_FIELDS = frozenset(
    {
        "messages",
        "input",
        "prompt",
        "system",
        "tools",
        "functions",
        "instructions",
        "suffix",
        "prediction",
        "response_format",
        "text",
        "text_format",
        "extra_body",
        "output_format",
        "output_config",
    }
)

_WRAPPED_MARK = "__litellm_plugin_original__"


class _RouterCall:
    """Scope of one user call to a Router: its deployment call is the user's call; what runs inside that
    call (provider code, also while a stream is read) is nested. A failed deployment call ends, so the
    Router's retry or fallback is a deployment call again."""

    __slots__ = ("deployment_live", "named")

    def __init__(self, named: list[BaseCustomLogger] | None = None) -> None:
        self.deployment_live = False
        self.named = named  # the interceptors the user's call names in ``callbacks=[...]`` (and not globally)


_IN_CALL = object()  # inside a LiteLLM call the user made
_scope: ContextVar[object | None] = ContextVar("litellm_plugin_scope", default=None)
_install_lock = threading.Lock()
_originals: dict[tuple[object, str], Any] = {}
_installed = False
# Module-level names that held an original when the engine was installed (``from litellm import completion``
# run first): (module, name, original, wrapper), so that ``uninstall`` can put each back.
_rebound: list[tuple[weakref.ReferenceType[types.ModuleType], str, Any, Any]] = []


# --- install / uninstall ---------------------------------------------------------------------------------


def _targets() -> Iterable[tuple[object, str, str]]:
    """(owner, name, call type): a ``CallType``, or the name itself for an entry point we cannot read."""
    for owner in (litellm, litellm.Router):
        for name, call_type in _ENTRY_POINTS:
            if callable(getattr(owner, name, None)):
                yield owner, name, call_type
    for name, call_type in _ROUTER_ONLY_ENTRY_POINTS:  # class methods in newer releases
        if callable(getattr(litellm.Router, name, None)):
            yield litellm.Router, name, call_type
    for module_name, name, call_type in _MODULE_ENTRY_POINTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # an older LiteLLM without this API
            continue
        if callable(getattr(module, name, None)):
            yield module, name, call_type
    for module_name, name, unread_call_type in _UNREAD_ENTRY_POINTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if callable(getattr(module, name, None)):
            yield module, name, unread_call_type


def _wrap_router_factory(original: Callable[..., Any]) -> Callable[..., Any]:
    """A Router builds some entry points per instance with ``factory_function``: wrap what it returns.

    (Not ``Router.__init__``: LiteLLM reads that one's parameters with ``inspect.getfullargspec``, which a
    wrapper would hide, and router settings would be dropped.)"""

    @functools.wraps(original)
    def factory(self: Any, original_function: Any, *args: Any, **kwargs: Any) -> Any:
        made = original(self, original_function, *args, **kwargs)
        call_type = _ROUTER_FACTORY_CALL_TYPES.get(kwargs.get("call_type", args[0] if args else None))
        if call_type is None or not callable(made):
            return made
        return _wrap(made, call_type, is_router=True, bound=True, router=weakref.ref(self))

    setattr(factory, _WRAPPED_MARK, original)
    return factory


def install() -> None:
    """Wrap LiteLLM's entry points (idempotent), and the names modules imported them under before."""
    global _installed
    with _install_lock:
        wrapped: dict[int, tuple[Any, Any]] = {}  # id(original) -> (original, wrapper), wrapped just now
        for owner, name, call_type in _targets():
            current = getattr(owner, name)
            if getattr(current, _WRAPPED_MARK, None) is not None:
                continue
            _originals[(owner, name)] = current
            wrapper = _wrap(current, call_type, is_router=owner is litellm.Router)
            setattr(owner, name, wrapper)
            wrapped.setdefault(id(current), (current, wrapper))
        for name in _RETRY_HELPERS:
            current = getattr(litellm, name, None)
            if callable(current) and getattr(current, _WRAPPED_MARK, None) is None:
                _originals[(litellm, name)] = current
                helper = _retrying_wrapped_completion(current)
                setattr(litellm, name, helper)
                wrapped.setdefault(id(current), (current, helper))
        counter = proxy_token_counts.counter_target()  # in the proxy's process only
        if counter is not None and getattr(getattr(*counter), _WRAPPED_MARK, None) is None:
            owner, name = counter
            _originals[counter] = original = getattr(owner, name)
            setattr(owner, name, proxy_token_counts.wrap_counter(original, _run_request_hooks))
            setattr(getattr(owner, name), _WRAPPED_MARK, original)
        factory = getattr(litellm.Router, "factory_function", None)
        if callable(factory) and getattr(factory, _WRAPPED_MARK, None) is None:
            _originals[(litellm.Router, "factory_function")] = factory
            litellm.Router.factory_function = _wrap_router_factory(factory)  # type: ignore[method-assign]
        if wrapped:
            _rebind_early_imports(wrapped)
            _rebuild_early_routers()
        refusals.hold_sync_success_logs()
        watch_provider_map()  # a proxy config may name no provider of ours, and still a wrong handler
        _installed = True


def _retrying_wrapped_completion(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` (a retry helper) given the wrapped ``litellm.completion`` to retry, as read at each call."""
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def async_helper(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("original_function", litellm.completion)
            return await original(*args, **kwargs)

        helper: Callable[..., Any] = async_helper
    else:

        @functools.wraps(original)
        def sync_helper(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("original_function", litellm.completion)
            previous = _scope.get()
            if previous is not _IN_CALL:  # the caller's own retries: each attempt is a call of theirs
                return original(*args, **kwargs)
            # LiteLLM retrying the call it is in (``num_retries=``): each attempt is that call, as a Router's
            # deployment call is (observed, its log held for the reply hooks, not changed a second time).
            _scope.set(_RouterCall())
            try:
                return original(*args, **kwargs)
            finally:
                _scope.set(previous)

        helper = sync_helper
    setattr(helper, _WRAPPED_MARK, original)
    return helper


def _rebuild_early_routers() -> None:
    """Routers built before the engine was installed made their per-instance methods (Responses, Anthropic
    Messages, Assistants, image edits...) from LiteLLM's unwrapped functions: have LiteLLM's own initializers
    make them again, now from the wrapped ones. One pass over the objects the garbage collector tracks
    (~30 ms), on the installation only."""
    classes = _router_classes()
    for router in gc.get_referrers(*classes):
        if type(router) not in classes or _built_after_install(router):
            continue
        for initializer in _ROUTER_INITIALIZERS:
            method = getattr(router, initializer, None)
            if not callable(method):
                continue
            try:
                method()
            except Exception:  # a Router subclass of the user's: leave it as it is, but say so
                _logger.warning(
                    "could not rebuild %s.%s() of a Router made before litellm-plugin",
                    type(router).__name__,
                    initializer,
                    exc_info=True,
                )


_ROUTER_INITIALIZERS = ("initialize_assistants_endpoint", "initialize_router_endpoints")
_logger = logging.getLogger(__name__)


def _router_classes() -> set[type]:
    classes: set[type] = set()
    pending: list[type] = [litellm.Router]
    while pending:
        cls = pending.pop()
        if cls not in classes:
            classes.add(cls)
            pending.extend(cls.__subclasses__())
    return classes


def _built_after_install(router: object) -> bool:
    """Its per-instance methods went through the wrapped ``factory_function`` already."""
    own = getattr(router, "__dict__", {})
    return any(getattr(own.get(name), _WRAPPED_MARK, None) is not None for name in ("responses", "aresponses"))


def _module_dict(module: object) -> dict[str, Any] | None:
    """A module's namespace, read without ``getattr`` (which would load a lazily imported module)."""
    if not isinstance(module, types.ModuleType):
        return None
    try:
        namespace = object.__getattribute__(module, "__dict__")
    except Exception:  # an extension type posing as a module
        return None
    return namespace if isinstance(namespace, dict) else None


def _rebind_early_imports(wrapped: dict[int, tuple[Any, Any]]) -> None:
    """Point module-level names bound to an entry point before the engine was installed at its wrapper.

    ``from litellm import completion`` at the top of a module that is imported before any interceptor class
    exists (import sorting puts ``litellm`` before ``litellm_plugin``) would otherwise call LiteLLM unwrapped:
    every interceptor silently skipped. LiteLLM's own modules keep the originals: they call one another inside
    a call the engine already sees. One pass over ``sys.modules`` (~10 ms), on the installation only."""
    for module in list(sys.modules.values()):
        namespace = _module_dict(module)
        if namespace is None or not isinstance(module, types.ModuleType):
            continue
        module_name = namespace.get("__name__")
        if not isinstance(module_name, str) or module_name == "litellm" or module_name.startswith("litellm."):
            continue
        for name, value in list(namespace.items()):
            found = wrapped.get(id(value))
            if found is not None and found[0] is value:
                namespace[name] = found[1]
                _rebound.append((weakref.ref(module), name, value, found[1]))


def uninstall() -> None:
    """Put LiteLLM's original entry points back (idempotent). Interceptors then run in the proxy only."""
    global _installed
    with _install_lock:
        for (owner, name), original in _originals.items():
            setattr(owner, name, original)
        _originals.clear()
        for module_ref, name, original, wrapper in _rebound:
            namespace = _module_dict(module_ref())
            if namespace is not None and namespace.get(name) is wrapper:
                namespace[name] = original
        _rebound.clear()
        refusals.stop_holding_sync_success_logs()
        _installed = False


def is_installed() -> bool:
    """True when every LiteLLM entry point the engine knows is wrapped by it."""
    targets = list(_targets())
    return bool(targets) and all(
        getattr(getattr(owner, name), _WRAPPED_MARK, None) is not None for owner, name, _ in targets
    )


# --- which interceptors apply --------------------------------------------------------------------------


def _active_interceptors(kwargs: dict[str, Any]) -> list[BaseCustomLogger]:
    """The interceptors of ``litellm.callbacks``, then of the call's ``callbacks=``, each once."""
    extra = kwargs.get("callbacks")
    callbacks = litellm.callbacks
    active = [c for c in callbacks if isinstance(c, BaseCustomLogger)]
    if len(active) < len(callbacks):  # something else is listed too: a class put there by mistake?
        _warn_about_classes(callbacks, "litellm.callbacks")
    if extra:
        own = [c for c in extra if isinstance(c, BaseCustomLogger)]
        if len(own) < len(extra):
            _warn_about_classes(extra, "callbacks=[...] of this call")
        active.extend(own)
    if len(active) > 1 and len(set(map(id, active))) < len(active):  # the test runs in C: no Python call
        active = list({id(c): c for c in active}.values())  # in order of first appearance
    return active


_warned_classes: set[type] = set()


def _warn_about_classes(callbacks: Iterable[Any], where: str) -> None:
    """An interceptor class in ``litellm.callbacks`` or a call's ``callbacks=[...]`` (``[MyFilter]`` for
    ``[MyFilter()]``) is never called: said once per class, rather than leaving a filter silently off (the proxy
    refuses such a config at startup)."""
    for entry in callbacks:
        if isinstance(entry, type) and issubclass(entry, BaseCustomLogger) and entry not in _warned_classes:
            _warned_classes.add(entry)
            warnings.warn(
                f"{where} holds the class {entry.__name__}, not an instance: its hooks never run; "
                f"put an instance there: {entry.__name__}()",
                InterceptorDefinitionWarning,
                stacklevel=2,
            )


_Split = tuple[list[BaseCustomLogger], list[BaseCustomLogger], list[BaseCustomLogger], bool]


def _by_phase(interceptors: list[BaseCustomLogger], kwargs: dict[str, Any]) -> _Split:
    """Those that change requests, responses, streams (see :mod:`~litellm_plugin.core.phases`); a re-based
    guardrail only in the phases its mode and ``default_on`` allow on this call (see ``guardrail_rules``).
    Last, whether any interceptor follows those rules (then LiteLLM's deployment hooks need the record)."""
    requests: list[BaseCustomLogger] = []
    responses: list[BaseCustomLogger] = []
    streams: list[BaseCustomLogger] = []
    ruled = False
    for interceptor in interceptors:
        request, response, stream = phases(interceptor)
        # ``isinstance`` first: a C call, and most interceptors are no guardrails.
        if isinstance(interceptor, CustomGuardrail) and follows_guardrail_rules(interceptor):
            ruled = True
            request = request and guardrail_allows(interceptor, kwargs, GuardrailEventHooks.pre_call)
            if response or stream:
                replies = guardrail_allows(interceptor, kwargs, GuardrailEventHooks.post_call)
                response, stream = response and replies, stream and replies
        if request:
            requests.append(interceptor)
        if response:
            responses.append(interceptor)
        if stream:
            streams.append(interceptor)
    return requests, responses, streams, ruled


def _is_shadow_call(kwargs: dict[str, Any]) -> bool:
    """A Router's copy of the user's call to a deployment's ``silent_model`` (shadow traffic): part of that call,
    which the interceptors already changed. The sync Router starts it on a thread of its own, outside the call's
    scope."""
    metadata = kwargs.get("metadata")
    return type(metadata) is dict and metadata.get("is_silent_experiment") is True


def _claiming_every_call(
    active: list[BaseCustomLogger], call_type: str, data: dict[str, Any]
) -> list[BaseCustomLogger]:
    """On a call whose text this library cannot read: the interceptors that claim every call type, whose
    hooks meet it as an unknown call (and a filter fails closed). One that would
    rewrite the reply's text with its transforms is refused before the call: that reply cannot be read either,
    and a call made only to be thrown away still costs (or, if ``fail_open``, it is left out, logged once)."""
    claiming: list[BaseCustomLogger] = []
    for interceptor in active:
        if not handled_call_types(interceptor) >= ALL_CALL_TYPES:
            continue
        try:
            rewrites = _rewrites_reply_text(interceptor, data)
        except Exception as exc:  # its ``response_transform`` crashed: its failure, under its policy
            interceptor._on_hook_error("async_post_call_success_hook", exc)
            continue
        if rewrites:
            interceptor._on_hook_error("async_post_call_success_hook", UnreadablePayloadError.for_reply_of(call_type))
            continue
        claiming.append(interceptor)
    return claiming


def _rewrites_reply_text(interceptor: BaseCustomLogger, data: dict[str, Any]) -> bool:
    """The reply hook is BaseCustomLogger's own (a hook of the author's might read any reply), and this call
    gets text transforms."""
    takes_part = phases(interceptor)
    if not (takes_part.response or takes_part.stream):
        return False
    if has_own_hook(interceptor, "async_post_call_success_hook", BaseCustomLogger):
        return False
    return interceptor.transform_for(data) is not None


_Release = Callable[[], None] | None


def _named_per_call(kwargs: dict[str, Any], active: list[BaseCustomLogger]) -> list[BaseCustomLogger]:
    """The interceptors of ``active`` that only the call's ``callbacks=[...]`` names, not ``litellm.callbacks``."""
    extra = kwargs.get("callbacks")
    if not extra:
        return []
    listed = litellm.callbacks
    return [i for i in active if any(i is c for c in extra) and not any(i is c for c in listed)]


def _holding(held: refusals.HeldSuccessLogs | None, call: Awaitable[Any]) -> Awaitable[Any]:
    """LiteLLM's ``call``, holding back its success log (see ``refusals.HeldSuccessLogs``) if ``held``."""
    return call if held is None else _awaited_holding(held, call)


async def _awaited_holding(held: refusals.HeldSuccessLogs | None, call: Awaitable[Any]) -> Any:
    holding = refusals.HOLDING_SUCCESS_LOGS
    previous = holding.get()
    holding.set(held)
    try:
        return await call
    finally:
        holding.set(previous)  # not reset(): LiteLLM may run the rest of a call in another context


def _unheld(call: Awaitable[Any]) -> Awaitable[Any]:
    """A call nested in one whose success logs are held (a provider's own LiteLLM call): its log is its own,
    whatever the reply hooks decide about the reply of the call it is in."""
    return call if refusals.HOLDING_SUCCESS_LOGS.get() is None else _awaited_holding(None, call)


def _called_holding(held: refusals.HeldSuccessLogs | None, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """LiteLLM's sync ``call``, its success logs held by ``held`` (None: by no one; see ``_unheld``)."""
    holding = refusals.HOLDING_SUCCESS_LOGS
    previous = holding.get()
    if previous is held:
        return call(*args, **kwargs)
    holding.set(held)
    try:
        return call(*args, **kwargs)
    finally:
        holding.set(previous)


def _release_after(result: Any, release: Callable[[], None]) -> None:
    """Call ``release`` now, or once a stream the call returned is gone (it is logged when it has been read)."""
    if result is not None and _is_stream_type(type(result)):
        try:
            weakref.finalize(result, release)
            return
        except TypeError:  # a type without weak references: the call's end is the best we know
            pass
    release()


def _mark_nested(kwargs: dict[str, Any]) -> None:
    """Record a LiteLLM call made from inside an intercepted one, so observers skip it (user data untouched)."""
    if any(isinstance(c, BaseCustomLogger) for c in litellm.callbacks):
        observers.mark_nested(kwargs)


# --- applying hooks ------------------------------------------------------------------------------------


async def _apply_request(
    interceptors: list[BaseCustomLogger], data: dict[str, Any], call_type: str, latest: list[Any] | None = None
) -> dict[str, Any]:
    """Each request hook in turn. ``latest`` (one item) holds the request as the hooks have changed it so far:
    what a refused call is reported with, so that what an earlier hook masked stays masked in the logs."""
    user_api_key_dict, cache = sdk_hook_context()
    for interceptor in interceptors:
        result = await guarded_hook(interceptor, "async_pre_call_hook")(
            user_api_key_dict=user_api_key_dict, cache=cache, data=data, call_type=call_type
        )
        if isinstance(result, dict):
            data = result
            if latest is not None:
                latest[0] = data
        elif isinstance(result, str):  # the proxy's convention: a string refuses the request
            raise InterceptorRejectedError(interceptor.interceptor_name, result, model=str(data.get("model", "")))
        elif isinstance(result, Exception):
            raise result
        elif result is not None:
            check_request_result(interceptor.interceptor_name, result)
    return data


async def _apply_response(interceptors: list[BaseCustomLogger], data: dict[str, Any], response: Any) -> Any:
    """Each interceptor's response hook in turn, each walking the reply itself: a failure (or a reply its
    change made unreadable) stays that interceptor's, under its own policy."""
    user_api_key_dict, _ = sdk_hook_context()
    for interceptor in interceptors:
        replaced = await guarded_hook(interceptor, "async_post_call_success_hook")(
            data=data, user_api_key_dict=user_api_key_dict, response=response
        )
        if replaced is not None:
            if type(replaced) is not type(response):  # the usual case (the same or a new reply) in C
                check_reply_result(interceptor.interceptor_name, replaced, response)
            response = replaced
    return response


async def _run_request_hooks(data: dict[str, Any], call_type: str) -> dict[str, Any]:
    """The request hooks an SDK call of ``call_type`` runs, for a path that is no entry point (the proxy's token
    counting). A call type we cannot read is met by the interceptors claiming every call type (fail closed)."""
    readable = call_type in ALL_CALL_TYPES
    active = [
        i
        for i in _active_interceptors(data)
        if (call_type in handled_call_types(i) if readable else handled_call_types(i) >= ALL_CALL_TYPES)
    ]
    requests = _by_phase(active, data)[0]
    if not requests:
        return data
    with refusals.logged_elsewhere():  # counting tokens is no call an observer would log
        return await _apply_request(requests, data, call_type)


def _unrouted(exc: Exception, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Exception | None:
    """LiteLLM's "LLM Provider NOT provided" for a provider of ours that is not routable: see ``unrouted_error``."""
    from litellm_plugin.core.registry import is_unknown_provider_error, unrouted_error  # off the hot path

    if not is_unknown_provider_error(exc):
        return None
    model = kwargs.get("model", args[0] if args else None)
    provider = kwargs.get("custom_llm_provider")  # ``model="m", custom_llm_provider="shout"`` is ``shout/m``
    return unrouted_error(exc, [model, f"{provider}/{model}" if isinstance(provider, str) else None])


def _is_stream_type(cls: type) -> bool:
    """Whether instances of ``cls`` iterate (as ``async for`` and ``next`` see it: on the type), read once per
    type: on LiteLLM's pydantic replies each ``hasattr`` miss raises and catches an exception."""
    known = _stream_types.get(cls)
    if known is None:
        if len(_stream_types) > 512:  # types made per call must not pile up
            _stream_types.clear()
        known = _stream_types[cls] = hasattr(cls, "__aiter__") or hasattr(cls, "__next__")
    return known


_stream_types: dict[type, bool] = {}


def _finish(result: Any, interceptors: list[BaseCustomLogger], data: dict[str, Any], router_call: object) -> Any:
    """Wrap a stream (also with no ``interceptors``: it keeps the call's scope), or return None for a
    non-stream result (whose hooks the caller awaits).

    Provider code that runs while a chunk is pulled is inside the call: a LiteLLM call it makes is nested. A
    Router's stream (``router_call``: the user's call to a Router) is read in the Router call's scope instead:
    a retry or fallback the Router starts from inside it (mid-stream, or an Anthropic Messages or Responses
    stream that failed) is the user's call again, observed once; its deployment's own pulls are still nested
    (see ``_scoped_pulls``).
    """
    # A stream by its type, not by the call's arguments: a Router deployment may set ``stream`` itself.
    if _is_stream_type(type(result)):
        return InterceptedStream(
            result,
            interceptors,
            data,
            user_api_key_dict=sdk_hook_context()[0],
            scope=_scope,
            scope_value=_IN_CALL,
            pull_scope=router_call,
        )
    return None


def _deployment_returned(router_call: _RouterCall | None, result: Any) -> Any:
    """A Router deployment call that returned in full is over. One that returned a stream is over too when the
    stream's own pulls run inside the call (see ``_scoped_pulls``): the Router reads the first chunk itself and
    retries or falls back when it fails, and that next attempt is the user's call again, not a nested one.
    Any other stream keeps the deployment call live while it is read."""
    if router_call is not None and (not _is_stream_type(type(result)) or scope_pulls(result, _scope, _IN_CALL)):
        router_call.deployment_live = False
    return result


# --- the wrappers ----------------------------------------------------------------------------------------


def _copy_text(value: Any, depth: int = 0) -> Any:
    """A copy of a request text field: its dicts anew, its lists and tuples as new lists (which a filter can
    change in place), strings and numbers shared, anything else deep-copied. Much cheaper than
    ``copy.deepcopy`` on JSON-like data."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if depth > 32:
        return _copy_deep(value)
    if type(value) is dict:
        return {key: item if type(item) is str else _copy_text(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [item if type(item) is str else _copy_text(item, depth + 1) for item in value]
    return copy.deepcopy(value)


def _copy_deep(value: Any) -> Any:
    """``_copy_text`` without recursion, for data nested deeper than Python's stack allows to recurse (LiteLLM
    sends JSON nested 900 deep; ``copy.deepcopy`` fails at about 300). A container met twice (shared, or a
    cycle) is copied once, as ``copy.deepcopy`` does."""
    root = [value]
    copies: dict[int, Any] = {}
    pending: list[tuple[Any, Any, Any]] = [(root, 0, value)]
    while pending:
        parent, key, item = pending.pop()
        if isinstance(item, (str, int, float, bool)) or item is None:
            continue
        known = copies.get(id(item))
        if known is not None:
            parent[key] = known
            continue
        if not (type(item) is dict or isinstance(item, (list, tuple))):
            parent[key] = copy.deepcopy(item)
            continue
        copied: Any = dict(item) if type(item) is dict else list(item)
        parent[key] = copies[id(item)] = copied
        keys = copied.keys() if type(copied) is dict else range(len(copied))
        pending.extend((copied, inner, copied[inner]) for inner in keys)
    return root[0]


def _call_data(
    signature: inspect.Signature, args: tuple[Any, ...], kwargs: dict[str, Any], *, copy_text: bool
) -> dict[str, Any]:
    """The call's arguments as one dict (what proxy-style hooks call ``data``). With ``copy_text`` (request
    hooks will run), the text fields are copies, so a hook changing them leaves the caller's objects alone."""
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
    if copy_text:
        for name in _TEXT_FIELDS.intersection(data):  # the few present, found in C
            if isinstance(data[name], (list, tuple, dict)):
                data[name] = _copy_text(data[name])
    return data


def _wrap(
    original: Callable[..., Any],
    call_type: str,
    *,
    is_router: bool,
    bound: bool = False,
    router: Callable[[], Any] | None = None,
) -> Callable[..., Any]:
    """``bound``: a Router's per-instance function (no ``self`` to pass on; ``router`` gives the Router). A
    ``call_type`` that is not one of ours names an entry point whose text we cannot read (see
    ``_UNREAD_ENTRY_POINTS``)."""
    signature = inspect.signature(original)
    readable = call_type in ALL_CALL_TYPES
    takes_self = is_router and not bound
    # What LiteLLM's logging calls the call, if a request hook refuses it.
    entry_point = refusals.logged_call_type(call_type, is_async=inspect.iscoroutinefunction(original))
    if takes_self:  # drop ``self``: it is passed on positionally
        signature = signature.replace(parameters=list(signature.parameters.values())[1:])

    def prepare(kwargs: dict[str, Any]) -> tuple[list[BaseCustomLogger], object, _RouterCall | None, _Release]:
        """The interceptors to apply, the scope inner calls run in, the Router call this one serves, and what
        to call when the call has ended (it names interceptors of its own: see ``observers.register_call``)."""
        scope = _scope.get()
        if (
            scope is _IN_CALL
            or (isinstance(scope, _RouterCall) and scope.deployment_live)
            or (is_router and _is_shadow_call(kwargs))
        ):
            _mark_nested(kwargs)
            return [], _IN_CALL, None, None
        bridges = call_type in _BRIDGED
        if isinstance(scope, _RouterCall):
            scope.deployment_live = True
            if scope.named:  # the deployment call is the user's call: the interceptors it named observe it
                observers.register_call(kwargs, scope.named, pin=False)
            return [], _RouterCall(scope.named) if bridges else _IN_CALL, scope, None
        inner: object = _IN_CALL
        if is_router or bridges:
            inner = _RouterCall()
        # The ``in`` first: no function call on the common (SDK) path.
        if not _installed:
            return [], inner, None, None
        if "proxy_server_request" in kwargs and is_proxy_request(kwargs):
            if readable:
                return [], inner, None, None
            # A client's request on a proxy route that may run no hooks (the Assistants API does not): apply the
            # interceptors the proxy did not run for it, so that one claiming every call type fails closed.
            unrun = [i for i in _active_interceptors(kwargs) if not proxy_ran_request_hook(i)]
            return _claiming_every_call(unrun, call_type, kwargs), inner, None, None
        if not readable and call_type not in _CLIENT_CALLS_ONLY and in_proxy_process():
            return [], inner, None, None  # the proxy's own calls (batch and file jobs...), not a client's request
        active = _active_interceptors(kwargs)
        release: _Release = None
        # LiteLLM's lists hold exactly the interceptors that observe (see ``observers``).
        named = _named_per_call(kwargs, active)
        if named:
            release = observers.register_call(kwargs, named)
            if isinstance(inner, _RouterCall):
                inner.named = named
            observers.sync_observer_lists(
                [i for i in active if not any(i is n for n in named)], BaseCustomLogger, named
            )
        else:
            observers.sync_observer_lists(active, BaseCustomLogger)
        if not readable:
            return _claiming_every_call(active, call_type, kwargs), inner, None, release
        # The declared call types inline (a frozenset: see ``handled_call_types``): this runs per interceptor per call.
        return (
            [
                i
                for i in active
                if call_type in (ct if type(ct := i.call_types) is frozenset else handled_call_types(i))
            ],
            inner,
            None,
            release,
        )

    @contextlib.contextmanager
    def deployment_call(router_call: _RouterCall | None) -> Iterator[None]:
        """A Router deployment call that failed is over (the Router's retry or fallback is the next one)."""
        try:
            yield
        except BaseException:
            if router_call is not None:
                router_call.deployment_live = False
            raise

    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            # One coroutine per call (no inner helper): this wraps every async LiteLLM call, intercepted or not.
            try:
                interceptors, inner, router_call, release = prepare(kwargs)
            except Exception as refusal:  # a call no one can read, refused before it is made
                if is_proxy_request(kwargs):  # the proxy logs no refusal of ours (see ``refusals``)
                    await refusals.report_proxy_refusal(kwargs, entry_point, refusal)
                else:
                    await refusals.report_refused_request(entry_point, kwargs, refusal)
                raise
            returned = None
            held: refusals.HeldSuccessLogs | None = None
            previous = _scope.get()
            previous_phases = engine_phases.get()
            _scope.set(inner)
            if previous_phases is not None and router_call is None:  # a deployment call keeps its Router's record
                engine_phases.set(None)
            try:
                if not interceptors:
                    with deployment_call(router_call):
                        call = original(*args, **kwargs)
                        if router_call is None and previous is not None:
                            call = _unheld(call)
                        returned = _deployment_returned(router_call, await call)
                    return returned
                head, rest = (args[:1], args[1:]) if takes_self else ((), args)
                if is_router:  # a Router's own method: guardrails its deployments name run here, once
                    kwargs = with_deployment_guardrails(
                        head[0] if head else router and router(),
                        kwargs.get("model", rest[0] if rest else None),
                        kwargs,
                        interceptors,
                    )
                requests, responses, streams, ruled = _by_phase(interceptors, kwargs)
                if responses or streams:  # LiteLLM must not cache a reply they may change (see ``response_cache``)
                    kwargs = keep_changed_reply_out_of_cache(call_type, kwargs)
                if ruled:  # only a guardrail that follows the rules reads it (see ``guardrail_rules``)
                    engine_phases.set((frozenset(map(id, requests)), frozenset(map(id, responses + streams))))
                # A reply hook may refuse the reply: LiteLLM holds its success log back until they have run.
                if responses:
                    held = refusals.HeldSuccessLogs()
                if requests:
                    data = _call_data(signature, rest, kwargs, copy_text=True)
                    _scope.set(_IN_CALL)  # a hook's own LiteLLM call is nested, also in a Router call
                    latest = [data]
                    try:
                        data = await _apply_request(requests, data, call_type, latest)
                    except Exception as refusal:
                        if not is_proxy_request(kwargs):  # there the request hook reports it (``guards``)
                            await refusals.report_refused_request(entry_point, latest[0], refusal)
                        raise
                    _scope.set(inner)
                    result = await _holding(held, original(*head, **data))
                else:
                    result = await _holding(held, original(*args, **kwargs))
                    data = _call_data(signature, rest, kwargs, copy_text=False)
                stream = _finish(result, streams, data, inner if is_router else None)
                if stream is not None or not responses:
                    returned = stream if stream is not None else result
                    return returned
                _scope.set(_IN_CALL)
                try:
                    returned = await _apply_response(responses, data, unshared_reply(result))
                except Exception as refusal:
                    if held is not None:
                        await held.refuse(refusal)
                    raise
                return returned
            except litellm.BadRequestError as exc:
                unrouted = None if is_router else _unrouted(exc, args, kwargs)
                if unrouted is None:
                    raise
                raise unrouted from exc
            finally:
                _scope.set(previous)  # not reset(): LiteLLM may run the rest of a call in another context
                if engine_phases.get() is not previous_phases:
                    engine_phases.set(previous_phases)
                if held is not None:  # the call ended (or failed in LiteLLM) without a refusal of ours
                    held.release()
                if release is not None:
                    _release_after(returned, release)

        wrapper: Callable[..., Any] = async_wrapper
    else:
        # A sync call must keep its scope for the calls LiteLLM makes inside it (a Router's deployment call, the
        # attempts of ``fallbacks=[...]``...), which it runs on a new thread when this one runs an event loop
        # (see ``call_off_running_loop``).
        call = functools.partial(call_off_running_loop, original)

        @functools.wraps(original)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                interceptors, inner, router_call, release = prepare(kwargs)
            except Exception as refusal:  # a call no one can read, refused before it is made
                refusals.report_refused_request_sync(entry_point, kwargs, refusal)
                raise
            if release is None:
                return sync_call(interceptors, inner, router_call, args, kwargs)
            result = None
            try:
                result = sync_call(interceptors, inner, router_call, args, kwargs)
                return result
            finally:
                _release_after(result, release)

        def sync_call(
            interceptors: list[BaseCustomLogger],
            inner: object,
            router_call: _RouterCall | None,
            args: tuple[Any, ...],
            kwargs: dict[str, Any],
        ) -> Any:
            previous = _scope.get()
            _scope.set(inner)
            held: refusals.HeldSuccessLogs | None = None
            try:
                if not interceptors:
                    with deployment_call(router_call):
                        if router_call is None and previous is not None:  # nested: see ``_unheld``
                            return _called_holding(None, call, *args, **kwargs)
                        return _deployment_returned(router_call, call(*args, **kwargs))
                head, rest = (args[:1], args[1:]) if takes_self else ((), args)
                if is_router:  # as on async calls
                    kwargs = with_deployment_guardrails(
                        head[0] if head else router and router(),
                        kwargs.get("model", rest[0] if rest else None),
                        kwargs,
                        interceptors,
                    )
                requests, responses, streams, _ = _by_phase(interceptors, kwargs)
                if responses or streams:  # as on async calls
                    kwargs = keep_changed_reply_out_of_cache(call_type, kwargs)
                if responses:  # a reply hook may refuse the reply: LiteLLM's pool holds its success log back
                    held = refusals.HeldSuccessLogs()
                if requests:
                    data = _call_data(signature, rest, kwargs, copy_text=True)
                    _scope.set(_IN_CALL)  # a hook's own LiteLLM call is nested, also in a Router call
                    latest = [data]
                    try:
                        data = run_sync(_apply_request(requests, data, call_type, latest))
                    except Exception as refusal:
                        if not is_proxy_request(kwargs):  # there the request hook reports it (``guards``)
                            refusals.report_refused_request_sync(entry_point, latest[0], refusal)
                        raise
                    _scope.set(inner)
                    result = _called_holding(held, call, *head, **data)
                else:
                    result = _called_holding(held, call, *args, **kwargs)
                    data = _call_data(signature, rest, kwargs, copy_text=False)
                stream = _finish(result, streams, data, inner if is_router else None)
                if stream is not None or not responses:
                    return stream if stream is not None else result
                _scope.set(_IN_CALL)
                try:
                    return run_sync(_apply_response(responses, data, unshared_reply(result)))
                except Exception as refusal:
                    if held is not None:
                        held.refuse_sync(refusal)
                    raise
            except litellm.BadRequestError as exc:
                unrouted = None if is_router else _unrouted(exc, args, kwargs)
                if unrouted is None:
                    raise
                raise unrouted from exc
            finally:
                _scope.set(previous)  # not reset(): LiteLLM may run the rest of a call in another context
                if held is not None:  # the call ended (or failed in LiteLLM) without a refusal of ours
                    held.release()

        wrapper = sync_wrapper

    setattr(wrapper, _WRAPPED_MARK, original)
    return wrapper
