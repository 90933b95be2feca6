"""Test kit for plugin authors: ``pip install litellm-plugin-core[testing]``."""

from litellm_plugin.core.testing.conformance import ProviderConformanceTests

__all__ = ["ProviderConformanceTests"]
