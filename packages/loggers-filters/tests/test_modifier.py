"""ResponseModifier: the prefix appears once, in front of the reply, on every path."""

from __future__ import annotations

from collections.abc import Callable

import litellm
import pytest
from pydantic import ValidationError

from litellm_plugin.loggers.filters import ResponseModifier


def test_prefix_on_every_path(path: str, call: Callable[..., str]) -> None:
    litellm.callbacks = [ResponseModifier(prefix="[Verified] ")]
    assert call(path, "What is 2+2?") == "[Verified] What is 2+2?"


def test_default_prefix(call: Callable[..., str]) -> None:
    litellm.callbacks = [ResponseModifier()]
    assert call("completion", "hi") == "[Modified] hi"


def test_stream_prefix_rides_on_the_first_content_chunk(call_chunks: Callable[..., tuple[str, list[str]]]) -> None:
    litellm.callbacks = [ResponseModifier(prefix=">> ")]
    text, chunks = call_chunks("completion_stream", "abcdefgh")
    assert text == ">> abcdefgh"
    contents = [chunk for chunk in chunks if chunk]
    assert contents[0] == ">> abc"
    assert all(not content.startswith(">>") for content in contents[1:])


def test_empty_reply_gets_no_prefix(call: Callable[..., str]) -> None:
    litellm.callbacks = [ResponseModifier(prefix="[Verified] ")]
    assert call("completion", "") == ""
    assert call("acompletion_stream", "") == ""


def test_each_call_is_prefixed_once(call: Callable[..., str]) -> None:
    litellm.callbacks = [ResponseModifier(prefix="P:")]
    for _ in range(3):
        assert call("acompletion", "x") == "P:x"


def test_bad_prefix_is_a_validation_error_naming_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        ResponseModifier(prefix=42)  # type: ignore[arg-type]
    assert error.value.errors()[0]["loc"] == ("prefix",)
