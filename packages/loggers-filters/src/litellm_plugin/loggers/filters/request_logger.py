"""RequestLogger: one structured, secret-free log record per LiteLLM call."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable
from typing import Any

from litellm_plugin.core.call_types import normalize_call_type
from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.payloads import response_texts
from litellm_plugin.loggers.filters.config import RequestLoggerConfig
from litellm_plugin.loggers.filters.redaction import Redactor

__all__ = ["RequestLogger"]

_internal = logging.getLogger("litellm_plugin.loggers.filters")

_MAX_ERROR_CHARS = 500
_MAX_IDENTIFIER_CHARS = 500  # model, provider, call type, call id: caller-chosen, never needed whole past this

# Characters that JSON leaves as they are but that end a line or rewrite a terminal for some readers (C1
# controls such as NEL and CSI, line/paragraph separators, bidi controls) or that no UTF-8 stream can write
# (lone surrogates): written as \uXXXX escapes, so one record is always one well-formed line.
_UNSAFE_IN_JSON = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# A key=value field whose value has one of these is written as a JSON string, so it cannot forge a field.
_NEEDS_QUOTES = re.compile(r'[\s"=\\]')

# Parts of LiteLLM's callback kwargs that hold call content, not credentials: not searched for secrets.
_CONTENT_KEYS = (
    "messages",
    "input",
    "prompt",
    "system",
    "instructions",
    "standard_logging_object",
    "async_complete_streaming_response",
    "complete_streaming_response",
    "original_response",
)


class RequestLogger(BaseCustomLogger):
    """Logs every call once, when it ends (streams too, with their totals), via Python ``logging``.

    A record holds the model, provider, call type, stream flag, latency, time to first token (streams),
    token counts, cost when LiteLLM knows it, the outcome and, on failure, the error type. ``verbose=True``
    adds the messages, the reply and the call parameters. Credentials never reach the log (see
    :mod:`~litellm_plugin.loggers.filters.redaction`), and logging never raises into the call.

    The record is the message (``key=value`` text, or one JSON line with ``json_lines=True``) and is also
    attached to the ``LogRecord`` as ``record.litellm_call`` for structured handlers.
    """

    # No ``call_types`` of its own: it observes every call, as a plain ``CustomLogger`` does (moderation, rerank,
    # speech... and their refusals, too); ``call_types=`` narrows it.

    def __init__(
        self,
        verbose: bool = False,
        *,
        json_lines: bool = False,
        level: int | str = logging.INFO,
        logger_name: str = "litellm_plugin.loggers.filters",
        redact_keys: Iterable[str] = (),
        max_text_chars: int = 10_000,
        call_types: Iterable[str] | None = None,
    ) -> None:
        self.config = RequestLoggerConfig.model_validate(
            {
                "verbose": verbose,
                "json_lines": json_lines,
                "level": level,
                "logger_name": logger_name,
                "redact_keys": redact_keys,
                "max_text_chars": max_text_chars,
            }
        )
        self.logger = logging.getLogger(self.config.logger_name)
        super().__init__(call_types=call_types)

    async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._log("success", kwargs, response_obj, start_time, end_time)

    async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self._log("failure", kwargs, response_obj, start_time, end_time)

    def build_record(
        self, outcome: str, kwargs: dict[str, Any], response_obj: Any, start_time: Any, end_time: Any
    ) -> dict[str, Any]:
        """The redacted record for one call (what is logged)."""
        payload = kwargs.get("standard_logging_object")
        slo: dict[str, Any] = payload if isinstance(payload, dict) else {}
        # LiteLLM's payload says stream=True only once a stream completed; the call's own arguments say it too.
        params = kwargs.get("optional_params")
        stream = (
            slo.get("stream") is True
            or kwargs.get("stream") is True
            or (isinstance(params, dict) and params.get("stream") is True)
        )
        started = _seconds(slo.get("startTime"), start_time)
        ended = _seconds(slo.get("endTime"), end_time)
        first_token = (
            _seconds(slo.get("completionStartTime"), kwargs.get("completion_start_time"))
            if outcome == "success"
            else _seconds(kwargs.get("completion_start_time"))  # the payload's default is the failure time
        )
        record: dict[str, Any] = {
            "event": "litellm_call",
            "outcome": outcome,
            "call_id": _identifier(slo.get("litellm_call_id") or kwargs.get("litellm_call_id")),
            "model": _identifier(slo.get("model") or kwargs.get("model")),
            "provider": _identifier(slo.get("custom_llm_provider") or kwargs.get("custom_llm_provider")),
            "call_type": _identifier(slo.get("call_type") or kwargs.get("call_type")),
            "api": normalize_call_type(slo.get("call_type") or kwargs.get("call_type")),
            "stream": stream,
            "latency_ms": _ms(started, ended),
            "ttft_ms": _ms(started, first_token) if stream else None,
            "prompt_tokens": _scalar(slo.get("prompt_tokens")),
            "completion_tokens": _scalar(slo.get("completion_tokens")),
            "total_tokens": _scalar(slo.get("total_tokens")),
            "cost": _cost(slo, kwargs),
        }
        # Free text (error messages, verbose content) may carry credentials: it goes through the redactor.
        free: dict[str, Any] = {}
        if outcome == "failure":
            error = kwargs.get("exception")
            info = slo.get("error_information") or {}
            record["error_type"] = type(error).__name__ if error is not None else info.get("error_class") or None
            message = str(error) if error is not None else slo.get("error_str")
            # LiteLLM appends a traceback to some messages: the first line says what happened.
            free["error"] = message.strip().split("\n", 1)[0] if isinstance(message, str) else None
            if not record["cost"]:
                record["cost"] = None
        if self.config.verbose:
            free["messages"] = kwargs.get("messages") or kwargs.get("input")
            for key in ("prompt", "system", "instructions"):  # text completion, Anthropic, Responses API
                if kwargs.get(key):
                    free[key] = kwargs[key]
            free["reply"] = _reply(response_obj) if outcome == "success" else None
            free["params"] = kwargs.get("optional_params") or {}
            headers = _request_headers(kwargs)
            if headers:
                free["headers"] = headers
        if free:
            redactor = Redactor(self.config.redact_keys)
            redactor.learn(kwargs, skip=_CONTENT_KEYS)
            record.update(redactor.value(free, max_chars=self.config.max_text_chars))
            if isinstance(record.get("error"), str):  # cut after redaction: never half a secret
                record["error"] = record["error"][:_MAX_ERROR_CHARS]
        return record

    def _log(self, outcome: str, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        try:
            level = self.config.level if outcome == "success" else max(self.config.level, logging.WARNING)
            if not isinstance(kwargs, dict) or not self.logger.isEnabledFor(level):
                return
            record = self.build_record(outcome, kwargs, response_obj, start_time, end_time)
            message = _json_line(record) if self.config.json_lines else _text_line(record)
            # makeRecord + handle: Logger.log would also walk the stack for a caller, which is always LiteLLM.
            entry = self.logger.makeRecord(
                self.logger.name, level, __file__, 0, message, (), None, extra={"litellm_call": record}
            )
            self.logger.handle(entry)
        except Exception as exc:  # never into the call, and no details that could carry a secret
            _internal.warning("RequestLogger could not log a call (%s)", type(exc).__name__)


def _seconds(value: Any, fallback: Any = None) -> float | None:
    for candidate in (value, fallback):
        if isinstance(candidate, (int, float)) and not isinstance(candidate, bool):
            return float(candidate)
        if isinstance(candidate, dt.datetime):
            return candidate.timestamp()
    return None


def _scalar(value: Any) -> Any:
    """Identifiers and counts as JSON scalars."""
    return value if value is None or isinstance(value, (str, int, float)) else str(value)


def _identifier(value: Any) -> Any:
    """An identifier (caller-chosen: a model name, a call id) cut to length, so a huge one cannot bloat lines."""
    value = _scalar(value)
    if isinstance(value, str) and len(value) > _MAX_IDENTIFIER_CHARS:
        value = f"{value[:_MAX_IDENTIFIER_CHARS]}... [{len(value) - _MAX_IDENTIFIER_CHARS} more chars]"
    return value


def _ms(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max(0.0, end - start) * 1000, 3)


def _cost(slo: dict[str, Any], kwargs: dict[str, Any]) -> float | None:
    """LiteLLM's cost, or None when it could not price the call (it then reports 0 and debug info)."""
    cost = slo.get("response_cost", kwargs.get("response_cost"))
    if not isinstance(cost, (int, float)) or isinstance(cost, bool):
        return None
    if cost == 0 and (
        slo.get("response_cost_failure_debug_info") or kwargs.get("response_cost_failure_debug_information")
    ):
        return None
    return float(cost)


