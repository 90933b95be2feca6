"""Ways around ContentFilter that a caller or a provider could take, each closed: request text in
``extra_body`` (which LiteLLM merges into the provider's request as it is) or in a ``system`` parameter,
tool-call arguments given as an object, content parts we cannot read, and streamed thinking blocks."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import litellm
import pytest
from litellm import CustomLLM
from litellm.types.utils import Delta, ModelResponse, ModelResponseStream, StreamingChoices

from litellm_plugin.core.errors import InterceptorError, InterceptorRejectedError
from litellm_plugin.core.testing.settle import drain_litellm_logging
from litellm_plugin.loggers.filters import ContentFilter, ResponseModifier

HI = {"role": "user", "content": "hi"}


def _run(call: Coroutine[Any, Any, Any]) -> Any:
    async def run() -> Any:
        try:
            return await call
        finally:
            await drain_litellm_logging()

    return asyncio.run(run())


@pytest.fixture(autouse=True)
def _quiet_afterwards() -> Iterator[None]:
    yield
    asyncio.run(drain_litellm_logging())


class RecordingLLM(CustomLLM):
    """Records everything that reached the model (messages and optional params) and replies "ok"."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        sent = {
            "messages": kwargs["messages"],
            "optional_params": kwargs.get("optional_params"),
            "headers": kwargs.get("headers"),
        }
        self.seen.append(json.dumps(sent, default=str))
        response = ModelResponse(model=kwargs["model"])
        response.choices[0].message.content = "ok"
        response.usage = litellm.Usage(prompt_tokens=1, completion_tokens=1, total_tokens=2)  # type: ignore[attr-defined]
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(*args, **kwargs)


@pytest.fixture
def recorder() -> tuple[str, RecordingLLM]:
    name = f"bp{uuid.uuid4().hex[:8]}"
    llm = RecordingLLM()
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": llm}]
    litellm.utils.custom_llm_setup()
    return f"{name}/x", llm


def _call(entry: str, model: str, params: dict[str, Any]) -> Any:
    if entry == "completion":
        return litellm.completion(model=model, **params)
    if entry == "acompletion":
        return _run(litellm.acompletion(model=model, **params))
    if entry == "router_acompletion":
        router = litellm.Router(model_list=[{"model_name": "m", "litellm_params": {"model": model}}])
        return _run(router.acompletion(model="m", **params))
    if entry == "text_completion":
        return litellm.text_completion(model=model, **params)
    if entry == "responses":
        return litellm.responses(model=model, **params)
    return _run(litellm.anthropic_messages(model=model, max_tokens=5, **params))


CHAT = ("completion", "acompletion", "router_acompletion")

# -- 1. extra_body: merged into the provider's request as it is --------------------------------------------

_EXTRA_BODY_CALLS = [
    *(
        pytest.param(entry, {"messages": [HI], "extra_body": {"messages": [{"role": "user", "content": "spam"}]}})
        for entry in CHAT
    ),
    *(
        pytest.param(entry, {"messages": [HI], "extra_body": {"chat_template_kwargs": {"note": "a spam"}}})
        for entry in CHAT
    ),
    pytest.param("text_completion", {"prompt": "hi", "extra_body": {"prompt": "spam"}}),
    pytest.param("responses", {"input": "hi", "extra_body": {"instructions": "spam"}}),
    pytest.param("anthropic_messages", {"messages": [HI], "extra_body": {"system": "spam"}}),
]


def _assert_refused(entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]) -> None:
    """A blocking request filter refuses the call before the provider sees anything."""
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], action="block", filter_requests=True, filter_responses=False)]
    with pytest.raises(InterceptorRejectedError):
        _call(entry, model, params)
    assert llm.seen == []


def _assert_masked(entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]) -> None:
    """A masking request filter sends the provider the masked text and leaves the caller's objects alone."""
    model, llm = recorder
    before = repr(params)
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    _call(entry, model, params)
    assert "spam" not in llm.seen[-1]
    assert "[FILTERED]" in llm.seen[-1]
    assert repr(params) == before


@pytest.mark.parametrize(("entry", "params"), _EXTRA_BODY_CALLS)
def test_text_in_extra_body_is_refused(entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]) -> None:
    _assert_refused(entry, params, recorder)


@pytest.mark.parametrize(("entry", "params"), _EXTRA_BODY_CALLS)
def test_text_in_extra_body_is_masked_and_the_callers_dict_stays_as_given(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    _assert_masked(entry, params, recorder)


def test_an_extra_body_that_is_not_a_dict_fails_closed(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True)]
    with pytest.raises(InterceptorError):
        litellm.completion(model=model, messages=[HI], extra_body=[("messages", "spam")])
    assert llm.seen == []


# -- 2. a system prompt given as a parameter (LiteLLM passes it on; Anthropic's API reads it) --------------


@pytest.mark.parametrize("system", ["spam", [{"type": "text", "text": "spam"}]])
@pytest.mark.parametrize("entry", CHAT)
def test_a_system_parameter_is_read(entry: str, system: Any, recorder: tuple[str, RecordingLLM]) -> None:
    _assert_refused(entry, {"messages": [HI], "system": system}, recorder)
    _assert_masked(entry, {"messages": [HI], "system": system}, recorder)


# -- 3. tool-call arguments given as an object instead of JSON text -----------------------------------------


def _history(arguments: Any) -> list[dict[str, Any]]:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": arguments}}
    return [
        HI,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "x"},
    ]


@pytest.mark.parametrize("arguments", [{"q": "spam"}, [{"q": "spam"}]])
@pytest.mark.parametrize("entry", CHAT)
def test_tool_call_arguments_given_as_an_object_are_read(
    entry: str, arguments: Any, recorder: tuple[str, RecordingLLM]
) -> None:
    model, llm = recorder
    _assert_refused(entry, {"messages": _history(arguments)}, recorder)
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    _call(entry, model, {"messages": _history(arguments)})
    sent = json.loads(llm.seen[-1])["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert "spam" not in json.dumps(sent)
    assert type(sent) is type(arguments)  # still an object: the provider gets the shape it was given


@pytest.mark.parametrize("entry", ["completion", "anthropic_messages"])
@pytest.mark.parametrize("action", ["mask", "block"])
def test_a_messages_own_id_is_an_id_not_text(entry: str, action: str, recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], action=action, filter_requests=True)]
    history = [HI, {"role": "assistant", "content": "ok", "id": "msg-spam-1"}, {"role": "user", "content": "go"}]
    _call(entry, model, {"messages": history})  # not refused
    assert "[FILTERED]" not in llm.seen[-1]
    if entry == "completion":  # (LiteLLM's Anthropic bridge does not pass a message's id on)
        assert json.loads(llm.seen[-1])["messages"][1]["id"] == "msg-spam-1"


