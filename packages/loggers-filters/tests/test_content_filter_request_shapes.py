"""Request text that ContentFilter(filter_requests=True) must see in every shape a caller can send it: tuples,
less common fields (refusals, custom tool input, thinking, predictions, structured-output schemas, Anthropic
documents and search results), and words split across the text parts of one message."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any

import litellm
import pytest
from litellm import CustomLLM
from litellm.types.utils import ModelResponse
from pydantic import BaseModel, Field

from litellm_plugin.core.errors import InterceptorError, InterceptorRejectedError
from litellm_plugin.loggers.filters import ContentFilter


class RecordingLLM(CustomLLM):
    """Records what reached the model (messages and optional params) and replies "ok"."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        sent = {"messages": kwargs["messages"], "optional_params": kwargs.get("optional_params")}
        self.seen.append(json.dumps(sent, default=str))
        response = ModelResponse(model=kwargs["model"])
        response.choices[0].message.content = "ok"
        response.usage = litellm.Usage(prompt_tokens=1, completion_tokens=1, total_tokens=2)  # type: ignore[attr-defined]
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(*args, **kwargs)


@pytest.fixture
def recorder() -> tuple[str, RecordingLLM]:
    name = f"rs{uuid.uuid4().hex[:8]}"
    llm = RecordingLLM()
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": llm}]
    litellm.utils.custom_llm_setup()
    return f"{name}/x", llm


def _router(model: str) -> litellm.Router:
    return litellm.Router(model_list=[{"model_name": "m", "litellm_params": {"model": model}}])


CHAT_ENTRIES = ("completion", "acompletion", "router_completion", "router_acompletion")


def _chat(entry: str, model: str, **params: Any) -> Any:
    """One chat completion on ``entry`` (the Router is asked for its model name)."""
    if entry == "completion":
        return litellm.completion(model=model, **params)
    if entry == "acompletion":
        return asyncio.run(litellm.acompletion(model=model, **params))
    if entry == "router_completion":
        return _router(model).completion(model="m", **params)
    return asyncio.run(_router(model).acompletion(model="m", **params))


def _responses(model: str, **params: Any) -> Any:
    return litellm.responses(model=model, **params)


def _anthropic(model: str, **params: Any) -> Any:
    return asyncio.run(litellm.anthropic_messages(model=model, max_tokens=5, **params))


def _masking() -> ContentFilter:
    return ContentFilter(["spam"], filter_requests=True, filter_responses=False)


def _blocking() -> ContentFilter:
    return ContentFilter(["spam"], action="block", filter_requests=True, filter_responses=False)


# --- 1. tuples and other sequences -------------------------------------------------------------------------

_TUPLE_MESSAGE = {"role": "user", "content": "a spam b"}
_TUPLE_PARTS = {"role": "user", "content": ({"type": "text", "text": "a spam b"},)}


def _tuple_calls() -> list[Any]:
    calls: list[Any] = []
    for entry in CHAT_ENTRIES:
        calls.append(pytest.param(entry, {"messages": (_TUPLE_MESSAGE,)}, id=f"{entry}-messages"))
        calls.append(pytest.param(entry, {"messages": [_TUPLE_PARTS]}, id=f"{entry}-parts"))
    calls.append(
        pytest.param(
            "responses",
            {"input": ({"role": "user", "content": ({"type": "input_text", "text": "a spam b"},)},)},
            id="responses-input",
        )
    )
    calls.append(pytest.param("anthropic_messages", {"messages": (_TUPLE_PARTS,)}, id="anthropic-messages"))
    nested = {
        "messages": [{"role": "user", "content": "hi"}],
        "documents": [{"text": ("a spam b",)}],
    }  # a parameter LiteLLM passes on unread
    calls.extend(pytest.param(entry, nested, id=f"{entry}-nested-in-a-parameter") for entry in CHAT_ENTRIES)
    return calls


def _call(entry: str, model: str, params: dict[str, Any]) -> Any:
    if entry == "responses":
        return _responses(model, **params)
    if entry == "anthropic_messages":
        return _anthropic(model, **params)
    return _chat(entry, model, **params)


def _assert_refused(entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]) -> None:
    """A blocking filter refuses the call before the model sees anything."""
    model, llm = recorder
    litellm.callbacks = [_blocking()]
    with pytest.raises(InterceptorRejectedError):
        _call(entry, model, params)
    assert llm.seen == []


