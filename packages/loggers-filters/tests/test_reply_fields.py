"""ContentFilter on reply text outside the main content: text after a finish_reason, content parts, audio
transcripts, citations, server tool output, image prompts, logprobs, and Responses stream numbering."""

from __future__ import annotations

import asyncio
import copy
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import litellm
import pytest
from litellm import CustomLLM
from litellm.types.utils import (
    ChatCompletionAudioResponse,
    Choices,
    Delta,
    ImageObject,
    ImageResponse,
    Message,
    ModelResponse,
    ModelResponseStream,
    StreamingChoices,
)

from litellm_plugin.core.errors import InterceptorError, InterceptorRejectedError, UnchangeableReplyError
from litellm_plugin.core.responses import make_chunk
from litellm_plugin.core.testing.settle import drain_litellm_logging
from litellm_plugin.loggers.filters import ContentFilter, ResponseModifier

HI = [{"role": "user", "content": "hi"}]


def _run(call: Coroutine[Any, Any, Any]) -> Any:
    """Run an async call, then let LiteLLM's background logging finish in the same loop (a later test must
    not see it)."""

    async def run() -> Any:
        try:
            return await call
        finally:
            await drain_litellm_logging()

    return asyncio.run(run())


def _logprobs(tokens: list[str], alternative: str = "other") -> dict[str, Any]:
    return {
        "content": [
            {
                "token": token,
                "logprob": -0.1,
                "bytes": list(token.encode()),
                "top_logprobs": [{"token": alternative, "logprob": -2.0, "bytes": list(alternative.encode())}],
            }
            for token in tokens
        ]
    }


def _chunk(text: str | None = None, finish: str | None = None, logprobs: Any = None) -> ModelResponseStream:
    choice = StreamingChoices(index=0, delta=Delta(content=text), finish_reason=finish, logprobs=logprobs)
    return ModelResponseStream(id="s", model="m", created=1, choices=[choice])


class ShapeLLM(CustomLLM):
    """Replies with whatever ``reply`` and ``chunks`` were set to (one test, one shape)."""

    def __init__(self) -> None:
        super().__init__()
        self.reply: Callable[[], ModelResponse] = ModelResponse
        self.chunks: list[Any] = []  # ModelResponseStream or LiteLLM's generic chunks
        self.images: list[ImageObject] = []

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        reply: ModelResponse = self.reply()
        return reply

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion()

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        yield from self.chunks

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:  # type: ignore[override]
        for chunk in self.chunks:
            yield chunk

    def image_generation(self, *args: Any, **kwargs: Any) -> ImageResponse:
        return ImageResponse(created=1, data=list(self.images))

    async def aimage_generation(self, *args: Any, **kwargs: Any) -> ImageResponse:
        return self.image_generation()


def _skip_unless_litellm_streams_model_response_chunks(model: str, llm: ShapeLLM) -> None:
    """LiteLLM releases before ~1.10x read only generic chunks from a custom provider's stream (1.84:
    "'ModelResponseStream' object has no attribute 'text'"): a test built on such chunks has nothing to check."""
    llm.chunks = [_chunk("x", finish="stop")]
    try:
        list(cast(Any, litellm.completion(model=model, messages=[{"role": "user", "content": "hi"}], stream=True)))
    except Exception as error:
        pytest.skip(f"LiteLLM cannot stream ModelResponseStream chunks from a custom provider: {error!r}"[:200])


@pytest.fixture(autouse=True)
def _quiet_afterwards() -> Iterator[None]:
    """Sync calls log from LiteLLM's thread pool after returning: wait for it before the next test."""
    yield
    asyncio.run(drain_litellm_logging())


@pytest.fixture
def shape() -> tuple[str, ShapeLLM]:
    name = f"shape{uuid.uuid4().hex[:8]}"
    llm = ShapeLLM()
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": llm}]
    litellm.utils.custom_llm_setup()
    return f"{name}/m", llm


def _reply(**fields: Any) -> ModelResponse:
    logprobs = fields.pop("logprobs", None)
    content = fields.pop("content", None)
    message = Message(role="assistant", content="x", **fields)
    choice = Choices(index=0, message=message, finish_reason="stop", logprobs=logprobs)
    choice.message.content = content  # a list of parts is not what Message expects: set it as a provider would
    return ModelResponse(model="m", choices=[choice])


def _complete(model: str, *, sync: bool) -> Any:
    return litellm.completion(model=model, messages=HI) if sync else _run(litellm.acompletion(model=model, messages=HI))


def _stream_text(model: str, *, sync: bool) -> str:
    if sync:
        stream: Any = litellm.completion(model=model, messages=HI, stream=True)
        return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

    async def run() -> str:
        chunks: Any = await litellm.acompletion(model=model, messages=HI, stream=True)
        return "".join([chunk.choices[0].delta.content or "" async for chunk in chunks if chunk.choices])

    text: str = _run(run())
    return text


# -- 1. text after a finish_reason -------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
def test_stream_text_after_a_finish_reason_is_still_filtered(shape: tuple[str, ShapeLLM], sync: bool) -> None:
    model, llm = shape
    llm.chunks = [make_chunk("x "), make_chunk("", is_finished=True), make_chunk("sp"), make_chunk("am y")]
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    assert _stream_text(model, sync=sync) == "x [FILTERED] y"
    llm.chunks = [make_chunk("a "), make_chunk("", is_finished=True), make_chunk("b")]
    litellm.callbacks = [ResponseModifier(prefix="[P] ")]
    assert _stream_text(model, sync=sync) == "[P] a b"  # the reopened channel does not prefix again


