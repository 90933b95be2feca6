"""The one place that knows how the supported LiteLLM releases differ (README: "Tested versions").

The packages declare ``litellm>=1.84.0``; the CI matrix (``.ci/matrix``) runs the package tests on that lowest
release and on the newest one the registry has, which takes every helper here through both of its branches.
Helpers detect the feature they need (a parameter, a method) where one exists, and compare release numbers
only where a behaviour changed without one. Nothing else in the workspace tests for a LiteLLM release: add the
difference here.
"""

from __future__ import annotations

import inspect
import ssl
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, cast

import httpx
from litellm import exceptions as errors
from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

if TYPE_CHECKING:
    from litellm.integrations.custom_guardrail import CustomGuardrail

__all__ = [
    "create_async_transport",
    "deployment_hooks_run_apply_guardrail",
    "guardrail_stream_scope_is_default",
    "timeout_error",
]


def _release(distribution: str) -> tuple[int, int]:
    """``(major, minor)`` of an installed distribution ("1.93.2" -> (1, 93); "1.77.2.post1" -> (1, 77))."""
    major, minor = version(distribution).split(".")[:2]
    return int(major), int(minor)


# ``Timeout.__init__`` takes ``response`` in recent releases (1.105 does, 1.100 refuses the keyword).
_TIMEOUT_TAKES_RESPONSE = "response" in inspect.signature(errors.Timeout.__init__).parameters

# Before 1.94, LiteLLM's aiohttp transport ended a body cut short by a dropped connection as if it were whole
# ("Transfer incomplete, but continuing"): the caller saw a malformed reply instead of a connection error.
_AIOHTTP_TRANSPORT_REPORTS_DROPS = _release("litellm") >= (1, 94)


def timeout_error(*, message: str, model: str, llm_provider: str, response: httpx.Response) -> errors.Timeout:
    """``litellm.Timeout`` carrying ``response`` (the Router reads ``retry-after`` from it) on every release."""
    headers = {**response.headers}
    if _TIMEOUT_TAKES_RESPONSE:
        return errors.Timeout(
            message=message, model=model, llm_provider=llm_provider, response=response, headers=headers
        )
    error = errors.Timeout(message=message, model=model, llm_provider=llm_provider, headers=headers)
    error.response = response  # what the newer constructor does with the keyword
    return error


def create_async_transport(
    ssl_context: ssl.SSLContext | None = None, ssl_verify: bool | None = None
) -> httpx.AsyncBaseTransport | None:
    """LiteLLM's own async transport, the one its built-in providers use (``None``: httpx's default).

    That is ``AsyncHTTPHandler.create_async_transport`` (``_create_async_transport`` in 1.105 and earlier):
    aiohttp-backed unless ``litellm.disable_aiohttp_transport``. On releases whose aiohttp transport hides
    dropped connections (before 1.94) it is the transport LiteLLM itself uses with aiohttp disabled.
    """
    if not _AIOHTTP_TRANSPORT_REPORTS_DROPS:
        return AsyncHTTPHandler._create_httpx_transport()
    factory = getattr(AsyncHTTPHandler, "create_async_transport", None) or AsyncHTTPHandler._create_async_transport
    return cast("httpx.AsyncBaseTransport | None", factory(ssl_context=ssl_context, ssl_verify=ssl_verify))


def guardrail_stream_scope_is_default(guardrail: CustomGuardrail) -> bool:
    """True when the guardrail runs on requests and replies of every stream alike.

    Recent releases (1.108.7 has them, 1.105 does not) give guardrails stream scopes (``stream_scope_default``,
    ``stream_scope_by_hook``); on an earlier release a guardrail has no scope, which is the default, ``"both"``.
    """
    scope: Any = getattr(guardrail, "stream_scope_default", "both")
    by_hook: Any = getattr(guardrail, "stream_scope_by_hook", ())
    return bool(scope == "both" and not by_hook)


def deployment_hooks_run_apply_guardrail(guardrail: object) -> bool:
    """Whether LiteLLM's ``CustomGuardrail`` deployment hooks run this guardrail's own ``apply_guardrail`` (its
    unified hook) on SDK calls: releases that know the interface say so with ``uses_apply_guardrail_interface``.
    Read once per class: LiteLLM asks every callback on every async SDK call."""
    cls = type(guardrail)
    known = _runs_apply_guardrail.get(cls)
    if known is None:
        from litellm.integrations.custom_guardrail import CustomGuardrail

        uses = getattr(cls, "uses_apply_guardrail_interface", None)
        known = _runs_apply_guardrail[cls] = issubclass(cls, CustomGuardrail) and callable(uses) and uses() is True
    return known


_runs_apply_guardrail: dict[type, bool] = {}
