"""MockAPIProvider through LiteLLM's public API, over both transports (embedded app and a real server)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

import litellm
import pytest
from litellm.exceptions import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    MidStreamFallbackError,
    NotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    Timeout,
)
from litellm.router import Router
from litellm.types.utils import ModelResponse

from litellm_plugin.providers.mock_api import MockAPIProvider

MODEL = "mock_api/gpt-mock"
MESSAGES: list[Any] = [{"role": "user", "content": "What does the mock API say?"}]


def text_of(response: Any) -> str:
    assert isinstance(response, ModelResponse)
    content = response.choices[0].message.content
    assert isinstance(content, str)
    return content


def streamed_text(chunks: list[Any]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def test_documented_example_call(provider: MockAPIProvider) -> None:
    response = litellm.completion(model=MODEL, messages=MESSAGES, api_key="test-key", temperature=0.7, max_tokens=50)
    text = text_of(response)
    assert text.startswith('Mock reply to "What does the mock API say?"')
    assert litellm.token_counter(model="gpt-mock", text=text) <= 50
    assert response.usage.completion_tokens <= 50


async def test_all_four_chat_paths_agree(provider: MockAPIProvider) -> None:
    sync = text_of(litellm.completion(model=MODEL, messages=MESSAGES))
    asynchronous = text_of(await litellm.acompletion(model=MODEL, messages=MESSAGES))
    stream = streamed_text(list(litellm.completion(model=MODEL, messages=MESSAGES, stream=True)))
    astream = await litellm.acompletion(model=MODEL, messages=MESSAGES, stream=True)
    async_stream = streamed_text([chunk async for chunk in astream])
    assert sync == asynchronous == stream == async_stream


def test_usage_is_reported(provider: MockAPIProvider) -> None:
    response = litellm.completion(model=MODEL, messages=MESSAGES)
    usage = response.usage
    assert usage.prompt_tokens == litellm.token_counter(model="gpt-mock", messages=MESSAGES)
    assert usage.completion_tokens == litellm.token_counter(model="gpt-mock", text=text_of(response))

    chunks = list(
        litellm.completion(model=MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True})
    )
    assert chunks[-1].usage.completion_tokens == usage.completion_tokens
    assert chunks[-1].usage.prompt_tokens == usage.prompt_tokens


def test_parameters_are_passed_through(provider: MockAPIProvider) -> None:
    cut = litellm.completion(model=MODEL, messages=MESSAGES, max_tokens=4)
    assert cut.choices[0].finish_reason == "length"
    assert cut.usage.completion_tokens <= 4

    two = litellm.completion(model=MODEL, messages=MESSAGES, n=2)
    assert len(two.choices) == 2

    full = text_of(litellm.completion(model=MODEL, messages=MESSAGES))
    stop_word = full.split()[5]
    stopped = litellm.completion(model=MODEL, messages=MESSAGES, stop=[stop_word])
    assert text_of(stopped) == full[: full.index(stop_word)]

    seeded = [text_of(litellm.completion(model=MODEL, messages=MESSAGES, seed=seed)) for seed in (1, 1, 2)]
    assert seeded[0] == seeded[1] != seeded[2]


def test_stream_finish_reason_length(provider: MockAPIProvider) -> None:
    chunks = list(litellm.completion(model=MODEL, messages=MESSAGES, stream=True, max_tokens=3))
    reasons = [chunk.choices[0].finish_reason for chunk in chunks if chunk.choices and chunk.choices[0].finish_reason]
    assert reasons == ["length"]


def test_server_side_validation_reaches_the_caller(provider: MockAPIProvider) -> None:
    with pytest.raises(BadRequestError, match="temperature"):
        litellm.completion(model=MODEL, messages=MESSAGES, temperature=5)


async def test_embeddings(provider: MockAPIProvider) -> None:
    response = litellm.embedding(model="mock_api/text-embedding-mock", input=["alpha", "beta"])
    vectors = [item["embedding"] for item in response.data]
    assert len(vectors) == 2
    assert len(vectors[0]) == 256
    assert response.usage is not None
    assert response.usage.prompt_tokens == 2
    again = await litellm.aembedding(model="mock_api/text-embedding-mock", input=["alpha", "beta"])
    assert [item["embedding"] for item in again.data] == vectors


def test_wrong_key_is_authentication_error(provider: MockAPIProvider) -> None:
    with pytest.raises(AuthenticationError) as caught:
        litellm.completion(model=MODEL, messages=MESSAGES, api_key="wrong-key")
    assert caught.value.llm_provider == "mock_api"


def test_unknown_model_is_not_found(provider: MockAPIProvider) -> None:
    with pytest.raises(NotFoundError):
        litellm.completion(model="mock_api/gpt-unknown", messages=MESSAGES)


FAULTS = [
    ("status=400", BadRequestError),
    ("status=401", AuthenticationError),
    ("status=404", NotFoundError),
    ("status=422", BadRequestError),
    ("status=429", RateLimitError),
    ("status=500", InternalServerError),
    ("status=503", ServiceUnavailableError),
    ("malformed", APIError),
    ("drop", APIConnectionError),
]


@pytest.mark.parametrize(("spec", "expected"), FAULTS, ids=[spec for spec, _ in FAULTS])
async def test_faults_raise_typed_errors(provider: MockAPIProvider, spec: str, expected: type[Exception]) -> None:
    headers = {"X-Mock-Fault": spec}
    with pytest.raises(expected) as caught:
        litellm.completion(model=MODEL, messages=MESSAGES, extra_headers=headers)
    assert getattr(caught.value, "llm_provider", None) == "mock_api"
    with pytest.raises(expected):
        await litellm.acompletion(model=MODEL, messages=MESSAGES, extra_headers=headers)


async def test_rate_limit_error_keeps_retry_after(provider: MockAPIProvider) -> None:
    with pytest.raises(RateLimitError) as caught:
        await litellm.acompletion(
            model=MODEL, messages=MESSAGES, extra_headers={"X-Mock-Fault": "status=429;retry_after=7"}
        )
    assert caught.value.response.headers["retry-after"] == "7"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("status=429", RateLimitError), ("status=500", InternalServerError)],
)
def test_sync_stream_errors_raise_at_call_time(provider: MockAPIProvider, spec: str, expected: type) -> None:
    with pytest.raises(expected):
        litellm.completion(model=MODEL, messages=MESSAGES, stream=True, extra_headers={"X-Mock-Fault": spec})


@pytest.mark.parametrize(("spec", "cause"), [("drop_after=3", APIConnectionError), ("malformed", APIError)])
async def test_mid_stream_errors_raise_in_the_callers_loop(
    provider: MockAPIProvider, spec: str, cause: type[Exception]
) -> None:
    """Never a silently truncated success: LiteLLM wraps mid-stream errors for the Router's fallbacks."""
    headers = {"X-Mock-Fault": spec}
    received: list[Any] = []
    stream = await litellm.acompletion(model=MODEL, messages=MESSAGES, stream=True, extra_headers=headers)
    with pytest.raises(MidStreamFallbackError) as caught:
        received.extend([chunk async for chunk in stream])
    assert isinstance(caught.value.original_exception, cause)
    with pytest.raises(MidStreamFallbackError) as caught_sync:
        received.extend(litellm.completion(model=MODEL, messages=MESSAGES, stream=True, extra_headers=headers))
    assert isinstance(caught_sync.value.original_exception, cause)


