"""Reply fields a provider's Responses API reply carries besides its output, through the real LiteLLM proxy.

The provider is a small HTTP server in the test process, OpenAI-compatible for ``/v1/responses``: it answers
with the reply the request's input spells out (``RAW:`` and the reply's JSON), so a test decides exactly what
the proxy receives. The proxy runs a ``post_call`` ContentFilter guardrail that masks ``swordfish``.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from litellm_plugin.core.testing import early
from litellm_plugin.core.testing.early import early_server
from litellm_plugin.core.testing.proxy_files import run_proxy_in_folder
from litellm_plugin.core.testing.servers import ServerProcess

CONFIG = """
model_list:
  - model_name: canned
    litellm_params:
      model: openai/canned
      api_base: PROVIDER/v1
      api_key: sk-not-checked

guardrails:
  - guardrail_name: no-fish-out
    litellm_params:
      guardrail: litellm_plugin.loggers.filters.ContentFilter
      mode: post_call
      default_on: true
      action: mask
      blocked_words: [{keyword: swordfish, action: MASK}]
"""


class _Canned(BaseHTTPRequestHandler):
    """``POST /v1/responses``: the reply spelled out in the input after ``RAW:``; streamed as ``response.created``
    then ``response.completed`` holding it, when the request asks for a stream. After ``EVENTS:``, the stream's
    events one by one."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        spelt = str(body.get("input", ""))
        if spelt.startswith("EVENTS:"):  # a stream spelt out event by event
            stream = "".join(f"data: {json.dumps(event)}\n\n" for event in json.loads(spelt.removeprefix("EVENTS:")))
            self._send("text/event-stream", stream)
            return
        reply = json.loads(spelt.removeprefix("RAW:"))
        if body.get("stream"):
            started = {**reply, "status": "in_progress", "output": []}
            events = [
                {"type": "response.created", "sequence_number": 0, "response": started},
                {"type": "response.completed", "sequence_number": 1, "response": reply},
            ]
            self._send("text/event-stream", "".join(f"data: {json.dumps(event)}\n\n" for event in events))
        else:
            self._send("application/json", json.dumps(reply))

    def _send(self, content_type: str, text: str) -> None:
        data = text.encode()
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads replies, not the server's access log."""


@dataclass
class RepliesProxy:
    proxy: ServerProcess

    def post(self, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(
            f"{self.proxy.base_url}/v1/responses",
            headers={"Authorization": f"Bearer {self.proxy.env['LITELLM_MASTER_KEY']}"},
            json=body,
            timeout=120,
        )


@contextlib.contextmanager
def _start() -> Iterator[RepliesProxy]:
    provider = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    thread = threading.Thread(target=provider.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{provider.server_address[1]}"
        with run_proxy_in_folder({"config.yaml": CONFIG.replace("PROVIDER", base)}) as (proxy, _):
            yield RepliesProxy(proxy)
    finally:
        provider.shutdown()
        provider.server_close()


early.register("filters_proxy_replies", _start, fixture="replies")


@pytest.fixture(scope="module")
def replies() -> Iterator[RepliesProxy]:
    with early_server("filters_proxy_replies", _start) as servers:
        yield servers


def _reply(**fields: Any) -> dict[str, Any]:
    message = {
        "type": "message",
        "id": "msg_1",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "the swordfish answer", "annotations": []}],
    }
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 0,
        "status": "completed",
        "model": "canned",
        "output": [message],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
        **fields,
    }


# Fields besides the output that reach the client: a failed reply's error message, LiteLLM's own
# ``provider_specific_fields`` (where a bridged Anthropic reply keeps its web search results), a provider's own.
FIELDS: dict[str, dict[str, Any]] = {
    "error": {"status": "failed", "error": {"code": "server_error", "message": "a swordfish went wrong"}},
    "provider_specific_fields": {"provider_specific_fields": {"web_search_results": [{"title": "swordfish facts"}]}},
    "a provider's own field": {"summary_of_reply": "all about swordfish"},
}


@pytest.mark.parametrize("field", FIELDS)
def test_reply_fields_besides_the_output_are_filtered(field: str, replies: RepliesProxy) -> None:
    """Before, only the output was read: the field reached the client with "swordfish" in it."""
    response = replies.post({"model": "canned", "input": "RAW:" + json.dumps(_reply(**FIELDS[field]))})
    assert response.status_code == 200, response.text
    assert "the [FILTERED] answer" in response.text
    assert "swordfish" not in response.text.lower()


