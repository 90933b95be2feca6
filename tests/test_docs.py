"""Docs that run: every Python code block in README.md and packages/*/README.md is executed here.

How blocks are run and checked (pytest-examples):

- The blocks of one README run top to bottom in one namespace, as a reader goes down the page: a later block
  may use what an earlier one imported or defined. Each README is one test.
- Output comments are checked: a ``print(...)`` must be followed by ``#> <what it prints>`` lines
  (``uv run pytest tests/test_docs.py --update-examples`` rewrites them from a real run). Other comments are prose.
- Log output: ``log="text"`` in the fence's info string asserts that the block logs a record containing
  ``text`` (at INFO or above, waiting a little for LiteLLM's background callbacks).
- Skip a block that needs something this test does not start (the LiteLLM proxy, a server on a fixed port)
  with ``test="skip"`` and a ``reason="..."`` in the info string; the reason is required. For example::

      ```python test="skip" reason="needs the proxy from step 4 on 127.0.0.1:4000"

  GitHub ignores everything after the language, so the README renders as before.

Blocks run in this process, against the installed packages; whatever they change in LiteLLM (providers,
callbacks), in the plugin registry or in logging is put back afterwards.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import litellm
import pytest
from pytest_examples import CodeExample, EvalExample, find_examples

from litellm_plugin.core import PluginRegistry
from litellm_plugin.core import registry as registry_module

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", *sorted(ROOT.glob("packages/*/README.md"))]
LOG_WAIT_SECONDS = 10.0


def _where(example: CodeExample) -> str:
    return f"{example.path.relative_to(ROOT)}:{example.start_line}"


def _skip_reason(example: CodeExample) -> str | None:
    settings = example.prefix_settings()
    if settings.get("test") != "skip":
        return None
    reason = settings.get("reason", "").strip()
    assert reason, f'{_where(example)}: a block marked test="skip" needs reason="why it cannot run here"'
    return reason


@pytest.fixture
def isolated() -> Iterator[None]:
    """Whatever the examples register, install or configure is undone when the test ends."""
    fresh = PluginRegistry()
    saved_registry = registry_module._registry
    registry_module._registry = fresh
    saved_map = list(litellm.custom_provider_map)
    saved_callbacks = list(litellm.callbacks)
    saved_main = sys.modules.get("__main__")
    known = dict(logging.root.manager.loggerDict)
    saved_logging = {
        name: (list(lg.handlers), lg.level, lg.propagate, lg.disabled)
        for name, lg in [("", logging.root), *known.items()]
        if isinstance(lg, logging.Logger)
    }
    try:
        yield
    finally:
        for name in fresh.list_providers():
            fresh.unregister(name)
        registry_module._registry = saved_registry
        litellm.custom_provider_map = saved_map
        litellm.callbacks = saved_callbacks
        litellm.logging_callback_manager._reset_all_callbacks()
        if saved_main is not None:
            sys.modules["__main__"] = saved_main  # pytest-examples runs each block as __main__
        for name, item in logging.root.manager.loggerDict.items():
            if isinstance(item, logging.Logger) and name not in saved_logging:
                item.handlers.clear()
                item.setLevel(logging.NOTSET)
                item.propagate = True
        for name, (handlers, level, propagate, disabled) in saved_logging.items():
            restored = logging.getLogger(name or None)
            restored.handlers[:] = handlers
            restored.setLevel(level)
            restored.propagate = propagate
            restored.disabled = disabled


def _run(eval_example: EvalExample, example: CodeExample, namespace: dict[str, Any]) -> dict[str, Any]:
    """Run one block; a failure names the README line (pytest cannot render pytest-examples' rewritten tracebacks)."""
    try:
        return eval_example.run_print_check(example, module_globals=namespace)
    except Exception as exc:
        try:
            details = "".join(traceback.format_exception(exc)[-6:])
        except Exception:  # the rewritten traceback may not format either
            details = f"{type(exc).__name__}: {exc}"
        raise AssertionError(f"{_where(example)}: the block failed\n{example.source}\n{details}") from None


def _wait_for_log(caplog: pytest.LogCaptureFixture, text: str, example: CodeExample) -> None:
    deadline = time.monotonic() + LOG_WAIT_SECONDS
    while text not in caplog.text:
        if time.monotonic() > deadline:
            raise AssertionError(f"{_where(example)}: expected a log record containing {text!r}; got:\n{caplog.text}")
        time.sleep(0.05)


def test_every_readme_is_collected() -> None:
    """The glob above is what decides which files are checked: keep it honest."""
    names = {path.relative_to(ROOT).as_posix() for path in READMES}
    assert "README.md" in names
    assert "packages/core/README.md" in names
    assert all(any(find_examples(path)) for path in READMES if "```python" in path.read_text("utf-8"))


@pytest.mark.parametrize("readme", READMES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_readme_examples(
    readme: Path, eval_example: EvalExample, caplog: pytest.LogCaptureFixture, isolated: None
) -> None:
    caplog.set_level(logging.INFO, logger="litellm_plugin")  # what the examples log, not all of LiteLLM
    namespace: dict[str, Any] = {}
    ran = 0
    for example in find_examples(readme):
        if _skip_reason(example) is not None:
            continue
        log_text = example.prefix_settings().get("log")
        namespace = {**namespace, **_run(eval_example, example, namespace)}
        if log_text:
            _wait_for_log(caplog, log_text, example)
        ran += 1
    if ran == 0:
        pytest.skip(f"{readme.relative_to(ROOT)} has no runnable Python block")
