"""RequestLogger: one structured record per call, on every path, never a secret, never an error."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import litellm
import pytest

from litellm_plugin.core import BaseCustomProvider, InterceptorRejectedError
from litellm_plugin.core.testing.local_http import LocalHandler, serve_in_thread
from litellm_plugin.core.testing.settle import drain_litellm_logging
from litellm_plugin.loggers.filters import ContentFilter, RequestLogger

LOGGER = "litellm_plugin.loggers.filters"
FAIL = "please fail"  # the test provider raises on this message


def calls(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and hasattr(r, "litellm_call")]


def settle(caplog: pytest.LogCaptureFixture, wait_for, count: int = 1) -> list[logging.LogRecord]:  # type: ignore[no-untyped-def]
    """Wait for ``count`` records, then a little longer to catch any duplicate."""
    wait_for(lambda: len(calls(caplog)) >= count)
    time.sleep(0.3)
    return calls(caplog)


@pytest.fixture
def caplog_info(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=LOGGER)
    return caplog


class CountingRequestLogger(RequestLogger):
    """Extends RequestLogger the usual way: its own work, then RequestLogger's through super()."""

    def __init__(self) -> None:
        super().__init__()
        self.counted = 0

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.counted += 1
        await super().async_log_success_event(kwargs, response_obj, start_time, end_time)


class CountingSyncRequestLogger(RequestLogger):
    """Adds a sync hook to RequestLogger (whose hooks are async) and passes the call on through super()."""

    def __init__(self) -> None:
        super().__init__()
        self.counted = 0

    def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.counted += 1
        super().log_success_event(kwargs, response_obj, start_time, end_time)


@pytest.mark.parametrize("subclass", [CountingRequestLogger, CountingSyncRequestLogger], ids=["async", "sync"])
def test_a_subclass_calling_super_keeps_the_record_on_every_path(
    path: str,
    call: Callable[..., str],
    caplog_info: pytest.LogCaptureFixture,
    wait_for: Callable[..., None],
    subclass: type[CountingRequestLogger] | type[CountingSyncRequestLogger],
) -> None:
    counting = subclass()
    litellm.callbacks = [counting]
    call(path, "hello")
    [record] = settle(caplog_info, wait_for)
    assert record.litellm_call["outcome"] == "success"  # type: ignore[attr-defined]
    assert counting.counted == (
        1 if subclass is CountingRequestLogger or path.startswith(("completion", "router_completion")) else 0
    )


def test_one_record_per_call_on_every_path(
    path: str,
    call: Callable[..., str],
    caplog_info: pytest.LogCaptureFixture,
    wait_for: Callable[..., None],
    provider: Any,
) -> None:
    litellm.callbacks = [RequestLogger()]
    call(path, "hello")
    [record] = settle(caplog_info, wait_for)
    data = record.litellm_call  # type: ignore[attr-defined]
    stream = path.endswith("_stream")
    assert data["outcome"] == "success"
    assert data["provider"] == provider.name
    assert data["model"] in {"echo", provider.model}
    assert data["call_type"] in {"completion", "acompletion"}
    assert data["stream"] is stream
    assert data["latency_ms"] >= 0
    if stream:
        assert data["ttft_ms"] is not None
        assert 0 <= data["ttft_ms"] <= data["latency_ms"]
    else:
        assert data["ttft_ms"] is None
        assert (data["prompt_tokens"], data["completion_tokens"], data["total_tokens"]) == (3, 5, 8)
    assert "messages" not in data
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith("litellm call success: ")


