"""An interceptor's change to an image prompt through the proxy's ``/v1/images/generations``: LiteLLM hands the
request hooks the prompt twice (``prompt`` and one user message built from it) and sends the message's text on,
so a hook that changes ``prompt``, the field an SDK call has, must still reach the model, once."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import json
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from litellm_plugin.core.testing.proxy_files import run_proxy_in_folder
from litellm_plugin.core.testing.servers import ServerProcess

HANDLERS = """
import json

from litellm import CustomLLM
from litellm.types.utils import ImageResponse

from litellm_plugin.core import ALL_CALL_TYPES, BaseCustomLogger


class ImagePromptSpy(CustomLLM):
    async def aimage_generation(self, *args, **kwargs):
        with open("image_prompts.jsonl", "a", encoding="utf-8") as prompts:
            prompts.write(json.dumps(kwargs.get("prompt")) + "\\n")
        return ImageResponse(data=[{"url": "http://127.0.0.1:9/image.png"}])


class TagsPrompts(BaseCustomLogger):
    call_types = ALL_CALL_TYPES

    async def async_pre_call_hook(self, user_api_key_dict, cache, data, call_type):
        if isinstance(data.get("prompt"), str):
            data["prompt"] += " [tagged]"
        return data


image_spy = ImagePromptSpy()
tagger = TagsPrompts()
"""

CONFIG = """
model_list:
  - model_name: images
    litellm_params: {model: image_spy/any}
litellm_settings:
  custom_provider_map:
    - {provider: image_spy, custom_handler: handlers.image_spy}
  callbacks: [handlers.tagger]
"""


@pytest.fixture(scope="module")
def proxy() -> Iterator[tuple[ServerProcess, Path]]:
    with run_proxy_in_folder({"handlers.py": HANDLERS, "config.yaml": CONFIG}, startup_timeout=120) as running:
        yield running


def test_a_hook_changing_the_prompt_changes_what_the_model_gets_once(proxy: tuple[ServerProcess, Path]) -> None:
    """Before: the model got "a cat": the change was dropped with the prompt the proxy rebuilt from the message."""
    server, folder = proxy
    client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=server.env["LITELLM_MASTER_KEY"], max_retries=0)
    client.images.generate(model="images", prompt="a cat")
    prompts = [json.loads(line) for line in (folder / "image_prompts.jsonl").read_text().splitlines()]
    assert prompts == ["a cat [tagged]"]
