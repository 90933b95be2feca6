"""An OpenAI-compatible mock API server and the LiteLLM provider that talks to it over HTTP.

``MockAPIProvider`` is the client side (register ``mock_api_provider``, call ``model="mock_api/gpt-mock"``);
``create_app`` builds the server side (a FastAPI app, also served by ``litellm-plugin-mock-api serve``).

The names are imported on first use, so the CLI (``--help``, ``serve``) starts without importing LiteLLM's
client machinery.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .faults import FAULT_HEADER, FaultSpec, parse_fault
    from .provider import EMBEDDED_API_BASE, MockAPIProvider, mock_api_provider
    from .schemas import SchemaError
    from .scripts import Script, ScriptError, load_script
    from .server import MockAPIError, create_app
    from .settings import DEFAULT_API_KEY, DEFAULT_MODELS, MockServerSettings

__version__ = version("litellm-plugin-providers-mock-api")

_EXPORTS = {
    "DEFAULT_API_KEY": "settings",
    "DEFAULT_MODELS": "settings",
    "EMBEDDED_API_BASE": "provider",
    "FAULT_HEADER": "faults",
    "FaultSpec": "faults",
    "MockAPIError": "server",
    "MockAPIProvider": "provider",
    "MockServerSettings": "settings",
    "SchemaError": "schemas",
    "Script": "scripts",
    "ScriptError": "scripts",
    "load_script": "scripts",
    "create_app": "server",
    "mock_api_provider": "provider",
    "parse_fault": "faults",
}

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_MODELS",
    "EMBEDDED_API_BASE",
    "FAULT_HEADER",
    "FaultSpec",
    "MockAPIError",
    "MockAPIProvider",
    "MockServerSettings",
    "SchemaError",
    "Script",
    "ScriptError",
    "__version__",
    "create_app",
    "load_script",
    "mock_api_provider",
    "parse_fault",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
