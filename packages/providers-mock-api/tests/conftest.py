"""Fixtures: the app in-process, a real server (the console script on a free port), a registered provider."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm
# LiteLLM's retry backoff (its INITIAL_RETRY_DELAY and JITTER settings, read when litellm is imported): the
# same retries, with waits of tens of milliseconds instead of up to 1.25 s each.
os.environ.setdefault("INITIAL_RETRY_DELAY", "0.02")
os.environ.setdefault("JITTER", "0.02")

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import litellm
import openai
import pydantic
import pytest

from litellm_plugin.core import PluginRegistry
from litellm_plugin.core.testing import early
from litellm_plugin.core.testing.servers import ServerProcess
from litellm_plugin.providers.mock_api import MockAPIProvider, create_app
from litellm_plugin.providers.mock_api.testing import serve_mock_api

litellm.suppress_debug_info = True


@contextmanager
def serve(*args: str) -> Iterator[ServerProcess]:
    """A real uvicorn server on a free port, started by the console script, stopped when the block ends."""
    with serve_mock_api("--log-level", "warning", *args) as server:
        yield server


def pytest_configure(config: pytest.Config) -> None:
    early.install(config)


early.register("mock_api_live_server", serve, fixture="live_server")  # started when collection ends


@pytest.fixture(scope="session")
def live_server() -> Iterator[ServerProcess]:
    """One server with the default options for the whole session (``.base_url`` is ``http://127.0.0.1:N``)."""
    with early.early_server("mock_api_live_server", serve) as server:
        yield server


@pytest.fixture
def start_server() -> Iterator[Callable[..., ServerProcess]]:
    """Start extra servers with CLI options, e.g. ``start_server("--fault", "status=503")``; all stopped."""
    with ExitStack() as stack:
        yield lambda *args: stack.enter_context(serve(*args))


@pytest.fixture
async def asgi_client() -> AsyncIterator[httpx.AsyncClient]:
    """httpx against a fresh app in-process (httpx's own ASGI transport)."""
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


@pytest.fixture(params=["embedded", "network"])
def api_base(request: pytest.FixtureRequest) -> str | None:
    """Both transports: ``None`` → the embedded app in-process; else the live server's ``/v1``."""
    if request.param == "embedded":
        return None
    server: ServerProcess = request.getfixturevalue("live_server")
    return f"{server.base_url}/v1"


@pytest.fixture
def provider(api_base: str | None) -> Iterator[MockAPIProvider]:
    """A fresh provider registered as ``mock_api`` through core's registry, pointed at ``api_base``."""
    instance = MockAPIProvider(api_base=api_base)
    registry = PluginRegistry()
    registry.register("mock_api", instance)
    registry.initialize()
    try:
        yield instance
    finally:
        registry.unregister("mock_api")
        instance.close()


@pytest.fixture
def openai_client(live_server: ServerProcess) -> Iterator[openai.OpenAI]:
    """The real ``openai`` client against the live server (no retries: a failure shows at once)."""
    client = openai.OpenAI(base_url=f"{live_server.base_url}/v1", api_key="test-key", max_retries=0)
    yield client
    client.close()


def _assert_strict(model: type[pydantic.BaseModel], payload: object) -> Any:
    """Validate ``payload`` against an SDK type strictly: no coercion, and no field the type does not declare."""
    parsed = model.model_validate(payload, strict=True)

    def no_extras(value: object, where: str) -> None:
        if isinstance(value, pydantic.BaseModel):
            assert not value.model_extra, f"{where}: fields the SDK type does not declare: {value.model_extra}"
            for name in type(value).model_fields:
                no_extras(getattr(value, name), f"{where}.{name}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                no_extras(item, f"{where}[{i}]")

    no_extras(parsed, model.__name__)
    return parsed


StrictCheck = Callable[[type[pydantic.BaseModel], object], Any]


@pytest.fixture
def assert_strict() -> StrictCheck:
    """``assert_strict(SDKType, payload)``: strict validation against the client SDK's own pydantic type."""
    return _assert_strict
