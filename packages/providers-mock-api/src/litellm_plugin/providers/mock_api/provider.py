"""``MockAPIProvider``: LiteLLM's side of the mock API, over real HTTP.

The six methods LiteLLM calls (completion, acompletion, streaming, astreaming, embedding, aembedding) are
native: the async ones never block the loop, the streaming ones read server-sent events as they arrive.
Requests go to ``api_base`` (the call's, else the constructor's, else ``$MOCK_API_BASE``), e.g.
``http://127.0.0.1:8000/v1``, or, with none, to the embedded app in-process (no server, no socket). The key
is the call's ``api_key``, else the constructor's, else ``$MOCK_API_KEY``, else ``test-key``.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from litellm.types.utils import EmbeddingResponse, GenericStreamingChunk, ModelResponse
from pydantic import BaseModel, ConfigDict, field_validator

from litellm_plugin.core.provider import BaseCustomProvider

from .clients import ClientPool
from .errors import error_from_response, error_from_transport, malformed_body_error
from .protocol import (
    SSEFramer,
    SSELines,
    StreamAssembler,
    StreamError,
    chat_request,
    choices_asked,
    embedding_request,
    fill_embedding_response,
    fill_model_response,
)
from .scripts import Script, load_script
from .server import create_app
from .settings import DEFAULT_API_KEY, MockServerSettings

__all__ = ["EMBEDDED_API_BASE", "MockAPIProvider", "mock_api_provider"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

EMBEDDED_API_BASE = "http://mock-api.embedded/v1"
"""The base URL requests carry when they go to the in-process app (never resolved or connected to)."""

DEFAULT_TIMEOUT = 600.0

_FRAMING_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_ENDS_AT_CLOSE = "litellm_plugin_body_ends_at_close"  # kept on a response rebuilt without its framing headers


# What may stand at the end of JSON cut short after its last complete token: part of true, false or null, or of
# a number (``-``, ``1.``, ``2e``), or nothing at all.
_PARTIAL_TOKEN = re.compile(
    r"(?:t(?:r(?:ue?)?)?|f(?:a(?:l(?:se?)?)?)?|n(?:u(?:ll?)?)?|-?\d*(?:\.\d*)?(?:[eE][+-]?\d*)?)\Z"
)


def _ends_at_close(response: httpx.Response) -> bool:
    """A body with neither a length nor chunks: it ends when the connection does, so a connection reset
    (which some transports, aiohttp's among them, report as an ordinary end) cuts it short unnoticed."""
    known = response.extensions.get(_ENDS_AT_CLOSE)
    if isinstance(known, bool):
        return known
    encoding = response.headers.get("transfer-encoding", "").lower()
    return "content-length" not in response.headers and "chunked" not in encoding


def _stops_short(response: httpx.Response, error: ValueError) -> bool:
    """A body that ends when the connection does, whose JSON stops short: cut inside a UTF-8 character, a
    string, an escape, a literal or a number, or before any byte. JSON that is wrong where it stands is not."""
    if not _ends_at_close(response):
        return False
    if isinstance(error, UnicodeDecodeError):
        return error.reason == "unexpected end of data"
    if not isinstance(error, json.JSONDecodeError):
        return False
    if error.msg.startswith("Unterminated string"):
        return True
    if error.msg.startswith("Invalid \\uXXXX escape"):  # ``\u00`` and the text ends: the escape was cut
        return len(error.doc) - error.pos < len("\\u0000")
    return _PARTIAL_TOKEN.match(error.doc[error.pos :].strip()) is not None


"""Dropped when a body read under a deadline is put back into a response (it is already decoded)."""

_STALE = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
"""Errors before any response arrived: typically a kept-alive connection the server closed meanwhile (uvicorn
closes idle ones after 5 s). The request is sent once more, on a fresh connection, as the openai client does."""


_MIN_MASKED = 6
"""Shorter keys are not masked in server text: replacing every "abc" would garble the message, not hide much."""

_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass(frozen=True)
class _Target:
    embedded: bool
    base_url: str
    headers: dict[str, str] = field(repr=False)  # Authorization
    timeout: httpx.Timeout
    model: str
    total: float | None
    """The caller's ``timeout=`` as a deadline for the whole non-stream request (``None``: per operation)."""
    key: str = field(repr=False)

    def mask(self, text: str) -> str:
        """``text`` from the server with the key blanked out: an error body may echo it back."""
        return text.replace(self.key, "***") if len(self.key) >= _MIN_MASKED else text


class _ProviderOptions(BaseModel):
    """The constructor's arguments, checked when the provider is built rather than on its first call."""

    # hide_input_in_errors: a refused api_key or api_base (user:password@) must not be quoted in the error
    model_config = ConfigDict(strict=True, extra="forbid", title="MockAPIProvider", hide_input_in_errors=True)

    api_base: str | None
    api_key: str | None
    extra_headers: dict[str, str]
    settings: MockServerSettings | None

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None  # empty: as if not given (the call's api_base, $MOCK_API_BASE or the embedded app)
        problem = _base_problem(value)  # the same check as for a call's api_base
        if problem is not None:
            raise ValueError(f"{problem}, e.g. http://127.0.0.1:8000/v1")
        return value

    @field_validator("settings", mode="before")
    @classmethod
    def _settings_from_mapping(cls, value: object) -> object:
        """Settings may be given as a dict (e.g. from YAML): validated as ``MockServerSettings``."""
        return MockServerSettings.model_validate(value) if isinstance(value, Mapping) else value


def _normalize_base(api_base: str) -> str:
    """``http://host:port`` means ``http://host:port/v1``; any other path is used as given."""
    base = api_base.rstrip("/")
    return base + "/v1" if httpx.URL(base).path in ("", "/") else base


def _base_problem(api_base: str) -> str | None:
    """Why ``api_base`` cannot be used, or ``None``; never quotes a password it may carry."""
    try:
        url = httpx.URL(api_base)
    except httpx.InvalidURL as exc:
        return f"api_base is not a valid URL ({exc})"
    if url.scheme not in ("http", "https") or not url.host:
        return f"api_base must be an http:// or https:// URL with a host, got {url.copy_with(userinfo=b'')}"
    if url.userinfo:
        return "api_base must not carry credentials (user:password@); pass the key as api_key"
    return None


def _header_problem(name: object, value: object) -> str | None:
    """Why a header cannot be sent, or ``None``; never quotes the value (it may be a key)."""
    shown = "the api_key" if str(name).lower() == "authorization" else f"header {str(name)[:60]!r}"
    if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
        return f"{shown}: not a valid HTTP header name"
    if not isinstance(value, str):
        return f"{shown}: the value must be a string, not {type(value).__name__}"
    if not value.isascii() or any(char in value for char in "\r\n\0"):
        return f"{shown}: the value has a character HTTP headers cannot carry (CR, LF, NUL or non-ASCII)"
    return None


def _as_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if isinstance(timeout, httpx.Timeout):
        return timeout
    return httpx.Timeout(float(timeout) if timeout is not None else DEFAULT_TIMEOUT)


class MockAPIProvider(BaseCustomProvider):
    """A LiteLLM provider for an OpenAI-compatible HTTP API (the mock API by default).

    Register an instance (``mock_api_provider``) under ``mock_api`` and call ``model="mock_api/gpt-mock"``.
    ``settings`` configures the embedded app; ``script`` (a YAML rules path or a ``Script``) gives it scripted
    replies; ``extra_headers`` go with every request (e.g. ``X-Mock-Fault``).
    ``close()`` (or ``await aclose()``) releases the pooled connections; an ``atexit`` hook does it too.
    """

    provider_name = "mock_api"

    def __init__(
        self,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        settings: MockServerSettings | Mapping[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        script: str | Path | Script | None = None,
    ) -> None:
        super().__init__()
        options = _ProviderOptions.model_validate(
            {
                "api_base": api_base,
                "api_key": api_key,
                "extra_headers": dict(extra_headers) if isinstance(extra_headers, Mapping) else extra_headers or {},
                "settings": settings,
            }
        )
        settings = options.settings
        if script is None and settings is not None:
            script = settings.script  # a rules file given in the settings is checked now too
        if script is not None:  # loaded now: a bad rule fails here, naming it
            settings = (settings or MockServerSettings()).model_copy(update={"script": load_script(script)})
        self.api_base = options.api_base
        self.api_key = options.api_key
        self.extra_headers = dict(options.extra_headers)
        self._settings = settings
        self._app: FastAPI | None = None
        self._app_lock = threading.Lock()
        self._pool = ClientPool(lambda: self.embedded_app)
        atexit.register(_close_at_exit, weakref.ref(self))

    # --- lifecycle ---------------------------------------------------------------------------------------

    @property
    def embedded_app(self) -> FastAPI:
        """The in-process mock API app used when there is no ``api_base`` (created on first use)."""
        with self._app_lock:
            if self._app is None:
                self._app = create_app(self._settings)
            return self._app

    def close(self) -> None:
        """Close the pooled connections (sync clients, and async clients of loops no longer running)."""
        self._pool.close()

    async def aclose(self) -> None:
        """Close the async client of the running loop, then everything ``close()`` closes."""
        await self._pool.aclose()

    # --- plumbing ----------------------------------------------------------------------------------------

    def _target(
        self,
        model: str,
        api_base: str | None,
        api_key: str | None,
        headers: Mapping[str, str] | None,
        timeout: float | httpx.Timeout | None,
    ) -> _Target:
        base = api_base or self.api_base or os.environ.get("MOCK_API_BASE")
        key = api_key or self.api_key or os.environ.get("MOCK_API_KEY") or DEFAULT_API_KEY
        all_headers = {
            **self.extra_headers,
            **(headers or {}),
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
        }
        problem = _base_problem(base) if base else None
        for name, value in all_headers.items():
            problem = problem or _header_problem(name, value)
        if problem:  # refused here: httpx and aiohttp would quote the offending value (a key) in their errors
            raise self.error("bad_request", f"{self.error_provider}: {problem}", model=model)
        return _Target(
            embedded=not base,
            base_url=_normalize_base(base) if base else EMBEDDED_API_BASE,
            headers=all_headers,
            timeout=_as_timeout(timeout),
            model=model,
            total=float(timeout) if isinstance(timeout, (int, float)) and timeout > 0 else None,
            key=key,
        )

    def _transport_error(self, error: httpx.TransportError, target: _Target, streaming: bool) -> Exception:
        return error_from_transport(error, provider=self.error_provider, model=target.model, streaming=streaming)

    def _parse(self, response: httpx.Response, target: _Target, fill: Callable[[object], T]) -> T:
        try:
            return fill(json.loads(response.content))
        except ValueError as exc:  # not JSON (a JSONDecodeError, or bytes that are not UTF-8), or wrong fields
            if not _stops_short(response, exc):
                raise self._malformed(response, target, exc) from None
            raise self.error(
                "connection",
                f"the connection closed (or was reset) before the body was complete: HTTP {response.status_code}"
                f" with no Content-Length, {len(response.content)} bytes of JSON that stops short",
                model=target.model,
            ) from None
        except (TypeError, RecursionError) as exc:  # wrong fields or types, too deep
            raise self._malformed(response, target, exc) from None

    def _malformed(self, response: httpx.Response, target: _Target, exc: Exception) -> Exception:
        return malformed_body_error(
            target.mask(f"HTTP {response.status_code}: {exc}; body starts {response.content[:120]!r}"),
            provider=self.error_provider,
            model=target.model,
        )

    def _stream_error(self, error: StreamError, target: _Target) -> Exception:
        if error.malformed:
            return malformed_body_error(target.mask(str(error)), provider=self.error_provider, model=target.model)
        return self.error("api_error", target.mask(str(error)), model=target.model, status_code=error.status_code)

    def _cut_off(self, response: httpx.Response, framer: SSEFramer, target: _Target) -> Exception:
        if framer.events == 0 and framer.foreign is not None:
            content_type = response.headers.get("content-type", "none")
            return malformed_body_error(
                f"HTTP {response.status_code} (Content-Type {content_type}) is not a server-sent event stream;"
                f" it starts {target.mask(framer.foreign)!r}",
                provider=self.error_provider,
                model=target.model,
            )
        return self.error("connection", "stream ended before data: [DONE] (cut off)", model=target.model)

    def _undecodable(self, error: httpx.DecodingError, target: _Target) -> Exception:
        """A body its ``Content-Encoding`` cannot decode (say "gzip" on plain bytes)."""
        return malformed_body_error(
            f"cannot decode the body: {error}", provider=self.error_provider, model=target.model
        )

    def _timed_out(self, target: _Target) -> Exception:
        return self.error("timeout", f"no complete reply within timeout={target.total:g}s", model=target.model)

    def _read_within(self, response: httpx.Response, target: _Target, started: float) -> httpx.Response:
        """The body read with the caller's ``timeout=`` as a deadline: a trickling server cannot hold us."""
        body = bytearray()
        for piece in response.iter_bytes():
            body += piece
            if target.total is not None and time.monotonic() - started > target.total:
                raise self._timed_out(target)
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _FRAMING_HEADERS]
        read = httpx.Response(response.status_code, headers=headers, content=bytes(body), request=response.request)
        read.extensions[_ENDS_AT_CLOSE] = _ends_at_close(response)
        return read

    def _send(self, target: _Target, path: str, body: bytes, stream: bool) -> httpx.Response:
        started = time.monotonic()
        client = self._pool.sync_client(target.embedded)
        request = client.build_request(
            "POST", target.base_url + path, content=body, headers=target.headers, timeout=target.timeout
        )
        try:
            try:
                response = client.send(request, stream=True)
            except _STALE as exc:
                if target.embedded:
                    raise
                logger.debug("retrying once after %r (a pooled connection the server had closed)", exc)
                response = client.send(request, stream=True)
        except httpx.TransportError as exc:
            raise self._transport_error(exc, target, streaming=False) from exc
        if stream and response.status_code < 300:
            return response
        try:
            read = self._read_within(response, target, started)
        except httpx.DecodingError as exc:
            raise self._undecodable(exc, target) from None
        except httpx.TransportError as exc:
            raise self._transport_error(exc, target, streaming=False) from exc
        finally:
            response.close()
        if read.status_code >= 300:  # redirects are not followed: the key must not go to another host
            raise error_from_response(read, provider=self.error_provider, model=target.model, mask=target.mask)
        return read

    async def _aopen(self, client: httpx.AsyncClient, request: httpx.Request, target: _Target) -> httpx.Response:
        """Send and wait for the headers; once more on a fresh connection after a stale one (see ``_STALE``)."""
        try:
            return await client.send(request, stream=True)
        except _STALE as exc:
            if target.embedded:
                raise
            logger.debug("retrying once after %r (a pooled connection the server had closed)", exc)
            return await client.send(request, stream=True)

    async def _asend(self, target: _Target, path: str, body: bytes, stream: bool) -> httpx.Response:
        started = time.monotonic()
        client = await self._pool.async_client(target.embedded)
        request = client.build_request(
            "POST", target.base_url + path, content=body, headers=target.headers, timeout=target.timeout
        )
        try:
            response = await asyncio.wait_for(self._aopen(client, request, target), target.total)
        except asyncio.TimeoutError:  # headers trickling in: each read is quick, the whole is not
            raise self._timed_out(target) from None
        except httpx.TransportError as exc:
            raise self._transport_error(exc, target, streaming=False) from exc
        if stream and response.status_code < 300:
            return response
        try:
            remaining = None if target.total is None else max(target.total - (time.monotonic() - started), 0.0)
            await asyncio.wait_for(response.aread(), remaining)
        except asyncio.TimeoutError:
            raise self._timed_out(target) from None
        except httpx.DecodingError as exc:
            raise self._undecodable(exc, target) from None
        except httpx.TransportError as exc:
            raise self._transport_error(exc, target, streaming=False) from exc
        finally:
            await response.aclose()
        if response.status_code >= 300:  # redirects are not followed: the key must not go to another host
            raise error_from_response(response, provider=self.error_provider, model=target.model, mask=target.mask)
        return response

    @staticmethod
    def _events(lines: list[str], framer: SSEFramer, assembler: StreamAssembler) -> Iterator[GenericStreamingChunk]:
        """The chunks of the events these lines complete, up to ``data: [DONE]`` (lines after it are ignored)."""
        for line in lines:
            event = framer.feed(line)
            if event is not None:
                yield from assembler.feed(event)
                if assembler.done:
                    return

    def _one_choice(self, model: str, optional_params: Mapping[str, Any]) -> None:
        """Streams with ``n`` > 1 are refused: LiteLLM reads no choice index from a custom provider's chunks
        and keeps one finish reason per stream (1.84 to 1.110; 1.84 takes no ``ModelResponseStream`` from it),
        so every choice's text would reach the caller merged into choice 0."""
        n = choices_asked(optional_params)
        if n > 1:
            raise self.error(
                "bad_request",
                f"{self.error_provider}: n={n} is not supported with stream=True (LiteLLM's streams from custom"
                " providers carry one choice, so the choices' text would arrive merged); use n=1 to stream, or"
                " stream=False for several choices",
                model=model,
            )

    def _chunks(self, response: httpx.Response, target: _Target) -> Iterator[GenericStreamingChunk]:
        assembler, framer, lines = StreamAssembler(), SSEFramer(), SSELines()
        try:
            for data in response.iter_bytes():
                yield from self._events(lines.feed(data), framer, assembler)
                if assembler.done:
                    break
            if not assembler.done:
                yield from self._events(lines.flush(), framer, assembler)
            tail = None if assembler.done else framer.flush()
            if tail is not None:
                yield from assembler.feed(tail)
        except httpx.DecodingError as exc:
            raise self._undecodable(exc, target) from None
        except httpx.TransportError as exc:
            raise self._transport_error(exc, target, streaming=True) from exc
        except StreamError as exc:
            raise self._stream_error(exc, target) from exc
        finally:
            response.close()
        if not assembler.done:
            raise self._cut_off(response, framer, target)
        yield from assembler.finish()

    async def _achunks(self, response: httpx.Response, target: _Target) -> AsyncIterator[GenericStreamingChunk]:
        assembler, framer, lines = StreamAssembler(), SSEFramer(), SSELines()
        try:
            async for data in response.aiter_bytes():
                for chunk in self._events(lines.feed(data), framer, assembler):
                    yield chunk
                if assembler.done:
                    break
            if not assembler.done:
                for chunk in self._events(lines.flush(), framer, assembler):
                    yield chunk
            tail = None if assembler.done else framer.flush()
            if tail is not None:
                for chunk in assembler.feed(tail):
                    yield chunk
        except httpx.DecodingError as exc:
            raise self._undecodable(exc, target) from None
        except httpx.TransportError as exc:
            raise self._transport_error(exc, target, streaming=True) from exc
        except StreamError as exc:
            raise self._stream_error(exc, target) from exc
        finally:
            await response.aclose()
        if not assembler.done:
            raise self._cut_off(response, framer, target)
        for chunk in assembler.finish():
            yield chunk

    # --- chat --------------------------------------------------------------------------------------------

    def completion(
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: Any = None,
    ) -> ModelResponse:
        target = self._target(model, api_base, api_key, headers, timeout)
        body = chat_request(model, messages, optional_params, stream=False)
        response = self._send(target, "/chat/completions", body, stream=False)
        return self._parse(response, target, lambda payload: fill_model_response(payload, model_response))

    async def acompletion(
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: Any = None,
    ) -> ModelResponse:
        target = self._target(model, api_base, api_key, headers, timeout)
        body = chat_request(model, messages, optional_params, stream=False)
        response = await self._asend(target, "/chat/completions", body, stream=False)
        return self._parse(response, target, lambda payload: fill_model_response(payload, model_response))

    def streaming(
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: Any = None,
    ) -> Iterator[GenericStreamingChunk]:
        """Sends the request now (so an HTTP error raises at call time) and reads events as they come."""
        self._one_choice(model, optional_params)
        target = self._target(model, api_base, api_key, headers, timeout)
        body = chat_request(model, messages, optional_params, stream=True)
        response = self._send(target, "/chat/completions", body, stream=True)
        return self._chunks(response, target)

    # LiteLLM annotates ``astreaming`` as a coroutine but consumes it as an async iterator (as core does).
    async def astreaming(  # type: ignore[override,misc]
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: Any = None,
    ) -> AsyncIterator[GenericStreamingChunk]:
        self._one_choice(model, optional_params)
        target = self._target(model, api_base, api_key, headers, timeout)
        body = chat_request(model, messages, optional_params, stream=True)
        response = await self._asend(target, "/chat/completions", body, stream=True)
        async for chunk in self._achunks(response, target):
            yield chunk

    # --- embeddings --------------------------------------------------------------------------------------

    def embedding(
        self,
        model: str,
        input: list[Any],
        model_response: EmbeddingResponse,
        print_verbose: Callable[..., Any],
        logging_obj: Any,
        optional_params: dict[str, Any],
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        litellm_params: Any = None,
    ) -> EmbeddingResponse:
        target = self._target(model, api_base, api_key, None, timeout)
        body = embedding_request(model, input, optional_params)
        response = self._send(target, "/embeddings", body, stream=False)
        return self._parse(response, target, lambda payload: fill_embedding_response(payload, model_response))

    async def aembedding(
        self,
        model: str,
        input: list[Any],
        model_response: EmbeddingResponse,
        print_verbose: Callable[..., Any],
        logging_obj: Any,
        optional_params: dict[str, Any],
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        litellm_params: Any = None,
    ) -> EmbeddingResponse:
        target = self._target(model, api_base, api_key, None, timeout)
        body = embedding_request(model, input, optional_params)
        response = await self._asend(target, "/embeddings", body, stream=False)
        return self._parse(response, target, lambda payload: fill_embedding_response(payload, model_response))


def _close_at_exit(provider_ref: weakref.ref[MockAPIProvider]) -> None:
    provider = provider_ref()
    if provider is not None:
        try:
            provider.close()
        except Exception:  # interpreter shutdown: never let cleanup raise
            logger.debug("closing %r at exit failed", provider, exc_info=True)


mock_api_provider = MockAPIProvider()
"""The instance to register (proxy config: ``litellm_plugin.providers.mock_api.mock_api_provider``)."""