@pytest.mark.parametrize(("entry", "params"), _tuple_calls())
def test_tuples_are_masked_and_the_callers_tuples_stay_as_given(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    model, llm = recorder
    before = repr(params)
    litellm.callbacks = [_masking()]
    _call(entry, model, params)
    assert "spam" not in llm.seen[-1]
    assert "[FILTERED]" in llm.seen[-1]
    assert repr(params) == before


@pytest.mark.parametrize(("entry", "params"), _tuple_calls())
def test_tuples_are_refused_in_block_mode(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    _assert_refused(entry, params, recorder)


def test_a_text_completion_prompt_tuple_is_masked(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [_masking()]
    prompt = ("a spam b",)
    litellm.text_completion(model=model, prompt=prompt)
    assert "spam" not in llm.seen[-1]
    assert "[FILTERED]" in llm.seen[-1]
    assert prompt == ("a spam b",)


def test_a_sequence_that_is_not_a_list_or_tuple_is_refused(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [_masking()]
    message = {"role": "user", "content": ({"type": "text", "text": "a spam b"},)}
    with pytest.raises(InterceptorError):
        litellm.completion(model=model, messages=[{**message, "content": iter(message["content"])}])
    assert llm.seen == []


# --- 2. fields the readers did not read ----------------------------------------------------------------------

_HI = {"role": "user", "content": "hi"}


class _Answer(BaseModel):
    value: int = Field(description="a spam value")


_CHAT_FIELDS: dict[str, dict[str, Any]] = {
    # Parameters whose text LiteLLM sends to the provider as written.
    "stop string": {"messages": [_HI], "stop": "spam"},
    "stop list": {"messages": [_HI], "stop": ["end", "spam"]},
    "user": {"messages": [_HI], "user": "spam"},
    "safety_identifier": {"messages": [_HI], "safety_identifier": "spam"},
    "prompt_cache_key": {"messages": [_HI], "prompt_cache_key": "spam"},
    "web_search_options location": {
        "messages": [_HI],
        "web_search_options": {"user_location": {"type": "approximate", "approximate": {"city": "spam"}}},
    },
    "assistant refusal": {"messages": [_HI, {"role": "assistant", "content": "x", "refusal": "spam"}, _HI]},
    "custom tool call input": {
        "messages": [
            _HI,
            {
                "role": "assistant",
                "tool_calls": [{"id": "1", "type": "custom", "custom": {"name": "f", "input": "spam"}}],
            },
            {"role": "tool", "tool_call_id": "1", "content": "x"},
        ]
    },
    "thinking blocks": {
        "messages": [
            _HI,
            {
                "role": "assistant",
                "content": "x",
                "thinking_blocks": [{"type": "thinking", "thinking": "spam", "signature": "s"}],
            },
            _HI,
        ]
    },
    "prediction string": {"messages": [_HI], "prediction": {"type": "content", "content": "spam"}},
    "prediction parts": {
        "messages": [_HI],
        "prediction": {"type": "content", "content": [{"type": "text", "text": "spam"}]},
    },
    "response_format schema": {
        "messages": [_HI],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "n", "schema": {"type": "object", "description": "spam"}},
        },
    },
    "response_format description": {
        "messages": [_HI],
        "response_format": {"type": "json_schema", "json_schema": {"name": "n", "description": "spam", "schema": {}}},
    },
    "response_format pydantic model": {"messages": [_HI], "response_format": _Answer},
    "custom tool definition": {
        "messages": [_HI],
        "tools": [{"type": "custom", "custom": {"name": "f", "description": "spam"}}],
    },
    # A provider sends tool definitions and tool calls as given: a chat template shows every key to the model.
    "tool definition key of its own": {
        "messages": [_HI],
        "tools": [{"type": "function", "function": {"name": "f"}, "input_examples": [{"q": "spam"}]}],
    },
    "function definition key of its own": {
        "messages": [_HI],
        "tools": [{"type": "function", "function": {"name": "f", "x-usage": "spam"}}],
    },
    "legacy function definition key of its own": {"messages": [_HI], "functions": [{"name": "f", "note": "spam"}]},
    "schema strings in a list": {
        "messages": [_HI],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"x-notes": ["spam"]}}}],
    },
    "schema given where a schema belongs": {
        "messages": [_HI],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"anyOf": ["spam"]}}}],
    },
    "parameters given as a string": {
        "messages": [_HI],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": "spam"}}],
    },
    "response_format schema strings in a list": {
        "messages": [_HI],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "n", "schema": {"type": "object", "description": ["spam"]}},
        },
    },
    "tool call key of its own": {
        "messages": [
            _HI,
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}"}, "note": "spam"}
                ],
            },
            {"role": "tool", "tool_call_id": "1", "content": "x"},
        ]
    },
    "tool call function key of its own": {
        "messages": [
            _HI,
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "1", "type": "function", "function": {"name": "f", "arguments": "{}", "x": "spam"}}
                ],
            },
            {"role": "tool", "tool_call_id": "1", "content": "x"},
        ]
    },
    "legacy function call key of its own": {
        "messages": [_HI, {"role": "assistant", "function_call": {"name": "f", "arguments": "{}", "x": "spam"}}, _HI]
    },
    "thinking block key of its own": {
        "messages": [
            _HI,
            {
                "role": "assistant",
                "content": "x",
                "thinking_blocks": [{"type": "thinking", "thinking": "t", "signature": "s", "summary": "spam"}],
            },
            _HI,
        ]
    },
}

