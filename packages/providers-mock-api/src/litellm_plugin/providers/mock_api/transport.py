"""In-process httpx transports for the embedded mock API (the provider's default when there is no api_base).

``httpx.ASGITransport`` runs the app to completion before returning, so a stream would arrive in one piece, a
slow first byte would look like a slow response and a dropped connection could not be seen. These transports
hand the response back as soon as the app starts it and then stream the body as the app sends it:

- :class:`StreamingASGITransport` (async) runs the app as a task on the caller's event loop, so it works on
  any loop, including successive ``asyncio.run()`` calls. It honours httpx's ``read`` timeout
  (``httpx.ReadTimeout``) and reports an app that stops mid-body as ``httpx.RemoteProtocolError``, as
  a real server closing the connection would.
- :class:`SyncASGITransport` (sync) runs the same async transport on one private daemon thread with its own
  event loop, and pulls the body from it chunk by chunk.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator, MutableMapping
from concurrent.futures import Future
from typing import Any, TypeVar

import httpx

__all__ = ["StreamingASGITransport", "SyncASGITransport"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
Message = MutableMapping[str, Any]
ASGIApp = Any  # (scope, receive, send) -> Awaitable[None]; typed loosely to accept any ASGI framework


class _Failure:
    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return float(value) if value is not None else None


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(
        self, queue: asyncio.Queue[Message | _Failure], task: asyncio.Task[None], read_timeout: float | None
    ) -> None:
        self._queue = queue
        self._task = task
        self._read_timeout = read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            try:
                item = await asyncio.wait_for(self._queue.get(), self._read_timeout)
            except asyncio.TimeoutError:
                raise httpx.ReadTimeout("timed out reading the response body") from None
            if isinstance(item, _Failure):
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                ) from item.error
            body = item.get("body", b"")
            if body:
                yield bytes(body)
            if not item.get("more_body", False):
                return

    async def aclose(self) -> None:
        if not self._task.done():
            self._task.cancel()
            try:
                await self._task
            except BaseException as exc:  # the app's own error or our cancellation: both end the request
                if not isinstance(exc, (asyncio.CancelledError, Exception)):
                    raise
                logger.debug("embedded app ended after the client closed the response: %r", exc)


class StreamingASGITransport(httpx.AsyncBaseTransport):
    """An async httpx transport that calls an ASGI app in-process and streams its response."""

    def __init__(self, app: ASGIApp, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request_body = await request.aread()
        read_timeout = _read_timeout(request)
        queue: asyncio.Queue[Message | _Failure] = asyncio.Queue()
        request_sent = False
        disconnected = asyncio.Event()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(key.lower(), value) for key, value in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": self.client,
            "root_path": "",
            "extensions": {},
        }

        async def receive() -> Message:
            nonlocal request_sent
            if not request_sent:
                request_sent = True
                return {"type": "http.request", "body": request_body, "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] in ("http.response.start", "http.response.body"):
                await queue.put(message)

        async def run_app() -> None:
            try:
                await self.app(scope, receive, send)
            except BaseException as exc:
                await queue.put(_Failure(exc))
                if not isinstance(exc, Exception):
                    raise
                return
            await queue.put(_Failure(None))  # returned without finishing the body: a dropped connection

        task = asyncio.get_running_loop().create_task(run_app())
        try:
            start = await asyncio.wait_for(queue.get(), read_timeout)
        except asyncio.TimeoutError:
            disconnected.set()
            task.cancel()
            raise httpx.ReadTimeout("timed out waiting for the response headers") from None
        if isinstance(start, _Failure):
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.") from start.error
        body = _ResponseBody(queue, task, read_timeout)
        task.add_done_callback(lambda _task: disconnected.set())
        headers = [(bytes(key), bytes(value)) for key, value in start.get("headers", [])]
        return httpx.Response(start["status"], headers=headers, stream=body, request=request)


class _LoopThread:
    """One event loop running forever on a daemon thread (a daemon never blocks interpreter exit)."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self.loop.is_closed() or not self._thread.is_alive():
            coro.close()
            raise httpx.ReadError("the embedded mock API was closed")
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


async def _next_chunk(iterator: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return None


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, runner: _LoopThread, response: httpx.Response) -> None:
        self._runner = runner
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        iterator = self._response.aiter_raw().__aiter__()
        while (chunk := self._runner.run(_next_chunk(iterator))) is not None:
            yield chunk

    def close(self) -> None:
        self._runner.run(self._response.aclose())


class SyncASGITransport(httpx.BaseTransport):
    """A sync httpx transport for an ASGI app: the async transport driven on a private loop thread."""

    def __init__(self, app: ASGIApp) -> None:
        self._transport = StreamingASGITransport(app)
        self._lock = threading.Lock()
        self._runner: _LoopThread | None = None

    def _get_runner(self) -> _LoopThread:
        with self._lock:
            if self._runner is None:
                self._runner = _LoopThread("mock-api-embedded")
            return self._runner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        runner = self._get_runner()
        async_request = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.read(),
            extensions=request.extensions,
        )
        response = runner.run(self._transport.handle_async_request(async_request))
        return httpx.Response(
            response.status_code,
            headers=response.headers.raw,
            stream=_SyncBody(runner, response),
            request=request,
        )

    def close(self) -> None:
        with self._lock:
            runner, self._runner = self._runner, None
        if runner is not None:
            runner.stop()
