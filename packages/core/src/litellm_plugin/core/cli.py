"""``litellm-plugin``: the plugin author's command line.

``litellm-plugin new provider NAME`` / ``litellm-plugin new logger NAME`` create a package that passes the
workspace's checks as generated (uv sync, ruff, mypy --strict, its tests, a wheel found by discovery).
Run it from the repository root with ``uv run``. Errors go to stderr with exit status 2 (bad input) or 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from litellm_plugin.core.scaffold import KINDS, MAX_NAME_LENGTH, PackageSpec, ScaffoldError, create_package

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="litellm-plugin", description="Tools for litellm-plugin authors.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    new = commands.add_parser(
        "new",
        help="create a new plugin package",
        description="Create packages/providers-NAME or packages/loggers-NAME, ready to test and publish.",
    )
    new.add_argument("kind", choices=KINDS, help="what the package provides")
    new.add_argument(
        "name",
        help=f"module and routing name: lowercase letters, digits and '_', at most {MAX_NAME_LENGTH} characters",
    )
    new.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where to create the package folder (default: the workspace's packages/, else the current folder)",
    )
    new.add_argument("--description", default=None, help="one line for pyproject.toml and the README")
    return parser


def _next_steps(spec: PackageSpec) -> str:
    folder = spec.folder
    if spec.workspace is not None:
        shown = folder.relative_to(spec.workspace.root).as_posix()
        return (
            f"Created {shown} ({spec.distribution}, module {spec.module}).\n"
            "Next, from the workspace root:\n"
            f"  uv sync\n"
            f"  uv run pytest {shown}\n"
            f"  uv run ruff check {shown} && uv run mypy {shown}/src && uv run mypy {shown}/tests\n"
            f"  uv build --package {spec.distribution} --no-sources   # the wheel to publish\n"
        )
    return (
        f"Created {folder} ({spec.distribution}, module {spec.module}).\n"
        f"Next: cd {folder} && uv sync && uv run pytest && uv run ruff check . && uv run mypy src tests\n"
        "Publish with: uv build --no-sources\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``litellm-plugin`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "new":
        try:
            spec = create_package(args.kind, args.name, directory=args.dir, description=args.description)
        except ScaffoldError as exc:
            parser.exit(2, f"litellm-plugin new {args.kind}: error: {exc}\n")
        except OSError as exc:
            parser.exit(1, f"litellm-plugin new {args.kind}: error: {exc}\n")
        sys.stdout.write(_next_steps(spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