_RESPONSES_FIELDS: dict[str, dict[str, Any]] = {
    "user": {"input": "hi", "user": "spam"},
    "safety_identifier": {"input": "hi", "safety_identifier": "spam"},
    "prompt_cache_key": {"input": "hi", "prompt_cache_key": "spam"},
    "instructions as items": {"input": "hi", "instructions": [{"role": "developer", "content": "spam"}]},
    "prompt variables": {"input": "hi", "prompt": {"id": "p", "variables": {"topic": "spam"}}},
    # A variable is a string or an input part, read like a message's content (a text file's text too).
    "prompt variable text file": {
        "input": "hi",
        "prompt": {
            "id": "p",
            "variables": {
                "doc": {
                    "type": "input_file",
                    "filename": "notes.txt",
                    "file_data": "data:text/plain;base64," + base64.b64encode(b"buy spam now").decode(),
                }
            },
        },
    },
    "prompt variable of a shape of its own": {
        "input": "hi",
        "prompt": {"id": "p", "variables": {"v": {"type": "weird", "value": "spam"}}},
    },
    "prompt variable list": {"input": "hi", "prompt": {"id": "p", "variables": {"v": ["spam"]}}},
    # The tool an MCP item names, and keys of an item's own: sent on as given.
    "mcp_call name": {
        "input": [_HI, {"type": "mcp_call", "id": "m", "server_label": "s", "name": "spam", "arguments": "{}"}]
    },
    "mcp_approval_request name": {
        "input": [
            _HI,
            {"type": "mcp_approval_request", "id": "m", "server_label": "s", "name": "spam", "arguments": "{}"},
        ]
    },
    "message item key of its own": {"input": [{**_HI, "type": "message", "note": "spam"}]},
    "function_call key of its own": {
        "input": [
            _HI,
            {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "note": "spam"},
            {"type": "function_call_output", "call_id": "c", "output": "x"},
        ]
    },
    "function_call_output key of its own": {
        "input": [
            _HI,
            {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c", "output": "x", "note": ["spam"]},
        ]
    },
    "item_reference key of its own": {"input": [_HI, {"type": "item_reference", "id": "r", "note": "buy spam"}]},
    "server_label on a message item": {"input": [{**_HI, "type": "message", "server_label": "spam"}]},
    "encrypted_content on a message item": {"input": [{**_HI, "type": "message", "encrypted_content": "spam"}]},
    "mcp_list_tools error": {
        "input": [_HI, {"type": "mcp_list_tools", "id": "l", "server_label": "s", "tools": [], "error": "spam"}]
    },
    "web_search_call query": {
        "input": [
            _HI,
            {
                "type": "web_search_call",
                "id": "w",
                "status": "completed",
                "action": {"type": "search", "query": "spam"},
            },
        ]
    },
    "computer_call typed text": {
        "input": [_HI, {"type": "computer_call", "id": "c", "call_id": "c", "action": {"type": "type", "text": "spam"}}]
    },
    "code_interpreter_call code": {
        "input": [_HI, {"type": "code_interpreter_call", "id": "c", "code": "print('spam')", "outputs": []}]
    },
    "text.format schema": {
        "input": "hi",
        "text": {"format": {"type": "json_schema", "name": "n", "schema": {"type": "object", "description": "spam"}}},
    },
    "text_format pydantic model": {"input": "hi", "text_format": _Answer},
    "function tool key of its own": {
        "input": "hi",
        "tools": [{"type": "function", "name": "f", "parameters": {}, "input_examples": ["spam"]}],
    },
    "text_format dict": {
        "input": "hi",
        "text_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": {"description": "spam"}}},
    },
}


def _document(**extra: Any) -> dict[str, Any]:
    return {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}, **extra}


_ANTHROPIC_FIELDS: dict[str, list[dict[str, Any]]] = {
    "document text source": [
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "spam"}},
        {"type": "text", "text": "hi"},
    ],
    "document title": [_document(title="spam"), {"type": "text", "text": "hi"}],
    "document context": [_document(context="spam"), {"type": "text", "text": "hi"}],
    "document content source": [
        {"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": "spam"}]}},
    ],
    "search_result title": [{"type": "search_result", "source": "s", "title": "spam", "content": []}],
    "citation": [
        {
            "type": "text",
            "text": "x",
            "citations": [{"type": "char_location", "cited_text": "spam", "document_index": 0}],
        }
    ],
}


def _field_calls() -> list[Any]:
    calls: list[Any] = []
    for name, params in _CHAT_FIELDS.items():
        calls.extend(pytest.param(entry, params, id=f"{entry}-{name}") for entry in CHAT_ENTRIES)
    calls.extend(
        pytest.param("responses", params, id=f"responses-{name}") for name, params in _RESPONSES_FIELDS.items()
    )
    calls.extend(
        pytest.param("anthropic_messages", {"messages": [{"role": "user", "content": blocks}]}, id=f"anthropic-{name}")
        for name, blocks in _ANTHROPIC_FIELDS.items()
    )
    calls.extend(
        pytest.param("anthropic_messages", {"messages": [_HI], **params}, id=f"anthropic-{name}")
        for name, params in _ANTHROPIC_PARAMS.items()
    )
    return calls


_OUTPUT_SCHEMA = {"type": "json_schema", "schema": {"type": "object", "description": "write spam here"}}
# Anthropic's structured output, which LiteLLM turns into the provider's ``response_format``.
_ANTHROPIC_PARAMS: dict[str, dict[str, Any]] = {
    "stop_sequences": {"stop_sequences": ["spam"]},
    # The end user's id, sent on to the provider as written (chat's ``user``).
    "metadata user_id": {"metadata": {"user_id": "spam"}},
    "output_format": {"output_format": _OUTPUT_SCHEMA},
    "output_config format": {"output_config": {"format": _OUTPUT_SCHEMA}},
    "message key of its own": {"messages": [{**_HI, "note": "spam"}]},
    "output_format pattern": {
        "output_format": {"type": "json_schema", "schema": {"type": "string", "pattern": "^spam$"}}
    },
}


