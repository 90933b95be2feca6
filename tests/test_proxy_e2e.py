"""The real LiteLLM proxy, end to end, with the shipped ``examples/proxy/config.yaml`` and nothing set in code.

One mock API server (``litellm-plugin-mock-api serve``) and one proxy (``litellm --config ... --num_workers 2``)
run as their own processes for this module, on free ports, with a random master key and a random mock API key.
Clients are the ``openai`` package (sync and async). What is checked is what a proxy user sees: replies, HTTP
errors, response headers, the proxy's log (RequestLogger's records) and the mock server's access log (which
requests reached the provider's upstream).
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # before anything imports litellm

import asyncio
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import openai
import pytest

from litellm_plugin.core.testing.servers import ServerProcess

PREFIX = "[Verified] "
WORKERS = 2

# One RequestLogger record, as examples/proxy/plugins.py formats it: "... pid=123 INFO <logger>: {json}".
_RECORD = re.compile(r"pid=(?P<pid>\d+) [A-Z]+ litellm_plugin\.loggers\.filters: (?P<json>\{.*\})\s*$")


@dataclass(frozen=True)
class Record:
    """A RequestLogger record found in the proxy's log, with the process that wrote it."""

    pid: int
    data: dict[str, Any]
    line: str


@pytest.fixture(scope="module")
def mock_api(example_mock_api: Any) -> Any:
    return example_mock_api


@pytest.fixture(scope="module")
def proxy(example_proxy: ServerProcess) -> ServerProcess:
    """The example config with two workers (shared with tests/test_proxy_every_route.py, see conftest)."""
    return example_proxy


def _client(proxy: ServerProcess, api_key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{proxy.base_url}/v1",
        api_key=api_key or proxy.env["LITELLM_MASTER_KEY"],
        max_retries=0,
        timeout=60,
    )


def _token() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def _user(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


def _records(proxy: ServerProcess, token: str) -> list[Record]:
    """RequestLogger's records in the proxy's log that mention ``token`` (verbose records hold the messages)."""
    records = []
    for line in proxy.logs().splitlines():
        match = _RECORD.search(line)
        if match and token in line:
            try:
                records.append(Record(int(match["pid"]), json.loads(match["json"]), line))
            except ValueError:  # not a whole record: the count assertions will say so
                continue
    return records


def _wait_for_records(
    proxy: ServerProcess, token: str, count: int = 1, timeout: float = 60.0, settle: float = 0.5
) -> list[Record]:
    """The records mentioning ``token`` once there are ``count`` (they are written after the reply is sent),
    read again after ``settle`` seconds so that a duplicate would be seen."""
    deadline = time.monotonic() + timeout
    while len(records := _records(proxy, token)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(records)} of {count} RequestLogger records for {token} after {timeout:.0f}s")
        time.sleep(0.1)
    time.sleep(settle)
    return _records(proxy, token)


def _stream_texts(stream: Any) -> list[str]:
    texts: list[str] = []
    _read_into(stream, texts)
    return texts


def _read_into(stream: Any, texts: list[str]) -> None:
    """Append each content delta of ``stream`` to ``texts`` as it arrives (what came before an error stays)."""
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            texts.append(chunk.choices[0].delta.content)


# --- replies ------------------------------------------------------------------------------------------------------


def test_chat_reply_is_filtered_and_modified_once(proxy: ServerProcess) -> None:
    reply = _client(proxy).chat.completions.create(
        model="echo", messages=_user("Spam offer: an ADVERTISEMENT, buy now! spammer stays")
    )
    assert reply.choices[0].message.content == (
        "[Verified] Echo: [FILTERED] offer: an [FILTERED], [FILTERED]! spammer stays"
    )


def test_chat_reply_from_the_mock_api_server(proxy: ServerProcess, mock_api: Any) -> None:
    before = mock_api.requests()
    reply = _client(proxy).chat.completions.create(model="gpt-mock", messages=_user("tell me about spam"))
    text = reply.choices[0].message.content or ""
    assert text.startswith(f'{PREFIX}Mock reply to "tell me about [FILTERED]".')
    assert text.count(PREFIX) == 1
    assert reply.usage is not None
    assert reply.usage.completion_tokens > 0
    assert mock_api.requests() == before + 1  # over HTTP, to the server process


@pytest.mark.parametrize("model", ["echo", "gpt-mock"])
def test_stream_prefix_on_first_content_chunk_only(proxy: ServerProcess, model: str) -> None:
    stream = _client(proxy).chat.completions.create(
        model=model, messages=_user("stream some spam and more words please"), stream=True
    )
    texts = _stream_texts(stream)
    assert len(texts) > 2
    assert texts[0].startswith(PREFIX)
    assert not any(PREFIX.strip() in text for text in texts[1:])
    joined = "".join(texts)
    if model == "echo":
        assert joined == "[Verified] Echo: stream some [FILTERED] and more words please"
    else:
        assert joined.startswith('[Verified] Mock reply to "stream some [FILTERED] and more words please".')
    assert "spam" not in joined


def test_embeddings_through_echo(proxy: ServerProcess) -> None:
    client = _client(proxy)
    first = client.embeddings.create(model="echo-embedding", input=["hello", "world"])
    again = client.embeddings.create(model="echo-embedding", input=["hello"])
    vectors = [item.embedding for item in first.data]
    assert len(vectors) == 2
    assert len(vectors[0]) == len(vectors[1]) > 0
    assert vectors[0] != vectors[1]
    assert again.data[0].embedding == vectors[0]  # deterministic


# --- guardrails ---------------------------------------------------------------------------------------------------


def test_requested_guardrail_blocks_before_the_provider(proxy: ServerProcess, mock_api: Any) -> None:
    client = _client(proxy)
    before = mock_api.requests()
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="gpt-mock",
            messages=_user("my Password is hunter2"),
            extra_body={"guardrails": ["block-secrets"]},
        )
    assert refused.value.status_code == 400
    assert "block-secrets" in str(refused.value)
    assert mock_api.requests() == before  # refused before any provider ran
    # default_on: a client that does not name the guardrail is refused all the same.
    with pytest.raises(openai.BadRequestError, match="block-secrets"):
        client.chat.completions.create(model="echo", messages=_user("my Password is hunter2"))


