"""A finalizer that sets a context variable while a collection runs inside ``ContextVar.set`` (what LiteLLM's
streams do when collected) must not crash the process once ``litellm_plugin.core`` is imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# The crash needs a collection to start inside ``set``: a threshold of one makes every allocation start one.
PROGRAM = textwrap.dedent(
    """
    import contextvars, gc, sys

    if sys.argv[1] == "with-plugin":
        import litellm_plugin.core  # noqa: F401
    gc.freeze()  # LiteLLM's import leaves a large heap: collecting it each time would take most of the run

    app_state = [contextvars.ContextVar(f"app_state_{i}") for i in range(40)]
    trace_id = contextvars.ContextVar("trace_id")

    class AbandonedStream:
        def __init__(self):
            self.cycle = self  # only the collector frees it

        def __del__(self):
            trace_id.set(None)  # restores "its" context, as LiteLLM's CustomStreamWrapper.__del__ does

    def serve():
        for i, var in enumerate(app_state):
            var.set(i)
        gc.set_threshold(1)
        for n in range(20000):
            AbandonedStream()
            app_state[n % 40].set([n])
        gc.set_threshold(700)

    contextvars.Context().run(serve)
    print("survived")
    """
)


def _run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, timeout=300, check=False
    )


def test_a_finalizer_setting_a_context_variable_during_set_does_not_crash() -> None:
    result = _run("with-plugin")
    assert result.returncode == 0, f"the process died (exit {result.returncode}): {result.stderr[-2000:]}"
    assert result.stdout.strip() == "survived"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="from 3.12 on, collections never start inside set()")
def test_without_the_plugin_the_same_program_crashes() -> None:
    """The scenario above is the real hazard, not a program that survives anyway."""
    result = _run("without-plugin")
    assert result.returncode != 0
