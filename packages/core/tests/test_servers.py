"""The test kit's server runner: a proxy whose workers keep dying is reported at once, naming the fix."""

from __future__ import annotations

import sys
import textwrap

import pytest

from litellm_plugin.core.testing.servers import WorkersDyingError, free_port, run_server, uvicorn_workers_dying

# What uvicorn's multi-process supervisor prints while it kills and restarts workers that miss their health ping.
_DYING_SUPERVISOR = textwrap.dedent(
    """
    import itertools, sys, time
    for pid in itertools.count(1000):
        print(f"INFO:     Child process [{pid}] died", flush=True)
        print(f"INFO:     Started server process [{pid + 1}]", flush=True)
        time.sleep(0.2)
    """
)


def test_workers_that_keep_dying_end_the_wait_with_the_flag_to_use() -> None:
    with (
        pytest.raises(WorkersDyingError, match="--timeout_worker_healthcheck") as excinfo,
        run_server(
            [sys.executable, "-c", _DYING_SUPERVISOR],
            port=free_port(),
            health_path="/health",
            startup_timeout=600,  # never reached: the check ends the wait
            startup_check=uvicorn_workers_dying,
        ),
    ):
        pass
    assert "Child process" in str(excinfo.value)  # the log tail comes with it


def test_one_worker_restart_is_not_yet_a_loop() -> None:
    assert uvicorn_workers_dying("INFO:     Child process [12] died\n") is None
    assert uvicorn_workers_dying("Application startup complete.\n") is None
    assert uvicorn_workers_dying("Child process [1] died\nChild process [2] died\n") is not None
