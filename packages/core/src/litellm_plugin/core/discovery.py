"""Finding providers that installed distributions advertise through entry points.

A distribution declares ``[project.entry-points."litellm_plugin.providers"] name = "module:Class"`` (or a
module-level instance); installing it is all it takes. A plugin that fails to import is reported and skipped,
never fatal, so one broken package cannot take the others down.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from importlib.metadata import entry_points

from litellm_plugin.core._caller import caller_stacklevel

__all__ = [
    "DISABLE_DISCOVERY_ENV",
    "ENTRY_POINT_GROUP",
    "DiscoveredProvider",
    "PluginLoadWarning",
    "advertising_distribution",
    "discover_providers",
    "discovery_disabled",
    "report_broken_plugin",
]

ENTRY_POINT_GROUP = "litellm_plugin.providers"
DISABLE_DISCOVERY_ENV = "LITELLM_PLUGIN_DISABLE_DISCOVERY"

logger = logging.getLogger(__name__)


class PluginLoadWarning(UserWarning):
    """An advertised provider could not be loaded or registered; the others still are."""


@dataclass(frozen=True)
class DiscoveredProvider:
    """One loaded entry point: the routing name, the loaded object and where it came from."""

    name: str
    provider: object
    distribution: str
    target: str


def discovery_disabled() -> bool:
    """True when ``LITELLM_PLUGIN_DISABLE_DISCOVERY`` is set to a true value (1, true, yes, on)."""
    return os.environ.get(DISABLE_DISCOVERY_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _logging_configured() -> bool:
    """Logging set up by the application, and not already receiving warnings (``logging.captureWarnings``)."""
    captured = getattr(logging, "_warnings_showwarning", None) is not None
    return logger.hasHandlers() and not captured


def _skip_reason(name: str, distribution: str, target: str, problem: BaseException) -> str:
    """Why a plugin was skipped, in the words of its ``PluginLoadWarning`` (a later call's error repeats them)."""
    return f"provider {name!r} ({target}) from distribution {distribution!r}: {type(problem).__name__}: {problem}"


def report_broken_plugin(name: str, distribution: str, target: str, problem: BaseException) -> str:
    """Warn once, pointing at the caller's line; also log it when logging is set up (it reaches proxy logs).
    Returns the reason, for the error a later call to the provider raises.

    Without logging configured, Python's last-resort handler would print the log record as well: one message.
    """
    reason = _skip_reason(name, distribution, target, problem)
    message = f"litellm-plugin: skipped {reason}"
    if _logging_configured():
        logger.warning(message)
    warnings.warn(message, PluginLoadWarning, stacklevel=caller_stacklevel())
    return reason


def discover_providers(
    group: str = ENTRY_POINT_GROUP, skipped: dict[str, str] | None = None
) -> list[DiscoveredProvider]:
    """Load every entry point of ``group``; failures are reported with the distribution name and skipped (and
    their reasons put into ``skipped``, by name)."""
    found: list[DiscoveredProvider] = []
    for entry_point in entry_points(group=group):
        distribution = entry_point.dist.name if entry_point.dist is not None else "<unknown distribution>"
        try:
            loaded = entry_point.load()
        except (Exception, SystemExit) as exc:  # a plugin's sys.exit() at import must not end the application
            reason = report_broken_plugin(entry_point.name, distribution, entry_point.value, exc)
            if skipped is not None:
                skipped[entry_point.name] = reason
            continue
        found.append(DiscoveredProvider(entry_point.name, loaded, distribution, entry_point.value))
    return found


def advertising_distribution(name: str, group: str = ENTRY_POINT_GROUP) -> str | None:
    """The distribution whose entry point in ``group`` is named ``name``, if one is installed."""
    for entry_point in entry_points(group=group):
        if entry_point.name == name:
            return entry_point.dist.name if entry_point.dist is not None else "an installed distribution"
    return None
