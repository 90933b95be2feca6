"""The proxy's token-counting routes send the request's text to the provider's counting API (Anthropic's
``/v1/messages/count_tokens`` here, the mock API server standing in for it) and run none of the proxy's hooks.
Request interceptors run there now: a blocked word is refused before the provider sees it, and a masked one is
counted masked."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import contextlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from litellm_plugin.core.testing import early
from litellm_plugin.core.testing.early import early_server
from litellm_plugin.core.testing.proxy_files import run_proxy_in_folder
from litellm_plugin.core.testing.servers import ServerProcess
from litellm_plugin.providers.mock_api.testing import serve_mock_api

CONFIG = """
model_list:
  - model_name: claude
    litellm_params:
      model: anthropic/claude-mock
      api_base: PROVIDER
      api_key: os.environ/MOCK_KEY

guardrails:
  - guardrail_name: no-secrets-out
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: pre_call
      default_on: true
      blocked_words: [{keyword: password, action: BLOCK}, {keyword: spam, action: MASK}]
"""

COUNT = "/v1/messages/count_tokens"


@dataclass
class CountingProxy:
    proxy: ServerProcess
    provider: ServerProcess

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            f"{self.proxy.base_url}{path}",
            headers={"Authorization": f"Bearer {self.proxy.env['LITELLM_MASTER_KEY']}"},
            json=body,
            timeout=120,
        )

    def provider_counts(self) -> int:
        return sum(f'"POST {COUNT} HTTP/1.1"' in line for line in self.provider.logs().splitlines())


@contextlib.contextmanager
def _start() -> Iterator[CountingProxy]:
    api_key = f"mock-{secrets.token_hex(16)}"
    with serve_mock_api(api_key=api_key) as provider:
        files = {"config.yaml": CONFIG.replace("PROVIDER", provider.base_url)}
        with run_proxy_in_folder(files, env={"MOCK_KEY": api_key}) as (proxy, _):
            yield CountingProxy(proxy, provider)


early.register("token_counting", _start, fixture="counting")


@pytest.fixture(scope="module")
def counting() -> Iterator[CountingProxy]:
    with early_server("token_counting", _start) as servers:
        yield servers


def _messages(text: str) -> dict[str, Any]:
    return {"model": "claude", "messages": [{"role": "user", "content": text}]}


# Each counting route, with what it answers the count in.
ROUTES: dict[str, tuple[str, Callable[[str], dict[str, Any]], str]] = {
    "anthropic": (COUNT, _messages, "input_tokens"),
    "utils": ("/utils/token_counter?call_endpoint=true", _messages, "total_tokens"),
    "responses": ("/v1/responses/input_tokens", lambda text: {"model": "claude", "input": text}, "input_tokens"),
}


def _count(counting: CountingProxy, route: str, text: str) -> int:
    path, body, field = ROUTES[route]
    response = counting.post(path, body(text))
    assert response.status_code == 200, response.text
    count = response.json()[field]
    assert isinstance(count, int)
    return count


@pytest.mark.parametrize("route", ROUTES)
def test_a_clean_request_is_counted_by_the_provider(route: str, counting: CountingProxy) -> None:
    before = counting.provider_counts()
    assert _count(counting, route, "hello there") > 0
    assert counting.provider_counts() == before + 1


@pytest.mark.parametrize("route", ROUTES)
def test_a_blocked_word_never_reaches_the_counting_api(route: str, counting: CountingProxy) -> None:
    """Before: 200 with a count, and the provider received "my password is hunter2"."""
    path, body, _ = ROUTES[route]
    before = counting.provider_counts()
    response = counting.post(path, body("my password is hunter2"))
    assert response.status_code == 400, response.text
    assert "no-secrets-out" in response.text
    assert counting.provider_counts() == before


@pytest.mark.parametrize("route", ROUTES)
def test_a_masked_word_is_counted_masked(route: str, counting: CountingProxy) -> None:
    """The provider counts what it would be sent: "[FILTERED]" (several tokens), not "spam" (one)."""
    masked = _count(counting, route, "no spam today")
    assert masked == _count(counting, route, "no [FILTERED] today")
    assert masked > _count(counting, route, "no eggs today")


def test_contents_no_reader_knows_are_refused(counting: CountingProxy) -> None:
    """Gemini's ``contents``: text the filter cannot read, so the filter (claiming every call type) fails closed."""
    before = counting.provider_counts()
    body = {"model": "claude", "contents": [{"role": "user", "parts": [{"text": "my password"}]}]}
    response = counting.post("/utils/token_counter?call_endpoint=true", body)
    assert response.status_code >= 400, response.text
    assert "no-secrets-out" in response.text
    assert counting.provider_counts() == before
