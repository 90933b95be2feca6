"""Import order does not matter: entry points imported by name before any interceptor exists are intercepted."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def test_filter_applies_to_entry_points_imported_before_it() -> None:
    """In a fresh interpreter, imports as isort orders them (``litellm`` before ``litellm_plugin``)."""
    script = textwrap.dedent(
        """
        import asyncio
        import warnings

        import litellm
        from litellm import acompletion, completion, responses
        from litellm_plugin.core import initialize_plugins
        from litellm_plugin.loggers.filters import ContentFilter

        warnings.simplefilter("ignore")
        initialize_plugins()
        litellm.callbacks = [ContentFilter(["spam"], action="mask")]
        messages = [{"role": "user", "content": "buy spam now"}]
        print(completion(model="echo/m", messages=messages).choices[0].message.content)
        print(asyncio.run(acompletion(model="echo/m", messages=messages)).choices[0].message.content)
        chunks = completion(model="echo/m", messages=messages, stream=True)
        print("".join(chunk.choices[0].delta.content or "" for chunk in chunks))
        print(responses(model="echo/m", input="buy spam now").output[0].content[0].text)
        """
    )
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("LITELLM_PLUGIN_DISABLE_DISCOVERY", None)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-4:] == ["Echo: buy [FILTERED] now"] * 4
