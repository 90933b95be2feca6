"""Pass-through routes (``/openai/...``; ``/vllm/...`` or ``/azure/...`` naming a model of the config, which the
proxy sends through the Router without marking the call as a client's): the proxy forwards the client's body to
the provider as it is and shows no hook the reply. A ``during_call`` or ``post_call`` ContentFilter cannot check
them, so it refuses them before the call (fail closed) instead of being skipped. The provider is the mock API
server, reached through the ``OPENAI_API_BASE`` the pass-through route uses."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from litellm_plugin.core.testing import early
from litellm_plugin.core.testing.early import early_server
from litellm_plugin.core.testing.proxy_files import run_proxy_in_folder
from litellm_plugin.core.testing.servers import ServerProcess
from litellm_plugin.providers.mock_api.testing import serve_mock_api

HANDLERS = """
from litellm_plugin.loggers.filters import ContentFilter
"""

CONFIG = """
model_list:  # the provider-specific pass-through routes need none, but may name one of these
  - model_name: routed
    litellm_params:
      {model: hosted_vllm/gpt-mock, api_base: os.environ/ROUTED_API_BASE, api_key: os.environ/OPENAI_API_KEY}

guardrails:
  - guardrail_name: masked-replies
    litellm_params:
      guardrail: handlers.ContentFilter
      mode: post_call
      default_on: POST_ON
      blocked_words: [{keyword: spam, action: MASK}]
  - guardrail_name: checked-alongside
    litellm_params:
      guardrail: handlers.ContentFilter
      mode: during_call
      default_on: DURING_ON
      action: block
      blocked_words: [{keyword: hunter2, action: BLOCK}]
"""

CHAT = "/v1/chat/completions"


@dataclass
class PassThroughProxy:
    proxy: ServerProcess
    provider: ServerProcess

    def send(self, text: str) -> httpx.Response:
        return self.send_to(f"/openai{CHAT}", {"model": "gpt-mock", "messages": [{"role": "user", "content": text}]})

    def send_to(self, path: str, body: dict[str, object]) -> httpx.Response:
        return httpx.post(
            f"{self.proxy.base_url}{path}",
            headers={"Authorization": f"Bearer {self.proxy.env['LITELLM_MASTER_KEY']}"},
            json=body,
            timeout=120,
        )

    def provider_requests(self) -> int:
        return sum('"POST /' in line for line in self.provider.logs().splitlines())


@contextlib.contextmanager
def _start(*, post_call_on: bool) -> Iterator[PassThroughProxy]:
    """One guardrail on by default: ``post_call`` or ``during_call``."""
    api_key = f"mock-{secrets.token_hex(16)}"
    with serve_mock_api(api_key=api_key) as provider:
        env = {
            "OPENAI_API_BASE": f"{provider.base_url}/",
            "OPENAI_API_KEY": api_key,
            "ROUTED_API_BASE": f"{provider.base_url}/v1",
        }
        files = {
            "handlers.py": HANDLERS,
            "config.yaml": CONFIG.replace("POST_ON", str(post_call_on).lower()).replace(
                "DURING_ON", str(not post_call_on).lower()
            ),
        }
        with run_proxy_in_folder(files, env=env) as (proxy, _):
            yield PassThroughProxy(proxy, provider)


@contextlib.contextmanager
def _start_reply_filter_only() -> Iterator[PassThroughProxy]:
    with _start(post_call_on=True) as servers:
        yield servers


@contextlib.contextmanager
def _start_with_request_check() -> Iterator[PassThroughProxy]:
    with _start(post_call_on=False) as servers:
        yield servers


early.register("pass_through_post", _start_reply_filter_only, fixture="post_call_only")
early.register("pass_through_during", _start_with_request_check, fixture="with_during_call")


@pytest.fixture(scope="module")
def post_call_only() -> Iterator[PassThroughProxy]:
    with early_server("pass_through_post", _start_reply_filter_only) as servers:
        yield servers


@pytest.fixture(scope="module")
def with_during_call() -> Iterator[PassThroughProxy]:
    with early_server("pass_through_during", _start_with_request_check) as servers:
        yield servers


def test_a_reply_filter_refuses_a_pass_through_call_it_could_not_read(post_call_only: PassThroughProxy) -> None:
    """Before: 200, and the mock server's reply came back with "spam" unmasked."""
    before = post_call_only.provider_requests()
    response = post_call_only.send("say spam")
    assert response.status_code >= 400, response.text
    assert "so the call was not made" in response.text
    assert "masked-replies" in response.text
    assert post_call_only.provider_requests() == before