@pytest.mark.parametrize("sync", [True, False])
def test_a_word_begun_before_a_finish_reason_and_finished_after_it_is_masked(
    shape: tuple[str, ShapeLLM], sync: bool
) -> None:
    # "buy sp" has gone out with the finish_reason: what comes after it is read with it, and the rest of the word
    # is masked (read alone, "am now" would let "spam" through to a client that joins the pieces).
    model, llm = shape
    llm.chunks = [make_chunk("buy sp"), make_chunk("", is_finished=True), make_chunk("am now")]
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    assert _stream_text(model, sync=sync) == "buy sp[FILTERED] now"
    llm.chunks = [make_chunk("spam"), make_chunk("", is_finished=True), make_chunk(" spam")]
    assert _stream_text(model, sync=sync) == "[FILTERED] [FILTERED]"  # masked once each, not again
    # After a word masked at the end comes its replacement: "spam" right after it is a word of its own there.
    llm.chunks = [make_chunk("Spam"), make_chunk("", is_finished=True), make_chunk("SPAM for you")]
    assert _stream_text(model, sync=sync) == "[FILTERED][FILTERED] for you"
    llm.chunks = [make_chunk("sp"), make_chunk("", is_finished=True), make_chunk("ark")]
    assert _stream_text(model, sync=sync) == "spark"
    litellm.callbacks = [ContentFilter(blocked_words=[{"keyword": "spam", "action": "block"}])]
    llm.chunks = [make_chunk("buy sp"), make_chunk("", is_finished=True), make_chunk("am now")]
    with pytest.raises(InterceptorRejectedError, match="blocked content"):
        _stream_text(model, sync=sync)


@pytest.mark.parametrize("sync", [True, False])
def test_tool_arguments_going_on_after_a_finish_reason_are_read_with_what_went_out(
    shape: tuple[str, ShapeLLM], sync: bool
) -> None:
    model, llm = shape

    def call(arguments: str, name: str | None = None) -> Any:
        function = {"name": name, "arguments": arguments}
        tool = {"id": "t" if name else None, "type": "function", "function": function, "index": 0}
        return make_chunk("", tool_use=cast(Any, tool))

    def arguments() -> str:
        if sync:
            chunks: list[Any] = list(cast(Any, litellm.completion(model=model, messages=HI, stream=True)))
        else:

            async def run() -> list[Any]:
                stream: Any = await litellm.acompletion(model=model, messages=HI, stream=True)
                return [chunk async for chunk in stream]

            chunks = _run(run())
        calls = [tool for chunk in chunks if chunk.choices for tool in chunk.choices[0].delta.tool_calls or []]
        return "".join(tool.function.arguments or "" for tool in calls)

    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    llm.chunks = [call('{"q": "sp', "f"), make_chunk("", is_finished=True, finish_reason="tool_calls"), call('am"}')]
    with pytest.raises(InterceptorRejectedError, match="blocked content"):  # "sp" went out: it cannot be masked
        arguments()
    llm.chunks = [call('{"q": "a', "f"), make_chunk("", is_finished=True, finish_reason="tool_calls"), call('b"}')]
    assert arguments() == '{"q": "ab"}'


# -- 2. content as a list of parts ---------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
def test_reply_content_given_as_text_parts_is_filtered_part_by_part(shape: tuple[str, ShapeLLM], sync: bool) -> None:
    model, llm = shape
    llm.reply = lambda: _reply(content=[{"type": "text", "text": "a spam b"}, {"type": "text", "text": "spam"}])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    response: Any = (
        litellm.completion(model=model, messages=HI) if sync else _run(litellm.acompletion(model=model, messages=HI))
    )
    parts = response.choices[0].message.content
    assert [part["text"] for part in parts] == ["a [FILTERED] b", "[FILTERED]"]


def test_reply_content_part_of_an_unknown_type_fails_closed(shape: tuple[str, ShapeLLM]) -> None:
    model, llm = shape
    llm.reply = lambda: _reply(content=[{"type": "hologram", "words": "spam"}])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    with pytest.raises(InterceptorError, match="hologram"):
        litellm.completion(model=model, messages=HI)


# -- 3. text fields beside the content --------------------------------------------------------------------


def _audio(transcript: str) -> ChatCompletionAudioResponse:
    return ChatCompletionAudioResponse(id="a", data="UklGRg==", expires_at=0, transcript=transcript)


@pytest.mark.parametrize("sync", [True, False])
def test_an_audio_reply_whose_transcript_would_be_masked_fails_closed(shape: tuple[str, ShapeLLM], sync: bool) -> None:
    model, llm = shape
    llm.reply = lambda: _reply(content=None, audio=_audio("say spam"))
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]

    with pytest.raises(InterceptorError) as error:
        _complete(model, sync=sync)
    assert isinstance(error.value.__cause__, UnchangeableReplyError)
    llm.reply = lambda: _reply(content=None, audio=_audio("say hello"))
    assert litellm.completion(model=model, messages=HI).choices[0].message.audio.transcript == "say hello"


@pytest.mark.parametrize("sync", [True, False])
def test_url_citation_titles_are_filtered_and_not_prefixed(shape: tuple[str, ShapeLLM], sync: bool) -> None:
    model, llm = shape
    annotation = {"type": "url_citation", "url_citation": {"title": "spam news", "url": "https://x", "start_index": 0}}
    llm.reply = lambda: _reply(content="ok", annotations=[json.loads(json.dumps(annotation))])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"]), ResponseModifier(prefix="[P] ")]
    response: Any = (
        litellm.completion(model=model, messages=HI) if sync else _run(litellm.acompletion(model=model, messages=HI))
    )
    message = response.choices[0].message
    assert message.content == "[P] ok"
    assert message.annotations[0]["url_citation"]["title"] == "[FILTERED] news"


