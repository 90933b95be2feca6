"""What every payload family shares: text channels, request text fields, and per-channel transform state.

A *channel* is one independent run of text in a reply: the content of a choice, one content block, one
tool call's arguments, a reasoning summary. A stream delivers each channel in pieces; a fresh
:class:`~litellm_plugin.core.text.TextTransform` per channel keeps a word split across deltas together and
keeps channels from bleeding into each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from pydantic import BaseModel

from litellm_plugin.core.errors import UnchangeableRequestError, UnreadablePayloadError
from litellm_plugin.core.text import TextTransform, emitted_text

__all__ = [
    "ALL_CHANNEL_KINDS",
    "CHECK_ONLY_KINDS",
    "Channel",
    "ChannelBook",
    "ChannelKind",
    "LogprobsCheck",
    "TextField",
    "TransformFor",
    "dict_items",
    "field_value",
    "field_values",
    "identifier_field",
    "leaf_text",
    "logprobs_texts",
    "optional_field",
    "put_leaf",
    "sequence_at",
    "set_field",
    "setter",
    "string_leaves",
]

ChannelKind = Literal[
    "text",
    "reasoning",
    "refusal",
    "tool_arguments",
    "tool_output",
    "citation",
    "transcript",
    "revised_prompt",
    "logprobs",
    "provider_field",
]
ALL_CHANNEL_KINDS: frozenset[ChannelKind] = frozenset(get_args(ChannelKind))
# Channels only checked, never rewritten, in streams: a change means the field goes (logprobs, provider
# fields) or the call fails (an audio transcript, whose audio cannot be changed). What they hold back is never
# streamed. (A whole reply's provider fields are rewritten in place.)
CHECK_ONLY_KINDS: frozenset[ChannelKind] = frozenset({"logprobs", "transcript", "provider_field"})


@dataclass(frozen=True)
class Channel:
    """Where a run of reply text lives.

    ``kind``: visible text, reasoning, a refusal, tool-call arguments, a server tool's output (``tool_output``),
    a citation's quoted text or title, an audio reply's transcript, an image's revised prompt, or ``logprobs``
    (the tokens a reply's logprobs spell: checked, and dropped when a transform would change them), or
    ``provider_field`` (a string inside a chat reply's ``provider_specific_fields``, where LiteLLM keeps what a
    provider sent that it has no field for, and raw copies of reasoning: rewritten in a whole reply; in a
    stream only checked, the chunk's fields dropped when a transform holds back or changes their text).
    ``reply``: the choice index (0 where a format has a single reply). ``part``: where inside the reply
    (content block, output item, tool call).
    ``first_text``: the first ``text`` channel of its reply, where a prefix belongs. ``json``: the text is JSON
    (tool-call arguments); streamed, it arrives as raw JSON pieces.
    """

    kind: ChannelKind
    reply: int = 0
    part: tuple[object, ...] = ()
    first_text: bool = False
    json: bool = False


TransformFor = Callable[[Channel], "TextTransform | None"]


@dataclass
class TextField:
    """One piece of request text and how to put a changed version back (``set``).

    ``group``: fields sharing one (non-None) group are consecutive pieces the model reads as one text (the
    text parts of one message's content), so a word split across them must be seen whole.
    ``identifier``: what the text names, for a name or fixed value (a tool's name, a schema's property name or
    enum value): the model reads it, but a changed name is another request, so ``set`` raises
    :class:`~litellm_plugin.core.errors.UnchangeableRequestError`. Empty for ordinary text."""

    kind: str
    text: str
    set: Callable[[str], None]
    group: object = None
    identifier: str = ""


def identifier_field(kind: str, text: str, what: str) -> TextField:
    """A :class:`TextField` for a name: read like any text, never changed (see ``TextField.identifier``)."""

    def refuse(new: str) -> None:
        if new != text:  # putting back the same text changes nothing
            raise UnchangeableRequestError(what)

    return TextField(kind, text, refuse, identifier=what)


def field_value(obj: Any, name: str) -> Any:
    """A field of a dict or of a LiteLLM/pydantic object."""
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def optional_field(obj: Any, name: str) -> Any:
    """``field_value`` for a field that is usually absent (``logprobs``): LiteLLM deletes unset fields, and
    ``getattr`` on an absent one raises and catches inside pydantic, ten times the cost of a lookup."""
    if isinstance(obj, dict):
        return obj.get(name)
    values = getattr(obj, "__dict__", None)
    if type(values) is dict:
        if name in values:
            return values[name]
        if isinstance(obj, BaseModel):
            extra = obj.__pydantic_extra__
            if extra and name in extra:
                return extra[name]
            if name in type(obj).__pydantic_fields__:
                return None  # a declared field, deleted
    return getattr(obj, name, None)


def field_values(obj: Any) -> dict[str, Any]:
    """All fields of a dict or pydantic object at once, declared and extra: cheaper than one ``getattr`` per
    absent field on LiteLLM's models (each miss raises inside pydantic)."""
    if isinstance(obj, dict):
        return obj
    values = getattr(obj, "__dict__", None) or {}
    extra = getattr(obj, "__pydantic_extra__", None)
    return {**values, **extra} if extra else values


def dict_items(items: list[Any]) -> list[Any]:
    """``items`` with pydantic objects (a ``litellm.Message``, an ``openai`` param model) turned into dicts in
    place, so their text is read and can be changed like everyone else's."""
    for index, item in enumerate(items):
        dump = getattr(item, "model_dump", None)
        if not isinstance(item, dict) and callable(dump):
            items[index] = dump(exclude_none=True)
    return items


def sequence_at(owner: dict[str, Any], name: str, shape: str) -> list[Any] | None:
    """``owner[name]`` as a list whose items can be changed in place; None when absent.

    A tuple (any non-text sequence) becomes a list put back into ``owner``, which is the engine's copy of the
    caller's request. Anything else is text we cannot read: refused, never passed unseen."""
    value = owner.get(name)
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray)):
        items = owner[name] = list(value)
        return items
    raise UnreadablePayloadError(shape, f"{name!r} is {type(value).__name__}, not a list")


def setter(container: Any, key: Any) -> Callable[[str], None]:
    """How a :class:`TextField` puts text back into ``container[key]``."""

    def put(new: str) -> None:
        container[key] = new

    return put


def set_field(obj: Any, name: str, value: Any) -> None:
    if isinstance(obj, dict):
        obj[name] = value
        return
    extra = getattr(obj, "__pydantic_extra__", None)
    if isinstance(extra, dict) and name in extra and name not in type(obj).model_fields:
        # An extra field a server sent under the name of a read-only property of the model (a Responses reply's
        # ``output_text``): the property refuses ``setattr``, while the extra is what ``model_dump`` sends on.
        extra[name] = value
    else:
        setattr(obj, name, value)


def string_leaves(value: Any, path: tuple[object, ...] = ()) -> Iterator[tuple[tuple[object, ...], Any, Any]]:
    """``(path, holder, key)`` for every non-empty string inside ``value`` (dicts, lists, pydantic objects):
    ``holder[key]`` (or its field ``key``) is the string, ``path`` where it is from ``value``."""
    if isinstance(value, list):
        entries: list[tuple[Any, Any]] = list(enumerate(value))
    elif isinstance(value, dict) or hasattr(value, "__pydantic_fields__"):
        entries = list(field_values(value).items())
    else:
        return
    for key, entry in entries:
        if isinstance(key, str) and key.startswith("_"):
            continue
        if isinstance(entry, str):
            if entry:
                yield (*path, key), value, key
        elif isinstance(entry, (list, dict)) or hasattr(entry, "__pydantic_fields__"):
            yield from string_leaves(entry, (*path, key))


def leaf_text(holder: Any, key: Any) -> str:
    """The string ``string_leaves`` found at ``holder``/``key``."""
    text: str = holder[key] if isinstance(holder, (list, dict)) else field_value(holder, key)
    return text


def put_leaf(holder: Any, key: Any, new: str) -> None:
    """Put a changed string back where ``string_leaves`` found it."""
    if isinstance(holder, (list, dict)):
        holder[key] = new
    else:
        set_field(holder, key, new)


_channels: dict[tuple[object, ...], Channel] = {}
_CHANNELS_KEPT = 4096


def _channel(key: tuple[Any, ...], first_text: bool, json: bool) -> Channel:
    """The one ``Channel`` for ``key`` (kind, reply, part...): a value shared by every reply, as building a
    frozen dataclass costs more than the rest of a short reply's walk. A few thousand are kept, then begun
    afresh (a provider may name its fields anything)."""
    cache_key = (first_text, json, *key)
    channel = _channels.get(cache_key)
    if channel is None:
        if len(_channels) >= _CHANNELS_KEPT:
            _channels.clear()
        channel = _channels[cache_key] = Channel(key[0], key[1], key[2:], first_text=first_text, json=json)
    return channel


class _State:
    __slots__ = ("channel", "emitted", "flushed", "transform")

    def __init__(self, channel: Channel, transform: TextTransform | None) -> None:
        self.channel = channel
        self.transform = transform
        self.emitted: list[str] = []
        self.flushed = False


class ChannelBook:
    """The channels of one response or stream: their transforms, what they emitted, which are flushed."""

    def __init__(self, transform_for: TransformFor) -> None:
        self._transform_for = transform_for
        self._states: dict[tuple[object, ...], _State] = {}
        self._text_replies: set[int] = set()

    def _state(self, kind: ChannelKind, reply: int, part: tuple[object, ...], json: bool) -> _State:
        key = (kind, reply, *part)
        state = self._states.get(key)
        if state is None:
            first = kind == "text" and reply not in self._text_replies
            if kind == "text":
                self._text_replies.add(reply)
            state = self._states[key] = _State(channel := _channel(key, first, json), self._transform_for(channel))
        return state

    def apply(self, kind: ChannelKind, reply: int, part: tuple[object, ...], text: str, *, json: bool = False) -> str:
        """Rewrite a complete text (non-stream)."""
        state = self._state(kind, reply, part, json)
        if state.transform is None:
            return text
        state.flushed = True
        return emitted_text(state.transform, "apply", state.transform.apply(text))

    def feed(self, kind: ChannelKind, reply: int, part: tuple[object, ...], text: str, *, json: bool = False) -> str:
        """Rewrite one streamed piece; what is held back comes out of a later piece or ``flush``.

        A piece arriving after its channel was flushed (text after a finish_reason) reopens the channel: it
        goes through the same transform (never raw, and a prefix already given is not given again), and a
        later ``flush`` or ``pending`` emits what it holds back."""
        state = self._state(kind, reply, part, json)
        if state.transform is None:
            out = text
        else:
            state.flushed = False
            out = emitted_text(state.transform, "transform", state.transform.transform(text))
        state.emitted.append(out)
        return out

    def flush(self, kind: ChannelKind, reply: int, part: tuple[object, ...]) -> str:
        """End a streamed channel: the text it still held back ('' if none, or if already flushed)."""
        state = self._states.get((kind, reply, *part))
        if state is None or state.flushed:
            return ""
        state.flushed = True
        tail = emitted_text(state.transform, "flush", state.transform.flush()) if state.transform is not None else ""
        state.emitted.append(tail)
        return tail

    def settle(
        self, kind: ChannelKind, reply: int, part: tuple[object, ...], full: str, *, json: bool = False
    ) -> tuple[str, str]:
        """For a 'done' event that repeats a channel in full: ``(tail, final)``, the held-back text still to
        stream and the channel's final text. A channel never streamed in pieces gets ``full`` rewritten, read as
        streamed text that ends there: text a provider streams after it is read with it, as after any end.
        The next 'done' event repeating the channel gets the same text (a transform gives its prefix once)."""
        state = self._states.get((kind, reply, *part))
        if state is None or not state.emitted:
            head = self.feed(kind, reply, part, full, json=json)
            return "", head + self.flush(kind, reply, part)
        tail = self.flush(kind, reply, part)
        return tail, "".join(state.emitted)

    def pending(self, reply: int | None = None) -> list[tuple[Channel, str]]:
        """Flush every channel (of ``reply``, if given) not flushed yet: their held-back text, non-empty only.
        Check-only channels are flushed too, but their text is never streamed."""
        tails: list[tuple[Channel, str]] = []
        for state in list(self._states.values()):
            if state.flushed or (reply is not None and state.channel.reply != reply):
                continue
            channel = state.channel
            tail = self.flush(channel.kind, channel.reply, channel.part)
            if tail and channel.kind not in CHECK_ONLY_KINDS:
                tails.append((channel, tail))
        return tails

    def received(self, kind: ChannelKind, reply: int, part: tuple[object, ...]) -> str:
        """Everything a check-only channel emitted so far (what its transform let through)."""
        state = self._states.get((kind, reply, *part))
        return "" if state is None else "".join(state.emitted)


def _alternatives(entry: Any) -> Iterator[str]:
    """The other tokens a chat logprobs entry lists, and the bytes of the chosen one (they can differ)."""
    for alternative in field_value(entry, "top_logprobs") or ():
        token = field_value(alternative, "token")
        if isinstance(token, str):
            yield token
    raw = field_value(entry, "bytes")
    if isinstance(raw, list) and all(isinstance(byte, int) and 0 <= byte < 256 for byte in raw):
        yield bytes(raw).decode("utf-8", errors="replace")


def logprobs_texts(logprobs: Any) -> tuple[str, str]:
    """What a choice's logprobs spell: (the chosen tokens joined, every alternative one per line). Chat
    (``content``/``refusal`` entries) and text completion (``tokens``, ``top_logprobs`` dicts) alike."""
    chosen: list[str] = []
    alternatives: list[str] = []
    for name in ("content", "refusal"):
        for entry in field_value(logprobs, name) or ():
            token = field_value(entry, "token")
            if isinstance(token, str):
                chosen.append(token)
            alternatives.extend(_alternatives(entry))
    tokens = field_value(logprobs, "tokens")
    chosen.extend(token for token in tokens or () if isinstance(token, str))
    for top in field_value(logprobs, "top_logprobs") or ():
        if isinstance(top, dict):
            alternatives.extend(key for key in top if isinstance(key, str))
    return "".join(chosen), "\n".join(alternatives)


class LogprobsCheck:
    """Whether a choice's logprobs may stay: only if the ``logprobs`` transform lets the tokens they spell
    through unchanged (else they would still spell what the reply's text no longer says)."""

    def __init__(self, book: ChannelBook) -> None:
        self._book = book
        self._held: dict[int, str] = {}  # reply -> tokens the stream transform still holds back

    def keep(self, reply: int, logprobs: Any) -> bool:
        """For a whole reply."""
        chosen, alternatives = logprobs_texts(logprobs)
        return all(
            self._book.apply("logprobs", reply, (name,), text) == text
            for name, text in (("chosen", chosen), ("alternatives", alternatives))
            if text
        )

    def keep_piece(self, reply: int, logprobs: Any) -> bool:
        """For one stream chunk: its tokens continue the reply's, so a word split across chunks is seen
        whole; a chunk whose tokens are held back or changed loses its logprobs."""
        chosen, alternatives = logprobs_texts(logprobs)
        keep = True
        if chosen:
            expected = self._held.get(reply, "") + chosen
            out = self._book.feed("logprobs", reply, ("chosen",), chosen)
            keep = out == expected
            self._held[reply] = expected[len(out) :] if expected.startswith(out) else ""
        if alternatives and self._book.apply("logprobs", reply, ("alternatives",), alternatives) != alternatives:
            keep = False
        return keep