@pytest.mark.parametrize("action", ["mask", "block"])
def test_a_tool_results_call_id_is_an_id_not_text(action: str, recorder: tuple[str, RecordingLLM]) -> None:
    """Like the tool call's own ``id``: masked on one side only, the result would answer no call (a provider
    refuses such a request); refused, an ordinary random id would refuse a tool round-trip."""
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["ass"], whole_words=False, action=action, filter_requests=True)]
    call = {"id": "call_Qx7assP0", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    history = [
        HI,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_Qx7assP0", "content": "x"},
    ]
    litellm.completion(model=model, messages=history)
    sent = json.loads(llm.seen[-1])["messages"]
    assert sent[1]["tool_calls"][0]["id"] == sent[2]["tool_call_id"] == "call_Qx7assP0"


def test_legacy_function_call_arguments_given_as_an_object_are_read(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], action="block", filter_requests=True, filter_responses=False)]
    history = [HI, {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": {"q": "spam"}}}]
    with pytest.raises(InterceptorRejectedError):
        litellm.completion(model=model, messages=[*history, {"role": "function", "name": "f", "content": "x"}])
    assert llm.seen == []


# -- 4. content parts whose text we cannot read fail closed ------------------------------------------------

_UNREADABLE_PARTS = [
    pytest.param(
        "completion",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": {"v": "spam"}}]}]},
        id="chat-text-object",
    ),
    pytest.param(
        "completion",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": ["spam"]}]}]},
        id="chat-text-list",
    ),
    pytest.param("completion", {"messages": [{"role": "user", "content": [{"body": "spam"}]}]}, id="chat-untyped-part"),
    pytest.param(
        "responses",
        {"input": [{"role": "user", "content": [{"type": "input_text", "text": {"v": "spam"}}]}]},
        id="responses-text-object",
    ),
    pytest.param(
        "responses",
        {"input": [{"type": "function_call_output", "call_id": "c", "output": {"result": "spam"}}]},
        id="responses-output-object",
    ),
    pytest.param(
        "anthropic_messages",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": {"v": "spam"}}]}]},
        id="anthropic-text-object",
    ),
]


@pytest.mark.parametrize(("entry", "params"), _UNREADABLE_PARTS)
def test_a_content_part_we_cannot_read_fails_closed(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    with pytest.raises(InterceptorError, match="content part"):
        _call(entry, model, params)
    assert llm.seen == []


def test_typed_parts_without_text_still_pass(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    litellm.completion(model=model, messages=[{"role": "user", "content": [image, {"type": "text", "text": "hi"}]}])
    assert len(llm.seen) == 1


# -- 5. streamed reasoning from an OpenAI-compatible server -------------------------------------------------


class _Server(BaseHTTPRequestHandler):
    body: bytes = b""
    content_type = "text/event-stream"

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", type(self).content_type)
        self.send_header("content-length", str(len(type(self).body)))
        self.end_headers()
        self.wfile.write(type(self).body)


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Server]]]:
    handler = type("Handler", (_Server,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


def _sse(deltas: list[dict[str, Any]]) -> bytes:
    chunks = []
    for position, delta in enumerate(deltas):
        finish = "stop" if position == len(deltas) - 1 else None
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o", "choices": [choice]}
        chunks.append(f"data: {json.dumps(chunk)}\n\n")
    return ("".join(chunks) + "data: [DONE]\n\n").encode()


def _stream(base: str, *, sync: bool) -> list[Any]:
    params: dict[str, Any] = {"model": "openai/gpt-4o", "messages": [HI], "api_base": base, "api_key": "k"}
    if sync:
        return list(litellm.completion(**params, stream=True))

    async def collect() -> list[Any]:
        stream: Any = await litellm.acompletion(**params, stream=True)
        return [chunk async for chunk in stream]

    chunks: list[Any] = _run(collect())
    return chunks


@pytest.mark.parametrize("sync", [True, False])
def test_streamed_thinking_blocks_are_filtered(server: tuple[str, type[_Server]], sync: bool) -> None:
    base, handler = server
    handler.body = _sse(
        [
            {"role": "assistant", "thinking_blocks": [{"type": "thinking", "thinking": "about sp"}]},
            {"thinking_blocks": [{"type": "thinking", "thinking": "am and eggs"}]},
            {"content": "ok"},
        ]
    )
    litellm.callbacks = []
    delivered = _thinking(_stream(base, sync=sync))  # what this LiteLLM release passes on (1.84 drops a piece)
    content_filter = ContentFilter(["spam"])
    litellm.callbacks = [content_filter]
    chunks = _stream(base, sync=sync)
    assert _thinking(chunks) == content_filter.mask(delivered)
    assert delivered != "about sp" or _thinking(chunks) == "about sp"  # a lone prefix is no word: kept
    assert "spam" not in "".join(chunk.model_dump_json() for chunk in chunks)
    assert "[FILTERED]" in _thinking(chunks) or "spam" not in delivered


def _thinking(chunks: list[Any]) -> str:
    return "".join(
        block["thinking"]
        for chunk in chunks
        for choice in chunk.choices
        for block in getattr(choice.delta, "thinking_blocks", None) or ()
    )


@pytest.mark.parametrize("sync", [True, False])
def test_streamed_reasoning_held_back_comes_out_with_a_finishing_chunk_without_reasoning(
    server: tuple[str, type[_Server]], sync: bool
) -> None:
    """The held-back end of the reasoning goes on the finishing chunk, which has no reasoning of its own."""
    base, handler = server
    handler.body = _sse(
        [{"role": "assistant", "reasoning_content": "about sp"}, {"reasoning_content": "am"}, {"content": "ok"}]
    )
    litellm.callbacks = [ContentFilter(["spam"])]
    chunks = _stream(base, sync=sync)
    reasoning = "".join(
        getattr(choice.delta, "reasoning_content", None) or "" for chunk in chunks for choice in chunk.choices
    )
    assert reasoning == "about [FILTERED]"
    assert "".join(choice.delta.content or "" for chunk in chunks for choice in chunk.choices) == "ok"


# -- 6. Responses API output text logprobs (include=["message.output_text.logprobs"]) -----------------------


def _logprobs(*tokens: str) -> list[dict[str, Any]]:
    return [{"token": token, "logprob": -0.1, "bytes": list(token.encode()), "top_logprobs": []} for token in tokens]


def _text_part(text: str, *tokens: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": _logprobs(*tokens)}


def _response(parts: list[dict[str, Any]]) -> dict[str, Any]:
    message = {"type": "message", "id": "m", "status": "completed", "role": "assistant", "content": parts}
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "status": "completed",
        "model": "gpt-4o",
        "output": [message],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
    }


def _responses_call(base: str, **params: Any) -> Any:
    return litellm.responses(model="openai/gpt-4o", input="hi", api_base=base, api_key="k", **params)


def test_responses_logprobs_that_spell_a_masked_word_are_dropped(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    handler.content_type = "application/json"
    handler.body = json.dumps(_response([_text_part("a spam", "a", " sp", "am")])).encode()
    litellm.callbacks = [ContentFilter(["spam"])]
    part = _responses_call(base).output[0].content[0]
    assert field(part, "text") == "a [FILTERED]"
    assert not field(part, "logprobs")
    handler.body = json.dumps(_response([_text_part("a ham", "a", " ham")])).encode()
    assert len(field(_responses_call(base).output[0].content[0], "logprobs")) == 2  # clean ones stay


def field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def test_streamed_responses_logprobs_that_spell_a_masked_word_are_dropped(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    created = {**_response([]), "status": "in_progress", "usage": None}
    where = {"item_id": "m", "output_index": 0, "content_index": 0}
    events = [
        {"type": "response.created", "sequence_number": 0, "response": created},
        {
            "type": "response.output_text.delta",
            "sequence_number": 1,
            **where,
            "delta": "a sp",
            "logprobs": _logprobs("a", " sp"),
        },
        {
            "type": "response.output_text.delta",
            "sequence_number": 2,
            **where,
            "delta": "am",
            "logprobs": _logprobs("am"),
        },
        {
            "type": "response.output_text.done",
            "sequence_number": 3,
            **where,
            "text": "a spam",
            "logprobs": _logprobs("a", " sp", "am"),
        },
        {
            "type": "response.completed",
            "sequence_number": 4,
            "response": _response([_text_part("a spam", "a", " sp", "am")]),
        },
    ]
    handler.body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    litellm.callbacks = [ContentFilter(["spam"])]
    received = list(_responses_call(base, stream=True))
    dumped = "".join(event.model_dump_json() for event in received)
    assert "[FILTERED]" in dumped
    assert '"token":"am"' not in dumped.replace(" ", "")  # not on the deltas, the done event or the final reply


# -- 7. schema sample values, Gemini-style response schemas, MCP server descriptions --------------------------


def _schema_format(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "n", "schema": schema}}


def _tool(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": "f", "description": "d", "parameters": parameters}}]


_SAMPLE = {"type": "object", "properties": {"a": {"type": "string", "examples": ["a spam"], "default": "spam"}}}
_SCHEMA_CALLS = [
    pytest.param("completion", {"messages": [HI], "response_format": _schema_format(_SAMPLE)}, id="response_format"),
    *(
        pytest.param(
            "completion",
            {"messages": [HI], "tools": _tool({"type": "object", "properties": {"a": {"type": "string", key: value}}})},
            id=f"tool-parameters-{key}",
        )
        for key, value in [
            ("pattern", "^(spam|eggs)$"),  # constrains what the model writes, as an ``enum`` does
            ("format", "spam"),
            ("contentMediaType", "text/spam"),
            ("$comment", "spam"),
            ("type", ["string", "spam"]),
        ]
    ),
    pytest.param(
        "completion",
        {"messages": [HI], "response_format": _schema_format({"$id": "https://x/spam", "type": "object"})},
        id="response_format-$id",
    ),
    pytest.param("completion", {"messages": [HI], "tools": _tool(_SAMPLE)}, id="tool-parameters"),
    pytest.param(
        "completion",
        {"messages": [HI], "response_format": {"type": "json_object", "response_schema": {"description": "spam"}}},
        id="response_schema",
    ),
    pytest.param(
        "responses",
        {
            "input": "hi",
            "tools": [{"type": "mcp", "server_label": "s", "server_url": "http://x", "server_description": "spam"}],
        },
        id="mcp-server-description",
    ),
]


@pytest.mark.parametrize(("entry", "params"), _SCHEMA_CALLS)
def test_schema_samples_and_server_descriptions_are_read(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    _assert_refused(entry, params, recorder)


def test_schema_samples_are_masked_and_property_names_stay(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    schema = {
        "type": "object",
        "properties": {"default": {"type": "string", "examples": ["spam"]}, "examples": {"type": "string"}},
    }
    litellm.callbacks = [ContentFilter(["spam", "string"], filter_requests=True, filter_responses=False)]
    litellm.completion(model=model, messages=[HI], response_format=_schema_format(schema))
    sent = json.loads(llm.seen[-1])["optional_params"]["response_format"]["json_schema"]["schema"]
    assert sent["properties"]["default"] == {"type": "string", "examples": ["[FILTERED]"]}
    assert sent["properties"]["examples"] == {"type": "string"}  # a property's name and type are structure


def test_a_schemas_pattern_is_never_changed(recorder: tuple[str, RecordingLLM]) -> None:
    """Read like an ``enum`` value: a changed pattern is a different schema, so a masking filter refuses."""
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    tools = _tool({"type": "object", "properties": {"a": {"type": "string", "pattern": "^spam$"}}})
    with pytest.raises(InterceptorRejectedError, match="schema pattern"):
        litellm.completion(model=model, messages=[HI], tools=tools)
    assert llm.seen == []


def test_a_schemas_own_vocabulary_is_not_read(recorder: tuple[str, RecordingLLM]) -> None:
    """JSON types, the formats JSON Schema and OpenAPI define, dialect URIs and pointers within the schema are
    the schema language, not text: blocking "string", "email" or "schema" does not refuse every tool."""
    model, llm = recorder
    litellm.callbacks = [
        ContentFilter(
            ["string", "schema", "null", "date", "email", "password", "defs"],
            action="block",
            filter_requests=True,
            filter_responses=False,
        )
    ]
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "a": {"type": ["string", "null"]},
            "b": {"type": "STRING", "format": "date-time"},  # Gemini's and OpenAPI's spelling
            "c": {"type": "string", "format": "email"},
            "d": {"type": "string", "format": "password"},
            "e": {"$ref": "#/$defs/x"},
        },
        "$defs": {"x": {"type": "integer"}},
    }
    litellm.completion(model=model, messages=[HI], tools=_tool(schema))
    assert json.loads(llm.seen[-1])["optional_params"]["tools"][0]["function"]["parameters"] == schema


# -- 7b. fields no reader names: unknown message and part keys, headers, text files where images go ----------

_UNNAMED_FIELD_CALLS = [
    pytest.param({"messages": [{"role": "user", "content": "hi", "note": "a spam"}]}, id="message-key"),
    pytest.param(
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi", "meta": {"note": "a spam"}}]}]},
        id="part-key",
    ),
    pytest.param(
        {
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"note": "a spam"}}]}
            ]
        },
        id="cache_control",
    ),
    pytest.param(
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "input_audio", "input_audio": {"data": "aGk=", "transcript": "a spam"}}],
                }
            ]
        },
        id="audio-transcript",
    ),
    pytest.param(
        {"messages": [{"role": "user", "content": [{"type": "file", "file": {"file_id": "f", "filename": "a spam"}}]}]},
        id="file-name",
    ),
    pytest.param({"messages": [HI], "extra_headers": {"x-note": "a spam"}}, id="extra_headers"),
]


