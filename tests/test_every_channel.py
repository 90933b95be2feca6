"""Every text channel of a reply: tool-call arguments, reasoning and refusals are filtered like content.

A provider that answers with tool calls and reasoning (non-stream, and streamed with words split across
deltas), and Anthropic SSE bytes split at every byte boundary.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import litellm
import pytest
from litellm import CustomLLM
from litellm.types.utils import (
    ChatCompletionDeltaToolCall,
    ChatCompletionMessageToolCall,
    Delta,
    Function,
    ModelResponse,
    ModelResponseStream,
    StreamingChoices,
)

from litellm_plugin.core import ALL_CALL_TYPES, BaseCustomLogger, InterceptorRejectedError, TextTransform
from litellm_plugin.core.payloads import Channel, StreamRewriter
from litellm_plugin.loggers.filters import ContentFilter

ARGUMENTS = '{"query": "cheap spam", "note": "\\u0073pam", "count": 2}'


class ToolCaller(CustomLLM):
    """Replies with reasoning, a refusal and a tool call; streams them split in the middle of words."""

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        response = ModelResponse(model="tools")
        response.usage = litellm.Usage(prompt_tokens=1, completion_tokens=1, total_tokens=2)  # type: ignore[attr-defined]
        message = response.choices[0].message
        message.content = "calling spam"
        message.reasoning_content = "the user wants spam"
        message.refusal = "no spam"
        function = Function(name="search", arguments=ARGUMENTS)
        message.tool_calls = [ChatCompletionMessageToolCall(id="c1", type="function", function=function)]
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion()

    def _chunks(self) -> Iterator[ModelResponseStream]:
        pieces: list[dict[str, Any]] = [
            {"reasoning_content": "the user wants sp"},
            {"reasoning_content": "am now"},
            {"content": "calling sp"},
            {"content": "am"},
            {
                "tool_calls": [
                    ChatCompletionDeltaToolCall(
                        id="c1",
                        index=0,
                        type="function",
                        function=Function(name="search", arguments='{"query": "cheap sp'),
                    )
                ]
            },
            {"tool_calls": [ChatCompletionDeltaToolCall(index=0, function=Function(arguments='am", "count": 2}'))]},
        ]
        for piece in pieces:
            yield ModelResponseStream(model="tools", choices=[StreamingChoices(index=0, delta=Delta(**piece))])
        yield ModelResponseStream(
            model="tools", choices=[StreamingChoices(index=0, delta=Delta(), finish_reason="tool_calls")]
        )

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[ModelResponseStream]:  # type: ignore[override]
        return self._chunks()

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[ModelResponseStream]:  # type: ignore[override]
        for chunk in self._chunks():
            yield chunk


@pytest.fixture
def tools_model() -> Iterator[str]:
    previous = list(litellm.custom_provider_map)
    litellm.custom_provider_map = [*previous, {"provider": "toolcaller", "custom_handler": ToolCaller()}]
    litellm.utils.custom_llm_setup()
    yield "toolcaller/m"
    litellm.custom_provider_map = previous


MESSAGES = [{"role": "user", "content": "hi"}]


async def test_tool_arguments_reasoning_and_refusal_are_masked(tools_model: str) -> None:
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    for response in (
        litellm.completion(model=tools_model, messages=MESSAGES),
        await litellm.acompletion(model=tools_model, messages=MESSAGES),
    ):
        message = response.choices[0].message
        assert message.content == "calling [FILTERED]"
        assert message.reasoning_content == "the user wants [FILTERED]"
        assert message.refusal == "no [FILTERED]"
        call = message.tool_calls[0]
        function = call["function"] if isinstance(call, dict) else call.function
        raw = function["arguments"] if isinstance(function, dict) else function.arguments
        arguments = json.loads(raw)  # still valid JSON
        assert arguments == {"query": "cheap [FILTERED]", "note": "[FILTERED]", "count": 2}


async def test_streamed_tool_arguments_and_reasoning_are_masked(tools_model: str) -> None:
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    stream = await litellm.acompletion(model=tools_model, messages=MESSAGES, stream=True)
    chunks = [chunk async for chunk in stream]
    for collected in (chunks, list(litellm.completion(model=tools_model, messages=MESSAGES, stream=True))):
        content = reasoning = arguments = ""
        for chunk in collected:
            for choice in chunk.choices:
                delta = choice.delta
                content += delta.content or ""
                reasoning += getattr(delta, "reasoning_content", None) or ""
                for call in delta.tool_calls or ():
                    arguments += call.function.arguments or ""
        assert content == "calling [FILTERED]"
        assert reasoning == "the user wants [FILTERED] now"
        assert json.loads(arguments) == {"query": "cheap [FILTERED]", "count": 2}


async def test_blocked_word_only_in_tool_arguments_is_refused(tools_model: str) -> None:
    litellm.callbacks = [ContentFilter(blocked_words=["cheap"], action="block")]
    with pytest.raises(InterceptorRejectedError):
        await litellm.acompletion(model=tools_model, messages=MESSAGES)
    stream = await litellm.acompletion(model=tools_model, messages=MESSAGES, stream=True)
    with pytest.raises(InterceptorRejectedError):
        [chunk async for chunk in stream]


def _sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e, ensure_ascii=False)}\n\n".encode() for e in events)


ANTHROPIC_EVENTS: list[dict[str, Any]] = [
    {"type": "message_start", "message": {"id": "m", "type": "message", "role": "assistant", "content": []}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "héllo sp"}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "am"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "ça spa"}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "m ✓"}},
    {"type": "content_block_stop", "index": 1},
    {
        "type": "content_block_start",
        "index": 2,
        "content_block": {"type": "tool_use", "id": "t", "name": "f", "input": {}},
    },
    {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": '{"q": "sp'}},
    {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": 'am"}'}},
    {"type": "content_block_stop", "index": 2},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}},
    {"type": "message_stop"},
]


def _read_blocks(body: bytes) -> dict[int, str]:
    blocks: dict[int, str] = {}
    for line in body.decode().splitlines():
        if line.startswith("data:"):
            event = json.loads(line[5:])
            if event["type"] == "content_block_delta":
                delta = event["delta"]
                text = delta.get("text") or delta.get("thinking") or delta.get("partial_json") or ""
                blocks[event["index"]] = blocks.get(event["index"], "") + text
    return blocks


def test_anthropic_sse_split_at_every_byte_is_filtered_per_block() -> None:
    content_filter = ContentFilter(blocked_words=["spam"])
    body = _sse(ANTHROPIC_EVENTS)
    for cut in range(1, len(body)):
        transform_for = content_filter.transform_for({})
        assert transform_for is not None
        rewriter = StreamRewriter(transform_for)
        out = b"".join([*rewriter.rewrite(body[:cut]), *rewriter.rewrite(body[cut:]), *rewriter.finish()])
        blocks = _read_blocks(out)
        assert blocks[0] == "héllo [FILTERED]", cut
        assert blocks[1] == "ça [FILTERED] ✓", cut
        assert json.loads(blocks[2]) == {"q": "[FILTERED]"}, cut


async def test_responses_api_function_call_and_reasoning_are_masked(tools_model: str) -> None:
    """LiteLLM bridges the Responses API onto the provider's chat reply: its items are filtered too."""
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    response: Any = await litellm.aresponses(model=tools_model, input="hi")
    dumped = json.dumps(response.model_dump(), ensure_ascii=False)
    assert "spam" not in dumped.replace("\\u0073pam", "")
    calls = [item for item in response.output if getattr(item, "type", None) == "function_call"]
    assert calls, response.output
    assert json.loads(calls[0].arguments)["query"] == "cheap [FILTERED]"
    stream: Any = await litellm.aresponses(model=tools_model, input="hi", stream=True)
    events = [event async for event in stream]
    streamed = json.dumps([event.model_dump() for event in events], ensure_ascii=False, default=str)
    assert "cheap spam" not in streamed
    assert "cheap [FILTERED]" in streamed