def test_every_string_of_a_url_citation_is_filtered(shape: tuple[str, ShapeLLM]) -> None:
    """Its URL and a key a provider added too, whole and streamed; its type is left alone."""
    model, llm = shape
    cited = {"title": "t", "url": "https://x/spam", "start_index": 0, "note": "spam"}
    annotation = {"type": "url_citation", "url_citation": cited}
    llm.reply = lambda: _reply(content="ok", annotations=[json.loads(json.dumps(annotation))])
    litellm.callbacks = [ContentFilter(blocked_words=["spam", "url_citation"])]
    [got] = litellm.completion(model=model, messages=HI).choices[0].message.annotations
    assert got == {
        "type": "url_citation",
        "url_citation": {**cited, "url": "https://x/[FILTERED]", "note": "[FILTERED]"},
    }
    _skip_unless_litellm_streams_model_response_chunks(model, llm)
    chunk = _chunk("ok", finish="stop")
    chunk.choices[0].delta.annotations = [json.loads(json.dumps(annotation))]
    llm.chunks = [chunk]
    streamed = [
        annotation
        for chunk in litellm.completion(model=model, messages=HI, stream=True)
        for annotation in getattr(chunk.choices[0].delta, "annotations", None) or ()
    ]
    assert streamed == [got]


@pytest.mark.parametrize("sync", [True, False])
def test_image_revised_prompts_are_filtered_and_not_prefixed(shape: tuple[str, ShapeLLM], sync: bool) -> None:
    model, llm = shape
    llm.images = [ImageObject(url="https://x/1.png", revised_prompt="a spam can")]
    litellm.callbacks = [ContentFilter(blocked_words=["spam"]), ResponseModifier(prefix="[P] ")]
    response: Any = (
        litellm.image_generation(model=model, prompt="a can")
        if sync
        else _run(litellm.aimage_generation(model=model, prompt="a can"))
    )
    assert response.data[0].revised_prompt == "a [FILTERED] can"


_SUMMARY = [{"type": "reasoning", "id": "r", "summary": [{"type": "summary_text", "text": "think spam"}]}]


@pytest.mark.parametrize("sync", [True, False])
def test_reasoning_items_and_fields_a_provider_added_are_filtered(shape: tuple[str, ShapeLLM], sync: bool) -> None:
    """``reasoning_items`` (reasoning summaries, which LiteLLM also takes from an OpenAI-compatible server's
    reply) and a field LiteLLM does not know reach the caller as they are: their text is filtered too."""
    model, llm = shape
    llm.reply = lambda: _reply(content="a", reasoning_items=copy.deepcopy(_SUMMARY), note="a spam note")
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    message = _complete(model, sync=sync).choices[0].message
    assert message.reasoning_items[0]["summary"][0]["text"] == "think [FILTERED]"
    assert message.note == "a [FILTERED] note"
    assert "spam" not in message.model_dump_json()


@pytest.mark.parametrize("sync", [True, False])
def test_streamed_reasoning_items_and_fields_a_provider_added_are_dropped_when_they_hold_a_word(
    shape: tuple[str, ShapeLLM], sync: bool
) -> None:
    model, llm = shape
    _skip_unless_litellm_streams_model_response_chunks(model, llm)
    fields: dict[str, Any] = {"reasoning_items": copy.deepcopy(_SUMMARY), "note": "a spam note"}
    clean: dict[str, Any] = {"reasoning_items": [{"type": "reasoning", "id": "r", "summary": []}], "note": "fine"}
    llm.chunks = [
        ModelResponseStream(choices=[StreamingChoices(index=0, delta=Delta(content="a ", **fields))]),
        ModelResponseStream(choices=[StreamingChoices(index=0, delta=Delta(content="b", **clean))]),
        _chunk(finish="stop"),
    ]
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]

    async def collect() -> list[Any]:
        stream: Any = await litellm.acompletion(model=model, messages=HI, stream=True)
        return [chunk async for chunk in stream]

    chunks = list(litellm.completion(model=model, messages=HI, stream=True)) if sync else _run(collect())
    assert "spam" not in "".join(chunk.model_dump_json() for chunk in chunks)
    assert any(getattr(chunk.choices[0].delta, "note", None) == "fine" for chunk in chunks if chunk.choices)


_RESULTS = [{"title": "a spam title", "snippet": "spam", "url": "https://example.com/a"}]


@pytest.mark.parametrize("sync", [True, False])
def test_search_results_and_choice_fields_a_provider_added_are_filtered(
    shape: tuple[str, ShapeLLM], sync: bool
) -> None:
    """Perplexity's ``search_results`` (titles and snippets the caller shows), which LiteLLM keeps on the reply,
    and a choice's own fields."""
    model, llm = shape

    def reply() -> ModelResponse:
        response: Any = _reply(content="a")
        response.search_results = copy.deepcopy(_RESULTS)
        response.choices[0].note = "spam"
        return cast(ModelResponse, response)

    llm.reply = reply
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    response = _complete(model, sync=sync)
    assert response.search_results[0]["title"] == "a [FILTERED] title"
    assert "spam" not in response.model_dump_json()


@pytest.mark.parametrize("sync", [True, False])
def test_streamed_search_results_and_choice_fields_are_dropped_when_they_hold_a_word(
    shape: tuple[str, ShapeLLM], sync: bool
) -> None:
    model, llm = shape
    _skip_unless_litellm_streams_model_response_chunks(model, llm)
    first: Any = _chunk("a ")
    first.search_results = copy.deepcopy(_RESULTS)
    first.choices[0].note = "spam"
    later: Any = _chunk("b", finish="stop")
    later.search_results = [{"title": "fine"}]
    llm.chunks = [first, later]
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]

    async def collect() -> list[Any]:
        stream: Any = await litellm.acompletion(model=model, messages=HI, stream=True)
        return [chunk async for chunk in stream]

    chunks = list(litellm.completion(model=model, messages=HI, stream=True)) if sync else _run(collect())
    assert "spam" not in "".join(chunk.model_dump_json() for chunk in chunks)
    assert any(getattr(chunk, "search_results", None) == [{"title": "fine"}] for chunk in chunks)


