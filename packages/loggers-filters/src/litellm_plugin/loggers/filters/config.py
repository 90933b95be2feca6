"""Validated settings of the three interceptors: a bad value raises ``pydantic.ValidationError`` naming it."""

from __future__ import annotations

import difflib
import importlib
import json
import logging
import reprlib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from litellm_plugin.loggers.filters.matcher import WordMatcher
from litellm_plugin.loggers.filters.normalize import normalize_phrase

__all__ = [
    "Action",
    "BlockedWord",
    "ContentFilterConfig",
    "GuardrailMode",
    "RequestLoggerConfig",
    "ResponseModifierConfig",
    "suggest_known_names",
]

Action = Literal["mask", "block"]
GuardrailMode = Literal["pre_call", "post_call", "during_call"]


def _lower(value: Any) -> Any:
    """Accept LiteLLM's spellings: "MASK", ContentFilterAction.BLOCK..."""
    value = getattr(value, "value", value)
    return value.lower() if isinstance(value, str) else value


class ResponseModifierConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prefix: str = Field(default="[Modified] ", description="Text put in front of every reply.")


class BlockedWord(BaseModel):
    """One blocked word or phrase with its own action (LiteLLM's ``{keyword, action, description}`` form)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    keyword: str
    action: Action | None = Field(default=None, description="Overrides the filter's action for this word.")
    description: str | None = None

    _lower_action = field_validator("action", mode="before")(_lower)


class ContentFilterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    blocked_words: list[str | BlockedWord] = Field(
        default_factory=list, description="Words and phrases, plain or as {keyword, action}."
    )
    blocked_words_file: Path | None = Field(
        default=None,
        description="Text file, one word or phrase per line ('#' comments), or a JSON/YAML list "
        "(also LiteLLM's {blocked_words: [{keyword, action}]} files).",
    )
    whole_words: bool = Field(default=True, description="False: also match inside longer words.")
    confusables: bool = Field(
        default=False,
        description="Also match look-alike letters of other scripts (Cyrillic 'а' for 'a'): UTS #39 skeletons.",
    )
    action: Action = Field(default="mask", description="mask: replace the word; block: refuse the call (HTTP 400).")
    replacement: str = Field(default="[FILTERED]", description="What a masked word or phrase becomes.")
    filter_requests: bool | None = Field(default=None, description="In code: also filter request messages.")
    filter_responses: bool | None = Field(default=None, description="In code: filter replies (default True).")
    mode: GuardrailMode | list[GuardrailMode] | None = Field(
        default=None, description="Guardrail mode (proxy `mode` / `event_hook`); decides what is filtered."
    )

    _words: list[tuple[str, Action]] = PrivateAttr(default_factory=list)
    _matcher: WordMatcher | None = PrivateAttr(None)

    _lower_action = field_validator("action", mode="before")(_lower)

    @field_validator("blocked_words")
    @classmethod
    def _phrases_not_empty(cls, words: list[str | BlockedWord]) -> list[str | BlockedWord]:
        for word in words:
            text = word if isinstance(word, str) else word.keyword
            _check_word(text)
        return words

    @model_validator(mode="after")
    def _compile(self) -> ContentFilterConfig:
        words: list[tuple[str, Action]] = [
            (word, self.action) if isinstance(word, str) else (word.keyword, word.action or self.action)
            for word in self.blocked_words
        ]
        if self.blocked_words_file is not None:
            words.extend(
                (word, self.action) if action is None else (word, action)
                for word, action in _read_words(self.blocked_words_file)
            )
        if not words:
            raise ValueError("blocked_words: give at least one word (blocked_words or blocked_words_file)")
        modes = self.guardrail_modes()
        if modes is not None and (self.filter_requests is not None or self.filter_responses is not None):
            raise ValueError(
                "filter_requests/filter_responses: with a guardrail mode, the mode decides what is filtered"
            )
        if not self.sides():
            raise ValueError("filter_requests/filter_responses: nothing left to filter")
        if modes and "during_call" in modes and any(action == "mask" for _, action in words):
            raise ValueError("mode: during_call runs alongside the model call and can only block; use action: block")
        matcher = WordMatcher((word for word, _ in words), whole_words=self.whole_words, confusables=self.confusables)
        hit = matcher.find(self.replacement)
        if hit:
            raise ValueError(f"replacement: {self.replacement!r} contains the blocked word {hit[0].word!r}")
        _check_replacement_joins_nothing(self.replacement, matcher)
        self._words = words
        self._matcher = matcher
        return self

    def guardrail_modes(self) -> frozenset[str] | None:
        if self.mode is None:
            return None
        return frozenset([self.mode] if isinstance(self.mode, str) else self.mode)

    def sides(self) -> frozenset[str]:
        """What runs: pre_call (mask/block requests), during_call (block requests), post_call (replies)."""
        modes = self.guardrail_modes()
        if modes is not None:
            return modes
        sides = set()
        if self.filter_requests:
            sides.add("pre_call")
        if self.filter_responses is not False:
            sides.add("post_call")
        return frozenset(sides)

    def words(self) -> list[tuple[str, Action]]:
        """Every configured phrase with its action (list entries first, then the file)."""
        return list(self._words)

    @property
    def matcher(self) -> WordMatcher:
        assert self._matcher is not None
        return self._matcher


def _read_words(path: Path) -> list[tuple[str, Action | None]]:
    """Phrases from a words file: plain text (one per line, '#' comments), JSON or YAML."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Windows editors) is not part of a word
    except OSError as exc:
        raise ValueError(f"blocked_words_file: cannot read {str(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"blocked_words_file: {str(path)!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from None
    suffix = path.suffix.lower()
    if suffix not in {".json", ".yaml", ".yml"}:
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        for line in lines:
            _check_word(line, "blocked_words_file: ")
        return [(line, None) for line in lines]
    try:
        data: Any = json.loads(text) if suffix == ".json" else importlib.import_module("yaml").safe_load(text)
    except Exception as exc:
        raise ValueError(f"blocked_words_file: {str(path)!r} is not valid {suffix[1:].upper()}: {exc}") from None
    if isinstance(data, dict):
        data = data.get("blocked_words")
    if not isinstance(data, list):
        raise ValueError(f"blocked_words_file: {str(path)!r} must hold a list of words (or blocked_words: [...])")
    words: list[tuple[str, Action | None]] = []
    entry: Any
    for entry in data:
        if isinstance(entry, str) and entry.strip():
            words.append((entry, None))
        elif isinstance(entry, dict) and isinstance(entry.get("keyword"), str):
            words.append(_file_entry(entry, path))
        else:
            raise ValueError(f"blocked_words_file: unexpected entry {_shown(entry)} in {str(path)!r}")
    for word, _ in words:
        _check_word(word, "blocked_words_file: ")
    return words


def _file_entry(entry: dict[str, Any], path: Path) -> tuple[str, Action | None]:
    """A ``{keyword, action, description}`` entry, with the same checks as in ``blocked_words``: a misspelt
    ``action`` key must not silently turn a blocked word into a masked one."""
    try:
        word = BlockedWord.model_validate(entry)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
        raise ValueError(
            f"blocked_words_file: entry {_shown(entry['keyword'])} in {str(path)!r}: {problems} "
            "(allowed keys: keyword, action (mask or block), description)"
        ) from None
    return word.keyword, word.action


# A value quoted in an error, cut short: a words file's entry can be anything (a nested list built with YAML
# anchors expands to millions of characters), and the message lands in the proxy's startup log.
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 200
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = 4
_SHORT.maxlevel = 2


def _shown(value: object) -> str:
    return _SHORT.repr(value)


def _check_word(word: str, where: str = "") -> None:
    """A blocked word must keep a letter or digit once normalized: "." or a lone mark would mask punctuation
    or nothing at all."""
    key = normalize_phrase(word)
    if not key:
        raise ValueError(f"{where}blocked word {_shown(word)} is empty once normalized")
    if not any(char.isalnum() for char in key):
        raise ValueError(f"{where}blocked word {_shown(word)} has no letter or digit once normalized ({_shown(key)})")


def _not_bool(value: Any) -> Any:
    """``True`` is an int to Python, never a level or a length the user meant."""
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got {_shown(value)}")
    return value


def _one_or_many(value: Any) -> Any:
    """A single name is one name, not a sequence of letters."""
    return (value,) if isinstance(value, str) else value


def _level(value: Any) -> Any:
    value = _not_bool(value)
    if isinstance(value, str):
        level = logging.getLevelName(value.upper())
        if not isinstance(level, int):
            raise ValueError(f"unknown logging level {_shown(value)}")
        return level
    return value


class RequestLoggerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    verbose: bool = Field(default=False, description="Add the messages, the reply and the call parameters.")
    json_lines: bool = Field(default=False, description="Log each record as one line of JSON.")
    level: int = Field(default=logging.INFO, ge=0, description="Level of success records (failures: at least WARNING).")
    logger_name: str = Field(default="litellm_plugin.loggers.filters", min_length=1)
    redact_keys: tuple[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)], ...] = Field(
        default=(), description="More key names (case-insensitive) to redact; one name or several."
    )
    max_text_chars: int = Field(default=10_000, gt=0, description="Longest text kept per field in verbose records.")

    _level = field_validator("level", mode="before")(_level)
    _one_or_many = field_validator("redact_keys", mode="before")(_one_or_many)
    _not_bool = field_validator("max_text_chars", mode="before")(_not_bool)