@pytest.mark.parametrize("stream", [False, True])
async def test_timeout_is_honoured(provider: MockAPIProvider, stream: bool) -> None:
    headers = {"X-Mock-Fault": "latency=3"}
    with pytest.raises(Timeout):  # the server answers after 3 s: only the 0.3 s timeout can end the call
        litellm.completion(model=MODEL, messages=MESSAGES, timeout=0.3, stream=stream, extra_headers=headers)
    with pytest.raises(Timeout):
        await litellm.acompletion(model=MODEL, messages=MESSAGES, timeout=0.3, extra_headers=headers)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused_is_api_connection_error(provider: MockAPIProvider) -> None:
    api_base = f"http://127.0.0.1:{_closed_port()}/v1"
    with pytest.raises(APIConnectionError):
        litellm.completion(model=MODEL, messages=MESSAGES, api_base=api_base)
    with pytest.raises(APIConnectionError):
        await litellm.acompletion(model=MODEL, messages=MESSAGES, api_base=api_base)


def test_successive_event_loops(provider: MockAPIProvider) -> None:
    async def one_round() -> list[str]:
        replies = await asyncio.gather(
            *(litellm.acompletion(model=MODEL, messages=MESSAGES, max_tokens=5) for _ in range(5))
        )
        stream = await litellm.acompletion(model=MODEL, messages=MESSAGES, stream=True, max_tokens=5)
        streamed = streamed_text([chunk async for chunk in stream])
        return [*(text_of(reply) for reply in replies), streamed]

    rounds = [asyncio.run(one_round()) for _ in range(3)]
    assert all(texts == rounds[0] for texts in rounds)
    assert len(set(rounds[0])) == 1


