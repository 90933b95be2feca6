"""Hostile settings for the bundled interceptors: typed errors naming the setting and the fix, no silent surprise."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import litellm
import pytest
from pydantic import ValidationError

from litellm_plugin.loggers.filters import ContentFilter, RequestLogger, ResponseModifier

LOGGER = "litellm_plugin.loggers.filters"


@pytest.mark.parametrize("name", ["words.txt", "words.json"])
def test_a_words_file_that_is_not_utf8_names_the_file_and_the_fix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(("café\n" if name.endswith(".txt") else '["café"]').encode("latin-1"))
    with pytest.raises(ValidationError) as excinfo:
        ContentFilter(blocked_words_file=str(path))
    message = str(excinfo.value)
    assert "blocked_words_file" in message
    assert str(path) in message
    assert "UTF-8" in message


@pytest.mark.parametrize(("name", "content"), [("words.txt", "spam\n"), ("words.json", '["spam"]')])
def test_a_words_file_with_a_byte_order_mark_is_read(
    tmp_path: Path, name: str, content: str, call: Callable[..., str]
) -> None:
    """Windows editors write UTF-8 with a byte-order mark; the first word must still be found."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8-sig")
    litellm.callbacks = [ContentFilter(blocked_words_file=str(path))]
    assert call("completion", "spam here") == "[FILTERED] here"


def test_a_words_file_that_is_a_directory_or_missing_names_the_file(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "missing.txt"):
        with pytest.raises(ValidationError, match="blocked_words_file") as excinfo:
            ContentFilter(blocked_words_file=str(path))
        assert str(path) in str(excinfo.value)


@pytest.mark.parametrize("content", ["", "# only a comment\n", "\n\n   \n"])
def test_an_empty_words_file_says_there_are_no_words(tmp_path: Path, content: str) -> None:
    path = tmp_path / "words.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError, match="give at least one word"):
        ContentFilter(blocked_words_file=str(path))


@pytest.mark.parametrize("words", [["spam", "..."], ["spam", "  "], ["spam", "\u200b"], ["spam", "-_-"]])
def test_words_without_letters_are_refused_by_name(words: list[str]) -> None:
    with pytest.raises(ValidationError, match="blocked word") as excinfo:
        ContentFilter(words)
    assert repr(words[1]) in str(excinfo.value)


def test_duplicate_words_filter_once(call: Callable[..., str]) -> None:
    litellm.callbacks = [ContentFilter(["spam", "SPAM", "spam", *(f"word{i}" for i in range(5000))])]
    assert call("completion", "spam word4999 ok") == "[FILTERED] [FILTERED] ok"


def test_redact_keys_takes_one_key_name_as_one_key(
    call: Callable[..., str], caplog: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    """``redact_keys="ticket_ref"`` used to become its letters, and every key holding one of them was redacted."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    litellm.callbacks = [RequestLogger(verbose=True, redact_keys="ticket_ref")]
    call("completion", "hello", ticket_ref="T-77-private", note="fine-to-log")
    wait_for(lambda: any(hasattr(r, "litellm_call") for r in caplog.records))
    time.sleep(0.2)
    captured = "".join(json.dumps(r.litellm_call, default=str) for r in caplog.records if hasattr(r, "litellm_call"))
    assert "T-77-private" not in captured
    assert "fine-to-log" in captured


@pytest.mark.parametrize("keys", [[""], ["  "], ["ok", ""]])
def test_blank_redact_keys_are_refused(keys: list[str]) -> None:
    """A blank key name is part of every key: it would redact the whole record."""
    with pytest.raises(ValidationError, match="redact_keys"):
        RequestLogger(redact_keys=keys)


@pytest.mark.parametrize("keys", [5, None, {"a": 1}])
def test_redact_keys_of_the_wrong_type_are_a_validation_error(keys: Any) -> None:
    with pytest.raises(ValidationError, match="redact_keys"):
        RequestLogger(redact_keys=keys)


@pytest.mark.parametrize("level", [True, False])
def test_a_boolean_is_no_logging_level(level: bool) -> None:
    with pytest.raises(ValidationError, match="level"):
        RequestLogger(level=level)


@pytest.mark.parametrize("make", [ContentFilter, ResponseModifier])
@pytest.mark.parametrize("value", ["false", "no", 0, 1, None.__class__])
def test_fail_open_must_be_a_boolean(make: Any, value: Any) -> None:
    """``fail_open="false"`` is truthy: a filter built from text settings would silently fail open."""
    args = (["spam"],) if make is ContentFilter else ()
    with pytest.raises(TypeError, match="fail_open must be True or False"):
        make(*args, fail_open=value)


@pytest.mark.parametrize("prefix", [None, 5, ["a"]])
def test_response_modifier_prefix_must_be_text(prefix: Any) -> None:
    with pytest.raises(ValidationError, match="prefix"):
        ResponseModifier(prefix=prefix)


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ({"keyword": "password", "actoin": "BLOCK"}, "actoin"),
        ({"keyword": "password", "action": "drop"}, "action"),
        ({"keyword": "password", "action": "BLOCK", "description": 5}, "description"),
    ],
)
def test_a_words_file_entry_with_a_wrong_key_is_refused(tmp_path: Path, entry: dict[str, Any], named: str) -> None:
    """A misspelt ``action`` key in a LiteLLM-style words file silently masked a word meant to block the call."""
    path = tmp_path / "words.json"
    path.write_text(json.dumps({"blocked_words": [{"keyword": "spam"}, entry]}), encoding="utf-8")
    with pytest.raises(ValidationError, match="blocked_words_file") as excinfo:
        ContentFilter(blocked_words_file=str(path))
    message = str(excinfo.value)
    assert named in message
    assert "'password'" in message


def test_a_words_file_entry_blocks_when_it_says_so(tmp_path: Path, call: Callable[..., str]) -> None:
    path = tmp_path / "words.yaml"
    path.write_text("blocked_words:\n  - keyword: hunter2\n    action: BLOCK\n    description: a password\n")
    litellm.callbacks = [ContentFilter(blocked_words_file=str(path), filter_requests=True)]
    with pytest.raises(litellm.BadRequestError, match=r"hunter2|blocked"):
        call("completion", "my password is hunter2")


def test_a_words_file_entry_that_expands_to_millions_of_characters_is_quoted_short(tmp_path: Path) -> None:
    """YAML anchors make a few hundred bytes into a nested list of millions of items: the error names the
    entry, cut short (it lands in the proxy's startup log)."""
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for previous, name in zip("abcdef", "bcdefg", strict=True):
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    path = tmp_path / "words.yaml"
    path.write_text(text + "blocked_words: [*g, spam]\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="unexpected entry") as caught:
        ContentFilter(blocked_words_file=str(path))
    assert len(str(caught.value)) < 2_000


def test_a_huge_word_without_letters_is_quoted_short() -> None:
    with pytest.raises(ValidationError, match="has no letter or digit") as caught:
        ContentFilter(["fine", "!" * 100_000])
    assert len(str(caught.value)) < 2_000
