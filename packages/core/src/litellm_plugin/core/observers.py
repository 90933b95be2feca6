"""Which interceptors sit in LiteLLM's observer lists, and which calls they must not observe.

LiteLLM copies every entry of ``litellm.callbacks`` (and of a call's ``callbacks=``) into five private lists
at the start of every call (``input_callback``, ``success_callback``, ``failure_callback`` and their async
twins), when ``callback not in <list>``, and then pays a per-callback cost in its logging handlers for every
entry. It never takes an entry out again, so a replaced logger keeps observing ("ghost").

For the interceptors the engine manages (those in ``litellm.callbacks`` or a call's ``callbacks=``), the engine
decides instead: the lists are replaced by :class:`ObserverList`, a ``list`` whose ``in`` answers "already
there" for a managed interceptor, so LiteLLM never copies one; the engine appends the interceptors that
implement an observe-only hook and takes out, when they leave ``litellm.callbacks``, only those it appended
itself. Interceptors that only modify never enter the lists and cost LiteLLM's logging nothing. Whatever
the user (or LiteLLM) put into a list directly (``litellm.success_callback = [h]``,
``litellm.logging_callback_manager.add_litellm_async_success_callback(h)``) is never touched.

Nested calls (a provider or a hook calling LiteLLM again) are recorded by their ``litellm_call_id`` here, so
observers can skip them without anything being written into the user's metadata.

An interceptor passed per call (``callbacks=[...]``) and not in ``litellm.callbacks`` observes the calls that
name it, and no other: LiteLLM only has global lists, so it stays in them while calls that name it may still
log (LiteLLM logs after the call returns, on other tasks and threads), and each call records, by its id, which
such interceptors it names. Calls running at the same time never take each other's interceptor out of the
lists, nor let one observe another's call.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
import warnings
import weakref
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import litellm
from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.integrations.custom_logger import CustomLogger

from litellm_plugin.core.contracts import InterceptorDefinitionWarning

_logger = logging.getLogger(__name__)

__all__ = [
    "LIST_NAMES",
    "NON_OBSERVING_HOOKS",
    "ObserverList",
    "RecentKeys",
    "dropped_per_call",
    "instance_attribute_set",
    "is_nested_call",
    "is_nested_call_id",
    "mark_nested",
    "observer_lists",
    "observes",
    "outcome_delivered",
    "per_call_only",
    "register_call",
    "sync_observer_lists",
    "was_dropped_per_call",
]

LIST_NAMES = (
    "input_callback",
    "success_callback",
    "failure_callback",
    "_async_success_callback",
    "_async_failure_callback",
)

# CustomLogger methods LiteLLM calls from ``litellm.callbacks`` itself (proxy hooks, deployment hooks), never
# from the observer lists. Overriding any *other* CustomLogger method makes an interceptor an observer
# (conservative: an unknown hook costs speed, never a missed call).
NON_OBSERVING_HOOKS = frozenset(
    {
        "async_pre_call_hook",
        "async_post_call_success_hook",
        "async_post_call_failure_hook",
        "async_post_call_streaming_hook",
        "async_post_call_streaming_iterator_hook",
        "async_post_call_response_headers_hook",
        "async_moderation_hook",
        "async_pre_call_deployment_hook",
        "async_post_call_success_deployment_hook",
        "async_post_call_streaming_deployment_hook",
    }
)
_CUSTOM_LOGGER_HOOKS = tuple(
    name for name, value in vars(CustomLogger).items() if callable(value) and not name.startswith("_")
)


class ObserverList(list[Any]):
    """One of LiteLLM's callback lists; ``in`` says "present" for interceptors the engine manages."""

    __slots__ = ()

    def __contains__(self, item: object) -> bool:
        # LiteLLM asks this five times per callback per call: no further Python call on the way.
        return _managed.get(id(item)) is item or list.__contains__(self, item)


# --- which interceptors observe ------------------------------------------------------------------------

_overrides_cache: dict[type, frozenset[str]] = {}
# CustomGuardrail's own logging hooks only act for guardrails whose mode includes ``logging_only``.
_GUARDRAIL_LOGGING_HOOKS = frozenset({"async_logging_hook", "logging_hook"})


def _observer_overrides(cls: type, base: type) -> frozenset[str]:
    known = _overrides_cache.get(cls)
    if known is None:
        known = frozenset(
            name
            for name in _CUSTOM_LOGGER_HOOKS
            if name not in NON_OBSERVING_HOOKS and getattr(cls, name, None) is not getattr(base, name, None)
        )
        _overrides_cache[cls] = known
    return known


