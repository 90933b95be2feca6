"""Fixtures for the loggers-filters tests: a tiny in-process provider and a runner for every call path.

LiteLLM must not fetch its price map during tests: the flag is set before anything imports it.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import litellm
import pytest
from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse

FAIL = "please fail"  # the test provider raises when the last message is this
CHUNK = 3  # the test provider streams its reply in pieces this long, so words straddle chunks

SYNC_PATHS = ("completion", "completion_stream", "router_completion", "router_completion_stream")
ASYNC_PATHS = ("acompletion", "acompletion_stream", "router_acompletion", "router_acompletion_stream")
ALL_PATHS = SYNC_PATHS + ASYNC_PATHS


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
    """Every test starts with no callbacks, and leaves LiteLLM's provider map as it found it."""
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
    router: litellm.Router = field(repr=False)

    @property
    def model(self) -> str:
        return f"{self.name}/echo"


@pytest.fixture
def provider() -> Provider:
    name = f"tf{uuid.uuid4().hex[:8]}"
    llm = EchoLLM()
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": llm}]
    litellm.utils.custom_llm_setup()
    router = litellm.Router(model_list=[{"model_name": "echo-group", "litellm_params": {"model": f"{name}/echo"}}])
    return Provider(name, llm, router)


def _text(response: Any) -> str:
    return response.choices[0].message.content or ""


def _join(chunks: list[Any]) -> str:
    return "".join(choice.delta.content or "" for chunk in chunks for choice in chunk.choices)


async def _collect(stream: Any) -> list[Any]:
    return [chunk async for chunk in stream]


def _call(path: str, provider: Provider, text: str, **kwargs: Any) -> tuple[str, list[Any]]:
    messages = [{"role": "user", "content": text}]
    router = path.startswith("router_")
    stream = path.endswith("_stream")
    name = path.removeprefix("router_").removesuffix("_stream")
    target: Any = provider.router if router else litellm
    model = "echo-group" if router else provider.model
    function = getattr(target, name)
    if name == "completion":
        result = function(model=model, messages=messages, stream=stream, **kwargs)
        if not stream:
            return _text(result), []
        chunks = list(result)
        return _join(chunks), chunks

    async def run() -> tuple[str, list[Any]]:
        running = asyncio.all_tasks()
        try:
            result = await function(model=model, messages=messages, stream=stream, **kwargs)
            if not stream:
                return _text(result), []
            chunks = await _collect(result)
            return _join(chunks), chunks
        finally:
            await _settle(running)

    return asyncio.run(run())


async def _settle(running: set[asyncio.Task[Any]]) -> None:
    """Let the background logging tasks this call started finish before the loop closes."""
    spawned = asyncio.all_tasks() - running - {asyncio.current_task()}
    if spawned:
        await asyncio.wait(spawned, timeout=2)


Call = Callable[..., str]
CallChunks = Callable[..., tuple[str, list[Any]]]


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


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
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
