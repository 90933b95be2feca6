"""A deterministic, offline echo provider for LiteLLM.

``initialize_plugins()`` finds it through the ``litellm_plugin.providers`` entry point as ``echo``; the
LiteLLM proxy can point ``custom_provider_map`` at the ready instance
``litellm_plugin.providers.echo.echo_provider``.
"""

from importlib.metadata import version

from litellm_plugin.providers.echo.provider import EchoProvider

__version__ = version("litellm-plugin-providers-echo")

echo_provider = EchoProvider()
"""Module-level instance for the proxy's ``custom_provider_map`` (``custom_handler: ...echo_provider``)."""

__all__ = ["EchoProvider", "__version__", "echo_provider"]