def test_a_during_call_filter_refuses_a_pass_through_call_it_could_not_read(
    with_during_call: PassThroughProxy,
) -> None:
    """Before: 200, and the provider received "my password is hunter2"."""
    before = with_during_call.provider_requests()
    response = with_during_call.send("my password is hunter2")
    assert response.status_code >= 400, response.text
    assert "checked-alongside" in response.text
    assert with_during_call.provider_requests() == before


# Routes whose model is one of the config's: LiteLLM calls the Router's pass-through for them directly.
ROUTED = [
    pytest.param("/vllm/v1/chat/completions", {"model": "routed", "messages": []}),
    pytest.param("/vllm/v1/completions", {"model": "routed", "prompt": ""}),
    pytest.param("/azure/openai/deployments/routed/chat/completions?api-version=2024-10-21", {"messages": []}),
]


def _with_text(body: dict[str, object], text: str) -> dict[str, object]:
    if "prompt" in body:
        return {**body, "prompt": text}
    return {**body, "messages": [{"role": "user", "content": text}]}


@pytest.mark.parametrize(("path", "body"), ROUTED)
def test_a_reply_filter_refuses_a_pass_through_route_naming_a_model(
    post_call_only: PassThroughProxy, path: str, body: dict[str, object]
) -> None:
    """Before: 200, the provider's reply unmasked (no hook runs there). LiteLLM's route answers the refusal
    with a bare 500 (it converts no error but the upstream's); the proxy's log names the interceptor."""
    before = post_call_only.provider_requests()
    response = post_call_only.send_to(path, _with_text(body, "say spam"))
    assert response.status_code == 500, response.text
    assert post_call_only.provider_requests() == before


@pytest.mark.parametrize(("path", "body"), ROUTED)
def test_a_during_call_filter_refuses_a_pass_through_route_naming_a_model(
    with_during_call: PassThroughProxy, path: str, body: dict[str, object]
) -> None:
    """Before: 200, and the provider received the password."""
    before = with_during_call.provider_requests()
    response = with_during_call.send_to(path, _with_text(body, "my password is hunter2"))
    assert response.status_code == 500, response.text
    assert with_during_call.provider_requests() == before


# RAG's query route runs no hooks: it sends the question to a vector store search, then the text it found and
# the question to the model (LiteLLM's ``aquery``). Neither can be filtered there, so it is refused before both.
RAG_QUERY = {
    "model": "routed",
    "retrieval_config": {"vector_store_id": "vs_1", "custom_llm_provider": "openai"},
}


@pytest.mark.parametrize(
    ("fixture", "guardrail", "text"),
    [
        ("post_call_only", "masked-replies", "say spam"),
        ("with_during_call", "checked-alongside", "my password is hunter2"),
    ],
)
def test_a_filter_refuses_a_rag_query_before_the_vector_store_search(
    fixture: str, guardrail: str, text: str, request: pytest.FixtureRequest
) -> None:
    """Before: 200; the vector store and the model both got the text, and the reply came back unfiltered."""
    servers: PassThroughProxy = request.getfixturevalue(fixture)
    before = servers.provider_requests()
    response = servers.send_to("/v1/rag/query", {**RAG_QUERY, "messages": [{"role": "user", "content": text}]})
    assert response.status_code >= 400, response.text
    assert guardrail in response.text
    assert "cannot read the text of a 'aquery'" in response.text
    assert servers.provider_requests() == before