def _logs_only_as_guardrail(interceptor: Any, names: frozenset[str]) -> bool:
    """The only list hooks are CustomGuardrail's own logging hooks: they act in ``logging_only`` mode only."""
    cls = type(interceptor)
    if not (names <= _GUARDRAIL_LOGGING_HOOKS and isinstance(interceptor, CustomGuardrail)):
        return False
    own = getattr(interceptor, "__dict__", None) or {}
    if any(name in own or getattr(cls, name) is not getattr(CustomGuardrail, name) for name in names):
        return False
    hooks = interceptor.event_hook
    for hook in hooks if isinstance(hooks, list) else [hooks]:
        value = getattr(hook, "value", hook)
        if value == "logging_only" or not (value is None or isinstance(value, str)):
            return False  # logging_only, or a form we do not read (per-model modes): keep it listed
    return True


# The hooks LiteLLM calls from its lists, which an instance may also set on itself: a logger that picks its
# hooks in ``__init__``, or a test's ``patch.object(handler, "async_log_success_event", AsyncMock())``.
_LIST_HOOKS = frozenset(name for name in _CUSTOM_LOGGER_HOOKS if name not in NON_OBSERVING_HOOKS)
_instance_hooks_version = 0


def instance_attribute_set(name: str) -> None:
    """An interceptor set or removed an attribute of its own named ``name``: if that is a hook LiteLLM calls
    from its lists, the next call works out again which lists hold which interceptor."""
    global _instance_hooks_version
    if name in _LIST_HOOKS:
        _instance_hooks_version += 1


def _list_hooks(interceptor: Any, base: type) -> frozenset[str]:
    """The hooks LiteLLM calls from its lists that ``interceptor`` has: its class's overrides (relative to
    ``base``) and those set on the instance."""
    names = _observer_overrides(type(interceptor), base)
    own = getattr(interceptor, "__dict__", None)
    if own and not _LIST_HOOKS.isdisjoint(own):
        return names | _LIST_HOOKS.intersection(own)
    return names


def observes(interceptor: Any, base: type) -> bool:
    """Whether LiteLLM must call ``interceptor`` from its lists: it has (in its class, relative to ``base``, or
    set on itself) a CustomLogger hook LiteLLM calls from there."""
    names = _list_hooks(interceptor, base)
    return bool(names) and not _logs_only_as_guardrail(interceptor, names)


# LiteLLM calls only the pre/post API call hooks from ``input_callback``: an observer whose hooks are all
# outcome hooks stays out of it (LiteLLM walks that list three times a call).
_OUTCOME_HOOKS = frozenset(
    {
        "async_log_success_event",
        "async_log_failure_event",
        "log_success_event",
        "log_failure_event",
        "async_log_stream_event",
        "log_stream_event",
    }
)


def observer_lists(interceptor: Any, base: type) -> tuple[str, ...]:
    """The lists of :data:`LIST_NAMES` LiteLLM must call ``interceptor`` from (none for a modify-only one)."""
    if not observes(interceptor, base):
        return ()
    if _list_hooks(interceptor, base) <= _OUTCOME_HOOKS:
        return tuple(name for name in LIST_NAMES if name != "input_callback")
    return LIST_NAMES


# --- the managed interceptors and what the engine appended -------------------------------------------

_lock = threading.Lock()
# id -> interceptor, for those of the last sync (held until the next one, which a call makes).
_managed: dict[int, Any] = {}
_appended: dict[str, dict[int, Any]] = {name: {} for name in LIST_NAMES}  # per list: what the engine put in
_lists: dict[str, ObserverList] = {}  # the ObserverList objects installed in litellm
_last_key: tuple[int, ...] | None = None


def _is_managed(item: object) -> bool:
    return _managed.get(id(item)) is item


def _ensure_lists() -> bool:
    """Install an ObserverList for each of LiteLLM's lists that is not one (any more). True if any was."""
    changed = False
    for name in LIST_NAMES:
        current = getattr(litellm, name)
        if _lists.get(name) is current:
            continue
        wrapped = current if isinstance(current, ObserverList) else ObserverList(current)
        setattr(litellm, name, wrapped)
        _lists[name] = wrapped
        _appended[name] = {}  # a list replaced from outside holds nothing the engine appended
        changed = True
    return changed


