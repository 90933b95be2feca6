"""Installed distributions are discovered through their entry points: installing a package is all it takes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before litellm is imported below

from litellm_plugin.core import PluginLoadWarning, PluginRegistry
from litellm_plugin.providers.echo import EchoProvider


def test_installed_echo_entry_point_is_discovered() -> None:
    registry = PluginRegistry()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginLoadWarning)  # a sibling package may be mid-development
        added = registry.discover()
    try:
        assert "echo" in added
        assert isinstance(registry.get_provider("echo"), EchoProvider)
    finally:
        for name in registry.list_providers():
            registry.unregister(name)


def test_initialize_plugins_alone_makes_echo_routable() -> None:
    """In a fresh interpreter, as a user would: no explicit registration at all."""
    script = textwrap.dedent(
        """
        import warnings
        import litellm
        from litellm_plugin.core import initialize_plugins

        warnings.simplefilter("ignore")
        assert "echo" in initialize_plugins()
        response = litellm.completion(model="echo/anything", messages=[{"role": "user", "content": "hi"}])
        print(response.choices[0].message.content)
        """
    )
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("LITELLM_PLUGIN_DISABLE_DISCOVERY", None)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("Echo: hi")