@pytest.mark.parametrize("params", _UNNAMED_FIELD_CALLS)
def test_fields_no_reader_names_are_read(params: dict[str, Any], recorder: tuple[str, RecordingLLM]) -> None:
    _assert_refused("completion", params, recorder)
    _assert_masked("completion", params, recorder)


def test_a_text_file_given_as_an_image_url_is_read(recorder: tuple[str, RecordingLLM]) -> None:
    for url in ("data:text/plain,a%20spam", "data:text/plain;base64," + base64.b64encode(b"a spam").decode()):
        part = {"type": "image_url", "image_url": {"url": url}}
        _assert_refused("completion", {"messages": [{"role": "user", "content": [part]}]}, recorder)


# -- 8. keyword arguments LiteLLM does not know: it sends them to the provider as request fields --------------

_UNKNOWN_PARAM_CALLS = [
    *(
        pytest.param(entry, {"messages": [HI], "documents": [{"text": "a spam"}]}, id=f"{entry}-documents")
        for entry in CHAT
    ),
    pytest.param("completion", {"messages": [HI], "chat_template": "{{ 'spam' }}"}, id="chat_template"),
    pytest.param("completion", {"messages": [HI], "prompt": "spam"}, id="chat-prompt"),
    pytest.param("text_completion", {"prompt": "hi", "instructions": "spam"}, id="text_completion"),
    # The proxy's marker, passed by an SDK caller, does not switch the reading off (it counts only in a proxy).
    pytest.param(
        "completion",
        {"messages": [HI], "proxy_server_request": {}, "documents": [{"text": "a spam"}]},
        id="with-the-proxy-marker",
    ),
]


