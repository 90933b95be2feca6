"""Text files given inline in a request (``data:`` URLs, base64 of a text media type): text the model reads.

A provider sends such a file on as text whatever key it came under (a chat ``file_data``, a Responses
``file_url``, an Anthropic image ``source``...), so it is read decoded wherever it is found and encoded back the
same way when an interceptor changes it. Other media (PDFs, images) are not read.
"""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Callable

from litellm_plugin.core.errors import UnreadablePayloadError
from litellm_plugin.core.payloads.base import TextField

__all__ = ["base64_text_field", "data_url_field", "is_text_data_url", "is_text_media"]

_LONGEST_HEADER = 512  # a media type and its parameters: no header that long is sent in practice


def is_text_media(media_type: str) -> bool:
    """A file of this media type is text the model reads: ``text/*``, JSON and XML (any case; parameters such
    as ``charset`` ignored), or no type at all, which a ``data:`` URL reads as ``text/plain``."""
    media = media_type.partition(";")[0].strip().lower()
    return (
        not media
        or media.startswith("text/")
        or media in ("application/json", "application/xml")
        or media.endswith(("+json", "+xml"))
    )


def is_text_data_url(value: str) -> bool:
    """``value`` is a ``data:`` URL of a text file (spaces before it allowed: a provider may strip them)."""
    header, comma, _ = value.lstrip()[:_LONGEST_HEADER].partition(",")
    return bool(comma) and header[:5].lower() == "data:" and is_text_media(header[5:])


def data_url_field(url: str, put: Callable[[str], None], kind: str) -> TextField | None:
    """The text of a text file's ``data:`` URL (``data:text/plain;base64,...``, ``data:,a%20b``), written back
    encoded as it came when changed; ``None`` for any other string (an ``https:`` URL, an id, an image)."""
    if not is_text_data_url(url):
        return None
    header, _, payload = url.partition(",")
    if header.lower().endswith(";base64"):
        return base64_text_field(url, put, kind, prefix=f"{header},")

    def put_quoted(new: str) -> None:
        put(f"{header},{urllib.parse.quote(new)}")

    return TextField(kind, urllib.parse.unquote(payload), put_quoted)


def base64_text_field(value: str, put: Callable[[str], None], kind: str, prefix: str = "") -> TextField:
    """Base64 text (after ``prefix``); text that does not decode as UTF-8 is refused, never passed unseen."""
    try:
        text = base64.b64decode(value[len(prefix) :], validate=False).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadablePayloadError(f"a {kind} text file", "its base64 data is not UTF-8 text") from exc

    def put_encoded(new: str) -> None:
        put(prefix + base64.b64encode(new.encode("utf-8")).decode("ascii"))

    return TextField(kind, text, put_encoded)