def _lists_intact() -> bool:
    """No one replaced one of LiteLLM's lists since the engine installed its ObserverList."""
    for name in LIST_NAMES:  # noqa: SIM110 (runs on every call: a plain loop, no generator)
        if _lists.get(name) is not getattr(litellm, name):
            return False
    return True


_reported: set[int] = set()


def _report_modifiers_listed_as_observers(base: type) -> None:
    """An interceptor that changes requests or replies, put by the user into one of LiteLLM's observer lists
    (``litellm.success_callback = [ResponseModifier()]``) and not into ``litellm.callbacks``: LiteLLM only
    calls its observer hooks there, so its changes never happen. Said once per interceptor."""
    from litellm_plugin.core.phases import phases  # it imports the logger, which imports this module

    for name in LIST_NAMES:
        appended = _appended[name]  # the engine's own entries (of interceptors the user may since have removed)
        for entry in _lists[name]:
            if not isinstance(entry, base) or id(entry) in _reported or entry in litellm.callbacks:
                continue
            if appended.get(id(entry)) is entry:
                continue
            if any(phases(entry)):
                _reported.add(id(entry))
                kind = type(entry).__name__
                warnings.warn(
                    f"{kind} is in litellm.{name}, where LiteLLM only calls observer hooks: its request and reply "
                    f"changes never run; put it in litellm.callbacks",
                    InterceptorDefinitionWarning,
                    stacklevel=4,
                )


def sync_observer_lists(active: Iterable[Any], base: type, per_call: Iterable[Any] = ()) -> None:
    """Make LiteLLM's lists hold exactly the observing interceptors the engine manages: ``active`` (those of
    ``litellm.callbacks``) and the per-call ones still kept (``per_call``, this call's, are kept from now on).

    Cheap when nothing changed: one identity check per list and one tuple comparison.
    """
    global _last_key
    interceptors = list(active)
    if per_call:
        _keep_per_call(per_call)
    key = (*map(id, interceptors), _kept_version, _instance_hooks_version)
    if key == _last_key and _lists_intact():
        return
    with _lock:
        if _ensure_lists():
            _report_modifiers_listed_as_observers(base)
            _forget_ended_per_call()  # lists replaced (reset): per-call ones kept for late logging go too
        listed = {id(i): i for i in interceptors}
        only_per_call = {ident: i for ident, i in _kept.items() if ident not in listed}
        everyone = {**listed, **only_per_call}
        # Filter first, list after: a per-call interceptor is never listed without the filter of its calls.
        per_call_only.update(only_per_call)
        _managed.clear()
        _managed.update(everyone)
        where = {ident: observer_lists(i, base) for ident, i in everyone.items()}
        for name in LIST_NAMES:
            wanted = {ident: i for ident, i in everyone.items() if name in where[ident]}
            callbacks = _lists[name]
            appended = _appended[name]
            stale = {key for key, interceptor in appended.items() if wanted.get(key) is not interceptor}
            if stale:
                callbacks[:] = [c for c in callbacks if not (id(c) in stale and appended[id(c)] is c)]
                for gone in stale:
                    del appended[gone]
            for interceptor_id, interceptor in wanted.items():
                if not any(c is interceptor for c in callbacks):
                    callbacks.append(interceptor)
                    appended[interceptor_id] = interceptor
        for gone in [ident for ident, i in per_call_only.items() if only_per_call.get(ident) is not i]:
            if listed.get(gone) is None:  # taken out of the lists, not made global
                _remember_dropped(per_call_only[gone])
            del per_call_only[gone]
        for ident in [ident for ident in dropped_per_call if ident in everyone]:
            del dropped_per_call[ident]
        _last_key = (*map(id, interceptors), _kept_version, _instance_hooks_version)


# --- interceptors passed per call ----------------------------------------------------------------------

# How many per-call interceptors whose calls have ended stay listed (LiteLLM logs a call after it returns). Few:
# LiteLLM walks its lists on every call, and refuses new entries, a user's own logger included, once a list
# holds MAX_CALLBACKS (30 on older releases, else 100), with nothing but a warning.
PER_CALL_KEPT = 8
# Beyond those, one whose ended call's outcome LiteLLM has not delivered to it yet stays too: LiteLLM logs a sync
# call on its thread pool, which a busy machine holds back while other calls end. For at most this long, and at
# most this many in all (well under MAX_CALLBACKS).
AWAITING_SECONDS = 60.0
PER_CALL_AWAITING_MAX = 32


