"""Settings of the three interceptors: validated up front, errors name the setting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litellm.types.guardrails import LitellmParams
from pydantic import ValidationError

from litellm_plugin.loggers.filters import ContentFilter, ContentFilterConfig, ContentFilterConfigError, RequestLogger


def error_text(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(excinfo.value)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"action": "drop"}, "action"),
        ({"replacement": 3}, "replacement"),
        ({"whole_words": "sometimes"}, "whole_words"),
        ({"mode": "post_mcp_call"}, "mode"),
        ({"blocked_words_file": "/nonexistent/words.txt"}, "blocked_words_file"),
        ({"replacement": "[spam]"}, "replacement"),
        ({"blocked_word": ["x"]}, "blocked_word"),
        ({"filter_requests": False, "filter_responses": False}, "filter_requests"),
        ({"mode": "during_call"}, "mode"),
        ({"mode": "pre_call", "filter_requests": True}, "filter_requests"),
    ],
)
def test_bad_settings_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        ContentFilter(["spam"], **kwargs)
    assert field in error_text(excinfo)


def test_a_single_string_is_not_a_word_list() -> None:
    with pytest.raises(ValidationError, match="blocked_words"):
        ContentFilter("spam")


def test_a_filter_needs_words() -> None:
    with pytest.raises(ValidationError, match="blocked_words"):
        ContentFilter([])
    with pytest.raises(ValidationError, match="blocked_words"):
        ContentFilter(["  ", "\u200b"])


def test_action_accepts_litellm_spelling() -> None:
    assert ContentFilter(["spam"], action="BLOCK").config.action == "block"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("words.txt", "# marketing\nspam\n\n  buy now  \n"),
        ("words.json", json.dumps(["spam", {"keyword": "buy now", "action": "MASK"}])),
        ("words.yaml", "blocked_words:\n  - keyword: spam\n    action: MASK\n  - keyword: buy now\n    action: MASK\n"),
    ],
)
def test_words_files(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    content_filter = ContentFilter(blocked_words_file=str(path))
    assert content_filter.mask("Spam? Buy now!") == "[FILTERED]? [FILTERED]!"


def test_words_file_and_list_combine(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("scam\n", encoding="utf-8")
    content_filter = ContentFilter(["spam"], blocked_words_file=str(path))
    assert content_filter.mask("spam scam") == "[FILTERED] [FILTERED]"


def test_broken_words_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "words.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationError, match="blocked_words_file"):
        ContentFilter(blocked_words_file=str(path))


def test_built_as_the_proxy_builds_a_guardrail() -> None:
    """The proxy passes every LitellmParams field (LiteLLM's defaults included) to the class."""
    params = LitellmParams(
        guardrail="litellm_plugin.loggers.filters.ContentFilter",
        mode="post_call",
        default_on=True,
        blocked_words=[{"keyword": "spam", "action": "MASK"}],
        replacement="###",
        action="mask",
    )
    extra = {
        key: value
        for key, value in params.model_dump(exclude_none=True).items()
        if key not in {"guardrail", "mode", "default_on", "stream_scope"}
    }
    content_filter = ContentFilter(guardrail_name="words", event_hook=params.mode, default_on=True, **extra)
    assert content_filter.mask("spam!") == "###!"
    assert content_filter.guardrail_name == "words"
    assert content_filter.config.sides() == {"post_call"}


def test_a_bad_guardrail_config_stops_the_proxy_instead_of_being_skipped() -> None:
    """LiteLLM skips a guardrail whose constructor raises ValueError; ours raises something it does not skip."""
    params = LitellmParams(
        guardrail="litellm_plugin.loggers.filters.ContentFilter", mode="post_call", blocked_words_file="/nope.txt"
    )
    extra = {
        key: value
        for key, value in params.model_dump(exclude_none=True).items()
        if key not in {"guardrail", "mode", "default_on", "stream_scope"}
    }
    with pytest.raises(ContentFilterConfigError, match="blocked_words_file") as excinfo:
        ContentFilter(guardrail_name="words", event_hook="post_call", **extra)
    assert not isinstance(excinfo.value, (ValueError, TypeError))
    assert isinstance(excinfo.value.__cause__, ValidationError)


@pytest.mark.parametrize(
    ("setting", "named"), [({"fail_open": "false"}, "fail_open"), ({"call_types": ["completion", "chat"]}, "chat")]
)
def test_a_bad_base_setting_in_a_guardrail_config_stops_the_proxy(setting: dict[str, Any], named: str) -> None:
    """The settings BaseCustomLogger checks (a TypeError, a ValueError) stop the proxy like ContentFilter's own:
    LiteLLM would start without the guardrail, and every request would pass unfiltered."""
    params = LitellmParams(guardrail="litellm_plugin.loggers.filters.ContentFilter", mode="pre_call", **setting)
    extra = {
        key: value
        for key, value in params.model_dump(exclude_none=True).items()
        if key not in {"guardrail", "mode", "default_on", "stream_scope"}
    }
    with pytest.raises(ContentFilterConfigError, match=named) as excinfo:
        ContentFilter(["spam"], guardrail_name="words", event_hook="pre_call", guardrail=params.guardrail, **extra)
    assert not isinstance(excinfo.value, (ValueError, TypeError))
    with pytest.raises((TypeError, ValueError)):  # in Python, the error as before
        ContentFilter(["spam"], **setting)


def test_unknown_guardrail_parameter_is_a_typo() -> None:
    with pytest.raises(ValidationError, match="blocked_wrds"):
        ContentFilter(["spam"], guardrail_name="words", event_hook="post_call", blocked_wrds=["x"])


def test_config_model_is_usable_alone() -> None:
    config = ContentFilterConfig(blocked_words=["spam"], filter_requests=True)
    assert config.sides() == {"pre_call", "post_call"}
    assert config.words() == [("spam", "mask")]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"verbose": "loud"}, "verbose"), ({"level": "CHATTY"}, "level"), ({"max_text_chars": 0}, "max_text_chars")],
)
def test_request_logger_settings(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        RequestLogger(**kwargs)
    assert field in error_text(excinfo)


def test_request_logger_level_names() -> None:
    assert RequestLogger(level="debug").config.level == 10


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("blocked_word", "blocked_words"), ("replacment", "replacement"), ("filter_request", "filter_requests")],
)
def test_a_misspelt_parameter_names_the_one_meant(typo: str, meant: str) -> None:
    misspelt: dict[str, Any] = {typo: "x"}
    with pytest.raises(ValidationError, match=rf"{typo}\n.*did you mean {meant}\?"):
        ContentFilter(blocked_words=["spam"], **misspelt)
    # In the proxy (built from a `guardrails:` entry) the same typo stops it, saying the same.
    with pytest.raises(ContentFilterConfigError, match=rf"did you mean {meant}\?"):
        ContentFilter(blocked_words=["spam"], guardrail="litellm_plugin.loggers.filters.ContentFilter", **misspelt)


