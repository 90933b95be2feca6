"""LiteLLM's guardrail rules for a ``CustomGuardrail`` re-based on ``BaseCustomLogger``, on SDK calls.

LiteLLM runs a guardrail's hooks only for the events its mode (``event_hook``) names, and one that is not
``default_on`` only on requests that name it (``guardrails=[...]``). The engine runs the hooks on SDK calls
itself, so it asks LiteLLM the same question (``should_run_guardrail``) per phase: request hooks for
``pre_call``, reply and stream hooks for ``post_call``. A class whose hooks check the rules themselves says so
with ``checks_guardrail_rules = True`` and is run on every call.

A Router deployment may name a guardrail in its ``litellm_params`` (a model-level guardrail). The engine
intercepts the Router call before a deployment is picked: a guardrail the deployments of the requested model
group name is added to the call's ``guardrails`` there (``with_deployment_guardrails``), so it runs once, on
every path, and a refusal is the Router call's (never a deployment failure the Router would fall back from).
A fallback model group's deployments are seen by LiteLLM's deployment hooks (async calls only): there a
guardrail whose hooks the engine did not run in this call (``engine_phases``) is run by the same rules.

The admin switches in a key's or team's metadata (``disable_global_guardrails``,
``opted_out_global_guardrails``) are written by the proxy; on an SDK call they are caller input and ignored.
"""

from __future__ import annotations

import difflib
import inspect
import warnings
from contextvars import ContextVar
from typing import Any

from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.types.guardrails import GuardrailEventHooks

from litellm_plugin.core._caller import caller_stacklevel
from litellm_plugin.core.errors import InterceptorDefinitionWarning, InterceptorSettingValueError

__all__ = [
    "check_guardrail_arguments",
    "engine_phases",
    "follows_guardrail_rules",
    "guardrail_allows",
    "with_deployment_guardrails",
    "without_admin_metadata",
]

_ADMIN_METADATA_KEYS = ("user_api_key_metadata", "user_api_key_team_metadata")

# --- a guardrail's constructor arguments ----------------------------------------------------------------

# CustomGuardrail's own arguments; it passes any other to CustomLogger, which ignores it.
_GUARDRAIL_ARGUMENTS = tuple(
    name
    for name, parameter in inspect.signature(CustomGuardrail.__init__).parameters.items()
    if name != "self" and parameter.kind is not parameter.VAR_KEYWORD
)
_EVENT_HOOKS = tuple(hook.value for hook in GuardrailEventHooks)


def check_guardrail_arguments(instance: object, arguments: dict[str, Any]) -> None:
    """A re-based guardrail's constructor arguments, where a typo switches it off without a word from LiteLLM:
    a misspelt argument (``defualt_on=True``) is swallowed, and an unknown ``event_hook`` (``"precall"``) matches
    no hook, so the guardrail never runs. The first warns, the second raises."""
    cls = type(instance)
    for name in arguments:
        if name in _GUARDRAIL_ARGUMENTS:
            continue
        close = difflib.get_close_matches(name, _GUARDRAIL_ARGUMENTS, n=1, cutoff=0.8)
        if close:
            warnings.warn(
                f"{cls.__qualname__}({name}=...) is not an argument of CustomGuardrail, which ignores it; "
                f"did you mean {close[0]}?",
                InterceptorDefinitionWarning,
                stacklevel=caller_stacklevel(instance),
            )
    hooks = arguments.get("event_hook")
    for hook in hooks if isinstance(hooks, list) else [hooks]:
        if isinstance(hook, str) and not isinstance(hook, GuardrailEventHooks) and hook not in _EVENT_HOOKS:
            close = difflib.get_close_matches(hook, _EVENT_HOOKS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InterceptorSettingValueError(
                f"{cls.__qualname__}(event_hook={hook!r}): LiteLLM runs a guardrail on the hooks its event_hook "
                f"names, and {hook!r} is none of them, so the guardrail would never run; {hint}"
                f"expected some of {list(_EVENT_HOOKS)}"
            )


_by_class: dict[type, bool] = {}

# The ids of the interceptors whose request hooks, and whose reply hooks, the engine ran in the user call under
# way (None outside one, and in calls made from inside one).
engine_phases: ContextVar[tuple[frozenset[int], frozenset[int]] | None] = ContextVar(
    "litellm_plugin_engine_phases", default=None
)


def follows_guardrail_rules(interceptor: object) -> bool:
    """Whether the engine must ask LiteLLM's guardrail rules before running ``interceptor``'s hooks (read
    once per class: this runs per interceptor per call)."""
    cls = type(interceptor)
    known = _by_class.get(cls)
    if known is None:
        known = _by_class[cls] = issubclass(cls, CustomGuardrail) and not getattr(cls, "checks_guardrail_rules", False)
    return known


def guardrail_allows(guardrail: Any, data: dict[str, Any], event: GuardrailEventHooks) -> bool:
    """LiteLLM's answer for ``event`` on an SDK call's ``data`` (without the proxy's admin switches)."""
    return guardrail.should_run_guardrail(data=without_admin_metadata(data), event_type=event) is True


def without_admin_metadata(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as guardrail checks should see it outside the proxy: no key or team metadata."""
    view = data
    for holder in ("metadata", "litellm_metadata"):
        metadata = data.get(holder)
        if isinstance(metadata, dict) and any(key in metadata for key in _ADMIN_METADATA_KEYS):
            if view is data:
                view = dict(data)
            view[holder] = {key: value for key, value in metadata.items() if key not in _ADMIN_METADATA_KEYS}
    return view


def with_deployment_guardrails(
    router: Any, model: Any, kwargs: dict[str, Any], interceptors: list[Any]
) -> dict[str, Any]:
    """``kwargs`` with the guardrails among ``interceptors`` that the deployments of ``router``'s model group
    ``model`` name in their ``litellm_params`` added to its ``guardrails`` (a new dict; ``kwargs`` if none)."""
    guardrails = [i for i in interceptors if isinstance(i, CustomGuardrail) and isinstance(i.guardrail_name, str)]
    get_model_list = getattr(router, "get_model_list", None)
    if not guardrails or not isinstance(model, str) or not callable(get_model_list):
        return kwargs
    ours = {guardrail.guardrail_name for guardrail in guardrails}
    named: list[str | dict[str, Any]] = []
    for deployment in get_model_list(model_name=model) or ():
        params = deployment.get("litellm_params") if isinstance(deployment, dict) else None
        listed = params.get("guardrails") if isinstance(params, dict) else None
        for entry in listed if isinstance(listed, list) else ():
            # A name, or {name: its params} (kept as it is: the params go with it).
            names = [entry] if isinstance(entry, str) else list(entry) if isinstance(entry, dict) else []
            if any(name in ours for name in names) and entry not in named:
                named.append(entry)
    if not named:
        return kwargs
    requested = list(guardrails[0].get_guardrail_from_metadata(kwargs) or ())  # LiteLLM's reading of the request
    present = {entry for entry in requested if isinstance(entry, str)}
    present.update(key for entry in requested if isinstance(entry, dict) for key in entry)  # {name: its params}
    missing = [entry for entry in named if not (set(entry) if isinstance(entry, dict) else {entry}) <= present]
    if not missing:
        return kwargs
    return {**kwargs, "guardrails": [*requested, *missing]}
