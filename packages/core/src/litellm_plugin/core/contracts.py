"""Interceptor mistakes reported when the class is defined, not on the first call (or never).

LiteLLM calls its hooks by keyword, awaits the ``async_*`` ones, iterates the stream-iterator hook, and
silently ignores a method whose name is not a hook. So an author's ``def`` where LiteLLM awaits, a renamed or
missing parameter, or ``async_pre_call_hooks`` (one letter off) fails late or not at all. ``BaseCustomLogger``
runs :func:`check_interceptor_class` from ``__init_subclass__``:

* a hook with the wrong kind (``def`` / ``async def`` / async generator) or a signature LiteLLM's keyword call
  cannot bind raises :class:`InterceptorDefinitionError` saying what to write instead;
* a method named close to a hook (a few letters off, or one word short) warns
  (:class:`InterceptorDefinitionWarning`), since it is never called; a hook's name with words added is a helper;
* a hook written as ``@staticmethod`` or ``@classmethod`` is turned into a plain method that calls it the way
  LiteLLM calls it on a plain ``CustomLogger`` (without self, or with the class), so the guards reach it;
* a ``call_types`` class attribute is validated and normalized;
* ``response_transform`` is wrapped so a result that is not a ``TextTransform`` (or None) fails the call with
  :class:`InterceptorContractError` naming the interceptor and the fix, whatever its failure policy.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import reprlib
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

from litellm_plugin.core._caller import caller_stacklevel
from litellm_plugin.core._keyword_calls import (
    STATIC_WITH_SELF,
    keyword_call_problems,
    missing_first_parameter,
    positional_call_problems,
    static_with_self,
    without_positional_only,
)
from litellm_plugin.core._method_kinds import (
    as_method,
    as_resolved_method,
    function_kind,
    hidden_async_fix,
    is_plain_value,
    uncallable_value_message,
)
from litellm_plugin.core.call_types import validate_call_types
from litellm_plugin.core.errors import (
    InterceptorContractError,
    InterceptorDefinitionError,
    InterceptorDefinitionWarning,
)
from litellm_plugin.core.payloads.base import ALL_CHANNEL_KINDS
from litellm_plugin.core.text import TextTransform

__all__ = [
    "InterceptorContractError",
    "InterceptorDefinitionError",
    "InterceptorDefinitionWarning",
    "check_instance_hook",
    "check_interceptor_class",
    "check_late_hook",
    "checked_transform",
    "validate_response_channels",
    "warn_about_misspelt_arguments",
]

_LITELLM_HOOKS = frozenset(name for name, value in vars(CustomLogger).items() if callable(value) and name[0] != "_")
_OUR_HOOKS = frozenset({"response_transform", "transform_factory"})
# LiteLLM calls these only on its own CustomLogger() that wraps a function callback, never on a registered
# logger: an override of any shape (older releases had no ``callback_func``) works as on LiteLLM's class.
_NEVER_CALLED_ON_LOGGERS = frozenset({"log_event", "async_log_event"})
# LiteLLM calls these hooks with positional arguments (checked on 1.108.7: utils.py, router.py, proxy/utils.py),
# so an override works whatever it names its parameters, as long as it takes that many.
_POSITIONAL_HOOKS = {
    "async_pre_call_deployment_hook": 2,
    "async_post_call_success_deployment_hook": 3,
    "async_post_call_failure_deployment_hook": 3,
    "async_pre_call_check": 2,
    "pre_call_check": 1,
    "async_filter_listed_models": 2,
}
# Optional parameters of LiteLLM's hooks that it passes by name all the same, on every call (checked on 1.84.0
# and 1.108.7: proxy/utils.py, router.py, litellm_logging.py). An override must accept them, with or without a
# default: without them, LiteLLM's call raises TypeError, which it logs and goes on, so the hook never runs.
_OPTIONAL_BUT_PASSED = {
    "async_post_call_failure_hook": ("traceback_str",),
    "async_post_call_response_headers_hook": ("request_headers",),
    "async_filter_deployments": ("request_kwargs", "parent_otel_span"),
    "get_chat_completion_prompt": ("prompt_spec", "prompt_label", "prompt_version"),
    "async_get_chat_completion_prompt": ("prompt_spec", "tools", "prompt_label", "prompt_version"),
}
_CHECKED = "__litellm_plugin_contract__"
_UNDECLARED = object()


def _how_to_write(name: str, kind: str) -> str:
    if kind == "async generator":
        return (
            f"write it as `async def {name}(...)` that yields each chunk, or as plain `def {name}(...)` returning "
            "an async iterator"
        )
    if kind == "async def":
        return f"write it as `async def {name}(...)` (LiteLLM awaits it)"
    return f"write it as plain `def {name}(...)` (LiteLLM calls it without awaiting)"


def _check_kind(cls: type, name: str, own: Callable[..., Any], reference: Callable[..., Any]) -> None:
    expected, got = function_kind(reference), function_kind(own)
    if expected == got == "def" and _is_generator(own) and not _is_generator(reference):
        raise InterceptorDefinitionError(
            f"{cls.__qualname__}.{name} is a generator (`def` with `yield`): "
            f"{'BaseCustomLogger' if name in _OUR_HOOKS else 'LiteLLM'} calls it and drops the generator without "
            f"running its body; remove the `yield`"
        )
    if expected == "async generator" and got == "def":
        if _is_generator(own):
            raise InterceptorDefinitionError(
                f"{cls.__qualname__}.{name} is a plain generator (`def` with `yield`), which LiteLLM's `async for` "
                f"cannot iterate: write it as `async def {name}(...)` that yields each chunk"
            )
        return  # a plain ``def`` returning an async iterator: LiteLLM iterates what it returns (checked per call)
    if expected == got:
        return
    hint = ""
    if expected == "def" and f"async_{name}" in _LITELLM_HOOKS:
        hint = f", or rename it to async_{name}"
    written = f"`{got}`" if got != "def" else "plain `def`"
    hidden = hidden_async_fix(own, name) if expected == "async def" else None
    if hidden is not None:
        raise InterceptorDefinitionError(f"{cls.__qualname__}.{name} is a plain `def` where LiteLLM awaits: {hidden}")
    if name in _OUR_HOOKS:  # this library's hook, called by BaseCustomLogger rather than by LiteLLM
        raise InterceptorDefinitionError(
            f"{cls.__qualname__}.{name} is written as {written}, but BaseCustomLogger calls it without awaiting "
            f"and uses what it returns: write it as plain `def {name}(...)` returning a TextTransform (or None)"
        )
    raise InterceptorDefinitionError(
        f"{cls.__qualname__}.{name} is written as {written}, but "
        f"LiteLLM expects {expected!r}: {_how_to_write(name, expected)}{hint}"
    )


def _is_generator(fn: Callable[..., Any]) -> bool:
    try:
        return inspect.isgeneratorfunction(inspect.unwrap(fn))
    except ValueError:  # a cycle of __wrapped__
        return False


def _parameters(fn: Callable[..., Any], bound: int = 1) -> list[inspect.Parameter]:
    """The parameters LiteLLM fills, without the ``bound`` ones (self or cls; none for a staticmethod)."""
    return list(inspect.signature(fn).parameters.values())[bound:]


def _check_signature(
    cls: type,
    name: str,
    own: Callable[..., Any],
    reference: Callable[..., Any],
    bound: int = 1,
    *,
    of_class: bool = False,
) -> None:
    """``of_class``: ``own`` is a classmethod's function (its first parameter receives the class)."""
    passed_names = [p.name for p in _parameters(reference)]
    forgot = missing_first_parameter(own, passed_names, bound=bound, of_class=of_class)
    if forgot is not None:
        raise InterceptorDefinitionError(
            f"{cls.__qualname__}.{name}{inspect.signature(own)} does not match LiteLLM's hook: {forgot}"
        )
    expected = [
        p
        for p in _parameters(reference)
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is inspect.Parameter.empty
    ]
    also = _OPTIONAL_BUT_PASSED.get(name, ())
    passed = [*(p.name for p in expected), *also]
    params = _parameters(own, bound)
    if name in _POSITIONAL_HOOKS:
        problems = positional_call_problems(params, _POSITIONAL_HOOKS[name])
    else:
        problems = keyword_call_problems(params, passed)
    if not problems:
        return
    written = f"{cls.__qualname__}.{name}{inspect.signature(own)}"
    if bound == 0 and static_with_self(params):
        raise InterceptorDefinitionError(f"{written} does not match LiteLLM's hook: {STATIC_WITH_SELF}")
    reference_signature = ", ".join(["self", *(p.name for p in expected), *(f"{n}=None" for n in also)])
    fix = f" Write it as {name}({reference_signature}) (add **kwargs to accept more)"
    if name not in _POSITIONAL_HOOKS and not keyword_call_problems(without_positional_only(params), passed):
        fix = ""  # removing the `/`, as the problem says, is the whole fix: the signature is otherwise right
    raise InterceptorDefinitionError(f"{written} does not match LiteLLM's hook: {'; '.join(problems)}.{fix}")


