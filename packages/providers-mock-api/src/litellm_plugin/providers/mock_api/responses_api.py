"""``POST /v1/responses``: OpenAI's Responses API (text, function tools, structured output, streams).

The stream is OpenAI's event sequence: ``response.created``, ``response.in_progress``, then per output item
``response.output_item.added``, its content events (``response.content_part.added``,
``response.output_text.delta``..., ``response.output_text.done``, ``response.content_part.done`` for a
message; ``response.function_call_arguments.delta``..., ``.done`` for a function call),
``response.output_item.done``; last ``response.completed``. Each event has ``event:`` and ``data:`` lines and
a ``sequence_number``. ``previous_response_id`` is refused with a 400: the mock keeps no state.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from .answers import answer
from .api_errors import MockAPIError
from .conversation import Answer, OutputFormat, Prompt, Tool, Turn
from .deps import Fault, State, check_model, check_schema_or_400, off_loop, require_api_key, scripted
from .payloads import deliver_events, deliver_json, sse
from .replies import split_for_stream
from .responses_models import (
    FunctionCallItem,
    FunctionCallOutputItem,
    FunctionToolChoice,
    InputMessage,
    ResponsesRequest,
)
from .schemas import SchemaError
from .tokens import count_tokens

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(require_api_key)])


def _check(body: ResponsesRequest) -> None:
    if body.previous_response_id is not None:
        raise MockAPIError(
            400,
            "The mock API keeps no conversation state: 'previous_response_id' is not supported; send the whole "
            "conversation in 'input'.",
            param="previous_response_id",
        )
    names = [tool.name for tool in body.tools or ()]
    if isinstance(body.tool_choice, FunctionToolChoice) and body.tool_choice.name not in names:
        raise MockAPIError(
            400, f"Tool choice '{body.tool_choice.name}' not found in 'tools' parameter.", param="tool_choice"
        )
    for i, tool in enumerate(body.tools or ()):
        if tool.parameters is not None:
            check_schema_or_400(tool.parameters, f"tools[{i}].parameters", "tools", tool=True)
    called: set[str] = set()
    for item in body.input if isinstance(body.input, list) else ():
        if isinstance(item, FunctionCallItem):
            called.add(item.call_id)
        elif isinstance(item, FunctionCallOutputItem) and item.call_id not in called:
            raise MockAPIError(
                400, f"No tool call found for function call output with call_id {item.call_id}.", param="input"
            )
    fmt = body.text.format if body.text is not None else None
    if fmt is not None and fmt.type == "json_schema" and fmt.schema_ is not None:
        check_schema_or_400(fmt.schema_, "text.format.schema", "text.format.schema")
    if fmt is not None and fmt.type == "json_object":
        texts = [body.instructions or "", body.input if isinstance(body.input, str) else ""]
        texts += (
            [item.text() for item in body.input if isinstance(item, InputMessage)]
            if isinstance(body.input, list)
            else []
        )
        if not any("json" in text.lower() for text in texts):
            raise MockAPIError(
                400,
                "Response input messages must contain the word 'json' in some form to use 'text.format' of "
                "type 'json_object'.",
                param="input",
            )


def to_prompt(body: ResponsesRequest) -> Prompt:
    turns: list[Turn] = [Turn("system", body.instructions)] if body.instructions else []
    if isinstance(body.input, str):
        turns.append(Turn("user", body.input))
    else:
        for item in body.input:
            if isinstance(item, InputMessage):
                turns.append(Turn("system" if item.role == "developer" else item.role, item.text()))
            elif isinstance(item, FunctionCallItem):
                if turns and turns[-1].role == "assistant" and turns[-1].tool_calls:
                    turns[-1] = Turn("assistant", "", turns[-1].tool_calls + 1)
                else:
                    turns.append(Turn("assistant", "", 1))
            elif isinstance(item, FunctionCallOutputItem):
                turns.append(Turn("tool", item.text()))
    tools = tuple(
        Tool(t.name, t.parameters or {"type": "object", "properties": {}}, t.description or "", bool(t.strict))
        for t in body.tools or ()
    )
    fmt = body.text.format if body.text is not None else None
    output = OutputFormat()
    if fmt is not None and fmt.type == "json_object":
        output = OutputFormat("json_object")
    elif fmt is not None and fmt.type == "json_schema" and fmt.schema_ is not None:
        output = OutputFormat("json_schema", fmt.schema_, bool(fmt.strict), fmt.name or "response")
    choice = body.tool_choice
    return Prompt(
        model=body.model,
        turns=tuple(turns),
        tools=tools,
        tool_choice=choice.name if isinstance(choice, FunctionToolChoice) else (choice or "auto"),
        parallel_tool_calls=body.parallel_tool_calls is not False,
        output=output,
        max_tokens=body.max_output_tokens,
    )


def _output(reply: Answer, key: str) -> list[dict[str, Any]]:
    if reply.tool_calls:
        return [
            {
                "type": "function_call",
                "id": f"fc_{call.key}",
                "call_id": f"call_{call.key}",
                "name": call.name,
                "arguments": call.arguments,
                "status": "completed",
            }
            for call in reply.tool_calls
        ]
    text = {"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}
    return [{"type": "message", "id": f"msg_{key}", "status": "completed", "role": "assistant", "content": [text]}]


def _response(body: ResponsesRequest, prompt: Prompt, reply: Answer | None, response_id: str) -> dict[str, Any]:
    """The response object; ``reply=None`` gives the in-progress shell the stream starts with."""
    input_tokens = sum(count_tokens(turn.text) + 4 for turn in prompt.turns)
    input_tokens += sum(tool.definition_tokens() for tool in prompt.tools)
    incomplete = reply is not None and reply.finish_reason == "length"
    fmt = body.text.format if body.text is not None and body.text.format is not None else None
    choice = body.tool_choice
    return {
        "id": response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress" if reply is None else ("incomplete" if incomplete else "completed"),
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "instructions": body.instructions,
        "max_output_tokens": body.max_output_tokens,
        "model": body.model,
        "output": [] if reply is None else _output(reply, response_id.removeprefix("resp_")),
        "parallel_tool_calls": body.parallel_tool_calls is not False,
        "previous_response_id": None,
        "temperature": body.temperature if body.temperature is not None else 1.0,
        "text": {"format": fmt.model_dump(by_alias=True, exclude_none=True) if fmt else {"type": "text"}},
        "tool_choice": choice.model_dump() if isinstance(choice, FunctionToolChoice) else (choice or "auto"),
        "tools": [
            {**tool.model_dump(exclude_none=True), "strict": bool(tool.strict), "parameters": tool.parameters or {}}
            for tool in body.tools or ()
        ],
        "top_p": body.top_p if body.top_p is not None else 1.0,
        "truncation": "disabled",
        "metadata": body.metadata or {},
        "usage": None
        if reply is None
        else {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": reply.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + reply.completion_tokens,
        },
    }


def _events(body: ResponsesRequest, prompt: Prompt, reply: Answer, response_id: str) -> list[bytes]:
    events: list[bytes] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append(sse({"type": kind, "sequence_number": len(events), **fields}, event=kind))

    shell = _response(body, prompt, None, response_id)
    emit("response.created", response=shell)
    emit("response.in_progress", response=shell)
    final = _response(body, prompt, reply, response_id)
    for index, item in enumerate(final["output"]):
        if item["type"] == "function_call":
            emit(
                "response.output_item.added",
                output_index=index,
                item={**item, "arguments": "", "status": "in_progress"},
            )
            for piece in split_for_stream(item["arguments"]) or [""]:
                emit("response.function_call_arguments.delta", item_id=item["id"], output_index=index, delta=piece)
            emit(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=index,
                name=item["name"],
                arguments=item["arguments"],
            )
        else:
            emit(
                "response.output_item.added", output_index=index, item={**item, "content": [], "status": "in_progress"}
            )
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            part = item["content"][0]
            emit("response.content_part.added", **where, part={**part, "text": ""})
            for piece in split_for_stream(part["text"]):
                emit("response.output_text.delta", **where, delta=piece, logprobs=[])
            emit("response.output_text.done", **where, text=part["text"], logprobs=[])
            emit("response.content_part.done", **where, part=part)
        emit("response.output_item.done", output_index=index, item=item)
    emit("response.incomplete" if final["status"] == "incomplete" else "response.completed", response=final)
    return events


@router.post("/v1/responses")
async def create_response(body: ResponsesRequest, state: State, fault: Fault) -> Response:
    check_model(state.models, body.model)
    _check(body)
    prompt = to_prompt(body)
    rule, fault = await scripted(state, prompt, fault)
    response_id = f"resp_{uuid.uuid4().hex}"

    def build() -> dict[str, Any] | list[bytes]:
        try:
            reply = answer(prompt, 0, rule)
        except SchemaError as exc:
            raise MockAPIError(400, f"Invalid schema: {exc}", param="tools" if prompt.tools else "text") from None
        if body.stream:
            return _events(body, prompt, reply, response_id)
        return _response(body, prompt, reply, response_id)

    result = await off_loop(build)
    if isinstance(result, list):
        return deliver_events(result, fault)
    return deliver_json(result, fault)
