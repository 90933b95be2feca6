"""Fixtures for the loggers-filters tests: a tiny in-process provider and a runner for every call path.

LiteLLM must not fetch its price map during tests: the flag is set before anything imports it.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import litellm
import pytest
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from litellm_plugin.core.testing import early
from litellm_plugin.core.testing.paths import CallPath, call_path
from litellm_plugin.core.testing.settle import finish_litellm_background_logging


def pytest_configure(config: pytest.Config) -> None:
    early.install(config)  # servers marked with early_servers start in the background when collection ends


FAIL = "please fail"  # the test provider raises when the last message is this
CHUNK = 3  # the test provider streams its reply in pieces this long, so words straddle chunks

# Our path names → the engine's matrix (litellm_plugin.core.testing.paths), which makes the calls.
CORE_PATHS: dict[str, CallPath] = {
    "completion": "sync",
    "completion_stream": "sync_stream",
    "router_completion": "router_sync",
    "router_completion_stream": "router_sync_stream",
    "acompletion": "async",
    "acompletion_stream": "async_stream",
    "router_acompletion": "router_async",
    "router_acompletion_stream": "router_async_stream",
}
ALL_PATHS = tuple(CORE_PATHS)


class EchoLLM(CustomLLM):
    """Replies with the last user message, as one response or in CHUNK-character stream pieces."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[list[dict[str, Any]]] = []

    def _reply(self, messages: list[dict[str, Any]]) -> str:
        self.seen.append(messages)
        content = messages[-1].get("content", "")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        if content == FAIL:
            raise RuntimeError("the test provider was asked to fail")
        return str(content)

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        text = self._reply(kwargs["messages"])
        response = ModelResponse(model=kwargs["model"])
        response.choices[0].message.content = text
        response.usage = litellm.Usage(prompt_tokens=3, completion_tokens=5, total_tokens=8)  # type: ignore[attr-defined]
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(*args, **kwargs)

    def _chunks(self, text: str) -> list[GenericStreamingChunk]:
        pieces = [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]
        return [
            GenericStreamingChunk(
                text=piece,
                is_finished=index == len(pieces) - 1,
                finish_reason="stop" if index == len(pieces) - 1 else None,  # type: ignore[typeddict-item]
                usage=None,
                index=0,
                tool_use=None,
            )
            for index, piece in enumerate(pieces)
        ]

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        yield from self._chunks(self._reply(kwargs["messages"]))

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        for chunk in self._chunks(self._reply(kwargs["messages"])):
            yield chunk


@pytest.fixture(autouse=True)
def _clean_litellm() -> Iterator[None]:
    """Every test starts with no callbacks (after an earlier test's background logging has finished), and
    leaves LiteLLM's provider map as it found it."""
    finish_litellm_background_logging()
    litellm.logging_callback_manager._reset_all_callbacks()
    saved = list(litellm.custom_provider_map)
    yield
    litellm.logging_callback_manager._reset_all_callbacks()
    litellm.custom_provider_map = saved


@dataclass
class Provider:
    """The test provider registered under a fresh name."""

    name: str
    llm: EchoLLM

    @property
    def model(self) -> str:
        return f"{self.name}/echo"


@pytest.fixture
def provider() -> Provider:
    name = f"tf{uuid.uuid4().hex[:8]}"
    llm = EchoLLM()
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": llm}]
    litellm.utils.custom_llm_setup()
    return Provider(name, llm)


def _call(path: str, provider: Provider, text: str, **kwargs: Any) -> tuple[str, list[str]]:
    """The reply text and, for streams, the text of each chunk."""

    async def run() -> tuple[str, list[str]]:
        running = asyncio.all_tasks()
        try:
            messages = [{"role": "user", "content": text}]
            reply = await call_path(CORE_PATHS[path], model=provider.model, messages=messages, **kwargs)
            return reply.text, list(reply.chunks or ())
        finally:
            await _settle(running)

    return asyncio.run(run())


async def _settle(running: set[asyncio.Task[Any]]) -> None:
    """Let the background logging tasks this call started finish before the loop closes."""
    spawned = asyncio.all_tasks() - running - {asyncio.current_task()}
    if spawned:
        await asyncio.wait(spawned, timeout=60)


Call = Callable[..., str]
CallChunks = Callable[..., tuple[str, list[str]]]


@pytest.fixture
def call(provider: Provider) -> Call:
    """``call(path, text, **kwargs)``: one call on ``path`` with ``text`` as the user message; the reply."""
    return lambda path, text, **kwargs: _call(path, provider, text, **kwargs)[0]


@pytest.fixture
def call_chunks(provider: Provider) -> CallChunks:
    """Like ``call`` but also returns the stream chunks (empty for non-stream paths)."""
    return lambda path, text, **kwargs: _call(path, provider, text, **kwargs)


@pytest.fixture(params=ALL_PATHS)
def path(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def wait_for() -> Callable[..., None]:
    """``wait_for(condition)``: poll until it holds (LiteLLM logs in the background after a call returns)."""
    return _wait_for


def _assert_stream_cuts_agree(content_filter: Any, text: str) -> None:
    """Every cut of ``text`` into three streamed pieces comes out as the whole reply does (``mask``)."""
    whole = content_filter.mask(text)
    for cuts in itertools.combinations(range(1, len(text)), 2):
        transform = content_filter.response_transform({})
        assert transform is not None
        pieces = [text[start:end] for start, end in itertools.pairwise([0, *cuts, len(text)])]
        assert "".join(transform.transform(piece) for piece in pieces) + transform.flush() == whole, pieces


@pytest.fixture
def assert_stream_cuts_agree() -> Callable[[Any, str], None]:
    """``assert_stream_cuts_agree(content_filter, text)``: a stream cut anywhere gives the whole reply's result."""
    return _assert_stream_cuts_agree