def _one_word_off(name: str, hooks: list[str]) -> list[str]:
    """Hooks whose words are ``name``'s with one more (``async_log_success`` → ``async_log_success_event``,
    ``pre_call_hook`` → ``async_pre_call_hook``). Three words at least, so short helper names never match."""
    words = name.split("_")
    if len(words) < 3:
        return []
    found = []
    for hook in hooks:
        parts = hook.split("_")
        if len(parts) == len(words) + 1 and any(parts[:i] + parts[i + 1 :] == words for i in range(len(parts))):
            found.append(hook)
    return found


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Letters inserted, deleted, replaced or swapped with a neighbour to turn ``a`` into ``b``, if at most
    ``limit``; else ``limit + 1``, found early (only cells within ``limit`` of the diagonal are worked out:
    most names are far from every hook, and each class checks each of its names against each hook)."""
    far = limit + 1
    if abs(len(a) - len(b)) > limit:
        return far
    before: list[int] = []
    row = [min(j, far) for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        previous, row = row, [min(i, far)] + [far] * len(b)
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            value = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            row[j] = min(value, far)
        if min(row) == far:
            return far
        before = previous
    return row[-1]


def _extends(name: str, known: str) -> bool:
    """``name`` is ``known`` with whole words added (``async_pre_call_hook_impl``, ``call_types_seen``): the
    author's helper or data, named after what it serves, not a misspelling of it."""
    words, known_words = name.split("_"), known.split("_")
    extra = len(words) - len(known_words)
    return extra > 0 and any(
        words[i : i + len(known_words)] == known_words and all(words[:i] + words[i + len(known_words) :])
        for i in range(extra + 1)
    )


