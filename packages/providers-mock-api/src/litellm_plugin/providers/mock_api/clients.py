"""Pooled HTTP clients for the provider: one sync client, one async client per event loop.

Over the network the async clients use LiteLLM's own transport, the one its built-in providers use (aiohttp-backed
unless ``litellm.disable_aiohttp_transport``), through core's ``_compat``: that also knows the older releases,
whose aiohttp transport hid dropped connections (there it is LiteLLM's httpx transport).
An aiohttp session belongs to the loop that created it, so each event loop gets its own client; clients of
loops that are gone are dropped with their loop (``WeakKeyDictionary``). Without an ``api_base`` the clients
talk to the embedded app in-process (``transport.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
import weakref
from collections.abc import AsyncGenerator, Callable
from typing import Any

import httpx
from litellm.llms.custom_httpx.http_handler import get_ssl_configuration

from litellm_plugin.core._compat import create_async_transport

from .transport import StreamingASGITransport, SyncASGITransport

__all__ = ["ClientPool"]

logger = logging.getLogger(__name__)

_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=100)


def _ssl_config() -> tuple[bool | ssl.SSLContext | str, ssl.SSLContext | None, bool | None]:
    config = get_ssl_configuration()
    context = config if isinstance(config, ssl.SSLContext) else None
    verify = config if isinstance(config, bool) else None
    return config, context, verify


async def _close_when_loop_ends(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Parked at its ``yield`` for the loop's lifetime.

    ``asyncio.run`` (and ``asyncio.Runner``) finalise pending async generators before closing the loop, which
    runs this ``finally`` on the loop that owns the client: the aiohttp session closes cleanly, with no
    "unclosed transport" left behind when a script runs several event loops one after another.
    """
    try:
        yield
    finally:
        await client.aclose()


class ClientPool:
    """The HTTP clients of one provider instance; ``close()`` / ``aclose()`` release them all."""

    def __init__(self, embedded_app: Callable[[], Any]) -> None:
        self._embedded_app = embedded_app
        self._lock = threading.Lock()
        self._sync: dict[bool, httpx.Client] = {}
        self._async_network: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )
        self._async_embedded: httpx.AsyncClient | None = None
        self._closers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = (
            weakref.WeakKeyDictionary()
        )

    def sync_client(self, embedded: bool) -> httpx.Client:
        client = self._sync.get(embedded)
        if client is not None and not client.is_closed:
            return client
        with self._lock:
            client = self._sync.get(embedded)
            if client is None or client.is_closed:
                if embedded:
                    client = httpx.Client(transport=SyncASGITransport(self._embedded_app()))
                else:
                    config, _, _ = _ssl_config()
                    client = httpx.Client(verify=config, limits=_LIMITS)
                self._sync[embedded] = client
            return client

    async def async_client(self, embedded: bool) -> httpx.AsyncClient:
        """The async client for the running event loop (the embedded one works on any loop)."""
        if embedded:
            client = self._async_embedded
            if client is None or client.is_closed:
                # The transport keeps no loop state: one client serves every loop.
                client = httpx.AsyncClient(transport=StreamingASGITransport(self._embedded_app()))
                self._async_embedded = client
            return client
        loop = asyncio.get_running_loop()
        client = self._async_network.get(loop)
        if client is None or client.is_closed:
            config, context, verify = _ssl_config()
            transport = create_async_transport(ssl_context=context, ssl_verify=verify)
            client = httpx.AsyncClient(transport=transport, verify=config, limits=_LIMITS)
            self._async_network[loop] = client
            closer = _close_when_loop_ends(client)
            await closer.__anext__()  # runs to the yield without suspending: no other task interleaves
            self._closers[loop] = closer
        return client

    def close(self) -> None:
        """Close the sync clients and the async clients of loops not running (for the others: ``aclose``)."""
        with self._lock:
            sync_clients, self._sync = list(self._sync.values()), {}
        for sync_client in sync_clients:
            sync_client.close()
        for loop, async_client in list(self._async_network.items()):
            if loop.is_running():
                continue  # only that loop can close it: aclose() there, or the loop's own shutdown
            closer = self._closers.pop(loop, None)
            self._async_network.pop(loop, None)
            if not loop.is_closed():
                with contextlib.suppress(Exception):
                    loop.run_until_complete(closer.aclose() if closer is not None else async_client.aclose())
        # The in-process async client holds nothing that needs a loop to release.
        self._async_embedded = None

    async def aclose(self) -> None:
        """Close the async client of the running loop and everything ``close()`` can close."""
        loop = asyncio.get_running_loop()
        closer = self._closers.pop(loop, None)
        if closer is not None:
            await closer.aclose()  # its ``finally`` closes the client
        client = self._async_network.pop(loop, None)
        if client is not None:
            await client.aclose()
        embedded, self._async_embedded = self._async_embedded, None
        if embedded is not None:
            await embedded.aclose()
        await asyncio.to_thread(self.close)
