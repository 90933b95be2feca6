"""Typed errors raised by litellm-plugin (interceptors and registry)."""

from __future__ import annotations

import litellm

# Hooks that read the client's request: what they cannot read or cannot change is the client's to fix.
_REQUEST_HOOKS = frozenset({"async_pre_call_hook", "async_moderation_hook", "async_pre_call_deployment_hook"})


class InterceptorError(RuntimeError):
    """A modifying hook raised unexpectedly, so the call failed closed.

    Carries ``status_code = 500`` so the LiteLLM proxy answers with an HTTP error instead of passing
    unfiltered content through; 400 when a request hook met a request it cannot read or change (token ids, a
    route it cannot check): the client's request, not a server fault, and clients (the openai SDK) resend
    a 500 up to three times, each refused and logged again.
    """

    status_code = 500

    def __init__(self, interceptor: str, hook: str, cause: BaseException) -> None:
        self.interceptor = interceptor
        self.hook = hook
        self.message = f"interceptor {interceptor!r} failed in {hook}: {type(cause).__name__}: {cause}"
        if isinstance(cause, (UnreadablePayloadError, UnchangeableRequestError)) and (
            hook in _REQUEST_HOOKS or getattr(cause, "before_the_call", False)
        ):
            self.status_code = 400
        super().__init__(self.message)


class InterceptorDefinitionError(TypeError):
    """An interceptor class defines a hook LiteLLM cannot call as written; raised at class definition."""


class InterceptorSettingValueError(InterceptorDefinitionError, ValueError):
    """An interceptor's constructor got a setting value it does not know (also a ``ValueError``, as before)."""


class InterceptorDefinitionWarning(UserWarning):
    """An interceptor class defines a method that looks like a misspelt hook: LiteLLM never calls it."""


class InterceptorContractError(InterceptorError):
    """A hook returned something the engine cannot use; the call fails whatever the failure policy."""

    def __init__(self, interceptor: str, hook: str, detail: str) -> None:
        super().__init__(interceptor, hook, TypeError(detail))


class InterceptorRejectedError(litellm.BadRequestError):
    """An interceptor refused a request or response on purpose (HTTP 400 in the proxy)."""

    def __init__(self, interceptor: str, message: str, *, model: str = "") -> None:
        self.interceptor = interceptor
        super().__init__(message=f"{interceptor}: {message}", model=model, llm_provider="litellm_plugin")


class InterceptionNotSupportedError(RuntimeError):
    """An interceptor declares a call type whose changes the engine cannot apply on this path.

    Raised instead of silently skipping the interceptor, so a security filter never fails open unnoticed.
    """

    status_code = 500

    def __init__(self, interceptor: str, call_type: str, detail: str) -> None:
        self.interceptor = interceptor
        self.call_type = call_type
        self.message = f"interceptor {interceptor!r} handles {call_type!r} calls, but {detail}"
        super().__init__(self.message)


class ProviderRegistrationError(ValueError):
    """A provider could not be registered; the registry and LiteLLM are left exactly as before."""


class InvalidProviderNameError(ProviderRegistrationError):
    """The name is empty, contains ``/`` or other unroutable characters, or is a built-in provider."""


class InvalidProviderError(ProviderRegistrationError):
    """Not a ``litellm.CustomLLM`` subclass or instance, or its constructor failed."""


class DuplicateProviderError(ProviderRegistrationError):
    """The name is already registered and ``replace=True`` was not given."""


class ProviderNotFoundError(LookupError):
    """No provider is registered under the name."""


# What to change when a call whose text this library cannot read fails closed.
UNREADABLE_CALL_HINT = (
    "an interceptor that claims every call type fails closed on it; to let such calls through unchecked, "
    "give it call_types=[...] listing only the call types it must check (not all of them)"
)


class UnreadablePayloadError(RuntimeError):
    """A request, response or stream item whose shape litellm-plugin cannot read the text of.

    A modifying interceptor that meets one fails closed (as :class:`InterceptorError`, naming it and the shape)
    instead of letting text it never saw pass through.
    """

    status_code = 500

    def __init__(self, shape: str, detail: str = "", *, before_the_call: bool = False) -> None:
        self.shape = shape
        self.before_the_call = before_the_call  # refused for what the client asked for, before any model ran
        self.message = f"cannot read the text of {shape}" + (f": {detail}" if detail else "")
        super().__init__(self.message)

    @classmethod
    def for_reply_of(cls, call_type: object) -> UnreadablePayloadError:
        """A call refused before it is made because its reply would be unreadable (a reply filter that claims
        every call type meets a call type it does not know)."""
        raw = getattr(call_type, "value", call_type)
        return cls(
            f"a {raw!r} reply",
            f"litellm-plugin does not know where its text is, so the call was not made; {UNREADABLE_CALL_HINT}",
            before_the_call=True,
        )


class UnchangeableReplyError(RuntimeError):
    """A transform changed reply text that cannot be changed alone: an audio reply's transcript (the audio
    still speaks the original words). The call fails closed instead of returning the unchanged audio."""

    status_code = 500

    def __init__(self, shape: str, detail: str = "") -> None:
        self.shape = shape
        self.message = f"cannot change the text of {shape}" + (f": {detail}" if detail else "")
        super().__init__(self.message)


class UnchangeableRequestError(ValueError):
    """A transform changed request text that names something (a tool, a schema's property or enum value): the
    model reads it, but a changed name is a different request, so the request is refused instead of sent."""

    status_code = 400

    def __init__(self, what: str) -> None:
        self.what = what
        self.message = f"cannot change a {what}: the request would mean something else, so it was not sent"
        super().__init__(self.message)


class ProviderNotRoutableError(litellm.BadRequestError):
    """LiteLLM does not know a provider this library has (registered, or installed): it was never made routable,
    which ``initialize_plugins()`` does. Raised in place of LiteLLM's "LLM Provider NOT provided"."""

    def __init__(self, hint: str, *, model: str, cause: Exception) -> None:
        first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(message=f"{hint} (LiteLLM: {first_line})", model=model, llm_provider="litellm_plugin")