def _closest_misspelt(name: str, known: Iterable[str]) -> str | None:
    """The name in ``known`` that ``name`` is a few letters off: one per eight letters, at least one
    (``async_pre_call_hooks``, ``async_log_sucess_event``, ``fail_opn``), unless it is that name with whole
    words added."""
    best: tuple[int, str] | None = None
    for word in known:
        limit = max(1, len(word) // 8)
        distance = _edit_distance(name, word, limit)
        if distance <= limit and not _extends(name, word) and (best is None or distance < best[0]):
            best = (distance, word)
    return best[1] if best else None


def _warn_if_misspelt(cls: type, name: str) -> None:
    hooks = sorted(_LITELLM_HOOKS | _OUR_HOOKS)
    misspelt = _closest_misspelt(name, hooks)
    close = [misspelt] if misspelt else _one_word_off(name, hooks)
    if close:
        warnings.warn(
            f"{cls.__qualname__}.{name} is not a LiteLLM hook and will never be called; "
            f"did you mean {' or '.join(close)}?",
            InterceptorDefinitionWarning,
            stacklevel=caller_stacklevel(),
        )


def checked_transform(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def response_transform(self: Any, *args: Any, **kwargs: Any) -> Any:
        made = fn(self, *args, **kwargs)
        if made is None or isinstance(made, TextTransform):
            return made
        if isinstance(made, type) and issubclass(made, TextTransform):
            detail = f"returned the class {made.__name__}; return an instance: {made.__name__}()"
        else:
            detail = f"returned a {type(made).__name__}; it must return a TextTransform instance or None"
        raise InterceptorContractError(self.interceptor_name, "response_transform", detail)

    setattr(response_transform, _CHECKED, True)
    return response_transform


def _authored_members(cls: type) -> list[tuple[str, Any]]:
    """``cls``'s own members, then those of mixins (bases that are not CustomLogger subclasses) not overridden."""
    members: dict[str, Any] = dict(vars(cls))
    for klass in cls.__mro__[1:]:
        if klass is object or issubclass(klass, CustomLogger):
            continue
        for name, value in vars(klass).items():
            if all(name not in vars(k) for k in cls.__mro__[: cls.__mro__.index(klass)]):
                members.setdefault(name, value)
    return list(members.items())


def _check_callable(cls: type, base: type, name: str, value: object) -> None:
    """A hook name set to a value that cannot be called (``async_pre_call_hook = None`` to "switch it off"): every
    call would fail with a bare ``TypeError: 'NoneType' object is not callable``. A descriptor (a property, a
    ``partialmethod``) gives LiteLLM what it binds, so only plain values are refused."""
    if not is_plain_value(value) or name in _NEVER_CALLED_ON_LOGGERS:
        return
    caller = "LiteLLM" if name in _LITELLM_HOOKS else "BaseCustomLogger"
    reference = getattr(CustomLogger if name in _LITELLM_HOOKS else base, name)
    fix = _how_to_write(name, function_kind(reference))
    raise InterceptorDefinitionError(uncallable_value_message(cls.__qualname__, name, value, caller, fix))


def _resolve_on_instances(cls: type, base: type, name: str, value: object) -> None:
    """A hook written as a property, a ``partialmethod`` or a callable object: the guards call it with ``self``,
    so it becomes a method that calls what the name gives on the instance, as LiteLLM's own classes do."""
    if name in _NEVER_CALLED_ON_LOGGERS:
        return
    reference = getattr(CustomLogger if name in _LITELLM_HOOKS else base, name)
    method = as_resolved_method(value, function_kind(reference))
    setattr(cls, name, checked_transform(method) if name == "response_transform" else method)


def check_late_hook(cls: type, base: type, name: str, value: object) -> None:
    """A hook assigned after ``cls`` was defined (``Cls.async_pre_call_hook = fn``, or to a mixin of it): checked
    (and made a plain method of ``cls``) as one written in the class body."""
    _check_member(cls, base, name, value)


def check_instance_hook(instance: Any, base: type, name: str, value: object) -> None:
    """A hook set on an instance (``self.async_pre_call_hook = self._check``): the kind and signature checks of
    one written in the class. LiteLLM calls it as it is (no ``self`` to bind), so a function or bound method is
    checked with all its parameters; other callables (mocks, callable objects) are taken as they are."""
    where = f"{type(instance).__qualname__} (set on the instance)"
    if is_plain_value(value) and name not in _NEVER_CALLED_ON_LOGGERS:
        raise InterceptorDefinitionError(
            f"{where}.{name} is set to {reprlib.repr(value)}, which cannot be called: every call would fail with "
            f"TypeError. Delete the attribute (del self.{name}) to keep the class's {name}"
        )
    if not (inspect.isfunction(value) or inspect.ismethod(value)) or name in _NEVER_CALLED_ON_LOGGERS:
        return
    if name not in _LITELLM_HOOKS and name not in _OUR_HOOKS:
        return
    reference = getattr(CustomLogger if name in _LITELLM_HOOKS else base, name)
    try:
        _check_kind(type(instance), name, value, reference)
        _check_signature(type(instance), name, value, reference, bound=0)
    except InterceptorDefinitionError as exc:
        raise InterceptorDefinitionError(f"{exc} (it is set on the instance: {where})") from None


def _check_member(cls: type, base: type, name: str, value: Any) -> None:
    """One member ``cls`` defines: a hook is checked (and a staticmethod, classmethod or descriptor made a plain
    method, ``response_transform`` wrapped); another name close to a hook's is reported."""
    if name in _LITELLM_HOOKS or name in _OUR_HOOKS:
        _check_callable(cls, base, name, value)
        if not (inspect.isfunction(value) or isinstance(value, (staticmethod, classmethod))):
            _resolve_on_instances(cls, base, name, value)
            return
    wrapped = isinstance(value, (staticmethod, classmethod))
    fn = value.__func__ if wrapped else value
    if name.startswith("_") or not inspect.isfunction(fn) or getattr(fn, _CHECKED, False):
        return
    if name in _NEVER_CALLED_ON_LOGGERS:
        return
    if name in _LITELLM_HOOKS or name in _OUR_HOOKS:
        reference = getattr(CustomLogger if name in _LITELLM_HOOKS else base, name)
        _check_kind(cls, name, fn, reference)
        _check_signature(
            cls,
            name,
            fn,
            reference,
            bound=0 if isinstance(value, staticmethod) else 1,
            of_class=isinstance(value, classmethod),
        )
        if wrapped:
            value = as_method(value)
            setattr(cls, name, value)
        if name == "response_transform":
            setattr(cls, name, checked_transform(value))
    else:
        _warn_if_misspelt(cls, name)


def check_interceptor_class(cls: type, base: type) -> None:
    """Check the hooks ``cls`` defines, or takes from a mixin, against LiteLLM's (``base`` is BaseCustomLogger)."""
    for name, value in _authored_members(cls):
        _check_member(cls, base, name, value)
    for name, value in vars(cls).items():  # settings: a misspelt one would leave the interceptor as it was
        if not (name.startswith("_") or callable(value) or isinstance(value, property) or name in _SETTINGS):
            _warn_if_misspelt_setting(cls, name)
    declared = vars(cls).get("call_types", _UNDECLARED)
    if declared is not _UNDECLARED and not isinstance(declared, property):
        try:
            cls.call_types = validate_call_types(declared)  # type: ignore[attr-defined]
        except (TypeError, ValueError) as exc:
            raise InterceptorDefinitionError(f"{cls.__qualname__}.call_types: {exc}") from exc
    channels = vars(cls).get("response_channels", _UNDECLARED)
    if channels is not _UNDECLARED and not isinstance(channels, property):
        cls.response_channels = validate_response_channels(channels, f"{cls.__qualname__}.response_channels")  # type: ignore[attr-defined]
    fail_open = vars(cls).get("fail_open", _UNDECLARED)
    if not (fail_open is _UNDECLARED or isinstance(fail_open, (bool, property))):
        raise InterceptorDefinitionError(
            f"{cls.__qualname__}.fail_open must be True or False, not {fail_open!r} (a string such as 'false' is "
            "truthy: the interceptor would silently fail open)"
        )


# The class attributes BaseCustomLogger reads: a near miss (``call_type``) is reported, never silently ignored.
_SETTINGS = ("call_types", "response_channels", "fail_open", "checks_guardrail_rules")


def _close_setting(name: str) -> str | None:
    """The setting ``name`` was probably meant as (``call_type``, ``callTypes``, ``fail_opn``), or None."""
    folded = name.lower().replace("_", "")
    for setting in _SETTINGS:
        if folded == setting.replace("_", ""):
            return setting
    return _closest_misspelt(name, _SETTINGS)


def _warn_if_misspelt_setting(cls: type, name: str) -> None:
    close = _close_setting(name)
    if close:
        warnings.warn(
            f"{cls.__qualname__}.{name} is not a setting of BaseCustomLogger and changes nothing; "
            f"did you mean {close}?",
            InterceptorDefinitionWarning,
            stacklevel=caller_stacklevel(),
        )


def warn_about_misspelt_arguments(instance: object, arguments: Iterable[str]) -> None:
    """Constructor arguments LiteLLM's ``CustomLogger`` would swallow (its ``**kwargs``) that look like one of
    our settings: ``MyFilter(call_type=[...])`` would leave the interceptor on chat calls only, silently."""
    cls = type(instance)
    for name in arguments:
        close = _close_setting(name)
        if close == name:  # a class-level setting given to the constructor
            message = f"{cls.__qualname__}({name}=...) changes nothing: {name} is set as a class attribute"
        elif close is not None:
            message = f"{cls.__qualname__}({name}=...) is not an argument of BaseCustomLogger; did you mean {close}?"
        else:
            continue
        warnings.warn(message, InterceptorDefinitionWarning, stacklevel=caller_stacklevel(instance))


def validate_response_channels(values: object, where: str) -> frozenset[Any]:
    """One channel kind or several, each one of ``ALL_CHANNEL_KINDS``: a misspelt kind would make a filter
    silently skip the text it was meant for."""
    kinds = [values] if isinstance(values, str) else values
    if not isinstance(kinds, Iterable):
        raise InterceptorDefinitionError(f"{where}: expected channel kinds, not {type(values).__name__}")
    result = frozenset(kinds)
    unknown = sorted(result - ALL_CHANNEL_KINDS, key=str)
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), sorted(ALL_CHANNEL_KINDS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InterceptorDefinitionError(
            f"{where}: unknown channel kind {unknown[0]!r}; {hint}expected some of {sorted(ALL_CHANNEL_KINDS)}"
        )
    return result
