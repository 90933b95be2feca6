"""Server-wide settings of the mock API (what ``create_app`` and the CLI configure)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .faults import FaultSpec, parse_fault
from .scripts import Script

__all__ = ["DEFAULT_API_KEY", "DEFAULT_MODELS", "MockServerSettings"]

DEFAULT_API_KEY = "test-key"
"""The key the server accepts unless told otherwise, and the key the provider sends when given none."""

DEFAULT_MODELS = ("gpt-mock", "gpt-mock-mini", "text-embedding-mock", "claude-mock")


class MockServerSettings(BaseModel):
    """Configuration of one mock API app.

    ``api_key=None`` turns the key check off. ``fault`` (a :class:`FaultSpec` or its text form, e.g.
    ``"status=503"``) applies to every API request that carries no ``X-Mock-Fault`` header. ``script`` is a
    YAML rules file of scripted replies (``scripts.py``), or a loaded ``Script``. Models whose name
    contains ``embedding`` serve ``/v1/embeddings`` only; the others serve chat, Responses and Messages.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, extra="forbid")  # a typo is an error

    api_key: str | None = DEFAULT_API_KEY
    models: tuple[str, ...] = Field(default=DEFAULT_MODELS, min_length=1)
    embedding_dimensions: int = Field(default=256, ge=1, le=4096)
    fault: FaultSpec | None = None
    script: Path | Script | None = None

    @field_validator("fault", mode="before")
    @classmethod
    def _parse_fault_text(cls, value: object) -> object:
        return parse_fault(value) if isinstance(value, str) else value
