"""``PluginRegistry``: named providers, made routable in LiteLLM as ``model="<name>/<model>"``.

LiteLLM routes custom providers through ``litellm.custom_provider_map`` (a list of ``{"provider",
"custom_handler"}`` dicts holding *instances*), read on every call. The registry owns only the entries it
wrote: entries users add themselves are never changed, and a name a user already mapped keeps the user's
handler. Every change builds a new list and assigns it, so a concurrent call never sees a half-written map.
One lock serialises all registries, since they share LiteLLM's module state.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import litellm
from litellm.integrations.custom_logger import CustomLogger
from litellm.llms.custom_llm import CustomLLM
from litellm.types.llms.custom_llm import CustomLLMItem
from litellm.utils import custom_llm_setup

from litellm_plugin.core.discovery import (
    DISABLE_DISCOVERY_ENV,
    ENTRY_POINT_GROUP,
    DiscoveredProvider,
    advertising_distribution,
    discover_providers,
    discovery_disabled,
    report_broken_plugin,
)
from litellm_plugin.core.errors import (
    DuplicateProviderError,
    InvalidProviderError,
    InvalidProviderNameError,
    ProviderNotFoundError,
    ProviderNotRoutableError,
    ProviderRegistrationError,
)
from litellm_plugin.core.provider import BaseCustomProvider, nothing_implemented
from litellm_plugin.core.provider_contracts import recheck_provider_class
from litellm_plugin.core.provider_map import BUILTIN_PROVIDER_NAMES, check_provider_map

__all__ = ["PluginRegistry", "get_provider", "get_registry", "initialize_plugins", "register_provider"]

logger = logging.getLogger(__name__)

_LOCK = threading.RLock()
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_BUILTIN_NAMES = BUILTIN_PROVIDER_NAMES


@dataclass(frozen=True)
class _Registration:
    provider: CustomLLM
    distribution: str | None  # set when the provider came from entry-point discovery


def _require_string(name: object) -> None:
    if not isinstance(name, str):  # a list or dict would fail a lookup with a bare TypeError
        raise ProviderNotFoundError(f"no provider registered as {name!r}: a provider name is a string")


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidProviderNameError("provider name must be a non-empty string")
    if "/" in name:
        raise InvalidProviderNameError(f"provider name {name!r} contains '/', which LiteLLM splits models on")
    if not _NAME.match(name):
        raise InvalidProviderNameError(
            f"provider name {name!r} may only use letters, digits, '_', '-' and '.', starting alphanumeric"
        )
    if name in _BUILTIN_NAMES:
        raise InvalidProviderNameError(
            f"provider name {name!r} is a built-in LiteLLM provider; LiteLLM would route to the built-in"
        )
    return name


def _instantiate(name: str, provider: object) -> tuple[CustomLLM, bool]:
    """The handler instance, and whether the registry created it (and may therefore name it)."""
    if isinstance(provider, CustomLLM):
        handler, created = provider, False
    elif isinstance(provider, type) and issubclass(provider, CustomLLM):
        try:
            handler, created = provider(), True
        except (Exception, SystemExit) as exc:  # a constructor's sys.exit() must not end plugin loading
            empty = nothing_implemented(provider)
            if empty is not None:  # the first thing to change: a ready instance would be refused for it too
                raise InvalidProviderError(f"provider {name!r}: {empty}") from exc
            raise InvalidProviderError(
                f"provider {name!r}: {provider.__name__}() failed: {type(exc).__name__}: {exc}; the registry builds "
                f"a class with no arguments, so register a ready instance instead, e.g. "
                f"register_provider({name!r}, {provider.__name__}(...))"
            ) from exc
    else:
        hint = ""
        if isinstance(provider, CustomLogger) or (isinstance(provider, type) and issubclass(provider, CustomLogger)):
            hint = "; an interceptor (CustomLogger) goes into litellm.callbacks instead"
        raise InvalidProviderError(
            f"provider {name!r} must be a litellm.CustomLLM (e.g. BaseCustomProvider) subclass or instance, "
            f"not {provider!r}{hint}"
        )
    if isinstance(handler, BaseCustomProvider):  # a method assigned to its class after it was defined
        recheck_provider_class(type(handler), BaseCustomProvider)
    # Checked on the instance: a constructor may set a method on it (``self.completion = backend.complete``).
    empty = nothing_implemented(handler)
    if empty is not None:  # every call would fail; LiteLLM says so only then, with "Not implemented yet!"
        raise InvalidProviderError(f"provider {name!r}: {empty}")
    return handler, created


def _write_litellm_map(entries: list[CustomLLMItem]) -> None:
    previous = litellm.custom_provider_map
    litellm.custom_provider_map = entries
    try:
        custom_llm_setup()  # refreshes litellm.provider_list
    except BaseException:
        litellm.custom_provider_map = previous  # all or nothing: never a map the registry does not know it wrote
        raise


def _forget_in_litellm(name: str) -> None:
    """Drop a no-longer-mapped name from LiteLLM's provider lists (``custom_llm_setup`` only ever adds)."""
    if name in _BUILTIN_NAMES or any(entry.get("provider") == name for entry in litellm.custom_provider_map):
        return
    for attribute in ("provider_list", "_custom_providers"):
        names = getattr(litellm, attribute, None)
        if isinstance(names, list) and name in names:
            setattr(litellm, attribute, [item for item in names if item != name])