def _reasoning_chunk(text: str) -> ModelResponseStream:
    choice = StreamingChoices(index=0, delta=Delta(content="", reasoning_content=text))
    return ModelResponseStream(id="s", model="m", created=1, choices=[choice])


@pytest.mark.parametrize("finish", ["stop", None])
def test_streamed_text_completion_reasoning_is_filtered(shape: tuple[str, ShapeLLM], finish: str | None) -> None:
    """LiteLLM copies a stream's reasoning into each text completion chunk's ``reasoning_content``."""
    model, llm = shape
    _skip_unless_litellm_streams_model_response_chunks(model, llm)
    llm.chunks = [_reasoning_chunk("think sp"), _reasoning_chunk("am b"), *([_chunk(finish=finish)] if finish else [])]
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    chunks: Any = litellm.text_completion(model=model, prompt="hi", stream=True)
    reasoning = "".join(
        getattr(choice, "reasoning_content", None) or "" for chunk in chunks for choice in chunk.choices
    )
    assert reasoning == "think [FILTERED] b"


# -- 4. logprobs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
def test_logprobs_that_spell_a_masked_word_are_dropped(shape: tuple[str, ShapeLLM], sync: bool) -> None:
    model, llm = shape
    llm.reply = lambda: _reply(content="a spam", logprobs=_logprobs(["a", " sp", "am"]))
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]

    response: Any = _complete(model, sync=sync)
    assert response.choices[0].message.content == "a [FILTERED]"
    assert response.choices[0].logprobs is None
    llm.reply = lambda: _reply(content="a b", logprobs=_logprobs(["a", " b"], alternative="spam"))
    assert _complete(model, sync=sync).choices[0].logprobs is None  # a blocked word among the alternatives
    llm.reply = lambda: _reply(content="a b", logprobs=_logprobs(["a", " b"]))
    kept = _complete(model, sync=sync).choices[0].logprobs
    assert [entry.token for entry in kept.content] == ["a", " b"]


def test_logprobs_stay_for_interceptors_that_do_not_read_them(shape: tuple[str, ShapeLLM]) -> None:
    model, llm = shape
    llm.reply = lambda: _reply(content="a spam", logprobs=_logprobs(["a", " spam"]))
    litellm.callbacks = [ResponseModifier(prefix="[P] ")]
    response: Any = litellm.completion(model=model, messages=HI)
    assert [entry.token for entry in response.choices[0].logprobs.content] == ["a", " spam"]


@pytest.mark.parametrize("sync", [True, False])
def test_streamed_logprobs_of_chunks_that_spell_a_masked_word_are_dropped(
    shape: tuple[str, ShapeLLM], sync: bool
) -> None:
    model, llm = shape
    _skip_unless_litellm_streams_model_response_chunks(model, llm)
    llm.chunks = [
        _chunk("a ", logprobs=_logprobs(["a "])),
        _chunk("sp", logprobs=_logprobs(["sp"])),
        _chunk("am", logprobs=_logprobs(["am"])),
        _chunk(" b", finish="stop", logprobs=_logprobs([" b"])),
    ]
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]

    async def collect() -> list[Any]:
        stream: Any = await litellm.acompletion(model=model, messages=HI, stream=True, logprobs=True)
        return [chunk async for chunk in stream]

    chunks = list(litellm.completion(model=model, messages=HI, stream=True, logprobs=True)) if sync else _run(collect())
    tokens = "".join(
        entry.token
        for chunk in chunks
        for choice in chunk.choices
        if choice.logprobs is not None
        for entry in choice.logprobs.content or ()
    )
    assert "sp" not in tokens
    assert "am" not in tokens
    assert tokens.startswith("a ")


# -- the Responses API stream -----------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
def test_responses_stream_sequence_numbers_stay_unique_and_increasing(provider: Any, sync: bool) -> None:
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    model = provider.model

    async def collect() -> list[Any]:
        stream: Any = await litellm.aresponses(model=model, input="Hi spam", stream=True)
        return [event async for event in stream]

    events: list[Any] = (
        list(cast(Any, litellm.responses(model=model, input="Hi spam", stream=True))) if sync else _run(collect())
    )
    # Older LiteLLM releases number only some events (1.84: not the text deltas).
    numbers: list[int] = [
        event.sequence_number for event in events if getattr(event, "sequence_number", None) is not None
    ]
    assert numbers == sorted(set(numbers)), numbers
    assert "[FILTERED]" in "".join(getattr(event, "delta", "") or "" for event in events)


# -- native Anthropic and Responses replies (a local server answers in the provider's own format) -------------


class _Server(BaseHTTPRequestHandler):
    body: bytes = b"{}"
    content_type = "application/json"

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


def _serve_events(handler: type[_Server], events: list[dict[str, Any]]) -> None:
    """The local server answers with ``events`` as a server-sent event stream."""
    handler.content_type = "text/event-stream"
    handler.body = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


async def _anthropic_stream(base: str) -> bytes:
    """A streamed ``anthropic_messages`` call to the local server, its bytes as the caller gets them."""
    stream: Any = await litellm.anthropic_messages(
        model="anthropic/claude-3-5-sonnet-20241022", messages=HI, max_tokens=5, api_base=base, api_key="k", stream=True
    )
    return b"".join([chunk if isinstance(chunk, bytes) else str(chunk).encode() async for chunk in stream])