@pytest.mark.parametrize("name", ["output_format", "output_config format"])
def test_an_anthropic_output_schema_is_masked(name: str, recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    params = _ANTHROPIC_PARAMS[name]
    before = repr(params)
    litellm.callbacks = [_masking()]
    _anthropic(model, messages=[_HI], **params)
    assert "spam" not in llm.seen[-1]
    assert "[FILTERED]" in llm.seen[-1]
    assert repr(params) == before  # the caller's schema is left alone


@pytest.mark.parametrize(("entry", "params"), _field_calls())
def test_every_request_field_is_read_in_block_mode(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    _assert_refused(entry, params, recorder)


@pytest.mark.parametrize(
    "name", ["prediction string", "response_format schema", "response_format pydantic model", "stop list"]
)
@pytest.mark.parametrize("entry", CHAT_ENTRIES)
def test_optional_text_params_are_masked(entry: str, name: str, recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    params = _CHAT_FIELDS[name]
    before = repr(params)
    litellm.callbacks = [_masking()]
    _chat(entry, model, **params)
    assert "spam" not in llm.seen[-1]
    assert "[FILTERED]" in llm.seen[-1]
    assert repr(params) == before


@pytest.mark.parametrize(
    "item", [{"type": "brand_new_item", "text": "spam"}, {"type": "brand_new_item", "content": [{"text": "x"}]}]
)
def test_a_responses_input_item_of_an_unknown_type_fails_closed(
    item: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    model, llm = recorder
    litellm.callbacks = [_masking()]
    _responses(model, input=[_HI, {"type": "item_reference", "id": "msg_1"}])  # a known item without text
    assert len(llm.seen) == 1
    with pytest.raises(InterceptorError):
        _responses(model, input=[_HI, item])
    assert len(llm.seen) == 1


# --- 2b. names: read, never masked --------------------------------------------------------------------------

_TOOL = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}


def _tool(parameters: dict[str, Any], name: str = "lookup") -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": name, "description": "finds", "parameters": parameters}}]


# Each sends the model the word "spam" only as a name: a property, an enum value, a tool, a forced tool choice.
_NAMED: dict[str, tuple[str, dict[str, Any], str]] = {
    "enum value": (
        "completion",
        {"messages": [_HI], "tools": _tool({"properties": {"x": {"type": "string", "enum": ["ham", "spam"]}}})},
        "schema enum value",
    ),
    "property name": (
        "completion",
        {"messages": [_HI], "tools": _tool({"type": "object", "properties": {"spam": {"type": "string"}}})},
        "schema property name",
    ),
    "tool name": ("completion", {"messages": [_HI], "tools": _tool({"type": "object"}, name="spam")}, "tool name"),
    "tool_choice": (
        "completion",
        {"messages": [_HI], "tools": [_TOOL], "tool_choice": {"type": "function", "function": {"name": "spam"}}},
        "tool name",
    ),
    "response_format const": (
        "completion",
        {
            "messages": [_HI],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "r", "schema": {"type": "object", "properties": {"a": {"const": "spam"}}}},
            },
        },
        "schema const value",
    ),
    "responses text.format enum": (
        "responses",
        {
            "input": "hi",
            "text": {"format": {"type": "json_schema", "name": "r", "schema": {"enum": ["spam"]}}},
        },
        "schema enum value",
    ),
    "content part name": (
        "completion",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi", "name": "spam"}]}]},
        "content part name",
    ),
    "anthropic tool_choice": (
        "anthropic_messages",
        {
            "messages": [_HI],
            "tools": [{"name": "lookup", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "tool", "name": "spam"},
        },
        "tool name",
    ),
}


@pytest.mark.parametrize("name", list(_NAMED))
def test_a_blocked_word_in_a_name_is_refused_in_block_mode(name: str, recorder: tuple[str, RecordingLLM]) -> None:
    entry, params, _ = _NAMED[name]
    _assert_refused(entry, params, recorder)


@pytest.mark.parametrize("name", list(_NAMED))
def test_a_blocked_word_in_a_name_is_refused_when_masking(name: str, recorder: tuple[str, RecordingLLM]) -> None:
    """Masking a name would send another request (a tool the caller does not have, a schema its parser does not
    expect), and leaving it would send the word: the call is refused, saying where the word was."""
    model, llm = recorder
    entry, params, what = _NAMED[name]
    before = repr(params)
    litellm.callbacks = [_masking()]
    with pytest.raises(InterceptorRejectedError, match=f"request's {what} contains blocked content"):
        _call(entry, model, params)
    assert llm.seen == []
    assert repr(params) == before


def test_names_without_a_blocked_word_pass_and_prose_beside_them_is_masked(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    parameters = {"type": "object", "$comment": "no spam", "properties": {"x": {"type": "string", "enum": ["ham"]}}}
    litellm.callbacks = [_masking()]
    litellm.completion(model=model, messages=[_HI], tools=_tool(parameters, name="spam_lookup"))
    sent = llm.seen[-1]
    assert "no [FILTERED]" in sent
    assert '"ham"' in sent
    assert "spam_lookup" in sent  # one word: "spam" is not a whole word of it


# --- 3. a word split across the text parts of one message ----------------------------------------------------


def _split_calls(pieces: tuple[str, ...]) -> list[Any]:
    chat_parts = [{"type": "text", "text": piece} for piece in pieces]
    calls = [
        pytest.param(entry, {"messages": [{"role": "user", "content": chat_parts}]}, id=entry) for entry in CHAT_ENTRIES
    ]
    response_parts = [{"type": "input_text", "text": piece} for piece in pieces]
    calls.append(pytest.param("responses", {"input": [{"role": "user", "content": response_parts}]}, id="responses"))
    calls.append(
        pytest.param("anthropic_messages", {"messages": [{"role": "user", "content": chat_parts}]}, id="anthropic")
    )
    return calls


@pytest.mark.parametrize("mode", ["block", "during_call"])
@pytest.mark.parametrize(("entry", "params"), [*_split_calls(("my sp", "am here")), *_split_calls(("hello", "spam"))])
def test_a_word_split_across_text_parts_is_refused(
    mode: str, entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    model, llm = recorder
    if mode == "block":
        litellm.callbacks = [_blocking()]
    else:
        litellm.callbacks = [ContentFilter(["spam"], mode="during_call", action="block")]
    with pytest.raises(InterceptorRejectedError):
        _call(entry, model, params)
    assert llm.seen == []
    two_messages = [{"role": "user", "content": "my sp"}, {"role": "user", "content": "am here"}]
    _call(entry, model, {"input" if entry == "responses" else "messages": two_messages})
    assert len(llm.seen) == 1  # parts of different messages are separate texts


def _sent_text(seen: str) -> str:
    """The text parts of the last message the model got, joined."""
    content = json.loads(seen)["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content)


@pytest.mark.parametrize(
    ("pieces", "expected"),
    [
        (("my sp", "am here"), "my [FILTERED] here"),
        (("s", "pa", "m!"), "[FILTERED]!"),
        (("spam ", "sp", "am"), "[FILTERED] [FILTERED]"),
        (("sp", "amish ", "sp", "am"), "spamish [FILTERED]"),  # whole words only, across boundaries too
        # A part that is a word on its own is masked even where the join makes it part of a longer word: a
        # provider may separate parts.
        (("hello", "spam"), "hello[FILTERED]"),
        (("spam", "ish"), "[FILTERED]ish"),
    ],
)
@pytest.mark.parametrize("entry", [*CHAT_ENTRIES, "responses", "anthropic_messages"])
def test_a_word_split_across_text_parts_is_masked(
    entry: str, pieces: tuple[str, ...], expected: str, recorder: tuple[str, RecordingLLM]
) -> None:
    model, llm = recorder
    params = next(p.values[1] for p in _split_calls(pieces) if p.values[0] == entry)
    litellm.callbacks = [_masking()]
    _call(entry, model, params)
    assert _sent_text(llm.seen[-1]) == expected


@pytest.mark.parametrize("name", ["text_format pydantic model", "text_format dict"])
def test_a_responses_text_format_is_masked_and_the_callers_format_stays_as_given(
    name: str, recorder: tuple[str, RecordingLLM]
) -> None:
    """LiteLLM sends ``text_format`` (a pydantic class or a dict) as the reply's JSON schema, prose included."""
    model, llm = recorder
    params = _RESPONSES_FIELDS[name]
    before = repr(params)
    schema_before = _Answer.model_json_schema()
    litellm.callbacks = [_masking()]
    _responses(model, **params)
    assert "spam" not in llm.seen[-1]
    assert "[FILTERED]" in llm.seen[-1]
    assert repr(params) == before
    assert _Answer.model_json_schema() == schema_before


def test_a_responses_text_format_that_is_neither_a_model_nor_a_dict_fails_closed(
    recorder: tuple[str, RecordingLLM],
) -> None:
    model, llm = recorder
    litellm.callbacks = [_masking()]
    with pytest.raises(InterceptorError):
        _responses(model, input="hi", text_format="a spam schema")
    assert llm.seen == []


class _CleanAnswer(BaseModel):
    value: int = Field(description="a plain value")


@pytest.mark.parametrize("entry", CHAT_ENTRIES)
def test_a_pydantic_response_format_without_blocked_words_reaches_the_provider_as_without_a_filter(
    entry: str, recorder: tuple[str, RecordingLLM]
) -> None:
    """Each provider converts a pydantic class its own way: the filter reads it, and leaves it alone."""
    model, llm = recorder
    _chat(entry, model, messages=[_HI], response_format=_CleanAnswer)
    litellm.callbacks = [_masking()]
    _chat(entry, model, messages=[_HI], response_format=_CleanAnswer)
    assert llm.seen[-1] == llm.seen[-2]


@pytest.mark.parametrize("entry", [*CHAT_ENTRIES, "anthropic_messages"])
def test_a_document_block_with_citation_settings_is_read(entry: str, recorder: tuple[str, RecordingLLM]) -> None:
    """Anthropic's request form: ``citations`` on a document block is ``{"enabled": true}``, not a list."""
    model, llm = recorder
    document = {
        "type": "document",
        "source": {"type": "text", "media_type": "text/plain", "data": "a spam document"},
        "citations": {"enabled": True},
    }
    params = {"messages": [{"role": "user", "content": [document, {"type": "text", "text": "summarize"}]}]}
    litellm.callbacks = [_masking()]
    _call(entry, model, params)
    assert "spam" not in llm.seen[-1]
    if entry != "anthropic_messages":  # LiteLLM's bridge to a custom provider drops document blocks
        assert "[FILTERED]" in llm.seen[-1]


@pytest.mark.parametrize("between", [{"title": "t"}, {"citations": [{"type": "char_location", "cited_text": "c"}]}])
@pytest.mark.parametrize("entry", [*CHAT_ENTRIES, "anthropic_messages"])
def test_a_split_word_is_refused_whatever_else_its_parts_carry(
    between: dict[str, Any], entry: str, recorder: tuple[str, RecordingLLM]
) -> None:
    parts = [{"type": "text", "text": "my sp", **between}, {"type": "text", "text": "am here"}]
    _assert_refused(entry, {"messages": [{"role": "user", "content": parts}]}, recorder)


# --- entry points whose text the library cannot read ----------------------------------------------------


def test_content_filter_refuses_a_rerank_call_it_cannot_read() -> None:
    """``litellm.rerank`` carries text (query, documents) this library cannot read: the filter, which claims
    every call type, fails closed before anything is sent; narrowed to chat, it lets the call through."""
    closed_port = {"api_base": "http://127.0.0.1:9", "api_key": "k", "model": "cohere/rerank-english-v3.0"}
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, filter_responses=False)]
    with pytest.raises(InterceptorError, match=r"ContentFilter.*'rerank' request.*call_types"):
        litellm.rerank(query="spam", documents=["d"], **closed_port)
    litellm.callbacks = [ContentFilter(["spam"])]  # replies only: its reply could not be read, so no call
    with pytest.raises(InterceptorError, match=r"ContentFilter.*'rerank' reply.*not made.*call_types"):
        litellm.rerank(query="spam", documents=["d"], **closed_port)
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True, call_types=["completion"])]
    with pytest.raises(Exception, match="Connection refused") as refused:  # reached the closed port
        litellm.rerank(query="spam", documents=["d"], **closed_port)
    assert not isinstance(refused.value, InterceptorError)


# --- extra_body: merged by OpenAI-compatible providers over the body they send -------------------------------

_EXTRA_BODIES = {
    "messages": {"messages": [{"role": "user", "content": "a spam b"}]},
    "split parts": {"messages": [{"role": "user", "content": [{"type": "text", "text": t} for t in ("sp", "am")]}]},
    "provider field": {"documents": [{"text": "a spam b"}]},
    "key": {"spam": True},
}


@pytest.mark.parametrize("extra_body", _EXTRA_BODIES.values(), ids=_EXTRA_BODIES)
@pytest.mark.parametrize("entry", CHAT_ENTRIES)
def test_extra_body_text_is_refused_in_block_mode(
    entry: str, extra_body: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    _assert_refused(entry, {"messages": [{"role": "user", "content": "hi"}], "extra_body": extra_body}, recorder)


@pytest.mark.parametrize("entry", ["responses", "anthropic_messages"])
def test_extra_body_text_is_refused_on_other_formats(entry: str, recorder: tuple[str, RecordingLLM]) -> None:
    params = {"input": "hi"} if entry == "responses" else {"messages": [{"role": "user", "content": "hi"}]}
    _assert_refused(entry, {**params, "extra_body": {"input": "a spam b"}}, recorder)


def test_extra_body_text_is_masked_and_the_callers_extra_body_stays_as_given(
    recorder: tuple[str, RecordingLLM],
) -> None:
    model, llm = recorder
    extra_body = {"messages": [{"role": "user", "content": "a spam b"}]}
    before = repr(extra_body)
    litellm.callbacks = [_masking()]
    litellm.completion(model=model, messages=[{"role": "user", "content": "hi"}], extra_body=extra_body)
    assert "spam" not in llm.seen[-1]
    assert "[FILTERED]" in llm.seen[-1]
    assert repr(extra_body) == before


def test_an_extra_body_that_is_not_an_object_fails_closed(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [_masking()]
    with pytest.raises(InterceptorError):
        litellm.completion(model=model, messages=[{"role": "user", "content": "hi"}], extra_body="spam")
    assert llm.seen == []


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_a_responses_parameter_litellm_does_not_know_is_read(
    recorder: tuple[str, RecordingLLM], asynchronous: bool
) -> None:
    """LiteLLM passes it on to the provider as a request field, as it does on chat."""
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["hunter2"], filter_requests=True)]
    params: dict[str, Any] = {"model": model, "input": "hi", "foo": "my hunter2", "prompt_cache_key": "cache-1"}
    if asynchronous:
        await litellm.aresponses(**params)
    else:
        litellm.responses(**params)
    assert "hunter2" not in llm.seen[-1]
    assert '"foo": "my [FILTERED]"' in llm.seen[-1]


@pytest.mark.parametrize("call", ["text_completion", "completion", "responses"])
def test_prompt_variables_are_read(recorder: tuple[str, RecordingLLM], call: str) -> None:
    """LiteLLM fills them into a stored prompt the model reads, on a text completion only inside the call (after
    every request hook): a blocked word in one refuses the call."""
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["hunter2"], action="block", filter_requests=True, filter_responses=False)]
    texts: dict[str, dict[str, Any]] = {
        "text_completion": {"prompt": "hi"},
        "completion": {"messages": [{"role": "user", "content": "hi"}]},
        "responses": {"input": "hi"},
    }
    text = texts[call]
    with pytest.raises(InterceptorRejectedError):
        getattr(litellm, call)(model=model, **text, prompt_variables={"word": "hunter2", "more": ["a hunter2"]})
    assert llm.seen == []


