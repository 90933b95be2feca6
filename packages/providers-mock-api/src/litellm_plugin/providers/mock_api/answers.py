"""Deciding what the mock answers: a scripted rule, tool calls, structured output or plain text.

The tool-calling rule (deterministic, documented in the README):

- ``tool_choice`` ``"none"`` or no tools → no call.
- a named function → that function.
- ``"required"`` → the tools named in the last user message, else the first tool.
- ``"auto"`` → only when the last message is the user's (not a tool result): the tools the message names
  (``get_weather`` or ``get weather``, any case), else the first tool if the message contains the word
  ``tool``; otherwise a text reply.

Several named tools give parallel calls unless ``parallel_tool_calls`` is false (then the first named).
Arguments are generated from each tool's parameter schema (``schemas.py``), valid against it.
"""

from __future__ import annotations

import hashlib
import json
import re

from .conversation import Answer, FinishReason, Prompt, Tool, ToolCall
from .replies import reply_text, sentences
from .schemas import generate
from .scripts import Rule
from .tokens import count_tokens, truncate

__all__ = ["answer", "choose_tools"]


def _key(prompt: Prompt, index: int, position: int, name: str) -> str:
    raw = f"{prompt.digest}/{index}/{position}/{name}".encode()
    return hashlib.shake_256(raw).hexdigest(12)


def _named_in(text: str, tools: tuple[Tool, ...]) -> list[Tool]:
    lowered = text.lower()
    named: list[tuple[int, Tool]] = []
    for tool in tools:
        spellings = {tool.name.lower(), tool.name.lower().replace("_", " "), tool.name.lower().replace("-", " ")}
        positions = [m.start() for s in spellings for m in re.finditer(rf"(?<![\w]){re.escape(s)}(?![\w])", lowered)]
        if positions:
            named.append((min(positions), tool))
    return [tool for _, tool in sorted(named, key=lambda item: item[0])]


def choose_tools(prompt: Prompt) -> list[Tool]:
    """The tools to call for this prompt (empty: answer with text); see the module docstring."""
    if not prompt.tools or prompt.tool_choice == "none":
        return []
    if prompt.tool_choice not in ("auto", "required"):
        forced = prompt.tool(prompt.tool_choice)
        return [forced] if forced is not None else []
    last = prompt.last
    named = _named_in(prompt.last_user_text, prompt.tools) if last is not None and last.role == "user" else []
    if prompt.tool_choice == "auto":
        if last is None or last.role != "user":
            return []
        if not named and re.search(r"\btools?\b", last.text, re.IGNORECASE):
            named = [prompt.tools[0]]
    elif not named:
        named = [prompt.tools[0]]
    return named if prompt.parallel_tool_calls else named[:1]


def _arguments(tool: Tool | None, key: str) -> str:
    if tool is None:
        return "{}"
    value = generate(tool.parameters, f"{key}/{tool.name}", strict=tool.strict)
    return json.dumps(value, ensure_ascii=False)


def _calls(prompt: Prompt, index: int, named: list[tuple[str, str | None]]) -> Answer:
    calls: list[ToolCall] = []
    for position, (name, arguments) in enumerate(named):
        key = _key(prompt, index, position, name)
        calls.append(ToolCall(key, name, arguments if arguments is not None else _arguments(prompt.tool(name), key)))
    tokens = sum(count_tokens(call.name) + count_tokens(call.arguments) for call in calls)
    if prompt.max_tokens is not None and tokens > prompt.max_tokens:
        return _cut_calls(calls, prompt.max_tokens)
    return Answer(text="", finish_reason="tool_calls", completion_tokens=tokens, tool_calls=tuple(calls))


def _cut_calls(calls: list[ToolCall], limit: int) -> Answer:
    """Calls cut to ``limit`` tokens, as a model that runs out of tokens mid-call leaves them: the last one's
    arguments cut short (no longer JSON), the calls after it never made, ``finish_reason`` ``"length"``. A limit
    too small for the first call's name leaves no call at all."""
    kept: list[ToolCall] = []
    left = limit
    for call in calls:
        name_tokens = count_tokens(call.name)
        if name_tokens > left:
            break
        arguments = truncate(call.arguments, left - name_tokens)
        kept.append(ToolCall(call.key, call.name, arguments))
        left -= name_tokens + count_tokens(arguments)
        if arguments != call.arguments:
            break
    spent = limit - left if kept else limit
    return Answer(text="", finish_reason="length", completion_tokens=spent, tool_calls=tuple(kept))


def _text(prompt: Prompt, text: str) -> Answer:
    """Cut ``text`` at the first stop sequence, then to ``max_tokens`` tokens (never inside a character)."""
    finish: FinishReason = "stop"
    matched: str | None = None
    positions = [(text.find(sequence), sequence) for sequence in prompt.stop if sequence in text]
    if positions:
        cut, matched = min(positions)
        text = text[:cut]
    tokens = count_tokens(text)
    if prompt.max_tokens is not None and tokens > prompt.max_tokens:
        text = truncate(text, prompt.max_tokens)
        tokens = count_tokens(text)
        finish, matched = "length", None
    return Answer(text=text, finish_reason=finish, completion_tokens=tokens, stop_sequence=matched)


def _structured(prompt: Prompt, index: int) -> str | None:
    output = prompt.output
    if output.kind == "json_object":
        return json.dumps({"reply": sentences(prompt.digest, index)}, ensure_ascii=False)
    if output.kind == "json_schema" and output.schema is not None:
        value = generate(output.schema, f"{prompt.digest}/{index}/{output.name}", strict=output.strict)
        return json.dumps(value, ensure_ascii=False)
    return None


def _fill(text: str, prompt: Prompt) -> str:
    """A scripted text's placeholders: ``{last_user}`` and ``{tool_result}`` (the latest tool message)."""
    tool_result = next((turn.text for turn in reversed(prompt.turns) if turn.role == "tool"), "")
    return text.replace("{last_user}", prompt.last_user_text).replace("{tool_result}", tool_result)


def answer(prompt: Prompt, index: int, rule: Rule | None = None) -> Answer:
    """Choice ``index`` for ``prompt``: the scripted ``rule``'s reply if given, else the default behaviour.

    Raises ``schemas.SchemaError`` when a tool's or the response format's schema cannot be satisfied.
    """
    if rule is not None:
        reply = rule.reply
        if reply.tool_calls is not None:
            named = [
                (call.name, None if call.arguments is None else json.dumps(call.arguments, ensure_ascii=False))
                for call in reply.tool_calls
            ]
            return _calls(prompt, index, named)
        if reply.json_value is not None:
            return _text(prompt, json.dumps(reply.json_value, ensure_ascii=False))
        if reply.text is not None:
            return _text(prompt, _fill(reply.text, prompt))
    tools = choose_tools(prompt)
    if tools:
        return _calls(prompt, index, [(tool.name, None) for tool in tools])
    structured = _structured(prompt, index)
    return _text(prompt, structured if structured is not None else reply_text(prompt, index))
