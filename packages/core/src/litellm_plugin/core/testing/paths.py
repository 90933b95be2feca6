"""Every way a user calls LiteLLM for a chat completion, behind one function, for parametrized tests.

``await call_path(path, model=..., messages=...)`` makes the call the way a user would on that path and
returns what the user got: the reply text and, for streams, the text of each chunk. Sync paths run on a
worker thread with no event loop, as in a plain script. Proxy paths need a running proxy
(:func:`litellm_plugin.core.testing.servers.run_proxy`) and use the ``openai`` client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import litellm

from litellm_plugin.core.testing.servers import ServerProcess

__all__ = ["ALL_PATHS", "PROXY_PATHS", "SDK_PATHS", "STREAM_PATHS", "CallPath", "Reply", "call_path"]

CallPath = Literal[
    "sync",
    "async",
    "sync_stream",
    "async_stream",
    "router_sync",
    "router_async",
    "router_sync_stream",
    "router_async_stream",
    "proxy",
    "proxy_stream",
]
ALL_PATHS: tuple[CallPath, ...] = get_args(CallPath)
PROXY_PATHS: tuple[CallPath, ...] = tuple(p for p in ALL_PATHS if p.startswith("proxy"))
SDK_PATHS: tuple[CallPath, ...] = tuple(p for p in ALL_PATHS if p not in PROXY_PATHS)
STREAM_PATHS: frozenset[CallPath] = frozenset(p for p in ALL_PATHS if p.endswith("stream"))


@dataclass(frozen=True)
class Reply:
    """What the caller received: the whole text, and each chunk's text when streamed."""

    text: str
    chunks: tuple[str, ...] | None = None


def _chunk_text(chunk: Any) -> str:
    choices = getattr(chunk, "choices", None) or []
    return "".join(getattr(c.delta, "content", None) or "" for c in choices)


def _joined(chunks: Iterable[str]) -> Reply:
    parts = tuple(chunks)
    return Reply(text="".join(parts), chunks=tuple(p for p in parts if p))


def _router(model: str) -> litellm.Router:
    return litellm.Router(model_list=[{"model_name": "path-model", "litellm_params": {"model": model}}])


async def call_path(
    path: CallPath,
    *,
    model: str,
    messages: list[dict[str, Any]],
    proxy: ServerProcess | None = None,
    proxy_model: str | None = None,
    **params: Any,
) -> Reply:
    """Call LiteLLM on ``path`` and return what the caller got. ``proxy_model`` names the proxy's model."""
    if path == "sync":
        response: Any = await asyncio.to_thread(lambda: litellm.completion(model=model, messages=messages, **params))
        return Reply(text=response.choices[0].message.content or "")
    if path == "async":
        response = await litellm.acompletion(model=model, messages=messages, **params)
        return Reply(text=response.choices[0].message.content or "")
    if path == "sync_stream":
        return await asyncio.to_thread(
            lambda: _joined(
                _chunk_text(c) for c in litellm.completion(model=model, messages=messages, stream=True, **params)
            )
        )
    if path == "async_stream":
        stream = await litellm.acompletion(model=model, messages=messages, stream=True, **params)
        return _joined([_chunk_text(c) async for c in stream])
    if path.startswith("router_"):
        return await _call_router(path, _router(model), messages, params)
    return await _call_proxy(path, proxy, proxy_model or model, messages, params)


async def _call_router(path: CallPath, router: litellm.Router, messages: Any, params: Any) -> Reply:
    response: Any
    if path == "router_sync":
        response = await asyncio.to_thread(lambda: router.completion(model="path-model", messages=messages, **params))
        return Reply(text=response.choices[0].message.content or "")
    if path == "router_async":
        response = await router.acompletion(model="path-model", messages=messages, **params)
        return Reply(text=response.choices[0].message.content or "")
    if path == "router_sync_stream":
        return await asyncio.to_thread(
            lambda: _joined(
                _chunk_text(c) for c in router.completion(model="path-model", messages=messages, stream=True, **params)
            )
        )
    stream: Any = await router.acompletion(model="path-model", messages=messages, stream=True, **params)
    return _joined([_chunk_text(c) async for c in stream])


async def _call_proxy(
    path: CallPath, proxy: ServerProcess | None, model: str, messages: list[dict[str, Any]], params: Any
) -> Reply:
    if proxy is None:
        raise ValueError(f"path {path!r} needs a running proxy (proxy=...)")
    import openai

    client = openai.AsyncOpenAI(base_url=proxy.base_url + "/v1", api_key=proxy.env["LITELLM_MASTER_KEY"], max_retries=0)
    async with client:
        if path == "proxy":
            response = await client.chat.completions.create(model=model, messages=messages, **params)  # type: ignore[arg-type]
            return Reply(text=response.choices[0].message.content or "")
        stream: Any = await client.chat.completions.create(model=model, messages=messages, stream=True, **params)  # type: ignore[arg-type]
        return _joined([_chunk_text(c) async for c in stream])