# --- a key that means something on another kind of part ----------------------------------------------------

# Keys a reader takes on the parts they belong to (an image's URL, a file's data, an audio clip, a document's
# source, redacted thinking's data): on a text part, or holding another kind of value, they are sent on as given.
_BORROWED_KEYS = (
    "source", "image_url", "file", "file_data", "input_audio", "format", "data", "citations", "signature", "file_id",
    "tool_use_id", "id", "name", "type", "encrypted_content",
)  # fmt: skip


def _borrowed_key_calls() -> list[Any]:
    calls: list[Any] = []
    for key in _BORROWED_KEYS:
        shapes: tuple[tuple[str, Any], ...] = (("text", "buy spam now"), ("object", {"x": "buy spam now"}))
        if key == "citations":  # a text there fails closed; a citation's key of its own is read
            shapes = (("object", {"x": "buy spam now"}), ("list", [{"type": "char_location", "note": "buy spam"}]))
        elif key == "type":  # the part's type is the text: no text part, so no other keys to compare with
            shapes = (("text", "buy spam now"),)
        for shape, value in shapes:
            part = {"type": "text", "text": "hi", key: value}
            for entry in ("completion", "anthropic_messages"):
                calls.append(
                    pytest.param(
                        entry, {"messages": [{"role": "user", "content": [part]}]}, id=f"{entry}-{key}-{shape}"
                    )
                )
            answer = {"type": "input_text", "text": "hi", key: value}
            calls.append(
                pytest.param(
                    "responses", {"input": [{"role": "user", "content": [answer]}]}, id=f"responses-{key}-{shape}"
                )
            )
    image = {"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": "buy spam now"}}
    calls.append(pytest.param("completion", {"messages": [{"role": "user", "content": [image]}]}, id="image-detail"))
    for name, other in (
        ("source-of-unknown-type", {"type": "image", "source": {"type": "mystery", "data": "buy spam now"}}),
        ("url-source-data", {"type": "image", "source": {"type": "url", "url": "https://x/a.png", "data": "buy spam"}}),
        ("file-source-data", {"type": "document", "source": {"type": "file", "file_id": "f", "data": "buy spam"}}),
        ("text-source-content", {"type": "document", "source": {"type": "text", "data": "ok", "content": "buy spam"}}),
    ):
        turn = {"role": "user", "content": [{"type": "text", "text": "hi"}, other]}
        calls.append(pytest.param("anthropic_messages", {"messages": [turn]}, id=name))
    block = {"type": "custom_note", "data": "buy spam now"}
    calls.append(
        pytest.param(
            "anthropic_messages", {"messages": [{"role": "user", "content": [block]}]}, id="unknown-block-data"
        )
    )
    return calls


