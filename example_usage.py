"""litellm-plugin, end to end and offline: providers, interceptors and the mock API on every way of calling LiteLLM.

uv run example_usage.py
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # offline: no price-list download

import asyncio
import logging
import sys
import warnings
from typing import Any

import httpx
import litellm

from litellm_plugin.core import initialize_plugins
from litellm_plugin.core.testing.servers import free_port, run_server
from litellm_plugin.core.testing.settle import finish_litellm_background_logging
from litellm_plugin.loggers.filters import ContentFilter, RequestLogger, ResponseModifier
from litellm_plugin.providers.mock_api import mock_api_provider

MESSAGES: list[Any] = [{"role": "user", "content": "Hello!"}]


def section(title: str) -> None:
    print(f"\n== {title} ==")


def text_of(response: Any) -> str:
    return str(response.choices[0].message.content)


def streamed(chunks: Any) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


async def astreamed(chunks: Any) -> str:
    return "".join([chunk.choices[0].delta.content or "" async for chunk in chunks if chunk.choices])


def echo_provider() -> None:
    section("EchoProvider: discovered from its entry point, on four paths")
    print("litellm.completion:           ", text_of(litellm.completion(model="echo/demo", messages=MESSAGES)))
    print(
        "litellm.acompletion:          ",
        text_of(asyncio.run(litellm.acompletion(model="echo/demo", messages=MESSAGES))),
    )
    print(
        "completion(stream=True):      ",
        streamed(litellm.completion(model="echo/demo", messages=MESSAGES, stream=True)),
    )

    async def astream() -> str:
        return await astreamed(await litellm.acompletion(model="echo/demo", messages=MESSAGES, stream=True))

    print("acompletion(stream=True):     ", asyncio.run(astream()))
    vector = litellm.embedding(model="echo/demo", input=["same text"]).data[0]["embedding"]
    print("embedding (deterministic):    ", [round(v, 3) for v in vector[:4]], "...")


def interceptors() -> None:
    section("ResponseModifier: a prefix, once, on every path")
    litellm.callbacks = [ResponseModifier(prefix="[Verified] ")]
    question: list[Any] = [{"role": "user", "content": "What is 2+2?"}]
    print("completion:       ", text_of(litellm.completion(model="echo/demo", messages=question)))
    print("stream:           ", streamed(litellm.completion(model="echo/demo", messages=question, stream=True)))
    router = litellm.Router(model_list=[{"model_name": "chat", "litellm_params": {"model": "echo/demo"}}])
    print("Router.acompletion:", text_of(asyncio.run(router.acompletion(model="chat", messages=question))))

    section("ContentFilter: blocked words masked, also across stream chunks")
    litellm.callbacks = [ContentFilter(blocked_words=["spam", "advertisement"])]
    ad = [{"role": "user", "content": "This SPAM is an advertisement, not a spammer."}]
    print("completion:", text_of(litellm.completion(model="echo/demo", messages=ad)))
    print("stream:    ", streamed(litellm.completion(model="echo/demo", messages=ad, stream=True)))
    litellm.callbacks = [ContentFilter(blocked_words=["spam"], action="block")]
    try:
        litellm.completion(model="echo/demo", messages=ad)
    except litellm.BadRequestError as refused:
        print("action='block':", type(refused).__name__, "-", str(refused)[:90])

    section("One registration, every endpoint: Responses API, Anthropic Messages, text completion")
    litellm.callbacks = [ContentFilter(blocked_words=["spam"]), ResponseModifier(prefix="[Verified] ")]
    reply: Any = litellm.responses(model="echo/demo", input="no spam here")
    print("responses:        ", reply.output[0].content[0].text)
    message: Any = litellm.anthropic.messages.create(
        model="echo/demo", messages=[{"role": "user", "content": "no spam here"}], max_tokens=50
    )
    print("anthropic messages:", message["content"][0]["text"])
    print("text_completion:  ", litellm.text_completion(model="echo/demo", prompt="no spam here").choices[0].text)

    section("RequestLogger(verbose=True): one structured record per call (secrets redacted)")
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s", stream=sys.stdout)
    logging.getLogger("litellm_plugin.loggers.filters").setLevel(logging.INFO)
    finish_litellm_background_logging()  # LiteLLM logs sync calls on a thread: the calls above are done logging
    litellm.callbacks = [RequestLogger(verbose=True)]
    litellm.completion(model="echo/demo", messages=MESSAGES, api_key="sk-never-logged")

    async def logged_stream() -> None:
        await astreamed(await litellm.acompletion(model="echo/demo", messages=MESSAGES, stream=True))
        await asyncio.sleep(0.5)  # LiteLLM logs in the background

    asyncio.run(logged_stream())
    finish_litellm_background_logging()  # the sync call's record is written before the logger is taken away
    litellm.callbacks = []


def mock_api() -> None:
    section("MockAPIProvider: the embedded app (no server)")
    call: dict[str, Any] = {"api_key": "test-key", "temperature": 0.7, "max_tokens": 50}
    response = litellm.completion(model="mock_api/gpt-mock", messages=MESSAGES, **call)
    print(text_of(response)[:70], "...", f"({response.usage.completion_tokens} tokens, at most 50)")

    section("MockAPIProvider: a real mock server over HTTP (started here, stopped at the end)")
    port = free_port()
    command = [sys.executable, "-m", "litellm_plugin.providers.mock_api.cli", "serve", "--port", str(port)]
    with run_server([*command, "--host", "127.0.0.1", "--log-level", "warning"], port=port, health_path="/health"):
        api_base = f"http://127.0.0.1:{port}/v1"
        response = litellm.completion(model="mock_api/gpt-mock", messages=MESSAGES, api_base=api_base, **call)
        print("over HTTP:", text_of(response)[:60], "...")

        async def stream() -> str:
            chunks = await litellm.acompletion(
                model="mock_api/gpt-mock", messages=MESSAGES, api_base=api_base, stream=True, **call
            )
            return await astreamed(chunks)

        print("streamed (SSE):", asyncio.run(stream())[:60], "...")
        try:
            litellm.completion(
                model="mock_api/gpt-mock",
                messages=MESSAGES,
                api_base=api_base,
                extra_headers={"X-Mock-Fault": "status=429;retry_after=1"},
                **call,
            )
        except litellm.RateLimitError as limited:
            retry_after = limited.response.headers.get("retry-after") if limited.response is not None else None
            print("fault injected: RateLimitError, Retry-After", retry_after)
        print("health:", httpx.get(f"http://127.0.0.1:{port}/health").json())
    mock_api_provider.close()


def main() -> None:
    warnings.simplefilter("ignore")
    litellm.suppress_debug_info = True
    logging.getLogger("LiteLLM").setLevel(logging.ERROR)  # its notices about successive asyncio.run() loops
    print("registered:", ", ".join(initialize_plugins()))  # every installed litellm-plugin provider
    echo_provider()
    interceptors()
    mock_api()


if __name__ == "__main__":
    main()
