"""A proxy test in a folder of its own: the config, the handler module it names, the log records it writes.

LiteLLM 1.84 loads a guardrail class or a custom handler only from a file next to the config, so a proxy test
writes one there. What such handler files share lives here, so they import it instead of repeating it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import textwrap
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse

from litellm_plugin.core.testing.servers import ServerProcess, run_proxy

__all__ = ["EchoLLM", "log_records_to", "run_proxy_in_folder"]


class EchoLLM(CustomLLM):
    """Replies with the last user message, streamed ``piece_size`` characters at a time: a provider with no logic
    of its own, so what a client sees is what the interceptors did."""

    def __init__(self, piece_size: int = 4) -> None:
        super().__init__()
        self.piece_size = piece_size

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        response = ModelResponse(model=kwargs["model"])
        response.choices[0].message.content = str(kwargs["messages"][-1]["content"])
        return response

    async def astreaming(self, *args: Any, **kwargs: Any) -> AsyncIterator[GenericStreamingChunk]:  # type: ignore[override]
        text = str(kwargs["messages"][-1]["content"])
        pieces = [text[i : i + self.piece_size] for i in range(0, len(text), self.piece_size)]
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            yield GenericStreamingChunk(
                text=piece,
                is_finished=last,
                finish_reason="stop" if last else None,  # type: ignore[typeddict-item]  # LiteLLM reads None as "not yet"
                usage=None,
                index=0,
                tool_use=None,
            )


def log_records_to(path: str | os.PathLike[str], logger_name: str, *, having: str) -> None:
    """Append the message of each record of ``logger_name`` that carries the attribute ``having`` to ``path``, one
    per line. Once per file, however often the proxy loads the handler module (once per reference in its config)."""
    target = os.path.abspath(path)
    log = logging.getLogger(logger_name)
    if any(getattr(handler, "baseFilename", None) == target for handler in log.handlers):
        return
    handler = logging.FileHandler(target, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(lambda record: hasattr(record, having))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


@contextlib.contextmanager
def run_proxy_in_folder(
    files: Mapping[str, str], *, config: str = "config.yaml", **options: Any
) -> Iterator[tuple[ServerProcess, Path]]:
    """Write ``files`` (name -> text, dedented) into a temporary folder and run the proxy on ``config`` there;
    yields the server and the folder (the proxy's working directory). ``options`` go to ``run_proxy``."""
    with tempfile.TemporaryDirectory(prefix="litellm-plugin-proxy-") as name:
        folder = Path(name)
        for file_name, text in files.items():
            (folder / file_name).write_text(textwrap.dedent(text), encoding="utf-8")
        with run_proxy(folder / config, **options) as server:
            yield server, folder