@pytest.mark.parametrize(("entry", "params"), _borrowed_key_calls())
def test_a_key_of_another_kind_of_part_is_read_where_it_means_nothing(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    _assert_refused(entry, params, recorder)


def test_the_keys_an_image_or_redacted_thinking_keeps_opaque_stay_unread(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [_blocking()]
    image = {"type": "image_url", "image_url": {"url": "https://x/spam.png", "detail": "auto"}}
    _chat("completion", model, messages=[{"role": "user", "content": [{"type": "text", "text": "hi"}, image]}])
    # An image's detail and format are settings the API checks: a filter blocking "high" or "png" leaves them.
    litellm.callbacks = [ContentFilter(["high", "png"], filter_requests=True)]
    pictures = [
        {"type": "image_url", "image_url": {"url": "https://x/a.jpg", "detail": "high", "format": "image/png"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "high"}},
    ]
    _chat("completion", model, messages=[{"role": "user", "content": pictures}])
    assert "[FILTERED]" not in llm.seen[-1]
    litellm.callbacks = [_blocking()]
    # A web search result's ciphertext (base64 the API checks), replayed in a conversation's history.
    litellm.callbacks = [ContentFilter(["spam"], whole_words=False, filter_requests=True)]
    result = {"type": "web_search_result", "url": "https://x", "title": "t", "encrypted_content": "Ab/Spam+9=="}
    search = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}}
    found = {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [result]}
    _chat("completion", model, messages=[_HI, {"role": "assistant", "content": [search, found]}, _HI])
    assert "Ab/Spam+9==" in llm.seen[-1]
    litellm.callbacks = [_blocking()]
    thinking = {"type": "redacted_thinking", "data": "spam"}
    turns = [_HI, {"role": "assistant", "content": [thinking, {"type": "text", "text": "x"}]}, _HI]
    _anthropic(model, messages=turns)
    assert len(llm.seen) == 4


