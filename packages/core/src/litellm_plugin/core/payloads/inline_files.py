"""Text files given inline in a request (``data:`` URLs, base64 of a text media type): text the model reads.

A provider sends such a file on as text whatever key it came under (a chat ``file_data``, a Responses
``file_url``, an Anthropic image ``source``...), so it is read decoded wherever it is found and encoded back the
same way when an interceptor changes it. Other media (PDFs, images) are not read.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Callable
from typing import Any

from litellm_plugin.core.errors import UnreadablePayloadError
from litellm_plugin.core.payloads.base import TextField

__all__ = [
    "base64_text_field",
    "data_url_field",
    "data_url_header",
    "is_text_media",
    "refuse_text_before_a_data_url",
    "string_field",
]

_LONGEST_HEADER = 512  # a media type and its parameters: no header that long is sent in practice


def is_text_media(media_type: str) -> bool:
    """A file of this media type is text the model reads: ``text/*``, JSON, XML, YAML and the source code and
    data types below (any case; parameters such as ``charset`` ignored), or no type at all, which a ``data:``
    URL reads as ``text/plain``."""
    media = media_type.partition(";")[0].strip().lower()
    return (
        not media
        or media.startswith("text/")
        or media in _TEXT_APPLICATION_TYPES
        or media.endswith(("+json", "+xml", "+yaml"))
    )


# ``application/`` types that are text a model reads as it is (source code, configuration, data).
_TEXT_APPLICATION_TYPES = frozenset(
    {
        f"application/{name}"
        for name in (
            "json", "xml", "yaml", "x-yaml", "toml", "x-toml", "javascript", "x-javascript", "ecmascript",
            "typescript", "x-typescript", "x-python", "x-sh", "x-shellscript", "sql", "graphql", "x-ndjson",
            "ndjson", "jsonl", "x-jsonlines", "csv", "x-tex", "x-latex", "rtf", "x-www-form-urlencoded",
        )
    }
)  # fmt: skip


def data_url_header(value: str) -> str | None:
    """The header of a ``data:`` URL (``data:text/plain;base64``), spaces before it allowed (a provider may
    strip them); ``None`` for any other string."""
    header, comma, _ = value.lstrip()[:_LONGEST_HEADER].partition(",")
    return header if comma and header[:5].lower() == "data:" else None


def data_url_field(url: str, put: Callable[[str], None], kind: str, declared: Any = None) -> TextField | None:
    """The text of a text file's ``data:`` URL (``data:text/plain;base64,...``, ``data:,a%20b``), written back
    encoded as it came when changed; ``None`` for any other string (an ``https:`` URL, an id, an image).
    ``declared``: a media type given beside the URL (a chat file's ``format``), which LiteLLM sends instead of
    the URL's own: a file declared as text is read whatever its URL says."""
    header = data_url_header(url)
    if header is None:
        return None
    if not (is_text_media(header[5:]) or (isinstance(declared, str) and declared.strip() and is_text_media(declared))):
        return None
    header, _, payload = url.partition(",")
    # Any parameter spelled "base64", spaces around it allowed (as browsers read it): the payload is base64.
    if any(parameter.strip().lower() == "base64" for parameter in header.split(";")[1:]):
        return base64_text_field(url, put, kind, prefix=f"{header},")

    def put_quoted(new: str) -> None:
        put(f"{header},{urllib.parse.quote(new)}")

    return TextField(kind, urllib.parse.unquote(payload), put_quoted)


def string_field(value: str, put: Callable[[str], None], kind: str) -> TextField:
    """A string sent on as given (under a key no reader knows): a text file's ``data:`` URL read decoded, any
    other string as it is."""
    return data_url_field(value, put, kind) or TextField(kind, value, put)


def refuse_text_before_a_data_url(url: str, kind: str) -> None:
    """A file's URL with text before its ``data:`` URL (``xdata:text/plain;base64,...``): LiteLLM's Anthropic
    conversion reads the file after ``data:`` all the same (it fetches only ``http(s):`` URLs), so it cannot
    pass unread; nor is it read as a file, since the text before it goes too."""
    head = url.lstrip()[:_LONGEST_HEADER].partition(",")[0].lower()
    if "data:" in head and not head.startswith(("data:", "http:", "https:")):  # LiteLLM fetches http(s) URLs
        raise UnreadablePayloadError(f"a {kind} file", "its URL has text before 'data:'")


def base64_text_field(value: str, put: Callable[[str], None], kind: str, prefix: str = "") -> TextField:
    """Base64 text (after ``prefix``); text that does not decode as UTF-8 is refused, never passed unseen."""
    encoded = "".join(value[len(prefix) :].split())
    if "=" in encoded.rstrip("="):  # padding inside: decoders differ on what follows (Python's stops there)
        raise UnreadablePayloadError(f"a {kind} text file", "its base64 data has padding before its end")
    try:
        text = base64.b64decode(encoded, validate=False).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadablePayloadError(f"a {kind} text file", "its base64 data is not UTF-8 text") from exc

    def put_encoded(new: str) -> None:
        put(prefix + base64.b64encode(new.encode("utf-8")).decode("ascii"))

    return TextField(kind, text, put_encoded)
