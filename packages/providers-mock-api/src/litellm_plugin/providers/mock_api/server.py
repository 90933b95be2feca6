"""The simulated external API: a FastAPI app speaking (a subset of) OpenAI's HTTP API.

``create_app(settings)`` builds one app. Routes: ``POST /v1/chat/completions`` (JSON or server-sent events),
``POST /v1/embeddings``, ``GET /v1/models``, ``GET /health``. Every ``/v1`` route checks the Bearer key and
applies faults (``faults.py``). Every error has OpenAI's shape:
``{"error": {"message": ..., "type": ..., "param": ..., "code": ...}}``.
"""

import asyncio
import hmac
import logging
import time
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .faults import FAULT_HEADER, FaultCounter, FaultSpec, parse_fault
from .models import ChatCompletionRequest, EmbeddingRequest
from .payloads import chat_completion, chat_completion_events, deliver_json, error_body
from .replies import count_prompt_tokens, count_tokens, embed, make_reply
from .settings import MockServerSettings

__all__ = ["MockAPIError", "create_app"]

logger = logging.getLogger(__name__)

_ERROR_TYPES = {
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


class MockAPIError(Exception):
    """An error answer in OpenAI's shape; raise it from a route or dependency."""

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
        default_type, default_code = _ERROR_TYPES.get(
            status_code, ("server_error" if status_code >= 500 else "invalid_request_error", None)
        )
        self.status_code = status_code
        self.message = message
        self.error_type = default_type
        self.param = param
        self.code = code if code is not None else default_code
        self.headers = headers or {}

    def response(self) -> Response:
        body = error_body(self.message, self.error_type, self.param, self.code)
        return Response(body, status_code=self.status_code, headers=self.headers, media_type="application/json")


def _validation_error(exc: RequestValidationError) -> MockAPIError:
    errors = list(exc.errors())
    if not errors:
        return MockAPIError(400, "Invalid request body.")
    first = errors[0]
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    # Union members show up as extra location parts ("str", "list[str]"); the field is the first part.
    field = location[0] if location else None
    if first.get("type") == "json_invalid" or field is None:
        return MockAPIError(400, f"We could not parse the JSON body of your request: {first.get('msg', '')}")
    return MockAPIError(
        400,
        f"Invalid value for '{field}': {first.get('msg', 'invalid value')}.",
        param=field,
        code="invalid_value" if first.get("type") != "missing" else "missing_required_parameter",
    )


def _mask(key: str) -> str:
    return f"{key[:3]}...{key[-4:]}" if len(key) > 8 else "***"


def _state(request: Request) -> tuple[MockServerSettings, FaultCounter]:
    return request.app.state.settings, request.app.state.fault_counter


def require_api_key(request: Request) -> None:
    """Dependency: a Bearer key equal to ``settings.api_key`` (when one is configured), else 401."""
    settings, _ = _state(request)
    if settings.api_key is None:
        return
    authorization = request.headers.get("authorization")
    if not authorization:
        raise MockAPIError(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization header "
            "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        )
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), settings.api_key.encode()):
        raise MockAPIError(401, f"Incorrect API key provided: {_mask(token)}.")


async def active_fault(request: Request) -> FaultSpec | None:
    """Dependency: the fault for this request (header, else server-wide); sleeps / raises as it asks."""
    settings, counter = _state(request)
    header = request.headers.get(FAULT_HEADER)
    try:
        fault = parse_fault(header) if header is not None else settings.fault
    except ValueError as exc:
        raise MockAPIError(400, f"Invalid {FAULT_HEADER} header: {exc}", param=FAULT_HEADER) from None
    if fault is None or not counter.should_fire(fault):
        return None
    logger.debug("injecting fault %s into %s %s", fault, request.method, request.url.path)
    if fault.latency:
        await asyncio.sleep(fault.latency)
    if fault.status is not None:
        retry_after = fault.retry_after_header()
        raise MockAPIError(
            fault.status,
            fault.message or f"Simulated error {fault.status} (mock fault).",
            headers={"Retry-After": retry_after} if retry_after is not None else None,
        )
    return fault


Fault = Annotated[FaultSpec | None, Depends(active_fault)]


def create_app(settings: MockServerSettings | None = None) -> FastAPI:
    """Build the mock API app; ``settings`` defaults to ``MockServerSettings()`` (key ``test-key``)."""
    settings = settings or MockServerSettings()
    counter = FaultCounter()
    app = FastAPI(title="litellm-plugin mock API", version="1", docs_url="/docs", redoc_url=None)
    app.state.settings = settings
    app.state.fault_counter = counter

    @app.exception_handler(MockAPIError)
    async def _on_mock_error(_request: Request, exc: MockAPIError) -> Response:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _on_validation_error(_request: Request, exc: RequestValidationError) -> Response:
        return _validation_error(exc).response()

    @app.exception_handler(StarletteHTTPException)
    async def _on_http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        error = MockAPIError(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
        return error.response()

    guarded = [Depends(require_api_key)]

    def check_model(model: str) -> None:
        if model not in settings.models:
            raise MockAPIError(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                param="model",
                code="model_not_found",
            )

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models", dependencies=guarded)
    async def list_models(fault: Fault) -> Response:
        created = int(time.time())
        data = [{"id": m, "object": "model", "created": created, "owned_by": "mock-api"} for m in settings.models]
        return deliver_json({"object": "list", "data": data}, fault)

    @app.post("/v1/chat/completions", dependencies=guarded)
    async def chat_completions(body: ChatCompletionRequest, fault: Fault) -> Response:
        check_model(body.model)
        stops = body.stop_sequences()
        limit = body.token_limit()
        replies = [
            make_reply(body.messages, seed=body.seed, index=i, max_tokens=limit, stop=stops) for i in range(body.n)
        ]
        prompt_tokens = count_prompt_tokens(body.messages)
        if body.stream:
            events = chat_completion_events(body.model, replies, prompt_tokens, body.include_usage_in_stream(), fault)
            return StreamingResponse(events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        return deliver_json(chat_completion(body.model, replies, prompt_tokens), fault)

    @app.post("/v1/embeddings", dependencies=guarded)
    async def embeddings(body: EmbeddingRequest, fault: Fault) -> Response:
        check_model(body.model)
        texts = body.texts()
        dimensions = body.dimensions or settings.embedding_dimensions
        data = [
            {"object": "embedding", "index": i, "embedding": embed(text, dimensions, body.encoding_format)}
            for i, text in enumerate(texts)
        ]
        tokens = sum(count_tokens(text) for text in texts)
        payload = {
            "object": "list",
            "data": data,
            "model": body.model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        return deliver_json(payload, fault)

    return app