@pytest.mark.parametrize(("entry", "params"), _UNKNOWN_PARAM_CALLS)
def test_unknown_keyword_arguments_are_read(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    _assert_refused(entry, params, recorder)
    _assert_masked(entry, params, recorder)


def test_litellms_own_parameters_are_not_read_as_request_text(recorder: tuple[str, RecordingLLM]) -> None:
    """``metadata``, ``tags`` and the like stay with LiteLLM (logging, routing): the model never reads them."""
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], action="block", filter_requests=True, filter_responses=False)]
    litellm.completion(model=model, messages=[HI], metadata={"campaign": "spam"}, tags=["spam"])
    assert len(llm.seen) == 1


# -- 9. Anthropic streams that carry text in their start events ----------------------------------------------

_MESSAGE: dict[str, Any] = {
    "id": "m",
    "type": "message",
    "role": "assistant",
    "model": "claude-3-5-sonnet-20241022",
    "content": [],
    "stop_reason": None,
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 1},
}


def _anthropic_stream(base: str, handler: type[_Server], events: list[dict[str, Any]]) -> str:
    # LiteLLM 1.110's native Anthropic stream needs orjson, which only its [proxy] extra installs.
    pytest.importorskip("orjson", reason="LiteLLM's native Anthropic stream needs its proxy extra here")
    handler.body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    litellm.callbacks = [ContentFilter(["spam"])]

    async def collect() -> bytes:
        stream: Any = await litellm.anthropic_messages(
            model="anthropic/claude-3-5-sonnet-20241022",
            messages=[HI],
            max_tokens=5,
            api_base=base,
            api_key="k",
            stream=True,
        )
        return b"".join([chunk if isinstance(chunk, bytes) else str(chunk).encode() async for chunk in stream])

    body: bytes = _run(collect())
    return body.decode()


_END: list[dict[str, Any]] = [
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
    {"type": "message_stop"},
]


def test_text_held_back_in_a_block_never_stopped_goes_out_before_the_message_ends(
    server: tuple[str, type[_Server]],
) -> None:
    """An upstream that leaves out ``content_block_stop``: a client stops reading at ``message_stop``."""
    base, handler = server
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": _MESSAGE},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "a sp"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "am"}},
        *_END,
    ]
    body = _anthropic_stream(base, handler, events)
    assert "spam" not in body
    assert -1 < body.find("[FILTERED]") < body.find("message_delta")


def test_streamed_tool_input_given_in_its_start_event_is_filtered(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    tool = {"type": "tool_use", "id": "t", "name": "f", "input": {"q": "a spam"}}
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": _MESSAGE},
        {"type": "content_block_start", "index": 0, "content_block": tool},
        {"type": "content_block_stop", "index": 0},
        *_END,
    ]
    body = _anthropic_stream(base, handler, events)
    assert "spam" not in body
    assert "a [FILTERED]" in body


