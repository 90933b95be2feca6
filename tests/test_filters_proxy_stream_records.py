"""What RequestLogger records of a proxy chat stream whose end a ContentFilter held back: the reply the client
got. The filter lets a held-back word (it may start a blocked phrase) out with the finish_reason, and LiteLLM
logs the stream from a copy it keeps of that last chunk when the chunk carries usage (a custom provider's)."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import json
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from litellm_plugin.core.testing.proxy_files import run_proxy_in_folder
from litellm_plugin.core.testing.servers import ServerProcess

PLUGINS = """
from litellm_plugin.core.testing.proxy_files import log_records_to
from litellm_plugin.loggers.filters import RequestLogger

request_logger = RequestLogger(verbose=True, json_lines=True)
log_records_to("calls.jsonl", "litellm_plugin.loggers.filters", having="litellm_call")
"""

CONFIG = """
model_list:
  - model_name: echo
    litellm_params: {model: echo/echo-model}
litellm_settings:
  custom_provider_map:
    - {provider: echo, custom_handler: litellm_plugin.providers.echo.echo_provider}
  callbacks: [plugins.request_logger]
guardrails:
  - guardrail_name: content-filter
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: post_call
      default_on: true
      blocked_words: [{keyword: spam, action: MASK}, {keyword: buy now, action: MASK}]
"""


@pytest.fixture(scope="module")
def proxy() -> Iterator[tuple[ServerProcess, Path]]:
    with run_proxy_in_folder({"plugins.py": PLUGINS, "config.yaml": CONFIG}, startup_timeout=120) as running:
        yield running


def _records(folder: Path, token: str) -> list[dict[str, object]]:
    """RequestLogger's records naming ``token`` (once one arrived, a little longer: a second would show)."""

    def naming() -> list[dict[str, object]]:
        log = folder / "calls.jsonl"
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        return [json.loads(line) for line in lines if token in line]

    deadline = time.monotonic() + 60
    while not naming() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    return naming()


@pytest.mark.parametrize(
    ("said", "got"), [("hi spam", "hi [FILTERED]"), ("hi buy", "hi buy"), ("spam hi", "[FILTERED] hi")]
)
def test_the_record_of_a_stream_holds_the_reply_the_client_got(
    proxy: tuple[ServerProcess, Path], said: str, got: str
) -> None:
    server, folder = proxy
    token = f"t{time.monotonic_ns()}"
    client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=server.env["LITELLM_MASTER_KEY"], max_retries=0)
    stream = client.chat.completions.create(
        model="echo", stream=True, messages=[{"role": "user", "content": f"{token} {said}"}]
    )
    received = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert received.endswith(f"{token} {got}")
    [record] = _records(folder, token)
    assert record["reply"] == received
