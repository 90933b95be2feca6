"""LiteLLM's "encrypted" reasoning on a provider it bridges the Responses API to is JSON of thinking blocks, in
plain text: ContentFilter reads it both ways (in a reply's ``encrypted_content``, in one sent back, and in a
thinking block's signature that carries it), and leaves a provider's real ciphertext alone."""

from __future__ import annotations

import json
import uuid
from typing import Any

import litellm
import pytest
from litellm.types.utils import ModelResponse

from litellm_plugin.core import BaseCustomProvider
from litellm_plugin.core.errors import InterceptorRejectedError
from litellm_plugin.loggers.filters import ContentFilter

ENCODED_PREFIX = "litellm_encrypted_reasoning:"
_NO_ENCODING = "this LiteLLM release hands back no encrypted_content for a provider it bridges"


class ThinkingLLM(BaseCustomProvider):
    """Replies with a signed thinking block that says ``thought`` (streamed by the base class too); records
    the messages it was sent."""

    def __init__(self, thought: str) -> None:
        super().__init__()
        self.thought = thought
        self.seen: list[str] = []

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        self.seen.append(json.dumps(kwargs["messages"], default=str))
        response = ModelResponse(model=kwargs["model"])
        message: Any = response.choices[0].message
        message.content = "answer"
        message.reasoning_content = self.thought
        message.thinking_blocks = [{"type": "thinking", "thinking": self.thought, "signature": "c2lnbmF0dXJl"}]
        response.usage = litellm.Usage(prompt_tokens=1, completion_tokens=1, total_tokens=2)  # type: ignore[attr-defined]
        return response


def _provider(thought: str = "I think so") -> tuple[str, ThinkingLLM]:
    name = f"think{uuid.uuid4().hex[:8]}"
    llm = ThinkingLLM(thought)
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": llm}]
    litellm.utils.custom_llm_setup()
    return f"{name}/m", llm


def _dump(value: Any) -> str:
    return json.dumps(value.model_dump() if hasattr(value, "model_dump") else value, default=str)


def _encoded(thought: str) -> str:
    return json.dumps([{"type": "thinking", "thinking": thought, "signature": "c2ln"}])


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
async def test_a_blocked_word_in_a_bridged_reply_is_masked_in_its_encrypted_content(asynchronous: bool) -> None:
    model, _ = _provider("I like spam")
    litellm.callbacks = [ContentFilter(["spam"])]
    reply = (
        await litellm.aresponses(model=model, input="hi")
        if asynchronous
        else litellm.responses(model=model, input="hi")
    )
    [reasoning] = [item for item in json.loads(_dump(reply))["output"] if item["type"] == "reasoning"]
    if "encrypted_content" not in reasoning:
        pytest.skip(_NO_ENCODING)
    assert "spam" not in _dump(reply)
    assert json.loads(reasoning["encrypted_content"])[0]["thinking"] == "I like [FILTERED]"


def _next_turn(model: str, thought_sent_back: str) -> list[Any]:
    """The items of a first reply, with its reasoning's encoded thinking replaced, and a new user message."""
    first: Any = litellm.responses(model=model, input="hi")
    items = [json.loads(_dump(item)) for item in first.output]
    reasoning = [item for item in items if item["type"] == "reasoning" and "encrypted_content" in item]
    if not reasoning:
        pytest.skip(_NO_ENCODING)
    for item in reasoning:
        item["encrypted_content"] = _encoded(thought_sent_back)
    return [*items, {"role": "user", "content": "again"}]


def test_a_blocked_word_sent_back_in_encrypted_reasoning_is_masked() -> None:
    model, llm = _provider()
    litellm.callbacks = [ContentFilter(["hunter2"], filter_requests=True)]
    litellm.responses(model=model, input=_next_turn(model, "my hunter2 plan"))
    assert "my [FILTERED] plan" in llm.seen[-1]
    assert "hunter2" not in llm.seen[-1]


async def test_a_blocked_word_sent_back_in_encrypted_reasoning_is_refused() -> None:
    model, llm = _provider()
    litellm.callbacks = [ContentFilter(["hunter2"], action="block", filter_requests=True, filter_responses=False)]
    turn = _next_turn(model, "my hunter2 plan")
    calls = len(llm.seen)
    with pytest.raises(InterceptorRejectedError):
        await litellm.aresponses(model=model, input=turn)
    assert len(llm.seen) == calls, "the provider was called"


def _conversation(thinking: str, signature: str) -> list[Any]:
    """A chat conversation whose assistant turn carries one signed thinking block."""
    block = {"type": "thinking", "thinking": thinking, "signature": signature}
    return [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "answer", "thinking_blocks": [block]},
        {"role": "user", "content": "again"},
    ]


def test_encoded_reasoning_in_a_chat_thinking_signature_is_read() -> None:
    model, llm = _provider()
    litellm.callbacks = [ContentFilter(["hunter2"], filter_requests=True)]
    litellm.completion(model=model, messages=_conversation("fine", ENCODED_PREFIX + _encoded("my hunter2 plan")))
    assert "hunter2" not in llm.seen[-1]
    assert "[FILTERED]" in llm.seen[-1]


def test_a_providers_own_signature_is_left_alone() -> None:
    """Not LiteLLM's encoding (not JSON): opaque, sent on byte for byte even where it happens to spell a word."""
    model, llm = _provider()
    litellm.callbacks = [ContentFilter(["spam"], filter_requests=True)]
    signature = "EqQBCkgIARABGAIiQspamLXk9/+a=="
    litellm.completion(model=model, messages=_conversation("some spam", signature))
    sent = json.loads(llm.seen[-1])
    [block] = sent[1]["thinking_blocks"]
    assert block == {"type": "thinking", "thinking": "some [FILTERED]", "signature": signature}
