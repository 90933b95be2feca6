"""Message validation: every malformed shape becomes a BadRequestError naming the problem."""

from __future__ import annotations

from typing import Any

import pytest
from litellm.exceptions import BadRequestError
from litellm.types.utils import Message

from litellm_plugin.core.messages import last_user_text, message_text, validate_messages


@pytest.mark.parametrize(
    ("messages", "problem"),
    [
        ([], "is empty"),
        ("hello", "must be a list"),
        (None, "must be a list"),
        ([42], "message 0 must be an object"),
        ([{"content": "x"}], "message 0 has no 'role'"),
        ([{"role": "", "content": "x"}], "has no 'role'"),
        ([{"role": "robot", "content": "x"}], "unknown role 'robot'"),
        ([{"role": "user"}], "message 0 (role 'user') has no content"),
        ([{"role": "assistant", "content": None}], "has no content"),
        ([{"role": "user", "content": 3}], "must be a string or a list of parts, not int"),
        ([{"role": "user", "content": ["raw"]}], "content part 0 must be an object with a 'type'"),
        ([{"role": "user", "content": [{"type": "text", "text": 1}]}], "has no string 'text'"),
        ([{"role": "tool", "content": "42"}], "(role 'tool') has no 'tool_call_id'"),
        ([{"role": "system", "content": "rules"}], "no message with role 'user'"),
    ],
)
def test_malformed_messages(messages: Any, problem: str) -> None:
    with pytest.raises(BadRequestError, match="invalid messages") as caught:
        last_user_text(messages, model="m", provider="p")
    assert problem in str(caught.value)
    assert caught.value.llm_provider == "p"


def test_legal_variants() -> None:
    messages: list[Any] = [
        {"role": "developer", "content": "d"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]},
        {"role": "tool", "tool_call_id": "1", "content": [{"type": "text", "text": "42"}]},
        {
            "role": "user",
            "content": [{"type": "text", "text": "a"}, {"type": "image_url"}, {"type": "text", "text": "b"}],
        },
    ]
    assert [text for _, text in validate_messages(messages)] == ["d", "", "42", "ab"]
    assert last_user_text(messages) == "ab"


def test_message_objects_are_accepted() -> None:
    assert message_text(Message(role="user", content="from an object")) == "from an object"
