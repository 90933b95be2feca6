"""ContentFilter: mask blocked words and phrases in replies (and optionally requests), or refuse the call.

Usable three ways: ``litellm.callbacks = [ContentFilter(...)]`` in code, a module-level instance under the
proxy's ``litellm_settings.callbacks``, or the class path under the proxy's ``guardrails:`` (it is a LiteLLM
``CustomGuardrail``, configured by ``mode`` and ``default_on`` like any other guardrail).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.types.guardrails import GuardrailEventHooks, LitellmParams, Mode
from pydantic import ValidationError

from litellm_plugin.core._compat import guardrail_stream_scope_is_default
from litellm_plugin.core.call_types import ALL_CALL_TYPES, CallType, normalize_call_type
from litellm_plugin.core.errors import InterceptorRejectedError, UnreadablePayloadError
from litellm_plugin.core.guardrail_rules import without_admin_metadata
from litellm_plugin.core.logger import BaseCustomLogger
from litellm_plugin.core.payloads import (
    ALL_CHANNEL_KINDS,
    Channel,
    ChannelKind,
    TextField,
    TransformFor,
    map_json_strings,
    request_fields,
)
from litellm_plugin.core.phases import narrow
from litellm_plugin.core.proxy_process import in_proxy_process, is_proxy_request, runs_moderation_hook
from litellm_plugin.core.text import TextTransform
from litellm_plugin.loggers.filters.config import Action, ContentFilterConfig, suggest_known_names
from litellm_plugin.loggers.filters.matcher import WordMatch, apply_mask
from litellm_plugin.loggers.filters.stream import StreamMatcher

if TYPE_CHECKING:
    from litellm.caching.dual_cache import DualCache
    from litellm.proxy._types import UserAPIKeyAuth

__all__ = ["ContentFilter", "ContentFilterConfigError"]

logger = logging.getLogger("litellm_plugin.loggers.filters")

# Parameters LiteLLM's proxy hands every guardrail class (all of LitellmParams, defaults included), and the
# ones CustomGuardrail itself understands. Anything else is a typo in the configuration.
_LITELLM_PARAMS = frozenset(LitellmParams.model_fields)
_GUARDRAIL_INIT_PARAMS = frozenset(inspect.signature(CustomGuardrail.__init__).parameters) - {
    "self",
    "kwargs",
}


class ContentFilterConfigError(RuntimeError):
    """A ContentFilter guardrail in the proxy configuration is invalid: the proxy must not start without it."""

    def __init__(self, guardrail_name: str | None, error: ValidationError | TypeError | ValueError) -> None:
        self.guardrail_name = guardrail_name
        self.errors = error.errors() if isinstance(error, ValidationError) else [{"msg": str(error)}]
        super().__init__(f"guardrail {guardrail_name!r} (ContentFilter) is misconfigured: {error}")


class ContentFilter(BaseCustomLogger, CustomGuardrail):
    """Replace blocked words in replies with ``replacement`` (or refuse the call with ``action="block"``).

    Matching is case-insensitive and Unicode-aware (NFKC + case folding; zero-width and other invisible
    format characters are ignored), on whole words unless ``whole_words=False``, with multi-word phrases;
    all phrases are found in one pass (Aho-Corasick). Streams are filtered chunk by chunk, holding back
    only text that could still become a blocked phrase.

    In code it filters replies (``filter_responses=True``) and, if asked, requests (``filter_requests``).
    As a proxy guardrail, ``mode`` decides: ``pre_call`` filters requests, ``post_call`` replies,
    ``during_call`` checks requests in parallel with the model call (it can only block).

    It covers every call type (chat, text completion, Responses API, Anthropic Messages, embeddings and image
    prompts) and every text channel: message text and names, system prompts, tool definitions, tool-call
    arguments (inside their JSON strings, so the JSON stays valid), reasoning, refusals, citations, server-side
    tool output and image revised prompts; the text parts of one request message are read as one text.
    Logprobs that spell a blocked word are dropped; audio whose transcript holds one fails the call (audio
    cannot be masked). A call type or payload shape it cannot read fails closed.
    """

    call_types: ClassVar[frozenset[CallType]] = ALL_CALL_TYPES
    response_channels: ClassVar[frozenset[ChannelKind]] = ALL_CHANNEL_KINDS
    checks_guardrail_rules: ClassVar[bool] = True  # `_should_run`: in the SDK, during_call checks requests too

    def __init__(
        self,
        blocked_words: Sequence[str | dict[str, Any]] | None = None,
        *,
        blocked_words_file: str | None = None,
        replacement: str = "[FILTERED]",
        action: Action | str = "mask",
        whole_words: bool = True,
        confusables: bool = False,
        filter_requests: bool | None = None,
        filter_responses: bool | None = None,
        mode: str | list[str] | None = None,
        guardrail_name: str | None = None,
        event_hook: Any = None,
        default_on: bool | None = True,
        fail_open: bool | None = None,
        call_types: Iterable[str] | None = None,
        **litellm_params: Any,
    ) -> None:
        if event_hook is not None and mode is not None and event_hook != mode:
            raise ValueError("pass the guardrail mode once: either mode= or event_hook=")
        event_hook = event_hook if event_hook is not None else mode
        unknown = {key: value for key, value in litellm_params.items() if key not in _LITELLM_PARAMS}
        settings = {
            "blocked_words": blocked_words if blocked_words is not None else [],
            "blocked_words_file": blocked_words_file,
            "replacement": replacement,
            "action": action,
            "whole_words": whole_words,
            "confusables": confusables,
            "filter_requests": filter_requests,
            "filter_responses": filter_responses,
            "mode": _mode_values(event_hook),
            **unknown,  # rejected by the model, naming the field
        }
        # Built by the proxy from a `guardrails:` entry? LiteLLM starts the proxy *without* a guardrail whose
        # constructor raises ValueError (which ValidationError is) or TypeError: refuse to start instead.
        built_by_proxy = any(key in _LITELLM_PARAMS for key in litellm_params)
        try:
            self.config = ContentFilterConfig.model_validate(settings)
        except ValidationError as invalid:
            error = suggest_known_names(invalid, ContentFilterConfig)
            if built_by_proxy:
                raise ContentFilterConfigError(guardrail_name, error) from invalid
            if error is invalid:
                raise
            raise error from None
        self._matcher = self.config.matcher
        self._blocking = frozenset(self._matcher.key(word) for word, action in self.config.words() if action == "block")
        sides = self.config.sides()
        self._filter_requests = "pre_call" in sides
        self._check_requests = "during_call" in sides
        self._filter_responses = "post_call" in sides
        try:
            super().__init__(
                fail_open=fail_open,
                call_types=call_types,
                guardrail_name=guardrail_name,
                event_hook=event_hook,
                default_on=bool(default_on),
                **{key: value for key, value in litellm_params.items() if key in _GUARDRAIL_INIT_PARAMS},
            )
        except (TypeError, ValueError) as invalid:  # ``fail_open: "false"``, an unknown name in ``call_types``
            if built_by_proxy:
                raise ContentFilterConfigError(guardrail_name, invalid) from invalid
            raise
        # A plain callback (no name, no mode, always on): of LiteLLM's guardrail checks only the admin switch
        # `disable_global_guardrails` can turn it off, so that is all `_should_run` needs to ask.
        self._always_on = guardrail_name is None and event_hook is None and self.default_on
        # Outside the proxy, the request hook only acts when requests are filtered or checked.
        replies = self._filter_responses
        narrow(self, request=self._filter_requests or self._check_requests, response=replies, stream=replies)

    # -- text API ----------------------------------------------------------------------------------

    @property
    def replacement(self) -> str:
        return self.config.replacement

    @property
    def longest_phrase(self) -> int:
        """Length of the longest blocked phrase (normalized): the most text a stream ever holds back."""
        return self._matcher.longest

    def find(self, text: str) -> list[WordMatch]:
        """The blocked words and phrases in ``text``, as original offsets."""
        return self._matcher.find(text)

    def mask(self, text: str) -> str:
        """``text`` with every blocked word replaced, whatever the configured action."""
        return self._matcher.mask(text, self.config.replacement)

    # -- hooks -------------------------------------------------------------------------------------

    async def async_pre_call_hook(
        self,
        user_api_key_dict: UserAPIKeyAuth,
        cache: DualCache,
        data: dict[str, Any],
        call_type: Any,
    ) -> dict[str, Any] | str | None:
        in_proxy = is_proxy_request(data)
        filters = self._filter_requests and self._should_run(data, GuardrailEventHooks.pre_call)
        # during_call runs from the proxy's moderation hook, on the routes that have one; elsewhere, and in the SDK
        # (which has none), the request is checked before the call.
        checks = (
            self._check_requests
            and not (in_proxy and runs_moderation_hook(call_type))
            and self._should_run(data, GuardrailEventHooks.during_call)
        )
        if not (filters or checks):
            self._refuse_unreadable_reply(call_type, data)
            return None
        if filters:
            for fields in _grouped(request_fields(call_type, data)):
                self._mask_fields(fields)
        else:
            self._reject_blocked_request(call_type, data)
        return data

    async def async_moderation_hook(
        self,
        data: dict[str, Any],
        user_api_key_dict: UserAPIKeyAuth,
        call_type: Any,
    ) -> Any:
        """The proxy's ``during_call``: refuse the request if it contains a blocked word."""
        if not self._check_requests:
            return None
        if not self._should_run(data, GuardrailEventHooks.during_call):
            return None
        self._reject_blocked_request(call_type, data)
        return None

    def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
        return _ReplyFilter(self) if self._filters_reply(request_data) else None

    def transform_for(self, request_data: dict[str, Any]) -> TransformFor | None:
        """Every channel of the reply: text, reasoning, refusals, and tool-call arguments as JSON."""
        return self._channel_filter if self._filters_reply(request_data) else None

    def _filters_reply(self, request_data: dict[str, Any]) -> bool:
        return self._filter_responses and self._should_run(request_data, GuardrailEventHooks.post_call)

    def _channel_filter(self, channel: Channel) -> TextTransform:
        if channel.json:
            return _JsonReplyFilter(self)
        # A blocked word among logprobs only drops them (the reply's own text decides whether to refuse).
        return _ReplyFilter(self, refuse=channel.kind != "logprobs")

    # LiteLLM's CustomGuardrail also runs itself from the deployment hooks when a call names guardrails.
    # -- internals ---------------------------------------------------------------------------------

    def should_run_guardrail(self, data: Any, event_type: GuardrailEventHooks) -> bool:
        """LiteLLM's rule, and one more in the proxy, which calls a guardrail's pre-call hook only if this says
        so: a ``during_call`` or ``post_call`` filter is asked in for the pre-call hook too. There it checks the
        request of a route that runs no moderation hook, and refuses a call whose reply it could not read (a
        pass-through route), instead of being skipped (see ``async_pre_call_hook``)."""
        runs: bool = super().should_run_guardrail(data=data, event_type=event_type)
        if runs or event_type is not GuardrailEventHooks.pre_call or not in_proxy_process():
            return runs
        later = [GuardrailEventHooks.during_call] if self._check_requests else []
        if self._filter_responses:
            later.append(GuardrailEventHooks.post_call)
        return any(super(ContentFilter, self).should_run_guardrail(data=data, event_type=event) for event in later)

    def _should_run(self, data: dict[str, Any], event: GuardrailEventHooks) -> bool:
        """LiteLLM's guardrail rules. Its admin switches (``disable_global_guardrails``,
        ``opted_out_global_guardrails`` in a key's or team's metadata) count only in the proxy, which writes
        that metadata itself; in the SDK the same keys are whatever the caller passed."""
        in_proxy = is_proxy_request(data)
        if self._always_on and guardrail_stream_scope_is_default(self):
            return not in_proxy or self.get_disable_global_guardrail(data) is not True
        view = data if in_proxy else without_admin_metadata(data)
        return self.should_run_guardrail(data=view, event_type=event) is True

    def _apply(self, text: str, where: str, matches: list[WordMatch] | None = None) -> str:
        """Mask ``text`` (or refuse it when a matched word blocks); ``matches`` if already known."""
        if matches is None:
            matches = self._matcher.find(text)
        if not matches:
            return text
        if self._blocking and any(match.word in self._blocking for match in matches):
            raise self._rejection(where)
        return apply_mask(text, matches, self.config.replacement)

    def _mask_fields(self, fields: list[TextField]) -> None:
        """Mask (or refuse) request fields the model reads as one text. Each field is masked on its own (a
        provider may put a separator between parts), then their concatenation (one that joins them as they
        are): a word split across fields is masked whole, its replacement in the field where it starts. A name (a
        tool's, a schema's property or enum value) is never masked: the request is refused instead."""
        for field in fields:
            masked = self._apply(field.text, "request")
            if masked != field.text:
                if field.identifier:  # a name cannot be masked without changing the request: refused
                    raise self._rejection(f"request's {field.identifier}")
                field.set(masked)
                field.text = masked
        if len(fields) == 1:
            return
        matches = self._matcher.find("".join(field.text for field in fields))
        if not matches:
            return
        if self._blocking and any(match.word in self._blocking for match in matches):
            raise self._rejection("request")
        for field, new in zip(fields, _distribute(fields, matches, self.config.replacement), strict=True):
            if new != field.text:
                field.set(new)

    def _refuse_unreadable_reply(self, call_type: object, data: dict[str, Any]) -> None:
        """A proxy route whose reply no hook will show this filter (pass-through routes): refused before the
        call, as the engine refuses such calls in the SDK, rather than let the reply through unread."""
        if not (self._filter_responses and in_proxy_process() and normalize_call_type(call_type) is None):
            return
        if self.call_types >= ALL_CALL_TYPES and self._should_run(data, GuardrailEventHooks.post_call):
            raise UnreadablePayloadError.for_reply_of(call_type)

    def _reject_blocked_request(self, call_type: object, data: dict[str, Any]) -> None:
        for fields in _grouped(request_fields(call_type, data)):
            texts = [field.text for field in fields]
            if any(self._matcher.find(text) for text in (*texts, "".join(texts) if len(texts) > 1 else "")):
                raise self._rejection("request", model=str(data.get("model") or ""))

    def _rejection(self, where: str, model: str = "") -> InterceptorRejectedError:
        logger.debug("%s refused a %s containing a blocked word", self.interceptor_name, where)
        return InterceptorRejectedError(self.interceptor_name, f"the {where} contains blocked content", model=model)


