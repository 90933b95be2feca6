"""What every route shares: the app's state, key checks, faults, model checks, and running work off the loop."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from .api_errors import MockAPIError
from .conversation import Prompt
from .faults import FAULT_HEADER, FaultCounter, FaultSpec, parse_fault
from .schemas import SchemaError, check_schema, check_tool_schema
from .scripts import Rule, Script
from .settings import MockServerSettings

__all__ = [
    "AppState",
    "Fault",
    "active_fault",
    "check_model",
    "check_schema_or_400",
    "fire_fault",
    "off_loop",
    "require_anthropic_key",
    "require_api_key",
    "scripted",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class AppState:
    """One app's settings, fault counters and script; ``models`` adds the models the script's rules name."""

    settings: MockServerSettings
    counter: FaultCounter
    script: Script | None

    @property
    def models(self) -> tuple[str, ...]:
        named = [rule.match.model for rule in self.script.rules] if self.script is not None else []
        return self.settings.models + tuple(dict.fromkeys(m for m in named if m and m not in self.settings.models))


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.mock
    return state


def _mask(key: str) -> str:
    return f"{key[:3]}...{key[-4:]}" if len(key) > 8 else "***"


def _key_matches(token: str, expected: str) -> bool:
    return hmac.compare_digest(token.encode(), expected.encode())


def require_api_key(request: Request) -> None:
    """Dependency: a Bearer key equal to ``settings.api_key`` (when one is configured), else 401."""
    expected = app_state(request).settings.api_key
    if expected is None:
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
    if scheme.lower() != "bearer" or not _key_matches(token, expected):
        raise MockAPIError(401, f"Incorrect API key provided: {_mask(token)}.")


def require_anthropic_key(request: Request) -> None:
    """Dependency: Anthropic's ``x-api-key`` (or a Bearer token) and an ``anthropic-version`` header."""
    expected = app_state(request).settings.api_key
    if expected is not None:
        token = request.headers.get("x-api-key")
        if token is None:
            scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
            token = bearer.strip() if scheme.lower() == "bearer" else None
        if not token:
            raise MockAPIError(401, "x-api-key header is required")
        if not _key_matches(token, expected):
            raise MockAPIError(401, "invalid x-api-key")
    if not request.headers.get("anthropic-version"):
        raise MockAPIError(400, "anthropic-version: header is required")


async def fire_fault(fault: FaultSpec | None, counter: FaultCounter, where: str) -> FaultSpec | None:
    """Count the fault; sleep for its latency; raise its error status. Returns what the body should bend."""
    if fault is None or not counter.should_fire(fault):
        return None
    logger.debug("injecting fault %s into %s", fault, where)
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


async def active_fault(request: Request) -> FaultSpec | None:
    """Dependency: the fault for this request (header, else server-wide); sleeps / raises as it asks."""
    state = app_state(request)
    header = request.headers.get(FAULT_HEADER)
    try:
        fault = parse_fault(header) if header is not None else state.settings.fault
    except ValueError as exc:
        raise MockAPIError(400, f"Invalid {FAULT_HEADER} header: {exc}", param=FAULT_HEADER) from None
    return await fire_fault(fault, state.counter, f"{request.method} {request.url.path}")


Fault = Annotated[FaultSpec | None, Depends(active_fault)]
State = Annotated[AppState, Depends(app_state)]


async def scripted(state: AppState, prompt: Prompt, fault: FaultSpec | None) -> tuple[Rule | None, FaultSpec | None]:
    """The scripted rule for ``prompt`` (if any) and the fault to apply (a rule's fault fires here)."""
    rule = state.script.find(prompt) if state.script is not None else None
    if rule is not None and rule.reply.fault is not None:
        # A status fault raises here; any other fault bends the delivery of the default answer.
        fault = await fire_fault(rule.reply.fault, state.counter, f"rule {rule.name or ''}") or fault
        rule = None
    return rule, fault


def check_schema_or_400(schema: object, where: str, param: str, tool: bool = False) -> None:
    """400 naming ``where`` unless ``schema`` is a valid JSON Schema (an object schema for a ``tool``)."""
    try:
        (check_tool_schema if tool else check_schema)(schema)
    except SchemaError as exc:
        raise MockAPIError(400, f"Invalid schema for '{where}': {exc}", param=param) from None


def is_embedding_model(model: str) -> bool:
    return "embedding" in model.lower()


def check_model(models: tuple[str, ...], model: str, *, embedding: bool = False) -> None:
    """404 for a model the server does not list; the wrong kind of model for the endpoint is refused too."""
    if model not in models:
        raise MockAPIError(
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            param="model",
            code="model_not_found",
        )
    if embedding and not is_embedding_model(model):
        raise MockAPIError(
            400, f"The model `{model}` does not support embeddings.", param="model", code="model_not_supported"
        )
    if not embedding and is_embedding_model(model):
        raise MockAPIError(
            404,
            f"The model `{model}` is not a chat model and thus not supported in this endpoint.",
            param="model",
            code="model_not_supported",
        )


async def off_loop(function: Callable[[], T]) -> T:
    """Run CPU-heavy work (tokenizing large prompts, many choices) on a worker thread, never on the loop."""
    return await run_in_threadpool(function)
