"""A real HTTP endpoint on 127.0.0.1 inside the test process: a thread, not a subprocess.

For a test that needs a server a provider or LiteLLM talks to over the network (a private model API, an
OpenAI-compatible reply) and that the test writes in a few lines; a whole app (the LiteLLM proxy, the mock API)
runs as a process instead (:mod:`~litellm_plugin.core.testing.servers`).
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["LocalHandler", "serve_in_thread"]


class LocalHandler(http.server.BaseHTTPRequestHandler):
    """A request handler that keeps the test output quiet and answers in one call (``reply``)."""

    def reply(self, body: bytes, content_type: str = "application/json", status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextlib.contextmanager
def serve_in_thread(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free port of 127.0.0.1 until the block ends; yields the base URL (no ``/`` at the
    end). Each request gets its own thread, so a slow one holds up no other."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="litellm-plugin-test-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
