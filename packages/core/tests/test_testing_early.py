"""litellm_plugin.core.testing.early: servers started in the background, one at a time, in the order asked for."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest

from litellm_plugin.core.testing import early
from litellm_plugin.core.testing.servers import ServerProcess, free_port, run_server

Log = list[tuple[str, str]]


def _recorder(log: Log, started: threading.Event | None = None) -> Callable[[str], AbstractContextManager[str]]:
    @contextlib.contextmanager
    def factory(name: str) -> Iterator[str]:
        log.append(("enter", name))
        if started is not None:
            started.wait(10)
        yield name
        log.append(("exit", name))

    return factory


@pytest.fixture
def starts() -> Iterator[early.EarlyStarts]:
    """A queue of its own (not the session's, whose servers may be starting meanwhile); left stopped."""
    queue = early.EarlyStarts()
    yield queue
    queue.stop_unused()


@pytest.fixture
def names() -> list[str]:
    return [f"early-test-{uuid.uuid4().hex[:8]}-{i}" for i in range(3)]


def test_queued_starts_run_one_at_a_time_in_order(starts: early.EarlyStarts, names: list[str]) -> None:
    entered: list[str] = []
    starting: list[str] = []
    most_at_once = 0
    all_entered = threading.Event()

    @contextlib.contextmanager
    def slow(name: str) -> Iterator[str]:
        nonlocal most_at_once
        starting.append(name)
        most_at_once = max(most_at_once, len(starting))
        time.sleep(0.1)  # a start that takes a while
        starting.remove(name)
        entered.append(name)
        if len(entered) == len(names):
            all_entered.set()
        yield name

    for name in names:
        starts.start(name, lambda name=name: slow(name))  # type: ignore[misc]
    assert all_entered.wait(10)
    assert entered == names
    assert most_at_once == 1


def test_a_waiting_test_does_not_wait_for_the_queue(starts: early.EarlyStarts, names: list[str]) -> None:
    log: Log = []
    never = threading.Event()  # the first start blocks until the test ends
    blocking = _recorder(log, never)
    quick = _recorder(log)
    starts.start(names[0], lambda: blocking(names[0]))
    starts.start(names[1], lambda: quick(names[1]))
    with starts.server(names[1], lambda: quick(names[1])) as value:
        assert value == names[1]
    never.set()


def test_unused_starts_that_never_had_their_turn_are_not_entered(starts: early.EarlyStarts, names: list[str]) -> None:
    log: Log = []
    release = threading.Event()
    factory = _recorder(log, release)
    for name in names:
        starts.start(name, lambda name=name: factory(name))  # type: ignore[misc]
    threading.Timer(0.2, release.set).start()
    starts.stop_unused()
    assert log == [("enter", names[0]), ("exit", names[0])]


def test_a_startup_error_is_raised_where_the_value_is_asked_for(starts: early.EarlyStarts, names: list[str]) -> None:
    @contextlib.contextmanager
    def broken() -> Iterator[None]:
        raise RuntimeError("cannot start")
        yield

    starts.start(names[0], broken)
    with pytest.raises(RuntimeError, match="cannot start"), starts.server(names[0], broken):
        pass


ECHO_ENV = """
import http.server, os, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = os.environ.get("EARLY_TEST_VARIABLE", "unset").encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def _echo_env_server() -> contextlib.AbstractContextManager[ServerProcess]:
    port = free_port()
    return run_server([sys.executable, "-c", ECHO_ENV, str(port)], port=port, health_path="/")


def test_a_server_inherits_the_environment_of_when_it_was_asked_for(
    starts: early.EarlyStarts, names: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test running while a server starts in the background must not leak its environment into it."""
    monkeypatch.delenv("EARLY_TEST_VARIABLE", raising=False)
    release = threading.Event()

    @contextlib.contextmanager
    def gate() -> Iterator[None]:
        release.wait(10)
        yield

    starts.start(names[0], gate)  # holds the queue, so the server below starts after the variable is set
    starts.start(names[1], _echo_env_server)
    os.environ["EARLY_TEST_VARIABLE"] = "set-by-a-later-test"
    try:
        release.set()
        with starts.server(names[1], _echo_env_server) as server:
            assert httpx.get(server.base_url + "/", timeout=10).text == "unset"
    finally:
        del os.environ["EARLY_TEST_VARIABLE"]
