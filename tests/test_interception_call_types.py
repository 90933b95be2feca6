"""Image generation and embeddings through the engine, with the echo provider: changes apply when declared."""

from __future__ import annotations

from typing import Any

import litellm

from litellm_plugin.core import BaseCustomLogger


class PromptRewriter(BaseCustomLogger):
    """Handles image generation only: rewrites the prompt, and marks the response."""

    call_types = frozenset({"image_generation"})

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> Any:
        self.calls.append(f"pre:{call_type}")
        data["prompt"] = data["prompt"] + " in watercolour"
        return data

    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        self.calls.append(f"post:{type(response).__name__}")
        response.data[0].revised_prompt = "checked: " + str(response.data[0].revised_prompt)
        return response


async def test_image_generation_changes_apply_on_sync_and_async(echo_model: str) -> None:
    rewriter = PromptRewriter()
    litellm.callbacks = [rewriter]
    sync = litellm.image_generation(model=echo_model, prompt="a cat")
    asynchronous = await litellm.aimage_generation(model=echo_model, prompt="a cat")
    for response in (sync, asynchronous):
        assert response.data is not None
        assert response.data[0].revised_prompt == "checked: Echo: a cat in watercolour"
    litellm.completion(model=echo_model, messages=[{"role": "user", "content": "not an image call"}])
    assert rewriter.calls == ["pre:image_generation", "post:ImageResponse"] * 2
