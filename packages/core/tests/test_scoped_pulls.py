"""A Router deployment's stream is marked so that its pulls run inside the call: any Python stream class whose
instances can take a subclass; every other stream is left exactly as it was (never a failed call)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import Any

from litellm_plugin.core._scoped_pulls import scope_pulls

scope: ContextVar[object | None] = ContextVar("scope", default=None)


class SyncChunks:
    def __iter__(self) -> SyncChunks:
        return self

    def __next__(self) -> object:
        return scope.get()


class AsyncChunks:
    def __aiter__(self) -> AsyncChunks:
        return self

    async def __anext__(self) -> object:
        return scope.get()


class RefusesSubclasses(SyncChunks):
    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise RuntimeError("no subclasses")


class Slotted:
    __slots__ = ("position",)

    def __next__(self) -> object:
        return scope.get()


async def _generated() -> AsyncIterator[int]:
    yield 1


def test_a_sync_stream_is_pulled_inside_the_call_and_keeps_its_type() -> None:
    stream = SyncChunks()
    assert scope_pulls(stream, scope, "inside") is True
    assert next(stream) == "inside"
    assert scope.get() is None
    assert isinstance(stream, SyncChunks)
    assert type(stream).__name__ == "SyncChunks"


async def test_an_async_stream_gains_no_sync_protocol() -> None:
    stream = AsyncChunks()
    assert scope_pulls(stream, scope, "inside") is True
    assert await stream.__anext__() == "inside"
    assert not hasattr(type(stream), "__next__")


def test_streams_that_cannot_be_marked_are_left_as_they_are() -> None:
    refusing, slotted, generated = RefusesSubclasses(), Slotted(), _generated()
    assert scope_pulls(refusing, scope, "inside") is False
    assert type(refusing) is RefusesSubclasses
    assert scope_pulls(slotted, scope, "inside") is False
    assert scope_pulls(generated, scope, "inside") is False
