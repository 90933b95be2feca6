"""The one place that knows how the supported LiteLLM releases differ (README: "Tested versions").

Every helper detects the feature it needs (a parameter, an attribute, a method) instead of comparing version
numbers, so a release that back-ports a feature is handled right. The CI matrix (``.ci/matrix``) runs the
package tests on the lowest declared LiteLLM release and on the newest one, which exercises both branches of
each helper. Nothing else in the workspace may test for a LiteLLM version: add the difference here.
"""

from __future__ import annotations

import inspect
import ssl
from typing import TYPE_CHECKING, Any, cast

import httpx

# LiteLLM counts tokens with tiktoken's cl100k_base, which it ships in the wheel; importing this module points
# tiktoken at that copy (TIKTOKEN_CACHE_DIR). Some 1.80 and 1.81 releases load the encoding without it
# and then try to download the file, failing every usage count offline. Importing it here, first, is what
# later releases do themselves before loading the encoding, so on those it changes nothing but the moment.
import litellm.litellm_core_utils.default_encoding  # noqa: F401
from litellm import exceptions as errors
from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

if TYPE_CHECKING:
    from litellm.integrations.custom_guardrail import CustomGuardrail

__all__ = ["create_async_transport", "guardrail_stream_scope_is_default", "timeout_error"]

# ``Timeout.__init__`` takes ``response`` from LiteLLM 1.101-1.105 on (1.100 refuses the keyword).
_TIMEOUT_TAKES_RESPONSE = "response" in inspect.signature(errors.Timeout.__init__).parameters


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
    """LiteLLM's own async transport (aiohttp-backed unless disabled), as its built-in providers use it.

    Public as ``AsyncHTTPHandler.create_async_transport`` in recent releases (1.108.7 has it, 1.105 does not);
    ``_create_async_transport`` (same parameters, same result) before.
    """
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
