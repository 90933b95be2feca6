"""``BaseCustomProvider``: a ``litellm.CustomLLM`` where one implemented method is enough.

LiteLLM never derives one call style from another: ``acompletion`` does not fall back to ``completion`` and
``stream=True`` never reaches ``completion``. This base class fills every method the subclass leaves out
from the ones it implements, and turns the rest into a typed ``litellm.BadRequestError``:

- ``acompletion`` from ``completion`` (in a worker thread), ``completion`` from ``acompletion``; either, for a
  provider that only streams, from its stream (the reply assembled);
- ``streaming`` from ``astreaming`` if native, else from the ``completion`` result replayed word by word;
- ``astreaming`` from ``streaming`` if native, else from the ``acompletion`` result;
- ``aembedding``/``embedding`` and ``aimage_generation``/``image_generation`` from each other.

LiteLLM calls these methods with keyword arguments only; the signatures mirror ``litellm.CustomLLM``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx
from litellm.exceptions import BadRequestError
from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler, HTTPHandler
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import EmbeddingResponse, GenericStreamingChunk, ImageResponse, ModelResponse

from litellm_plugin.core import _bridge
from litellm_plugin.core.messages import last_user_text, validate_messages
from litellm_plugin.core.provider_contracts import (
    PROVIDER_METHODS,
    check_provider_class,
    checked_instance_method,
)
from litellm_plugin.core.provider_errors import ErrorKind, ProviderContractError, provider_error
from litellm_plugin.core.provider_map import watch_provider_map
from litellm_plugin.core.responses import chunks_from_response, dropped_in_replay, make_chunk, make_response
from litellm_plugin.core.stream_assembly import StreamAssembler, response_from_chunks

if TYPE_CHECKING:
    from litellm.litellm_core_utils.litellm_logging import Logging as LiteLLMLoggingObj

__all__ = ["BaseCustomProvider", "implemented_methods"]

_METHODS = PROVIDER_METHODS
_logger = logging.getLogger(__name__)
_warned_replay_losses: set[tuple[type, str]] = set()


def _arguments(frame_locals: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the current call (``locals()`` taken first thing), without ``self``."""
    return {name: value for name, value in frame_locals.items() if name != "self"}


# What LiteLLM adds to ``optional_params`` for a streamed call; it never calls ``completion`` with them.
_STREAM_PARAMS = ("stream", "stream_options")


def _streamed(call: dict[str, Any]) -> dict[str, Any]:
    """``call`` as LiteLLM makes it with ``stream=True``: a reply assembled from a native stream hands it the
    stream flag, as one that forwards ``optional_params`` to its API expects."""
    params = call.get("optional_params")
    return {**call, "optional_params": {**(params if isinstance(params, dict) else {}), "stream": True}}


def _unstreamed(call: dict[str, Any]) -> dict[str, Any]:
    """``call`` as LiteLLM makes it without ``stream=True``: a stream replayed from ``completion`` must not hand
    it the stream flags, or one that forwards ``optional_params`` to its API asks it for a stream."""
    params = call.get("optional_params")
    if isinstance(params, dict) and any(name in params for name in _STREAM_PARAMS):
        call = {**call, "optional_params": {k: v for k, v in params.items() if k not in _STREAM_PARAMS}}
    return call


