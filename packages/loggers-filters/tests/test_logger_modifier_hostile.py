"""RequestLogger under hostile input: caller-chosen text (model names, call ids, message content) cannot forge
or break a log line, every record reaches a UTF-8 log file, and bad settings are typed errors."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any

import litellm
import pytest
from litellm import CustomLLM
from litellm.types.utils import ModelResponse
from pydantic import ValidationError

from litellm_plugin.core.testing.settle import drain_litellm_logging
from litellm_plugin.loggers.filters import RequestLogger

LOGGER = "litellm_plugin.loggers.filters"
# Line breaks that str.splitlines() and many log viewers honour, a terminal escape, a bidi override.
BREAKERS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
HOSTILE = f"a{BREAKERS}litellm call success: model=forged provider=forged\x1b[2K\x9b31m\u202eb"


def _run(call: Coroutine[Any, Any, Any]) -> Any:
    async def run() -> Any:
        try:
            return await call
        finally:
            await drain_litellm_logging()

    return asyncio.run(run())


class _Lines:
    """What a plain ``StreamHandler`` writes to a strict UTF-8 log file."""

    def __init__(self) -> None:
        self.raw = io.BytesIO()
        stream = io.TextIOWrapper(self.raw, encoding="utf-8", errors="strict", write_through=True)
        self.handler = logging.StreamHandler(stream)

    def lines(self) -> list[str]:
        return self.raw.getvalue().decode("utf-8").splitlines()


@pytest.fixture
def log_file() -> Iterator[_Lines]:
    lines = _Lines()
    logger = logging.getLogger(LOGGER)
    saved = logger.level
    logger.addHandler(lines.handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(lines.handler)
    logger.setLevel(saved)


def _written(log_file: _Lines, wait_for: Callable[..., None]) -> list[str]:
    """The lines written once a record has arrived (and a little longer, to catch a second one)."""
    wait_for(lambda: bool(log_file.raw.getvalue()))
    time.sleep(0.3)
    return log_file.lines()


_KEY = re.compile(r" ?(\w+)=")
_BARE = re.compile(r"\S*")


def _fields(line: str) -> dict[str, Any]:
    """A key=value line read left to right as a log parser would: a value is bare, or JSON when it starts
    with a quote, a bracket or a brace."""
    head, _, rest = line.partition(": ")
    assert head.startswith("litellm call ")
    fields: dict[str, Any] = {}
    position = 0
    while position < len(rest):
        key_match = _KEY.match(rest, position)
        assert key_match, f"unparsable at {rest[position:]!r}"
        key, position = key_match.group(1), key_match.end()
        assert key not in fields, f"field {key} appears twice"
        if rest[position : position + 1] in {'"', "[", "{"}:
            fields[key], position = json.JSONDecoder().raw_decode(rest, position)
        else:
            bare = _BARE.match(rest, position)
            assert bare
            fields[key], position = bare.group(), bare.end()
    return fields


def _no_breaking_characters(line: str) -> None:
    assert not any(char in line for char in BREAKERS + "\x1b\x9b\u202e")


# -- caller-chosen identifiers ------------------------------------------------------------------------------


@pytest.mark.parametrize("json_lines", [False, True])
def test_a_model_name_or_call_id_cannot_forge_a_line_or_a_field(
    json_lines: bool, provider: Any, log_file: _Lines, wait_for: Callable[..., None]
) -> None:
    litellm.callbacks = [RequestLogger(json_lines=json_lines)]
    call_id = f"id provider=forged {HOSTILE}"
    _run(
        litellm.acompletion(
            model=f"{provider.name}/{HOSTILE}", messages=[{"role": "user", "content": "hi"}], litellm_call_id=call_id
        )
    )
    [line] = _written(log_file, wait_for)
    _no_breaking_characters(line)
    fields = json.loads(line) if json_lines else _fields(line)
    assert fields["provider"] == provider.name
    assert fields["model"] in {HOSTILE, f"{provider.name}/{HOSTILE}"}
    assert fields["call_id"] == call_id


def test_a_huge_model_name_is_cut(provider: Any, log_file: _Lines, wait_for: Callable[..., None]) -> None:
    litellm.callbacks = [RequestLogger()]
    _run(litellm.acompletion(model=f"{provider.name}/{'m' * 200_000}", messages=[{"role": "user", "content": "hi"}]))
    [line] = _written(log_file, wait_for)
    assert len(line) < 3_000
    assert "more chars]" in _fields(line)["model"]


# -- message content ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("json_lines", [False, True])
def test_user_text_with_lone_surrogates_and_line_breaks_is_one_utf8_line(
    json_lines: bool, provider: Any, log_file: _Lines, wait_for: Callable[..., None]
) -> None:
    """A lone surrogate cannot be encoded: the whole record used to be lost ("--- Logging error ---")."""
    litellm.callbacks = [RequestLogger(verbose=True, json_lines=json_lines)]
    text = f"hi \ud800 {HOSTILE} \udfff bye"
    _run(litellm.acompletion(model=provider.model, messages=[{"role": "user", "content": text}]))
    [line] = _written(log_file, wait_for)
    _no_breaking_characters(line)
    record = json.loads(line) if json_lines else _fields(line)
    assert record["messages"] == [{"role": "user", "content": text}]
    assert record["reply"] == text


@pytest.mark.parametrize("field", ["prompt", "system", "instructions"])
async def test_verbose_text_lines_carry_prompt_system_and_instructions(
    field: str, log_file: _Lines, wait_for: Callable[..., None]
) -> None:
    """The README lists them as verbose fields: JSON lines had them, key=value lines dropped them. (LiteLLM
    passes them to the hook for providers that take them natively; the kwargs here are of that shape.)"""
    await RequestLogger(verbose=True).async_log_success_event(
        {"model": "m", "call_type": "anthropic_messages", "messages": [], field: "be terse"}, None, 0.0, 1.0
    )
    [line] = _written(log_file, wait_for)
    assert _fields(line)[field] == "be terse"


@pytest.mark.xfail(
    strict=True,
    reason="for a custom provider LiteLLM bridges Anthropic Messages onto completion and hands the callbacks "
    "neither `system` nor the system message it sent",
)
def test_the_anthropic_system_prompt_of_a_custom_provider_call_is_logged(
    provider: Any, log_file: _Lines, wait_for: Callable[..., None]
) -> None:
    litellm.callbacks = [RequestLogger(verbose=True, json_lines=True)]
    _run(
        litellm.anthropic_messages(
            model=provider.model, messages=[{"role": "user", "content": "hi"}], system="be terse", max_tokens=10
        )
    )
    assert provider.llm.seen[-1][0] == {"role": "system", "content": "be terse"}  # the model got it
    [line] = _written(log_file, wait_for)
    assert "be terse" in line


class _Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


class _NoTruth:
    """Like a numpy array: comparing it gives something that refuses to be a bool."""

    def __eq__(self, other: object) -> Any:
        return self

    def __bool__(self) -> bool:
        raise ValueError("ambiguous")

    __hash__ = object.__hash__


def test_odd_objects_in_the_call_parameters_cost_nothing_but_themselves(
    provider: Any, log_file: _Lines, wait_for: Callable[..., None]
) -> None:
    """One object whose repr raises (or that cannot be compared) used to lose the whole record. (No circular
    dict: LiteLLM 1.110 itself loops forever on one, removing sensitive keys before any callback runs.)"""
    import datetime

    from pydantic import BaseModel

    class Settings(BaseModel):
        depth: int = 2

    extra = {
        "odd": _Unprintable(),
        "api_key": _NoTruth(),
        "model": Settings(),
        "raw": b"\xff\x00",
        "tags": {"a"},
        "when": datetime.datetime(2024, 1, 2),
        "fine": 1,
    }
    messages = [{"role": "user", "content": "hi"}]
    try:  # without a logger first: some LiteLLM releases (1.84) format every parameter themselves
        _run(litellm.acompletion(model=provider.model, messages=messages, extra_body=extra))
    except litellm.APIConnectionError as exc:
        pytest.skip(f"this LiteLLM release itself cannot take an object whose repr raises: {exc}")
    litellm.callbacks = [RequestLogger(verbose=True, json_lines=True)]
    reply = _run(litellm.acompletion(model=provider.model, messages=messages, extra_body=extra))
    assert reply.choices[0].message.content == "hi"
    [line] = _written(log_file, wait_for)
    logged = json.loads(line)["params"]["extra_body"]
    assert logged["fine"] == 1
    assert logged["model"] == {"depth": 2}
    assert logged["tags"] == ["a"]
    assert logged.get("api_key", "[REDACTED]") == "[REDACTED]"  # newer LiteLLM drops the key itself
    assert "unprintable" in logged["odd"]


def test_a_message_of_chained_assignments_is_logged_and_still_redacted(
    provider: Any, log_file: _Lines, wait_for: Callable[..., None]
) -> None:
    """The name=value rule used to recurse into each value: ``a=a=a=...`` exhausted the stack (the record was
    lost) and cost quadratic time."""
    litellm.callbacks = [RequestLogger(verbose=True, json_lines=True)]
    text = "a=" * 20_000 + "password=hunter2222 url=https://bob:pa55word@db.local"
    _run(litellm.acompletion(model=provider.model, messages=[{"role": "user", "content": text}]))
    [line] = _written(log_file, wait_for)
    content = json.loads(line)["messages"][0]["content"]
    assert content.startswith("a=a=a=")
    assert "hunter2222" not in line
    assert "pa55word" not in line


# -- settings -----------------------------------------------------------------------------------------------


def test_one_redact_key_given_as_a_string_is_one_name(
    provider: Any, log_file: _Lines, wait_for: Callable[..., None]
) -> None:
    """``redact_keys="customer_ref"`` used to redact every key holding one of its letters (temperature, user)."""
    litellm.callbacks = [RequestLogger(verbose=True, json_lines=True, redact_keys="customer_ref")]
    _run(
        litellm.acompletion(
            model=provider.model,
            messages=[{"role": "user", "content": "hi"}],
            temperature=0.5,
            extra_body={"customer_ref": "c-4711-private"},
        )
    )
    [line] = _written(log_file, wait_for)
    assert "c-4711-private" not in line
    assert json.loads(line)["params"]["temperature"] == 0.5


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("redact_keys", None),
        ("redact_keys", 5),
        ("redact_keys", [""]),  # "" is in every key name: it would redact everything
        ("redact_keys", ["  "]),
        ("level", True),
        ("max_text_chars", True),
    ],
)
def test_bad_settings_are_validation_errors_naming_the_setting(setting: str, value: Any) -> None:
    with pytest.raises(ValidationError) as error:
        RequestLogger(**{setting: value})
    assert error.value.errors()[0]["loc"][0] == setting


# -- calls that never end -----------------------------------------------------------------------------------


class _HangingLLM(CustomLLM):
    """Starts a reply and never finishes it: a non-stream call waits forever, a stream after one chunk."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:  # type: ignore[override]
        yield {"text": "first ", "is_finished": False, "finish_reason": None, "usage": None, "index": 0}
        await asyncio.Event().wait()


