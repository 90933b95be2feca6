"""Request-only payloads: embeddings ``input`` and image generation ``prompt`` (their responses carry no text)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litellm.litellm_core_utils.prompt_templates.common_utils import get_str_from_messages

from litellm_plugin.core.errors import UnreadablePayloadError
from litellm_plugin.core.payloads.base import TextField, dict_items, sequence_at
from litellm_plugin.core.payloads.text_completion import prompt_fields

__all__ = ["embedding_fields", "image_fields"]


def embedding_fields(data: dict[str, Any]) -> Iterator[TextField]:
    yield from prompt_fields(data, "input", "input", "an embedding request")


def image_fields(data: dict[str, Any]) -> Iterator[TextField]:
    yield from prompt_fields(data, "prompt", "prompt", "an image generation request")
    yield from _prompt_as_messages(data)


def _prompt_as_messages(data: dict[str, Any]) -> Iterator[TextField]:
    """The proxy's image route hands its hooks the prompt as ``messages`` too, and after them makes the prompt the
    model gets from ``messages`` alone (all their text run together), also when the client sent only
    ``messages``. That text is read as one; a change puts it back as the one message it becomes."""
    messages = sequence_at(data, "messages", "an image generation request's messages")
    if not messages:
        return
    try:
        text = get_str_from_messages(dict_items(messages))
    except Exception as exc:  # a shape LiteLLM cannot join either: refused, never passed unseen
        raise UnreadablePayloadError("an image generation request's messages", str(exc)) from exc

    def put(new: str) -> None:
        data["messages"] = [{"role": "user", "content": new}]

    yield TextField("prompt", text, put)