def test_a_stream_whose_message_start_carries_content_is_filtered(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    start = {**_MESSAGE, "content": [{"type": "text", "text": "a spam"}]}
    body = _anthropic_stream(base, handler, [{"type": "message_start", "message": start}, *_END])
    assert "spam" not in body
    assert "a [FILTERED]" in body


# -- 10. Responses streams whose '.added' events carry text -------------------------------------------------

_WHERE = {"item_id": "m", "output_index": 0, "content_index": 0}
_ADDED_EVENTS = [
    pytest.param(
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {
                "type": "message",
                "id": "m",
                "status": "in_progress",
                "role": "assistant",
                "content": [_text_part("a spam")],
            },
        },
        id="output_item",
    ),
    pytest.param({"type": "response.content_part.added", **_WHERE, "part": _text_part("a spam")}, id="content_part"),
    pytest.param(
        {
            "type": "response.reasoning_summary_part.added",
            "item_id": "r",
            "output_index": 0,
            "summary_index": 0,
            "part": {"type": "summary_text", "text": "a spam"},
        },
        id="reasoning_summary_part",
    ),
]


@pytest.mark.parametrize("added", _ADDED_EVENTS)
def test_text_in_a_responses_added_event_is_filtered(server: tuple[str, type[_Server]], added: dict[str, Any]) -> None:
    base, handler = server
    created = {**_response([]), "status": "in_progress", "usage": None, "output": []}
    events = [
        {"type": "response.created", "sequence_number": 0, "response": created},
        {**added, "sequence_number": 1},
        {"type": "response.completed", "sequence_number": 2, "response": {**_response([]), "output": []}},
    ]
    handler.body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    litellm.callbacks = [ContentFilter(["spam"])]
    dumped = "".join(event.model_dump_json() for event in _responses_call(base, stream=True))
    assert "spam" not in dumped
    assert "[FILTERED]" in dumped  # held back (it could go on), then given as a delta of its own


def _responses_stream_texts(base: str, handler: type[_Server], events: list[dict[str, Any]]) -> dict[str, str]:
    """What each event of a filtered, prefixed Responses stream says the message's text is."""
    numbered = [{**event, "sequence_number": n} for n, event in enumerate(events)]
    handler.body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in numbered)
    litellm.callbacks = [ContentFilter(["spam"]), ResponseModifier(prefix="[P] ")]
    texts: dict[str, str] = {"streamed": ""}
    for event in _responses_call(base, stream=True):
        dumped = event.model_dump()
        kind = dumped["type"]
        if kind == "response.content_part.added":
            texts["streamed"] += dumped["part"]["text"]
        elif kind == "response.output_text.delta":
            texts["streamed"] += dumped["delta"]
        elif kind == "response.output_text.done":
            texts["text.done"] = dumped["text"]
        elif kind == "response.content_part.done":
            texts["part.done"] = dumped["part"]["text"]
        elif kind == "response.output_item.done":
            texts["item.done"] = dumped["item"]["content"][0]["text"]
        elif kind == "response.completed":
            texts["completed"] = dumped["response"]["output"][0]["content"][0]["text"]
    return texts


def _message_stream(added: str, deltas: list[str], full: str) -> list[dict[str, Any]]:
    item = {"type": "message", "id": "m", "status": "in_progress", "role": "assistant", "content": []}
    created = {**_response([]), "status": "in_progress", "usage": None, "output": []}
    done_item = {**item, "status": "completed", "content": [_text_part(full)]}
    return [
        {"type": "response.created", "response": created},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.content_part.added", **_WHERE, "part": _text_part(added)},
        *({"type": "response.output_text.delta", **_WHERE, "delta": delta, "logprobs": []} for delta in deltas),
        {"type": "response.output_text.done", **_WHERE, "text": full, "logprobs": []},
        {"type": "response.content_part.done", **_WHERE, "part": _text_part(full)},
        {"type": "response.output_item.done", "output_index": 0, "item": done_item},
        {"type": "response.completed", "response": _response([_text_part(full)])},
    ]


def test_a_responses_stream_with_text_only_in_its_done_events_repeats_one_text(
    server: tuple[str, type[_Server]],
) -> None:
    """No deltas: every 'done' event and the final response carry the same filtered, prefixed text."""
    base, handler = server
    texts = _responses_stream_texts(base, handler, _message_stream("", [], "one spam"))
    assert texts.pop("streamed") == ""
    assert set(texts.values()) == {"[P] one [FILTERED]"}, texts
    assert len(texts) == 4


def test_a_responses_stream_done_text_repeats_what_its_added_part_and_deltas_streamed(
    server: tuple[str, type[_Server]],
) -> None:
    """Text in ``content_part.added`` (masked on its own) begins the text the 'done' events repeat."""
    base, handler = server
    texts = _responses_stream_texts(base, handler, _message_stream("one ", ["spam", " here"], "one spam here"))
    assert texts.pop("streamed") == "[P] one [FILTERED] here"
    assert set(texts.values()) == {"[P] one [FILTERED] here"}, texts


