"""The conformance suite as a package's tests use it: run by pytest itself, in strict asyncio mode."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SUITE = """
from typing import Any

from litellm.types.utils import ModelResponse

from litellm_plugin.core import BaseCustomProvider, Messages
from litellm_plugin.core.testing import ProviderConformanceTests


class Parrot(BaseCustomProvider):
    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, self.last_user_text(messages, model=model))


class TestParrot(ProviderConformanceTests):
    provider_class = Parrot
    {declaration}
"""
STRICT = ("-p", "no:cacheprovider", "-o", "asyncio_mode=strict", "-o", "asyncio_default_fixture_loop_scope=function")


def test_an_entry_point_that_is_not_installed_fails_the_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_parrot=SUITE.format(declaration='entry_point = "parrot_not_installed"'))
    result = pytester.runpytest_inprocess(*STRICT, "-k", "entry_point")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*did not find a provider named 'parrot_not_installed'*"])


def test_without_entry_point_the_discovery_check_is_skipped(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_parrot=SUITE.format(declaration="model = 'parrot-model'"))
    result = pytester.runpytest_inprocess(*STRICT, "-rs", "-k", "entry_point")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*set entry_point = '<name>'*"])


def test_async_tests_carry_their_own_markers(pytester: pytest.Pytester) -> None:
    """In strict mode an unmarked async test fails ("async def functions are not natively supported")."""
    pytester.makepyfile(test_parrot=SUITE.format(declaration="model = 'parrot-model'"))
    result = pytester.runpytest_inprocess(*STRICT, "-k", "acompletion or astreaming or content_parts")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 6, result.stdout.str()
    assert "failed" not in outcomes, result.stdout.str()


BROKEN = """
import itertools
from typing import Any

from litellm.types.utils import ModelResponse, Usage

from litellm_plugin.core import BaseCustomProvider, Messages
from litellm_plugin.core.testing import ProviderConformanceTests


class Good(BaseCustomProvider):
    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "You said: " + self.last_user_text(messages, model=model))


class Endless(Good):
    def streaming(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> Any:
        for index in itertools.count():  # forgets to stop
            yield self.make_chunk(f"w{index} ")


class AsyncDiffers(Good):
    async def acompletion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "another answer")


class WrongTotal(Good):
    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        reply = super().completion(model, messages)
        reply.usage = Usage(prompt_tokens=5, completion_tokens=2, total_tokens=99)  # type: ignore[attr-defined]
        return reply


class Constant(BaseCustomProvider):
    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, [{"role": "user", "content": "x"}], "constant")


class WithEmbeddings(Good):
    def embedding(self, model: str, input: list[Any], model_response: Any, *args: Any, **kwargs: Any) -> Any:
        model_response.data = [{"object": "embedding", "index": i, "embedding": [1.0]} for i, _ in enumerate(input)]
        return model_response


class TestEndless(ProviderConformanceTests):
    provider_class = Endless
    max_stream_chunks = 200


class TestAsyncDiffers(ProviderConformanceTests):
    provider_class = AsyncDiffers


class TestWrongTotal(ProviderConformanceTests):
    provider_class = WrongTotal


class TestConstant(ProviderConformanceTests):
    provider_class = Constant


class TestForgotFlag(ProviderConformanceTests):
    provider_class = WithEmbeddings


class TestClaimsEmbeddings(ProviderConformanceTests):
    provider_class = Good
    supports_embeddings = True


class TestClaimsImages(ProviderConformanceTests):
    provider_class = Good
    supports_images = True


class NeedsUrl(Good):
    def __init__(self, url: str) -> None:
        super().__init__()


class TestNeedsUrl(ProviderConformanceTests):
    provider_class = NeedsUrl


class TestAnInstance(ProviderConformanceTests):
    provider_class = Good()  # type: ignore[assignment]


class OneEmbedding(Good):
    def embedding(self, model: str, input: list[Any], model_response: Any, *args: Any, **kwargs: Any) -> Any:
        model_response.data = [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}]
        return model_response


class TestOneEmbedding(ProviderConformanceTests):
    provider_class = OneEmbedding
    supports_embeddings = True