class _ReplyFilter(TextTransform):
    """Filters one reply (one choice of one call); holds back only what could still become a phrase, at a
    cost per chunk independent of how much is held (see :mod:`~litellm_plugin.loggers.filters.stream`)."""

    __slots__ = ("_filter", "_refuse", "_stream")

    def __init__(self, content_filter: ContentFilter, *, refuse: bool = True) -> None:
        self._filter = content_filter
        self._refuse = refuse  # False: mask even words whose action is "block"
        self._stream: StreamMatcher | None = None  # made on the first streamed piece: a whole reply needs none

    def _final(self, text: str, matches: list[WordMatch] | None = None) -> str:
        if self._refuse:
            return self._filter._apply(text, "response", matches)
        if matches is None:
            matches = self._filter._matcher.find(text)
        return apply_mask(text, matches, self._filter.config.replacement) if matches else text

    def apply(self, text: str) -> str:
        return self._final(text)

    def transform(self, text: str) -> str:
        if self._stream is None:
            self._stream = StreamMatcher(self._filter._matcher)
        final, matches = self._stream.feed(text)
        return self._final(final, matches) if final else ""

    def flush(self) -> str:
        if self._stream is None:
            return ""
        final, matches = self._stream.finish()
        return self._final(final, matches) if final else ""

    @property
    def held_back(self) -> int:
        """Characters waiting for the next chunk (what the user has not seen yet)."""
        return 0 if self._stream is None else self._stream.held_back