def _joined_channel_stream(channel: str) -> list[dict[str, Any]]:
    """A Responses stream whose ``channel`` begins in its '.added' event ("buy ") and goes on in one delta
    ("now"): the phrase "buy now" is only in their join, which every 'done' event and the final response repeat."""
    if channel == "function_call":
        call: dict[str, Any] = {
            "type": "function_call",
            "id": "fc",
            "call_id": "c",
            "name": "f",
            "status": "in_progress",
        }
        done_item: dict[str, Any] = {**call, "status": "completed", "arguments": '{"a":"buy now"}'}
        middle: list[dict[str, Any]] = [
            {"type": "response.output_item.added", "output_index": 0, "item": {**call, "arguments": '{"a":"buy '}},
            {"type": "response.function_call_arguments.delta", "item_id": "fc", "output_index": 0, "delta": 'now"}'},
            {
                "type": "response.function_call_arguments.done",
                "item_id": "fc",
                "output_index": 0,
                "arguments": done_item["arguments"],
            },
        ]
    elif channel == "reasoning_summary":
        reasoning: dict[str, Any] = {"type": "reasoning", "id": "r", "summary": []}
        where: dict[str, Any] = {"item_id": "r", "output_index": 0, "summary_index": 0}
        summary: dict[str, Any] = {"type": "summary_text", "text": "buy now"}
        done_item = {**reasoning, "summary": [summary]}
        middle = [
            {"type": "response.output_item.added", "output_index": 0, "item": reasoning},
            {"type": "response.reasoning_summary_part.added", **where, "part": {**summary, "text": "buy "}},
            {"type": "response.reasoning_summary_text.delta", **where, "delta": "now"},
            {"type": "response.reasoning_summary_text.done", **where, "text": "buy now"},
            {"type": "response.reasoning_summary_part.done", **where, "part": summary},
        ]
    elif channel == "reasoning_text":
        thinking: dict[str, Any] = {"type": "reasoning", "id": "r", "summary": [], "content": []}
        place: dict[str, Any] = {"item_id": "r", "output_index": 0, "content_index": 0}
        text_part: dict[str, Any] = {"type": "reasoning_text", "text": "buy now"}
        done_item = {**thinking, "content": [text_part]}
        middle = [
            {"type": "response.output_item.added", "output_index": 0, "item": thinking},
            {"type": "response.content_part.added", **place, "part": {**text_part, "text": "buy "}},
            {"type": "response.reasoning_text.delta", **place, "delta": "now"},
            {"type": "response.reasoning_text.done", **place, "text": "buy now"},
            {"type": "response.content_part.done", **place, "part": text_part},
        ]
    else:  # a message's output text or refusal part
        field, part_type = ("refusal", "refusal") if channel == "refusal" else ("text", "output_text")
        part: dict[str, Any] = {"type": part_type, field: "buy now", **({"annotations": []} if field == "text" else {})}
        item: dict[str, Any] = {
            "type": "message",
            "id": "m",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        done_item = {**item, "status": "completed", "content": [part]}
        middle = [
            {"type": "response.output_item.added", "output_index": 0, "item": item},
            {"type": "response.content_part.added", **_WHERE, "part": {**part, field: "buy "}},
            {"type": f"response.{part_type}.delta", **_WHERE, "delta": "now"},
            {"type": f"response.{part_type}.done", **_WHERE, field: "buy now"},
            {"type": "response.content_part.done", **_WHERE, "part": part},
        ]
    created = {**_response([]), "status": "in_progress", "usage": None, "output": []}
    return [
        {"type": "response.created", "response": created},
        *middle,
        {"type": "response.output_item.done", "output_index": 0, "item": done_item},
        {"type": "response.completed", "response": {**_response([]), "output": [done_item]}},
    ]


_JOINED_CHANNELS = ["output_text", "refusal", "function_call", "reasoning_summary", "reasoning_text"]


@pytest.mark.parametrize("channel", _JOINED_CHANNELS)
def test_text_an_added_event_begins_is_read_with_the_deltas_after_it(
    server: tuple[str, type[_Server]], channel: str
) -> None:
    """The '.added' text starts its channel: "buy " + "now" is masked, every event showing the same text."""
    base, handler = server
    events = [{**event, "sequence_number": n} for n, event in enumerate(_joined_channel_stream(channel))]
    handler.body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    litellm.callbacks = [ContentFilter(["buy now"])]
    dumped = [event.model_dump_json() for event in _responses_call(base, stream=True)]
    assert not [event for event in dumped if "buy now" in event]
    assert "[FILTERED]" in dumped[-1]
    litellm.callbacks = [ContentFilter(["buy now"], action="block")]
    with pytest.raises(InterceptorRejectedError):
        list(_responses_call(base, stream=True))


@pytest.mark.parametrize("channel", _JOINED_CHANNELS)
def test_a_clean_stream_whose_text_begins_in_an_added_event_is_given_whole(
    server: tuple[str, type[_Server]], channel: str
) -> None:
    """Nothing to mask: every 'done' event and the final response say what the provider said (a reasoning
    item's text part was read as a message's, so its done events lost the added text)."""
    base, handler = server
    events = [{**event, "sequence_number": n} for n, event in enumerate(_joined_channel_stream(channel))]
    handler.body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    litellm.callbacks = [ContentFilter(["unrelated"])]
    dumped = [event.model_dump() for event in _responses_call(base, stream=True)]
    done = [event for event in dumped if str(getattr(event["type"], "value", event["type"])).endswith(_SETTLED)]
    assert len(done) == (3 if channel == "function_call" else 4), done
    assert all("buy now" in json.dumps(event, default=str) for event in done), done


_SETTLED = (".done", ".completed")


def test_text_streamed_after_a_done_event_is_read_with_the_done_text(server: tuple[str, type[_Server]]) -> None:
    """A done event with no delta before it ("buy sp"), then a delta ("am"): the join is a blocked word, and
    the later 'done' events repeat what the client was given."""
    base, handler = server
    events = _message_stream("", [], "buy sp")
    late = {"type": "response.output_text.delta", **_WHERE, "delta": "am", "logprobs": []}
    events.insert(4, late)  # after output_text.done
    for event in events[5:]:
        for part in _parts_of(event):
            part["text"] = "buy spam"
    texts = _responses_stream_texts(base, handler, events)
    streamed = "[P] buy sp" + texts.pop("streamed").removeprefix("[P] ")
    assert "spam" not in streamed
    assert set(texts.values()) - {"[P] buy sp"} == {streamed}, texts


def _parts_of(event: dict[str, Any]) -> list[dict[str, Any]]:
    if "part" in event:
        return [event["part"]]
    item = event.get("item") or (event.get("response") or {}).get("output", [{}])[0]
    return list(item.get("content") or ())


def test_a_responses_reply_with_the_sdks_output_text_field_is_masked_not_broken(
    server: tuple[str, type[_Server]],
) -> None:
    """A server that also sends ``output_text`` (the openai SDK's convenience property, a read-only property of
    LiteLLM's model too): masked where it is, in a whole reply and in the stream's completed response."""
    base, handler = server
    handler.content_type = "application/json"
    handler.body = json.dumps({**_response([_text_part("buy spam now")]), "output_text": "buy spam now"}).encode()
    litellm.callbacks = [ContentFilter(["spam"])]
    dumped = _responses_call(base).model_dump()
    assert dumped["output_text"] == dumped["output"][0]["content"][0]["text"] == "buy [FILTERED] now"
    events = _message_stream("", [], "buy spam now")
    events[-1]["response"]["output_text"] = "buy spam now"
    numbered = [{**event, "sequence_number": n} for n, event in enumerate(events)]
    handler.content_type = "text/event-stream"
    handler.body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in numbered)
    completed = [e.model_dump() for e in _responses_call(base, stream=True) if e.type == "response.completed"]
    assert [event["response"]["output_text"] for event in completed] == ["buy [FILTERED] now"]