def suggest_known_names(error: ValidationError, model: type[BaseModel]) -> ValidationError:
    """``error`` with the closest known parameter named for each unknown one (``blocked_word`` → did you mean
    ``blocked_words``?); ``error`` itself when there is nothing to suggest."""
    known = list(model.model_fields)
    details: list[InitErrorDetails] = []
    suggested = False
    for item in error.errors():
        detail = InitErrorDetails(type=item["type"], loc=item["loc"], input=item["input"])
        if "ctx" in item:
            detail["ctx"] = item["ctx"]
        close = difflib.get_close_matches(str(item["loc"][-1]), known, n=1) if item["loc"] else []
        if item["type"] == "extra_forbidden" and close:
            detail["type"] = PydanticCustomError(
                "extra_forbidden", "Extra inputs are not permitted: did you mean {known}?", {"known": close[0]}
            )
            detail.pop("ctx", None)
            suggested = True
        details.append(detail)
    return ValidationError.from_exception_data(error.title, details) if suggested else error


def _check_replacement_joins_nothing(replacement: str, matcher: WordMatcher) -> None:
    """A masked phrase's replacement must not let the text around it form a blocked phrase again: "buy buy now now"
    masked with "" reads "buy  now", with "now" "buy now now"; "spspamam" masked with "" (whole_words=False) reads
    "spam". Compared in the matcher's form (case-folded, invisible characters gone, whitespace as one space)."""
    joined = matcher.normalize(replacement).text
    if not joined.strip():
        raise ValueError(
            f"replacement: {replacement!r} is empty once normalized, so the text around a masked phrase would run "
            'together (and can form a blocked phrase again); use visible text such as "[FILTERED]" or "***"'
        )
    for word in matcher.words:
        if _joins(joined, word, matcher):
            raise ValueError(
                f"replacement: {replacement!r} shares text with the blocked phrase {word!r}, so the text around a "
                'masked phrase could form it again; use text that does not, such as "[FILTERED]"'
            )


def _joins(joined: str, word: str, matcher: WordMatcher) -> bool:
    if not matcher.whole_words:  # any characters around a match may join with the replacement
        return joined in word or any(
            joined.endswith(word[:cut]) or joined.startswith(word[-cut:]) for cut in range(1, len(word))
        )
    # Whole words: a phrase's words around its own masked copy ("buy" "buy now" "now") must not form a blocked
    # phrase across the replacement.
    words = word.split(" ")
    for cut in range(1, len(words)):
        before = " ".join(words[:cut]) + " "
        probe = before + joined + " " + " ".join(words[cut:])
        end = len(before) + len(joined)
        if any(match.start < end and match.end > len(before) for match in matcher.find(probe)):
            return True
    return False