async def test_concurrent_calls(provider: MockAPIProvider) -> None:
    prompts = [[{"role": "user", "content": f"prompt number {i}"}] for i in range(40)]
    replies = await asyncio.gather(*(litellm.acompletion(model=MODEL, messages=m) for m in prompts))
    for i, reply in enumerate(replies):
        assert text_of(reply).startswith(f'Mock reply to "prompt number {i}"')


async def test_close_then_reuse(provider: MockAPIProvider) -> None:
    await litellm.acompletion(model=MODEL, messages=MESSAGES)
    litellm.completion(model=MODEL, messages=MESSAGES)
    await provider.aclose()
    provider.close()
    # Clients are created again on demand.
    assert text_of(await litellm.acompletion(model=MODEL, messages=MESSAGES))
    assert text_of(litellm.completion(model=MODEL, messages=MESSAGES))


def _rate_limited_router(num_retries: int) -> Router:
    """A Router whose deployment answers 429 to its first two requests, then replies. ``Retry-After: 0``: the
    Router then waits its own backoff (short in these tests, see conftest), not the header's second; that the
    header reaches the error is test_rate_limit_error_keeps_retry_after."""
    fault = f"status=429;retry_after=0;times=2;key={uuid.uuid4().hex}"
    return Router(
        model_list=[
            {"model_name": "mock", "litellm_params": {"model": MODEL, "extra_headers": {"X-Mock-Fault": fault}}}
        ],
        num_retries=num_retries,
    )


async def test_router_retries_after_two_rate_limits(provider: MockAPIProvider) -> None:
    response = await _rate_limited_router(num_retries=3).acompletion(model="mock", messages=MESSAGES)
    assert text_of(response).startswith("Mock reply to")
    with pytest.raises(RateLimitError):  # one retry is not enough: both 429s really reach the Router
        await _rate_limited_router(num_retries=1).acompletion(model="mock", messages=MESSAGES)


def test_router_sync_retries_after_two_rate_limits(provider: MockAPIProvider) -> None:
    assert text_of(_rate_limited_router(num_retries=3).completion(model="mock", messages=MESSAGES)).startswith(
        "Mock reply to"
    )


def test_constructor_defaults_and_extra_headers(api_base: str | None) -> None:
    from litellm_plugin.core import PluginRegistry

    faulty = MockAPIProvider(api_base=api_base, api_key="test-key", extra_headers={"X-Mock-Fault": "status=503"})
    registry = PluginRegistry()
    registry.register("mock_api_faulty", faulty)
    registry.initialize()
    try:
        with pytest.raises(ServiceUnavailableError):
            litellm.embedding(model="mock_api_faulty/text-embedding-mock", input=["x"])
        with pytest.raises(AuthenticationError):
            litellm.completion(model="mock_api_faulty/gpt-mock", messages=MESSAGES, api_key="wrong")
    finally:
        registry.unregister("mock_api_faulty")
        faulty.close()
