"""``serve_mock_api``: the server as a real process for a user's tests, started and stopped by one block."""

from __future__ import annotations

import httpx
import pytest

from litellm_plugin.providers.mock_api.testing import serve_mock_api

CHAT = {"model": "gpt-mock", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5}


def test_serves_with_the_given_key_and_stops_when_the_block_ends() -> None:
    with serve_mock_api(api_key="helper-key") as server:
        url = f"{server.base_url}/v1/chat/completions"
        assert httpx.post(url, json=CHAT, headers={"Authorization": "Bearer helper-key"}).status_code == 200
        assert httpx.post(url, json=CHAT, headers={"Authorization": "Bearer other"}).status_code == 401
        assert '"POST /v1/chat/completions HTTP/1.1" 401' in server.logs()  # the access log, for assertions
    assert server.process.poll() is not None
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/health", timeout=2)


def test_more_serve_options_are_passed_on() -> None:
    with serve_mock_api("--fault", "status=503", "--no-auth") as server:
        reply = httpx.post(f"{server.base_url}/v1/chat/completions", json=CHAT)
    assert reply.status_code == 503


def test_logs_stay_readable_after_the_block_ends() -> None:
    """Assertions on the access log usually come after the block; the log file itself is gone by then."""
    with serve_mock_api("--fault", "status=429;retry_after=0;times=1;key=logs", api_key="k") as server:
        url = f"{server.base_url}/v1/chat/completions"
        codes = [httpx.post(url, json=CHAT, headers={"Authorization": "Bearer k"}).status_code for _ in range(2)]
    assert codes == [429, 200]
    assert not server.log_path.exists()
    logs = server.logs()
    assert '"POST /v1/chat/completions HTTP/1.1" 429' in logs
    assert '"POST /v1/chat/completions HTTP/1.1" 200' in logs
