"""``PluginLoadWarning`` is shown once and points at the code that asked for discovery (issue 12, item 8)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

from litellm_plugin.core import PluginLoadWarning, PluginRegistry, initialize_plugins
from litellm_plugin.core import discovery as discovery_module


class _BrokenEntryPoint:
    name = "broken_plugin"
    value = "missing_pkg.module:Provider"

    class dist:
        name = "broken-dist"

    def load(self) -> object:
        raise ImportError("No module named 'missing_pkg'")


def test_warning_points_at_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discovery_module, "entry_points", lambda *, group: [_BrokenEntryPoint()])
    monkeypatch.setattr("litellm_plugin.core.registry._registry", PluginRegistry())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        initialize_plugins()
    [warning] = [w for w in caught if issubclass(w.category, PluginLoadWarning)]
    assert warning.filename == __file__
    assert "broken-dist" in str(warning.message)


SCRIPT = textwrap.dedent(
    """
    from litellm_plugin.core import discovery, initialize_plugins

    class Broken:
        name = "broken_plugin"
        value = "missing_pkg.module:Provider"
        class dist:
            name = "broken-dist"
        def load(self):
            raise ImportError("No module named 'missing_pkg'")

    discovery.entry_points = lambda *, group: [Broken()]
    initialize_plugins()  # the line the warning must point at
    """
)


def test_shown_once_without_logging_configured(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text(SCRIPT)
    env: dict[str, Any] = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONWARNINGS": "default"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("skipped provider 'broken_plugin'") == 1, done.stderr
    assert f"{script}:13: PluginLoadWarning" in done.stderr