def _anthropic_text_events(*pieces: dict[str, Any], start: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """An Anthropic stream of one block (``start``, a text block by default) whose events after its
    ``content_block_start`` are ``pieces``."""
    return [
        {"type": "message_start", "message": json.loads(_anthropic_message([]))},
        {"type": "content_block_start", "index": 0, "content_block": start or {"type": "text", "text": ""}},
        *pieces,
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
        {"type": "message_stop"},
    ]


_BLOCK_STOP = {"type": "content_block_stop", "index": 0}


def _sent_events(base: str) -> list[dict[str, Any]]:
    """The events a streamed ``anthropic_messages`` call to the local server gives the caller."""
    body = _run(_anthropic_stream(base)).decode()
    return [json.loads(line[5:]) for line in body.splitlines() if line.startswith("data:")]


def _anthropic_message(content: list[dict[str, Any]]) -> bytes:
    message = {
        "id": "m",
        "type": "message",
        "role": "assistant",
        "model": "claude-3-5-sonnet-20241022",
        "content": content,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    return json.dumps(message).encode()


CITED = {
    "type": "char_location",
    "cited_text": "buy spam",
    "document_index": 0,
    "document_title": "spam facts",
    "start_char_index": 0,
    "end_char_index": 8,
}


def test_anthropic_citations_are_filtered(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    handler.body = _anthropic_message([{"type": "text", "text": "see", "citations": [CITED]}])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"]), ResponseModifier(prefix="[P] ")]
    message: Any = _run(
        litellm.anthropic_messages(
            model="anthropic/claude-3-5-sonnet-20241022", messages=HI, max_tokens=5, api_base=base, api_key="k"
        )
    )
    block = message["content"][0]
    assert block["text"] == "[P] see"
    assert block["citations"][0]["cited_text"] == "buy [FILTERED]"
    assert block["citations"][0]["document_title"] == "[FILTERED] facts"


def test_streamed_anthropic_citations_are_filtered(server: tuple[str, type[_Server]]) -> None:
    # LiteLLM 1.110's native Anthropic stream imports proxy code that needs orjson, which only its [proxy]
    # extra installs: on an SDK-only install that call fails in LiteLLM, with or without interceptors.
    pytest.importorskip("orjson", reason="LiteLLM's native Anthropic stream needs its proxy extra here")
    base, handler = server
    events = [
        {"type": "message_start", "message": json.loads(_anthropic_message([]))},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": "", "citations": []}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "citations_delta", "citation": CITED}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "see"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
        {"type": "message_stop"},
    ]
    _serve_events(handler, events)
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    body = _run(_anthropic_stream(base)).decode()
    assert "spam" not in body
    assert "buy [FILTERED]" in body


WEB_CITED = {
    "type": "web_search_result_location",
    "cited_text": "ok",
    "url": "https://example.com/spam",
    "title": "t",
    "encrypted_index": "spam",  # an id the client sends back as it is
    "note": "spam",
}
WEB_CITED_FILTERED = {**WEB_CITED, "url": "https://example.com/[FILTERED]", "note": "[FILTERED]"}


def test_every_string_of_an_anthropic_citation_is_filtered(server: tuple[str, type[_Server]]) -> None:
    """A web result's URL and a key a provider added, in a whole reply and a stream (``citations_delta`` and
    ``content_block_start``); its opaque ``encrypted_index`` stays as it is."""
    pytest.importorskip("orjson", reason="LiteLLM's native Anthropic stream needs its proxy extra here")
    base, handler = server
    handler.body = _anthropic_message([{"type": "text", "text": "see", "citations": [WEB_CITED]}])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    message: Any = _run(
        litellm.anthropic_messages(
            model="anthropic/claude-3-5-sonnet-20241022", messages=HI, max_tokens=5, api_base=base, api_key="k"
        )
    )
    assert message["content"][0]["citations"] == [WEB_CITED_FILTERED]
    start = {"type": "text", "text": "", "citations": [WEB_CITED]}
    cited = {"type": "content_block_delta", "index": 0, "delta": {"type": "citations_delta", "citation": WEB_CITED}}
    _serve_events(handler, _anthropic_text_events(cited, _BLOCK_STOP, start=start))
    sent = _sent_events(base)
    assert sent[1]["content_block"]["citations"] == [WEB_CITED_FILTERED]
    assert sent[2]["delta"]["citation"] == WEB_CITED_FILTERED


def test_anthropic_web_search_results_are_filtered(server: tuple[str, type[_Server]]) -> None:
    """A ``web_search_tool_result`` block (whole reply and stream): its results' URLs and titles are read, their
    ``encrypted_content`` (sent back as it is) is not."""
    pytest.importorskip("orjson", reason="LiteLLM's native Anthropic stream needs its proxy extra here")
    base, handler = server
    found = {"type": "web_search_result", "url": "https://x/spam", "title": "spam", "encrypted_content": "spam"}
    result = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [found]}
    masked = {**result, "content": [{**found, "url": "https://x/[FILTERED]", "title": "[FILTERED]"}]}
    handler.body = _anthropic_message([result, {"type": "text", "text": "ok"}])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    message: Any = _run(
        litellm.anthropic_messages(
            model="anthropic/claude-3-5-sonnet-20241022", messages=HI, max_tokens=5, api_base=base, api_key="k"
        )
    )
    assert message["content"][0] == masked
    _serve_events(handler, _anthropic_text_events(_BLOCK_STOP, start=result))
    assert _sent_events(base)[1]["content_block"] == masked


def test_anthropic_keys_of_their_own_are_filtered(server: tuple[str, type[_Server]]) -> None:
    """LiteLLM passes an Anthropic reply on as it came: a key the API added (to the message or a block) too."""
    base, handler = server
    message = json.loads(_anthropic_message([{"type": "text", "text": "ok", "note": "a spam"}]))
    handler.body = json.dumps({**message, "summary": {"text": "spam"}}).encode()
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    reply: Any = _run(
        litellm.anthropic_messages(
            model="anthropic/claude-3-5-sonnet-20241022", messages=HI, max_tokens=5, api_base=base, api_key="k"
        )
    )
    assert reply["content"][0]["note"] == "a [FILTERED]"
    assert reply["summary"] == {"text": "[FILTERED]"}


def test_streamed_anthropic_keys_of_their_own_are_dropped_when_they_hold_a_word(
    server: tuple[str, type[_Server]],
) -> None:
    pytest.importorskip("orjson", reason="LiteLLM's native Anthropic stream needs its proxy extra here")
    base, handler = server
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {**json.loads(_anthropic_message([])), "summary": "spam"}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": "", "note": "spam"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "see", "note": "spam"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "note": "spam"}, "usage": {"output_tokens": 1}},
        {"type": "message_stop", "note": "fine"},
    ]
    _serve_events(handler, events)
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    body = _run(_anthropic_stream(base)).decode()
    assert "spam" not in body
    assert '"note": "fine"' in body
    assert "see" in body


def _responses_reply(output: list[dict[str, Any]]) -> bytes:
    reply = {
        "id": "r",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "model": "gpt-4o",
        "output": output,
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
    }
    return json.dumps(reply).encode()


@pytest.mark.parametrize("sync", [True, False])
def test_responses_server_tool_items_are_filtered(server: tuple[str, type[_Server]], sync: bool) -> None:
    base, handler = server
    handler.body = _responses_reply(
        [
            {"type": "mcp_call", "id": "m", "name": "f", "server_label": "s", "arguments": "{}", "output": "spam"},
            {
                "type": "mcp_list_tools",
                "id": "l",
                "server_label": "s",
                "tools": [{"name": "f", "description": "finds spam", "input_schema": {}}],
            },
            {
                "type": "web_search_call",
                "id": "w",
                "status": "completed",
                "action": {"type": "search", "query": "cheap spam"},
            },
            {
                "type": "message",
                "id": "o",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {
                        "type": "output_text",
                        "text": "ok",
                        "annotations": [
                            {
                                "type": "url_citation",
                                "title": "spam",
                                "url": "https://x",
                                "start_index": 0,
                                "end_index": 1,
                            }
                        ],
                    }
                ],
            },
        ]
    )
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    kwargs: dict[str, Any] = {"model": "openai/gpt-4o", "input": "hi", "api_base": base + "/v1", "api_key": "k"}
    response: Any = litellm.responses(**kwargs) if sync else _run(litellm.aresponses(**kwargs))
    dumped = json.dumps(response.model_dump(), default=str)
    assert "spam" not in dumped
    assert dumped.count("[FILTERED]") == 4


