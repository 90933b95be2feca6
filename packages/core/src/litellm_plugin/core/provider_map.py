"""Entries of ``litellm.custom_provider_map`` that a built-in provider would shadow: refused, not ignored.

LiteLLM resolves ``openai/...`` to its built-in provider before it looks at ``custom_provider_map``, so an
entry named ``openai`` never runs, and nothing says so. ``PluginRegistry`` refuses such names; entries written
elsewhere (the proxy's ``litellm_settings.custom_provider_map`` YAML, or by hand) are checked here.

Two places see every map, and both are wrapped once, when the first ``BaseCustomProvider`` subclass is defined
or the interception engine is installed (the proxy imports the handler and guardrail modules, defining their
classes, before it builds the map):

* ``litellm.Router.set_model_list`` (what a Router's ``__init__`` calls with its deployments; ``__init__`` itself
  is left alone because LiteLLM reads its parameters with ``inspect.getfullargspec``, which a wrapper would hide):
  the proxy builds its Router right after loading ``litellm_settings``, so a shadowed entry raises
  :class:`InvalidProviderNameError` there and the proxy stops at startup, naming the entry; an SDK user gets the
  same error when creating a Router;
* ``litellm.utils.custom_llm_setup()``, which LiteLLM runs at the start of every SDK call: calls fail loudly until
  the entry is renamed. An unchanged map costs one tuple comparison per call.
"""

from __future__ import annotations

import functools
import threading
import types
from collections.abc import Callable
from typing import Any

import litellm
import litellm.utils
from litellm.integrations.custom_logger import CustomLogger
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import LlmProviders

from litellm_plugin.core.errors import InvalidProviderError, InvalidProviderNameError

__all__ = ["BUILTIN_PROVIDER_NAMES", "check_provider_map", "watch_provider_map"]


def _builtin_provider_names() -> frozenset[str]:
    """Every prefix LiteLLM routes to a provider of its own before it looks at ``custom_provider_map``.

    That is more than the ``LlmProviders`` enum: providers configured in LiteLLM's ``providers.json``
    (``JSONProviderRegistry``, checked first) and the OpenAI-compatible ones it resolves by name (``anyscale``).
    """
    names = {provider.value for provider in LlmProviders}
    names.update(name for name in getattr(litellm, "openai_compatible_providers", ()) if isinstance(name, str))
    try:
        from litellm.llms.openai_like.json_loader import JSONProviderRegistry
    except ImportError:  # LiteLLM versions before JSON-configured providers
        return frozenset(names)
    JSONProviderRegistry.load()
    names.update(JSONProviderRegistry.list_providers())
    return frozenset(names)


BUILTIN_PROVIDER_NAMES = _builtin_provider_names()
_WATCHED = "__litellm_plugin_watched__"
_lock = threading.Lock()
_last_checked: tuple[object, int, object] = (None, 0, None)  # strong references: their ids cannot be reused


def _handler_name(handler: object) -> str:
    return type(handler).__name__ if not isinstance(handler, type) else f"class {handler.__name__}"


def check_provider_map(entries: Any) -> None:
    """Raise a :class:`ProviderRegistrationError` naming the first entry LiteLLM can never route to its handler:
    not a ``{provider, custom_handler}`` dict, a provider name that is empty, has ``/`` or is a built-in, or a
    handler that is a class where LiteLLM needs an instance."""
    if not isinstance(entries, (list, tuple)):
        raise InvalidProviderError(
            f"litellm.custom_provider_map is {_shown(entries)}: it must be a list of "
            "{provider, custom_handler} entries (a single entry goes inside [...])"
        )
    for position, entry in enumerate(entries):
        _check_entry(f"litellm.custom_provider_map[{position}]", entry)


def _check_entry(where: str, entry: object) -> None:
    if not isinstance(entry, dict):
        raise InvalidProviderError(f"{where} is {entry!r}: each entry must be {{provider, custom_handler}}")
    name, handler = entry.get("provider"), entry.get("custom_handler")
    if not isinstance(name, str) or not name or "/" in name:
        raise InvalidProviderNameError(
            f"{where} has provider {name!r}: it must be a non-empty name without '/', the prefix of model names "
            f"('<provider>/<model>') that LiteLLM routes to the entry's custom_handler"
        )
    if name in BUILTIN_PROVIDER_NAMES:
        raise InvalidProviderNameError(
            f"{where} (provider {name!r}, custom_handler {_handler_name(handler)}) uses the "
            f"name of LiteLLM's built-in provider {name!r}: LiteLLM routes '{name}/...' to the built-in and "
            f"never calls {_handler_name(handler)}. Rename the entry's provider (e.g. 'my_{name}') and use that "
            f"prefix in model names"
        )
    if isinstance(handler, type) and not issubclass(handler, CustomLLM):
        raise InvalidProviderError(
            f"{where} (provider {name!r}) has custom_handler {_handler_name(handler)}, which is not a provider "
            f"(a litellm.CustomLLM subclass, such as BaseCustomProvider's): LiteLLM answers 'Unmapped LLM "
            f"provider' for every call. Point custom_handler at an instance of your provider class"
        )
    if isinstance(handler, type):
        raise InvalidProviderError(
            f"{where} (provider {name!r}) has custom_handler {_handler_name(handler)}, a class: LiteLLM needs an "
            f"instance and answers 'Unmapped LLM provider' otherwise. Point custom_handler at a module-level "
            f"instance (e.g. `my_provider = {handler.__name__}()` and custom_handler: <module>.my_provider)"
        )
    if not isinstance(handler, CustomLLM) and isinstance(handler, _NEVER_HANDLERS):
        hint = _NOT_A_HANDLER_HINTS.get(type(handler), "")
        if isinstance(handler, CustomLogger):
            hint = "; an interceptor (CustomLogger) goes into litellm.callbacks (the proxy's callbacks:) instead"
        raise InvalidProviderError(
            f"{where} (provider {name!r}) has custom_handler {_shown(handler)}, which is not a provider (an instance "
            f"of a litellm.CustomLLM subclass, such as BaseCustomProvider's): LiteLLM answers 'Unmapped LLM "
            f"provider' for every call{hint}"
        )


