"""The three interceptors inside the real LiteLLM proxy, configured from YAML.

ContentFilter twice: as a guardrail (class path + params under ``guardrails:``) and as a callback instance
(``litellm_settings.callbacks``), next to ResponseModifier and RequestLogger instances. The proxy runs as a
subprocess (``litellm --config``) with a random master key; clients use the ``openai`` package.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import base64
import contextlib
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from litellm_plugin.core.testing import early
from litellm_plugin.core.testing.early import early_server
from litellm_plugin.core.testing.proxy_files import run_proxy_in_folder
from litellm_plugin.core.testing.servers import ServerProcess

HANDLERS = '''
"""Objects the proxy config points at: a local echo provider and interceptor instances."""
import json
from litellm import CustomLLM
from litellm.types.utils import ImageResponse
from litellm_plugin.core.testing.proxy_files import EchoLLM, log_records_to
from litellm_plugin.loggers.filters import ContentFilter, RequestLogger, ResponseModifier

echo = EchoLLM(piece_size=4)


class ImagePromptSpy(CustomLLM):
    """Makes no image: writes down the prompt it was given."""

    async def aimage_generation(self, *args, **kwargs):
        with open("image_prompts.jsonl", "a", encoding="utf-8") as prompts:
            prompts.write(json.dumps(kwargs.get("prompt")) + "\\n")
        return ImageResponse(data=[{"url": "http://127.0.0.1:9/image.png"}])


image_spy = ImagePromptSpy()
modifier = ResponseModifier(prefix="[Verified] ")
scam_filter = ContentFilter(blocked_words=["scam"], replacement="[removed]")
request_logger = RequestLogger(verbose=True, json_lines=True)
log_records_to("calls.jsonl", "litellm_plugin.loggers.filters", having="litellm_call")  # RequestLogger's records
'''

CONFIG = """
model_list:
  - model_name: echo
    litellm_params:
      model: echo/any
  - model_name: unreachable                  # fails at once: the Router falls back to what the request names
    litellm_params:
      model: openai/none
      api_base: http://127.0.0.1:9/v1
      api_key: sk-not-used
  - model_name: images
    litellm_params:
      model: image_spy/any

litellm_settings:
  custom_provider_map:
    - provider: echo
      custom_handler: handlers.echo
    - provider: image_spy
      custom_handler: handlers.image_spy
  callbacks: [handlers.scam_filter, handlers.modifier, handlers.request_logger]

guardrails:
  - guardrail_name: words
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: post_call
      default_on: true
      action: mask
      replacement: "[FILTERED]"
      blocked_words:
        - keyword: spam
          action: MASK
      blocked_words_file: blocked_words.txt
  - guardrail_name: no-secrets-in
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: pre_call
      default_on: false
      action: block
      blocked_words: [{keyword: password, action: BLOCK}]
  - guardrail_name: no-secrets-out
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: post_call
      default_on: false
      action: block
      blocked_words: [{keyword: hunter3, action: BLOCK}]
  - guardrail_name: masked-in
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: pre_call
      default_on: false
      action: mask
      blocked_words: [{keyword: hunter5, action: MASK}]
  - guardrail_name: checked-alongside
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: during_call
      default_on: false
      action: block
      blocked_words: [{keyword: hunter2, action: BLOCK}]

# The proxy's Assistants API routes, served by an OpenAI-compatible provider that is not there (a closed port).
assistant_settings:
  custom_llm_provider: openai
  litellm_params:
    api_key: sk-not-used
    api_base: http://127.0.0.1:9/v1
"""


@dataclass
class Proxy:
    server: ServerProcess
    log_file: Path

    @property
    def key(self) -> str:
        return self.server.env["LITELLM_MASTER_KEY"]

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.server.base_url}/v1", api_key=self.key, max_retries=0, timeout=120)

    def records(self) -> list[dict[str, object]]:
        if not self.log_file.exists():
            return []
        return [json.loads(line) for line in self.log_file.read_text(encoding="utf-8").splitlines() if line]


@contextlib.contextmanager
def _start_filters_proxy() -> Iterator[Proxy]:
    """A proxy of its own: the config above, handlers.py next to it, RequestLogger writing to a file."""
    files = {
        "handlers.py": HANDLERS,
        "blocked_words.txt": "# one word or phrase per line\nadvertisement\nbuy now\n",
        "config.yaml": CONFIG,
    }
    with run_proxy_in_folder(files) as (server, folder):
        yield Proxy(server=server, log_file=folder / "calls.jsonl")


MISCONFIGURED = """
model_list: []
guardrails:
  - guardrail_name: words
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: post_call
      default_on: true
      blocked_words: [{keyword: spam, action: MASK}]
      replacment: "[typo]"