def test_responses_output_item_of_an_unknown_type_with_text_fails_closed(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    handler.body = _responses_reply([{"type": "program", "id": "p", "call_id": "c", "code": "say('spam')"}])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    with pytest.raises(InterceptorError, match="program"):
        litellm.responses(model="openai/gpt-4o", input="hi", api_base=base + "/v1", api_key="k")


def _completion_reply(tokens: list[str], alternative: str) -> bytes:
    reply = {
        "id": "c",
        "object": "text_completion",
        "created": 1,
        "model": "gpt-3.5-turbo-instruct",
        "choices": [
            {
                "index": 0,
                "text": "".join(tokens),
                "finish_reason": "stop",
                "logprobs": {
                    "tokens": tokens,
                    "token_logprobs": [-0.1] * len(tokens),
                    "top_logprobs": [{token: -0.1, alternative: -2.0} for token in tokens],
                    "text_offset": list(range(len(tokens))),
                },
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
    return json.dumps(reply).encode()


@pytest.mark.parametrize("sync", [True, False])
def test_text_completion_logprobs_that_spell_a_masked_word_are_dropped(
    server: tuple[str, type[_Server]], sync: bool
) -> None:
    base, handler = server
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    kwargs: dict[str, Any] = {
        "model": "text-completion-openai/gpt-3.5-turbo-instruct",
        "prompt": "hi",
        "logprobs": 1,
        "api_base": base + "/v1",
        "api_key": "k",
    }

    def call() -> Any:
        return litellm.text_completion(**kwargs) if sync else _run(litellm.atext_completion(**kwargs))

    handler.body = _completion_reply(["a", " sp", "am"], "other")
    response = call()
    assert response.choices[0].text == "a [FILTERED]"
    assert response.choices[0].logprobs is None
    handler.body = _completion_reply(["a", " b"], "spam")
    assert call().choices[0].logprobs is None
    handler.body = _completion_reply(["a", " b"], "other")
    assert call().choices[0].logprobs.tokens == ["a", " b"]


def _audio_chunk(transcript: str, finish: str | None = None) -> ModelResponseStream:
    audio: Any = {"id": "a", "data": "UklGRg==", "expires_at": 0, "transcript": transcript}  # as providers stream it
    choice = StreamingChoices(index=0, delta=Delta(audio=audio), finish_reason=finish)
    return ModelResponseStream(id="s", model="m", created=1, choices=[choice])


@pytest.mark.parametrize("sync", [True, False])
def test_a_streamed_audio_reply_whose_transcript_would_be_masked_fails_closed(
    shape: tuple[str, ShapeLLM], sync: bool
) -> None:
    model, llm = shape
    _skip_unless_litellm_streams_model_response_chunks(model, llm)
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]

    def transcript() -> str:
        async def collect() -> list[Any]:
            stream: Any = await litellm.acompletion(model=model, messages=HI, stream=True)
            return [chunk async for chunk in stream]

        chunks = list(litellm.completion(model=model, messages=HI, stream=True)) if sync else _run(collect())
        audios = [chunk.choices[0].delta.audio for chunk in chunks if chunk.choices]
        return "".join(audio["transcript"] for audio in audios if audio)

    llm.chunks = [_audio_chunk("say sp"), _audio_chunk("an"), _audio_chunk("", finish="stop")]
    assert transcript() == "say span"  # held back while it could become a blocked word, then let through
    llm.chunks = [_audio_chunk("say sp"), _audio_chunk("am"), _audio_chunk("", finish="stop")]
    with pytest.raises(InterceptorError) as error:
        transcript()
    assert isinstance(error.value.__cause__, UnchangeableReplyError)


def test_streamed_responses_server_tool_items_and_annotations_are_filtered(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    mcp = {"type": "mcp_call", "id": "m", "name": "f", "server_label": "s", "arguments": "{}", "output": "spam"}
    annotation = {"type": "url_citation", "title": "spam", "url": "https://x", "start_index": 0, "end_index": 1}
    created = json.loads(_responses_reply([]))
    done = json.loads(_responses_reply([mcp]))
    events = [
        {"type": "response.created", "sequence_number": 0, "response": {**created, "status": "in_progress"}},
        {"type": "response.output_item.done", "sequence_number": 1, "output_index": 0, "item": mcp},
        {
            "type": "response.output_text.annotation.added",
            "sequence_number": 2,
            "item_id": "o",
            "output_index": 1,
            "content_index": 0,
            "annotation_index": 0,
            "annotation": annotation,
        },
        {"type": "response.completed", "sequence_number": 3, "response": done},
    ]
    _serve_events(handler, events)
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    stream: Any = litellm.responses(model="openai/gpt-4o", input="hi", api_base=base + "/v1", api_key="k", stream=True)
    dumped = json.dumps([event.model_dump() for event in stream], default=str)
    assert "spam" not in dumped
    assert dumped.count("[FILTERED]") == 3


def test_streamed_code_interpreter_code_is_filtered(server: tuple[str, type[_Server]]) -> None:
    """The code a code interpreter call runs streams as its own deltas and a done event (``code``): read like
    the call's code in the finished item, a word split across deltas included."""
    base, handler = server
    item: dict[str, Any] = {"type": "code_interpreter_call", "id": "ci", "status": "completed", "code": "print('spam')"}
    item.update({"container_id": "c", "outputs": []})
    created = json.loads(_responses_reply([]))
    code_event = {"item_id": "ci", "output_index": 0}
    events = [
        {"type": "response.created", "sequence_number": 0, "response": {**created, "status": "in_progress"}},
        {"type": "response.code_interpreter_call_code.delta", "sequence_number": 1, **code_event, "delta": "print('sp"},
        {"type": "response.code_interpreter_call_code.delta", "sequence_number": 2, **code_event, "delta": "am')"},
        {
            "type": "response.code_interpreter_call_code.done",
            "sequence_number": 3,
            **code_event,
            "code": "print('spam')",
        },
        {"type": "response.output_item.done", "sequence_number": 4, "output_index": 0, "item": item},
        {"type": "response.completed", "sequence_number": 5, "response": json.loads(_responses_reply([item]))},
    ]
    _serve_events(handler, events)
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    stream: Any = litellm.responses(model="openai/gpt-4o", input="hi", api_base=base + "/v1", api_key="k", stream=True)
    received = [event.model_dump() for event in stream]
    dumped = json.dumps(received, default=str)
    assert "spam" not in dumped
    deltas = "".join(e["delta"] for e in received if e["type"] == "response.code_interpreter_call_code.delta")
    assert deltas == "print('[FILTERED]')"
    done = [e for e in received if e["type"] == "response.code_interpreter_call_code.done"]
    assert [e["code"] for e in done] == ["print('[FILTERED]')"]


# -- every string of a Responses message item and of the stream events around it -----------------------------


def _message_item(note: str) -> dict[str, Any]:
    """A message item with ``note`` in a key of its own, in its part's, in a citation's, and a file's name."""
    citations = [
        {"type": "url_citation", "title": "t", "url": "https://x", "start_index": 0, "end_index": 1, "note": note},
        {"type": "file_citation", "file_id": "f", "filename": f"{note}.txt", "index": 0},
    ]
    part = {"type": "output_text", "text": "ok", "annotations": citations, "note": note}
    return {"type": "message", "id": "o", "role": "assistant", "status": "completed", "content": [part], "note": note}


@pytest.mark.parametrize("sync", [True, False])
def test_every_string_of_a_responses_message_item_is_filtered(server: tuple[str, type[_Server]], sync: bool) -> None:
    base, handler = server
    handler.body = _responses_reply([_message_item("buy spam")])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    kwargs: dict[str, Any] = {"model": "openai/gpt-4o", "input": "hi", "api_base": base + "/v1", "api_key": "k"}
    response: Any = litellm.responses(**kwargs) if sync else _run(litellm.aresponses(**kwargs))
    dumped = json.dumps(response.model_dump(), default=str)
    assert "spam" not in dumped
    assert dumped.count("buy [FILTERED]") == 4
    assert "https://x" in dumped  # a URL without the word stays as it is


def test_streamed_responses_event_fields_of_their_own_are_filtered(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    where: dict[str, Any] = {"item_id": "o", "output_index": 0, "content_index": 0}
    note = {"note": "buy spam"}
    created = json.loads(_responses_reply([]))
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {**created, "status": "in_progress"}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**_message_item("spam"), "content": []},
            **note,
        },
        {"type": "response.content_part.added", **where, "part": {"type": "output_text", "text": "", **note}, **note},
        {"type": "response.output_text.delta", **where, "delta": "hello", **note},
        {
            "type": "response.output_text.annotation.added",
            **where,
            "annotation_index": 0,
            "annotation": {"type": "url_citation", "title": "t", "url": "u", "start_index": 0, "end_index": 1, **note},
            **note,
        },
        {"type": "response.output_text.done", **where, "text": "hello", **note},
        {
            "type": "response.content_part.done",
            **where,
            "part": {"type": "output_text", "text": "hello", **note},
            **note,
        },
        {"type": "response.output_item.done", "output_index": 0, "item": _message_item("spam"), **note},
        {"type": "response.completed", "response": json.loads(_responses_reply([_message_item("spam")])), **note},
    ]
    _serve_events(handler, [{**event, "sequence_number": number} for number, event in enumerate(events)])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    stream: Any = litellm.responses(model="openai/gpt-4o", input="hi", api_base=base + "/v1", api_key="k", stream=True)
    dumped = [json.dumps(event.model_dump(), default=str) for event in stream]
    assert [event for event in dumped if "spam" in event] == []
    assert sum("hello" in event for event in dumped) >= 3


def _text_deltas(events: list[Any]) -> str:
    return "".join(event.delta for event in events if _type_name(event) == "response.output_text.delta")


def _type_name(event: Any) -> str:
    value = getattr(event, "type", "")
    return str(getattr(value, "value", value))


def test_a_word_cut_by_a_responses_done_event_is_masked_where_it_goes_on(server: tuple[str, type[_Server]]) -> None:
    base, handler = server
    where: dict[str, Any] = {"item_id": "o", "output_index": 0, "content_index": 0}
    created = json.loads(_responses_reply([]))
    events = [
        {"type": "response.created", "response": {**created, "status": "in_progress"}},
        {"type": "response.output_text.delta", **where, "delta": "buy sp"},
        {"type": "response.output_text.done", **where, "text": "buy sp"},
        {"type": "response.output_text.delta", **where, "delta": "am now"},
        {"type": "response.completed", "response": created},
    ]
    _serve_events(handler, [{**event, "sequence_number": number} for number, event in enumerate(events)])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    stream: Any = litellm.responses(model="openai/gpt-4o", input="hi", api_base=base + "/v1", api_key="k", stream=True)
    assert _text_deltas(list(stream)) == "buy sp[FILTERED] now"


def _text_delta(text: str) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}


def _anthropic_text(body: str) -> str:
    lines = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    return "".join(e["delta"]["text"] for e in lines if e.get("delta", {}).get("type") == "text_delta")


def test_a_word_cut_by_an_anthropic_block_stop_is_masked_where_it_goes_on(server: tuple[str, type[_Server]]) -> None:
    pytest.importorskip("orjson", reason="LiteLLM's native Anthropic stream needs its proxy extra here")
    base, handler = server
    stop = {"type": "content_block_stop", "index": 0}
    _serve_events(handler, _anthropic_text_events(_text_delta("buy sp"), stop, _text_delta("am now"), stop))
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    assert _anthropic_text(_run(_anthropic_stream(base)).decode()) == "buy sp[FILTERED] now"


def test_an_anthropic_ping_events_fields_of_their_own_are_dropped_when_they_hold_a_word(
    server: tuple[str, type[_Server]],
) -> None:
    pytest.importorskip("orjson", reason="LiteLLM's native Anthropic stream needs its proxy extra here")
    base, handler = server
    ping = {"type": "ping", "note": "buy spam"}
    stop = {"type": "content_block_stop", "index": 0}
    _serve_events(handler, _anthropic_text_events(ping, _text_delta("ok"), stop, {"type": "ping", "note": "fine"}))
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    body = _run(_anthropic_stream(base)).decode()
    assert "spam" not in body
    assert '"note": "fine"' in body


def test_streamed_responses_fields_named_like_another_events_are_read(server: tuple[str, type[_Server]]) -> None:
    """Each kind of event is read against its own fields: ``part`` on a delta, ``refusal`` on a text's done event,
    ``item`` on an annotation event are a provider's own there."""
    base, handler = server
    where: dict[str, Any] = {"item_id": "o", "output_index": 0, "content_index": 0}
    cited = {"type": "buy spam", "url": "u", "file_id": "spam", "start_index": 0, "end_index": 1}
    created = json.loads(_responses_reply([]))
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {**created, "status": "in_progress"}},
        {"type": "response.output_text.delta", **where, "delta": "hello", "part": {"text": "buy spam"}},
        {"type": "response.output_text.delta", **where, "delta": " you", "obfuscation": "spam"},
        {"type": "response.output_text.annotation.added", **where, "annotation_index": 0, "annotation": cited},
        {
            "type": "response.output_text.annotation.added",
            **where,
            "annotation_index": 1,
            "annotation": {"type": "url_citation", "url": "u", "title": "t", "start_index": 0, "end_index": 1},
            "item": {"note": "buy spam"},
        },
        {"type": "response.output_text.done", **where, "text": "hello you", "refusal": "buy spam"},
        {"type": "response.completed", "response": created},
    ]
    _serve_events(handler, [{**event, "sequence_number": number} for number, event in enumerate(events)])
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    stream: Any = litellm.responses(model="openai/gpt-4o", input="hi", api_base=base + "/v1", api_key="k", stream=True)
    events_out = list(stream)
    assert [e for e in (json.dumps(e.model_dump(), default=str) for e in events_out) if "spam" in e] == []
    assert _text_deltas(events_out) == "hello you"