@pytest.mark.parametrize("field", FIELDS)
def test_reply_fields_besides_the_output_are_filtered_in_a_stream(field: str, replies: RepliesProxy) -> None:
    """The stream's ``response.completed`` event repeats the whole reply, its other fields included."""
    body = {"model": "canned", "stream": True, "input": "RAW:" + json.dumps(_reply(**FIELDS[field]))}
    response = replies.post(body)
    assert response.status_code == 200, response.text
    assert "response.completed" in response.text
    assert "swordfish" not in response.text.lower()


# Output items of built-in tools whose text sits in nested fields: what the model asked the tool to run, or
# what the tool found.
ITEMS: dict[str, dict[str, Any]] = {
    "a patch's diff": {
        "type": "apply_patch_call",
        "id": "ap_1",
        "call_id": "call_1",
        "status": "completed",
        "operation": {"type": "update_file", "path": "notes.md", "diff": "+swordfish"},
    },
    "a shell command": {
        "type": "local_shell_call",
        "id": "ls_1",
        "call_id": "call_1",
        "status": "completed",
        "action": {"type": "exec", "command": ["echo", "swordfish"], "env": {}},
    },
    "an image's revised prompt": {
        "type": "image_generation_call",
        "id": "ig_1",
        "status": "completed",
        "result": "aGk=",
        "revised_prompt": "a swordfish",
    },
    "the tools a tool search found": {
        "type": "tool_search_output",
        "id": "ts_1",
        "call_id": "call_1",
        "status": "completed",
        "tools": [{"type": "function", "name": "f", "description": "finds swordfish", "parameters": {}}],
    },
    "a file search result's file name": {
        "type": "file_search_call",
        "id": "fs_1",
        "status": "completed",
        "queries": ["q"],
        "results": [{"file_id": "file_1", "filename": "swordfish.txt", "text": "t"}],
    },
}


@pytest.mark.parametrize("item", ITEMS)
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_every_string_of_a_tool_item_is_filtered(item: str, stream: bool, replies: RepliesProxy) -> None:
    """Before, these items passed unread: the reply reached the client with "swordfish" in it."""
    reply = _reply()
    reply["output"].append(ITEMS[item])
    response = replies.post({"model": "canned", "stream": stream, "input": "RAW:" + json.dumps(reply)})
    assert response.status_code == 200, response.text
    assert "[FILTERED]" in response.text
    assert "swordfish" not in response.text.lower()


def test_an_unknown_item_with_nested_text_fails_closed(replies: RepliesProxy) -> None:
    """An item type no reader knows, its text one level down: refused, not passed on unread."""
    reply = _reply()
    reply["output"].append({"type": "hologram_call", "id": "h_1", "scene": {"caption": "a swordfish"}})
    response = replies.post({"model": "canned", "input": "RAW:" + json.dumps(reply)})
    assert response.status_code == 500, response.text
    assert "hologram_call" in response.text
    assert "swordfish" not in response.text.lower()


def test_fields_a_provider_adds_to_stream_events_are_filtered(replies: RepliesProxy) -> None:
    """Events no reader takes text from, carrying text in fields of their own: before, they passed unread."""
    started = {**_reply(), "status": "in_progress", "output": []}
    events = [
        {"type": "response.created", "sequence_number": 0, "response": started},
        {
            "type": "response.image_generation_call.partial_image",
            "sequence_number": 1,
            "item_id": "ig_1",
            "output_index": 0,
            "partial_image_index": 0,
            "partial_image_b64": "aGk=",
            "revised_prompt": "a swordfish",
        },
        {
            "type": "response.mcp_list_tools.completed",
            "sequence_number": 2,
            "item_id": "l_1",
            "output_index": 1,
            "tools": [{"name": "t", "description": "finds swordfish"}],
        },
        {"type": "response.completed", "sequence_number": 3, "response": _reply()},
    ]
    response = replies.post({"model": "canned", "stream": True, "input": "EVENTS:" + json.dumps(events)})
    assert response.status_code == 200, response.text
    assert "partial_image" in response.text
    assert "swordfish" not in response.text.lower()
