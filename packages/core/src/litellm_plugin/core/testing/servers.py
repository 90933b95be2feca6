"""Start real server processes for tests: the LiteLLM proxy, or any HTTP server, on 127.0.0.1.

Each process gets a free port, its output goes to a log file the test can attach on failure, and it is always
stopped (the whole process group, so proxy workers go too).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

__all__ = [
    "ProxyNotInstalledError",
    "ServerProcess",
    "WorkersDyingError",
    "console_script",
    "environment",
    "free_port",
    "litellm_executable",
    "run_proxy",
    "run_server",
    "uvicorn_workers_dying",
]

# The environment servers started from this thread inherit, instead of the live os.environ (see environment()).
_ENVIRONMENT: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "litellm_plugin_server_environment", default=None
)


@contextlib.contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """Servers started inside this block (on this thread) inherit ``env`` instead of ``os.environ``: a server
    started on a background thread must not pick up what a test running meanwhile set (``monkeypatch.setenv``)."""
    token = _ENVIRONMENT.set(dict(env))
    try:
        yield
    finally:
        _ENVIRONMENT.reset(token)


# A log check: returns why the server can never become ready (it is then stopped at once), or None.
StartupCheck = Callable[[str], "str | None"]


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """A running server: where it listens, its process, and its log."""

    base_url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    _final_logs: str | None = field(default=None, init=False, repr=False)

    def logs(self) -> str:
        """What the server wrote so far; once its block has ended, all it wrote (its log file is removed then,
        and tests usually assert on the access log after the block)."""
        if self._final_logs is not None:
            return self._final_logs
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def keep_logs(self) -> None:
        """Keep the whole log in memory, so :meth:`logs` still answers after the log file is removed."""
        self._final_logs = self.logs()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)


class ProxyNotInstalledError(RuntimeError):
    """The ``litellm`` proxy cannot start in this environment: LiteLLM is installed without its ``[proxy]``
    extra. Tests that need the proxy can skip on it (``pytest.skip``)."""


class WorkersDyingError(RuntimeError):
    """The server's worker processes keep dying during startup: waiting longer would not help."""


_WORKER_DIED = re.compile(r"Child process \[\d+\] died")


def uvicorn_workers_dying(logs: str) -> str | None:
    """uvicorn kills a worker that misses its health ping (``--timeout_worker_healthcheck``, default 5 s) and
    starts another, forever: on a slow machine, importing LiteLLM alone takes longer than that."""
    deaths = len(_WORKER_DIED.findall(logs))
    if deaths < 2:
        return None
    return (
        f"the proxy's workers keep dying during startup ({deaths} 'Child process ... died' lines). uvicorn kills "
        "a worker that does not answer its health ping within --timeout_worker_healthcheck seconds (default 5), "
        "and importing LiteLLM can take longer on a slow or busy machine: start the proxy with "
        "--timeout_worker_healthcheck 120 (or more) together with --num_workers"
    )


def _check_startup(server: ServerProcess, check: StartupCheck | None) -> None:
    if server.process.poll() is not None:
        if "litellm[proxy]" in server.logs():
            raise ProxyNotInstalledError(f"install 'litellm[proxy]' to run the proxy:\n{server.logs()[-2000:]}")
        raise RuntimeError(
            f"server exited with code {server.process.returncode} before it was ready:\n{server.logs()[-4000:]}"
        )
    if check is not None:
        logs = server.logs()
        reason = check(logs)
        if reason is not None:
            server.stop()
            raise WorkersDyingError(f"{reason}\n{logs[-4000:]}")


def _wait_healthy(server: ServerProcess, health_path: str, timeout: float, check: StartupCheck | None) -> None:
    deadline = time.monotonic() + timeout
    url = server.base_url + health_path
    while time.monotonic() < deadline:
        _check_startup(server, check)
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    server.stop()
    raise TimeoutError(f"server not ready at {url} after {timeout:.0f}s:\n{server.logs()[-4000:]}")


@contextlib.contextmanager
def run_server(
    command: Sequence[str],
    *,
    port: int,
    health_path: str,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    startup_timeout: float = 120.0,
    startup_check: StartupCheck | None = None,
) -> Iterator[ServerProcess]:
    """Run ``command`` (which must listen on 127.0.0.1:``port``) until the block ends.

    ``startup_check`` reads the log while waiting and can end the wait early (see ``uvicorn_workers_dying``).
    """
    inherited = _ENVIRONMENT.get()
    full_env = {
        **(os.environ if inherited is None else inherited),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        **(env or {}),
    }
    log_file = tempfile.NamedTemporaryFile(prefix="litellm-plugin-server-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        list(command),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=full_env,
        cwd=cwd,
        start_new_session=True,
    )
    log_file.close()
    server = ServerProcess(
        base_url=f"http://127.0.0.1:{port}",
        port=port,
        process=process,
        log_path=Path(log_file.name),
        env=dict(env or {}),
    )
    try:
        _wait_healthy(server, health_path, startup_timeout, startup_check)
        yield server
    finally:
        server.stop()
        server.keep_logs()
        server.log_path.unlink(missing_ok=True)


def console_script(name: str) -> str:
    """The console script ``name`` of the running interpreter's environment (else ``name``, found on PATH)."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def litellm_executable() -> str:
    """The ``litellm`` proxy CLI of the running interpreter's environment."""
    return console_script("litellm")


@contextlib.contextmanager
def run_proxy(
    config_path: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    num_workers: int = 1,
    startup_timeout: float = 180.0,
) -> Iterator[ServerProcess]:
    """Run the real LiteLLM proxy on a free port with a random master key (``server.env["LITELLM_MASTER_KEY"]``).

    The config's directory is the working directory, so modules next to the config file can be named in it.
    Returns once every worker has started (the health check answers as soon as the first one has).

    With several workers, uvicorn's worker health-check timeout is set to ``startup_timeout``: its default (5 s)
    is shorter than LiteLLM's import on a busy machine, and uvicorn would kill and restart every worker forever.
    Workers that die anyway end the wait early with :class:`WorkersDyingError`.
    """
    port = free_port()
    proxy_env = {
        "LITELLM_MASTER_KEY": "sk-" + secrets.token_hex(16),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_TELEMETRY": "False",
        **(env or {}),
    }
    command = [
        litellm_executable(),
        "--config",
        str(Path(config_path).resolve()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--num_workers",
        str(num_workers),
    ]
    if num_workers > 1:
        command += ["--timeout_worker_healthcheck", str(max(1, round(startup_timeout)))]
    with run_server(
        command,
        port=port,
        health_path="/health/liveliness",
        env=proxy_env,
        cwd=Path(config_path).resolve().parent,
        startup_timeout=startup_timeout,
        startup_check=uvicorn_workers_dying,
    ) as server:
        _wait_for_workers(server, num_workers, startup_timeout)
        yield server


def _wait_for_workers(server: ServerProcess, workers: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while server.logs().count("Application startup complete.") < workers:
        _check_startup(server, uvicorn_workers_dying)
        if time.monotonic() > deadline:
            raise RuntimeError(f"the proxy's {workers} workers did not all start:\n{server.logs()[-4000:]}")
        time.sleep(0.25)