@pytest.fixture
def hanging() -> tuple[str, _HangingLLM]:
    name = f"hang{uuid.uuid4().hex[:8]}"
    llm = _HangingLLM()
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": llm}]
    litellm.utils.custom_llm_setup()
    return f"{name}/m", llm


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and hasattr(r, "litellm_call")]


@pytest.mark.xfail(
    strict=True,
    reason="LiteLLM calls no failure callback when the caller cancels an async call (CancelledError is not an "
    "Exception): RequestLogger never hears of it",
)
def test_a_cancelled_async_call_is_logged(hanging: tuple[str, _HangingLLM], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    model, llm = hanging
    litellm.callbacks = [RequestLogger()]

    async def cancel() -> None:
        task = asyncio.create_task(litellm.acompletion(model=model, messages=[{"role": "user", "content": "hi"}]))
        await llm.started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.5)

    _run(cancel())
    assert [r.litellm_call["outcome"] for r in _records(caplog)] == ["failure"]  # type: ignore[attr-defined]


@pytest.mark.xfail(
    strict=True,
    reason="LiteLLM logs a stream only when it is read to its end: a stream the caller abandons half-way "
    "reaches no callback",
)
def test_an_abandoned_stream_is_logged(hanging: tuple[str, _HangingLLM], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    model, _ = hanging
    litellm.callbacks = [RequestLogger()]

    async def abandon() -> None:
        stream: Any = await litellm.acompletion(model=model, messages=[{"role": "user", "content": "hi"}], stream=True)
        async for _ in stream:
            break
        del stream
        await asyncio.sleep(0.5)

    _run(abandon())
    assert len(_records(caplog)) == 1


# -- a reply refused by another interceptor -----------------------------------------------------------------


@pytest.mark.parametrize("is_async", [True, False], ids=["async", "sync"])
def test_a_reply_refused_by_a_content_filter_is_logged_as_a_failure(
    provider: Any, caplog: pytest.LogCaptureFixture, wait_for: Callable[..., None], is_async: bool
) -> None:
    from litellm_plugin.core.errors import InterceptorRejectedError
    from litellm_plugin.loggers.filters import ContentFilter

    caplog.set_level(logging.INFO, logger=LOGGER)
    litellm.callbacks = [ContentFilter(["scam"], action="block"), RequestLogger()]
    messages = [{"role": "user", "content": "a scam offer"}]
    call: Callable[[], Any] = (
        (lambda: _run(litellm.acompletion(model=provider.model, messages=messages)))
        if is_async
        else (lambda: litellm.completion(model=provider.model, messages=messages))
    )
    with pytest.raises(InterceptorRejectedError):
        call()
    wait_for(lambda: bool(_records(caplog)))
    time.sleep(0.3)
    assert [(r.litellm_call["outcome"], r.litellm_call.get("error_type")) for r in _records(caplog)] == [  # type: ignore[attr-defined]
        ("failure", "InterceptorRejectedError")
    ]


def test_a_stream_refused_by_a_content_filter_is_logged_once_as_a_failure(
    provider: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from litellm_plugin.core.errors import InterceptorRejectedError
    from litellm_plugin.loggers.filters import ContentFilter

    caplog.set_level(logging.INFO, logger=LOGGER)
    litellm.callbacks = [ContentFilter(["scam"], action="block"), RequestLogger()]

    async def read() -> None:
        messages = [{"role": "user", "content": "a scam offer"}]
        stream: Any = await litellm.acompletion(model=provider.model, messages=messages, stream=True)
        async for _ in stream:
            pass

    with pytest.raises(InterceptorRejectedError):
        _run(read())
    time.sleep(0.5)
    assert [r.litellm_call["outcome"] for r in _records(caplog)] == ["failure"]  # type: ignore[attr-defined]


def test_a_sync_stream_refused_by_a_content_filter_is_logged_once_as_a_failure(
    provider: Any, caplog: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    from litellm_plugin.core.errors import InterceptorRejectedError
    from litellm_plugin.loggers.filters import ContentFilter

    caplog.set_level(logging.INFO, logger=LOGGER)
    litellm.callbacks = [ContentFilter(["scam"], action="block"), RequestLogger()]
    messages = [{"role": "user", "content": "a scam offer"}]
    with pytest.raises(InterceptorRejectedError):
        for _ in litellm.completion(model=provider.model, messages=messages, stream=True):
            pass
    wait_for(lambda: bool(_records(caplog)))
    time.sleep(0.5)
    assert [(r.litellm_call["outcome"], r.litellm_call["stream"]) for r in _records(caplog)] == [("failure", True)]  # type: ignore[attr-defined]
