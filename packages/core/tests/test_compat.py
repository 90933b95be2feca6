"""What ``_compat`` promises on every supported LiteLLM release (the CI matrix runs this on the lowest and newest)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import litellm
import pytest
from litellm import exceptions
from litellm.integrations.custom_guardrail import CustomGuardrail

from litellm_plugin.core import BaseCustomProvider
from litellm_plugin.core._compat import create_async_transport, guardrail_stream_scope_is_default


def test_timeout_error_carries_its_response_and_retry_after() -> None:
    provider = BaseCustomProvider()
    provider.provider_name = "p"
    error = provider.error("timeout", "too slow", model="m", retry_after=3)
    assert isinstance(error, exceptions.Timeout)
    assert isinstance(error, litellm.Timeout)
    assert error.status_code == 408
    assert error.llm_provider == "p"
    assert error.response.headers["retry-after"] == "3"
    assert error.headers == {"retry-after": "3"}


async def _serve(reply: bytes) -> AsyncIterator[str]:
    """A server on 127.0.0.1 that answers every request with ``reply`` and then closes the connection."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def whole_reply() -> AsyncIterator[str]:
    async for url in _serve(b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"ok":true}'):
        yield url


@pytest.fixture
async def cut_reply() -> AsyncIterator[str]:
    """Promises 100 bytes, sends 12, hangs up: a connection dropped in the middle of the body."""
    async for url in _serve(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial": '):
        yield url


async def test_litellms_async_transport_reads_a_reply(whole_reply: str) -> None:
    async with httpx.AsyncClient(transport=create_async_transport()) as client:
        response = await client.get(whole_reply)
    assert response.json() == {"ok": True}


async def test_litellms_async_transport_reports_a_dropped_connection(cut_reply: str) -> None:
    """Never a truncated body passed off as a whole one (LiteLLM's aiohttp transport did so before 1.94)."""
    async with httpx.AsyncClient(transport=create_async_transport()) as client:
        with pytest.raises(httpx.TransportError):
            await client.get(cut_reply)


def test_a_guardrail_without_stream_settings_covers_whole_streams() -> None:
    assert guardrail_stream_scope_is_default(CustomGuardrail(guardrail_name="plain")) is True
