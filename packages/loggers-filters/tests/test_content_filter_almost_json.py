"""Tool-call arguments that are almost JSON: cut short, a trailing comma, single quotes, unquoted keys (JSON5, a
Python literal), a key named twice (which JSON parsers read differently), or JSON inside a JSON string. A
lenient parser (json5, ``ast.literal_eval``, a streaming UI's partial-JSON reader, a tool that decodes the inner
JSON) reads their escapes, so ``"\\u0073pam"`` there is
``spam``. The whole class (every shape with every way of escaping the word), through LiteLLM's public API,
streamed and not."""

from __future__ import annotations

import ast
import asyncio
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import litellm
import pytest
from litellm import CustomLLM
from litellm.types.utils import (
    ChatCompletionMessageToolCall,
    Function,
    GenericStreamingChunk,
    ModelResponse,
)

from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.core.payloads import map_json_strings
from litellm_plugin.loggers.filters import ContentFilter

# The word, escaped every way a lenient reader decodes (a double-quoted literal).
ESCAPED = [
    "\\u0073pam",
    "\\u0073\\u0070\\u0061\\u006D",
    "\\x73pam",
    "\\U00000073pam",
    "\\s\\p\\a\\m",  # JSON5: an unknown escape is its character
    "\\ud835\\udc2cpam",  # a surrogate pair: mathematical bold "s"
    "sp\\u00adam",  # an escaped soft hyphen
    "\\163pam",  # Python: an octal escape
    "\\N{LATIN SMALL LETTER S}pam",  # Python: a named character
    'sp" "am',  # Python: literals written next to each other are one string
]
# Shapes of almost-JSON arguments; {} is the escaped word (inside double quotes).
SHAPES = [
    '{{"q": "{}",}}',  # trailing comma
    '{{"q": "{}',  # cut short inside the string
    '{{"q": "{}"',  # cut short after it
    '{{q: "{}"}}',  # unquoted key
    '{{"{}": 1,}}',  # as a key
    "{{'q': ['{}']}}",  # Python literal
    '{{"q": "{}"}} trailing text',
    '{{"q": "{}", "q": "ok"}}',  # valid JSON naming a key twice: ``json.loads`` keeps the last value only
    '{{"a": {{"q": "{}", "q": 1}}}}',
]


def _single_quoted(shape: str) -> bool:
    return "'" in shape


def _in_shape(shape: str, word: str) -> str:
    """``word`` inside ``shape``, its own quotes those of the shape (Python joins ``'sp' 'am'`` as ``"sp" "am"``)."""
    return shape.format(word.replace('"', "'") if _single_quoted(shape) else word)


ARGUMENTS = [_in_shape(shape, word) for shape, word in itertools.product(SHAPES, ESCAPED)]
# JSON inside a JSON string (valid JSON): a tool decodes the inner JSON too.
ARGUMENTS += [json.dumps({"payload": json.dumps({"q": "spam"}).replace("spam", word)}) for word in ESCAPED[:2]]


class ToolCaller(CustomLLM):
    """Replies with one tool call per argument string; streams each in 3-character deltas."""

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        response = ModelResponse(model="tools")
        response.usage = litellm.Usage(prompt_tokens=1, completion_tokens=1, total_tokens=2)  # type: ignore[attr-defined]
        message = response.choices[0].message
        message.tool_calls = [
            ChatCompletionMessageToolCall(id=f"c{index}", type="function", function=Function(name="f", arguments=raw))
            for index, raw in enumerate(ARGUMENTS)
        ]
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion()

    def _chunks(self) -> Iterator[GenericStreamingChunk]:
        """Generic chunks, which every LiteLLM release reads from a custom provider (1.84 reads no others)."""
        for index, raw in enumerate(ARGUMENTS):
            for start in range(0, len(raw), 3):
                tool_use: Any = {
                    "id": None if start else f"c{index}",
                    "type": "function",
                    "function": {"name": None if start else "f", "arguments": raw[start : start + 3]},
                    "index": index,
                }
                yield GenericStreamingChunk(
                    text="", tool_use=tool_use, is_finished=False, finish_reason="", usage=None, index=0
                )
        yield GenericStreamingChunk(
            text="", tool_use=None, is_finished=True, finish_reason="tool_calls", usage=None, index=0
        )

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[GenericStreamingChunk]:
        return self._chunks()

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        for chunk in self._chunks():
            yield chunk


@pytest.fixture
def tools_model() -> str:
    name = f"aj{uuid.uuid4().hex[:8]}"
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": ToolCaller()}]
    litellm.utils.custom_llm_setup()
    return f"{name}/m"


