"""A reusable pytest suite that checks a provider's contract through LiteLLM's public API.

Subclass it in a provider package's tests (in the spirit of ``langchain-tests``)::

    class TestEchoConformance(ProviderConformanceTests):
        provider_class = EchoProvider
        entry_point = "echo"
        supports_embeddings = True
        supports_images = True

The provider is registered under a fresh name for each test with a private ``PluginRegistry`` and removed
afterwards, so the global registry and ``litellm.custom_provider_map`` end as they started. Override the
``provider`` fixture when the provider needs arguments (a server URL, a key) or other fixtures.
Set ``entry_point`` to the name in your ``[project.entry-points."litellm_plugin.providers"]`` table: the suite
then checks that ``initialize_plugins()`` finds the installed package under that name, so a missing or
misspelt entry point fails the package's own tests instead of reaching users as LiteLLM's "LLM Provider NOT
provided". Async tests carry ``pytest.mark.asyncio``, so they run under pytest-asyncio in strict or auto mode,
in any environment with ``litellm-plugin-core[testing]``.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar, Literal

import litellm
import pytest
from litellm.exceptions import BadRequestError
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import EmbeddingResponse, ImageResponse, ModelResponse, ModelResponseStream

from litellm_plugin.core.discovery import DISABLE_DISCOVERY_ENV, ENTRY_POINT_GROUP
from litellm_plugin.core.provider import BaseCustomProvider, implemented_methods
from litellm_plugin.core.registry import PluginRegistry, get_registry, initialize_plugins

__all__ = ["ProviderConformanceTests"]

Path = Literal["sync", "async", "stream", "async_stream"]
PATHS: tuple[Path, ...] = ("sync", "async", "stream", "async_stream")

# Inputs every chat provider must turn into litellm.BadRequestError, on every path. (LiteLLM itself rejects
# malformed *user* content before the provider is called, with an APIConnectionError, so the suite uses
# other roles for shape errors.)
BAD_MESSAGES: dict[str, list[Any]] = {
    "empty": [],
    "user_content_none": [{"role": "user", "content": None}],
    "system_content_not_text": [{"role": "system", "content": 12345}, {"role": "user", "content": "hi"}],
}


# A stream longer than this is taken for one that never ends (a provider that forgets to finish).
MAX_STREAM_CHUNKS = 10_000
_ENDLESS = (
    "the stream did not end after {count} chunks: yield a last chunk with is_finished=True "
    "(self.make_chunk(text, is_finished=True)) and return; a provider that streams more sets "
    "max_stream_chunks on the test class"
)


def _gather(stream: Iterator[Any], limit: int = MAX_STREAM_CHUNKS) -> list[Any]:
    chunks: list[Any] = []
    for chunk in stream:
        chunks.append(chunk)
        if len(chunks) > limit:
            pytest.fail(_ENDLESS.format(count=limit))
    return chunks


async def _agather(stream: AsyncIterator[Any], limit: int = MAX_STREAM_CHUNKS) -> list[Any]:
    chunks: list[Any] = []
    async for chunk in stream:
        chunks.append(chunk)
        if len(chunks) > limit:
            pytest.fail(_ENDLESS.format(count=limit))
    return chunks


def _same_text(path: str, text: str, sync_text: str) -> None:
    assert text == sync_text, (
        f"the {path} reply differs from the sync one for the same messages: {text!r} != {sync_text!r} "
        f"(a provider whose replies vary sets deterministic = False on the test class)"
    )


def _usage_adds_up(usage: Any, where: str) -> None:
    assert usage.prompt_tokens > 0, f"{where}: prompt_tokens should be counted, got {usage.prompt_tokens!r}"
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, (
        f"{where}: total_tokens {usage.total_tokens} != prompt_tokens {usage.prompt_tokens} + completion_tokens "
        f"{usage.completion_tokens} (self.make_response counts them for you)"
    )


def _content(response: ModelResponse) -> str:
    content = response.choices[0].message.content
    assert isinstance(content, str), (
        f"message.content should be a str, got {content!r}: pass the reply's text to self.make_response(...)"
    )
    return content


def _streamed_text(chunks: list[ModelResponseStream]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


class ProviderConformanceTests:
    """The contract every provider meets; subclasses set the class attributes below."""

    provider_class: ClassVar[type[CustomLLM] | None] = None
    """The provider under test; or override the ``provider`` fixture instead."""
    model: ClassVar[str] = "conformance-model"
    """The model part of ``"<provider>/<model>"``."""
    messages: ClassVar[list[dict[str, Any]]] = [
        {"role": "system", "content": "You are under test."},
        {"role": "user", "content": "Hello from the conformance suite"},
    ]
    deterministic: ClassVar[bool] = True
    """Same input, same output: lets the suite compare the four call paths with each other."""
    supports_embeddings: ClassVar[bool] = False
    supports_images: ClassVar[bool] = False
    entry_point: ClassVar[str | None] = None
    """The provider's name in the ``litellm_plugin.providers`` entry-point group; checked by discovery."""
    max_stream_chunks: ClassVar[int] = MAX_STREAM_CHUNKS
    """More chunks than this fail a stream test as one that never ends."""

    # --- fixtures ---------------------------------------------------------------------------------------

    @pytest.fixture
    def provider(self) -> CustomLLM:
        """The instance under test."""
        provider_class = _provider_class(self)
        if provider_class is None:
            pytest.fail(f"{type(self).__name__}: set provider_class or override the provider fixture")
        _buildable_without_arguments(self, provider_class)
        return provider_class()

    @pytest.fixture
    def registered_name(self, provider: CustomLLM) -> Iterator[str]:
        """A unique routing name, registered and active in LiteLLM for one test only."""
        name = f"conformance_{uuid.uuid4().hex[:12]}"
        registry = PluginRegistry()
        registry.register(name, provider)
        registry.initialize()
        try:
            yield name
        finally:
            registry.unregister(name)

    @pytest.fixture
    def model_name(self, registered_name: str) -> str:
        return f"{registered_name}/{self.model}"

    # --- helpers ----------------------------------------------------------------------------------------

    def check_response(self, response: object) -> str:
        """A complete, well-formed chat response; returns its text."""
        assert isinstance(response, ModelResponse), (
            f"expected ModelResponse, got {type(response).__name__}: {_MAKE_RESPONSE}"
        )
        assert response.choices, f"response has no choices: {_MAKE_RESPONSE}"
        choice = response.choices[0]
        assert choice.message.role == "assistant", f"the reply's role is {choice.message.role!r}, not 'assistant'"
        assert choice.finish_reason, "response has no finish_reason: set it ('stop'), as self.make_response(...) does"
        usage = getattr(response, "usage", None)
        assert usage is not None, f"response has no usage: {_MAKE_RESPONSE}, which counts it"
        _usage_adds_up(usage, "response usage")
        return _content(response)

    def check_stream(self, chunks: list[Any]) -> str:
        """Chunk shape, one finish_reason at the end, usage on the final chunk; returns the streamed text."""
        assert chunks, "stream yielded nothing: yield the text in chunks, the last one with is_finished=True"
        for chunk in chunks:
            assert isinstance(chunk, ModelResponseStream), (
                f"LiteLLM streamed a {type(chunk).__name__} chunk where it streams ModelResponseStream: yield "
                "self.make_chunk(text) from streaming/astreaming"
            )
        with_choices = [chunk for chunk in chunks if chunk.choices]
        reasons = [chunk.choices[0].finish_reason for chunk in with_choices if chunk.choices[0].finish_reason]
        assert len(reasons) == 1, f"expected exactly one finish_reason, got {reasons}: {_LAST_CHUNK}"
        finish_at = next(i for i, chunk in enumerate(with_choices) if chunk.choices[0].finish_reason)
        assert not _streamed_text(with_choices[finish_at + 1 :]), (
            f"content arrived after the finish_reason: {_LAST_CHUNK}"
        )
        usage = getattr(chunks[-1], "usage", None)
        assert usage is not None, (
            "the final chunk should carry usage when include_usage is requested: pass usage=... to the last "
            "self.make_chunk(...)"
        )
        _usage_adds_up(usage, "the final chunk's usage")
        return _streamed_text(chunks)

    async def call(self, path: Path, model: str, messages: list[Any]) -> Any:
        """Run one chat call on ``path``; streams are consumed fully and returned as a chunk list."""
        options: dict[str, Any] = {"stream_options": {"include_usage": True}}
        if path == "sync":
            return litellm.completion(model=model, messages=messages)
        if path == "async":
            return await litellm.acompletion(model=model, messages=messages)
        if path == "stream":
            return _gather(
                litellm.completion(model=model, messages=messages, stream=True, **options), self.max_stream_chunks
            )
        stream = await litellm.acompletion(model=model, messages=messages, stream=True, **options)
        return await _agather(stream, self.max_stream_chunks)

    # --- discovery ---------------------------------------------------------------------------------------

    def test_entry_point_discovered(self, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
        """Installing the package is all it takes: ``initialize_plugins()`` finds and routes ``entry_point``."""
        if self.entry_point is None:
            pytest.skip(f"{type(self).__name__}: set entry_point = '<name>' to check entry-point discovery")
        name = self.entry_point
        monkeypatch.delenv(DISABLE_DISCOVERY_ENV, raising=False)
        registry = get_registry()
        before = set(registry.list_providers())
        saved_map = list(litellm.custom_provider_map)
        try:
            initialize_plugins()
            routed = {entry.get("provider"): entry.get("custom_handler") for entry in litellm.custom_provider_map}
            assert name in routed, (
                f"initialize_plugins() did not find a provider named {name!r} (LiteLLM now routes "
                f"{sorted(str(found) for found in routed)}): declare it under "
                f'[project.entry-points."{ENTRY_POINT_GROUP}"] in pyproject.toml, then reinstall the package (uv sync)'
            )
            expected = _provider_class(self) or type(request.getfixturevalue("provider"))
            handler = routed[name]
            assert isinstance(handler, expected), (
                f"entry point {name!r} gives LiteLLM a {type(handler).__name__}, expected {expected.__name__}"
            )
        finally:
            for added in set(registry.list_providers()) - before:
                registry.unregister(added)
            litellm.custom_provider_map = saved_map

    # --- chat -------------------------------------------------------------------------------------------

    def test_completion(self, model_name: str) -> None:
        self.check_response(litellm.completion(model=model_name, messages=self.messages))

    @pytest.mark.asyncio
    async def test_acompletion(self, model_name: str) -> None:
        text = self.check_response(await litellm.acompletion(model=model_name, messages=self.messages))
        if self.deterministic:
            _same_text("async", text, _content(litellm.completion(model=model_name, messages=self.messages)))

    def test_streaming(self, model_name: str) -> None:
        chunks = _gather(
            litellm.completion(
                model=model_name, messages=self.messages, stream=True, stream_options={"include_usage": True}
            ),
            self.max_stream_chunks,
        )
        text = self.check_stream(chunks)
        rebuilt = litellm.stream_chunk_builder(chunks, messages=self.messages)
        assert isinstance(rebuilt, ModelResponse), (
            f"stream_chunk_builder made a {type(rebuilt).__name__}: {_LAST_CHUNK}"
        )
        assert _content(rebuilt) == text, (
            f"the chunks rebuild to {_content(rebuilt)!r}, streamed {text!r}: put each piece of text in one "
            "chunk's text"
        )
        if self.deterministic:
            _same_text("streamed", text, _content(litellm.completion(model=model_name, messages=self.messages)))

    @pytest.mark.asyncio
    async def test_astreaming(self, model_name: str) -> None:
        stream = await litellm.acompletion(
            model=model_name, messages=self.messages, stream=True, stream_options={"include_usage": True}
        )
        text = self.check_stream(await _agather(stream, self.max_stream_chunks))
        if self.deterministic:
            _same_text(
                "async streamed", text, _content(await litellm.acompletion(model=model_name, messages=self.messages))
            )

    @pytest.mark.asyncio
    @pytest.mark.parametrize("path", PATHS)
    async def test_content_parts_accepted(self, model_name: str, path: Path) -> None:
        parts = [{"type": "text", "text": "Hello from "}, {"type": "text", "text": "content parts"}]
        failure: Exception | None = None
        try:
            result = await self.call(path, model_name, [{"role": "user", "content": parts}])
        except Exception as error:
            failure = error
        if failure is not None:  # outside the except block: the provider's traceback would bury the advice
            pytest.fail(
                f"a user message whose content is a list of text parts ({parts!r}) failed on the {path} path with "
                f"{_described(failure)}; accept content parts as LiteLLM sends them: self.last_user_text(messages, "
                "model=model) joins their text (self.validate_messages(messages, model=model) gives each message's)"
            )
        if path in ("sync", "async"):
            self.check_response(result)
        else:
            self.check_stream(result)

    @pytest.mark.asyncio
    @pytest.mark.parametrize("path", PATHS)
    @pytest.mark.parametrize("case", sorted(BAD_MESSAGES))
    async def test_bad_messages_raise_bad_request(self, model_name: str, path: Path, case: str) -> None:
        refused: BadRequestError | None = None
        other: Exception | None = None
        try:
            await self.call(path, model_name, BAD_MESSAGES[case])
        except BadRequestError as error:
            refused = error
        except Exception as error:
            other = error
        if refused is None:
            what = "were answered" if other is None else f"raised {_described(other)}"
            pytest.fail(
                f"malformed messages ({case}: {BAD_MESSAGES[case]!r}) {what} on the {path} path; refuse "
                f"them with litellm.BadRequestError: self.validate_messages(messages, model=model) or "
                f"self.last_user_text(messages, model=model) does it, before the provider reads them"
            )
        assert getattr(refused, "llm_provider", None), (
            f"the BadRequestError refusing {case} on the {path} path names no provider (llm_provider is empty): "
            "raise it with self.error('bad_request', message, model=model), or use self.validate_messages"
        )

    # --- embeddings -------------------------------------------------------------------------------------

    def _check_embeddings(self, response: object, count: int) -> list[list[float]]:
        assert isinstance(response, EmbeddingResponse), (
            f"expected EmbeddingResponse, got {type(response).__name__}: fill the model_response argument's data "
            "and return it"
        )
        assert len(response.data) == count, (
            f"{count} inputs got {len(response.data)} embeddings: return one per input, in order "
            '(model_response.data = [{"object": "embedding", "index": i, "embedding": vector} for each input i])'
        )
        vectors = [item["embedding"] for item in response.data]
        not_floats = sorted(
            {type(value).__name__ for vector in vectors for value in vector if not isinstance(value, float)}
        )
        assert not not_floats, (
            f"embeddings should hold floats, got {', '.join(not_floats)}: convert each value with float()"
        )
        sizes = sorted({len(vector) for vector in vectors})
        assert len(sizes) == 1, f"the embeddings differ in length ({sizes}): every vector of a model has the same size"
        assert sizes[0] > 0, "the embeddings are empty: each must hold at least one float"
        return vectors

    def test_embedding(self, model_name: str, provider: CustomLLM) -> None:
        if not self.supports_embeddings:
            if isinstance(provider, BaseCustomProvider):
                _refused_unless_claimed(
                    self,
                    provider,
                    lambda: litellm.embedding(model=model_name, input=["alpha"]),
                    ("embedding", "aembedding"),
                    "supports_embeddings",
                )
                return
            pytest.skip("provider does not claim embeddings")
        _implemented_if_claimed(self, provider, ("embedding", "aembedding"), "supports_embeddings")
        vectors = self._check_embeddings(litellm.embedding(model=model_name, input=["alpha", "beta"]), 2)
        if self.deterministic:
            again = self._check_embeddings(litellm.embedding(model=model_name, input=["alpha", "beta"]), 2)
            assert vectors == again, _VARYING_EMBEDDINGS.format(path="a second sync")

    @pytest.mark.asyncio
    async def test_aembedding(self, model_name: str, provider: CustomLLM) -> None:
        if not self.supports_embeddings:
            pytest.skip("provider does not claim embeddings")
        _implemented_if_claimed(self, provider, ("embedding", "aembedding"), "supports_embeddings")
        vectors = self._check_embeddings(await litellm.aembedding(model=model_name, input=["alpha", "beta"]), 2)
        if self.deterministic:
            again = self._check_embeddings(litellm.embedding(model=model_name, input=["alpha", "beta"]), 2)
            assert vectors == again, _VARYING_EMBEDDINGS.format(path="the async")

    # --- images -----------------------------------------------------------------------------------------

    def _check_images(self, response: object) -> None:
        assert isinstance(response, ImageResponse), (
            f"expected ImageResponse, got {type(response).__name__}: {_FILL_IMAGES}"
        )
        assert response.data, f"image response has no data: {_FILL_IMAGES}"
        image = response.data[0]
        assert image.url or image.b64_json, "image has neither url nor b64_json: set one of them on each ImageObject"

    def test_image_generation(self, model_name: str, provider: CustomLLM) -> None:
        if not self.supports_images:
            if isinstance(provider, BaseCustomProvider):
                _refused_unless_claimed(
                    self,
                    provider,
                    lambda: litellm.image_generation(model=model_name, prompt="a red square"),
                    ("image_generation", "aimage_generation"),
                    "supports_images",
                )
                return
            pytest.skip("provider does not claim image generation")
        _implemented_if_claimed(self, provider, ("image_generation", "aimage_generation"), "supports_images")
        self._check_images(litellm.image_generation(model=model_name, prompt="a red square"))

    @pytest.mark.asyncio
    async def test_aimage_generation(self, model_name: str, provider: CustomLLM) -> None:
        if not self.supports_images:
            pytest.skip("provider does not claim image generation")
        _implemented_if_claimed(self, provider, ("image_generation", "aimage_generation"), "supports_images")
        self._check_images(await litellm.aimage_generation(model=model_name, prompt="a red square"))


_MAKE_RESPONSE = "build the reply with self.make_response(model, messages, text)"
_LAST_CHUNK = (
    "yield self.make_chunk(text) for each piece and end with self.make_chunk(text, is_finished=True, "
    "finish_reason='stop')"
)
_FILL_IMAGES = (
    "fill the model_response argument (model_response.data = [ImageObject(url=...) or ImageObject(b64_json=...)]) "
    "and return it"
)
_VARYING_EMBEDDINGS = (
    "{path} call embedded the same inputs differently: the same input should give the same vector (a provider "
    "whose replies vary sets deterministic = False on the test class)"
)


def _described(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip().splitlines()[0][:300]


def _provider_class(suite: ProviderConformanceTests) -> type[CustomLLM] | None:
    """The suite's ``provider_class``; an instance there (``register_provider`` takes one) fails every test
    saying to set the class, instead of with a bare AttributeError at setup."""
    provider_class: object = suite.provider_class
    if provider_class is None or isinstance(provider_class, type):
        return provider_class
    name = type(provider_class).__name__
    pytest.fail(
        f"{type(suite).__name__}.provider_class is a {name} instance; set the class itself (provider_class = {name}), "
        f"or override the provider fixture to return an instance:\n    @pytest.fixture\n    def provider(self) -> "
        f"{name}:\n        return {name}(...)"
    )


def _refused_unless_claimed(
    suite: object, provider: BaseCustomProvider, call: Any, methods: tuple[str, ...], flag: str
) -> None:
    """A provider the suite was told does not support ``methods`` refuses them with ``BadRequestError``; one
    that answers is told which flag to set."""
    try:
        call()
    except BadRequestError:
        return
    written = " and ".join(method for method in methods if method in implemented_methods(provider)) or methods[0]
    pytest.fail(
        f"{type(provider).__name__} answers {written}, but {type(suite).__name__}.{flag} is False: set "
        f"{flag} = True on the test class so the suite checks it (or refuse it with litellm.BadRequestError)"
    )


def _buildable_without_arguments(suite: object, provider_class: type[CustomLLM]) -> None:
    """The default ``provider`` fixture builds ``provider_class()``: a constructor that needs arguments would
    error every test at setup with a bare TypeError, so the suite says to override the fixture instead."""
    try:
        inspect.signature(provider_class).bind()
    except TypeError as exc:
        problem = str(exc)
    except ValueError:  # no signature to read (a C-implemented constructor): let the call itself say
        return
    else:
        return
    name = provider_class.__name__
    pytest.fail(  # outside the except block: the bind's own TypeError would only add noise to the report
        f"{type(suite).__name__}: {name}() cannot be built without arguments ({problem}); override the provider "
        f"fixture to build it, e.g.\n    @pytest.fixture\n    def provider(self) -> {name}:\n"
        f"        return {name}(...)"
    )


def _implemented_if_claimed(suite: object, provider: CustomLLM, methods: tuple[str, str], flag: str) -> None:
    """A suite told the provider supports ``methods`` fails saying which flag is wrong when it writes neither,
    instead of with the BadRequestError every call to it raises."""
    if any(method in implemented_methods(provider) for method in methods):
        return
    pytest.fail(
        f"{type(suite).__name__}.{flag} is True, but {type(provider).__name__} implements neither {methods[0]} nor "
        f"{methods[1]}: set {flag} = False on the test class, or implement {methods[0]}()"
    )
