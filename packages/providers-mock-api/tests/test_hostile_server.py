"""``MockAPIProvider`` against a hostile HTTP server on 127.0.0.1: every reply it cannot use is a typed error.

The server is a raw socket that answers each request with whatever bytes a test scripts: bodies of the wrong
shape, non-event-stream bodies on a stream, redirects to another host, a body that trickles in. Configuration
that cannot go on the wire (CR/LF in a header, an api_base without a scheme) is refused before anything is
sent, without quoting the key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import litellm
import openai
import pytest
from litellm.exceptions import MidStreamFallbackError

from litellm_plugin.core import PluginRegistry
from litellm_plugin.providers.mock_api import MockAPIProvider

Handler = Callable[[socket.socket], None]
MODEL = "mock_api_hostile/gpt-mock"
SECRET = "sk-hostile-SECRET-4242"
MESSAGES = [{"role": "user", "content": "hi"}]


class HostileServer:
    """A raw HTTP/1.1 server: reads each request, records it, and lets ``handler`` write the reply."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[bytes] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(65536)
                    if not piece:
                        return
                    data += piece
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests.append(head)
                self.handler(conn)
            except OSError:  # the client gave up (a timeout): nothing more to send
                return

    def close(self) -> None:
        self._sock.close()


def respond(status: int = 200, body: object = b"", headers: dict[str, str] | None = None) -> Handler:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    lines = "".join(f"{k}: {v}\r\n" for k, v in {"Content-Type": "application/json", **(headers or {})}.items())

    def handler(conn: socket.socket) -> None:
        head = f"HTTP/1.1 {status} X\r\n{lines}Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
        conn.sendall(head.encode() + payload)

    return handler


