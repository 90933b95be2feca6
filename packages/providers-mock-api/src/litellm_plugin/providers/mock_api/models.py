"""Request schemas of the OpenAI-shaped endpoints (chat completions, embeddings), strictly typed.

Validation is strict as OpenAI's is: no coercion (``"stream": "yes"`` or ``"temperature": "0.5"`` is a 400),
``null`` accepted where OpenAI's spec marks a field nullable. FastAPI turns a failed constraint into a
``RequestValidationError``, which the server answers with HTTP 400 naming the field (``server.py``).
Unknown fields are accepted and ignored, so clients that send other OpenAI parameters keep working.
Rules that span fields (``stream_options`` needs ``stream``; ``tool_choice`` needs ``tools``...) are in
``chat.py``, which answers them in OpenAI's words.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .tokens import decode, vocabulary_size

__all__ = [
    "ChatCompletionRequest",
    "ChatMessage",
    "ChatTool",
    "EmbeddingRequest",
    "FunctionDefinition",
    "JSONSchemaFormat",
    "ResponseFormat",
    "StreamOptions",
]

_StopSequence = Annotated[str, Field(min_length=1)]
_Name = Annotated[str, Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Function(_Strict):
    name: str
    arguments: str


class MessageToolCall(_Strict):
    id: str
    type: Literal["function"] = "function"
    function: _Function


class ChatMessage(_Strict):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[MessageToolCall] | None = None
    tool_call_id: str | None = None

    @model_validator(mode="after")
    def _content_required(self) -> ChatMessage:
        if self.content is None and self.role != "function" and not (self.role == "assistant"):
            raise ValueError(f"content is required for {self.role} messages")
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("tool_call_id is required for tool messages")
        if isinstance(self.content, list):
            for part in self.content:
                if not isinstance(part.get("type"), str):
                    raise ValueError("every content part needs a 'type'")
                if part["type"] == "text" and not isinstance(part.get("text"), str):
                    raise ValueError("a text content part needs a string 'text'")
        return self

    def text(self) -> str:
        """The message's text, with the text parts of a multi-part content joined by spaces."""
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return " ".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")


class StreamOptions(_Strict):
    include_usage: bool | None = None


class FunctionDefinition(_Strict):
    name: _Name
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class ChatTool(_Strict):
    type: Literal["function"]
    function: FunctionDefinition


class _NamedFunction(_Strict):
    name: str


class NamedToolChoice(_Strict):
    type: Literal["function"]
    function: _NamedFunction


class JSONSchemaFormat(_Strict):
    name: _Name
    description: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None


class _TextFormat(_Strict):
    type: Literal["text"]


class _JSONObjectFormat(_Strict):
    type: Literal["json_object"]


class _JSONSchemaResponseFormat(_Strict):
    type: Literal["json_schema"]
    json_schema: JSONSchemaFormat


ResponseFormat = Annotated[_TextFormat | _JSONObjectFormat | _JSONSchemaResponseFormat, Field(discriminator="type")]


class ChatCompletionRequest(_Strict):
    model: str = Field(min_length=1)
    messages: list[ChatMessage] = Field(min_length=1)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    n: int | None = Field(default=None, ge=1, le=128)
    stop: _StopSequence | list[_StopSequence] | None = None
    seed: int | None = Field(default=None, ge=-(2**63), le=2**63 - 1)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    logit_bias: dict[str, int] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    tools: Annotated[list[ChatTool], Field(min_length=1, max_length=128)] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    user: str | None = None

    @field_validator("stop")
    @classmethod
    def _at_most_four_stops(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and len(value) > 4:
            raise ValueError("at most 4 stop sequences are allowed")
        return value

    def stop_sequences(self) -> tuple[str, ...]:
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)

    def token_limit(self) -> int | None:
        """``max_completion_tokens`` (OpenAI's newer name) wins over ``max_tokens``."""
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens

    def include_usage_in_stream(self) -> bool:
        return self.stream_options is not None and bool(self.stream_options.include_usage)


class EmbeddingRequest(_Strict):
    model: str = Field(min_length=1)
    input: (
        Annotated[str, Field(min_length=1)]
        | Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1, max_length=2048)]
        | Annotated[list[int], Field(min_length=1)]
        | Annotated[list[Annotated[list[int], Field(min_length=1)]], Field(min_length=1, max_length=2048)]
    )
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1, le=4096)
    user: str | None = None

    @model_validator(mode="after")
    def _known_token_ids(self) -> EmbeddingRequest:
        ids = [token for item in self._token_inputs() for token in item]
        size = vocabulary_size() if ids else 0
        if not all(0 <= token < size for token in ids):
            raise ValueError(f"'input' holds a token id outside the tokenizer's vocabulary (0 to {size - 1})")
        return self

    def _token_inputs(self) -> list[list[int]]:
        if isinstance(self.input, str) or not self.input or isinstance(self.input[0], str):
            return []
        if all(isinstance(item, int) for item in self.input):
            return [[item for item in self.input if isinstance(item, int)]]
        return [item for item in self.input if isinstance(item, list)]

    def texts(self) -> list[str]:
        """Each input as a string; token ids as the text they stand for (the same vector, the same count)."""
        if isinstance(self.input, str):
            return [self.input]
        if all(isinstance(item, str) for item in self.input):
            return [str(item) for item in self.input]
        return [decode(tokens) for tokens in self._token_inputs()]