# --- an id, role or name that is no string ------------------------------------------------------------------

# Keys opaque (or identifiers) when they hold a string: any other value there is sent on as given, so read.
_CALLED = {"role": "assistant", "content": None}
_THOUGHT = {"type": "thinking", "thinking": "x", "signature": "sig"}


def _call_turns(call_id: Any, answered_id: Any) -> list[dict[str, Any]]:
    call = {"id": call_id, "type": "function", "function": {"name": "f", "arguments": "{}"}}
    return [_HI, {**_CALLED, "tool_calls": [call]}, {"role": "tool", "tool_call_id": answered_id, "content": "ok"}]


def _thinking_turns(signature: Any) -> list[dict[str, Any]]:
    thought = {**_THOUGHT, "signature": signature}
    return [_HI, {"role": "assistant", "content": [thought, {"type": "text", "text": "ok"}]}, _HI]


def _unstrung_calls() -> list[Any]:
    hidden = {"x": "buy spam now"}
    chat = {
        "name-object": [{**_HI, "name": hidden}],
        "name-list": [{**_HI, "name": ["buy spam now"]}],
        "name-tuple": [{**_HI, "name": ("buy spam now",)}],
        "role-object": [{"role": hidden, "content": "hi"}],
        "reasoning-content-list": [_HI, {"role": "assistant", "content": "x", "reasoning_content": ["spam"]}, _HI],
        "tool-call-id-object": _call_turns(hidden, "c1"),
        "tool-message-id-object": _call_turns("c1", hidden),
        "thinking-block-signature-object": [
            _HI,
            {"role": "assistant", "content": "x", "thinking_blocks": [{**_THOUGHT, "signature": hidden}]},
            _HI,
        ],
    }
    calls = [pytest.param("completion", {"messages": turns}, id=f"chat-{name}") for name, turns in chat.items()]
    anthropic = {
        "role-object": [{"role": hidden, "content": "hi"}],
        "message-id-object": [{**_HI, "id": hidden}],
        "signature-object": _thinking_turns(hidden),
    }
    calls.extend(
        pytest.param("anthropic_messages", {"messages": turns}, id=f"anthropic-{name}")
        for name, turns in anthropic.items()
    )
    function_call = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}
    answered = {"type": "function_call_output", "call_id": "c1", "output": "ok"}
    responses = {
        "role-object": [{"type": "message", "role": hidden, "content": "hi"}],
        "message-id-object": [{"type": "message", "role": "user", "content": "hi", "id": hidden}],
        "call-id-object": [_HI, {**function_call, "call_id": hidden}, {**answered, "call_id": hidden}],
        "arguments-object": [_HI, {**function_call, "arguments": hidden}, answered],
        "tool-item-id-object": [_HI, {"type": "web_search_call", "id": hidden, "status": "completed"}],
    }
    calls.extend(
        pytest.param("responses", {"input": items}, id=f"responses-{name}") for name, items in responses.items()
    )
    return calls


