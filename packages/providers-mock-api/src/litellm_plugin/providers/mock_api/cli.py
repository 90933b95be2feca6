"""``litellm-plugin-mock-api``: serve the mock API with uvicorn.

litellm-plugin-mock-api serve --host 127.0.0.1 --port 8000 --api-key test-key
litellm-plugin-mock-api serve --fault "status=503"        # every request fails (header overrides)
litellm-plugin-mock-api serve --no-auth                   # accept requests without a key
litellm-plugin-mock-api serve --script rules.yaml         # scripted replies (YAML rules)
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from .faults import parse_fault
from .settings import DEFAULT_API_KEY, DEFAULT_MODELS, MockServerSettings

__all__ = ["build_parser", "main"]


def _fault(text: str) -> str:
    try:
        parse_fault(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _script(text: str) -> Path:
    from .scripts import ScriptError, load_script

    try:
        load_script(text)
    except ScriptError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return Path(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="litellm-plugin-mock-api",
        description="A mock LLM API (OpenAI chat, Responses, embeddings; Anthropic Messages): tools, structured "
        "output, streams, faults, scripted replies.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve the mock API over HTTP",
        description="Serve the mock API with uvicorn. Point clients at http://HOST:PORT/v1.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (0: any free one; default: %(default)s)")
    serve.add_argument(
        "--api-key",
        default=os.environ.get("MOCK_API_KEY", DEFAULT_API_KEY),
        help="the Bearer key clients must send (default: $MOCK_API_KEY or %(default)r)",
    )
    serve.add_argument("--no-auth", action="store_true", help="accept requests without checking the key")
    serve.add_argument(
        "--model",
        dest="models",
        action="append",
        metavar="NAME",
        help=f"a model to serve; repeat for more (default: {', '.join(DEFAULT_MODELS)})",
    )
    serve.add_argument(
        "--embedding-dimensions", type=int, default=256, help="default embedding size (default: %(default)s)"
    )
    serve.add_argument(
        "--fault",
        type=_fault,
        default=None,
        help='a fault for every request without an X-Mock-Fault header, e.g. "status=429;retry_after=1"',
    )
    serve.add_argument(
        "--script",
        type=_script,
        default=None,
        metavar="RULES.yaml",
        help="scripted replies: a YAML rules file (validated at start; see the README)",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn and server log level (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    # The server never needs LiteLLM's online price map; don't wait for it when offline.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import uvicorn

    from .server import create_app

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    settings = MockServerSettings(
        api_key=None if args.no_auth else args.api_key,
        models=tuple(args.models) if args.models else DEFAULT_MODELS,
        embedding_dimensions=args.embedding_dimensions,
        fault=args.fault,
        script=args.script,
    )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
