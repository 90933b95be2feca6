"""Scripted replies: YAML rules that decide what the mock answers to a given conversation.

.. code-block:: yaml

    rules:
      - name: ask-weather            # optional; named in errors
        match: {turn: 1, contains: weather}
        reply:
          tool_calls: [{name: get_weather, arguments: {city: Paris}}]
      - match: {after_tool: true}
        reply: {text: "It is sunny in Paris."}

``match`` keys (all optional; every one given must hold; none means "always"): ``model`` (the request's model
name: scenario selection), ``turn`` (which reply of the conversation this is: assistant messages so far + 1),
``exact`` / ``contains`` / ``regex`` (on the last user message, case-sensitive; ``regex`` uses ``re.search``),
``after_tool`` (the last message is a tool result). ``reply`` has exactly one of ``text`` (``{last_user}``
and ``{tool_result}`` are filled in), ``tool_calls`` (``arguments`` omitted: generated from the tool's schema),
``json`` (the structured-output object) or ``fault`` (as in ``X-Mock-Fault``). The first matching rule wins;
no match falls back to the deterministic reply.
Rules are validated at load: a bad rule raises :class:`ScriptError` naming it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .conversation import Prompt
from .faults import FaultSpec, parse_fault

__all__ = ["Rule", "Script", "ScriptError", "ScriptedReply", "ScriptedToolCall", "load_script"]


class ScriptError(ValueError):
    """A rules file that cannot be read or has an invalid rule (the message names the rule and field)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Match(_Strict):
    model: str | None = None
    turn: int | None = Field(default=None, ge=1)
    exact: str | None = None
    contains: str | None = Field(default=None, min_length=1)
    regex: str | None = None
    after_tool: bool | None = None

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    def holds(self, prompt: Prompt) -> bool:
        text = prompt.last_user_text
        last = prompt.last
        checks = (
            self.model is None or self.model == prompt.model,
            self.turn is None or self.turn == prompt.turn_number,
            self.exact is None or self.exact == text,
            self.contains is None or self.contains in text,
            self.regex is None or re.search(self.regex, text) is not None,
            self.after_tool is None or self.after_tool == (last is not None and last.role == "tool"),
        )
        return all(checks)


class ScriptedToolCall(_Strict):
    name: str = Field(min_length=1)
    arguments: dict[str, Any] | None = None


class ScriptedReply(_Strict):
    text: str | None = None
    tool_calls: list[ScriptedToolCall] | None = Field(default=None, min_length=1)
    json_value: dict[str, Any] | list[Any] | None = Field(default=None, alias="json")
    fault: FaultSpec | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    @field_validator("fault", mode="before")
    @classmethod
    def _parse_fault(cls, value: object) -> object:
        return parse_fault(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> ScriptedReply:
        given = [name for name in ("text", "tool_calls", "json_value", "fault") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("a reply needs exactly one of text, tool_calls, json, fault")
        return self


class Rule(_Strict):
    name: str | None = None
    match: Match = Match()
    reply: ScriptedReply


class Script(_Strict):
    """The rules, in order; :meth:`find` gives the first that matches a prompt."""

    rules: list[Rule] = Field(default_factory=list)

    def find(self, prompt: Prompt) -> Rule | None:
        return next((rule for rule in self.rules if rule.match.holds(prompt)), None)


def _describe(error: Any, raw: object) -> str:
    location = [part for part in error["loc"]]
    where = ""
    if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
        index = location[1]
        rules = raw.get("rules") if isinstance(raw, dict) else None
        rule = rules[index] if isinstance(rules, list) and index < len(rules) else None
        name = rule.get("name") if isinstance(rule, dict) else None
        where = f"rule {index}" + (f" ({name!r})" if name else "")
        location = location[2:]
    field = ".".join(str(part) for part in location if not str(part).startswith("function-"))
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where + ': ' if where else ''}{field + ': ' if field else ''}{message}"


def parse_script(raw: object, source: str = "script") -> Script:
    """Validate already-loaded rules (a mapping with ``rules``, or a bare list of rules)."""
    data = {"rules": raw} if isinstance(raw, list) else raw
    if not isinstance(data, dict):
        raise ScriptError(f"{source}: expected a mapping with a 'rules' list")
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(error, data) for error in exc.errors())
        raise ScriptError(f"{source}: invalid rules: {problems}") from None


def load_script(source: str | Path | Script) -> Script:
    """A :class:`Script` from a YAML file path (or a :class:`Script`, returned as is)."""
    if isinstance(source, Script):
        return source
    if not isinstance(source, (str, Path)):
        raise ScriptError(f"script must be a rules file path or a loaded Script, not {type(source).__name__}")
    path = Path(source)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScriptError(f"cannot read rules file {str(path)!r}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise ScriptError(f"{path}: not valid YAML: {exc}") from None
    return parse_script(raw, str(path))
