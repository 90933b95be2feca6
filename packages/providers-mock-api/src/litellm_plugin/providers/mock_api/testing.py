"""The mock API server as a real process, for your tests and benchmarks.

    with serve_mock_api("--fault", "status=503", api_key="k") as server:
        litellm.completion(model="openai/gpt-mock", api_base=f"{server.base_url}/v1", api_key="k", ...)

The package's console script runs on a free port of 127.0.0.1 and is stopped (with its whole process group)
when the block ends; ``server.logs()`` holds its output, the access log included, also after the block. Helpers from
:mod:`litellm_plugin.core.testing.servers`, so servers started here and LiteLLM proxies started there are
managed alike.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from litellm_plugin.core.testing.servers import ServerProcess, free_port, run_server

__all__ = ["ServerProcess", "mock_api_command", "serve_mock_api"]


def mock_api_command(*args: str, port: int) -> list[str]:
    """``litellm-plugin-mock-api serve`` on 127.0.0.1:``port``, then ``args``: the running environment's console
    script (the module when the script is not installed next to the interpreter)."""
    script = shutil.which("litellm-plugin-mock-api", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "litellm_plugin.providers.mock_api.cli"]
    return [*command, "serve", "--host", "127.0.0.1", "--port", str(port), *args]


@contextlib.contextmanager
def serve_mock_api(
    *args: str, api_key: str | None = None, env: Mapping[str, str] | None = None
) -> Iterator[ServerProcess]:
    """Run the mock API server until the block ends; ``server.base_url`` is ``http://127.0.0.1:PORT`` (clients
    add ``/v1``). ``args`` are more ``serve`` options (``"--fault", "status=429"``, ``"--log-level", "warning"``);
    ``api_key`` the key clients must send (else ``$MOCK_API_KEY`` or the CLI's default)."""
    port = free_port()
    key_args = ("--api-key", api_key) if api_key is not None else ()
    with run_server(mock_api_command(*key_args, *args, port=port), port=port, health_path="/health", env=env) as server:
        yield server
