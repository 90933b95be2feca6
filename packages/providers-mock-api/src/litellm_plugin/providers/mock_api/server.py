"""The simulated external API: a FastAPI app speaking OpenAI's HTTP API and Anthropic's Messages API.

``create_app(settings)`` builds one app. Routes: ``POST /v1/chat/completions`` (``chat.py``),
``POST /v1/responses`` (``responses_api.py``), ``POST /v1/messages`` (``messages_api.py``),
``POST /v1/embeddings``, ``GET /v1/models``, ``GET /v1/models/{id}``, ``GET /health``. Every ``/v1`` route
checks the key and applies faults (``deps.py``). Errors have OpenAI's shape, or Anthropic's under
``/v1/messages`` (``api_errors.py``).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import chat, messages_api, responses_api
from .api_errors import MockAPIError, from_validation_error
from .deps import AppState, Fault, State, check_model, off_loop, require_api_key
from .faults import FaultCounter
from .models import EmbeddingRequest
from .payloads import deliver_json
from .replies import embed
from .scripts import load_script
from .settings import MockServerSettings
from .tokens import count_tokens

__all__ = ["MockAPIError", "create_app"]

logger = logging.getLogger(__name__)

_CREATED = 1_700_000_000  # a fixed timestamp: the model list is the same on every call

openai_router = APIRouter(dependencies=[Depends(require_api_key)])


def _model(model_id: str) -> dict[str, object]:
    return {"id": model_id, "object": "model", "created": _CREATED, "owned_by": "mock-api"}


@openai_router.get("/v1/models")
async def list_models(state: State, fault: Fault) -> Response:
    return deliver_json({"object": "list", "data": [_model(m) for m in state.models]}, fault)


@openai_router.get("/v1/models/{model_id:path}")
async def retrieve_model(model_id: str, state: State, fault: Fault) -> Response:
    if model_id not in state.models:
        raise MockAPIError(404, f"The model '{model_id}' does not exist", param="model", code="model_not_found")
    return deliver_json(_model(model_id), fault)


@openai_router.post("/v1/embeddings")
async def embeddings(body: EmbeddingRequest, state: State, fault: Fault) -> Response:
    check_model(state.models, body.model, embedding=True)
    texts = body.texts()
    dimensions = body.dimensions or state.settings.embedding_dimensions

    def build() -> dict[str, object]:
        data = [
            {"object": "embedding", "index": i, "embedding": embed(text, dimensions, body.encoding_format)}
            for i, text in enumerate(texts)
        ]
        tokens = sum(count_tokens(text) for text in texts)
        return {
            "object": "list",
            "data": data,
            "model": body.model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    return deliver_json(await off_loop(build), fault)


def _is_anthropic(request: Request) -> bool:
    return request.url.path.rstrip("/").endswith("/v1/messages") or "/v1/messages/" in request.url.path


def create_app(settings: MockServerSettings | None = None) -> FastAPI:
    """Build the mock API app; ``settings`` defaults to ``MockServerSettings()`` (key ``test-key``).

    A ``settings.script`` (a YAML rules path) is loaded and validated here: a bad rule raises ``ScriptError``.
    """
    settings = settings or MockServerSettings()
    script = load_script(settings.script) if settings.script is not None else None
    app = FastAPI(title="litellm-plugin mock API", version="1", docs_url="/docs", redoc_url=None)
    app.state.settings = settings
    app.state.mock = AppState(settings=settings, counter=FaultCounter(), script=script)
    app.state.fault_counter = app.state.mock.counter

    @app.exception_handler(MockAPIError)
    async def _on_mock_error(request: Request, exc: MockAPIError) -> Response:
        return exc.response(anthropic=_is_anthropic(request))

    @app.exception_handler(RequestValidationError)
    async def _on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        return from_validation_error(exc).response(anthropic=_is_anthropic(request))

    @app.exception_handler(StarletteHTTPException)
    async def _on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        error = MockAPIError(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
        return error.response(anthropic=_is_anthropic(request))

    @app.exception_handler(Exception)
    async def _on_unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unexpected error in %s %s", request.method, request.url.path)
        error = MockAPIError(500, f"The mock server had an unexpected error: {type(exc).__name__}: {exc}")
        return error.response(anthropic=_is_anthropic(request))

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(openai_router)
    app.include_router(chat.router)
    app.include_router(responses_api.router)
    app.include_router(messages_api.router)
    return app
