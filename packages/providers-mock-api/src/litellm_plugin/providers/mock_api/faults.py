"""Fault injection: what the mock server does wrong on purpose, and how often.

A fault is written as ``key=value`` pairs separated by ``;``, e.g.
``status=429;retry_after=1;times=2;key=t1``. It comes from the ``X-Mock-Fault`` request header (one request)
or from the server settings / ``--fault`` (every request that carries no header; send ``X-Mock-Fault: none``
to opt out).

Keys (all optional):

=================  ====================================================================================
``status``         answer with this HTTP status (400-599) in OpenAI's error shape instead of a reply
``retry_after``    seconds for the ``Retry-After`` header (with ``status``; 429 defaults to 1)
``message``        error message (with ``status``)
``latency``        seconds to wait before answering
``first_byte``     seconds to wait after the headers are sent, before the first body byte
``chunk_delay``    seconds between stream chunks
``malformed``      flag: the body (or the first stream event) is not valid JSON
``drop_after``     close the connection after this many stream chunks (non-stream: halfway through
                   the body); ``drop`` alone means ``drop_after=1``
``times``          the fault fires on the first N requests with the same ``key``, then the server behaves
``key``            counter name for ``times`` (defaults to the fault text itself)
=================  ====================================================================================
"""

from __future__ import annotations

import threading

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["FAULT_HEADER", "FaultCounter", "FaultSpec", "parse_fault"]

FAULT_HEADER = "X-Mock-Fault"

_FLAGS = {"malformed": ("malformed", True), "drop": ("drop_after", 1)}


class FaultSpec(BaseModel):
    """One parsed fault; see the module docstring for the meaning of each field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: int | None = Field(default=None, ge=400, le=599)
    retry_after: float | None = Field(default=None, ge=0)
    message: str | None = None
    latency: float = Field(default=0.0, ge=0, le=600)
    first_byte: float = Field(default=0.0, ge=0, le=600)
    chunk_delay: float = Field(default=0.0, ge=0, le=60)
    malformed: bool = False
    drop_after: int | None = Field(default=None, ge=0)
    times: int | None = Field(default=None, ge=0)
    key: str | None = None

    def counter_key(self) -> str:
        return self.key if self.key is not None else self.model_dump_json(exclude_defaults=True)

    def retry_after_header(self) -> str | None:
        """The ``Retry-After`` value to send with an error status, if any."""
        seconds = self.retry_after if self.retry_after is not None else (1.0 if self.status == 429 else None)
        if seconds is None:
            return None
        return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


def parse_fault(text: str) -> FaultSpec | None:
    """Parse ``"status=429;retry_after=1"`` into a :class:`FaultSpec`; ``""`` and ``"none"`` give ``None``.

    Raises ``ValueError`` naming the offending key when the text is not a valid fault.
    """
    text = text.strip()
    if not text or text.lower() == "none":
        return None
    fields: dict[str, object] = {}
    for raw_part in text.split(";"):
        part = raw_part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if not sep:
            if name not in _FLAGS:
                raise ValueError(f"unknown fault flag {name!r} (flags: {', '.join(sorted(_FLAGS))})")
            field, flag_value = _FLAGS[name]
            fields[field] = flag_value
            continue
        fields[name] = value.strip()
    try:
        return FaultSpec.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(item) for item in error["loc"]) or "fault"
        raise ValueError(f"invalid fault {where!r}: {error['msg']}") from None


class FaultCounter:
    """Counts how often each fault with ``times=N`` fired. Thread-safe: one app may serve several loops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fired: dict[str, int] = {}

    def should_fire(self, fault: FaultSpec) -> bool:
        if fault.times is None:
            return True
        key = fault.counter_key()
        with self._lock:
            fired = self._fired.get(key, 0)
            if fired >= fault.times:
                return False
            self._fired[key] = fired + 1
            return True

    def reset(self) -> None:
        with self._lock:
            self._fired.clear()
