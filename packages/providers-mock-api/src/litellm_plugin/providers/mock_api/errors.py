"""Turning what went wrong on the wire into LiteLLM's typed exceptions.

Router retries, cooldowns and fallbacks decide by exception class, and the Router waits for the
``Retry-After`` the exception's response carries. The classes come from core's ``provider_error``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import httpx

from litellm_plugin.core.provider_errors import ErrorKind, provider_error

__all__ = ["error_from_response", "error_from_transport", "malformed_body_error", "retry_after_seconds"]

_KIND_BY_STATUS: Mapping[int, ErrorKind] = {
    400: "bad_request",
    401: "authentication",
    403: "permission_denied",
    404: "not_found",
    408: "timeout",
    413: "bad_request",
    422: "bad_request",
    429: "rate_limit",
    500: "internal",
    503: "unavailable",
    504: "timeout",
}


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Seconds from ``Retry-After`` (or OpenAI's ``retry-after-ms``); ``None`` if absent or a date."""
    milliseconds = headers.get("retry-after-ms")
    value = headers.get("retry-after")
    try:
        if milliseconds is not None:
            return float(milliseconds) / 1000
        return float(value) if value is not None else None
    except ValueError:
        return None


_MAX_MESSAGE = 2000
"""Characters of an error body quoted in the exception: a 2 MB error page must not become a 2 MB message."""


def _clip(text: str) -> str:
    if len(text) <= _MAX_MESSAGE:
        return text
    return f"{text[:_MAX_MESSAGE]}... ({len(text) - _MAX_MESSAGE} more characters)"


def _error_message(body: bytes) -> tuple[str, str | None]:
    """The message and code of an OpenAI-shaped error body, or the raw text."""
    text = body.decode("utf-8", "replace")
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        return text.strip() or "(empty body)", None
    if isinstance(error, Mapping):
        code = error.get("code")
        return str(error.get("message") or text), str(code) if code is not None else None
    if isinstance(error, str):
        return error, None
    return text, None


def error_from_response(
    response: httpx.Response, *, provider: str, model: str, mask: Callable[[str], str] = str
) -> Exception:
    """The LiteLLM exception for an HTTP error response whose body has been read.

    ``mask`` blanks secrets out of the server's message (a 401 body may quote the key it refused)."""
    status = response.status_code
    message, code = _error_message(response.content)
    message = _clip(mask(message))
    if 300 <= status < 400:
        location = response.headers.get("location", "(no Location)")
        message = f"a redirect to {mask(location)[:200]}, not followed (the key goes to api_base only)"
    kind = _KIND_BY_STATUS.get(status, "internal" if status >= 500 else "api_error")
    if status == 400 and code == "context_length_exceeded":
        kind = "context_window_exceeded"
    return provider_error(
        kind,
        f"{provider} returned HTTP {status}: {message}",
        provider=provider,
        model=model,
        status_code=status,
        retry_after=retry_after_seconds(response.headers),
    )


def error_from_transport(error: httpx.TransportError, *, provider: str, model: str, streaming: bool) -> Exception:
    """Timeout → ``litellm.Timeout``; refused, reset or dropped connection → ``APIConnectionError``."""
    where = "mid-stream" if streaming else "during the request"
    if isinstance(error, httpx.TimeoutException):
        return provider_error("timeout", f"{provider} timed out {where}: {error!r}", provider=provider, model=model)
    return provider_error(
        "connection", f"{provider} connection failed {where}: {error!r}", provider=provider, model=model
    )


def malformed_body_error(detail: str, *, provider: str, model: str, status_code: int = 500) -> Exception:
    """``litellm.APIError`` for a body that is not what the API promised (not JSON, missing fields)."""
    return provider_error(
        "api_error",
        f"{provider} returned a malformed body: {detail}",
        provider=provider,
        model=model,
        status_code=status_code,
    )