"""


@contextlib.contextmanager
def _start_misconfigured_proxy() -> Iterator[ServerProcess]:
    """A proxy whose only guardrail has a misspelt parameter: it must not come up."""
    with run_proxy_in_folder({"config.yaml": MISCONFIGURED}, startup_timeout=120) as (server, _):
        yield server


# Started in the background (when collection ends) if a collected test uses the fixture: core.testing.early.
early.register("filters_proxy", _start_filters_proxy, fixture="filters_proxy")


@pytest.fixture(scope="module")
def filters_proxy() -> Iterator[Proxy]:
    with early_server("filters_proxy", _start_filters_proxy) as proxy:
        yield proxy


def _wait_for_records(proxy: Proxy, count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 60
    while len(proxy.records()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    return proxy.records()


def test_guardrail_and_callback_filter_a_reply(filters_proxy: Proxy) -> None:
    reply = filters_proxy.client().chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "Spam, a scam and an ADVERTISEMENT: buy now"}]
    )
    assert reply.choices[0].message.content == "[Verified] [FILTERED], a [removed] and an [FILTERED]: [FILTERED]"


def test_guardrail_and_callback_filter_a_stream(filters_proxy: Proxy) -> None:
    stream = filters_proxy.client().chat.completions.create(
        model="echo",
        messages=[{"role": "user", "content": "no spam here, no scam there, just text"}],
        stream=True,
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "[Verified] no [FILTERED] here, no [removed] there, just text"


def test_requested_pre_call_guardrail_blocks_with_http_400(filters_proxy: Proxy) -> None:
    client = filters_proxy.client()
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "my Password is hunter2"}],
            extra_body={"guardrails": ["no-secrets-in"]},
        )
    assert error.value.status_code == 400
    # Not requested, not default_on: the same request passes.
    reply = client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "my password"}])
    assert reply.choices[0].message.content == "[Verified] my password"


_NAMED = {"guardrails": ["checked-alongside"]}
# Not embeddings here: this proxy's echo model makes none, and its failure would race the guardrail's refusal.
_DURING_CALL_ROUTES: dict[str, Callable[[Proxy, str], object]] = {
    "chat": lambda proxy, text: proxy.client().chat.completions.create(
        model="echo", messages=[{"role": "user", "content": text}], extra_body=_NAMED
    ),
    "responses": lambda proxy, text: proxy.client().responses.create(model="echo", input=text, extra_body=_NAMED),
    "completions": lambda proxy, text: proxy.client().completions.create(model="echo", prompt=text, extra_body=_NAMED),
    "messages": lambda proxy, text: _anthropic_messages(proxy, text),
}


def _anthropic_messages(proxy: Proxy, text: str) -> object:
    response = httpx.post(
        f"{proxy.server.base_url}/v1/messages",
        headers={"x-api-key": proxy.key, "anthropic-version": "2023-06-01"},
        json={"model": "echo", "max_tokens": 50, "messages": [{"role": "user", "content": text}], **_NAMED},
        timeout=120,
    )
    if response.status_code >= 400:
        raise openai.BadRequestError(response.text, response=response, body=None)
    return response.json()


@pytest.mark.parametrize("route", _DURING_CALL_ROUTES)
def test_requested_during_call_guardrail_blocks(route: str, filters_proxy: Proxy) -> None:
    """On the routes whose requests the proxy hands to its moderation hook (``during_call``). The refusal is
    logged once, as a failure (before, no observer heard of it)."""
    token = f"tok{secrets.token_hex(6)}"
    with pytest.raises(openai.BadRequestError) as refused:
        _DURING_CALL_ROUTES[route](filters_proxy, f"it is HUNTER2 {token}")
    assert "checked-alongside" in str(refused.value)
    records = _records_naming(filters_proxy, token)
    assert [(record["outcome"], record["error_type"]) for record in records] == [
        ("failure", "InterceptorRejectedError")
    ]


def test_names_in_a_request_are_checked_by_request_guardrails(filters_proxy: Proxy) -> None:
    """A tool's enum values and a Responses schema's enum reach the model: the request guardrails read them (before,
    a blocked word there reached the provider)."""
    client = filters_proxy.client()
    kinds = {"type": "object", "properties": {"kind": {"type": "string", "enum": ["password", "pin"]}}}
    tools: Any = [{"type": "function", "function": {"name": "lookup", "parameters": kinds}}]
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "hi"}],
            tools=tools,
            extra_body={"guardrails": ["no-secrets-in"]},
        )
    assert "no-secrets-in: the request contains blocked content" in str(refused.value)
    schema: Any = {
        "type": "json_schema",
        "name": "r",
        "schema": {"type": "object", "properties": {"a": {"enum": ["hunter2"]}}},
    }
    with pytest.raises(openai.BadRequestError) as checked:
        client.responses.create(model="echo", input="hi", text={"format": schema}, extra_body=_NAMED)
    assert "checked-alongside" in str(checked.value)


def _post(proxy: Proxy, path: str, body: dict[str, Any]) -> httpx.Response:
    """``body`` posted to one of the proxy's routes with the master key, as a client would."""
    return httpx.post(
        f"{proxy.server.base_url}{path}", headers={"Authorization": f"Bearer {proxy.key}"}, json=body, timeout=120
    )


