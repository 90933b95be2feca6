"""Keeping credentials out of logs.

Four layers, applied to everything a log record carries, before anything is cut to length:

* values under a credential-looking key (``api_key``, ``Authorization``, ``x-api-key``, ``access_token``,
  ``client_secret``, ``password``...; in headers any name containing auth, pass, secret, token, key,
  cookie, session, sig or credential) are replaced whole;
* the actual secret values found in the call (its api key, its credential headers) and the values of
  credential-looking environment variables are replaced wherever they appear, even inside a message a user
  pasted them into;
* token formats known to detect-secrets' detectors, wherever they appear;
* credential-looking text (see :mod:`~litellm_plugin.loggers.filters.secret_text`): URL userinfo, secret
  query parameters, ``Bearer``/``Basic`` credentials, PEM private keys, JWTs, ``name=value`` pairs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from litellm_plugin.loggers.filters.secret_text import (
    REDACTED,
    environment_secrets,
    library_secrets,
    redact_patterns,
)

__all__ = ["REDACTED", "Redactor", "is_sensitive_header", "is_sensitive_key"]

# Substrings that make a key sensitive wherever they appear (compared without separators).
_SENSITIVE_PARTS = (
    "apikey",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "authorization",
    "authentication",
    "credential",
    "cookie",
    "privatekey",
    "accesskey",
    "signature",
)
# Whole words that make a key sensitive ("access_token", "x-auth-key") without catching "max_tokens".
_SENSITIVE_WORDS = frozenset(
    {"key", "token", "auth", "pwd", "pass", "bearer", "jwt", "session", "sessionid", "sig", "dsn"}
)
# In header names any of these, anywhere ("X-Upstream-Pass", "Authentication", "X-Goog-Api-Key").
_SENSITIVE_HEADER_PARTS = ("auth", "pass", "secret", "token", "key", "cookie", "session", "sig", "credential")

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_SHORTEST_SECRET = 4
_MAX_DEPTH = 24


def is_sensitive_key(key: str, extra: Iterable[str] = ()) -> bool:
    """Whether a value stored under ``key`` is presumably a credential."""
    extra = tuple(extra)
    cache_key = (key, extra)
    known = _sensitive_cache.get(cache_key)
    if known is None:
        known = _is_sensitive_key(key, extra)
        if len(_sensitive_cache) < _CACHE_LIMIT:
            _sensitive_cache[cache_key] = known
    return known


_sensitive_cache: dict[tuple[str, tuple[str, ...]], bool] = {}
_CACHE_LIMIT = 10_000


def _is_sensitive_key(key: str, extra: tuple[str, ...]) -> bool:
    lowered = _CAMEL.sub("_", key).lower()
    compact = _SEPARATORS.sub("", lowered)
    if any(part in compact for part in _SENSITIVE_PARTS):
        return True
    if any(word in _SENSITIVE_WORDS for word in _SEPARATORS.split(lowered)):
        return True
    return any(name.lower() in lowered for name in extra)


def is_sensitive_header(name: str) -> bool:
    """Whether a header of this name presumably carries a credential."""
    compact = _SEPARATORS.sub("", name.lower())
    return any(part in compact for part in _SENSITIVE_HEADER_PARTS)


class Redactor:
    """Redacts one call's record; ``learn`` the call's actual secrets first."""

    def __init__(self, extra_keys: Iterable[str] = ()) -> None:
        self._extra = tuple(extra_keys)
        self._secrets: set[str] = environment_secrets(self.is_sensitive)

    def is_sensitive(self, key: str) -> bool:
        return is_sensitive_key(key, self._extra)

    def learn(self, value: Any, *, skip: Iterable[str] = ()) -> None:
        """Remember every string stored under a credential-looking key anywhere in ``value``.

        ``skip``: top-level keys not to search (call content: messages, responses).
        """
        skipped = frozenset(skip)
        stack: list[tuple[Any, bool, bool, int]] = [(value, False, False, 0)]
        while stack:
            item, sensitive, headers, depth = stack.pop()
            if isinstance(item, str):
                if sensitive:
                    self._remember(item)
            elif depth > _MAX_DEPTH:
                continue
            elif isinstance(item, Mapping):
                for key, child in item.items():
                    if depth == 0 and key in skipped:
                        continue
                    if isinstance(child, (str, Mapping, list, tuple)) or hasattr(child, "model_dump"):
                        name = key if isinstance(key, str) else ""
                        is_secret = sensitive or self.is_sensitive(name) or (headers and is_sensitive_header(name))
                        child_headers = name.lower().replace("-", "_").endswith("headers")
                        stack.append((child, is_secret, child_headers, depth + 1))
            elif isinstance(item, (list, tuple)):
                stack.extend(
                    (child, sensitive, headers, depth + 1) for child in item if not isinstance(child, (int, float))
                )
            elif hasattr(item, "model_dump"):
                try:
                    stack.append((item.model_dump(), sensitive, headers, depth + 1))
                except Exception:
                    continue

    def _remember(self, value: str) -> None:
        value = value.strip()
        if len(value) < _SHORTEST_SECRET:
            return
        self._secrets.add(value)
        scheme, _, token = value.partition(" ")
        if token and scheme.lower() in {"bearer", "basic", "token", "apikey"} and len(token) >= _SHORTEST_SECRET:
            self._secrets.add(token.strip())

    def text(self, value: str) -> str:
        """``value`` with known secrets and credential-looking text replaced."""
        secrets = self._secrets | library_secrets(value)
        for secret in sorted(secrets, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, REDACTED)
        return redact_patterns(value, self.is_sensitive)

    def value(self, value: Any, *, max_chars: int | None = None, _depth: int = 0, _headers: bool = False) -> Any:
        """A JSON-ready copy of ``value`` with every secret redacted (never the original object); strings are
        cut to ``max_chars`` after redaction, so a cut never leaves the beginning of a secret."""
        if _depth > _MAX_DEPTH:
            return "..."
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, str):
            text = self.text(value)
            if max_chars is not None and len(text) > max_chars:
                text = f"{text[:max_chars]}... [{len(text) - max_chars} more chars]"
            return text
        if isinstance(value, Mapping):
            result: dict[str, Any] = {}
            for key, item in value.items():
                name = key if isinstance(key, str) else _printable(key)
                sensitive = self.is_sensitive(name) or (_headers and is_sensitive_header(name))
                if sensitive and item is not None and not (isinstance(item, str) and not item):
                    result[self.text(name)] = REDACTED
                else:
                    headers = name.lower().replace("-", "_").endswith("headers")
                    result[self.text(name)] = self.value(item, max_chars=max_chars, _depth=_depth + 1, _headers=headers)
            return result
        if isinstance(value, (list, tuple, set, frozenset)):
            return [self.value(item, max_chars=max_chars, _depth=_depth + 1, _headers=_headers) for item in value]
        if hasattr(value, "model_dump"):
            try:
                return self.value(value.model_dump(), max_chars=max_chars, _depth=_depth + 1, _headers=_headers)
            except Exception:
                pass
        return self.value(_printable(value), max_chars=max_chars, _depth=_depth + 1)


def _printable(value: Any) -> str:
    """``repr(value)``, or its type name when its ``__repr__`` fails: one odd object must not cost the record."""
    try:
        return repr(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"
