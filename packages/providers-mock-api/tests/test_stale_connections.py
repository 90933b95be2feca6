"""A connection the server closes before answering (a stale kept-alive one) is retried once, on a new one."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import litellm
import pytest

from litellm_plugin.core import PluginRegistry
from litellm_plugin.providers.mock_api import MockAPIProvider

REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-mock",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "second try"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
}


class HangUpOnce:
    """A raw HTTP server: hangs up on the first ``hang_ups`` requests without a byte, answers the rest."""

    def __init__(self, hang_ups: int) -> None:
        self.hang_ups = hang_ups
        self.requests = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests += 1
                if self.requests <= self.hang_ups:
                    continue  # close without answering
                payload = json.dumps(REPLY).encode()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def registered() -> Iterator[str]:
    provider = MockAPIProvider()
    registry = PluginRegistry()
    registry.register("mock_api_stale", provider)
    registry.initialize()
    yield "mock_api_stale/gpt-mock"
    registry.unregister("mock_api_stale")
    provider.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_one_hang_up_is_retried(registered: str, mode: str) -> None:
    server = HangUpOnce(hang_ups=1)
    kwargs: dict[str, Any] = {
        "model": registered,
        "messages": [{"role": "user", "content": "hi"}],
        "api_base": f"http://127.0.0.1:{server.port}/v1",
    }
    try:
        response: Any = litellm.completion(**kwargs) if mode == "sync" else await litellm.acompletion(**kwargs)
    finally:
        server.close()
    assert response.choices[0].message.content == "second try"
    assert server.requests == 2


async def test_two_hang_ups_raise_api_connection_error(registered: str) -> None:
    server = HangUpOnce(hang_ups=2)
    try:
        with pytest.raises(litellm.APIConnectionError):
            await litellm.acompletion(
                model=registered,
                messages=[{"role": "user", "content": "hi"}],
                api_base=f"http://127.0.0.1:{server.port}/v1",
            )
    finally:
        server.close()
    assert server.requests == 2