# --- RequestLogger ------------------------------------------------------------------------------------------------


def test_request_logger_records_each_call_without_secrets(proxy: ServerProcess, mock_api: Any) -> None:
    token = _token()
    header_secret = f"hdr-{secrets.token_hex(16)}"
    raw = _client(proxy).chat.completions.with_raw_response.create(
        model="gpt-mock",
        messages=_user(f"log me {token}"),
        extra_headers={"X-Upstream-Api-Key": header_secret},
    )
    call_id = raw.headers["x-litellm-call-id"]
    mine = [record.data for record in _wait_for_records(proxy, token)]
    assert len(mine) == 1
    record = mine[0]
    assert record["call_id"] == call_id
    assert record["outcome"] == "success"
    assert record["model"] == "mock_api/gpt-mock"
    assert record["provider"] == "mock_api"
    assert record["call_type"] == "acompletion"
    assert record["stream"] is False
    assert record["latency_ms"] is not None
    assert record["latency_ms"] >= 0
    assert record["total_tokens"] > 0
    assert record["headers"]["x-upstream-api-key"] == "[REDACTED]"
    log = proxy.logs()
    master_key = proxy.env["LITELLM_MASTER_KEY"]
    for secret in (master_key, master_key.removeprefix("sk-"), mock_api.api_key, header_secret):
        assert secret not in log


# --- refusals -----------------------------------------------------------------------------------------------------


def test_wrong_key_is_refused_before_any_provider_runs(proxy: ServerProcess, mock_api: Any) -> None:
    token = _token()
    before = mock_api.requests()
    with pytest.raises(openai.APIStatusError) as refused:
        _client(proxy, api_key=f"sk-{secrets.token_hex(16)}").chat.completions.create(
            model="gpt-mock", messages=_user(f"let me in {token}")
        )
    # Without a database LiteLLM answers 400 "No connected db." instead of 401: the refusal is what matters.
    assert refused.value.status_code in {400, 401, 403}
    mine = [record.data for record in _wait_for_records(proxy, token)]
    assert mine
    assert all(record["outcome"] == "failure" for record in mine)
    assert mock_api.requests() == before


def test_unknown_model_is_a_clear_error(proxy: ServerProcess) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        _client(proxy).chat.completions.create(model="no-such-model", messages=_user("hello"))
    assert refused.value.status_code == 400
    assert "Invalid model name passed in model=no-such-model" in str(refused.value)


