"""Fixtures for the cross-package tests: a clean LiteLLM per test, one real proxy per test session.

The session's proxies start in the background when collection ends (``litellm_plugin.core.testing.early``): the
example proxy if a collected test uses it, the probe proxy if a collected module asks for it with
``pytestmark = pytest.mark.early_servers("proxy")`` (its tests reach it through ``request.getfixturevalue``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import secrets
import shutil
import tempfile
import threading
import warnings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm
# LiteLLM's retry backoff (its INITIAL_RETRY_DELAY and JITTER settings, read when litellm is imported): the
# same retries, with waits of tens of milliseconds instead of up to 1.25 s each.
os.environ.setdefault("INITIAL_RETRY_DELAY", "0.02")
os.environ.setdefault("JITTER", "0.02")

from collections.abc import Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import litellm
import pytest

from litellm_plugin.core import PluginRegistry
from litellm_plugin.core.testing import early
from litellm_plugin.core.testing.servers import ServerProcess, run_proxy
from litellm_plugin.core.testing.settle import drain_litellm_logging, finish_litellm_background_logging
from litellm_plugin.providers.echo import EchoProvider
from litellm_plugin.providers.mock_api.testing import serve_mock_api

warnings.filterwarnings("ignore", message=".*ReadOnly.*", category=UserWarning)  # pydantic on LiteLLM's types

PROXY_CONFIG = Path(__file__).parent / "proxy" / "config.yaml"


def pytest_configure(config: pytest.Config) -> None:
    early.install(config)


@pytest.fixture(autouse=True)
def _clean_litellm_callbacks() -> Iterator[None]:
    """LiteLLM keeps callbacks in private lists across calls: start and end every test with none. It reads them
    when it logs, so an earlier test's call still logging on its thread pool is let finish first."""
    finish_litellm_background_logging()
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


_PROBE_LOG_LOCK = threading.Lock()


@functools.cache
def _probe_log_unlocked() -> Path:
    folder = tempfile.mkdtemp(prefix="litellm-plugin-probe-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return Path(folder) / "observed.log"


def _probe_log() -> Path:
    """One path for the session, asked for by the proxy's background start and the tests at the same time."""
    with _PROBE_LOG_LOCK:
        return _probe_log_unlocked()


@pytest.fixture(scope="session")
def probe_log() -> Path:
    """Where the proxy's probe interceptor writes one line per observed call (known before the session's
    fixtures run: the proxy may start in the background at collection time)."""
    return _probe_log()


Observations = Callable[[dict[str, Any], str], Awaitable[int]]


@pytest.fixture
def observations(probe_log: Path) -> Observations:
    """``await observations(target, probe_id)``: how often the probe observed the call, once LiteLLM's background
    logging has settled. ``target`` holds ``proxy`` (the proxy's probe log is read) or ``probe`` (an SDK probe)."""

    def count(target: dict[str, Any], probe_id: str) -> int:
        if "proxy" in target:
            return probe_log.read_text().split().count(probe_id) if probe_log.exists() else 0
        return int(target["probe"].observed[probe_id])

    async def settled(target: dict[str, Any], probe_id: str) -> int:
        for _ in range(200):
            if count(target, probe_id):
                break
            await asyncio.sleep(0.05)
        if "proxy" in target or not await drain_litellm_logging():
            await asyncio.sleep(0.5)  # another process (or this LiteLLM) offers nothing to wait on
        else:  # LiteLLM's logging queues are empty: a second observation would have been recorded
            await asyncio.sleep(0.1)
        return count(target, probe_id)

    return settled


def _start_proxy() -> contextlib.AbstractContextManager[ServerProcess]:
    return run_proxy(PROXY_CONFIG, env={"LITELLM_PLUGIN_PROBE_LOG": str(_probe_log())})


early.register("proxy", _start_proxy)


@pytest.fixture(scope="session")
def proxy() -> Iterator[ServerProcess]:
    """The real LiteLLM proxy with tests/proxy/config.yaml, shared by the whole session."""
    with early.early_server("proxy", _start_proxy) as server:
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


# --- the shipped example proxy (examples/proxy/config.yaml) and the mock API server it calls -------------

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "examples" / "proxy" / "config.yaml"
CHAT_PATH = "/v1/chat/completions"
WORKERS = 2


@dataclass(frozen=True)
class MockServer:
    server: ServerProcess
    api_key: str

    def requests(self, status: int | None = None) -> int:
        """How many chat requests reached the mock server (optionally: answered with ``status``)."""
        pattern = f'"POST {CHAT_PATH} HTTP/1.1" {status if status is not None else ""}'
        return sum(pattern in line for line in self.server.logs().splitlines())


@contextlib.contextmanager
def _start_example() -> Iterator[tuple[MockServer, ServerProcess]]:
    """The mock API server, then examples/proxy/config.yaml calling it with two workers, as shipped;
    RequestLogger verbose, so its redaction has something to do."""
    api_key = f"mock-{secrets.token_hex(16)}"
    with serve_mock_api(api_key=api_key) as server:
        mock_api = MockServer(server, api_key)
        env = {
            "MOCK_API_BASE": f"{server.base_url}/v1",
            "MOCK_API_KEY": api_key,
            "REQUEST_LOGGER_VERBOSE": "1",
        }
        with run_proxy(EXAMPLE_CONFIG, env=env, num_workers=WORKERS) as proxy:
            yield mock_api, proxy


early.register("example", _start_example, fixture="_example_servers")  # started when collection ends


@pytest.fixture(scope="session")
def _example_servers() -> Iterator[tuple[MockServer, ServerProcess]]:
    with early.early_server("example", _start_example) as servers:
        yield servers


@pytest.fixture(scope="session")
def example_mock_api(_example_servers: tuple[MockServer, ServerProcess]) -> MockServer:
    return _example_servers[0]


@pytest.fixture(scope="session")
def example_proxy(_example_servers: tuple[MockServer, ServerProcess]) -> ServerProcess:
    """The example proxy (two workers), shared by the end-to-end and every-route tests."""
    return _example_servers[1]
