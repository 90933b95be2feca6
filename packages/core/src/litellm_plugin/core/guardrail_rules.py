"""LiteLLM's guardrail rules for a ``CustomGuardrail`` re-based on ``BaseCustomLogger``, on SDK calls.

LiteLLM runs a guardrail's hooks only for the events its mode (``event_hook``) names, and one that is not
``default_on`` only on requests that name it (``guardrails=[...]``). The engine runs the hooks on SDK calls
itself, so it asks LiteLLM the same question (``should_run_guardrail``) per phase: request hooks for
``pre_call``, reply and stream hooks for ``post_call``. A class whose hooks check the rules themselves says so
with ``checks_guardrail_rules = True`` and is run on every call.

A Router deployment may name a guardrail in its ``litellm_params`` (a model-level guardrail), which the engine
cannot see when it intercepts the Router call. LiteLLM's deployment hooks see it on async calls: there a guardrail
whose hooks the engine did not run in this call (``engine_phases``) is run by the same rules.

The admin switches in a key's or team's metadata (``disable_global_guardrails``,
``opted_out_global_guardrails``) are written by the proxy; on an SDK call they are caller input and ignored.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.types.guardrails import GuardrailEventHooks

__all__ = ["engine_phases", "follows_guardrail_rules", "guardrail_allows", "without_admin_metadata"]

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
