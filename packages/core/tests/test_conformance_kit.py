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
