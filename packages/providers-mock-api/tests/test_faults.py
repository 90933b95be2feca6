"""Fault injection, seen from a plain HTTP client (in-process and over a real socket)."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import httpx
import pytest

from litellm_plugin.core.testing.servers import ServerProcess
from litellm_plugin.providers.mock_api import FaultSpec, MockServerSettings, create_app, parse_fault

AUTH = {"Authorization": "Bearer test-key"}
BODY = {"model": "gpt-mock", "messages": [{"role": "user", "content": "fault injection"}]}


def fault(spec: str) -> dict[str, str]:
    return {**AUTH, "X-Mock-Fault": spec}


def test_parse_fault() -> None:
    assert parse_fault("") is None
    assert parse_fault("none") is None
    spec = parse_fault(" status=429 ; retry_after=2; times=3; key=k ")
    assert spec == FaultSpec(status=429, retry_after=2, times=3, key="k")
    assert parse_fault("malformed") == FaultSpec(malformed=True)
    assert parse_fault("drop") == FaultSpec(drop_after=1)
    for bad in ["status=42", "latency=-1", "bogus=1", "explode", "times=x"]:
        with pytest.raises(ValueError, match=r"fault"):
            parse_fault(bad)


@pytest.mark.parametrize(
    ("spec", "status", "error_type"),
    [
        ("status=400", 400, "invalid_request_error"),
        ("status=429", 429, "rate_limit_error"),
        ("status=500", 500, "server_error"),
        ("status=503", 503, "server_error"),
    ],
)
async def test_status_faults_answer_in_openai_shape(
    asgi_client: httpx.AsyncClient, spec: str, status: int, error_type: str
) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=BODY, headers=fault(spec))
    assert response.status_code == status
    assert response.json()["error"]["type"] == error_type


async def test_429_carries_retry_after(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=BODY, headers=fault("status=429"))
    assert response.headers["retry-after"] == "1"
    response = await asgi_client.post(
        "/v1/chat/completions", json=BODY, headers=fault("status=429;retry_after=7;message=slow down")
    )
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"]["message"] == "slow down"


async def test_faults_apply_to_embeddings_and_models(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post(
        "/v1/embeddings", json={"model": "text-embedding-mock", "input": "x"}, headers=fault("status=503")
    )
    assert response.status_code == 503
    assert (await asgi_client.get("/v1/models", headers=fault("status=500"))).status_code == 500


async def test_times_and_key_make_a_fault_pass_after_n_requests(asgi_client: httpx.AsyncClient) -> None:
    spec = f"status=429;times=2;key={uuid.uuid4().hex}"
    statuses = [
        (await asgi_client.post("/v1/chat/completions", json=BODY, headers=fault(spec))).status_code for _ in range(4)
    ]
    assert statuses == [429, 429, 200, 200]


async def test_invalid_fault_header_is_400_naming_it(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=BODY, headers=fault("status=99"))
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "X-Mock-Fault"


async def test_server_wide_fault_and_opt_out_header() -> None:
    app = create_app(MockServerSettings(fault=FaultSpec(status=503)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock") as client:
        assert (await client.post("/v1/chat/completions", json=BODY, headers=AUTH)).status_code == 503
        opted_out = await client.post("/v1/chat/completions", json=BODY, headers=fault("none"))
        assert opted_out.status_code == 200
        assert (await client.get("/health")).status_code == 200


async def test_auth_is_checked_before_faults(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=BODY, headers={"X-Mock-Fault": "status=500"})
    assert response.status_code == 401


async def test_malformed_body(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post("/v1/chat/completions", json=BODY, headers=fault("malformed"))
    assert response.status_code == 200
    assert response.text.startswith('{"id":"chatcmpl-')
    with pytest.raises(ValueError, match=r"."):
        response.json()


async def test_malformed_stream_event(asgi_client: httpx.AsyncClient) -> None:
    response = await asgi_client.post("/v1/chat/completions", json={**BODY, "stream": True}, headers=fault("malformed"))
    first_event = response.text.split("\n\n")[0]
    assert first_event.startswith("data: {")
    with pytest.raises(ValueError, match=r"."):
        httpx.Response(200, content=first_event[len("data: ") :]).json()


# --- over a real socket: timing and dropped connections ------------------------------------------------


def post(url: str, spec: str, body: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{url}/v1/chat/completions", json=body or BODY, headers=fault(spec), **kwargs)


def test_latency_delays_the_answer(live_server: ServerProcess) -> None:
    with pytest.raises(httpx.ReadTimeout):  # no answer within 0.2 s ...
        post(live_server.base_url, "latency=1", timeout=0.2)
    assert post(live_server.base_url, "latency=1", timeout=10).status_code == 200  # ... but one after 1 s


def _stream(live_server: ServerProcess, spec: str) -> contextlib.AbstractContextManager[httpx.Response]:
    """A streamed chat request with ``spec`` as its fault; reads time out after 0.5 s of silence."""
    return httpx.stream(
        "POST",
        f"{live_server.base_url}/v1/chat/completions",
        json={**BODY, "stream": True},
        headers=fault(spec),
        timeout=httpx.Timeout(10.0, read=0.5),
    )


def test_slow_first_byte_sends_headers_first(live_server: ServerProcess) -> None:
    with _stream(live_server, "first_byte=2") as response:
        assert response.status_code == 200  # the headers came at once ...
        with pytest.raises(httpx.ReadTimeout):
            list(response.iter_lines())  # ... the body did not


def test_chunk_delay_spaces_stream_events(live_server: ServerProcess) -> None:
    received: list[str] = []
    with _stream(live_server, "chunk_delay=2") as response, pytest.raises(httpx.ReadTimeout):
        received.extend(line for line in response.iter_lines() if line)
    assert len(received) == 1  # the first event came at once, the next one not within 0.5 s
    assert received[0].startswith("data: {")


def test_drop_mid_stream_closes_the_connection(live_server: ServerProcess) -> None:
    body = {**BODY, "stream": True}
    received: list[str] = []
    url = f"{live_server.base_url}/v1/chat/completions"
    with httpx.stream("POST", url, json=body, headers=fault("drop_after=3")) as response:
        assert response.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            received.extend(line for line in response.iter_lines() if line)
    assert len(received) == 3
    assert "[DONE]" not in "".join(received)


def test_drop_on_a_non_stream_request(live_server: ServerProcess) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        post(live_server.base_url, "drop")


def test_server_still_healthy_after_faults(live_server: ServerProcess) -> None:
    assert post(live_server.base_url, "none").status_code == 200


ENDPOINTS: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("/v1/chat/completions", BODY, {}),
    ("/v1/responses", {"model": "gpt-mock", "input": "hi"}, {}),
    (
        "/v1/messages",
        {"model": "claude-mock", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]},
        {"x-api-key": "test-key", "anthropic-version": "2023-06-01"},
    ),
]


@pytest.mark.parametrize(("path", "body", "headers"), ENDPOINTS, ids=["chat", "responses", "messages"])
async def test_faults_work_on_every_endpoint(
    asgi_client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> None:
    async def post(spec: str, stream: bool = False) -> httpx.Response:
        return await asgi_client.post(path, json={**body, "stream": stream}, headers={**fault(spec), **headers})

    limited = await post("status=429;retry_after=3")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3"
    error = limited.json()
    if path == "/v1/messages":
        assert error == {"type": "error", "error": {"type": "rate_limit_error", "message": error["error"]["message"]}}
    else:
        assert error["error"]["type"] == "rate_limit_error"
    with pytest.raises(ValueError, match=r"."):
        (await post("malformed")).json()
    streamed = await post("malformed", stream=True)
    first_data = next(line for line in streamed.text.splitlines() if line.startswith("data: "))
    with pytest.raises(ValueError, match=r"."):
        httpx.Response(200, content=first_data[len("data: ") :]).json()
    assert (await post("status=503;times=1;key=" + path)).status_code == 503
    assert (await post("status=503;times=1;key=" + path)).status_code == 200