def _awaiting_max() -> int:
    """``PER_CALL_AWAITING_MAX``, or a third of LiteLLM's list limit if that is more (``LITELLM_MAX_CALLBACKS``
    raised for a service that runs many calls with interceptors of their own at once)."""
    constants = getattr(litellm, "constants", None)
    limit = getattr(constants, "MAX_CALLBACKS", 0)
    return max(PER_CALL_AWAITING_MAX, limit // 3 if isinstance(limit, int) else 0)


_AWAITING_MAX = _awaiting_max()
_dropped_awaited_warned = False
_awaiting: dict[int, dict[str, float]] = {}  # id -> {call id: when it ended} whose outcome is not delivered yet
_kept: dict[int, Any] = {}  # id -> per-call interceptor kept in the lists, least recently named first
_pins: dict[int, int] = {}  # id -> calls naming it that have not ended
_kept_version = 0  # changes whenever ``_kept`` gains or loses an interceptor
# id -> per-call interceptor that is not in ``litellm.callbacks``: it observes only the calls that name it.
per_call_only: dict[int, Any] = {}
# Per-call interceptors taken out of LiteLLM's lists, for as long as they live: a list LiteLLM is still walking
# (a call it logs late, a copy it made) may hold one, and it must still observe only the calls that name it.
# Weak: an entry goes with its interceptor, so a new object given the same id is never taken for it.
dropped_per_call: dict[int, weakref.ReferenceType[Any]] = {}


def _remember_dropped(interceptor: Any) -> None:
    key = id(interceptor)

    def forget(ref: weakref.ReferenceType[Any], table: dict[int, Any] = dropped_per_call) -> None:
        if table.get(key) is ref:  # (the table itself: module globals are gone when this runs at exit)
            table.pop(key, None)

    try:
        dropped_per_call[key] = weakref.ref(interceptor, forget)
    except TypeError:  # a class without weak references (``__slots__``): never forgotten, and never freed
        dropped_per_call[key] = lambda: interceptor  # type: ignore[assignment]


def was_dropped_per_call(interceptor: Any) -> bool:
    ref = dropped_per_call.get(id(interceptor))
    return ref is not None and ref() is interceptor


def _keep_per_call(interceptors: Iterable[Any]) -> None:
    global _kept_version
    with _lock:
        for interceptor in interceptors:
            if _kept.pop(id(interceptor), None) is not interceptor:
                _kept_version += 1
            _kept[id(interceptor)] = interceptor
        unpinned = [key for key in _kept if not _pins.get(key)]
        if len(unpinned) <= PER_CALL_KEPT:
            return
        now = time.monotonic()
        awaited = {key for key in unpinned if _still_awaited(key, now)}
        settled = [key for key in unpinned if key not in awaited]  # least recently named first
        dropped = settled[: len(unpinned) - PER_CALL_KEPT]
        left = len(unpinned) - len(dropped)
        missing = [key for key in unpinned if key in awaited][: max(0, left - _AWAITING_MAX)]
        if missing:
            _warn_outcomes_missed(len(missing))
        dropped += missing
        for key in dropped:
            del _kept[key]
            _awaiting.pop(key, None)
            _kept_version += 1


def _forget_ended_per_call() -> None:
    """Someone replaced LiteLLM's lists (``litellm.success_callback = []``): that takes out everything listed, as
    it does for LiteLLM's own loggers, so the per-call interceptors kept for calls that have ended are not
    listed again. Those whose calls are still running stay."""
    global _kept_version
    for key in [key for key in _kept if not _pins.get(key)]:
        del _kept[key]
        _awaiting.pop(key, None)
        _kept_version += 1


def _warn_outcomes_missed(count: int) -> None:
    global _dropped_awaited_warned
    log = _logger.debug if _dropped_awaited_warned else _logger.warning
    _dropped_awaited_warned = True
    log(
        "%d interceptor(s) passed per call (callbacks=[...]) taken out of LiteLLM's callback lists before LiteLLM "
        "delivered their calls' outcome: they miss it. More than %d such calls ended before LiteLLM logged them "
        "(a third of LiteLLM's list limit, LITELLM_MAX_CALLBACKS); raise that limit, or give a shared "
        "interceptor to litellm.callbacks. Further cases are logged at DEBUG level.",
        count,
        _AWAITING_MAX,
    )


def _still_awaited(key: int, now: float) -> bool:
    """Whether a call that named the interceptor ``key`` ended less than ``AWAITING_SECONDS`` ago without its
    outcome delivered to it (older ones are forgotten: a call LiteLLM never logs, an observer of successes only)."""
    waiting = _awaiting.get(key)
    if not waiting:
        return False
    for call_id in [c for c, ended in waiting.items() if now - ended > AWAITING_SECONDS]:
        del waiting[call_id]
    return bool(waiting)


def outcome_delivered(interceptor: Any, kwargs: Any) -> None:
    """LiteLLM delivered a call's outcome (success or failure) to a per-call ``interceptor``: it need not stay."""
    waiting = _awaiting.get(id(interceptor))
    call_id = kwargs.get("litellm_call_id") if isinstance(kwargs, dict) else None
    if waiting is not None and call_id in waiting:
        with _lock:
            waiting.pop(call_id, None)
            if not waiting:
                _awaiting.pop(id(interceptor), None)


def register_call(kwargs: dict[str, Any], interceptors: Iterable[Any], *, pin: bool = True) -> Callable[[], None]:
    """Record that the call ``kwargs`` describes names ``interceptors`` (passed per call): they observe it.
    With ``pin``, they stay listed until the returned function is called, once the call has ended (a stream:
    once it is released)."""
    ids = frozenset(map(id, interceptors))
    call_id = kwargs.get("litellm_call_id")
    if not isinstance(call_id, str):
        call_id = kwargs["litellm_call_id"] = str(uuid.uuid4())
    with _lock:
        known = _call_names.get(call_id)
        _call_names.put(call_id, ids if not isinstance(known, frozenset) else known | ids)
        for key in ids if pin else ():
            _pins[key] = _pins.get(key, 0) + 1
    released = not pin

    def release() -> None:
        nonlocal released
        with _lock:
            if released:
                return
            released = True
            ended = time.monotonic()
            for key in ids:
                waiting = _awaiting.setdefault(key, {})
                waiting[call_id] = ended
                if len(waiting) > 4 * PER_CALL_AWAITING_MAX:  # one interceptor named by many calls: oldest out
                    del waiting[next(iter(waiting))]
                left = _pins.get(key, 0) - 1
                if left > 0:
                    _pins[key] = left
                else:
                    _pins.pop(key, None)

    return release


def names(call_id: str, interceptor: object) -> bool:
    """Whether the call ``call_id`` was made with ``interceptor`` in its ``callbacks=[...]``."""
    known = _call_names.get(call_id)
    return isinstance(known, frozenset) and id(interceptor) in known


# --- nested calls ------------------------------------------------------------------------------------


class RecentKeys(dict[Hashable, object]):
    """A bounded set of the keys seen last (call ids arrive once and are looked up moments later).

    A dict, so ``in`` costs no Python call. Thread-safe without a lock: inserting is one atomic
    ``dict.setdefault``, and the oldest keys go first (a dict keeps insertion order); two threads evicting
    at once may each drop one of the oldest keys."""

    __slots__ = ("_limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._limit = limit

    def add(self, key: Hashable) -> bool:
        """Remember ``key``; False if it was already there."""
        token = object()
        if self.setdefault(key, token) is not token:
            return False
        while len(self) > self._limit:
            try:
                del self[next(iter(self))]
            except (KeyError, RuntimeError, StopIteration):  # another thread evicted or added meanwhile
                continue
        return True

    def put(self, key: Hashable, value: object) -> None:
        """Remember ``key`` with ``value`` (replacing an earlier one)."""
        self[key] = value
        while len(self) > self._limit:
            try:
                del self[next(iter(self))]
            except (KeyError, RuntimeError, StopIteration):
                continue


_call_names = RecentKeys(10_000)  # call id -> ids of the per-call interceptors it names
_nested_ids = RecentKeys(10_000)  # a nested call is observed within moments of being made


def mark_nested(kwargs: dict[str, Any]) -> None:
    """Record a LiteLLM call made from inside an intercepted one (by its ``litellm_call_id``)."""
    call_id = kwargs.get("litellm_call_id")
    if not isinstance(call_id, str):
        call_id = kwargs["litellm_call_id"] = str(uuid.uuid4())
    _nested_ids.add(call_id)


def is_nested_call(kwargs: Any) -> bool:
    """Whether LiteLLM's logging ``kwargs`` describe a call :func:`mark_nested` recorded."""
    call_id = kwargs.get("litellm_call_id") if isinstance(kwargs, dict) else None
    return isinstance(call_id, str) and call_id in _nested_ids


is_nested_call_id = _nested_ids.__contains__  # the same for a call id already read (no Python call)
