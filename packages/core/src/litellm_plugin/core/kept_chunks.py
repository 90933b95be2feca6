"""The chunk LiteLLM keeps of a stream it hands out, where that is not the chunk interceptors change."""

from __future__ import annotations

from typing import Any

__all__ = ["share_choices_with_kept_copy"]


def share_choices_with_kept_copy(stream: Any, chunk: Any) -> None:
    """LiteLLM logs a stream as the chunks it kept (``stream.chunks``), but keeps a copy of a chunk that carries
    usage (the last one, from a custom provider) and hands out another object: the text interceptors add to it
    (a filter's held-back tail comes out with the finish_reason) would reach the caller and not the observers,
    in the SDK and in the proxy alike. The copy is given the handed-out chunk's choices, so both see the same
    text. Call it with each chunk as it is taken from LiteLLM's stream, before it is changed."""
    kept = getattr(stream, "chunks", None)
    if type(kept) is list and kept:
        last = kept[-1]
        if (
            last is not chunk
            and type(last) is type(chunk)
            and getattr(last, "usage", None) is not None  # the copy LiteLLM kept for its usage...
            and getattr(chunk, "usage", None) is None  # ...of the chunk it handed out without
            and getattr(last, "id", None) == getattr(chunk, "id", 0)
        ):
            last.choices = chunk.choices
