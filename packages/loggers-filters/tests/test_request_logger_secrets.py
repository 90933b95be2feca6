"""RequestLogger keeps every class of credential out of the log, whichever channel brings it: a message, an
error, an ``api_base``, an environment variable. The captured output is searched for the secrets.

Request headers reach the log in the proxy (test_hostile_corpus.py) and on SDK calls over HTTP
(test_request_logger.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from collections.abc import Callable
from typing import Any

import litellm
import pytest
from litellm import CustomLLM
from litellm.types.utils import ModelResponse

from litellm_plugin.loggers.filters import RequestLogger

LOGGER = "litellm_plugin.loggers.filters"
ENV_NAME = "ACME_PROVIDER_API_KEY"
ENV_SECRET = "envOnlyKey_7c1d9e2f4a6b8c0d"

# (class, text carrying the secret, the secret itself)
SECRETS = [
    ("url userinfo", "https://alice:Us3rinfoPassw0rd@db.example.com/path", "Us3rinfoPassw0rd"),
    ("database dsn", "postgresql://app:DsnPassw0rd42@10.0.0.5:5432/prod", "DsnPassw0rd42"),
    ("client_secret parameter", "https://auth.example.com/t?client_secret=cs9f8e7d6c5b4a&x=1", "cs9f8e7d6c5b4a"),
    ("token parameter", "https://example.com/cb?token=tkA1b2C3d4E5", "tkA1b2C3d4E5"),
    ("sig parameter", "https://blob.example.net/f?sv=2024&sig=SiGnAtUrE%2Bvalue", "SiGnAtUrE%2Bvalue"),
    ("access_token parameter", "https://x.example/?access_token=at0123456789zz", "at0123456789zz"),
    ("password parameter", "https://x.example/login?user=bob&password=pwValue9876", "pwValue9876"),
    ("basic authorization", "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", "YWxhZGRpbjpvcGVuc2VzYW1l"),
    ("bearer of letters only", "sent Bearer abcdefghijklmnopqrstuvwxyzABCD to it", "abcdefghijklmnopqrstuvwxyzABCD"),
    ("github classic token", "ghp_Q7wErTyUiOpAsDfGhJkLzXcVbNm1234567", "ghp_Q7wErTyUiOpAsDfGhJkLzXcVbNm1234567"),
    ("github oauth token", "gho_Q7wErTyUiOpAsDfGhJkLzXcVbNm7654321", "gho_Q7wErTyUiOpAsDfGhJkLzXcVbNm7654321"),
    (
        "github fine-grained token",
        "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij",
        "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij",
    ),
    ("google api key", "key=AIzaSyD-1a2b3c4d5e6f7g8h9i0jKLMNOPQRSTU", "AIzaSyD-1a2b3c4d5e6f7g8h9i0jKLMNOPQRSTU"),
    (
        "aws secret access key",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    ("aws access key id", "id AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    (
        "slack token",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    (
        "jwt",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    (
        "pem private key",
        "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\\n-----END RSA PRIVATE KEY-----",
        "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo",
    ),
    ("openai-style key", "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3", "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3"),
    ("stripe key (detect-secrets)", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("sendgrid key (detect-secrets)", "SG." + "a" * 22 + "." + "b" * 43, "SG." + "a" * 22 + "." + "b" * 43),
]
ALL_TEXT = " ; ".join(text for _, text, _ in SECRETS)
API_BASE = "https://apiuser:ApiBasePw0rd77@llm.example.internal/v1?sig=ApiBaseSig88"
API_BASE_SECRETS = ("ApiBasePw0rd77", "ApiBaseSig88")
CLEAN = "max_tokens: 100, the token expired, bearer bonds, basic knowledge, call id r-12"


class Leaky(CustomLLM):
    """Fails like real providers do: the error repeats the request, its api_base and the environment key."""

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        text = str(kwargs["messages"][-1]["content"])
        if text.startswith("fail"):
            raise RuntimeError(
                f"upstream rejected {text} at {kwargs.get('api_base')} with key {os.environ.get(ENV_NAME)}"
            )
        response = ModelResponse(model=kwargs["model"])
        response.choices[0].message.content = f"echo: {text}"
        return response

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(*args, **kwargs)


@pytest.fixture
def leaky(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(ENV_NAME, ENV_SECRET)
    name = f"leaky{uuid.uuid4().hex[:8]}"
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": Leaky()}]
    litellm.utils.custom_llm_setup()
    return f"{name}/m"


def run(model: str, text: str, **kwargs: Any) -> None:
    async def one() -> None:
        running = asyncio.all_tasks()
        with contextlib.suppress(Exception):  # the failing calls are meant to fail
            await litellm.acompletion(model=model, messages=[{"role": "user", "content": text}], **kwargs)
        spawned = asyncio.all_tasks() - running - {asyncio.current_task()}
        if spawned:
            await asyncio.wait(spawned, timeout=3)

    asyncio.run(one())


def captured(caplog: pytest.LogCaptureFixture, wait_for: Callable[..., None]) -> str:
    wait_for(lambda: any(hasattr(record, "litellm_call") for record in caplog.records))
    records = [record for record in caplog.records if hasattr(record, "litellm_call")]
    return caplog.text + "".join(json.dumps(record.litellm_call) for record in records)


def assert_no_secret(output: str, secrets: list[str] | tuple[str, ...]) -> None:
    leaked = [secret for secret in secrets if secret in output]
    assert leaked == [], leaked
    assert "[REDACTED]" in output


SECRET_VALUES = [secret for _, _, secret in SECRETS]
CHANNELS = ["message", "error", "api_base", "environment"]


@pytest.mark.parametrize("json_lines", [False, True])
@pytest.mark.parametrize("channel", CHANNELS)
def test_no_secret_reaches_the_log(
    channel: str,
    json_lines: bool,
    leaky: str,
    caplog: pytest.LogCaptureFixture,
    wait_for: Callable[..., None],
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    litellm.callbacks = [RequestLogger(verbose=True, json_lines=json_lines)]
    secrets: list[str] = []
    if channel == "message":
        run(leaky, f"{ALL_TEXT} ; {CLEAN}")
        secrets = SECRET_VALUES
    elif channel == "error":
        run(leaky, f"fail {ALL_TEXT}")
        secrets = SECRET_VALUES
    elif channel == "api_base":
        run(leaky, "fail once", api_base=API_BASE)
        secrets = list(API_BASE_SECRETS)
    else:
        run(leaky, "fail with the key from the environment")
        secrets = [ENV_SECRET]
    output = captured(caplog, wait_for)
    assert_no_secret(output, secrets)
    if channel == "message":
        assert CLEAN in output  # ordinary text is not mistaken for a secret


def test_text_is_cut_after_redaction(
    leaky: str, caplog: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    token = "ghp_Q7wErTyUiOpAsDfGhJkLzXcVbNm1234567"
    litellm.callbacks = [RequestLogger(verbose=True, max_text_chars=21)]
    run(leaky, "0123456789 " + token)
    output = captured(caplog, wait_for)
    assert "ghp_Q7" not in output
    assert "0123456789 [REDACTED]" in output


def test_a_long_error_is_cut_after_redaction(
    leaky: str, caplog: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    token = "ghp_Q7wErTyUiOpAsDfGhJkLzXcVbNm1234567"
    litellm.callbacks = [RequestLogger()]
    prefix = "fail " + "x" * 460  # the error field keeps 500 characters: the token straddles the cut
    run(leaky, f"{prefix} {token}")
    output = captured(caplog, wait_for)
    assert "ghp_" not in output


def test_a_known_secret_after_a_credential_name_is_redacted_once(
    caplog: pytest.LogCaptureFixture, wait_for: Callable[..., None]
) -> None:
    """The call's own key, quoted by an error after ``key=``: before, both rules replaced it and the record read
    ``key=[REDACTED]]``."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    litellm.callbacks = [RequestLogger()]
    key = "plainSecretValue99"
    pem = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\\n-----END RSA PRIVATE KEY-----"
    failure = Exception(f"upstream said: key={key} and token: {key} {pem}{key}")
    run("gpt-4o", "hi", api_key=key, mock_response=failure)
    output = captured(caplog, wait_for)
    assert key not in output
    assert "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo" not in output  # a secret right before a known one: redacted too
    [record] = [record for record in caplog.records if hasattr(record, "litellm_call")]
    assert "upstream said: key=[REDACTED] and token: [REDACTED] " in record.litellm_call["error"]