@pytest.mark.parametrize(("entry", "params"), _unstrung_calls())
def test_an_id_role_or_name_that_is_no_string_is_read(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    _assert_refused(entry, params, recorder)


def test_ids_roles_and_signatures_given_as_strings_stay_unread(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["user", "c1", "sig"], action="block", filter_requests=True)]
    _chat("completion", model, messages=_call_turns("c1", "c1"))
    _anthropic(model, messages=_thinking_turns("sig"))
    call = {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}
    _responses(model, input=[_HI, call, {"type": "function_call_output", "call_id": "c1", "output": "ok"}])
    assert len(llm.seen) == 3


# --- settings the API defines: read only where they hold what it does not take -------------------------------

_CACHED = {"type": "ephemeral", "ttl": "1h"}
_CITED_DOCUMENT = {
    "type": "document",
    "source": {"type": "text", "media_type": "text/plain", "data": "a document"},
    "citations": {"enabled": True},
}


def test_prompt_cache_and_citation_settings_are_kept_when_masking(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["ephemeral", "1h", "enabled"], filter_requests=True)]
    text = {"type": "text", "text": "hi", "cache_control": _CACHED}
    tool = {**_TOOL, "cache_control": _CACHED}
    turn = {"role": "user", "content": [text, _CITED_DOCUMENT], "cache_control": _CACHED}
    _chat("completion", model, messages=[turn], tools=[tool])
    assert "[FILTERED]" not in llm.seen[-1]
    assert json.dumps(_CACHED) in llm.seen[-1]
    assert json.dumps({"enabled": True}) in llm.seen[-1]


def test_prompt_cache_and_citation_settings_pass_a_blocking_filter(recorder: tuple[str, RecordingLLM]) -> None:
    model, llm = recorder
    litellm.callbacks = [ContentFilter(["ephemeral", "1h", "enabled", "png"], action="block", filter_requests=True)]
    system = [{"type": "text", "text": "be brief", "cache_control": _CACHED}]
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    turn = {
        "role": "user",
        "content": [_CITED_DOCUMENT, image, {"type": "text", "text": "hi", "cache_control": _CACHED}],
    }
    tool = {"name": "f", "input_schema": {"type": "object"}, "cache_control": _CACHED}
    _anthropic(model, system=system, messages=[turn], tools=[tool])
    assert len(llm.seen) == 1


@pytest.mark.parametrize(
    "block",
    [
        {"type": "text", "text": "hi", "cache_control": {"type": "spam"}},
        {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral", "ttl": "spam"}},
        {"type": "text", "text": "hi", "cache_control": {"type": "ephemeral", "spam": "5m"}},
        {**_CITED_DOCUMENT, "citations": {"enabled": "spam"}},
        {"type": "image", "source": {"type": "base64", "media_type": "spam", "data": "AAAA"}},
        {"type": "image", "source": {"type": "base64", "media_type": {"m": "spam"}, "data": "AAAA"}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": ["spam"]}},
    ],
    ids=["cache-type", "cache-ttl", "cache-key", "citations-enabled", "media-type", "media-type-object", "data"],
)
@pytest.mark.parametrize("entry", ["completion", "anthropic_messages"])
def test_a_setting_the_api_does_not_take_is_read(
    entry: str, block: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    _assert_refused(entry, {"messages": [{"role": "user", "content": [block]}]}, recorder)


@pytest.mark.parametrize(
    ("entry", "params"),
    [
        pytest.param(
            "anthropic_messages",
            {"messages": [{"role": "user", "content": [{"type": ["text"], "text": "hi"}]}]},
            id="anthropic-block",
        ),
        pytest.param("responses", {"input": [{"type": {"t": "message"}, "role": "user", "content": "hi"}]}, id="item"),
    ],
)
def test_a_type_that_is_no_string_fails_closed_naming_it(
    entry: str, params: dict[str, Any], recorder: tuple[str, RecordingLLM]
) -> None:
    model, llm = recorder
    litellm.callbacks = [_masking()]
    with pytest.raises(InterceptorError, match="its 'type' is"):
        _call(entry, model, params)
    assert llm.seen == []


def test_an_image_detail_that_is_no_string_is_read(recorder: tuple[str, RecordingLLM]) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": {"d": "buy spam now"}}}
    _assert_refused("completion", {"messages": [{"role": "user", "content": [image]}]}, recorder)
