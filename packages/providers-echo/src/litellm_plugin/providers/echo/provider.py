"""``EchoProvider``: answers ``"Echo: <last user message>"``, deterministically and offline.

Useful as a stand-in model in tests and demos, and as the reference for writing a provider: the chat paths
are implemented natively (streaming goes word by word); ``aembedding`` and ``aimage_generation`` are left to
``BaseCustomProvider``, which derives them from the sync methods.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import litellm
from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler, HTTPHandler
from litellm.types.utils import (
    EmbeddingResponse,
    GenericStreamingChunk,
    ImageObject,
    ImageResponse,
    ModelResponse,
    Usage,
)

from litellm_plugin.core import BaseCustomProvider
from litellm_plugin.core.responses import count_usage, split_words
from litellm_plugin.providers.echo.png import solid_png
from litellm_plugin.providers.echo.vectors import text_vector

if TYPE_CHECKING:
    import httpx  # annotations only: echo does not depend on httpx itself
    from litellm.litellm_core_utils.litellm_logging import Logging as LiteLLMLoggingObj

__all__ = ["EchoProvider"]

_MAX_DIMENSIONS = 4096


class EchoProvider(BaseCustomProvider):
    """Replies ``"Echo: <last user message>"``; embeds text as hash-derived unit vectors; draws a
    solid-colour PNG per prompt. Same input, same output."""

    provider_name = "echo"
    prefix: ClassVar[str] = "Echo: "
    default_dimensions: ClassVar[int] = 16

    def reply(self, model: str, messages: list[Any]) -> str:
        """The answer text; raises ``litellm.BadRequestError`` for malformed messages."""
        return self.prefix + self.last_user_text(messages, model=model)

    def _stream(self, model: str, messages: list[Any]) -> list[GenericStreamingChunk]:
        text = self.reply(model, messages)
        chunks = [self.make_chunk(word) for word in split_words(text)]
        usage = count_usage(model, messages, text)
        chunks.append(self.make_chunk("", is_finished=True, finish_reason="stop", usage=usage))
        return chunks

    def completion(
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: HTTPHandler | None = None,
    ) -> ModelResponse:
        return self.make_response(model, messages, self.reply(model, messages))

    async def acompletion(
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: AsyncHTTPHandler | None = None,
    ) -> ModelResponse:
        return self.make_response(model, messages, self.reply(model, messages))

    def streaming(
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: HTTPHandler | None = None,
    ) -> Iterator[GenericStreamingChunk]:
        return iter(self._stream(model, messages))  # built eagerly: bad input fails at call time

    # LiteLLM annotates astreaming as a coroutine, but needs an async generator (see BaseCustomProvider).
    async def astreaming(  # type: ignore[override,misc]
        self,
        model: str,
        messages: list[Any],
        api_base: str,
        custom_prompt_dict: dict[str, Any],
        model_response: ModelResponse,
        print_verbose: Callable[..., Any],
        encoding: Any,
        api_key: Any,
        logging_obj: Any,
        optional_params: dict[str, Any],
        acompletion: Any = None,
        litellm_params: Any = None,
        logger_fn: Any = None,
        headers: Any = None,
        timeout: float | httpx.Timeout | None = None,
        client: AsyncHTTPHandler | None = None,
    ) -> AsyncIterator[GenericStreamingChunk]:
        for chunk in self._stream(model, messages):
            yield chunk

    def embedding(
        self,
        model: str,
        input: list[Any],
        model_response: EmbeddingResponse,
        print_verbose: Callable[..., Any],
        logging_obj: LiteLLMLoggingObj,
        optional_params: dict[str, Any],
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        litellm_params: Any = None,
    ) -> EmbeddingResponse:
        """One vector per input item. Size: ``dimensions`` if LiteLLM forwards it, else ``echo_dimensions``
        (LiteLLM refuses ``dimensions`` for custom providers but forwards unknown parameters), else 16."""
        texts = self._embedding_texts(input, model)
        dimensions = self._dimensions(optional_params, model)
        model_response.model = model
        model_response.data = [
            {"object": "embedding", "index": index, "embedding": text_vector(text, dimensions)}
            for index, text in enumerate(texts)
        ]
        tokens = sum(litellm.token_counter(model=model, text=text) for text in texts)
        model_response.usage = Usage(prompt_tokens=tokens, completion_tokens=0, total_tokens=tokens)
        return model_response

    def image_generation(
        self,
        model: str,
        prompt: str,
        api_key: str | None,
        api_base: str | None,
        model_response: ImageResponse,
        optional_params: dict[str, Any],
        logging_obj: LiteLLMLoggingObj,
        timeout: float | httpx.Timeout | None = None,
        client: HTTPHandler | None = None,
    ) -> ImageResponse:
        """A 16×16 PNG whose colour is derived from the prompt, as a ``data:`` URL (or ``b64_json``)."""
        if not isinstance(prompt, str) or not prompt.strip():
            raise self.error("bad_request", "image prompt must be a non-empty string", model=model)
        encoded = base64.b64encode(solid_png(hashlib.sha256(prompt.encode()).digest()[:3])).decode()
        as_b64 = optional_params.get("response_format") == "b64_json"
        image = ImageObject(
            b64_json=encoded if as_b64 else None,
            url=None if as_b64 else f"data:image/png;base64,{encoded}",
            revised_prompt=self.prefix + prompt,
        )
        count = int(optional_params.get("n") or 1)
        return ImageResponse(created=int(time.time()), data=[image] * count)

    def _embedding_texts(self, input: object, model: str) -> list[str]:
        items = [input] if isinstance(input, str) else input
        if not isinstance(items, list) or not items:
            raise self.error("bad_request", "embedding input must be a string or a non-empty list", model=model)
        if all(isinstance(item, int) for item in items):  # one pre-tokenised input
            items = [items]
        texts: list[str] = []
        for item in items:
            if isinstance(item, str):
                texts.append(item)
            elif isinstance(item, list) and all(isinstance(token, int) for token in item):
                texts.append(" ".join(map(str, item)))
            else:
                raise self.error(
                    "bad_request",
                    f"embedding input items must be strings or token lists, not {item!r}",
                    model=model,
                )
        return texts

    def _dimensions(self, optional_params: dict[str, Any], model: str) -> int:
        value = optional_params.get("dimensions", optional_params.get("echo_dimensions", self.default_dimensions))
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_DIMENSIONS:
            raise self.error(
                "bad_request",
                f"dimensions must be an integer from 1 to {_MAX_DIMENSIONS}, got {value!r}",
                model=model,
            )
        return value
