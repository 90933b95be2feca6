"""Delivering response bodies and server-sent event streams, bent as a fault asks (every endpoint)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence

from fastapi.responses import Response, StreamingResponse

from .faults import FaultSpec

__all__ = ["SYSTEM_FINGERPRINT", "SimulatedDisconnect", "deliver_events", "deliver_json", "dumps", "sse"]

SYSTEM_FINGERPRINT = "fp_mock_api"
_JSON = "application/json"


class SimulatedDisconnect(ConnectionError):
    """Raised inside a response body to make the server drop the connection (the ``drop_after`` fault)."""


def dumps(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def sse(payload: object, event: str | None = None) -> bytes:
    """One server-sent event (``event:`` line only when named, as the Responses and Anthropic APIs do)."""
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + dumps(payload) + b"\n\n"


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
    body = dumps(payload)
    if fault is None:
        return Response(body, status_code=status_code, media_type=_JSON)
    if fault.malformed:
        body = _malformed(body)
    if fault.first_byte or fault.drop_after is not None:
        return StreamingResponse(_slow_body(body, fault), status_code=status_code, media_type=_JSON)
    return Response(body, status_code=status_code, media_type=_JSON)


async def _events(events: Sequence[bytes], fault: FaultSpec) -> AsyncIterator[bytes]:
    if fault.first_byte:
        await asyncio.sleep(fault.first_byte)
    for sent, event in enumerate(events):
        if fault.drop_after is not None and sent >= fault.drop_after:
            raise SimulatedDisconnect("mock fault: connection dropped mid-stream")
        if sent and fault.chunk_delay:
            await asyncio.sleep(fault.chunk_delay)
        if sent == 0 and fault.malformed:
            data_at = event.find(b"data: ")
            cut = max(data_at + 7, data_at + (len(event) - data_at) // 2)
            yield event[:cut].rstrip(b"\n") + b"\n\n"
        yield event


def deliver_events(events: Sequence[bytes], fault: FaultSpec | None) -> StreamingResponse:
    """A ``text/event-stream`` of prepared events, delayed, malformed or cut off as the fault asks.

    ``malformed`` sends a cut copy of the first event before it; ``drop_after=N`` closes after N events.
    """
    return StreamingResponse(
        _events(events, fault or FaultSpec()),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )
