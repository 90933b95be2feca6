"""Response bodies of the mock API (OpenAI shapes) and how faults bend their delivery."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Sequence

from fastapi.responses import Response, StreamingResponse

from .faults import FaultSpec
from .replies import Reply, split_for_stream

__all__ = [
    "SYSTEM_FINGERPRINT",
    "SimulatedDisconnect",
    "chat_completion",
    "chat_completion_events",
    "deliver_json",
    "error_body",
]

SYSTEM_FINGERPRINT = "fp_mock_api"
_JSON = "application/json"


class SimulatedDisconnect(ConnectionError):
    """Raised inside a response body to make the server drop the connection (the ``drop_after`` fault)."""


def _dumps(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def error_body(message: str, error_type: str, param: str | None = None, code: str | None = None) -> bytes:
    return _dumps({"error": {"message": message, "type": error_type, "param": param, "code": code}})


def _usage(prompt_tokens: int, replies: Sequence[Reply]) -> dict[str, int]:
    completion = sum(reply.completion_tokens for reply in replies)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt_tokens + completion,
    }


def chat_completion(model: str, replies: Sequence[Reply], prompt_tokens: int) -> dict[str, object]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [
            {
                "index": index,
                "message": {"role": "assistant", "content": reply.text, "refusal": None},
                "logprobs": None,
                "finish_reason": reply.finish_reason,
            }
            for index, reply in enumerate(replies)
        ],
        "usage": _usage(prompt_tokens, replies),
    }


def _malformed(payload: bytes) -> bytes:
    """A body that starts like the real one but is cut before it becomes valid JSON."""
    return payload[: max(1, len(payload) // 2)]


async def _slow_body(body: bytes, fault: FaultSpec) -> AsyncIterator[bytes]:
    if fault.first_byte:
        await asyncio.sleep(fault.first_byte)
    if fault.drop_after is not None:
        yield body[: len(body) // 2]
        raise SimulatedDisconnect("mock fault: connection dropped")
    yield body


def deliver_json(payload: object, fault: FaultSpec | None, status_code: int = 200) -> Response:
    """A JSON response, or the same body delivered late, malformed or cut off as the fault asks."""
    body = _dumps(payload)
    if fault is None:
        return Response(body, status_code=status_code, media_type=_JSON)
    if fault.malformed:
        body = _malformed(body)
    if fault.first_byte or fault.drop_after is not None:
        return StreamingResponse(_slow_body(body, fault), status_code=status_code, media_type=_JSON)
    return Response(body, status_code=status_code, media_type=_JSON)


def _event(payload: object) -> bytes:
    return b"data: " + _dumps(payload) + b"\n\n"


async def chat_completion_events(
    model: str,
    replies: Sequence[Reply],
    prompt_tokens: int,
    include_usage: bool,
    fault: FaultSpec | None,
) -> AsyncIterator[bytes]:
    """Server-sent events in OpenAI's chunk format, ending with ``data: [DONE]``.

    One role chunk, one chunk per word and one finish chunk per choice; with ``include_usage`` every chunk
    carries ``"usage": null`` and a last chunk with no choices carries the usage.
    """
    fault = fault or FaultSpec()
    head: dict[str, object] = {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }
    if include_usage:
        head["usage"] = None

    def chunk(index: int, delta: dict[str, object], finish_reason: str | None = None) -> bytes:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return _event({**head, "choices": [choice]})

    if fault.first_byte:
        await asyncio.sleep(fault.first_byte)
    if fault.malformed:
        yield _malformed(chunk(0, {"role": "assistant", "content": ""})).rstrip(b"\n") + b"\n\n"
    sent = 0
    for index, reply in enumerate(replies):
        pieces = [chunk(index, {"role": "assistant", "content": ""})]
        pieces += [chunk(index, {"content": piece}) for piece in split_for_stream(reply.text)]
        pieces.append(chunk(index, {}, reply.finish_reason))
        for piece in pieces:
            if fault.drop_after is not None and sent >= fault.drop_after:
                raise SimulatedDisconnect("mock fault: connection dropped mid-stream")
            if sent and fault.chunk_delay:
                await asyncio.sleep(fault.chunk_delay)
            yield piece
            sent += 1
    if include_usage:
        yield _event({**head, "choices": [], "usage": _usage(prompt_tokens, replies)})
    yield b"data: [DONE]\n\n"
