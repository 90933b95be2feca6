"""Every non-chat way of calling LiteLLM: text completion, Responses API, Anthropic Messages.

``await call_endpoint(path, model=..., text=...)`` makes one call the way a user would (the SDK function, a
Router method, or the proxy route with the ``openai`` client; ``/v1/messages`` over plain HTTP in Anthropic's
wire format) and returns what the user got as a :class:`~litellm_plugin.core.testing.paths.Reply`: the reply
text and, for streams, the text of each piece. Chat paths are in :mod:`~litellm_plugin.core.testing.paths`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Literal, get_args

import httpx
import litellm

from litellm_plugin.core.testing.paths import Reply
from litellm_plugin.core.testing.servers import ServerProcess

__all__ = [
    "ENDPOINT_PATHS",
    "ENDPOINT_STREAM_PATHS",
    "PROXY_ENDPOINT_PATHS",
    "SDK_ENDPOINT_PATHS",
    "EndpointPath",
    "ProxyRouteError",
    "call_endpoint",
]

EndpointPath = Literal[
    "text",
    "text_stream",
    "atext",
    "atext_stream",
    "responses",
    "responses_stream",
    "aresponses",
    "aresponses_stream",
    "messages",
    "messages_stream",
    "amessages",
    "amessages_stream",
    "router_text",
    "router_responses",
    "router_responses_stream",
    "router_messages",
    "router_messages_stream",
    "proxy_text",
    "proxy_text_stream",
    "proxy_responses",
    "proxy_responses_stream",
    "proxy_messages",
    "proxy_messages_stream",
]
ENDPOINT_PATHS: tuple[EndpointPath, ...] = get_args(EndpointPath)
PROXY_ENDPOINT_PATHS: tuple[EndpointPath, ...] = tuple(p for p in ENDPOINT_PATHS if p.startswith("proxy_"))
SDK_ENDPOINT_PATHS: tuple[EndpointPath, ...] = tuple(p for p in ENDPOINT_PATHS if p not in PROXY_ENDPOINT_PATHS)
ENDPOINT_STREAM_PATHS: frozenset[EndpointPath] = frozenset(p for p in ENDPOINT_PATHS if p.endswith("_stream"))


class ProxyRouteError(Exception):
    """The proxy answered ``/v1/messages`` with an HTTP error (or an SSE error event mid-stream)."""

    def __init__(self, status_code: int, body: str) -> None:
        self.status_code = status_code
        super().__init__(f"HTTP {status_code}: {body[:500]}")


def _pieces(parts: list[str]) -> Reply:
    return Reply(text="".join(parts), chunks=tuple(p for p in parts if p))


def _type(event: Any) -> str:
    value = getattr(event, "type", None)
    return str(getattr(value, "value", value))


def _text_completion_text(response: Any) -> str:
    return "".join(choice.text or "" for choice in response.choices)


def _text_stream(chunks: list[Any]) -> Reply:
    return _pieces(["".join(choice.text or "" for choice in chunk.choices) for chunk in chunks])


def _responses_text(response: Any) -> str:
    texts: list[str] = []
    for item in response.output:
        item_type = item["type"] if isinstance(item, dict) else item.type
        if item_type == "message":
            content = item["content"] if isinstance(item, dict) else item.content
            texts.extend(part["text"] if isinstance(part, dict) else part.text for part in content)
    return "".join(texts)


def _responses_stream(events: list[Any]) -> Reply:
    """The deltas; the final ``response.completed`` must repeat exactly what they carried. A stream that ends
    in ``response.failed`` (how the proxy reports an error mid-stream) raises."""
    failed = [event for event in events if _type(event) in ("response.failed", "error")]
    if failed:
        raise ProxyRouteError(500, f"the stream ended in an error event: {failed[-1]!r}")
    reply = _pieces([event.delta for event in events if _type(event) == "response.output_text.delta"])
    completed = [event for event in events if _type(event) == "response.completed"]
    if not completed or _responses_text(completed[-1].response) != reply.text:
        raise AssertionError(f"response.completed does not repeat the streamed text {reply.text!r}")
    return reply


def _messages_text(message: Any) -> str:
    return "".join(block["text"] for block in message["content"] if block["type"] == "text")


def _sse_events(body: bytes) -> list[dict[str, Any]]:
    events = []
    for block in body.replace(b"\r\n", b"\n").split(b"\n\n"):
        for line in block.split(b"\n"):
            if line.startswith(b"data:"):
                events.append(json.loads(line[5:]))
    return events


def _messages_stream(chunks: list[Any]) -> Reply:
    body = b"".join(chunk if isinstance(chunk, bytes) else str(chunk).encode() for chunk in chunks)
    parts = []
    for event in _sse_events(body):
        if event.get("type") == "error":
            raise ProxyRouteError(500, json.dumps(event))
        delta = event.get("delta") or {}
        if event.get("type") == "content_block_delta" and delta.get("type") == "text_delta":
            parts.append(delta["text"])
    return _pieces(parts)


async def _alist(stream: Any) -> list[Any]:
    return [item async for item in stream]


def _router(model: str) -> litellm.Router:
    return litellm.Router(model_list=[{"model_name": "path-model", "litellm_params": {"model": model}}])


def _user(text: str) -> Any:
    return [{"role": "user", "content": text}]


async def call_endpoint(
    path: EndpointPath,
    *,
    model: str,
    text: str,
    proxy: ServerProcess | None = None,
    proxy_model: str | None = None,
) -> Reply:
    """Call LiteLLM on ``path`` with ``text`` as the user's input; sync calls run on a worker thread."""
    if path.startswith("proxy_"):
        if proxy is None:
            raise ValueError(f"path {path!r} needs a running proxy (proxy=...)")
        return await _call_proxy(path, proxy, proxy_model or model, text)
    sync: dict[str, Callable[[], Reply]] = {
        "text": lambda: Reply(_text_completion_text(litellm.text_completion(model=model, prompt=text))),
        "text_stream": lambda: _text_stream(list(litellm.text_completion(model=model, prompt=text, stream=True))),
        "responses": lambda: Reply(_responses_text(litellm.responses(model=model, input=text))),
        "responses_stream": lambda: _responses_stream(list(litellm.responses(model=model, input=text, stream=True))),  # type: ignore[arg-type]
        "messages": lambda: Reply(
            _messages_text(litellm.anthropic.messages.create(model=model, messages=_user(text), max_tokens=256))
        ),
        "messages_stream": lambda: _messages_stream(
            list(litellm.anthropic.messages.create(model=model, messages=_user(text), max_tokens=256, stream=True))  # type: ignore[arg-type]
        ),
    }
    if path in sync:
        return await asyncio.to_thread(sync[path])
    return await _call_async(path, model, text)