async def test_anthropic_tool_use_input_and_thinking_are_masked(tools_model: str) -> None:
    litellm.callbacks = [ContentFilter(blocked_words=["spam"])]
    message: Any = await litellm.anthropic.messages.acreate(model=tools_model, messages=MESSAGES, max_tokens=50)
    assert "spam" not in json.dumps(message).replace("\\u0073pam", "")
    tool_uses = [block for block in message["content"] if block["type"] == "tool_use"]
    assert tool_uses
    assert tool_uses[0]["input"]["query"] == "cheap [FILTERED]"
    stream: Any = await litellm.anthropic.messages.acreate(
        model=tools_model, messages=MESSAGES, max_tokens=50, stream=True
    )
    body = b"".join([chunk async for chunk in stream])
    blocks = _read_blocks(body)
    assert "spam" not in json.dumps(blocks)
    assert any("cheap [FILTERED]" in text for text in blocks.values()), blocks


class _CutLastCharacter(TextTransform):
    def apply(self, text: str) -> str:
        return text[:-1]


class _JsonBreaker(BaseCustomLogger):
    """A buggy interceptor: cuts the last character off tool-call arguments, which are then no longer JSON."""

    call_types = ALL_CALL_TYPES

    def channel_transform(self, request_data: dict[str, Any], channel: Channel) -> TextTransform | None:
        return _CutLastCharacter() if channel.kind == "tool_arguments" else None


async def test_a_fail_open_interceptor_that_breaks_a_reply_does_not_switch_off_the_filter_after_it(
    tools_model: str,
) -> None:
    litellm.callbacks = [_JsonBreaker(fail_open=True), ContentFilter(blocked_words=["spam"])]
    message: Any = await litellm.anthropic.messages.acreate(model=tools_model, messages=MESSAGES, max_tokens=50)
    assert "spam" not in json.dumps(message).replace("\\u0073pam", "")
    tool_uses = [block for block in message["content"] if block["type"] == "tool_use"]
    assert tool_uses[0]["input"]["query"] == "cheap [FILTERED]"