def test_an_unknown_parameter_with_no_close_name_is_refused_as_before() -> None:
    with pytest.raises(ValidationError, match=r"zzzz\n  Extra inputs are not permitted \[type=extra_forbidden"):
        ContentFilter(blocked_words=["spam"], zzzz=1)


@pytest.mark.parametrize(
    ("words", "replacement", "whole_words", "text"),
    [
        (["buy now"], "", True, "Please buy buy now now!"),  # "buy  now" once masked
        (["buy now"], " ", True, "Please buy buy now now!"),
        (["buy now"], "\u200b", True, "Please buy buy now now!"),  # invisible: ignored when matching
        (["buy now"], "now", True, "Please buy buy now now!"),  # "buy now now"
        (["buy now"], "now!", True, "Please buy buy now now!"),
        (["spam"], "", False, "spspamam"),  # "spam"
        (["sex"], "X", False, "sesex"),  # "seX"
    ],
)
def test_a_replacement_that_would_let_the_text_around_a_mask_form_a_blocked_phrase_is_refused(
    words: list[str], replacement: str, whole_words: bool, text: str
) -> None:
    # What it would have done: the masked text holds the blocked phrase again.
    unchecked = ContentFilter(words, whole_words=whole_words)
    joined = text
    for match in reversed(unchecked.config.matcher.find(text)):
        joined = joined[: match.start] + replacement + joined[match.end :]
    assert unchecked.config.matcher.find(joined)
    with pytest.raises(ValidationError, match="replacement") as excinfo:
        ContentFilter(words, replacement=replacement, whole_words=whole_words)
    assert "[FILTERED]" in error_text(excinfo)  # says what to use instead


@pytest.mark.parametrize(
    ("words", "replacement", "whole_words"),
    [(["sex"], "X", True), (["f***"], "***", True), (["spam"], "-", False), (["new", "new york"], "#", True)],
)
def test_a_replacement_that_cannot_join_the_text_around_it_is_accepted(
    words: list[str], replacement: str, whole_words: bool
) -> None:
    ContentFilter(words, replacement=replacement, whole_words=whole_words)