def event_stream(*events: str | bytes) -> Handler:
    """A chunked ``text/event-stream`` reply, one TCP write per piece (text is sent as UTF-8, bytes as they are)."""

    def handler(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for event in events:
            piece = event if isinstance(event, bytes) else event.encode()
            conn.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        conn.sendall(b"0\r\n\r\n")

    return handler


def data(payload: object) -> str:
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n"


DONE = "data: [DONE]\n\n"


@pytest.fixture
def hostile() -> Iterator[Callable[[Handler], HostileServer]]:
    servers: list[HostileServer] = []

    def start(handler: Handler) -> HostileServer:
        servers.append(HostileServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    provider = MockAPIProvider()
    registry = PluginRegistry()
    registry.register("mock_api_hostile", provider)
    registry.initialize()
    yield
    registry.unregister("mock_api_hostile")
    provider.close()


async def call(mode: str, *, stream: bool = False, **kwargs: Any) -> Any:
    """One call the way users make it; streams are read to the end."""
    kwargs = {"model": MODEL, "messages": MESSAGES, "api_key": SECRET, "max_retries": 0, "timeout": 10, **kwargs}
    if mode == "sync":
        response = litellm.completion(stream=stream, **kwargs)
        return list(response) if stream else response
    response = await litellm.acompletion(stream=stream, **kwargs)
    return [chunk async for chunk in response] if stream else response


async def raised(mode: str, **kwargs: Any) -> Exception:
    """The exception the call raised; for one met mid-stream, what LiteLLM's mid-stream wrapper carries."""
    with pytest.raises(openai.APIError) as info:  # the base of every LiteLLM exception
        await call(mode, **kwargs)
    error = info.value
    inner = getattr(error, "original_exception", None)
    return inner if isinstance(error, MidStreamFallbackError) and isinstance(inner, Exception) else error


def assert_malformed(error: Exception, *words: str) -> None:
    """``litellm.APIError`` saying the body was malformed, not a provider bug (``InternalServerError``)."""
    assert isinstance(error, litellm.APIError), repr(error)
    assert "malformed body" in str(error), str(error)
    for word in words:
        assert word in str(error), str(error)


MODES = pytest.mark.parametrize("mode", ["sync", "async"])

# --- bodies of the wrong shape --------------------------------------------------------------------------------


def _completion(**message: object) -> dict[str, object]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": "x", **message}}]}


def _call(**function: object) -> dict[str, object]:
    """A well-formed OpenAI tool call, ``function`` fields replaced as given."""
    return {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}", **function}}


@MODES
@pytest.mark.parametrize(
    ("body", "word"),
    [
        (_completion(tool_calls=[{"id": "call_1", "type": "function"}]), "function"),  # TypeError in LiteLLM
        (b"[" * 100_000 + b"]" * 100_000, "recursion"),  # RecursionError in json
        ({"choices": []}, "'choices'"),  # an IndexError for the caller, later
        (_completion(tool_calls=[{"id": 1, "function": "x"}]), "'choices[0].message.tool_calls[0].id'"),
        (_completion(tool_calls=[{"id": "c", "type": "function", "function": "x"}]), "tool_calls[0].function'"),
        (_completion(tool_calls=[_call(name=5)]), "tool_calls[0].function.name'"),
        (_completion(tool_calls=[_call(arguments={"city": "Paris"})]), "tool_calls[0].function.arguments'"),
        (_completion(tool_calls=[_call(), {**_call(), "type": "custom"}]), "tool_calls[1].type'"),
        (_completion(tool_calls="call_1"), "message.tool_calls'"),
    ],
    ids=[
        "tool-call-without-function",
        "deeply-nested-json",
        "no-choices",
        "tool-call-id-an-int-and-function-a-string",
        "tool-call-function-a-string",
        "tool-name-not-a-string",
        "tool-arguments-an-object",
        "tool-type-not-function",
        "tool-calls-not-a-list",
    ],
)
async def test_unusable_completion_body_is_a_malformed_body_error(
    hostile: Callable[[Handler], HostileServer], mode: str, body: object, word: str
) -> None:
    server = hostile(respond(body=body))
    assert_malformed(await raised(mode, api_base=server.base_url), word)


@MODES
async def test_metadata_of_the_wrong_type_is_not_handed_on(
    hostile: Callable[[Handler], HostileServer], mode: str
) -> None:
    """``created`` stays an int and ``id`` a string, whatever the server sends; a bad ``model`` is dropped."""
    body = {**_completion(), "id": 5, "created": "yesterday", "model": ["m"], "system_fingerprint": 7}
    server = hostile(respond(body=body))
    response = await call(mode, api_base=server.base_url)
    assert response.choices[0].message.content == "x"
    assert isinstance(response.created, int)
    assert isinstance(response.id, str)
    assert not isinstance(response.model, list)
    assert response.system_fingerprint is None


STREAM_EVENTS = {
    "choices-not-a-list": ({"choices": 5}, "'choices'"),
    "index-not-an-int": ({"choices": [{"index": "a", "delta": {"content": "x"}}]}, "'index'"),
    "content-not-a-string": ({"choices": [{"index": 0, "delta": {"content": 5}}]}, "'content'"),
    "content-a-list": ({"choices": [{"index": 0, "delta": {"content": ["x"]}}]}, "'content'"),
    "tool-name-not-a-string": (
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "c", "function": {"name": 5}}]}}]},
        "'name'",
    ),
    "tool-arguments-an-object": (
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": {"a": 1}}}]}}]},
        "'arguments'",
    ),
    "usage-tokens-not-ints": (
        {"choices": [], "usage": {"prompt_tokens": "x", "completion_tokens": 1}},
        "'prompt_tokens'",
    ),
    "tool-function-a-string": (
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "c", "function": "get_weather"}]}}]},
        "'function'",
    ),
    "tool-type-not-function": (
        {
            "choices": [
                {"delta": {"tool_calls": [{"index": 0, "id": "c", "type": "custom", "function": {"name": "f"}}]}}
            ]
        },
        "'type'",
    ),
    "a-second-choice": ({"choices": [{"index": 1, "delta": {"content": "x"}}]}, "'index'"),  # merged into 0
    "deeply-nested-json": ("[" * 100_000 + "]" * 100_000, "recursion"),
}


@MODES
@pytest.mark.parametrize("case", list(STREAM_EVENTS))
async def test_unusable_stream_event_is_a_malformed_body_error(
    hostile: Callable[[Handler], HostileServer], mode: str, case: str
) -> None:
    """Wrong types in an event raise (never a silently empty reply, never a provider bug)."""
    event, word = STREAM_EVENTS[case]
    server = hostile(event_stream(data({"choices": [{"index": 0, "delta": {"content": "ok"}}]}), data(event), DONE))
    assert_malformed(await raised(mode, stream=True, api_base=server.base_url), word)


NOT_UTF8 = "caf\u00e9".encode("latin-1")  # b"caf\xe9": the "é" of Latin-1, not a UTF-8 character


