"""Request-only payloads: embeddings ``input`` and image generation ``prompt`` (their responses carry no text)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litellm_plugin.core.payloads.base import TextField
from litellm_plugin.core.payloads.text_completion import prompt_fields

__all__ = ["embedding_fields", "image_fields"]


def embedding_fields(data: dict[str, Any]) -> Iterator[TextField]:
    yield from prompt_fields(data, "input", "input", "an embedding request")


def image_fields(data: dict[str, Any]) -> Iterator[TextField]:
    yield from prompt_fields(data, "prompt", "prompt", "an image generation request")