MESSAGES = [{"role": "user", "content": "hi"}]


def _arguments(response: Any) -> list[str]:
    return [call.function.arguments for call in response.choices[0].message.tool_calls]


def _streamed_arguments(chunks: list[Any]) -> list[str]:
    arguments: dict[int, str] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            for call in choice.delta.tool_calls or ():
                arguments[call.index] = arguments.get(call.index, "") + (call.function.arguments or "")
    return [arguments[index] for index in sorted(arguments)]


def _leaks(arguments: list[str]) -> list[tuple[str, str]]:
    return [(raw, out) for raw, out in zip(ARGUMENTS, arguments, strict=True) if "[FILTERED]" not in out]


def test_every_argument_is_almost_json_a_lenient_reader_decodes() -> None:
    assert len(ARGUMENTS) == len(SHAPES) * len(ESCAPED) + 2
    for word in [ESCAPED[2], *ESCAPED[-3:]]:  # \x, octal, named, literals side by side: Python reads "spam"
        assert ast.literal_eval(_in_shape(SHAPES[5], word)) == {"q": ["spam"]}
    assert json.loads(json.loads(ARGUMENTS[-1])["payload"]) == {"q": "spam"}


def test_almost_json_arguments_are_masked(tools_model: str) -> None:
    litellm.callbacks = [ContentFilter(["spam"])]
    for response in (
        litellm.completion(model=tools_model, messages=MESSAGES),
        asyncio.run(litellm.acompletion(model=tools_model, messages=MESSAGES)),
    ):
        assert not _leaks(_arguments(response))


def test_streamed_almost_json_arguments_are_masked(tools_model: str) -> None:
    litellm.callbacks = [ContentFilter(["spam"])]

    async def collect() -> list[Any]:
        stream = await litellm.acompletion(model=tools_model, messages=MESSAGES, stream=True)
        return [chunk async for chunk in stream]

    for chunks in (asyncio.run(collect()), list(litellm.completion(model=tools_model, messages=MESSAGES, stream=True))):
        assert not _leaks(_streamed_arguments(chunks))


def test_masked_arguments_keep_their_shape(tools_model: str) -> None:
    litellm.callbacks = [ContentFilter(["spam"])]
    out = dict(zip(ARGUMENTS, _arguments(litellm.completion(model=tools_model, messages=MESSAGES)), strict=True))
    assert out['{"q": "\\u0073pam",}'] == '{"q": "[FILTERED]",}'
    assert out['{"q": "\\x73pam'] == '{"q": "[FILTERED]'
    assert out["{'q': ['\\x73pam']}"] == "{'q': ['[FILTERED]']}"
    assert json.loads(json.loads(out[ARGUMENTS[-1]])["payload"]) == {"q": "[FILTERED]"}


def test_almost_json_arguments_with_a_blocked_word_are_refused(tools_model: str) -> None:
    litellm.callbacks = [ContentFilter(["spam"], action="block")]
    with pytest.raises(InterceptorRejectedError):
        litellm.completion(model=tools_model, messages=MESSAGES)


@pytest.mark.parametrize(
    "raw",
    [
        '{"q": "a \\"quoted\\" word\\n",}',
        "{'path': 'C:\\\\temp\\\\x', 'n': 1,}",
        '{"q": "\\u00e9t\\u00e9"',
        "it's \\not\\ a problem, isn't it",
    ],
)
def test_almost_json_without_a_blocked_word_stays_byte_for_byte(raw: str) -> None:
    assert map_json_strings(raw, ContentFilter(["spam"]).mask) == raw


def test_almost_json_arguments_in_a_request_are_masked_before_the_model_reads_them(provider: Any) -> None:
    """With ``filter_requests=True``: tool-call arguments of the history, as the model reads them."""
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    calls = [
        {"id": f"c{index}", "type": "function", "function": {"name": "f", "arguments": raw}}
        for index, raw in enumerate(ARGUMENTS)
    ]
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": calls},
        *({"role": "tool", "tool_call_id": f"c{index}", "content": "ok"} for index in range(len(ARGUMENTS))),
        {"role": "user", "content": "go on"},
    ]
    asyncio.run(litellm.acompletion(model=provider.model, messages=messages))
    seen = provider.llm.seen[-1][1]["tool_calls"]
    sent = [call["function"]["arguments"] for call in seen]
    assert not _leaks(sent)
    assert messages[1]["tool_calls"][0]["function"]["arguments"] == ARGUMENTS[0]  # the caller's copy stays