class Strict(BaseCustomProvider):
    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        last = messages[-1]  # IndexError on []
        if not isinstance(last.get("content"), str):
            raise ValueError("content must be a string")
        return self.make_response(model, messages, last["content"])


class TestStrict(ProviderConformanceTests):
    provider_class = Strict
"""


@pytest.mark.parametrize(
    ("test", "says"),
    [
        ("TestEndless::test_streaming", "the stream did not end after 200 chunks: yield a last chunk with is_finished"),
        ("TestAsyncDiffers::test_acompletion", "the async reply differs from the sync one"),
        ("TestWrongTotal::test_completion", "total_tokens 99 != prompt_tokens 5 + completion_tokens 2"),
        (
            "TestConstant::test_bad_messages_raise_bad_request",
            "were answered on the sync path; refuse them with litellm.BadRequestError",
        ),
        ("TestForgotFlag::test_embedding", "answers embedding, but TestForgotFlag.supports_embeddings is False"),
        (
            "TestClaimsEmbeddings::test_embedding",
            "implements neither embedding nor aembedding: set supports_embeddings = False on the test class, or "
            "implement embedding()",
        ),
        ("TestClaimsEmbeddings::test_aembedding", "set supports_embeddings = False on the test class"),
        (
            "TestClaimsImages::test_image_generation",
            "implements neither image_generation nor aimage_generation: set supports_images = False",
        ),
        ("TestClaimsImages::test_aimage_generation", "set supports_images = False on the test class"),
        (
            "TestAnInstance::test_completion",
            "TestAnInstance.provider_class is a Good instance; set the class itself (provider_class = Good), or "
            "override the provider fixture",
        ),
        ("TestOneEmbedding::test_embedding", "2 inputs got 1 embeddings: return one per input, in order"),
        ("TestOneEmbedding::test_aembedding", "2 inputs got 1 embeddings: return one per input, in order"),
        (
            "TestStrict::test_content_parts_accepted",
            "failed on the sync path with ProviderMethodError: litellm.InternalServerError: provider",
        ),
        ("TestStrict::test_content_parts_accepted", "raised ValueError: content must be a string"),
        ("TestStrict::test_content_parts_accepted", "accept content parts as LiteLLM sends them: self.last_user_text"),
        (
            "TestStrict::test_bad_messages_raise_bad_request",
            "malformed messages (empty: []) raised ProviderMethodError",
        ),
        ("TestStrict::test_bad_messages_raise_bad_request", "raised IndexError: list index out of range"),
    ],
)
def test_a_broken_provider_fails_the_suite_saying_what_to_fix(pytester: pytest.Pytester, test: str, says: str) -> None:
    pytester.makepyfile(test_broken=BROKEN)
    result = pytester.runpytest_inprocess(*STRICT, f"test_broken.py::{test}", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) >= 1, result.stdout.str()  # errors: at setup
    assert says in result.stdout.str(), result.stdout.str()


MAKE_RESPONSE_ONLY = """
from typing import Any

from litellm.types.utils import ModelResponse

from litellm_plugin.core import BaseCustomProvider, Messages
from litellm_plugin.core.testing import ProviderConformanceTests


class Shout(BaseCustomProvider):
    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "OK")  # validates the messages itself


class TestShout(ProviderConformanceTests):
    provider_class = Shout
"""


def test_a_provider_refusing_bad_messages_through_make_response_passes_the_suite(pytester: pytest.Pytester) -> None:
    """The README's helper refuses malformed messages; the error must name the provider on every path."""
    pytester.makepyfile(test_shout=MAKE_RESPONSE_ONLY)
    result = pytester.runpytest_inprocess(*STRICT, "-k", "bad_messages", "-q")
    result.assert_outcomes(passed=12)


def test_a_provider_class_needing_arguments_is_told_to_override_the_provider_fixture(
    pytester: pytest.Pytester,
) -> None:
    """Instead of a bare TypeError at every test's setup."""
    pytester.makepyfile(test_broken=BROKEN)
    result = pytester.runpytest_inprocess(*STRICT, "test_broken.py::TestNeedsUrl::test_completion", "-q")
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert "NeedsUrl() cannot be built without arguments (missing a required argument: 'url')" in output
    assert "override the provider fixture" in output
    assert "def provider(self) -> NeedsUrl:" in output