def _report_name_clash(found: DiscoveredProvider, owner: str | None) -> None:
    """A second distribution advertising a taken name is skipped loudly: which one runs must not be a surprise.

    An explicit registration (``owner`` None) or the same distribution found again is the normal case.
    """
    if owner is None or owner == found.distribution:
        logger.debug("provider %r from %s: name already registered", found.name, found.distribution)
        return
    problem = DuplicateProviderError(
        f"distribution {owner!r} already provides {found.name!r}; uninstall one of the two distributions, "
        f"or register the one you want explicitly with register_provider({found.name!r}, ...)"
    )
    report_broken_plugin(found.name, found.distribution, found.target, problem)


class PluginRegistry:
    """Named provider instances and the ``litellm.custom_provider_map`` entries made for them."""

    def __init__(self) -> None:
        self._providers: dict[str, _Registration] = {}
        self._installed: dict[str, CustomLLM] = {}  # what this registry wrote into LiteLLM, by name
        self._skipped: dict[str, str] = {}  # plugins the last discovery skipped, with the reason it gave
        self._discovery_off: str | None = None  # why the last initialize_plugins() discovered nothing

    # --- registration -----------------------------------------------------------------------------------

    def register(self, name: str, provider: type[CustomLLM] | CustomLLM, *, replace: bool = False) -> CustomLLM:
        """Register a provider class (instantiated once, here) or a ready instance under ``name``.

        Raises a ``ProviderRegistrationError`` subclass for a bad name, a non-``CustomLLM`` object, a failing
        constructor, or a taken name (unless ``replace=True``; a discovered provider is always replaced).
        If ``name`` is already active in LiteLLM, the new instance takes over immediately.
        """
        return self._register(name, provider, replace=replace, distribution=None)

    def _register(
        self, name: str, provider: object, *, replace: bool, distribution: str | None, install: bool = False
    ) -> CustomLLM:
        """``install``: make it routable too, or (if LiteLLM's map refuses) leave the registry as it was."""
        name = _check_name(name)
        with _LOCK:
            current = self._providers.get(name)
            explicit_over_discovered = current is not None and current.distribution is not None and distribution is None
            if current is not None and not (replace or explicit_over_discovered):
                raise DuplicateProviderError(
                    f"provider {name!r} is already registered; pass replace=True to replace it"
                )
            instance, created = _instantiate(name, provider)  # only once the name is known to be free
            if isinstance(instance, BaseCustomProvider) and (created or not instance.provider_name):
                instance.provider_name = name
            self._providers[name] = _Registration(instance, distribution)
            try:
                if install or name in self._installed:
                    self._install([name])
            except BaseException:  # nothing half-registered: the name is as it was
                if current is None:
                    del self._providers[name]
                else:
                    self._providers[name] = current
                raise
        return instance

    def unregister(self, name: str) -> None:
        """Forget ``name`` and remove its entry from LiteLLM; user-made entries stay untouched."""
        _require_string(name)
        with _LOCK:
            if name not in self._providers:
                raise ProviderNotFoundError(f"no provider registered as {name!r}")
            if name in self._installed:
                # no setup needed to remove (it only adds), so a user's broken entry cannot block this
                litellm.custom_provider_map = [
                    entry for entry in litellm.custom_provider_map if not self._owns(entry, name)
                ]
                del self._installed[name]
                _forget_in_litellm(name)
            del self._providers[name]

    def get_provider(self, name: str) -> CustomLLM:
        """The provider instance registered under ``name``."""
        _require_string(name)
        with _LOCK:
            registration = self._providers.get(name)
        if registration is None:
            raise ProviderNotFoundError(f"no provider registered as {name!r}")
        return registration.provider

    def list_providers(self) -> list[str]:
        """Registered names, sorted."""
        with _LOCK:
            return sorted(self._providers)

    # --- LiteLLM ----------------------------------------------------------------------------------------

    def initialize(self) -> list[str]:
        """Make every registered provider routable in LiteLLM (idempotent). Returns the active names."""
        with _LOCK:
            return self._install(list(self._providers))

    def initialize_provider(self, name: str) -> None:
        """Make one registered provider routable in LiteLLM."""
        _require_string(name)
        with _LOCK:
            if name not in self._providers:
                raise ProviderNotFoundError(f"no provider registered as {name!r}")
            self._install([name])

    def _owns(self, entry: CustomLLMItem, name: str | None = None) -> bool:
        provider = entry.get("provider")
        if name is not None and provider != name:
            return False
        return provider in self._installed and self._installed[provider] is entry.get("custom_handler")

    def _install(self, names: list[str]) -> list[str]:
        """Write (or rewrite) this registry's entries for ``names``; a user's entry for a name wins.

        A map LiteLLM cannot set up (an entry without a provider, a built-in name...) is refused before anything
        is written, naming the entry, so the registry's own entries never end up in it unowned.
        """
        check_provider_map(litellm.custom_provider_map)
        current = list(litellm.custom_provider_map)
        kept = [entry for entry in current if not (self._owns(entry) and entry.get("provider") in names)]
        taken = {entry.get("provider") for entry in kept if not self._owns(entry)}
        active: list[str] = []
        for name in names:
            if name in taken:
                logger.warning(
                    "provider %r is already in litellm.custom_provider_map (not added by this registry); "
                    "leaving that entry in charge",
                    name,
                )
                self._installed.pop(name, None)
                continue
            kept.append(CustomLLMItem(provider=name, custom_handler=self._providers[name].provider))
            active.append(name)
        _write_litellm_map(kept)
        for name in active:
            self._installed[name] = self._providers[name].provider
        return active

    # --- discovery --------------------------------------------------------------------------------------

    def discover(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        """Register providers advertised by installed distributions; explicit registrations keep their name.

        A plugin that fails to import or register is reported (warning + log, naming its distribution) and
        skipped. Returns the names added.
        """
        added: list[str] = []
        skipped: dict[str, str] = {}
        for found in discover_providers(group, skipped):
            with _LOCK:
                current = self._providers.get(found.name)
                if current is not None:
                    _report_name_clash(found, current.distribution)
                    continue
                try:
                    self._register(found.name, found.provider, replace=False, distribution=found.distribution)
                except ProviderRegistrationError as exc:
                    skipped[found.name] = report_broken_plugin(found.name, found.distribution, found.target, exc)
                    continue
            added.append(found.name)
        if group == ENTRY_POINT_GROUP:  # the group unrouted_provider_hint reads
            with _LOCK:
                self._skipped = skipped
        return added

    def _skipped_reason(self, name: str) -> str | None:
        """Why the last discovery skipped the installed plugin ``name`` (its PluginLoadWarning), or None."""
        with _LOCK:
            return self._skipped.get(name)


_registry = PluginRegistry()


def get_registry() -> PluginRegistry:
    """The process-wide registry behind the helper functions below."""
    return _registry


_initialized_once = False  # ``initialize_plugins()`` has run: later registrations are routable at once


def register_provider(name: str, provider: type[CustomLLM] | CustomLLM, *, replace: bool = False) -> CustomLLM:
    """Register with the global registry (see ``PluginRegistry.register``). After ``initialize_plugins()`` has
    run once, the provider is routable at once (no second call to forget)."""
    return _registry._register(name, provider, replace=replace, distribution=None, install=_initialized_once)


def get_provider(name: str) -> CustomLLM:
    """The instance registered globally under ``name``."""
    return _registry.get_provider(name)


def initialize_plugins(*, discover: bool = True) -> list[str]:
    """Discover installed providers (unless ``discover=False`` or ``LITELLM_PLUGIN_DISABLE_DISCOVERY=1``),
    then make every globally registered provider routable in LiteLLM. Returns the active names.
    """
    global _initialized_once
    _registry._discovery_off = _why_discovery_is_off(discover)
    if _registry._discovery_off is None:
        _registry.discover()
    active = _registry.initialize()
    _initialized_once = True
    return active


def _why_discovery_is_off(discover: bool) -> str | None:
    """What switched discovery off for this ``initialize_plugins()`` call, in words, or None when it runs."""
    if not discover:
        return "initialize_plugins(discover=False) was called"
    if discovery_disabled():
        return f"{DISABLE_DISCOVERY_ENV} is set"
    return None


# LiteLLM's words for a provider it does not know: a model named ``name/...``, ``custom_llm_provider="name"``
# (``LiteLLMUnknownProvider``), a Router deployment built with that key.
_UNKNOWN_PROVIDER = ("LLM Provider NOT provided", "Unmapped LLM provider", "Unsupported provider - ")


def is_unknown_provider_error(exc: Exception) -> bool:
    """Whether ``exc`` is LiteLLM saying it knows no provider for a model."""
    message = str(exc)
    return any(words in message for words in _UNKNOWN_PROVIDER)


def unrouted_error(exc: Exception, models: Iterable[object]) -> ProviderNotRoutableError | None:
    """LiteLLM's "LLM Provider NOT provided" (``exc``) for a call or a Router naming ``models``, when one of them
    is a provider of ours: what is missing (``initialize_plugins()``), or why the plugin was skipped, instead of
    LiteLLM's list of its own providers. The model LiteLLM names ("You passed model=...") is asked first."""
    if not is_unknown_provider_error(exc):
        return None
    message = str(exc)
    for model in sorted(models, key=lambda model: f"model={model}" not in message):
        hint = unrouted_provider_hint(model)
        if hint is not None:
            return ProviderNotRoutableError(hint, model=str(model), cause=exc)
    return None


def unrouted_provider_hint(model: object) -> str | None:
    """Why LiteLLM does not know ``model``'s provider, when it is one of ours: registered with the global
    registry but never made routable; installed but skipped as broken by ``initialize_plugins()``, or not
    discovered (discovery off, or ``initialize_plugins()`` not called)."""
    if not isinstance(model, str) or "/" not in model:
        return None
    name = model.split("/", 1)[0]
    if any(isinstance(entry, dict) and entry.get("provider") == name for entry in litellm.custom_provider_map):
        return None
    if name in _registry.list_providers():
        return (
            f"provider {name!r} is registered but not routable yet: call initialize_plugins() "
            f"(or get_registry().initialize_provider({name!r}))"
        )
    return _installed_provider_hint(name)


def _installed_provider_hint(name: str) -> str | None:
    """Why the installed plugin ``name`` is not routable: the advice depends on what initialize_plugins() did."""
    skipped = _registry._skipped_reason(name)
    if skipped is not None:  # the plugin is broken: calling initialize_plugins() again would not help
        return (
            f"initialize_plugins() skipped the installed {skipped}. Fix that, then call initialize_plugins() again "
            f"(it reported this as a PluginLoadWarning)"
        )
    distribution = advertising_distribution(name)
    if distribution is None:
        return None
    off = _registry._discovery_off if _initialized_once else None
    if off is not None:
        turn_on = "unset it" if off.startswith(DISABLE_DISCOVERY_ENV) else "call initialize_plugins() without it"
        return (
            f"provider {name!r} comes with {distribution}, but discovery was off ({off}), so it was not "
            f"registered: {turn_on}, or register it yourself with register_provider({name!r}, ...)"
        )
    return f"provider {name!r} comes with {distribution}: call initialize_plugins() once before calling LiteLLM"
