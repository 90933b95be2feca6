"""Credential-looking text in free text (error messages, prompts, URLs), wherever it appears.

Token formats come from `detect-secrets <https://github.com/Yelp/detect-secrets>`_' regex detectors (AWS,
GitHub, GitLab, Slack, Stripe, Twilio, SendGrid, npm, PyPI, Azure, Discord, Telegram, OpenAI... kept up to
date by that project), used as pattern sources only. Its detectors report whole lines or group fragments
rather than spans, and some miss what a log needs (the whole PEM block, a JWT's signature, URL userinfo
without a password, ``github_pat_``, Google ``AIza`` keys, ``Bearer``/``Basic`` credentials, any secret query
parameter, ``name=value`` pairs with a credential-looking name), so those patterns are here.

A third source: the values of credential-looking environment variables set in this process (``*_API_KEY``,
``*_TOKEN``, ``*_SECRET``, ``*_PASSWORD``...): a provider key read from the environment and echoed by an error
is redacted although it never was in the call's arguments.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from collections.abc import Callable
from typing import Any

__all__ = ["REDACTED", "environment_secrets", "library_secrets", "redact_patterns"]

REDACTED = "[REDACTED]"

_SHORTEST_ENV_SECRET = 6
_NOT_SECRET_ENV = frozenset({"PWD", "OLDPWD", "HOME", "PATH", "SHELL", "USER", "LOGNAME", "TERM", "LANG"})

# Patterns that need their surroundings kept ("Bearer ", "?token=", "https://...@") or that detect-secrets
# lacks: one alternation, so a string is scanned once for all of them.
_PATTERNS = re.compile(
    r"(?P<pem>-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z))"
    r"|(?P<url>\b[A-Za-z][A-Za-z0-9+.\-]{0,64}://)(?P<userinfo>[^\s/?#@\"'<>]+)@"
    r"|(?P<scheme>\b(?i:bearer|basic|token|digest|apikey))(?P<gap>\s+)"
    r"(?P<credential>[A-Za-z0-9._~+/=\-]{8,})"
    r"|(?P<param>[?&;][A-Za-z0-9_.\-\[\]]+=)(?=[^&\s\"'#<>])"
    r"|(?P<aws>\b(?i:aws).{0,20}?(?i:secret|key).{0,20}?[\s:=\"']+)(?P<aws_value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"
    r"|(?P<name>\b[A-Za-z_][A-Za-z0-9_.\-]{0,127})(?P<separator>[\"']?\s*[:=]\s*[\"']?)"
    r"(?=(?:(?i:bearer|basic|token|digest)\s+)?[^\s\"',;&}\]]{4})",
    re.DOTALL,
)
# The values after a ``?param=`` and a ``name=``: read only when the name is a credential's. Every quantifier
# above is bounded or stops at a delimiter, so hostile text ("a=a=a=...", "a.a.a...") is scanned in linear time.
_PARAM_VALUE = re.compile(r"[^&\s\"'#<>]+")
_NAME_VALUE = re.compile(r"(?:(?i:bearer|basic|token|digest)\s+)?[^\s\"',;&}\]]{4,}")
# Token formats, each run only when its fixed part occurs in the text (a substring test costs nothing).
_TOKENS = tuple(
    (needles, re.compile(pattern))
    for needles, pattern in (
        (("github_pat_",), r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
        (("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), r"\bgh[opusr]_[A-Za-z0-9_]{20,}"),
        (("AIza",), r"\bAIza[0-9A-Za-z_\-]{30,}"),
        (("sk-",), r"\bsk-[A-Za-z0-9_\-]{8,}"),
        (("xox", "xapp-"), r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9\-]{8,}"),
        (("eyJ",), r"\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"),
        (("AKIA", "ASIA", "ABIA", "ACCA"), r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
    )
)


def _looks_like_basic(credential: str) -> bool:
    """``Basic`` credentials are base64 of ``user:password``."""
    try:
        decoded = base64.b64decode(credential + "=" * (-len(credential) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


def redact_patterns(text: str, is_sensitive: Callable[[str], bool]) -> str:
    """``text`` with credential-looking text replaced; ``is_sensitive`` judges parameter and field names.

    One pass, left to right: after a ``name=`` or ``?param=`` whose name is harmless the scan goes on inside
    its value (a URL with userinfo, a ``Bearer`` token...) without recursion, so ``a=a=a=...`` costs linear
    time and cannot exhaust the stack."""
    parts: list[str] = []
    position = 0
    while (match := _PATTERNS.search(text, position)) is not None:
        replacement, resume = _replace(match, is_sensitive)
        parts.append(text[position : match.start()])
        parts.append(replacement)
        position = resume
    parts.append(text[position:])
    text = "".join(parts)
    for needles, pattern in _TOKENS:
        if any(needle in text for needle in needles):
            text = pattern.sub(REDACTED, text)
    return text


def _replace(match: re.Match[str], is_sensitive: Callable[[str], bool]) -> tuple[str, int]:
    """What replaces ``match``, and where the scan resumes (inside the value of a harmless name)."""
    group = match.group
    if group("url"):
        return f"{group('url')}{REDACTED}@", match.end()
    if group("scheme"):
        scheme, credential = group("scheme"), group("credential")
        stripped = credential.rstrip(".")  # the end of a sentence is not part of a token
        trail = credential[len(stripped) :]
        lowered = scheme.lower()
        if len(stripped) < 8:
            return match.group(0), match.end()
        if lowered == "basic":
            if stripped.isalpha() and not _looks_like_basic(stripped):
                return match.group(0), match.end()  # "basic knowledge"
        elif lowered != "bearer" and stripped.isalpha():
            return match.group(0), match.end()  # "token expired", "digest mentioned": prose
        return f"{scheme}{group('gap')}{REDACTED}{trail}", match.end()
    if group("param"):
        if is_sensitive(group("param")[1:-1]):
            return f"{group('param')}{REDACTED}", _end_of(_PARAM_VALUE, match)
        return group("param"), match.end()
    if group("aws"):
        return f"{group('aws')}{REDACTED}", match.end()
    if group("name"):
        name = group("name")
        if is_sensitive(name) and not name.endswith(("Error", "Exception")):  # "AuthenticationError: ..."
            if match.string.startswith(REDACTED, match.end()):  # its value is a known secret, already redacted
                return f"{name}{group('separator')}{REDACTED}", match.end() + len(REDACTED)
            return f"{name}{group('separator')}{REDACTED}", _end_of(_NAME_VALUE, match)
        return name + group("separator"), match.end()
    return REDACTED, match.end()


def _end_of(value: re.Pattern[str], match: re.Match[str]) -> int:
    """Where the value that follows ``match`` ends (the lookahead of ``_PATTERNS`` made sure there is one)."""
    found = value.match(match.string, match.end())
    return found.end() if found else match.end()


@functools.cache
def _library_patterns() -> tuple[re.Pattern[str], ...]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    # Not secrets (IP addresses); done here on the whole span (PEM blocks, JWTs, URL userinfo); or keyword
    # detectors, slow on long text and covered by the name=value rule (Cloudant, IBM, SoftLayer).
    skipped = {
        "IPPublicDetector",
        "PrivateKeyDetector",
        "JwtTokenDetector",
        "BasicAuthDetector",
        "CloudantDetector",
        "IbmCloudIamDetector",
        "IbmCosHmacDetector",
        "SoftlayerDetector",
    }
    patterns: list[re.Pattern[str]] = []
    detectors: list[type[Any]] = list(get_mapping_from_secret_type_to_class().values())
    for detector in detectors:
        if issubclass(detector, RegexBasedDetector) and detector.__name__ not in skipped:
            patterns.extend(getattr(detector, "denylist", ()))
    return tuple(patterns)


_EDGES = " \t\r\n\"'=:,()"


def library_secrets(text: str) -> set[str]:
    """Secrets detect-secrets' detectors find in ``text``: a capture group when it holds the secret (the
    password of ``user:password@``), else the whole match without the delimiters some patterns include."""
    found: set[str] = set()
    for pattern in _library_patterns():
        if "_authToken" in pattern.pattern and "_authToken" not in text:
            continue  # npm's pattern backtracks over long lines: run it only where it can match
        for match in pattern.finditer(text):
            groups = [group for group in match.groups() if group]
            longest = max(groups, key=len, default="")
            secret = longest if len(longest) >= 8 else match.group(0).strip(_EDGES)
            if len(secret) >= 8:
                found.add(secret)
    return found


def environment_secrets(is_sensitive: Callable[[str], bool]) -> set[str]:
    """Values of credential-looking environment variables of this process."""
    secrets: set[str] = set()
    for name, value in os.environ.items():
        value = value.strip()
        if len(value) < _SHORTEST_ENV_SECRET or name in _NOT_SECRET_ENV or value.startswith(("/", "~")):
            continue
        if is_sensitive(name):
            secrets.add(value)
    return secrets