@MODES
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_bytes_that_are_not_utf8_are_a_malformed_body_error(
    hostile: Callable[[Handler], HostileServer], mode: str, stream: bool
) -> None:
    """The same error streamed or not: never text with U+FFFD where the server sent bytes that are not text."""
    if stream:
        bad_event = b'data: {"choices": [{"index": 0, "delta": {"content": "' + NOT_UTF8 + b'"}}]}\n\n'
        server = hostile(event_stream(data({"choices": [{"index": 0, "delta": {"content": "ok"}}]}), bad_event, DONE))
    else:
        server = hostile(respond(body=json.dumps(_completion(content="@")).encode().replace(b"@", NOT_UTF8)))
    assert_malformed(await raised(mode, stream=stream, api_base=server.base_url), "can't decode byte 0xe9")


@MODES
async def test_stream_text_split_anywhere_between_reads_arrives_whole(
    hostile: Callable[[Handler], HostileServer], mode: str
) -> None:
    """A character cut between two reads, and CRLF or CR line ends cut between them, are still one text."""
    first = json.dumps({"choices": [{"index": 0, "delta": {"content": "caf\u00e9 "}}]}, ensure_ascii=False).encode()
    second = json.dumps({"choices": [{"index": 0, "delta": {"content": "\u2713"}}]}, ensure_ascii=False).encode()
    cut = first.index("\u00e9".encode()) + 1  # inside the two bytes of "é"
    pieces = [b"data: " + first[:cut], first[cut:] + b"\r", b"\n\r\n", b"data: " + second + b"\r\r", DONE.encode()]
    server = hostile(event_stream(*pieces))
    chunks = await call(mode, stream=True, api_base=server.base_url)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices) == "caf\u00e9 \u2713"


TWO_CHOICES: list[dict[str, Any]] = [
    {"index": 0, "message": {"role": "assistant", "content": "first"}, "finish_reason": "stop"},
    {"index": 1, "message": {"role": "assistant", "content": "second"}, "finish_reason": "length"},
]


@MODES
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("how", ["n", "extra_body"])
async def test_several_choices_arrive_apart_or_a_stream_of_them_is_refused_naming_n(
    hostile: Callable[[Handler], HostileServer], mode: str, stream: bool, how: str
) -> None:
    """LiteLLM's stream from a custom provider carries one choice (every choice's text would arrive merged
    into choice 0), so ``n`` > 1 streams are refused before anything is sent; without a stream they work."""
    events = [
        data({"choices": [{"index": c["index"], "delta": {"content": c["message"]["content"]}}]}) for c in TWO_CHOICES
    ]
    server = hostile(event_stream(*events, DONE) if stream else respond(body={"choices": TWO_CHOICES}))
    kwargs: dict[str, Any] = {"n": 2} if how == "n" else {"extra_body": {"n": 2}}
    if not stream:
        response = await call(mode, api_base=server.base_url, **kwargs)
        assert [(c.index, c.message.content, c.finish_reason) for c in response.choices] == [
            (0, "first", "stop"),
            (1, "second", "length"),
        ]
        return
    error = await raised(mode, stream=True, api_base=server.base_url, **kwargs)
    assert isinstance(error, litellm.BadRequestError), repr(error)
    assert "n=2" in str(error), str(error)
    assert "stream=True" in str(error), str(error)
    assert server.requests == []


@MODES
@pytest.mark.parametrize(
    ("handler", "words"),
    [
        (respond(body=_completion()), ("application/json", "not a server-sent event stream")),
        (respond(body=b"<html>maintenance</html>", headers={"Content-Type": "text/html"}), ("text/html", "<html>")),
        (event_stream('{"choices": [{"delta": {"content": "x"}}]}\n\n', "[DONE]\n\n"), ('{"choices"',)),
    ],
    ids=["json-body", "html-body", "events-without-data-prefix"],
)
async def test_stream_answered_without_server_sent_events_says_so(
    hostile: Callable[[Handler], HostileServer], mode: str, handler: Handler, words: tuple[str, ...]
) -> None:
    """Not reported as a connection cut off: the body is named, so the wrong endpoint is easy to spot."""
    server = hostile(handler)
    error = await raised(mode, stream=True, api_base=server.base_url)
    assert_malformed(error, "not a server-sent event stream", *words)


@MODES
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_body_its_content_encoding_cannot_decode_is_a_malformed_body_error(
    hostile: Callable[[Handler], HostileServer], mode: str, stream: bool
) -> None:
    content_type = "text/event-stream" if stream else "application/json"
    server = hostile(
        respond(body=b"plain bytes, not gzip", headers={"Content-Type": content_type, "Content-Encoding": "gzip"})
    )
    assert_malformed(await raised(mode, stream=stream, api_base=server.base_url), "cannot decode")


