"""Start a test session's slow servers in the background as soon as the session knows it needs them.

A LiteLLM proxy spends ~10 s of CPU starting (importing LiteLLM, on one core) while the test process waits.
Started when collection ends, the proxies a session needs come up on the other core while the first tests run,
and are ready (or have failed) by the time a test asks for them.

* A test module names the servers it needs: ``pytestmark = pytest.mark.early_servers(name=factory)``, where
  ``factory`` is a zero-argument callable returning a context manager (``lambda: run_proxy(config)``), or
  ``pytest.mark.early_servers("name")`` for a factory a conftest registered (``register("name", factory)``);
  ``register("name", factory, fixture="f")`` starts it for every collected test that requests fixture ``f``.
* Its fixture (or test) enters ``early_server(name, factory)``: the value of the server started early, or of one
  started now (a session where the hook is not installed). A startup error is raised there, as it would be by
  ``factory()`` itself. Leaving the block stops the server.
* A conftest installs the hook: ``def pytest_configure(config): install(config)``.

Servers started early come up one at a time, in the order the session's tests first need them: one core starts
servers, the other runs the tests meanwhile. (Not at a lower CPU priority: on a busy machine a niced start
starves, and the test waiting for it waits longest.) They inherit the environment of the moment they were asked
for (the end of collection), not what a test running meanwhile sets; servers must be started with
``run_server``/``run_proxy`` for that (see ``servers.environment``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

import httpx
import pytest

from litellm_plugin.core.testing.servers import environment, free_port

__all__ = ["MARKER", "Background", "EarlyStarts", "early_server", "install", "register"]

T = TypeVar("T")
Factory = Callable[[], AbstractContextManager[T]]
MARKER = "early_servers"
_FACTORIES: dict[str, Factory[Any]] = {}
_FIXTURES: dict[str, str] = {}  # fixture name -> registered server it starts


_HTTPX_READY = threading.Event()


def _warm_up_httpx() -> None:
    """httpx imports httpcore and builds its exception map on first use, unsafely for two threads at once (seen:
    ``KeyError: 'h2.connection'``, a raw ``httpcore.ConnectError``): use it once on the calling thread first."""
    if _HTTPX_READY.is_set():
        return
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{free_port()}/", timeout=1.0)  # nobody listens: refused at once
    _HTTPX_READY.set()


class _Turns:
    """Servers started early come up one at a time, in the order the session first needs them: each start is
    ~one core of work, and the tests running meanwhile have the other. A test waiting for a server that has not
    had its turn yet lets it start at once."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queue: list[Background[Any]] = []
        self._starting: Background[Any] | None = None

    def join(self, background: Background[Any]) -> None:
        with self._changed:
            self._queue.append(background)

    def wait(self, background: Background[Any]) -> None:
        with self._changed:
            while not background.wanted.is_set() and (self._starting is not None or self._queue[0] is not background):
                self._changed.wait()
            self._queue.remove(background)
            if self._starting is None:
                self._starting = background

    def done(self, background: Background[Any]) -> None:
        with self._changed:
            if self._starting is background:
                self._starting = None
            self._changed.notify_all()

    def hurry(self, background: Background[Any]) -> None:
        with self._changed:
            background.wanted.set()
            self._changed.notify_all()


