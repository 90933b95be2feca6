"""Which names warn as a misspelt hook or setting at class definition: a few letters off (about one per eight
letters of the hook) is a typo LiteLLM would silently never call; a hook's or setting's name with whole words
added (``async_pre_call_hook_impl``, ``call_types_seen``) is the author's helper or data, and stays quiet."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from litellm_plugin.core import BaseCustomLogger
from litellm_plugin.core.contracts import InterceptorDefinitionWarning


async def _method(self: Any, *args: Any, **kwargs: Any) -> None:
    return None


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("async_pre_call_hooks", "async_pre_call_hook"),
        ("async_log_sucess_event", "async_log_success_event"),
        ("async_post_call_success_hook_", "async_post_call_success_hook"),
        ("async_precall_hook", "async_pre_call_hook"),
        ("async_pre_cal_hok", "async_pre_call_hook"),
        ("async_post_call_streaming_itertor_hook", "async_post_call_streaming_iterator_hook"),
        ("log_success_events", "log_success_event"),
    ],
)
def test_a_hook_a_few_letters_off_warns(name: str, meant: str) -> None:
    with pytest.warns(InterceptorDefinitionWarning, match=rf"{name} is not a LiteLLM hook.*did you mean {meant}\?"):
        type("Misspelt", (BaseCustomLogger,), {name: _method})


@pytest.mark.parametrize(
    "name",
    [
        "async_pre_call_hook_impl",
        "async_log_success_event_impl",
        "async_pre_call_hook_inner",
        "log_success_event_sync",
        "my_async_pre_call_hook",
        "async_post_call_streaming_iterator_hook_fn",
        "response_transform_for",
    ],
)
def test_a_hook_name_with_words_added_is_a_helper(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", InterceptorDefinitionWarning)
        type("Helpers", (BaseCustomLogger,), {name: _method})


def test_a_setting_name_with_words_added_is_the_authors_data() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", InterceptorDefinitionWarning)

        class Records(BaseCustomLogger):
            call_types_seen: list[str] = []  # noqa: RUF012
            fail_open_default = False


@pytest.mark.parametrize(("name", "meant"), [("call_type", "call_types"), ("response_channel", "response_channels")])
def test_a_setting_a_letter_off_warns(name: str, meant: str) -> None:
    with pytest.warns(InterceptorDefinitionWarning, match=rf"{name} is not a setting.*did you mean {meant}\?"):
        type("Misspelt", (BaseCustomLogger,), {name: ["completion"]})
