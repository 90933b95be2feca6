"""``POST /v1/messages``: Anthropic's Messages API (content blocks, ``tool_use``, SSE, Anthropic's errors).

Auth is Anthropic's ``x-api-key`` header (a Bearer token works too) plus a required ``anthropic-version``.
Tool choice maps to the shared rule (``answers.py``): ``auto`` → auto, ``any`` → required, ``tool`` → that tool,
``none`` → none; ``disable_parallel_tool_use`` → one call. The stream is Anthropic's sequence:
``message_start``, ``ping``, per block ``content_block_start`` / ``content_block_delta``... /
``content_block_stop``, then ``message_delta`` (stop reason, output tokens) and ``message_stop``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from .answers import answer
from .api_errors import MockAPIError
from .conversation import Answer, Prompt, Tool, Turn
from .deps import Fault, State, off_loop, require_anthropic_key, scripted
from .messages_models import CountTokensRequest, MessagesRequest, TextBlock, ToolResultBlock, ToolUseBlock
from .payloads import deliver_events, deliver_json, sse
from .replies import split_for_stream
from .schemas import SchemaError, check_tool_schema
from .tokens import count_tokens

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(require_anthropic_key)])

_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
_CHOICES = {"auto": "auto", "any": "required", "none": "none"}


def _check(body: MessagesRequest) -> None:
    if body.messages[0].role != "user":
        raise MockAPIError(400, 'messages: the first message must use the "user" role')
    names = [tool.name for tool in body.tools or ()]
    if len(set(names)) != len(names):
        raise MockAPIError(400, "tools: Tool names must be unique.")
    if body.tool_choice is not None and body.tool_choice.type == "tool" and body.tool_choice.name not in names:
        raise MockAPIError(400, f"tool_choice: Tool '{body.tool_choice.name}' not found in tools")
    for i, tool in enumerate(body.tools or ()):
        try:
            check_tool_schema(tool.input_schema)
        except SchemaError as exc:
            raise MockAPIError(400, f"tools.{i}.input_schema: {exc}") from None
    used: set[str] = set()
    for i, message in enumerate(body.messages):
        for block in message.blocks():
            if isinstance(block, ToolUseBlock):
                used.add(block.id)
            if isinstance(block, ToolResultBlock) and block.tool_use_id not in used:
                raise MockAPIError(
                    400,
                    f"messages.{i}.content: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block.tool_use_id}. Each `tool_result` block must have a corresponding `tool_use` block "
                    "in the previous message.",
                )


def to_prompt(body: MessagesRequest) -> Prompt:
    turns: list[Turn] = [Turn("system", body.system_text())] if body.system else []
    for message in body.messages:
        texts = [block.text for block in message.blocks() if isinstance(block, TextBlock)]
        results = [block.text() for block in message.blocks() if isinstance(block, ToolResultBlock)]
        calls = sum(1 for block in message.blocks() if isinstance(block, ToolUseBlock))
        if results:
            turns.extend(Turn("tool", text) for text in results)
            if texts:
                turns.append(Turn("user", " ".join(texts)))
        else:
            turns.append(Turn(message.role, " ".join(texts), calls))
    choice = body.tool_choice
    tool_choice = "auto" if choice is None else (choice.name or "") if choice.type == "tool" else _CHOICES[choice.type]
    return Prompt(
        model=body.model,
        turns=tuple(turns),
        tools=tuple(Tool(t.name, t.input_schema, t.description or "") for t in body.tools or ()),
        tool_choice=tool_choice,
        parallel_tool_calls=not (choice is not None and choice.disable_parallel_tool_use),
        max_tokens=body.max_tokens,
        stop=tuple(body.stop_sequences or ()),
    )


def _content(reply: Answer) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text or not reply.tool_calls else []
    blocks += [
        {"type": "tool_use", "id": f"toolu_{call.key}", "name": call.name, "input": call.arguments_object()}
        for call in reply.tool_calls
    ]
    return blocks


def _input_tokens(prompt: Prompt) -> int:
    return sum(count_tokens(turn.text) + 3 for turn in prompt.turns) + sum(t.definition_tokens() for t in prompt.tools)


def _message(body: MessagesRequest, prompt: Prompt, reply: Answer, message_id: str) -> dict[str, Any]:
    stop_reason = "stop_sequence" if reply.stop_sequence is not None else _STOP_REASONS[reply.finish_reason]
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": body.model,
        "content": _content(reply),
        "stop_reason": stop_reason,
        "stop_sequence": reply.stop_sequence,
        "usage": {
            "input_tokens": _input_tokens(prompt),
            "output_tokens": reply.completion_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def _events(message: dict[str, Any]) -> list[bytes]:
    events: list[bytes] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append(sse({"type": kind, **fields}, event=kind))

    usage = message["usage"]
    emit(
        "message_start",
        message={
            **message,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {**usage, "output_tokens": 1},
        },
    )
    emit("ping")
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            emit("content_block_start", index=index, content_block={**block, "input": {}})
            arguments = json.dumps(block["input"], ensure_ascii=False)
            for piece in split_for_stream(arguments):
                emit("content_block_delta", index=index, delta={"type": "input_json_delta", "partial_json": piece})
        else:
            emit("content_block_start", index=index, content_block={"type": "text", "text": ""})
            for piece in split_for_stream(block["text"]):
                emit("content_block_delta", index=index, delta={"type": "text_delta", "text": piece})
        emit("content_block_stop", index=index)
    emit(
        "message_delta",
        delta={"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"]},
        usage={"output_tokens": usage["output_tokens"]},
    )
    emit("message_stop")
    return events


def _check_model(models: tuple[str, ...], model: str) -> None:
    """Anthropic's 404 for a model the server does not list (its message is ``model: <name>``)."""
    if model not in models:
        raise MockAPIError(404, f"model: {model}")


@router.post("/v1/messages/count_tokens")
async def count_message_tokens(body: CountTokensRequest, state: State, fault: Fault) -> Response:
    """Anthropic's token count for a request (the same count ``usage.input_tokens`` reports)."""
    _check_model(state.models, body.model)
    request = MessagesRequest.model_validate({**body.model_dump(exclude_none=True), "max_tokens": 1})
    prompt = to_prompt(request)
    return deliver_json({"input_tokens": _input_tokens(prompt)}, fault)


@router.post("/v1/messages")
async def create_message(body: MessagesRequest, state: State, fault: Fault) -> Response:
    _check_model(state.models, body.model)
    _check(body)
    prompt = to_prompt(body)
    rule, fault = await scripted(state, prompt, fault)
    message_id = f"msg_{uuid.uuid4().hex[:24]}"

    def build() -> dict[str, Any] | list[bytes]:
        try:
            reply = answer(prompt, 0, rule)
        except SchemaError as exc:
            raise MockAPIError(400, f"tools: {exc}") from None
        message = _message(body, prompt, reply, message_id)
        return _events(message) if body.stream else message

    result = await off_loop(build)
    if isinstance(result, list):
        return deliver_events(result, fault)
    return deliver_json(result, fault)