class Background(Generic[T]):
    """A context manager entered (and later exited) on a thread of its own. With ``queued``, it waits for its
    turn among the servers started early."""

    def __init__(self, factory: Factory[T], name: str = "server", *, turns: _Turns | None = None) -> None:
        _warm_up_httpx()
        self._environment = dict(os.environ)  # now, on the caller's thread: not what a later test sets
        self._factory = factory
        self._value: Future[T] = Future()
        self._stop = threading.Event()
        self._turns = turns
        self.wanted = threading.Event()  # a test waits for the value (or the session ends): no more queueing
        if turns is not None:
            turns.join(self)
        else:
            self.wanted.set()
        self._thread = threading.Thread(target=self._run, name=f"early-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        if self._turns is not None:
            self._turns.wait(self)
        try:
            if self._stop.is_set():  # closed before its turn came
                raise RuntimeError("stopped before it started")
            with environment(self._environment), self._factory() as value:
                self._turn_done()
                self._value.set_result(value)
                self._stop.wait()
        except BaseException as error:  # handed to whoever waits for the value
            self._turn_done()
            if not self._value.done():
                self._value.set_exception(error)

    def _turn_done(self) -> None:
        if self._turns is not None:
            self._turns.done(self)

    def _hurry(self) -> None:
        if self._turns is not None:
            self._turns.hurry(self)

    def result(self, timeout: float | None = None) -> T:
        """The context manager's value once entered; raises what entering it raised."""
        self._hurry()
        return self._value.result(timeout)

    def cancel(self) -> None:
        """Ask for the context manager to be exited (or never entered, if its turn has not come yet)."""
        self._stop.set()
        self._hurry()

    def close(self) -> None:
        """Exit the context manager (stop the server) and wait for it; a server still starting is stopped once
        its start ends (``run_server`` bounds that by its ``startup_timeout``)."""
        self.cancel()
        self._thread.join()


def register(name: str, factory: Factory[Any], *, fixture: str | None = None) -> None:
    """Name a server factory, for marks that give the name only (a conftest's session servers). With ``fixture``,
    a test that requests that fixture (statically) starts it too, without a mark."""
    _FACTORIES[name] = factory
    if fixture is not None:
        _FIXTURES[fixture] = name


class EarlyStarts:
    """Servers started early, by name, taking turns; the session has one (the module functions use it)."""

    def __init__(self) -> None:
        self._turns = _Turns()
        self._started: dict[str, Background[Any]] = {}
        self._lock = threading.Lock()

    def start(self, name: str, factory: Factory[Any]) -> None:
        """Queue ``name`` for a background start (once)."""
        with self._lock:
            if name not in self._started:
                self._started[name] = Background(factory, name, turns=self._turns)

    @contextlib.contextmanager
    def server(self, name: str, factory: Factory[T]) -> Iterator[T]:
        """The value of ``name`` started early, or of ``factory()`` entered now; stopped on exit."""
        with self._lock:
            background = self._started.pop(name, None)
        if background is None:
            background = Background(factory, name)
        try:
            yield background.result()
        finally:
            background.close()

    def stop_unused(self) -> None:
        """Servers started early that no test used (a run stopped by ``-x``, say)."""
        with self._lock:
            unused = list(self._started.values())
            self._started.clear()
        for background in unused:
            background.cancel()
        for background in unused:
            background.close()


_SESSION = EarlyStarts()


def early_server(name: str, factory: Factory[T]) -> contextlib.AbstractContextManager[T]:
    """The value of the session's server ``name`` started early, or of ``factory()`` entered now; stopped on
    exit. A startup error is raised here."""
    return _SESSION.server(name, factory)


class _Hooks:
    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            for fixture in getattr(item, "fixturenames", ()):
                if fixture in _FIXTURES:
                    _SESSION.start(_FIXTURES[fixture], _FACTORIES[_FIXTURES[fixture]])
            for mark in item.iter_markers(MARKER):
                for name in mark.args:
                    if name not in _FACTORIES:
                        raise pytest.UsageError(f"{item.nodeid}: {MARKER}({name!r}) names no registered server")
                    _SESSION.start(name, _FACTORIES[name])
                for name, factory in mark.kwargs.items():
                    _SESSION.start(name, factory)

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        _SESSION.stop_unused()


def install(config: pytest.Config) -> None:
    """Register the mark and the hook that starts marked servers when collection ends (once per session)."""
    if config.pluginmanager.has_plugin(__name__):
        return
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name=factory, ...): servers the tests need, started in the background when collection ends",
    )
    config.pluginmanager.register(_Hooks(), __name__)


atexit.register(_SESSION.stop_unused)  # daemon threads would otherwise leave their servers running
