"""Interceptors for LiteLLM: ResponseModifier, ContentFilter and RequestLogger.

Each one works on every LiteLLM path (sync, async, streams, Router, proxy)::

    import litellm
    from litellm_plugin.loggers.filters import ContentFilter, RequestLogger, ResponseModifier

    litellm.callbacks = [ContentFilter(blocked_words=["spam"]), RequestLogger()]
"""

from importlib.metadata import version

from litellm_plugin.loggers.filters.config import (
    BlockedWord,
    ContentFilterConfig,
    RequestLoggerConfig,
    ResponseModifierConfig,
)
from litellm_plugin.loggers.filters.content_filter import ContentFilter, ContentFilterConfigError
from litellm_plugin.loggers.filters.matcher import WordMatch
from litellm_plugin.loggers.filters.modifier import ResponseModifier
from litellm_plugin.loggers.filters.request_logger import RequestLogger

__version__ = version("litellm-plugin-loggers-filters")

__all__ = [
    "BlockedWord",
    "ContentFilter",
    "ContentFilterConfig",
    "ContentFilterConfigError",
    "RequestLogger",
    "RequestLoggerConfig",
    "ResponseModifier",
    "ResponseModifierConfig",
    "WordMatch",
    "__version__",
]
