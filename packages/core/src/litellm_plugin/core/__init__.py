"""Base classes, registry and test kit for LiteLLM plugins."""

from importlib.metadata import version

from litellm_plugin.core import context_safety
from litellm_plugin.core.contracts import (
    InterceptorContractError,
    InterceptorDefinitionError,
    InterceptorDefinitionWarning,
)
from litellm_plugin.core.discovery import ENTRY_POINT_GROUP, PluginLoadWarning
from litellm_plugin.core.errors import (
    DuplicateProviderError,
    InterceptionNotSupportedError,
    InterceptorError,
    InterceptorRejectedError,
    InvalidProviderError,
    InvalidProviderNameError,
    ProviderNotFoundError,
    ProviderNotRoutableError,
    ProviderRegistrationError,
    UnchangeableReplyError,
    UnchangeableRequestError,
    UnreadablePayloadError,
)
from litellm_plugin.core.logger import ALL_CALL_TYPES, BaseCustomLogger, CallType
from litellm_plugin.core.provider import BaseCustomProvider
from litellm_plugin.core.provider_contracts import ProviderDefinitionError, ProviderDefinitionWarning
from litellm_plugin.core.provider_errors import ErrorKind, ProviderContractError, ProviderMethodError
from litellm_plugin.core.registry import (
    PluginRegistry,
    get_provider,
    get_registry,
    initialize_plugins,
    register_provider,
)
from litellm_plugin.core.signatures import AsyncCompletionMethod, CompletionMethod, Messages
from litellm_plugin.core.text import PrefixTransform, TextTransform, map_message_text

__version__ = version("litellm-plugin-core")

context_safety.install()  # before any plugin code runs in this process: see the module

__all__ = [
    "ALL_CALL_TYPES",
    "ENTRY_POINT_GROUP",
    "AsyncCompletionMethod",
    "BaseCustomLogger",
    "BaseCustomProvider",
    "CallType",
    "CompletionMethod",
    "DuplicateProviderError",
    "ErrorKind",
    "InterceptionNotSupportedError",
    "InterceptorContractError",
    "InterceptorDefinitionError",
    "InterceptorDefinitionWarning",
    "InterceptorError",
    "InterceptorRejectedError",
    "InvalidProviderError",
    "InvalidProviderNameError",
    "Messages",
    "PluginLoadWarning",
    "PluginRegistry",
    "PrefixTransform",
    "ProviderContractError",
    "ProviderDefinitionError",
    "ProviderDefinitionWarning",
    "ProviderMethodError",
    "ProviderNotFoundError",
    "ProviderNotRoutableError",
    "ProviderRegistrationError",
    "TextTransform",
    "UnchangeableReplyError",
    "UnchangeableRequestError",
    "UnreadablePayloadError",
    "__version__",
    "get_provider",
    "get_registry",
    "initialize_plugins",
    "map_message_text",
    "register_provider",
]
