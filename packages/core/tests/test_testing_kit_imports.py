"""The server helpers of ``litellm_plugin.core.testing`` work without the ``[testing]`` extra (no pytest):
other packages' test helpers and benchmarks build on them."""

from __future__ import annotations

import subprocess
import sys

WITHOUT_PYTEST = "import sys; sys.modules['pytest'] = None\n"  # any ``import pytest`` now raises ImportError


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_PYTEST + code], capture_output=True, text=True, timeout=600)


def test_server_helpers_import_without_pytest() -> None:
    result = run("from litellm_plugin.core.testing.servers import run_server, run_proxy\nprint('ok')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_conformance_suite_still_says_it_needs_pytest() -> None:
    result = run("from litellm_plugin.core.testing import ProviderConformanceTests")
    assert result.returncode != 0
    assert "pytest" in result.stderr
