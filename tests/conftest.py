"""Fixtures for the cross-package tests: a clean LiteLLM per test, one real proxy per test session."""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

from collections.abc import Generator, Iterator
from pathlib import Path

import litellm
import pytest

from litellm_plugin.core import PluginRegistry
from litellm_plugin.core.testing.servers import ServerProcess, run_proxy
from litellm_plugin.providers.echo import EchoProvider

warnings.filterwarnings("ignore", message=".*ReadOnly.*", category=UserWarning)  # pydantic on LiteLLM's types

PROXY_CONFIG = Path(__file__).parent / "proxy" / "config.yaml"


@pytest.fixture(autouse=True)
def _clean_litellm_callbacks() -> Iterator[None]:
    """LiteLLM keeps callbacks in private lists across calls: start and end every test with none."""
    litellm.logging_callback_manager._reset_all_callbacks()
    yield
    litellm.logging_callback_manager._reset_all_callbacks()


@pytest.fixture
def echo_model() -> Iterator[str]:
    """``echo`` registered through the registry, as a user would; returns a model name routed to it."""
    registry = PluginRegistry()
    registry.register("echo", EchoProvider)
    registry.initialize()
    yield "echo/matrix"
    registry.unregister("echo")


@pytest.fixture(scope="session")
def probe_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the proxy's probe interceptor writes one line per observed call."""
    return tmp_path_factory.mktemp("probe") / "observed.log"


@pytest.fixture(scope="session")
def proxy(probe_log: Path) -> Iterator[ServerProcess]:
    """The real LiteLLM proxy with tests/proxy/config.yaml, shared by the whole session."""
    with run_proxy(PROXY_CONFIG, env={"LITELLM_PLUGIN_PROBE_LOG": str(probe_log)}) as server:
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the logs of the servers (proxy, mock API) a failing test used."""
    report = yield
    if report.failed:
        for name, value in getattr(item, "funcargs", {}).items():
            server = value if isinstance(value, ServerProcess) else getattr(value, "server", None)
            if isinstance(server, ServerProcess):
                report.sections.append((f"{name} server log (tail)", server.logs()[-8000:]))
    return report
