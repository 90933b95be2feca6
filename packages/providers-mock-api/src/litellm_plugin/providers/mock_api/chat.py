"""``POST /v1/chat/completions``: OpenAI's chat API with tools, structured output, logprobs and streams.

The request is checked completely (types in ``models.py``, the rules that span fields here) before any byte
of the answer is sent, so an invalid ``stream: true`` request is a plain 400, never a 200 stream with an
error event. The answers are computed on a worker thread (``deps.off_loop``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from .answers import answer
from .api_errors import MockAPIError
from .conversation import Answer, OutputFormat, Prompt, Tool, Turn
from .deps import Fault, State, check_model, check_schema_or_400, off_loop, require_api_key, scripted
from .logprobs import group_by_character, token_logprobs
from .models import ChatCompletionRequest, NamedToolChoice
from .payloads import SYSTEM_FINGERPRINT, deliver_events, deliver_json, sse
from .replies import split_for_stream
from .schemas import SchemaError
from .tokens import count_messages

__all__ = ["router", "to_prompt"]

router = APIRouter(dependencies=[Depends(require_api_key)])


def _check(body: ChatCompletionRequest) -> None:
    """OpenAI's rules that span fields, in OpenAI's words."""
    if body.stream_options is not None and not body.stream:
        raise MockAPIError(
            400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param="stream_options"
        )
    if body.top_logprobs is not None and not body.logprobs:
        raise MockAPIError(400, "'top_logprobs' requires 'logprobs' to be true.", param="top_logprobs")
    if body.tool_choice is not None and not body.tools:
        raise MockAPIError(
            400,
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
            param="tool_choice",
        )
    if body.parallel_tool_calls is not None and not body.tools:
        raise MockAPIError(
            400,
            "Invalid value for 'parallel_tool_calls': only allowed when 'tools' are specified.",
            param="parallel_tool_calls",
        )
    names = [tool.function.name for tool in body.tools or ()]
    if len(set(names)) != len(names):
        raise MockAPIError(400, "Invalid 'tools': function names must be unique.", param="tools")
    if isinstance(body.tool_choice, NamedToolChoice) and body.tool_choice.function.name not in names:
        raise MockAPIError(
            400,
            f"Invalid value for 'tool_choice': no function named '{body.tool_choice.function.name}' "
            "was specified in the 'tools' parameter.",
            param="tool_choice",
        )
    for i, tool in enumerate(body.tools or ()):
        if tool.function.parameters is not None:
            check_schema_or_400(tool.function.parameters, f"tools[{i}].function.parameters", "tools", tool=True)
    fmt = body.response_format
    if fmt is not None and fmt.type == "json_schema" and fmt.json_schema.schema_ is not None:
        check_schema_or_400(fmt.json_schema.schema_, "response_format.json_schema.schema", "response_format")
    if fmt is not None and fmt.type == "json_object" and not any("json" in m.text().lower() for m in body.messages):
        raise MockAPIError(
            400,
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
            param="messages",
        )
    called: set[str] = set()
    for i, message in enumerate(body.messages):
        called.update(call.id for call in message.tool_calls or ())
        if message.role == "tool" and message.tool_call_id not in called:
            raise MockAPIError(
                400,
                f"Invalid parameter: messages[{i}] with role 'tool' must be a response to a preceding "
                "message with 'tool_calls' (no tool call has that tool_call_id).",
                param=f"messages.[{i}].role",
            )


def to_prompt(body: ChatCompletionRequest) -> Prompt:
    """The API-neutral prompt of a chat request."""
    turns = tuple(
        Turn("system" if m.role == "developer" else m.role, m.text(), len(m.tool_calls or ())) for m in body.messages
    )
    tools = tuple(
        Tool(
            t.function.name,
            t.function.parameters if t.function.parameters is not None else {"type": "object", "properties": {}},
            t.function.description or "",
            bool(t.function.strict),
        )
        for t in body.tools or ()
    )
    choice = body.tool_choice
    output = OutputFormat()
    fmt = body.response_format
    if fmt is not None and fmt.type == "json_object":
        output = OutputFormat("json_object")
    elif fmt is not None and fmt.type == "json_schema":
        spec = fmt.json_schema
        schema = spec.schema_ if spec.schema_ is not None else {"type": "object"}
        output = OutputFormat("json_schema", schema, bool(spec.strict), spec.name)
    return Prompt(
        model=body.model,
        turns=turns,
        tools=tools,
        tool_choice=choice.function.name if isinstance(choice, NamedToolChoice) else (choice or "auto"),
        parallel_tool_calls=body.parallel_tool_calls is not False,
        output=output,
        seed=body.seed,
        max_tokens=body.token_limit(),
        stop=body.stop_sequences(),
    )


def _tool_calls(reply: Answer) -> list[dict[str, Any]] | None:
    if not reply.tool_calls:
        return None
    return [
        {"id": f"call_{call.key}", "type": "function", "function": {"name": call.name, "arguments": call.arguments}}
        for call in reply.tool_calls
    ]


def _logprobs(body: ChatCompletionRequest, prompt: Prompt, index: int, reply: Answer) -> dict[str, Any] | None:
    if not body.logprobs:
        return None
    if reply.tool_calls:
        return {"content": None, "refusal": None}
    entries = token_logprobs(reply.text, f"{prompt.digest}/{index}", body.top_logprobs or 0)
    return {"content": entries, "refusal": None}


def _usage(prompt_tokens: int, replies: Sequence[Answer]) -> dict[str, Any]:
    completion = sum(reply.completion_tokens for reply in replies)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _prompt_tokens(body: ChatCompletionRequest) -> int:
    messages = [{"role": m.role, "content": m.text(), **({"name": m.name} if m.name else {})} for m in body.messages]
    tools = [tool.model_dump(exclude_none=True, by_alias=True) for tool in body.tools or ()]
    return count_messages(messages, tools)


def completion(body: ChatCompletionRequest, prompt: Prompt, replies: Sequence[Answer]) -> dict[str, Any]:
    choices = []
    for index, reply in enumerate(replies):
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None if reply.tool_calls else reply.text,
            "refusal": None,
            "annotations": [],
        }
        calls = _tool_calls(reply)
        if calls is not None:
            message["tool_calls"] = calls
        choices.append(
            {
                "index": index,
                "message": message,
                "logprobs": _logprobs(body, prompt, index, reply),
                "finish_reason": reply.finish_reason,
            }
        )
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "service_tier": "default",
        "choices": choices,
        "usage": _usage(_prompt_tokens(body), replies),
    }


def completion_events(body: ChatCompletionRequest, prompt: Prompt, replies: Sequence[Answer]) -> list[bytes]:
    """OpenAI's chunk events: per choice a role chunk, content (or tool-call) deltas and a finish chunk;
    then, with ``stream_options.include_usage``, a usage chunk with no choices; then ``[DONE]``."""
    include_usage = body.include_usage_in_stream()
    head: dict[str, Any] = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }
    if include_usage:
        head["usage"] = None

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None, logprobs: Any = None) -> bytes:
        return sse(
            {**head, "choices": [{"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}]}
        )

    events: list[bytes] = []
    for index, reply in enumerate(replies):
        events.append(chunk(index, {"role": "assistant", "content": None if reply.tool_calls else "", "refusal": None}))
        for position, call in enumerate(reply.tool_calls):
            name = {"name": call.name, "arguments": ""}
            start = {"index": position, "id": f"call_{call.key}", "type": "function", "function": name}
            events.append(chunk(index, {"tool_calls": [start]}))
            for piece in split_for_stream(call.arguments) if call.arguments.strip() else [call.arguments]:
                events.append(chunk(index, {"tool_calls": [{"index": position, "function": {"arguments": piece}}]}))
        if body.logprobs and not reply.tool_calls:
            entries = token_logprobs(reply.text, f"{prompt.digest}/{index}", body.top_logprobs or 0)
            for text, group in group_by_character(entries):
                events.append(chunk(index, {"content": text}, logprobs={"content": group, "refusal": None}))
        elif not reply.tool_calls:
            events.extend(chunk(index, {"content": piece}) for piece in split_for_stream(reply.text))
        events.append(chunk(index, {}, reply.finish_reason))
    if include_usage:
        events.append(sse({**head, "choices": [], "usage": _usage(_prompt_tokens(body), replies)}))
    events.append(b"data: [DONE]\n\n")
    return events


@router.post("/v1/chat/completions")
async def chat_completions(body: ChatCompletionRequest, state: State, fault: Fault) -> Response:
    check_model(state.models, body.model)
    _check(body)
    prompt = to_prompt(body)
    rule, fault = await scripted(state, prompt, fault)

    def build() -> dict[str, Any] | list[bytes]:
        try:
            replies = [answer(prompt, index, rule) for index in range(body.n or 1)]
        except SchemaError as exc:
            raise MockAPIError(
                400, f"Invalid schema: {exc}", param="tools" if prompt.tools else "response_format"
            ) from None
        if body.stream:
            return completion_events(body, prompt, replies)
        return completion(body, prompt, replies)

    result = await off_loop(build)
    if isinstance(result, list):
        return deliver_events(result, fault)
    return deliver_json(result, fault)