def _embed(kwargs: dict[str, Any]) -> object:
    return litellm.embedding(**kwargs)


@MODES
@pytest.mark.parametrize(
    "data",
    [[1, 2], [{"index": 0, "embedding": ["a", "b"]}], [{"index": 0}]],
    ids=["numbers-not-objects", "vector-of-strings", "no-embedding"],
)
async def test_unusable_embeddings_are_a_malformed_body_error(
    hostile: Callable[[Handler], HostileServer], mode: str, data: list[object]
) -> None:
    """Never handed to the caller as if they were vectors."""
    server = hostile(respond(body={"object": "list", "data": data, "model": "text-embedding-mock"}))
    kwargs: dict[str, Any] = {
        "model": "mock_api_hostile/text-embedding-mock",
        "input": ["a"],
        "api_base": server.base_url,
    }
    with pytest.raises(litellm.APIError) as info:
        await (litellm.aembedding(**kwargs) if mode == "async" else asyncio.to_thread(_embed, kwargs))
    assert "malformed body" in str(info.value), str(info.value)
    assert "embedding" in str(info.value), str(info.value)


@MODES
async def test_huge_error_page_is_clipped_in_the_message(
    hostile: Callable[[Handler], HostileServer], mode: str
) -> None:
    server = hostile(respond(502, b"<html>" + b"E" * 1_000_000, headers={"Content-Type": "text/html"}))
    error = await raised(mode, api_base=server.base_url)
    assert isinstance(error, litellm.InternalServerError), repr(error)
    assert "<html>EEE" in str(error)
    assert len(str(error)) < 10_000


ECHOES = {
    "401-quoting-the-key": (
        respond(401, {"error": {"message": f"Incorrect API key provided: {SECRET}", "code": "invalid_api_key"}}),
        litellm.AuthenticationError,
    ),
    "malformed-body-quoting-the-key": (respond(body=f"key={SECRET}".encode()), litellm.APIError),
    "stream-error-event-quoting-the-key": (
        event_stream(data({"error": {"message": f"key {SECRET} revoked"}}), DONE),
        litellm.APIError,
    ),
}


@MODES
@pytest.mark.parametrize("case", list(ECHOES))
async def test_key_echoed_by_the_server_is_masked_in_the_error(
    hostile: Callable[[Handler], HostileServer], mode: str, case: str
) -> None:
    handler, kind = ECHOES[case]
    server = hostile(handler)
    error = await raised(mode, stream=case.startswith("stream"), api_base=server.base_url)
    assert isinstance(error, kind), repr(error)
    assert SECRET not in str(error)
    assert "***" in str(error)


# --- redirects ------------------------------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_redirect_to_another_host_is_not_followed_and_says_so(
    hostile: Callable[[Handler], HostileServer], mode: str, stream: bool
) -> None:
    elsewhere = hostile(respond(body=_completion()))
    server = hostile(respond(302, headers={"Location": elsewhere.base_url + "/chat/completions"}))
    error = await raised(mode, stream=stream, api_base=server.base_url)
    assert isinstance(error, litellm.APIError), repr(error)
    assert "redirect" in str(error), str(error)
    assert elsewhere.base_url in str(error), str(error)
    assert elsewhere.requests == []  # the key never went to the other host


# --- a body that trickles in ------------------------------------------------------------------------------------


def trickle(conn: socket.socket) -> None:
    """Headers, then one byte of a never-complete body every 50 ms for up to 20 s."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{")
    for _ in range(400):
        conn.sendall(b" ")
        time.sleep(0.05)


@MODES
async def test_trickling_body_is_cut_at_the_callers_timeout(
    hostile: Callable[[Handler], HostileServer], mode: str
) -> None:
    """Each read succeeds within the per-read timeout; ``timeout=`` still bounds the whole request."""
    server = hostile(trickle)
    error = await raised(mode, api_base=server.base_url, timeout=1)
    assert isinstance(error, litellm.Timeout), repr(error)


def body_until_reset(cut: bytes) -> Handler:
    """A reply with no Content-Length (its body ends when the connection does), reset after ``cut``."""

    def handler(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + cut)
        time.sleep(0.2)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return handler


_REPLY_START = b'{"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"content": '
CUTS = {
    "in-a-string": _REPLY_START + b'"cut',
    "in-a-utf8-character": _REPLY_START + '"日本'.encode()[:-1],
    "in-a-literal": b'{"id": "x", "ok": tr',
    "in-a-number": b'{"id": "x", "n": -12.',
    "in-an-escape": _REPLY_START + b'"a \\u00',
    "before-any-byte": b"",
}


@MODES
@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
@pytest.mark.parametrize("cut", list(CUTS))
async def test_a_body_cut_by_a_reset_connection_is_a_connection_error(
    hostile: Callable[[Handler], HostileServer], mode: str, transport: str, cut: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp reports a reset as the end of such a body: the JSON stops short. Before, on async calls, that
    was "a malformed body" (``APIError``), blaming the server's JSON; sync calls said connection error."""
    monkeypatch.setattr(litellm, "disable_aiohttp_transport", transport == "httpx")
    server = hostile(body_until_reset(CUTS[cut]))
    error = await raised(mode, api_base=server.base_url)
    assert isinstance(error, litellm.APIConnectionError), repr(error)


