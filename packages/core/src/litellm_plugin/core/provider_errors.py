"""LiteLLM's typed exceptions, built from one short call.

Router retries, cooldowns and fallbacks decide by exception type and read ``llm_provider`` and the
``retry-after`` header, so a custom provider has to raise the same classes the built-in providers raise.
"""

from __future__ import annotations

from typing import Literal

import httpx
from litellm import exceptions as errors

from litellm_plugin.core._compat import timeout_error

__all__ = ["ErrorKind", "ProviderContractError", "ProviderMethodError", "provider_error"]

ErrorKind = Literal[
    "bad_request",
    "authentication",
    "permission_denied",
    "not_found",
    "context_window_exceeded",
    "content_policy",
    "rate_limit",
    "timeout",
    "connection",
    "internal",
    "unavailable",
    "api_error",
]

_STATUS: dict[ErrorKind, int] = {
    "bad_request": 400,
    "authentication": 401,
    "permission_denied": 403,
    "not_found": 404,
    "context_window_exceeded": 400,
    "content_policy": 400,
    "rate_limit": 429,
    "timeout": 408,
    "connection": 500,
    "internal": 500,
    "unavailable": 503,
    "api_error": 500,
}


def _response(provider: str, status_code: int, retry_after: float | None) -> httpx.Response:
    """A synthetic HTTP response: LiteLLM's Router reads ``retry-after`` from the exception's response."""
    headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
    request = httpx.Request("POST", f"http://{provider or 'custom'}.invalid/")
    return httpx.Response(status_code, headers=headers, request=request)


def provider_error(
    kind: ErrorKind,
    message: str,
    *,
    provider: str,
    model: str,
    status_code: int | None = None,
    retry_after: float | None = None,
) -> Exception:
    """Return (not raise) the LiteLLM exception for ``kind``; write ``raise provider_error(...)``.

    ``status_code`` (an HTTP status, usually the upstream's) replaces the kind's usual status, e.g. the upstream's 504
    on a ``"timeout"``: the Router decides by the exception's type, the proxy answers with the status.
    ``retry_after`` (seconds) is sent as a ``retry-after`` header that the Router honours.
    """
    if kind not in _STATUS:
        raise ValueError(f"unknown error kind {kind!r}; expected one of {sorted(_STATUS)}")
    if status_code is not None and (type(status_code) is not int or not 100 <= status_code <= 599):
        raise ValueError(f"status_code must be an HTTP status (an int from 100 to 599), got {status_code!r}")
    status = _STATUS[kind] if status_code is None else status_code
    error = _build(kind, message, provider, model, status, _response(provider, status, retry_after))
    error.status_code = status  # type: ignore[attr-defined]  # each class sets its usual status in __init__
    return error


def _build(
    kind: ErrorKind, message: str, provider: str, model: str, status: int, response: httpx.Response
) -> Exception:
    if kind == "bad_request":
        return errors.BadRequestError(message=message, model=model, llm_provider=provider, response=response)
    if kind == "authentication":
        return errors.AuthenticationError(message=message, model=model, llm_provider=provider, response=response)
    if kind == "permission_denied":
        return errors.PermissionDeniedError(message=message, model=model, llm_provider=provider, response=response)
    if kind == "not_found":
        return errors.NotFoundError(message=message, model=model, llm_provider=provider, response=response)
    if kind == "context_window_exceeded":
        return errors.ContextWindowExceededError(message=message, model=model, llm_provider=provider, response=response)
    if kind == "content_policy":
        return errors.ContentPolicyViolationError(
            message=message, model=model, llm_provider=provider, response=response
        )
    if kind == "rate_limit":
        return errors.RateLimitError(message=message, model=model, llm_provider=provider, response=response)
    if kind == "timeout":
        return timeout_error(message=message, model=model, llm_provider=provider, response=response)
    if kind == "connection":
        return errors.APIConnectionError(message=message, model=model, llm_provider=provider, request=response.request)
    if kind == "internal":
        return errors.InternalServerError(message=message, model=model, llm_provider=provider, response=response)
    if kind == "unavailable":
        return errors.ServiceUnavailableError(message=message, model=model, llm_provider=provider, response=response)
    return errors.APIError(
        status_code=status, message=message, model=model, llm_provider=provider, request=response.request
    )


class ProviderMethodError(errors.InternalServerError):
    """A provider method raised an exception that is not one of LiteLLM's (a bug, or an unmapped library error).

    Names the provider, its class and the method; the original exception is ``__cause__``. It is a
    ``litellm.InternalServerError`` (HTTP 500), so the Router retries it and falls back like any 500 from a
    built-in provider: a plain exception cannot be told apart from a transient failure. Raise
    ``self.error("bad_request", ...)`` (or another 4xx kind) for a failure that retrying cannot fix.
    """

    def __init__(self, *, provider: str, provider_class: str, method: str, model: str, detail: str) -> None:
        self.provider = provider
        self.provider_class = provider_class
        self.method = method
        super().__init__(
            message=f"provider {provider!r} ({provider_class}.{method}): {detail}",
            llm_provider=provider,
            model=model,
        )


class ProviderContractError(ProviderMethodError):
    """A provider method returned something LiteLLM cannot use (a ``str``, ``None``, the wrong response type)."""
