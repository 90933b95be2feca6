"""LiteLLM entry points whose text this library cannot read (rerank, moderation, speech...): an interceptor that
claims every call type meets them and fails closed; the others are not applied. Never silently skipped."""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger
from litellm.types.utils import ModelResponse

from litellm_plugin.core import ALL_CALL_TYPES, BaseCustomLogger, BaseCustomProvider, InterceptorError, TextTransform
from litellm_plugin.core.payloads import request_fields

pytestmark = pytest.mark.usefixtures("clean_callbacks")


class RerankServer:
    """Cohere's rerank API on 127.0.0.1: records each request body, ranks the first document."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                bodies.append(body)
                reply = {"id": "r1", "results": [{"index": 0, "relevance_score": 0.5}], "meta": {}}
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def rerank_kwargs(self, query: str) -> dict[str, Any]:
        return {
            "model": "cohere/rerank-english-v3.0",
            "query": query,
            "documents": ["a document"],
            "api_base": self.api_base,
            "api_key": "test-key",
        }


@pytest.fixture
def rerank_server() -> Iterator[RerankServer]:
    server = RerankServer()
    yield server
    server.server.shutdown()
    server.server.server_close()


class ReadsEveryRequest(BaseCustomLogger):
    """What a request filter does: read every text field of every call type it claims."""

    call_types = ALL_CALL_TYPES

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
        for field in request_fields(call_type, data):
            field.set(field.text.upper())
        return data


class RewritesQuery(BaseCustomLogger):
    """An interceptor that knows the rerank payload itself."""

    call_types = ALL_CALL_TYPES
    seen: list[str]

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
        self.seen = [*getattr(self, "seen", []), str(call_type)]
        data["query"] = data["query"] + " (rewritten)"
        return data


class Uppercase(TextTransform):
    def transform(self, text: str) -> str:
        return text.upper()


class UppercasesReplies(BaseCustomLogger):
    call_types = ALL_CALL_TYPES

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return Uppercase()


class ChatOnly(BaseCustomLogger):
    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
        raise AssertionError("a chat-only interceptor ran on a rerank call")


def test_an_interceptor_claiming_every_call_type_fails_closed_on_rerank(rerank_server: RerankServer) -> None:
    litellm.callbacks = [ReadsEveryRequest()]
    with pytest.raises(InterceptorError, match=r"ReadsEveryRequest.*'rerank' request.*give it call_types"):
        litellm.rerank(**rerank_server.rerank_kwargs("secret query"))
    assert rerank_server.bodies == []  # nothing left the process


async def test_async_rerank_fails_closed_too(rerank_server: RerankServer) -> None:
    litellm.callbacks = [ReadsEveryRequest()]
    with pytest.raises(InterceptorError, match=r"ReadsEveryRequest.*'arerank'"):
        await litellm.arerank(**rerank_server.rerank_kwargs("secret query"))
    assert rerank_server.bodies == []


async def test_an_interceptor_that_reads_the_payload_changes_it_once(rerank_server: RerankServer) -> None:
    rewriter = RewritesQuery()
    litellm.callbacks = [rewriter]
    litellm.rerank(**rerank_server.rerank_kwargs("q"))
    await litellm.arerank(**rerank_server.rerank_kwargs("q"))
    deployment = {key: rerank_server.rerank_kwargs("")[key] for key in ("model", "api_base", "api_key")}
    router = litellm.Router(model_list=[{"model_name": "r", "litellm_params": deployment}])
    await router.arerank(model="r", query="q", documents=["a document"])
    assert [body["query"] for body in rerank_server.bodies] == ["q (rewritten)"] * 3
    assert rewriter.seen == ["rerank", "arerank", "arerank"]


async def test_a_reply_filter_claiming_every_call_type_refuses_before_the_call(rerank_server: RerankServer) -> None:
    """Its reply could not be read either: no call is made just to be thrown away."""
    litellm.callbacks = [UppercasesReplies()]
    with pytest.raises(InterceptorError, match=r"UppercasesReplies.*'arerank' reply.*not made.*give it call_types"):
        await litellm.arerank(**rerank_server.rerank_kwargs("q"))
    with pytest.raises(InterceptorError, match=r"UppercasesReplies.*'rerank' reply"):
        litellm.rerank(**rerank_server.rerank_kwargs("q"))
    assert rerank_server.bodies == []


def test_a_fail_open_reply_filter_is_left_out_with_one_warning(
    rerank_server: RerankServer, caplog: pytest.LogCaptureFixture
) -> None:
    litellm.callbacks = [UppercasesReplies(fail_open=True)]
    with caplog.at_level(logging.WARNING, logger="litellm_plugin.core"):
        response = litellm.rerank(**rerank_server.rerank_kwargs("q"))
    assert response.results[0]["index"] == 0
    assert len([r for r in caplog.records if "UppercasesReplies" in r.getMessage()]) == 1


class SeesReplies(BaseCustomLogger):
    """A reply hook of its own: it may read any reply, so it meets this one."""

    call_types = ALL_CALL_TYPES

    def __init__(self) -> None:
        super().__init__()
        self.replies: list[str] = []

    async def async_post_call_success_hook(self, data: Any, user_api_key_dict: Any, response: Any) -> Any:
        self.replies.append(type(response).__name__)
        return None


def test_an_interceptor_with_its_own_reply_hook_meets_the_reply(rerank_server: RerankServer) -> None:
    sees = SeesReplies()
    litellm.callbacks = [sees]
    litellm.rerank(**rerank_server.rerank_kwargs("q"))
    assert sees.replies == ["RerankResponse"]


def test_interceptors_that_claim_less_are_not_applied(rerank_server: RerankServer) -> None:
    litellm.callbacks = [ChatOnly()]
    response = litellm.rerank(**rerank_server.rerank_kwargs("q"))
    assert response.results[0]["index"] == 0
    assert rerank_server.bodies[0]["query"] == "q"


def test_fail_open_lets_the_call_through_with_a_warning(
    rerank_server: RerankServer, caplog: pytest.LogCaptureFixture
) -> None:
    litellm.callbacks = [ReadsEveryRequest(fail_open=True)]
    with caplog.at_level(logging.WARNING, logger="litellm_plugin.core"):
        litellm.rerank(**rerank_server.rerank_kwargs("q"))
    assert rerank_server.bodies[0]["query"] == "q"
    assert "ReadsEveryRequest" in caplog.text
    assert "fail_open" in caplog.text


NOWHERE = {"api_base": "http://127.0.0.1:9", "api_key": "k"}  # a closed port: reaching it is an error of its own
UNREAD_CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("litellm", "moderation", {"input": "secret", "model": "omni-moderation-latest"}),
    ("litellm", "amoderation", {"input": "secret", "model": "omni-moderation-latest"}),
    ("litellm", "speech", {"model": "openai/tts-1", "input": "secret", "voice": "alloy"}),
    ("litellm", "aspeech", {"model": "openai/tts-1", "input": "secret", "voice": "alloy"}),
    ("litellm", "create_thread", {"custom_llm_provider": "openai", "messages": [{"role": "user", "content": "x"}]}),
    ("litellm", "a_add_message", {"custom_llm_provider": "openai", "thread_id": "t", "role": "user", "content": "x"}),
    ("litellm", "arun_thread", {"custom_llm_provider": "openai", "thread_id": "t", "assistant_id": "a"}),
    ("litellm.google_genai", "agenerate_content", {"model": "gemini/gemini-2.0-flash", "contents": "secret"}),
    ("litellm", "agenerate_content", {"model": "gemini/gemini-2.0-flash", "contents": "secret"}),
    # Calls that hand back text a provider stored or wrote: a thread's messages, a stored response, a file.
    ("litellm", "get_messages", {"custom_llm_provider": "openai", "thread_id": "t"}),
    ("litellm", "aget_assistants", {"custom_llm_provider": "openai"}),
    ("litellm", "aget_thread", {"custom_llm_provider": "openai", "thread_id": "t"}),
    ("litellm", "aget_responses", {"response_id": "resp_1", "custom_llm_provider": "openai"}),
    ("litellm", "alist_input_items", {"response_id": "resp_1", "custom_llm_provider": "openai"}),
    ("litellm", "afile_content", {"file_id": "file-1", "custom_llm_provider": "openai"}),
    # RAG: the question goes to a vector store search, then what it found goes to the model with it.
    (
        "litellm",
        "aquery",
        {
            "model": "openai/gpt-4o",
            "messages": [{"role": "user", "content": "secret"}],
            "retrieval_config": {"vector_store_id": "vs_1", "custom_llm_provider": "openai"},
        },
    ),
    ("litellm.vector_stores", "asearch", {"vector_store_id": "vs_1", "query": "secret"}),
    ("litellm.vector_stores", "search", {"vector_store_id": "vs_1", "query": "secret"}),
    # A batch runs the requests of a file through the model: text no interceptor sees.
    (
        "litellm",
        "acreate_batch",
        {
            "completion_window": "24h",
            "endpoint": "/v1/chat/completions",
            "input_file_id": "file-1",
            "custom_llm_provider": "openai",
        },
    ),
]


# The call type an error names, where it is not the function's name.
_LOGGED_AS = {
    ("litellm.vector_stores", "asearch"): "avector_store_search",
    ("litellm.vector_stores", "search"): "vector_store_search",
}


@pytest.mark.parametrize(("module", "name", "kwargs"), UNREAD_CALLS, ids=[name for _, name, _ in UNREAD_CALLS])
async def test_every_unread_entry_point_fails_closed(module: str, name: str, kwargs: dict[str, Any]) -> None:
    entry_point = getattr(importlib.import_module(module), name, None)
    if entry_point is None:
        pytest.skip(f"{module}.{name} is not in this LiteLLM release")
    litellm.callbacks = [ReadsEveryRequest()]

    async def call() -> None:
        result = entry_point(**kwargs, **NOWHERE)
        if inspect.isawaitable(result):
            await result

    with pytest.raises(InterceptorError, match=rf"ReadsEveryRequest.*'{_LOGGED_AS.get((module, name), name)}'"):
        await call()


class IdentityAdapter(CustomLogger):
    """LiteLLM's adapter interface (``litellm.adapters``): a request in the adapter's own format, translated to
    chat and back. This one passes everything through."""

    def translate_completion_input_params(self, kwargs: Any) -> Any:
        return kwargs

    def translate_completion_output_params(self, response: Any) -> Any:
        return response

    def translate_completion_output_params_streaming(self, completion_stream: Any) -> Any:
        return completion_stream


class CountingEcho(BaseCustomProvider):
    calls = 0

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        type(self).calls += 1
        return self.make_response(model, messages, "Echo: " + self.last_user_text(messages))


@pytest.mark.parametrize("entry", ["adapter_completion", "aadapter_completion", "router"])
async def test_adapter_completion_fails_closed(
    entry: str, route: Callable[[Any], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its request is in the adapter's format: before, no interceptor ran at all, the reply came back as is."""
    monkeypatch.setattr(litellm, "adapters", [{"id": "ident", "adapter": IdentityAdapter()}])
    model = f"{route(CountingEcho)}/m"
    CountingEcho.calls = 0
    litellm.callbacks = [ReadsEveryRequest()]
    call: dict[str, Any] = {"adapter_id": "ident", "messages": [{"role": "user", "content": "secret"}]}
    router = litellm.Router(model_list=[{"model_name": "r", "litellm_params": {"model": model}}])

    async def make_call() -> Any:
        if entry == "adapter_completion":
            return litellm.adapter_completion(model=model, **call)
        if entry == "aadapter_completion":
            return await litellm.aadapter_completion(model=model, **call)
        return await router.aadapter_completion(model="r", **call)

    with pytest.raises(InterceptorError, match=r"ReadsEveryRequest.*'a?adapter_completion'"):
        await make_call()
    assert CountingEcho.calls == 0