_TEXT_FILE = "data:text/plain;base64," + base64.b64encode(b"my password").decode()
# A text file given inline where the Anthropic and Responses routes take an image's or a file's source or URL.
_INLINE_FILES: dict[str, tuple[str, dict[str, Any]]] = {
    "messages-image-base64-of-a-text-type": (
        "/v1/messages",
        {
            "max_tokens": 20,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "text/plain", "data": _TEXT_FILE.split(",")[1]},
                        },
                        {"type": "text", "text": "read the file"},
                    ],
                }
            ],
        },
    ),
    "messages-document-url-source": (
        "/v1/messages",
        {
            "max_tokens": 20,
            "messages": [
                {"role": "user", "content": [{"type": "document", "source": {"type": "url", "url": _TEXT_FILE}}]}
            ],
        },
    ),
    "responses-input-file-url": (
        "/v1/responses",
        {"input": [{"role": "user", "content": [{"type": "input_file", "file_url": _TEXT_FILE}]}]},
    ),
}


@pytest.mark.parametrize("route", _INLINE_FILES)
def test_a_text_file_given_inline_is_checked_by_request_guardrails(route: str, filters_proxy: Proxy) -> None:
    """Before, a blocked word in these files reached the model (chat ``file_data`` and ``image_url`` were read)."""
    path, body = _INLINE_FILES[route]
    response = _post(filters_proxy, path, {"model": "echo", **body, "guardrails": ["no-secrets-in"]})
    assert response.status_code == 400, response.text
    assert "no-secrets-in: the request contains blocked content" in response.text


_SECRET = [{"role": "user", "content": "my password"}]
# A fallback given as a dict in the request is merged into the call when the Router falls back to it: its own
# messages (or input) are what the fallback model reads.
_FALLBACK_ROUTES: dict[str, tuple[str, dict[str, Any]]] = {
    "chat": (
        "/v1/chat/completions",
        {"messages": [{"role": "user", "content": "hi"}], "fallbacks": [{"model": "echo", "messages": _SECRET}]},
    ),
    "responses": ("/v1/responses", {"input": "hi", "fallbacks": [{"model": "echo", "input": "my password"}]}),
    "completions": ("/v1/completions", {"prompt": "hi", "fallbacks": [{"model": "echo", "prompt": "my password"}]}),
    "messages": (
        "/v1/messages",
        {
            "max_tokens": 50,
            "messages": [{"role": "user", "content": "hi"}],
            "fallbacks": [{"model": "echo", "messages": _SECRET}],
        },
    ),
}


