"""The interceptor instances that ``config.yaml`` names under ``litellm_settings.callbacks``.

LiteLLM's proxy wants a module-level *instance* for each callback (a class path is refused at startup), and it
finds this file because it sits next to the config (``plugins.response_modifier``). Guardrails are different:
``ContentFilter`` is configured entirely in the YAML, by class path and parameters.

RequestLogger writes one JSON line per call through Python ``logging``; the proxy does not print INFO records
of other libraries' loggers, so this module gives that logger a handler on stderr (the proxy's console).
Set ``REQUEST_LOGGER_VERBOSE=1`` to add the messages, the reply, the call parameters and the request headers to
each record (credentials are always redacted).
"""

from __future__ import annotations

import logging
import os
import sys

from litellm_plugin.loggers.filters import RequestLogger, ResponseModifier

response_modifier = ResponseModifier(prefix="[Verified] ")
request_logger = RequestLogger(
    verbose=os.environ.get("REQUEST_LOGGER_VERBOSE", "").lower() in {"1", "true", "yes"},
    json_lines=True,
)

_HANDLER_NAME = "litellm-plugin-proxy-example"
_log = logging.getLogger("litellm_plugin.loggers.filters")
# The proxy may load this file more than once (once per reference in the config): add the handler once.
if not any(handler.get_name() == _HANDLER_NAME for handler in _log.handlers):
    _handler = logging.StreamHandler(sys.stderr)
    _handler.set_name(_HANDLER_NAME)
    _handler.setFormatter(logging.Formatter("%(asctime)s pid=%(process)d %(levelname)s %(name)s: %(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)
    _log.propagate = False