# -- 11. text files given inline (data: URLs, base64 documents) ----------------------------------------------


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _inline_files_elsewhere(url: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``url`` (a text file's ``data:`` URL) where chat, Responses and Anthropic requests take a file's URL or
    id: (name, entry, parameters)."""

    def user(*parts: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"role": "user", "content": list(parts)}]

    url_source = {"type": "url", "url": url}
    return [
        ("chat-file-url", "completion", {"messages": user({"type": "file", "file": {"file_url": url}})}),
        ("chat-file-id", "completion", {"messages": user({"type": "file", "file": {"file_id": url}})}),
        ("chat-keyword-argument-given-as-the-url", "completion", {"messages": user(), "my_document": url}),
        (
            "chat-url-under-a-key-of-a-part-s-own",  # a video_url, an audio_url: any key, at any depth
            "completion",
            {"messages": user({"type": "video_url", "video_url": {"url": url}})},
        ),
        (
            "chat-keyword-argument-litellm-does-not-know",
            "completion",
            {"messages": user(), "documents": [{"data": url}]},
        ),
        ("responses-input-file-url", "responses", {"input": user({"type": "input_file", "file_url": url})}),
        (
            "anthropic-image-url-source",
            "anthropic_messages",
            {"messages": user({"type": "image", "source": url_source})},
        ),
        (
            "anthropic-document-url-source",
            "anthropic_messages",
            {"messages": user({"type": "document", "source": url_source})},
        ),
        (
            "anthropic-image-in-a-tool-result",
            "anthropic_messages",
            {
                "messages": user(
                    {"type": "tool_result", "tool_use_id": "t", "content": [{"type": "image", "source": url_source}]}
                )
            },
        ),
    ]


_FILE_CALLS = [
    pytest.param(
        "completion",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "file", "file": {"file_data": f"data:text/plain;base64,{_b64('a spam')}"}}],
                }
            ]
        },
        id="chat-file-base64",
    ),
    pytest.param(
        "completion",
        {
            "messages": [
                {"role": "user", "content": [{"type": "file", "file": {"file_data": "data:text/plain,a%20spam"}}]}
            ]
        },
        id="chat-file-percent-encoded",
    ),
    pytest.param(
        "responses",
        {
            "input": [
                {
                    "role": "user",
                    "content": [{"type": "input_file", "file_data": f"data:text/markdown;base64,{_b64('a spam')}"}],
                }
            ]
        },
        id="responses-input-file",
    ),
    *(
        pytest.param(
            "anthropic_messages",
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "document",
                                "source": {"type": "base64", "media_type": media_type, "data": _b64("a spam")},
                            }
                        ],
                    }
                ]
            },
            id=name,
        )
        for name, media_type in (
            ("anthropic-document", "text/plain"),
            ("anthropic-document-media-type-in-capitals", "Text/Plain"),
        )
    ),
    # Wherever else a text file can be given inline: LiteLLM sends each on as a text file.
    *(
        pytest.param(entry, params, id=name)
        for name, entry, params in _inline_files_elsewhere(f"data:text/plain;base64,{_b64('a spam')}")
    ),
    pytest.param(
        "anthropic_messages",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "text/plain", "data": _b64("spam")},
                        }
                    ],
                }
            ]
        },
        id="anthropic-image-base64-of-a-text-type",
    ),
    pytest.param(
        "completion",
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": " data:,a%20spam"}]}]},
        id="chat-image-url-after-spaces",
    ),
    # A PDF declared as text beside its URL: LiteLLM sends the declared type (Anthropic: a text document).
    pytest.param(
        "completion",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "file",
                            "file": {
                                "file_data": f"data:application/pdf;base64,{_b64('spam')}",
                                "format": "text/plain",
                            },
                        }
                    ],
                }
            ]
        },
        id="chat-file-declared-as-text",
    ),
    # A data: URL without a media type is text/plain; JSON and XML files are text the model reads too.
    *(
        pytest.param(
            "completion",
            {"messages": [{"role": "user", "content": [{"type": "file", "file": {"file_data": url}}]}]},
            id=f"chat-file-{name}",
        )
        for name, url in (
            ("no-media-type", f"data:;base64,{_b64('a spam')}"),
            ("no-media-type-percent-encoded", "data:,a%20spam"),
            ("json", "data:application/json;base64," + _b64(json.dumps({"q": "a spam"}))),
            ("json-suffix", f"data:application/ld+json;charset=utf-8;base64,{_b64('a spam')}"),
            # base64 as browsers read it: spaces around the parameter, or another parameter after it
            ("base64-after-a-space", f"data:text/plain; base64,{_b64('a spam')}"),
            ("base64-before-a-space", f"data:text/plain;base64 ,{_b64('a spam')}"),
            ("base64-then-charset", f"data:text/plain;base64;charset=utf-8,{_b64('a spam')}"),
            # source code and configuration are text too
            ("yaml", f"data:application/x-yaml;base64,{_b64('a: spam')}"),
            ("javascript", f"data:application/javascript;base64,{_b64('// spam')}"),
        )
    ),
]


@pytest.mark.parametrize(("entry", "params"), _FILE_CALLS)
def test_inline_text_files_are_read(entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]) -> None:
    _assert_refused(entry, params, recorder)


@pytest.mark.parametrize(
    "file_data",
    [
        pytest.param(f"xdata:text/plain;base64,{_b64('a spam')}", id="text-before-data"),  # LiteLLM reads past it
        pytest.param(f"data:text/plain;base64,{_b64('ok')}{_b64(' spam')}", id="padding-inside"),  # decoders differ
    ],
)
def test_an_inline_file_that_decoders_read_differently_fails_closed(
    file_data: str, recorder: tuple[str, RecordingLLM]
) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], action="block", filter_requests=True, filter_responses=False)]
    messages = [{"role": "user", "content": [{"type": "file", "file": {"file_data": file_data}}]}]
    with pytest.raises(InterceptorError, match="file"):
        litellm.completion(model=model, messages=messages)
    assert llm.seen == []


def test_an_inline_text_file_is_masked_and_encoded_again(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    pdf = {"type": "file", "file": {"file_data": f"data:application/pdf;base64,{_b64('%PDF spam')}"}}
    text = {"type": "file", "file": {"file_data": f"data:text/plain;base64,{_b64('a spam')}"}}
    litellm.completion(model=model, messages=[{"role": "user", "content": [pdf, text]}])
    sent = json.loads(llm.seen[-1])["messages"][0]["content"]
    assert sent[0] == pdf  # media this library cannot read are left as they are
    assert sent[1]["file"]["file_data"] == f"data:text/plain;base64,{_b64('a [FILTERED]')}"


@pytest.mark.parametrize(
    ("entry", "params"),
    [pytest.param(entry, params, id=name) for name, entry, params in _inline_files_elsewhere("data:,a%20spam")],
)
def test_an_inline_text_file_given_by_url_or_id_is_masked(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    model, llm = recorder
    before = repr(params)
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    _call(entry, model, params)
    assert "spam" not in llm.seen[-1]
    assert "data:,a%20%5BFILTERED%5D" in llm.seen[-1]  # percent-encoded again, as it came
    assert repr(params) == before


# -- provider_specific_fields: what LiteLLM keeps of a reply that has no field of its own --------------------


def _chat_reply(message: dict[str, Any], **choice: Any) -> bytes:
    reply = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop", **choice}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    return json.dumps(reply).encode()


@pytest.mark.parametrize(
    ("message", "choice"),
    [
        pytest.param({"content": "ok", "reasoning": "about spam"}, {}, id="raw-reasoning-copy"),
        pytest.param(
            {"content": "ok", "thinking_blocks": [{"type": "thinking", "thinking": "spam", "signature": "s"}]},
            {},
            id="raw-thinking-blocks-copy",
        ),
        pytest.param({"content": "ok", "citations": ["a spam source"]}, {}, id="unknown-message-field"),
        pytest.param({"content": "ok", "provider_specific_fields": {"note": "spam"}}, {}, id="provider-fields"),
        pytest.param({"content": "ok"}, {"text": "spam"}, id="unknown-choice-field"),
    ],
)
def test_provider_specific_fields_of_a_reply_are_filtered(
    server: tuple[str, type[_Server]], message: dict[str, Any], choice: dict[str, Any]
) -> None:
    """LiteLLM keeps what a server sent that it has no field for (and raw copies of reasoning) in
    ``provider_specific_fields``: a caller reading them must not see what the filter masked elsewhere."""
    base, handler = server
    handler.content_type = "application/json"
    handler.body = _chat_reply({"role": "assistant", **message}, **choice)
    litellm.callbacks = [ContentFilter(["spam"])]
    reply = litellm.completion(model="openai/gpt-4o", messages=[HI], api_base=base, api_key="k")
    assert "spam" not in reply.model_dump_json()
    assert "[FILTERED]" in reply.model_dump_json()


def test_harmless_provider_specific_fields_stay(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    handler.content_type = "application/json"
    handler.body = _chat_reply({"role": "assistant", "content": "ok", "citations": ["https://example.com/a"]})
    fields: list[Any] = []
    for callbacks in ([], [ContentFilter(["spam"])]):
        litellm.callbacks = list(callbacks)
        reply = litellm.completion(model="openai/gpt-4o", messages=[HI], api_base=base, api_key="k")
        fields.append(reply.choices[0].message.provider_specific_fields)
    assert fields[1] == fields[0]
    assert fields[1]["citations"] == ["https://example.com/a"]


class _FieldStreamLLM(CustomLLM):
    """Streams chat chunks whose deltas carry ``provider_specific_fields`` (as LiteLLM's own providers may)."""

    def __init__(self, pieces: list[str]) -> None:
        super().__init__()
        self.pieces = pieces

    def _chunks(self) -> Iterator[ModelResponseStream]:
        for position, piece in enumerate(self.pieces):
            delta = Delta(content="ok " if position == 0 else "", provider_specific_fields={"reasoning": piece})
            finish = "stop" if position == len(self.pieces) - 1 else None
            yield ModelResponseStream(choices=[StreamingChoices(index=0, delta=delta, finish_reason=finish)])

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[ModelResponseStream]:  # type: ignore[override]
        yield from self._chunks()

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[ModelResponseStream]:  # type: ignore[override]
        for chunk in self._chunks():
            yield chunk


def _unfiltered_field_stream(pieces: list[str], *, sync: bool) -> list[Any]:
    """What LiteLLM hands on without the filter; skipped where it cannot stream these chunks at all."""
    litellm.callbacks = []
    try:
        return _field_stream(pieces, sync=sync)
    except Exception as error:  # LiteLLM 1.84 fails on ModelResponseStream chunks
        pytest.skip(f"LiteLLM cannot stream ModelResponseStream chunks from a custom provider: {error}")


def _field_stream(pieces: list[str], *, sync: bool) -> list[Any]:
    provider = f"psf{uuid.uuid4().hex[:8]}"
    litellm.custom_provider_map = [{"provider": provider, "custom_handler": _FieldStreamLLM(pieces)}]
    litellm.utils.custom_llm_setup()
    params: dict[str, Any] = {"model": f"{provider}/m", "messages": [HI], "stream": True}
    try:
        if sync:
            return list(litellm.completion(**params))

        async def collect() -> list[Any]:
            stream: Any = await litellm.acompletion(**params)
            return [chunk async for chunk in stream]

        chunks: list[Any] = _run(collect())
        return chunks
    finally:
        litellm.custom_provider_map = []


def _stream_fields(chunks: list[Any]) -> list[Any]:
    return [getattr(choice.delta, "provider_specific_fields", None) for chunk in chunks for choice in chunk.choices]


@pytest.mark.parametrize("sync", [True, False])
def test_streamed_provider_specific_fields_that_spell_a_blocked_word_are_dropped(sync: bool) -> None:
    """Streamed, a raw copy arrives in pieces that cannot be held back: a chunk whose fields the filter would
    hold back or change loses them."""
    unfiltered = _stream_fields(_unfiltered_field_stream(["about sp", "am and eggs"], sync=sync))
    assert "sp" in "".join(json.dumps(value) for value in unfiltered if value)  # the scenario: raw pieces
    litellm.callbacks = [ContentFilter(["spam"])]
    fields = _stream_fields(_field_stream(["about sp", "am and eggs"], sync=sync))
    assert "spam" not in "".join(json.dumps(value) for value in fields if value)
    assert "sp" not in "".join(json.dumps(value) for value in fields if value)


@pytest.mark.parametrize("sync", [True, False])
def test_harmless_streamed_provider_specific_fields_stay(sync: bool) -> None:
    """As LiteLLM hands them on without the filter (it keeps no fields on a stream's last chunk)."""
    unfiltered = _stream_fields(_unfiltered_field_stream(["hello ", "wor", "ld", "again"], sync=sync))
    litellm.callbacks = [ContentFilter(["spam"])]
    filtered = _stream_fields(_field_stream(["hello ", "wor", "ld", "again"], sync=sync))
    assert filtered == unfiltered
    assert {"reasoning": "hello "} in filtered
