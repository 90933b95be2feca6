"""The uv workspace a new package lands in: its members, and the one root setting that lists them.

mypy maps a file to its module through ``mypy_path`` (with ``explicit_package_bases``), and mypy cannot glob
that list, so the root configuration names each member's ``src``. The scaffold adds the new member there
itself; ``.ci/run`` computes the list from the workspace instead of trusting it, and a test checks the two agree.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["Workspace", "find_workspace"]

_MYPY_PATH = re.compile(r"^(mypy_path\s*=\s*\[)(?P<body>[^\]]*)(\])", re.MULTILINE)


@dataclass(frozen=True)
class Workspace:
    """A uv workspace root (``[tool.uv.workspace]`` in its pyproject.toml) and its member globs."""

    root: Path
    members: tuple[str, ...]
    exclude: tuple[str, ...]

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"

    def is_member(self, folder: Path) -> bool:
        """Whether ``folder`` (existing or not) matches the members globs and no exclude glob."""
        try:
            relative = folder.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return False
        return any(fnmatchcase(relative, glob) for glob in self.members) and not any(
            fnmatchcase(relative, glob) for glob in self.exclude
        )

    def member_folders(self) -> list[Path]:
        """Existing member folders (with a pyproject.toml), sorted."""
        found = {
            path.parent.resolve()
            for glob in self.members
            for path in self.root.glob(f"{glob}/pyproject.toml")
            if self.is_member(path.parent)
        }
        return sorted(found)

    def mypy_path(self) -> list[str] | None:
        """The root ``[tool.mypy] mypy_path`` entries, or None when there is no such list."""
        tool: dict[str, Any] = _read(self.pyproject).get("tool", {})
        value = tool.get("mypy", {}).get("mypy_path")
        return [str(entry) for entry in value] if isinstance(value, list) else None

    def add_mypy_path(self, src: Path) -> bool:
        """Append ``src`` (relative to the root) to the root mypy_path list; False if there is no list to extend.

        Edits the text in place so comments and layout stay as they were.
        """
        entries = self.mypy_path()
        entry = src.resolve().relative_to(self.root).as_posix()
        if entries is None:
            return False
        if entry in entries:
            return True
        text = self.pyproject.read_text("utf-8")
        match = _MYPY_PATH.search(text)
        if match is None:
            return False
        body = match.group("body")
        if "\n" in body:  # one entry per line, as the root writes it
            stripped = body.rstrip()
            separator = "" if stripped.endswith((",", "[")) or not stripped.strip() else ","
            new_body = f'{stripped}{separator}\n    "{entry}",\n'
        else:
            items = body.strip().rstrip(",")
            new_body = f'{items}, "{entry}"' if items else f'"{entry}"'
        self.pyproject.write_text(text[: match.start("body")] + new_body + text[match.end("body") :], "utf-8")
        return entry in (self.mypy_path() or [])


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        config: dict[str, Any] = tomllib.load(file)
    return config


def find_workspace(start: Path) -> Workspace | None:
    """The nearest uv workspace root at or above ``start``, or None."""
    for folder in (start.resolve(), *start.resolve().parents):
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            config = _read(pyproject)
        except (OSError, tomllib.TOMLDecodeError):
            continue
        workspace = config.get("tool", {}).get("uv", {}).get("workspace")
        if isinstance(workspace, dict):
            return Workspace(
                root=folder,
                members=tuple(str(glob).rstrip("/") for glob in workspace.get("members", [])),
                exclude=tuple(str(glob).rstrip("/") for glob in workspace.get("exclude", [])),
            )
    return None
