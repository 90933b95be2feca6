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

from contextvars import ContextVar
from typing import Any

from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.types.guardrails import GuardrailEventHooks

__all__ = [
    "engine_phases",
    "follows_guardrail_rules",
    "guardrail_allows",
    "with_deployment_guardrails",
    "without_admin_metadata",
]

_ADMIN_METADATA_KEYS = ("user_api_key_metadata", "user_api_key_team_metadata")

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
