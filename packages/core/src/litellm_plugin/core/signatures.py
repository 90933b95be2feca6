"""Short provider signatures that pass ``mypy --strict``.

LiteLLM calls provider methods with keyword arguments only, but ``litellm.CustomLLM`` declares a dozen
positional parameters. An override that lists only ``model, messages, **kwargs`` is therefore incompatible
with the base class under ``mypy --strict``; adding ``*args: Any`` makes it compatible, and costs nothing
since nothing is ever passed positionally. The shortest signature that type-checks::

    from typing import Any

    from litellm.types.utils import ModelResponse

    from litellm_plugin.core import BaseCustomProvider, Messages


    class MyProvider(BaseCustomProvider):
        def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
            return self.make_response(model, messages, "hello")

The other arguments arrive in ``kwargs`` under LiteLLM's names (``optional_params`` holds ``temperature``,
``max_tokens``...; also ``api_base``, ``api_key``, ``headers``, ``timeout``). ``CompletionMethod`` is the
same shape as a protocol, for code that stores or passes such a method around.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias

from litellm.types.utils import ModelResponse

__all__ = ["AsyncCompletionMethod", "CompletionMethod", "Messages"]

Messages: TypeAlias = list[dict[str, Any]]
"""The chat messages LiteLLM hands a provider: OpenAI-style dicts (``role``, ``content``...)."""


class CompletionMethod(Protocol):
    """A bound ``completion(model, messages, **kwargs)`` written with the short signature."""

    def __call__(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse: ...


class AsyncCompletionMethod(Protocol):
    """A bound ``acompletion(model, messages, **kwargs)`` written with the short signature."""

    async def __call__(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse: ...