def test_failures_are_logged_with_the_error_type(
    call: Callable[..., str], caplog_info: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    litellm.callbacks = [RequestLogger()]
    with pytest.raises(litellm.exceptions.APIConnectionError) as error:
        call("acompletion", FAIL)
    [record] = settle(caplog_info, wait_for)
    data = record.litellm_call  # type: ignore[attr-defined]
    assert data["outcome"] == "failure"
    assert data["error_type"] == type(error.value).__name__
    assert "asked to fail" in data["error"]
    assert "Traceback" not in data["error"]
    assert record.levelno == logging.WARNING
    assert f"error_type={data['error_type']}" in record.getMessage()


def test_sync_failures_are_logged_too(
    call: Callable[..., str], caplog_info: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    litellm.callbacks = [RequestLogger()]
    with pytest.raises(litellm.exceptions.APIConnectionError):
        call("completion", FAIL)
    [record] = settle(caplog_info, wait_for)
    assert record.litellm_call["outcome"] == "failure"  # type: ignore[attr-defined]


def test_a_request_a_filter_refuses_is_logged_as_a_failure(
    path: str,
    call: Callable[..., str],
    caplog_info: pytest.LogCaptureFixture,
    wait_for: Callable[..., None],
    provider: Any,
) -> None:
    """The refused call never reaches LiteLLM; its record is the one LiteLLM's proxy writes for a refusal."""
    litellm.callbacks = [ContentFilter(["forbidden"], filter_requests=True, action="block"), RequestLogger()]
    with pytest.raises(InterceptorRejectedError):
        call(path, "say forbidden")
    [record] = settle(caplog_info, wait_for)
    data = record.litellm_call  # type: ignore[attr-defined]
    assert data["outcome"] == "failure"
    assert data["error_type"] == "InterceptorRejectedError"
    assert "blocked content" in data["error"]
    # A Router call is refused before it picks a deployment: its model group, no provider.
    assert data["provider"] == (None if path.startswith("router") else provider.name)
    assert data["stream"] is path.endswith("_stream")
    assert provider.llm.seen == []  # refused before the provider
    assert record.levelno == logging.WARNING


@pytest.mark.parametrize("entry_point", ["moderation", "rerank"])
def test_a_call_of_another_kind_refused_by_a_filter_is_logged_too(
    entry_point: str, caplog_info: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    """RequestLogger logs every call, as a plain ``CustomLogger`` sees them: a moderation or rerank call the
    filter cannot read, refused before it is made, is an audit record too (it logged none before)."""
    litellm.callbacks = [ContentFilter(["forbidden"], filter_requests=True, action="block"), RequestLogger()]
    closed_port = {"api_key": "sk-unused", "api_base": "http://127.0.0.1:9"}
    call = (
        litellm.amoderation(input="say forbidden", model="omni-moderation-latest", **closed_port)
        if entry_point == "moderation"
        else litellm.arerank(model="cohere/rerank-v3.5", query="forbidden", documents=["a"], **closed_port)
    )
    with pytest.raises(Exception, match="UnreadablePayloadError"):
        asyncio.run(call)
    [record] = settle(caplog_info, wait_for)
    data = record.litellm_call  # type: ignore[attr-defined]
    assert data["outcome"] == "failure"
    assert data["call_type"] == f"a{entry_point}"
    assert data["error_type"] == "InterceptorError"


def test_json_lines(
    call: Callable[..., str], caplog_info: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    litellm.callbacks = [RequestLogger(json_lines=True)]
    call("acompletion_stream", "hello")
    [record] = settle(caplog_info, wait_for)
    line = record.getMessage()
    assert "\n" not in line
    data = json.loads(line)
    assert data == json.loads(json.dumps(record.litellm_call))  # type: ignore[attr-defined]
    assert data["event"] == "litellm_call"
    assert data["stream"] is True


def test_verbose_adds_messages_and_reply(
    call: Callable[..., str], caplog_info: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    litellm.callbacks = [ContentFilter(["spam"]), RequestLogger(verbose=True)]
    call("acompletion_stream", "hi spam\nbye")
    [record] = settle(caplog_info, wait_for)
    data = record.litellm_call  # type: ignore[attr-defined]
    assert data["messages"] == [{"role": "user", "content": "hi spam\nbye"}]
    assert data["reply"] == "hi [FILTERED]\nbye"  # what the caller got
    assert "params" in data


class _CompletionOnly(BaseCustomProvider):
    """Streamed by the base class: its last chunk carries the finish_reason and the usage."""

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> Any:
        return self.make_response(model, messages, self.last_user_text(messages))


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_verbose_reply_of_a_stream_ending_in_a_masked_word(
    asynchronous: bool, caplog_info: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    """The filter holds the last word back and lets it out with the finish_reason. LiteLLM keeps its own copy
    of a chunk carrying usage: the record missed the word."""
    name = f"co{uuid.uuid4().hex[:8]}"
    litellm.custom_provider_map = [
        *litellm.custom_provider_map,
        {"provider": name, "custom_handler": _CompletionOnly()},
    ]
    litellm.utils.custom_llm_setup()
    litellm.callbacks = [ContentFilter(["spam"]), RequestLogger(verbose=True)]
    messages = [{"role": "user", "content": "it ends with spam"}]

    async def read_async() -> str:
        stream = await litellm.acompletion(model=f"{name}/m", messages=messages, stream=True)
        return "".join([chunk.choices[0].delta.content or "" async for chunk in stream])

    def read_sync() -> str:
        stream = litellm.completion(model=f"{name}/m", messages=messages, stream=True)
        return "".join(chunk.choices[0].delta.content or "" for chunk in stream)

    assert (asyncio.run(read_async()) if asynchronous else read_sync()) == "it ends with [FILTERED]"
    [record] = settle(caplog_info, wait_for)
    assert record.litellm_call["reply"] == "it ends with [FILTERED]"  # type: ignore[attr-defined]


SECRET_KEY = "sk-test-4f9a8b7c6d5e4f3a2b1c"
SECRET_HEADER = "tok_9Zx8Yw7Vu6Ts5Rq4"
SECRET_META = "meta-secret-value-77"


@pytest.mark.parametrize("path", ["completion", "acompletion", "acompletion_stream", "router_acompletion"])
@pytest.mark.parametrize("json_lines", [False, True])
def test_secrets_never_reach_the_log(
    path: str,
    json_lines: bool,
    call: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
    wait_for: Callable[..., None],
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    litellm.callbacks = [RequestLogger(verbose=True, json_lines=json_lines)]
    call(
        path,
        f"my key is {SECRET_KEY}, header Bearer {SECRET_HEADER}",
        api_key=SECRET_KEY,
        extra_headers={"Authorization": f"Bearer {SECRET_HEADER}", "X-Api-Key": SECRET_HEADER},
        metadata={"session_token": SECRET_META, "note": "fine"},
    )
    settle(caplog, wait_for)
    captured = caplog.text + "".join(json.dumps(r.litellm_call) for r in calls(caplog))  # type: ignore[attr-defined]
    for secret in (SECRET_KEY, SECRET_HEADER, SECRET_META):
        assert secret not in captured
    assert "[REDACTED]" in captured


def test_records_can_be_filtered_by_level(
    call: Callable[..., str], caplog: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    litellm.callbacks = [RequestLogger(level="DEBUG")]
    call("acompletion", "hello")
    time.sleep(0.3)
    assert calls(caplog) == []


def test_custom_logger_name(
    call: Callable[..., str], caplog: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    caplog.set_level(logging.INFO)
    litellm.callbacks = [RequestLogger(logger_name="my.app.llm")]
    call("acompletion", "hello")
    wait_for(lambda: any(r.name == "my.app.llm" for r in caplog.records))


async def test_logging_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    request_logger = RequestLogger(verbose=True)

    class Unprintable:
        def __repr__(self) -> str:
            raise RuntimeError("no")

        __str__ = __repr__

    for kwargs in (None, {}, {"standard_logging_object": "odd"}, {"messages": [Unprintable()]}, {"model": 3}):
        await request_logger.async_log_success_event(kwargs, Unprintable(), None, None)
        await request_logger.async_log_failure_event(kwargs, None, object(), object())
    request_logger.log_success_event({"messages": [Unprintable()]}, None, None, None)


@pytest.mark.parametrize("path", ["completion_stream", "acompletion_stream"])
def test_a_failed_stream_is_logged_as_a_stream(
    path: str, call: Callable[..., str], caplog_info: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    litellm.callbacks = [RequestLogger()]
    with pytest.raises((litellm.exceptions.APIConnectionError, litellm.exceptions.MidStreamFallbackError)):
        call(path, FAIL)
    records = settle(caplog_info, wait_for)
    assert [(r.litellm_call["outcome"], r.litellm_call["stream"]) for r in records] == [("failure", True)]  # type: ignore[attr-defined]


class _OpenAICompatible(LocalHandler):
    """A chat completions API on 127.0.0.1: what LiteLLM's ``openai/`` provider talks to over HTTP."""

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if request.get("model") == "refused":
            error = {"error": {"message": "no such model", "type": "invalid_request_error", "code": "bad"}}
            self.reply(json.dumps(error).encode(), status=400)
            return
        reply = {"id": "chatcmpl-1", "created": 1700000000, "model": "m"}
        if request.get("stream"):
            delta = {"index": 0, "delta": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}
            chunk = json.dumps({**reply, "object": "chat.completion.chunk", "choices": [delta]})
            self.reply(f"data: {chunk}\n\ndata: [DONE]\n\n".encode(), "text/event-stream")
            return
        message = {"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}
        usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        self.reply(json.dumps({**reply, "object": "chat.completion", "choices": [message], "usage": usage}).encode())


@pytest.fixture(scope="module")
def api_base() -> Iterator[str]:
    with serve_in_thread(_OpenAICompatible) as url:
        yield f"{url}/v1"


@pytest.mark.parametrize("how", ["extra_headers", "headers", "sync stream", "async", "async stream", "failure"])
def test_verbose_records_the_request_headers_of_a_call_over_http(
    how: str, api_base: str, caplog_info: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    """LiteLLM hands observers the caller's headers of a call that went out over HTTP. Before, they were never
    recorded on SDK calls (the README promised them); credentials among them are redacted."""
    litellm.callbacks = [RequestLogger(verbose=True)]
    headers = {"X-Trace": "trace-42", "Authorization": f"Bearer {SECRET_HEADER}"}
    call: dict[str, Any] = {
        "model": "openai/refused" if how == "failure" else "openai/m",
        "messages": [{"role": "user", "content": "hi"}],
        "api_base": api_base,
        "api_key": SECRET_KEY,
        "headers" if how == "headers" else "extra_headers": headers,
        "stream": how.endswith("stream"),
    }

    async def call_async() -> None:
        reply = await litellm.acompletion(**call)
        if call["stream"]:
            async for _ in reply:
                pass
        await drain_litellm_logging(timeout=10)  # LiteLLM logs on this loop: before asyncio.run closes it

    if how.startswith("async"):
        asyncio.run(call_async())
    elif how == "failure":
        with pytest.raises(litellm.BadRequestError, match="no such model"):
            litellm.completion(**call)
    else:
        reply = litellm.completion(**call)
        for _ in reply if call["stream"] else ():
            pass
    [record] = settle(caplog_info, wait_for)
    data = record.litellm_call  # type: ignore[attr-defined]
    assert data["headers"]["X-Trace"] == "trace-42"
    assert data["headers"]["Authorization"] == "[REDACTED]"
    assert SECRET_HEADER not in caplog_info.text + json.dumps(data)