@MODES
@pytest.mark.parametrize("body", [b'{"id": "x", "ok": tru}', b"<html>Bad gateway</html>", b'{"id": 1}}'])
async def test_a_complete_body_that_is_not_json_is_still_malformed_without_a_length(
    hostile: Callable[[Handler], HostileServer], mode: str, body: bytes
) -> None:
    def handler(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + body)

    server = hostile(handler)
    assert_malformed(await raised(mode, api_base=server.base_url))


def trickle_headers(conn: socket.socket) -> None:
    """A status line, then one header every 100 ms for 3 s (three times the callers' timeout), and no end of
    the headers."""
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for i in range(30):
        conn.sendall(f"X-Slow-{i}: 1\r\n".encode())
        time.sleep(0.1)


SYNC_HEADERS_UNBOUNDED = pytest.mark.xfail(
    strict=True,
    reason="httpx's sync client has only per-read timeouts: headers that trickle in hold a sync call as long"
    " as the server keeps sending (bounding it needs the request on a watchdog thread)",
)


@pytest.mark.parametrize("mode", [pytest.param("sync", marks=SYNC_HEADERS_UNBOUNDED), "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_trickling_headers_are_cut_at_the_callers_timeout(
    hostile: Callable[[Handler], HostileServer], mode: str, stream: bool
) -> None:
    server = hostile(trickle_headers)
    error = await raised(mode, stream=stream, api_base=server.base_url, timeout=1)
    assert isinstance(error, litellm.Timeout), repr(error)


# --- configuration that cannot go on the wire ------------------------------------------------------------------


@MODES
@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"api_key": SECRET + "\r\nX-Injected: 1"}, ("api_key", "CR, LF")),
        ({"api_key": SECRET + "é"}, ("api_key", "non-ASCII")),
        ({"extra_headers": {"X-Trace": "a\r\nX-Injected: 1"}}, ("X-Trace",)),
        ({"extra_headers": {"X-Trace\r\nX-Injected": "1"}}, ("not a valid HTTP header name",)),
    ],
    ids=["key-with-crlf", "key-not-ascii", "header-value-with-crlf", "header-name-with-crlf"],
)
async def test_header_that_cannot_be_sent_is_refused_without_quoting_the_key(
    hostile: Callable[[Handler], HostileServer],
    caplog: pytest.LogCaptureFixture,
    mode: str,
    kwargs: dict[str, Any],
    words: tuple[str, ...],
) -> None:
    server = hostile(respond(body=_completion()))
    with caplog.at_level(logging.DEBUG):
        error = await raised(mode, api_base=server.base_url, **kwargs)
    assert isinstance(error, litellm.BadRequestError), repr(error)
    for word in words:
        assert word in str(error), str(error)
    assert SECRET not in str(error)
    assert SECRET not in caplog.text
    assert server.requests == []


@MODES
@pytest.mark.parametrize(
    ("api_base", "word"),
    [
        ("127.0.0.1:9/v1", "http:// or https://"),
        ("ftp://127.0.0.1:9/v1", "http:// or https://"),
        ("http://user:hunter2-password@127.0.0.1:9/v1", "credentials"),
    ],
    ids=["no-scheme", "ftp", "credentials-in-url"],
)
async def test_unusable_api_base_is_a_bad_request_naming_it(mode: str, api_base: str, word: str) -> None:
    error = await raised(mode, api_base=api_base)
    assert isinstance(error, litellm.BadRequestError), repr(error)
    assert word in str(error), str(error)
    assert "hunter2" not in str(error), str(error)