class _CallLogging:
    """Stands for the logging object LiteLLM's proxy gives one request (weakly referenced, like its own)."""


async def test_an_mcp_tool_calls_request_hook_runs_once_when_the_proxy_calls_it_twice() -> None:
    """LiteLLM's proxy runs the request hooks of ``/mcp-rest/tools/call`` twice with the same logging object:
    its route's pre-call step (``arguments``), then its tool check (``mcp_arguments``, whose changes it drops).
    A hook that counts, or has side effects, runs once per tool call, as on every other route."""

    class Counting(BaseCustomLogger):
        call_types = ALL_CALL_TYPES

        def __init__(self) -> None:
            super().__init__()
            self.runs = 0

        async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
            self.runs += 1
            return data

    counting = Counting()
    one_call, another_call = _CallLogging(), _CallLogging()
    route = {"arguments": {"text": "hi"}, "litellm_logging_obj": one_call, "proxy_server_request": {}}
    tool_check = {"mcp_arguments": {"text": "hi"}, "litellm_logging_obj": one_call}
    for data in (route, tool_check):
        await counting.async_pre_call_hook(None, None, data, "call_mcp_tool")
    assert counting.runs == 1
    next_call = {"arguments": {}, "litellm_logging_obj": another_call}
    await counting.async_pre_call_hook(None, None, next_call, "call_mcp_tool")
    assert counting.runs == 2