@pytest.mark.parametrize("route", _FALLBACK_ROUTES)
def test_a_fallback_s_own_text_is_checked_by_request_guardrails(route: str, filters_proxy: Proxy) -> None:
    """Before, the guardrail read only the request's own text: the fallback's conversation reached the echo model
    (200, "[Verified] my password")."""
    path, body = _FALLBACK_ROUTES[route]
    response = _post(filters_proxy, path, {"model": "unreachable", **body, "guardrails": ["no-secrets-in"]})
    assert response.status_code == 400, response.text
    assert "no-secrets-in: the request contains blocked content" in response.text
    if route == "messages":
        return  # this proxy's echo model cannot answer Anthropic Messages (its replies carry no usage)
    # Without the blocked word, the fallback answers.
    clean = json.loads(json.dumps(body).replace("my password", "my pass"))
    response = _post(filters_proxy, path, {"model": "unreachable", **clean, "guardrails": ["no-secrets-in"]})
    assert response.status_code == 200, response.text
    assert "my pass" in response.text


def test_a_custom_tool_s_grammar_is_checked_by_request_guardrails(filters_proxy: Proxy) -> None:
    """The model must write what a grammar spells out. Before, a blocked word there reached the provider."""
    client = filters_proxy.client()
    grammar = 'start: "my password is " WORD'
    chat_tool: Any = {
        "type": "custom",
        "custom": {"name": "say", "format": {"type": "grammar", "grammar": {"syntax": "lark", "definition": grammar}}},
    }
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="echo",
            messages=[{"role": "user", "content": "hi"}],
            tools=[chat_tool],
            extra_body={"guardrails": ["no-secrets-in"]},
        )
    assert "no-secrets-in: the request contains blocked content" in str(refused.value)
    responses_tool: Any = {
        "type": "custom",
        "name": "say",
        "format": {"type": "grammar", "syntax": "lark", "definition": grammar},
    }
    with pytest.raises(openai.BadRequestError):
        client.responses.create(
            model="echo", input="hi", tools=[responses_tool], extra_body={"guardrails": ["no-secrets-in"]}
        )


def test_a_during_call_guardrail_is_not_skipped_on_routes_without_a_moderation_hook(filters_proxy: Proxy) -> None:
    """The proxy runs ``during_call`` (its moderation hook) on its main routes only. Before, an image prompt with
    the blocked word reached the provider (a 500 from the echo provider, which makes no images) and a speech
    request reached LiteLLM's routing: the guardrail was silently skipped. Now it checks before the call."""
    client = filters_proxy.client()
    named = {"guardrails": ["checked-alongside"]}
    with pytest.raises(openai.BadRequestError) as refused:
        client.images.generate(model="echo", prompt="it is HUNTER2", extra_body=named)
    assert "checked-alongside" in str(refused.value)
    # Text this library cannot read is refused before the call (fail closed; here the first filter to see it is
    # the reply filter of `callbacks`, which cannot read a speech reply either).
    with pytest.raises(openai.APIStatusError) as unread:
        client.audio.speech.create(model="echo", voice="alloy", input="it is hunter2", extra_body=named)
    assert "UnreadablePayloadError" in str(unread.value)
    assert "valid LlmProviders" not in str(unread.value)


def _image_prompts(proxy: Proxy) -> list[object]:
    prompts = proxy.log_file.parent / "image_prompts.jsonl"
    return [json.loads(line) for line in prompts.read_text(encoding="utf-8").splitlines()] if prompts.exists() else []


