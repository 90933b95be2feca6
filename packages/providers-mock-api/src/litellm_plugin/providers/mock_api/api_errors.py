"""Error answers of the mock API, in OpenAI's shape or, under ``/v1/messages``, in Anthropic's.

OpenAI: ``{"error": {"message", "type", "param", "code"}}``.
Anthropic: ``{"type": "error", "error": {"type", "message"}}`` with a ``request-id`` header.
"""

from __future__ import annotations

import json
import uuid

from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

__all__ = ["MockAPIError", "error_body", "from_validation_error"]

_OPENAI_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout_error", None),
    409: ("conflict_error", None),
    422: ("invalid_request_error", None),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    500: ("server_error", None),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "service_unavailable"),
    504: ("server_error", "gateway_timeout"),
}
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_TYPE_TAGS = {"str", "int", "float", "bool", "list", "dict", "none", "null"}


def _dumps(payload: object) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def error_body(message: str, error_type: str, param: str | None = None, code: str | None = None) -> bytes:
    return _dumps({"error": {"message": message, "type": error_type, "param": param, "code": code}})


class MockAPIError(Exception):
    """An error answer; raise it from a route or dependency. The shape follows the route's API family."""

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        default_type, default_code = _OPENAI_TYPES.get(
            status_code, ("server_error" if status_code >= 500 else "invalid_request_error", None)
        )
        self.status_code = status_code
        self.message = message
        self.error_type = default_type
        self.param = param
        self.code = code if code is not None else default_code
        self.headers = headers or {}

    def response(self, anthropic: bool = False) -> Response:
        if anthropic:
            kind = _ANTHROPIC_TYPES.get(
                self.status_code, "api_error" if self.status_code >= 500 else "invalid_request_error"
            )
            body = _dumps({"type": "error", "error": {"type": kind, "message": self.message}})
            headers = {"request-id": f"req_{uuid.uuid4().hex[:24]}", **self.headers}
            return Response(body, status_code=self.status_code, headers=headers, media_type="application/json")
        body = error_body(self.message, self.error_type, self.param, self.code)
        return Response(body, status_code=self.status_code, headers=self.headers, media_type="application/json")


def _path(location: list[str | int]) -> str:
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "[" in part or "(" in part or part.lower() in _TYPE_TAGS or part.startswith("function-"):
            continue  # a union member or validator tag, not a field
        else:
            text += ("." if text else "") + part
    return text


def from_validation_error(exc: RequestValidationError) -> MockAPIError:
    """400 naming the first failing field (``param`` is the top-level field, the message has the full path)."""
    errors = list(exc.errors())
    if not errors:
        return MockAPIError(400, "Invalid request body.")
    first = errors[0]
    location = [part for part in first.get("loc", ()) if part != "body"]
    field = next((part for part in location if isinstance(part, str)), None)
    if first.get("type") == "json_invalid" or field is None:
        detail = first.get("msg", "")
        if first.get("type") not in ("json_invalid",) and not location:
            detail = f"{detail} (the body must be a JSON object)"
        return MockAPIError(400, f"We could not parse the JSON body of your request: {detail}")
    path = _path(location)
    where = f"'{field}'" if path == field else f"'{field}' (at {path})"
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return MockAPIError(
        400,
        f"Invalid value for {where}: {message}.",
        param=field,
        code="invalid_value" if first.get("type") != "missing" else "missing_required_parameter",
    )