def test_a_refused_call_is_logged_once(proxy: ServerProcess) -> None:
    token = _token()
    with pytest.raises(openai.BadRequestError):
        _client(proxy).chat.completions.create(model=f"no-such-model-{token}", messages=_user("hello"))
    assert len(_wait_for_records(proxy, token, settle=1.0)) == 1


# --- the router: retries, fallbacks, failures mid-stream ----------------------------------------------------------


def test_rate_limit_is_retried_by_the_router(proxy: ServerProcess, mock_api: Any) -> None:
    fault = f"status=429;times=2;key={_token()}"  # the first two attempts get a 429, the third a reply
    rate_limited = mock_api.requests(429)
    raw = _client(proxy).chat.completions.with_raw_response.create(
        model="gpt-mock", messages=_user("retry me"), extra_headers={"X-Mock-Fault": fault}
    )
    text = raw.parse().choices[0].message.content or ""
    assert text.startswith(f'{PREFIX}Mock reply to "retry me".')
    assert raw.headers["x-litellm-attempted-retries"] == "2"
    assert raw.headers["x-litellm-attempted-fallbacks"] == "0"
    assert mock_api.requests(429) == rate_limited + 2


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_server_error_falls_back_to_echo(proxy: ServerProcess, mock_api: Any, stream: bool) -> None:
    failed = mock_api.requests(500)
    messages = _user("fall back with spam")
    headers = {"X-Mock-Fault": "status=500"}
    client = _client(proxy)
    if stream:
        text = "".join(
            _stream_texts(
                client.chat.completions.create(model="gpt-mock", messages=messages, extra_headers=headers, stream=True)
            )
        )
    else:
        raw = client.chat.completions.with_raw_response.create(
            model="gpt-mock", messages=messages, extra_headers=headers
        )
        assert raw.headers["x-litellm-attempted-fallbacks"] == "1"
        text = raw.parse().choices[0].message.content or ""
    assert text == "[Verified] Echo: fall back with [FILTERED]"
    assert mock_api.requests(500) == failed + 1  # a 500 is not retried (retry_policy), it falls back at once


def test_failure_mid_stream_raises_in_the_client(proxy: ServerProcess) -> None:
    token = _token()
    received: list[str] = []
    stream = _client(proxy).chat.completions.create(
        model="gpt-mock",
        messages=_user(f"a long answer please {token}"),
        extra_headers={"X-Mock-Fault": "drop_after=2"},  # the server hangs up after two chunks
        stream=True,
    )
    with pytest.raises(openai.APIError, match="mid-stream"):
        _read_into(stream, received)
    assert received
    assert received[0].startswith(PREFIX)
    mine = [record.data for record in _wait_for_records(proxy, token)]
    assert [record["outcome"] for record in mine] == ["failure"]
    assert mine[0]["error_type"] == "APIConnectionError"
    assert mine[0]["stream"] is True


# --- two workers --------------------------------------------------------------------------------------------------


def test_two_workers_filter_and_modify_every_request_once(proxy: ServerProcess) -> None:
    """100 requests, at most 8 at a time, over the proxy's two worker processes."""
    run = _token()
    count, concurrency = 100, 8

    async def send_all() -> list[str]:
        # A new connection per request: the workers share one listening socket, and a kept-alive connection
        # stays with the worker that accepted it.
        client = openai.AsyncOpenAI(
            base_url=f"{proxy.base_url}/v1",
            api_key=proxy.env["LITELLM_MASTER_KEY"],
            max_retries=0,
            timeout=60,
            http_client=httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0)),
        )
        gate = asyncio.Semaphore(concurrency)

        async def one(index: int) -> str:
            async with gate:
                reply = await client.chat.completions.create(
                    model="echo", messages=_user(f"{run}-{index} spam or advertisement?")
                )
                return reply.choices[0].message.content or ""

        try:
            return await asyncio.gather(*(one(index) for index in range(count)))
        finally:
            await client.close()

    replies = asyncio.run(send_all())
    assert replies == [f"[Verified] Echo: {run}-{index} [FILTERED] or [FILTERED]?" for index in range(count)]

    records = _wait_for_records(proxy, run, count=count)
    assert len(records) == count  # one record per request
    assert all(record.data["outcome"] == "success" for record in records)
    assert sorted(record.data["reply"] for record in records) == sorted(replies)  # logged as the client got it
    pids = {record.pid for record in records}
    assert len(pids) == WORKERS, f"expected both workers to serve requests, saw pids {sorted(pids)}"