def test_a_masking_request_guardrail_masks_the_prompt_an_image_model_gets(filters_proxy: Proxy) -> None:
    """The proxy's image route gives its hooks the prompt as ``messages`` too, and makes the model's prompt from
    ``messages`` afterwards. Before, only ``prompt`` was masked: the model got the blocked word, and a client sending
    only ``messages`` (split over two of them, which the proxy runs together) got it past a blocking filter too."""
    client = filters_proxy.client()
    named = {"guardrails": ["masked-in"]}
    client.images.generate(model="images", prompt="it is hunter5 now", extra_body=named)
    body = {
        "model": "images",
        "messages": [{"role": "user", "content": "say hun"}, {"role": "user", "content": "ter5"}],
    }
    response = httpx.post(
        f"{filters_proxy.server.base_url}/v1/images/generations",
        headers={"Authorization": f"Bearer {filters_proxy.key}"},
        json={**body, **named},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert _image_prompts(filters_proxy)[-2:] == ["it is [FILTERED] now", "say [FILTERED]"]


def test_assistants_routes_are_refused_before_the_provider(filters_proxy: Proxy) -> None:
    """The proxy runs no hooks on its Assistants API routes. Before, the text went to the provider unfiltered
    (here: a connection error from the closed port); now the filters, which cannot read these calls, refuse
    them before they are made."""
    client = filters_proxy.client()
    attempts: list[Callable[[], object]] = [
        lambda: client.beta.threads.messages.create("thread_x", role="user", content="a scam"),
        lambda: client.beta.threads.create(messages=[{"role": "user", "content": "a scam"}]),
        lambda: client.beta.assistants.create(model="echo", instructions="a scam"),
        lambda: client.beta.threads.runs.create("thread_x", assistant_id="asst_x", additional_instructions="a scam"),
        # Reads: what comes back (a thread's messages, the model's own run output) cannot be filtered either.
        lambda: client.beta.threads.messages.list("thread_x"),
        lambda: client.beta.assistants.list(),
    ]
    for attempt in attempts:  # a 400: the openai client resends a 5xx (twice more, each refused and logged)
        with pytest.raises(openai.BadRequestError) as excinfo:
            attempt()
        assert "so the call was not made" in str(excinfo.value)
        assert "Connection" not in str(excinfo.value)


def test_request_logger_logs_each_call_once_without_secrets(filters_proxy: Proxy) -> None:
    before = len(_wait_for_records(filters_proxy, 0))
    client = filters_proxy.client()
    header_secret = f"hdr-{secrets.token_hex(12)}"
    client.chat.completions.create(
        model="echo",
        messages=[{"role": "user", "content": "count me"}],
        extra_headers={"X-Upstream-Api-Key": header_secret},
    )
    stream = client.chat.completions.create(
        model="echo", messages=[{"role": "user", "content": "count me too"}], stream=True
    )
    for _ in stream:
        pass
    records = _wait_for_records(filters_proxy, before + 2)[before:]
    assert len(records) == 2
    assert [record["stream"] for record in records] == [False, True]
    assert all(record["outcome"] == "success" for record in records)
    assert records[1]["ttft_ms"] is not None
    log_text = filters_proxy.log_file.read_text(encoding="utf-8")
    assert filters_proxy.key not in log_text
    assert filters_proxy.key[3:] not in log_text
    assert header_secret not in log_text
    assert records[0]["headers"]["x-upstream-api-key"] == "[REDACTED]"  # type: ignore[index]


def _records_naming(proxy: Proxy, token: str) -> list[dict[str, object]]:
    """The RequestLogger records of the requests whose text holds ``token`` (then a little longer: no duplicate)."""
    deadline = time.monotonic() + 60
    while not [r for r in proxy.records() if token in json.dumps(r)] and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    return [r for r in proxy.records() if token in json.dumps(r)]


_REFUSED_ROUTES: dict[str, Callable[[Proxy, str], object]] = {
    "chat": lambda proxy, text: proxy.client().chat.completions.create(
        model="echo", messages=[{"role": "user", "content": text}], extra_body={"guardrails": ["no-secrets-in"]}
    ),
    "responses": lambda proxy, text: proxy.client().responses.create(
        model="echo", input=text, extra_body={"guardrails": ["no-secrets-in"]}
    ),
}


@pytest.mark.parametrize("route", _REFUSED_ROUTES)
def test_a_request_an_interceptor_refuses_is_logged_once_as_a_failure(route: str, filters_proxy: Proxy) -> None:
    """The proxy logs the refusals of its own exception types only: the engine reports ours (SDK parity)."""
    token = f"tok{secrets.token_hex(6)}"
    with pytest.raises(openai.BadRequestError):
        _REFUSED_ROUTES[route](filters_proxy, f"my password is {token}")
    records = _records_naming(filters_proxy, token)
    assert [record["outcome"] for record in records] == ["failure"]


def test_a_request_on_a_route_the_filters_cannot_read_is_refused_once_and_logged(filters_proxy: Proxy) -> None:
    """``/v1/moderations``: the filters cannot read it and refuse it before the call. Before, with HTTP 500, the
    openai client sent it three times, and RequestLogger (which observed the six call types it declared) wrote
    no record of any of them."""
    token = f"tok{secrets.token_hex(6)}"
    with pytest.raises(openai.BadRequestError, match="UnreadablePayloadError"):
        filters_proxy.client().moderations.create(model="echo", input=f"is {token} fine?")
    records = _records_naming(filters_proxy, token)
    assert [(record["outcome"], record["call_type"]) for record in records] == [("failure", "moderation")]


_OUT = {"guardrails": ["no-secrets-out"]}
_REFUSED_REPLY_ROUTES: dict[str, Callable[[Proxy, str], object]] = {
    "chat": lambda proxy, text: proxy.client().chat.completions.create(
        model="echo", messages=[{"role": "user", "content": text}], extra_body=_OUT
    ),
    "responses": lambda proxy, text: proxy.client().responses.create(model="echo", input=text, extra_body=_OUT),
}


@pytest.mark.parametrize("route", _REFUSED_REPLY_ROUTES)
def test_a_reply_a_post_call_guardrail_refuses_is_logged_once_as_a_failure(route: str, filters_proxy: Proxy) -> None:
    """With a post_call guardrail configured, the proxy holds a reply's success log back until the guardrails have
    run, and drops it when one refuses, leaving the failure to a log it writes for its own exception types only."""
    token = f"tok{secrets.token_hex(6)}"
    with pytest.raises(openai.BadRequestError):
        _REFUSED_REPLY_ROUTES[route](filters_proxy, f"it is hunter3 {token}")
    records = _records_naming(filters_proxy, token)
    assert [(record["outcome"], record["error_type"]) for record in records] == [
        ("failure", "InterceptorRejectedError")
    ]


def _chat_stream(proxy: Proxy, text: str) -> str:
    stream = proxy.client().chat.completions.create(
        model="echo", messages=[{"role": "user", "content": text}], stream=True, extra_body=_OUT
    )
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def _responses_stream(proxy: Proxy, text: str) -> list[str]:
    return [
        event.type for event in proxy.client().responses.create(model="echo", input=text, stream=True, extra_body=_OUT)
    ]


@pytest.mark.parametrize("route", ["chat", "responses"])
def test_a_stream_an_interceptor_refuses_mid_way_is_logged_once_as_a_failure(route: str, filters_proxy: Proxy) -> None:
    """LiteLLM logs a stream when it is read to its end; one a reply interceptor ends with an error before that was
    logged by no one through the proxy (the SDK reports it)."""
    token = f"tok{secrets.token_hex(6)}"
    text = f"{token} one two three four five six hunter3 seven"
    if route == "chat":
        with pytest.raises(openai.APIError):
            _chat_stream(filters_proxy, text)
    else:
        assert _responses_stream(filters_proxy, text)[-1] == "response.failed"
    records = _records_naming(filters_proxy, token)
    assert [(record["outcome"], record["error_type"]) for record in records] == [
        ("failure", "InterceptorRejectedError")
    ]


def test_a_stream_read_to_its_end_is_logged_once_as_a_success(filters_proxy: Proxy) -> None:
    token = f"tok{secrets.token_hex(6)}"
    assert _chat_stream(filters_proxy, f"{token} one two three").endswith("one two three")
    records = _records_naming(filters_proxy, token)
    assert [record["outcome"] for record in records] == ["success"]


@pytest.mark.early_servers(misconfigured=_start_misconfigured_proxy)  # starts in the background meanwhile
def test_a_misconfigured_content_filter_guardrail_stops_the_proxy() -> None:
    """LiteLLM starts without a guardrail whose constructor raises ValueError; a filter must not fail open."""
    with (
        pytest.raises(RuntimeError, match="exited") as excinfo,
        early_server("misconfigured", _start_misconfigured_proxy),
    ):
        pass
    assert "replacment" in str(excinfo.value)