class _JsonReplyFilter(TextTransform):
    """Filters tool-call arguments: the strings inside the JSON, escapes decoded, so the JSON stays valid.

    Streamed arguments are held back until the tool call is complete (clients cannot use half of them).
    Arguments that go on after that (after the choice's finish_reason) are read with what went out before:
    a blocked word begun before the end refuses the reply (what went out cannot be masked any more)."""

    __slots__ = ("_filter", "_pending", "_released")

    def __init__(self, content_filter: ContentFilter) -> None:
        self._filter = content_filter
        self._pending: list[str] = []
        self._released: tuple[str, str] | None = None  # what went out at the last flush: (as received, as sent)

    def apply(self, text: str) -> str:
        return map_json_strings(text, lambda value: self._filter._apply(value, "response"))

    def transform(self, text: str) -> str:
        self._pending.append(text)
        return ""

    def flush(self) -> str:
        text, self._pending = "".join(self._pending), []
        if not text:
            return ""
        before, sent = self._released or ("", "")
        received = before + text
        whole = self.apply(received)
        if not whole.startswith(sent):
            raise self._filter._rejection("response")
        self._released = received, whole
        return whole[len(sent) :]


def _grouped(fields: Iterable[TextField]) -> Iterator[list[TextField]]:
    """Request fields in the runs the model reads as one text: the fields of one group, in order (whatever is
    read between them, a part's title or citations), and every other field alone."""
    runs: dict[int, list[TextField]] = {}
    for field in fields:
        runs.setdefault(id(field.group if field.group is not None else field), []).append(field)
    yield from runs.values()