def _shown(value: object) -> str:
    """A value as an error message names it: a short literal as written, anything else by its type."""
    if value is None or isinstance(value, (str, bytes, int, float)):
        return f"{value!r:.80}"
    return f"a {type(value).__name__}"


# Values that can never handle a call (LiteLLM takes a CustomLLM instance, or a video config on newer releases;
# anything else it skips): refused, with a word on the usual mix-up.
_NEVER_HANDLERS = (
    type(None), str, bytes, int, float, dict, list, tuple, set, CustomLogger,
    types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial,
)  # fmt: skip
_NOT_A_HANDLER_HINTS = {
    str: "; a dotted path is resolved in the proxy's YAML only: in Python, point at the instance itself",
    types.ModuleType: "; point custom_handler at the provider instance inside the module (<module>.my_provider)",
    type(None): "; point custom_handler at an instance of your provider class",
}


def _map_key() -> tuple[object, int, object]:
    """Cheap identity of the map: the list, its length and its last entry (assigned or appended to)."""
    entries = litellm.custom_provider_map
    if not isinstance(entries, list):  # not a map LiteLLM can read: checked (and refused) each time
        return entries, -1, None
    return entries, len(entries), entries[-1] if entries else None


def _same(key: tuple[object, int, object]) -> bool:
    last = _last_checked
    return key[0] is last[0] and key[1] == last[1] and key[2] is last[2]


def _check_current_map() -> None:
    global _last_checked
    key = _map_key()
    if not _same(key):
        check_provider_map(litellm.custom_provider_map)
        _name_unnamed_providers(litellm.custom_provider_map)
        _last_checked = key


def _name_unnamed_providers(entries: Any) -> None:
    """A ``BaseCustomProvider`` mapped by hand (or from the proxy's YAML) reports its entry's name on errors, as
    one the registry maps does, not its class name."""
    from litellm_plugin.core.provider import BaseCustomProvider  # that module imports this one

    for entry in entries or ():
        handler = entry.get("custom_handler") if isinstance(entry, dict) else None
        if isinstance(handler, BaseCustomProvider) and not handler.provider_name:
            handler.provider_name = entry["provider"]


def _unrouted_deployment(exc: Exception, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Exception | None:
    """Building a Router whose deployment names a provider of ours that is not routable: the same
    ProviderNotRoutableError a call to it gets (see ``registry.unrouted_error``)."""
    from litellm_plugin.core.registry import is_unknown_provider_error, unrouted_error  # it imports this module

    if not is_unknown_provider_error(exc):
        return None
    # ``set_model_list(model_list)`` takes dicts; ``add_deployment``/``upsert_deployment`` one ``Deployment``.
    given = [*args[1:], *kwargs.values()]
    deployments = [item for value in given for item in (value if isinstance(value, list) else [value])]
    models: list[object] = []
    for deployment in deployments:
        params = deployment.get("litellm_params") if isinstance(deployment, dict) else None
        params = getattr(deployment, "litellm_params", None) if params is None else params
        model = _param(params, "model")
        models.append(model)
        provider = _param(params, "custom_llm_provider")  # ``model: m`` with ``custom_llm_provider: shout``
        if isinstance(provider, str):
            models.append(f"{provider}/{model}")
    return unrouted_error(exc, models)


def _param(params: object, key: str) -> object:
    """A deployment's ``litellm_params`` entry: a dict's key or a pydantic model's attribute."""
    return params.get(key) if isinstance(params, dict) else getattr(params, key, None)


def _watch(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_current_map()
        try:
            return original(*args, **kwargs)
        except Exception as exc:
            better = _unrouted_deployment(exc, args, kwargs)
            if better is not None:
                raise better from exc
            raise

    setattr(checked, _WATCHED, original)
    return checked


def watch_provider_map() -> None:
    """Check ``litellm.custom_provider_map`` whenever LiteLLM sets it up or a Router is built (idempotent)."""
    with _lock:
        for owner, name in (
            (litellm.utils, "custom_llm_setup"),
            (litellm.Router, "set_model_list"),
            (litellm.Router, "add_deployment"),
            (litellm.Router, "upsert_deployment"),
        ):
            current = getattr(owner, name, None)  # newer Routers build deployments outside Python
            if callable(current) and getattr(current, _WATCHED, None) is None:
                setattr(owner, name, _watch(current))
