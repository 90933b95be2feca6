"""Where text lives in every payload LiteLLM hands to hooks, and how to put changed text back.

One module per family (chat, text completion, Responses API, Anthropic Messages, request-only inputs); the
engine, the stream chain and interceptors ask :mod:`~litellm_plugin.core.payloads.views` and nothing else.
"""

from litellm_plugin.core.payloads.base import ALL_CHANNEL_KINDS, Channel, ChannelKind, TextField, TransformFor
from litellm_plugin.core.payloads.json_text import map_json_strings
from litellm_plugin.core.payloads.views import (
    StreamRewriter,
    payload_call_type,
    request_fields,
    response_texts,
    rewrite_response,
)

__all__ = [
    "ALL_CHANNEL_KINDS",
    "Channel",
    "ChannelKind",
    "StreamRewriter",
    "TextField",
    "TransformFor",
    "map_json_strings",
    "payload_call_type",
    "request_fields",
    "response_texts",
    "rewrite_response",
]