def _distribute(fields: list[TextField], matches: list[WordMatch], replacement: str) -> list[str]:
    """The fields' texts with ``matches`` (offsets into their concatenation, sorted) masked: each replacement
    goes to the field where its match starts, the rest of the match is cut from the fields it spans."""
    out: list[str] = []
    start = 0
    for field in fields:
        end = start + len(field.text)
        pieces: list[str] = []
        position = start
        for match in matches:
            if match.end <= position or match.start >= end:
                continue
            if match.start >= position:
                pieces.append(_slice(field.text, start, position, match.start))
                pieces.append(replacement)
            position = max(position, min(match.end, end))
        pieces.append(_slice(field.text, start, position, end))
        out.append("".join(pieces))
        start = end
    return out


def _slice(text: str, offset: int, begin: int, end: int) -> str:
    """``text`` (which starts at ``offset`` of the concatenation) between concatenation offsets."""
    return text[begin - offset : end - offset]


def _mode_values(event_hook: Any) -> str | list[str] | None:
    """LiteLLM's guardrail mode (str, enum, list, or tag-based Mode) as plain strings for validation."""
    if event_hook is None:
        return None
    if isinstance(event_hook, Mode):
        values: list[str] = []
        for value in (*event_hook.tags.values(), event_hook.default):
            if isinstance(value, str):
                values.append(value)
            elif isinstance(value, list):
                values.extend(value)
        return values
    if isinstance(event_hook, (list, tuple)):
        return [str(getattr(value, "value", value)) for value in event_hook]
    return str(getattr(event_hook, "value", event_hook))
