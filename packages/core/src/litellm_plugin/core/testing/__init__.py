"""Test kit for plugin authors: ``pip install litellm-plugin-core[testing]``.

The conformance suite needs pytest, so it is imported on first use: the server helpers
(:mod:`~litellm_plugin.core.testing.servers`, httpx only) work in an environment without the extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litellm_plugin.core.testing.conformance import ProviderConformanceTests

__all__ = ["ProviderConformanceTests"]


def __getattr__(name: str) -> Any:
    if name == "ProviderConformanceTests":
        from litellm_plugin.core.testing.conformance import ProviderConformanceTests

        return ProviderConformanceTests
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