def _reply(response: Any) -> Any:
    """The reply text of any format: one string, or one per choice."""
    texts: dict[int, str] = {}
    for channel, text in response_texts(response):
        if channel.kind == "text":
            texts[channel.reply] = texts.get(channel.reply, "") + text
    if not texts:
        return None
    return texts[0] if list(texts) == [0] else [texts[index] for index in sorted(texts)]


def _request_headers(kwargs: dict[str, Any]) -> Any:
    params = kwargs.get("litellm_params") or {}
    proxy_request = params.get("proxy_server_request") if isinstance(params, dict) else None
    if isinstance(proxy_request, dict) and proxy_request.get("headers"):
        return proxy_request["headers"]
    for key in ("headers", "extra_headers"):
        value = kwargs.get(key) or (kwargs.get("optional_params") or {}).get(key)
        if value:
            return value
    # A call that went out over HTTP: LiteLLM hands observers the caller's headers with the request it sent (a
    # whole reply), or on their own (a sync stream, a failure).
    sent = kwargs.get("additional_args")
    if not isinstance(sent, dict):
        return None
    body = sent.get("complete_input_dict")
    value = body.get("extra_headers") if isinstance(body, dict) else None
    return value or sent.get("headers") or None


def _json_line(record: Any) -> str:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _text_line(record: dict[str, Any]) -> str:
    tokens = "/".join(
        "-" if record.get(key) is None else str(record[key])
        for key in ("prompt_tokens", "completion_tokens", "total_tokens")
    )
    parts = [
        f"litellm call {record['outcome']}:",
        f"model={_field(record['model'])}",
        f"provider={_field(record['provider'])}",
        f"call_type={_field(record['call_type'])}",
        f"stream={str(record['stream']).lower()}",
        f"latency_ms={_fmt(record['latency_ms'])}",
    ]
    if record["stream"]:
        parts.append(f"ttft_ms={_fmt(record['ttft_ms'])}")
    parts.append(f"tokens={tokens}")
    parts.append(f"cost={_fmt(record['cost'])}")
    if record["outcome"] == "failure":
        parts.append(f"error_type={_field(record.get('error_type'))}")
        parts.append(f"error={_json_line(record.get('error'))}")
    for key in ("messages", "prompt", "system", "instructions", "reply", "params", "headers"):
        if key in record:
            parts.append(f"{key}={_json_line(record[key])}")
    parts.append(f"call_id={_field(record['call_id'])}")
    return " ".join(parts)


def _fmt(value: Any) -> str:
    return "-" if value is None else str(value)


def _field(value: Any) -> str:
    """A key=value field's value: as it is when plain, else a JSON string (spaces, quotes, '=', control or
    invisible characters), so that a caller-chosen model name or call id cannot forge fields or lines."""
    text = _fmt(value)
    if text and text.isprintable() and not _NEEDS_QUOTES.search(text):
        return text
    return _json_line(text)
