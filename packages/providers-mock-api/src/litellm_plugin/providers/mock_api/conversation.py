"""The API-neutral request and answer every endpoint shares (chat, Responses, Anthropic Messages).

Each endpoint turns its own request into a :class:`Prompt`; ``answers.answer`` turns a prompt into an
:class:`Answer`; the endpoint renders that in its own wire shape. So tool calling, structured output and
scripted replies behave the same on all three APIs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from .tokens import count_tokens

__all__ = ["Answer", "FinishReason", "OutputFormat", "Prompt", "Tool", "ToolCall", "Turn"]

FinishReason = Literal["stop", "length", "tool_calls"]


@dataclass(frozen=True)
class Turn:
    """One message of the conversation: ``role`` is system, user, assistant or tool; ``text`` its text."""

    role: str
    text: str
    tool_calls: int = 0  # how many tool calls an assistant message made


@dataclass(frozen=True)
class Tool:
    """A function the model may call: its JSON-Schema ``parameters`` and whether ``strict`` mode is on."""

    name: str
    parameters: Mapping[str, Any] | bool = field(default_factory=lambda: {"type": "object", "properties": {}})
    description: str = ""
    strict: bool = False

    def definition_tokens(self) -> int:
        """What its definition adds to a prompt's token count (Responses and Messages usage)."""
        definition = {"name": self.name, "description": self.description, "parameters": self.parameters}
        return count_tokens(json.dumps(definition, ensure_ascii=False))


@dataclass(frozen=True)
class OutputFormat:
    """``text``, ``json_object`` (any JSON object) or ``json_schema`` (valid against ``schema``)."""

    kind: Literal["text", "json_object", "json_schema"] = "text"
    schema: Mapping[str, Any] | bool | None = None
    strict: bool = False
    name: str = "response"


@dataclass(frozen=True)
class Prompt:
    """What decides an answer. ``tool_choice`` is ``auto``, ``none``, ``required`` or a tool's name."""

    model: str
    turns: tuple[Turn, ...]
    tools: tuple[Tool, ...] = ()
    tool_choice: str = "auto"
    parallel_tool_calls: bool = True
    output: OutputFormat = OutputFormat()
    seed: int | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()

    @cached_property
    def digest(self) -> str:
        """A hash of the conversation and seed: what makes the answer deterministic (computed once)."""
        payload = json.dumps(
            {"turns": [[turn.role, turn.text] for turn in self.turns], "seed": self.seed},
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        return hashlib.shake_256(payload).hexdigest(16)

    @property
    def last_user_text(self) -> str:
        return next((turn.text for turn in reversed(self.turns) if turn.role == "user"), "")

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    @property
    def turn_number(self) -> int:
        """Which reply of the conversation this is: assistant messages so far, plus one."""
        return sum(1 for turn in self.turns if turn.role == "assistant") + 1

    def tool(self, name: str) -> Tool | None:
        return next((tool for tool in self.tools if tool.name == name), None)


@dataclass(frozen=True)
class ToolCall:
    """A call the model makes: ``key`` is a stable hex id each API prefixes (``call_``, ``toolu_``...)."""

    key: str
    name: str
    arguments: str  # JSON text, as OpenAI sends it

    def arguments_object(self) -> Any:
        """The arguments as an object; ``{}`` when ``max_tokens`` cut them short (Anthropic's ``input`` is an
        object, never partial JSON)."""
        try:
            return json.loads(self.arguments)
        except ValueError:
            return {}


@dataclass(frozen=True)
class Answer:
    """One choice: text (possibly empty) and tool calls; ``stop_sequence`` is the stop that cut the text."""

    text: str
    finish_reason: FinishReason
    completion_tokens: int
    tool_calls: tuple[ToolCall, ...] = ()
    stop_sequence: str | None = None
