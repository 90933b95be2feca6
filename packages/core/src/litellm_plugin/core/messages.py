"""Checking chat messages before a provider reads them.

LiteLLM hands a custom provider the caller's ``messages`` untouched, so a provider that indexes into them
directly fails with a bare ``KeyError``/``TypeError`` on odd input. These helpers turn every malformed shape
into a ``litellm.BadRequestError`` that names the problem, and normalise the legal variants (content as a
list of parts, ``None`` content on assistant tool calls, tool results).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litellm.exceptions import BadRequestError

__all__ = ["KNOWN_ROLES", "last_user_text", "message_text", "validate_messages"]

KNOWN_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


def _bad_request(problem: str, *, model: str, provider: str) -> BadRequestError:
    return BadRequestError(message=f"invalid messages: {problem}", model=model, llm_provider=provider)


def _as_mapping(message: object) -> Mapping[str, Any] | None:
    """Plain dicts pass through; LiteLLM/pydantic message objects are dumped to a dict."""
    if isinstance(message, Mapping):
        return message
    dump = getattr(message, "model_dump", None)
    if callable(dump):
        dumped = dump()
        if isinstance(dumped, Mapping):
            return dumped
    return None


def _parts_text(parts: Sequence[object], *, where: str, model: str, provider: str) -> str:
    """Join the text parts of a multi-part content list; other part types (images, audio, files) add no text.

    Parts are concatenated without a separator, as LiteLLM itself does when it flattens content lists.
    """
    texts: list[str] = []
    for position, part in enumerate(parts):
        if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
            raise _bad_request(
                f"{where} content part {position} must be an object with a 'type'",
                model=model,
                provider=provider,
            )
        if part["type"] == "text":
            text = part.get("text")
            if not isinstance(text, str):
                raise _bad_request(
                    f"{where} content part {position} is of type 'text' but has no string 'text'",
                    model=model,
                    provider=provider,
                )
            texts.append(text)
    return "".join(texts)


def _content_text(message: Mapping[str, Any], *, where: str, model: str, provider: str) -> str:
    role = message["role"]
    content = message.get("content")
    if content is None:
        if role == "assistant" and (message.get("tool_calls") or message.get("function_call")):
            return ""
        raise _bad_request(f"{where} (role {role!r}) has no content", model=model, provider=provider)
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence) and not isinstance(content, (bytes, bytearray)):
        return _parts_text(content, where=where, model=model, provider=provider)
    raise _bad_request(
        f"{where} content must be a string or a list of parts, not {type(content).__name__}",
        model=model,
        provider=provider,
    )


def validate_messages(messages: object, *, model: str = "", provider: str = "") -> list[tuple[Mapping[str, Any], str]]:
    """Check ``messages`` and return each message with its plain text, or raise ``litellm.BadRequestError``.

    Accepted: roles in ``KNOWN_ROLES``; string content; content as a list of typed parts (text parts are
    joined); ``None``/missing content only on an assistant message carrying tool calls; tool messages with a
    ``tool_call_id``.
    """
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise _bad_request("'messages' must be a list of message objects", model=model, provider=provider)
    if not messages:
        raise _bad_request("'messages' is empty; send at least one message", model=model, provider=provider)
    checked: list[tuple[Mapping[str, Any], str]] = []
    for index, raw in enumerate(messages):
        where = f"message {index}"
        message = _as_mapping(raw)
        if message is None:
            raise _bad_request(f"{where} must be an object, not {type(raw).__name__}", model=model, provider=provider)
        role = message.get("role")
        if not isinstance(role, str) or not role:
            raise _bad_request(f"{where} has no 'role'", model=model, provider=provider)
        if role not in KNOWN_ROLES:
            raise _bad_request(
                f"{where} has unknown role {role!r} (expected one of {sorted(KNOWN_ROLES)})",
                model=model,
                provider=provider,
            )
        if role == "tool" and not isinstance(message.get("tool_call_id"), str):
            raise _bad_request(f"{where} (role 'tool') has no 'tool_call_id'", model=model, provider=provider)
        checked.append((message, _content_text(message, where=where, model=model, provider=provider)))
    return checked


def message_text(message: object, *, model: str = "", provider: str = "") -> str:
    """The plain text of one message (text parts joined), validated like ``validate_messages``."""
    return validate_messages([message], model=model, provider=provider)[0][1]


def last_user_text(messages: object, *, model: str = "", provider: str = "") -> str:
    """The text of the last ``user`` message; ``litellm.BadRequestError`` if there is none or input is bad."""
    for message, text in validate_messages(messages, model=model, provider=provider)[::-1]:
        if message["role"] == "user":
            return text
    raise _bad_request("there is no message with role 'user'", model=model, provider=provider)
