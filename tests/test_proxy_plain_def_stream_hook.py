"""A stream hook written as a plain ``def`` returning an async generator, through the real LiteLLM proxy: the proxy
calls it without awaiting and iterates what it returns, so it works on a plain CustomLogger and must keep
working on BaseCustomLogger (before, the class was refused at definition and the proxy did not start)."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from litellm_plugin.core.testing.proxy_files import run_proxy_in_folder
from litellm_plugin.core.testing.servers import ServerProcess

HANDLERS = """
from litellm_plugin.core import BaseCustomLogger


class Upper(BaseCustomLogger):
    def async_post_call_streaming_iterator_hook(self, user_api_key_dict, response, request_data):
        return self._upper(response)

    async def _upper(self, response):
        async for chunk in response:
            for choice in chunk.choices:
                if choice.delta.content:
                    choice.delta.content = choice.delta.content.upper()
            yield chunk


upper = Upper()
"""

CONFIG = """
model_list:
  - model_name: m
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: sk-not-checked
      mock_response: hello there
litellm_settings:
  callbacks: [handlers.upper]
"""


@pytest.fixture(scope="module")
def proxy() -> Iterator[tuple[ServerProcess, Path]]:
    with run_proxy_in_folder({"handlers.py": HANDLERS, "config.yaml": CONFIG}, startup_timeout=120) as running:
        yield running


def test_the_proxy_streams_through_the_async_generator_the_hook_returns(proxy: tuple[ServerProcess, Path]) -> None:
    server, _ = proxy
    client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=server.env["LITELLM_MASTER_KEY"], max_retries=0)
    stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices) == "HELLO THERE"