class BaseCustomProvider(CustomLLM):
    """Base class for providers: implement ``completion`` (or ``acompletion``), get the other paths free.

    ``provider_name`` is the name the provider is routed under; the registry fills it in when empty. It is
    reported as ``llm_provider`` on errors so Router retries, cooldowns and fallbacks treat them as usual.
    """

    provider_name: str = ""

    make_response = staticmethod(make_response)
    make_chunk = staticmethod(make_chunk)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Check the contract around every method the subclass writes (see ``provider_contracts``), and
        watch ``litellm.custom_provider_map`` for entries a built-in provider would shadow."""
        super().__init_subclass__(**kwargs)
        check_provider_class(cls, BaseCustomProvider)
        watch_provider_map()

    def __setattr__(self, name: str, value: Any) -> None:
        """A provider method set on the instance (``self.completion = client.complete``) counts as written, and is
        checked as one the class writes: LiteLLM calls it in place of the class's, unchecked otherwise."""
        if name in _METHODS:
            value = checked_instance_method(self, name, value)
        super().__setattr__(name, value)

    # --- helpers for subclasses -------------------------------------------------------------------------

    @classmethod
    def implements(cls, method: str) -> bool:
        """Whether a subclass defines ``method`` itself (as opposed to relying on the derived default)."""
        if method not in _METHODS:
            raise ValueError(f"unknown provider method {method!r}; expected one of {_METHODS}")
        return getattr(cls, method) is not getattr(BaseCustomProvider, method)

    def _has(self, method: str) -> bool:
        """Whether this provider writes ``method``: in its class, or set on the instance (a provider that
        delegates, ``self.completion = client.complete``, as works on LiteLLM's ``CustomLLM``)."""
        return callable(vars(self).get(method)) or self.implements(method)

    @property
    def error_provider(self) -> str:
        """The ``llm_provider`` written on errors: the routed name, else the class name."""
        return self.provider_name or type(self).__name__

    def error(
        self,
        kind: ErrorKind,
        message: str,
        *,
        model: str,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> Exception:
        """LiteLLM's exception for ``kind`` naming this provider; use as ``raise self.error(...)``."""
        return provider_error(
            kind,
            message,
            provider=self.error_provider,
            model=model,
            status_code=status_code,
            retry_after=retry_after,
        )

    def validate_messages(self, messages: object, *, model: str = "") -> list[tuple[Mapping[str, Any], str]]:
        """Each message with its plain text, or ``litellm.BadRequestError`` naming what is malformed."""
        return validate_messages(messages, model=model, provider=self.error_provider)

    def last_user_text(self, messages: object, *, model: str = "") -> str:
        """Text of the last user message (content parts joined); ``litellm.BadRequestError`` if missing."""
        return last_user_text(messages, model=model, provider=self.error_provider)

    def _unsupported(self, method: str, model: str) -> BadRequestError:
        hint = "" if implemented_methods(self) else f": {_NOTHING_IMPLEMENTED.format(cls=type(self).__name__)}"
        return BadRequestError(
            message=f"provider {self.error_provider!r} does not support {method}{hint}",
            model=model,
            llm_provider=self.error_provider,
        )

    def _streams_natively(self) -> bool:
        return self._has("streaming") or self._has("astreaming")

    # --- streams replayed from a whole reply --------------------------------------------------------------

    def _check_one_choice_asked(self, optional_params: object, model: str) -> None:
        """A replayed stream carries one choice: ``n > 1`` is refused before the reply is made."""
        asked = optional_params.get("n") if isinstance(optional_params, dict) else None
        if isinstance(asked, int) and not isinstance(asked, bool) and asked > 1:
            raise self._one_choice_only(f"n={asked} asks for {asked} choices", model)

    def _replayable(self, response: object, model: str) -> ModelResponse:
        """``response`` if a replay can carry it whole: one choice (else ``BadRequestError``); what the chunk
        format has no field for is named in a warning, once per provider class and field."""
        reply = self._expect_response(response, model)
        if len(reply.choices) > 1:
            raise self._one_choice_only(f"its reply has {len(reply.choices)} choices", model)
        lost = dropped_in_replay(reply)
        unseen = [field for field in lost if (type(self), field) not in _warned_replay_losses]
        if unseen:
            _warned_replay_losses.update((type(self), field) for field in unseen)
            _logger.warning(
                "provider %r (%s): a stream replayed from a whole reply carries its text, function tool calls, "
                "finish reason and usage; LiteLLM's custom-provider chunks have no field for the rest, so the "
                "stream leaves out this reply's %s (a call without stream=True gets it)",
                self.error_provider,
                type(self).__name__,
                ", ".join(unseen),
            )
        return reply

    def _one_choice_only(self, why: str, model: str) -> BadRequestError:
        return BadRequestError(
            message=(
                f"provider {self.error_provider!r} answers stream=True by replaying its whole reply, and "
                f"LiteLLM's custom-provider chunks carry one choice: {why}. Call without stream=True, or with n=1"
            ),
            model=model,
            llm_provider=self.error_provider,
        )

    def _expect_response(self, response: object, model: str) -> ModelResponse:
        if not isinstance(response, ModelResponse):  # only reachable through a method defined unchecked
            raise ProviderContractError(
                provider=self.error_provider,
                provider_class=type(self).__name__,
                method="completion",
                model=model,
                detail=f"returned a {type(response).__name__}; it must return a ModelResponse",
            )
        return response

    # --- chat -------------------------------------------------------------------------------------------

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
        """Derived from ``acompletion`` (run on a private event loop), else from a native stream (assembled)."""
        call = _arguments(locals())
        if not self._has("acompletion"):
            if not self._streams_natively():
                raise self._unsupported("completion", model)
            self.validate_messages(messages, model=model)
            chunks = self.streaming(**{**_streamed(call), "acompletion": False})
            return response_from_chunks(model, messages, chunks)
        self.validate_messages(messages, model=model)
        response = _bridge.run_sync(self.acompletion(**{**call, "acompletion": True}))
        return self._expect_response(response, model)

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
        """Derived from ``completion`` in a worker thread (so the event loop never blocks), else from a native
        stream (assembled)."""
        call = _arguments(locals())
        if not self._has("completion"):
            if not self._streams_natively():
                raise self._unsupported("acompletion", model)
            self.validate_messages(messages, model=model)
            assembler = StreamAssembler()
            async for chunk in self.astreaming(**{**_streamed(call), "acompletion": True}):
                assembler.add(chunk)
            return assembler.response(model, messages)
        self.validate_messages(messages, model=model)
        response = await asyncio.to_thread(partial(self.completion, **{**call, "acompletion": False}))
        return self._expect_response(response, model)

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
        """Native ``astreaming`` if there is one, else the ``completion`` result replayed as chunks.

        The completion runs before the first chunk is requested, so its errors reach the caller at call time.
        """
        call = _arguments(locals())
        if self._has("astreaming"):
            return _bridge.iterate_sync(self.astreaming(**call))
        if not (self._has("completion") or self._has("acompletion")):
            raise self._unsupported("streaming", model)
        self.validate_messages(messages, model=model)
        self._check_one_choice_asked(optional_params, model)
        response = self.completion(**{**_unstreamed(call), "acompletion": False})
        return chunks_from_response(self._replayable(response, model))

    # LiteLLM annotates ``astreaming`` as a coroutine returning an iterator, but calls it expecting an async
    # iterator (an ``async def`` with ``yield``), which is what it is here.
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
        """Native ``streaming`` (advanced in a worker thread) if there is one, else ``acompletion``."""
        call = _arguments(locals())
        if self._has("streaming"):
            async for chunk in _bridge.aiterate_in_thread(lambda: self.streaming(**call)):
                yield chunk
            return
        if not (self._has("completion") or self._has("acompletion")):
            raise self._unsupported("astreaming", model)
        self.validate_messages(messages, model=model)
        self._check_one_choice_asked(optional_params, model)
        response = await self.acompletion(**{**_unstreamed(call), "acompletion": True})
        for chunk in chunks_from_response(self._replayable(response, model)):
            yield chunk

    # --- images -----------------------------------------------------------------------------------------

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
        """Derived from ``aimage_generation`` when only that is implemented."""
        call = _arguments(locals())
        if not self._has("aimage_generation"):
            raise self._unsupported("image_generation", model)
        return _bridge.run_sync(self.aimage_generation(**call))

    async def aimage_generation(
        self,
        model: str,
        prompt: str,
        model_response: ImageResponse,
        api_key: str | None,
        api_base: str | None,
        optional_params: dict[str, Any],
        logging_obj: LiteLLMLoggingObj,
        timeout: float | httpx.Timeout | None = None,
        client: AsyncHTTPHandler | None = None,
    ) -> ImageResponse:
        """Derived from ``image_generation`` in a worker thread."""
        call = _arguments(locals())
        if not self._has("image_generation"):
            raise self._unsupported("aimage_generation", model)
        return await asyncio.to_thread(partial(self.image_generation, **call))

    # --- embeddings -------------------------------------------------------------------------------------

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
        """Derived from ``aembedding`` when only that is implemented."""
        call = _arguments(locals())
        if not self._has("aembedding"):
            raise self._unsupported("embedding", model)
        return _bridge.run_sync(self.aembedding(**call))

    async def aembedding(
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
        """Derived from ``embedding`` in a worker thread."""
        call = _arguments(locals())
        if not self._has("embedding"):
            raise self._unsupported("aembedding", model)
        return await asyncio.to_thread(partial(self.embedding, **call))


_NOTHING_IMPLEMENTED = (
    "{cls} implements none of LiteLLM's provider methods (" + ", ".join(_METHODS) + "), so every call to it "
    "fails. Implement completion(self, model, messages, *args, **kwargs): BaseCustomProvider derives acompletion "
    "and both streams from it"
)


def implemented_methods(provider: object) -> tuple[str, ...]:
    """The provider methods a ``CustomLLM`` class or instance writes itself (or takes from a mixin): those of
    LiteLLM's ``CustomLLM`` and of ``BaseCustomProvider`` only raise or derive."""
    cls = provider if isinstance(provider, type) else type(provider)
    own = {} if isinstance(provider, type) else getattr(provider, "__dict__", {})

    def written(method: str) -> bool:
        if callable(own.get(method)):  # set on the instance: a provider that delegates to a client
            return True
        owner = next((klass for klass in cls.__mro__ if method in vars(klass)), None)
        return owner is not None and owner is not BaseCustomProvider and not owner.__module__.startswith("litellm.")

    return tuple(method for method in _METHODS if written(method))


def nothing_implemented(provider: object) -> str | None:
    """What to write when ``provider`` implements no provider method at all, else None."""
    if implemented_methods(provider):
        return None
    cls = provider if isinstance(provider, type) else type(provider)
    return _NOTHING_IMPLEMENTED.format(cls=cls.__name__)
