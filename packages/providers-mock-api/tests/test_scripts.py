"""Scripted replies: YAML rules, validated at load, on the CLI server, the embedded app and MockAPIProvider."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import litellm
import openai
import pytest

from litellm_plugin.core import PluginRegistry
from litellm_plugin.core.testing.servers import ServerProcess
from litellm_plugin.providers.mock_api import (
    MockAPIProvider,
    MockServerSettings,
    ScriptError,
    create_app,
    load_script,
)

AGENT_SCRIPT = """
rules:
  - name: ask-weather
    match: {turn: 1, contains: weather}
    reply:
      tool_calls: [{name: get_weather, arguments: {city: Paris}}]
  - match: {after_tool: true}
    reply: {text: "It is {tool_result} in Paris."}
"""
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
def agent_script(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(AGENT_SCRIPT)
    return path


def run_agent(create: Callable[..., Any]) -> tuple[Any, Any]:
    """The three-step agent loop: question → tool call → tool result → final answer."""
    messages: list[Any] = [{"role": "user", "content": "What's the weather in Paris?"}]
    first = create(messages=messages, tools=[WEATHER])
    call = first.choices[0].message.tool_calls[0]
    messages += [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ]
    return first, create(messages=messages, tools=[WEATHER])


def test_agent_loop_on_the_cli_server(start_server: Callable[..., ServerProcess], agent_script: Path) -> None:
    server = start_server("--script", str(agent_script))
    client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="test-key", max_retries=0)
    first, final = run_agent(lambda **kw: client.chat.completions.create(model="gpt-mock", **kw))
    assert first.choices[0].finish_reason == "tool_calls"
    assert json.loads(first.choices[0].message.tool_calls[0].function.arguments) == {"city": "Paris"}
    assert final.choices[0].message.content == "It is sunny in Paris."
    other = client.chat.completions.create(model="gpt-mock", messages=[{"role": "user", "content": "Hi"}])
    assert (other.choices[0].message.content or "").startswith("Mock reply to"), "unmatched: the default reply"


@pytest.fixture
def scripted_provider(agent_script: Path) -> Iterator[MockAPIProvider]:
    provider = MockAPIProvider(script=agent_script)
    registry = PluginRegistry()
    registry.register("mock_scripted", provider)
    registry.initialize()
    yield provider
    registry.unregister("mock_scripted")
    provider.close()


def test_agent_loop_through_litellm(scripted_provider: MockAPIProvider) -> None:
    first, final = run_agent(lambda **kw: litellm.completion(model="mock_scripted/gpt-mock", **kw))
    assert first.choices[0].message.tool_calls[0].function.name == "get_weather"
    assert final.choices[0].message.content == "It is sunny in Paris."


async def test_rules_match_model_turn_regex_exact_and_give_json_and_faults(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        """
- match: {model: gpt-mock-mini}
  reply: {text: "mini scenario"}
- match: {model: scenario-refund}
  reply: {text: "refund scenario"}
- match: {exact: "boom"}
  reply: {fault: "status=503"}
- match: {regex: "^order #\\\\d+$"}
  reply: {json: {status: shipped, items: [1, 2]}}
- match: {turn: 2}
  reply: {text: "second turn"}
"""
    )
    app = create_app(MockServerSettings(script=path))
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": "Bearer test-key"}
    async with httpx.AsyncClient(transport=transport, base_url="http://mock", headers=headers) as client:

        async def ask(text: str, model: str = "gpt-mock", history: list[Any] | None = None) -> httpx.Response:
            messages = [*(history or []), {"role": "user", "content": text}]
            return await client.post("/v1/chat/completions", json={"model": model, "messages": messages})

        def text(response: httpx.Response) -> str:
            return str(response.json()["choices"][0]["message"]["content"])

        assert text(await ask("anything", model="gpt-mock-mini")) == "mini scenario"
        # A model named only in the rules is served too: scenario selection by model name.
        assert text(await ask("anything", model="scenario-refund")) == "refund scenario"
        listed = (await client.get("/v1/models")).json()["data"]
        assert "scenario-refund" in [model["id"] for model in listed]
        assert (await ask("boom")).status_code == 503
        assert json.loads(text(await ask("order #42"))) == {"status": "shipped", "items": [1, 2]}
        assert text(await ask("order #42 please")).startswith("Mock reply")
        history = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
        assert text(await ask("c", history=history)) == "second turn"
        # Same rules on the other APIs.
        response = await client.post("/v1/responses", json={"model": "gpt-mock-mini", "input": "hi"})
        assert response.json()["output"][0]["content"][0]["text"] == "mini scenario"
        message = await client.post(
            "/v1/messages",
            json={"model": "gpt-mock", "max_tokens": 50, "messages": [{"role": "user", "content": "boom"}]},
            headers={"anthropic-version": "2023-06-01", "x-api-key": "test-key"},
        )
        assert message.status_code == 503
        assert message.json()["type"] == "error"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("rules:\n  - name: bad-one\n    match: {regex: '('}\n    reply: {text: x}\n", "rule 0 ('bad-one')"),
        ("rules:\n  - reply: {text: x}\n  - reply: {text: x, json: {}}\n", "rule 1"),
        ("rules:\n  - match: {turn: 0}\n    reply: {text: x}\n", "turn"),
        ("rules:\n  - match: {contain: x}\n    reply: {text: x}\n", "contain"),
        ("rules:\n  - reply: {fault: 'status=abc'}\n", "fault"),
        ("rules:\n  - reply: {tool_calls: [{arguments: {}}]}\n", "name"),
        ("rules: [", "not valid YAML"),
        ("just text", "expected a mapping"),
    ],
)
def test_bad_rules_are_refused_at_load_naming_the_rule(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(ScriptError, match=named.replace("(", r"\(").replace(")", r"\)")):
        load_script(path)
    with pytest.raises(ScriptError):
        MockAPIProvider(script=path)
    with pytest.raises(ScriptError):  # given in the settings: checked when the provider is built all the same
        MockAPIProvider(settings={"script": path})


def test_missing_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="cannot read"):
        load_script(tmp_path / "nope.yaml")
    with pytest.raises(ScriptError, match="cannot read"):
        MockAPIProvider(settings={"script": str(tmp_path / "nope.yaml")})


def test_a_script_that_is_no_path_is_a_clear_error() -> None:
    with pytest.raises(ScriptError, match="rules file path or a loaded Script, not int"):
        MockAPIProvider(script=5)  # type: ignore[arg-type]