async def _call_async(path: EndpointPath, model: str, text: str) -> Reply:
    response: Any
    if path == "atext":
        return Reply(_text_completion_text(await litellm.atext_completion(model=model, prompt=text)))
    if path == "atext_stream":
        return _text_stream(await _alist(await litellm.atext_completion(model=model, prompt=text, stream=True)))
    if path == "aresponses":
        return Reply(_responses_text(await litellm.aresponses(model=model, input=text)))
    if path == "aresponses_stream":
        return _responses_stream(await _alist(await litellm.aresponses(model=model, input=text, stream=True)))
    if path == "amessages":
        response = await litellm.anthropic.messages.acreate(model=model, messages=_user(text), max_tokens=256)
        return Reply(_messages_text(response))
    if path == "amessages_stream":
        response = await litellm.anthropic.messages.acreate(
            model=model, messages=_user(text), max_tokens=256, stream=True
        )
        return _messages_stream(await _alist(response))
    router = _router(model)
    if path == "router_text":
        return Reply(_text_completion_text(await router.atext_completion(model="path-model", prompt=text)))
    if path == "router_responses":
        return Reply(_responses_text(await router.aresponses(model="path-model", input=text)))
    if path == "router_responses_stream":
        return _responses_stream(await _alist(await router.aresponses(model="path-model", input=text, stream=True)))
    if path == "router_messages":
        response = await router.aanthropic_messages(model="path-model", messages=_user(text), max_tokens=256)
        return Reply(_messages_text(response))
    response = await router.aanthropic_messages(model="path-model", messages=_user(text), max_tokens=256, stream=True)
    return _messages_stream(await _alist(response))


async def _call_proxy(path: EndpointPath, proxy: ServerProcess, model: str, text: str) -> Reply:
    import openai

    key = proxy.env["LITELLM_MASTER_KEY"]
    if path.startswith("proxy_messages"):
        async with httpx.AsyncClient(timeout=120) as http:
            answer = await http.post(
                f"{proxy.base_url}/v1/messages",
                headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
                json={"model": model, "max_tokens": 256, "messages": _user(text), "stream": path.endswith("_stream")},
            )
        if answer.status_code >= 400:
            raise ProxyRouteError(answer.status_code, answer.text)
        return _messages_stream([answer.content]) if path.endswith("_stream") else Reply(_messages_text(answer.json()))
    client = openai.AsyncOpenAI(base_url=proxy.base_url + "/v1", api_key=key, max_retries=0, timeout=120)
    async with client:
        if path == "proxy_text":
            return Reply(_text_completion_text(await client.completions.create(model=model, prompt=text)))
        if path == "proxy_text_stream":
            stream: Any = await client.completions.create(model=model, prompt=text, stream=True)
            return _text_stream(await _alist(stream))
        if path == "proxy_responses":
            return Reply((await client.responses.create(model=model, input=text)).output_text)
        stream = await client.responses.create(model=model, input=text, stream=True)
        return _responses_stream(await _alist(stream))
