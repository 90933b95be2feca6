"""Render a new plugin package (a provider or a logger) that passes the workspace's CI as generated.

Templates are plain ``string.Template`` files under ``templates/`` (``$name`` placeholders). They hold no
logic, only text: the two kinds differ by which files they take, and the one choice that depends on where the
package goes (a workspace member or a standalone project) is made here in Python. The standard library is
enough for that, so core gains no dependency; ``substitute`` raises on a placeholder without a value, so a
typo in a template fails the tests instead of reaching an author. (Jinja2 would add a dependency and a second
syntax to learn for loops nobody needs; copier is a separate tool with a questionnaire, for projects that
keep updating from their template, which a one-off package does not.)
"""

from __future__ import annotations

import json
import keyword
import re
import shutil
import textwrap
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib import resources
from importlib.metadata import PackageNotFoundError, distribution, entry_points, metadata, requires, version
from pathlib import Path, PurePosixPath
from string import Template
from typing import Literal, get_args

from litellm_plugin.core.discovery import ENTRY_POINT_GROUP
from litellm_plugin.core.scaffold.workspace import Workspace, find_workspace

__all__ = [
    "KINDS",
    "MAX_NAME_LENGTH",
    "Kind",
    "PackageSpec",
    "ScaffoldError",
    "check_description",
    "check_name",
    "create_package",
    "render_package",
]

Kind = Literal["provider", "logger"]
KINDS: tuple[Kind, ...] = get_args(Kind)

_NAME = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*\Z")
MAX_NAME_LENGTH = 20  # keeps every generated line within the workspace's 120 columns

# template file -> path in the new package ("$" placeholders allowed in the path)
_FILES: dict[Kind, dict[str, str]] = {
    "provider": {
        "common/pyproject.toml": "pyproject.toml",
        "common/CHANGELOG.md": "CHANGELOG.md",
        "provider/README.md": "README.md",
        "provider/__init__.py": "src/litellm_plugin/providers/$name/__init__.py",
        "provider/provider.py": "src/litellm_plugin/providers/$name/provider.py",
        "common/conftest.py": "tests/conftest.py",
        "provider/test_package.py": "tests/test_$name.py",
    },
    "logger": {
        "common/pyproject.toml": "pyproject.toml",
        "common/CHANGELOG.md": "CHANGELOG.md",
        "logger/README.md": "README.md",
        "logger/__init__.py": "src/litellm_plugin/loggers/$name/__init__.py",
        "logger/logger.py": "src/litellm_plugin/loggers/$name/logger.py",
        "common/conftest.py": "tests/conftest.py",
        "logger/test_package.py": "tests/test_$name.py",
    },
}
_NAMESPACE: dict[Kind, str] = {"provider": "providers", "logger": "loggers"}
_SUFFIX: dict[Kind, str] = {"provider": "Provider", "logger": "Logger"}

_WORKSPACE_SOURCES = """
[tool.uv.sources]
litellm-plugin-core = { workspace = true }
"""
# Outside a workspace the package brings its own tool configuration, the same rules as the workspace's.
_STANDALONE_CONFIG = """
[dependency-groups]
dev = [
    "$core_testing_requirement",
    "mypy>=1.18",
    "pytest>=8.4",
    "pytest-asyncio>=1.2",
    "ruff>=0.14",
]

[tool.pytest.ini_options]
addopts = ["--import-mode=importlib", "-ra"]
testpaths = ["tests"]
asyncio_default_fixture_loop_scope = "function"

[tool.ruff]
line-length = 120
target-version = "py310"

[tool.ruff.format]
exclude = ["*.md"]  # README blocks use `#> output` lines, which the formatter would rewrite

[tool.ruff.lint.isort]
known-first-party = ["litellm_plugin"]

[tool.mypy]
strict = true
python_version = "3.10"
explicit_package_bases = true
mypy_path = ["src"]
untyped_calls_exclude = ["litellm"]

[[tool.mypy.overrides]]
module = ["litellm", "litellm.*"]
implicit_reexport = true
$core_source"""


class ScaffoldError(ValueError):
    """The package cannot be created as asked (bad name, folder exists...); the message says why."""


def check_name(kind: str, name: str) -> str:
    """``name`` if it can name a ``kind`` package, else ``ScaffoldError`` saying what is wrong with it."""
    if kind not in KINDS:
        raise ScaffoldError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ScaffoldError(
            f"{name!r} is not a valid Python identifier: it names the module litellm_plugin.{_NAMESPACE[kind]}."
            f"{name}{' and the provider' if kind == 'provider' else ''}; use lowercase letters, digits and '_', "
            "e.g. 'my_api'"
        )
    if not _NAME.match(name):
        raise ScaffoldError(
            f"{name!r}: use lowercase letters and digits, words joined by single '_' (e.g. {_suggest(name)!r}); "
            "the name becomes a module, a distribution and a routing name, which must all agree"
        )
    if name in _builtin_provider_names():
        reason = (
            f"LiteLLM would route model={name}/... to the built-in one and never call yours"
            if kind == "provider"
            else "a plugin named after it would be mistaken for that provider"
        )
        raise ScaffoldError(f"{name!r} is a built-in LiteLLM provider: {reason}; choose another name")
    if kind == "provider":
        taken = sorted({ep.dist.name for ep in entry_points(group=ENTRY_POINT_GROUP, name=name) if ep.dist is not None})
        if taken:
            raise ScaffoldError(
                f"a provider named {name!r} is already advertised by {', '.join(taken)}; choose another name"
            )
    if len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(f"{name!r} is longer than {MAX_NAME_LENGTH} characters; choose a shorter name")
    return name


def check_description(description: str) -> str:
    """One line of plain text: it goes into docstrings, TOML and Markdown."""
    description = description.strip()
    if not description:
        raise ScaffoldError("the description is empty")
    if any(ord(char) < 32 for char in description) or '"""' in description or "\\" in description:
        raise ScaffoldError('the description must be one line, without control characters, backslashes or \'"""\'')
    return description


def _suggest(name: str) -> str:
    words = re.findall(r"[A-Za-z][a-z0-9]*|[0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name))
    suggestion = "_".join(word.lower() for word in words)
    return suggestion if _NAME.match(suggestion) else "my_plugin"


def _builtin_provider_names() -> frozenset[str]:
    """Every name LiteLLM routes to a provider of its own (see ``provider_map``), custom ones not included."""
    from litellm_plugin.core.provider_map import BUILTIN_PROVIDER_NAMES  # slow: only after the cheap checks

    return BUILTIN_PROVIDER_NAMES


@dataclass(frozen=True)
class PackageSpec:
    """Everything the templates need, derived from the kind and the name."""

    kind: Kind
    name: str
    description: str
    folder: Path
    workspace: Workspace | None

    @property
    def namespace(self) -> str:
        return _NAMESPACE[self.kind]

    @property
    def distribution(self) -> str:
        return f"litellm-plugin-{self.namespace}-{self.name.replace('_', '-')}"

    @property
    def module(self) -> str:
        return f"litellm_plugin.{self.namespace}.{self.name}"

    @property
    def class_name(self) -> str:
        return "".join(word.capitalize() for word in self.name.split("_")) + _SUFFIX[self.kind]

    @property
    def instance(self) -> str:
        return f"{self.name}_{self.kind}"

    def values(self) -> dict[str, str]:
        core_requirement, litellm_requirement, requires_python = _core_requirements()
        values = {
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "description_toml": json.dumps(self.description, ensure_ascii=False),
            "description_docstring": textwrap.fill(self.description, width=110, subsequent_indent=""),
            "distribution": self.distribution,
            "module": self.module,
            "class_name": self.class_name,
            "instance": self.instance,
            "folder": self._display_folder(),
            "core_requirement": core_requirement,
            "core_testing_requirement": core_requirement.replace("litellm-plugin-core", "litellm-plugin-core[testing]"),
            "litellm_requirement": litellm_requirement,
            "requires_python": requires_python,
            "entry_points": self._entry_points(),
            "core_source": _local_core_source(),
        }
        values["development"] = self._development()
        values["tool_config"] = Template(
            _WORKSPACE_SOURCES if self.workspace is not None else _STANDALONE_CONFIG
        ).substitute(values)
        return values

    def _entry_points(self) -> str:
        if self.kind != "provider":
            return ""
        return f'\n[project.entry-points."{ENTRY_POINT_GROUP}"]\n{self.name} = "{self.module}:{self.class_name}"\n'

    def _development(self) -> str:
        if self.workspace is None:
            return (
                "`uv sync`, then `uv run pytest`, `uv run ruff check .` and `uv run mypy src tests`.\n"
                "Publish with `uv build --no-sources`."
            )
        folder = self._display_folder()
        return (
            f"In the workspace: `uv sync`, then `uv run pytest {folder}`, `uv run ruff check {folder}` and\n"
            f"`uv run mypy {folder}/src` (and `{folder}/tests`). Publish with\n"
            f"`uv build --package {self.distribution} --no-sources`."
        )

    def _display_folder(self) -> str:
        if self.workspace is not None:
            return self.folder.relative_to(self.workspace.root).as_posix()
        return self.folder.name


def _local_core_source() -> str:
    """Core as a uv source when it runs from a local folder (a clone: it is not on a package index yet), so a
    standalone package resolves it the same way; nothing when core came from an index or a wheel file."""
    try:
        raw = distribution("litellm-plugin-core").read_text("direct_url.json")
    except PackageNotFoundError:
        return ""
    info = json.loads(raw) if raw else {}
    url = info.get("url", "") if isinstance(info, dict) else ""
    if not url.startswith("file://"):
        return ""
    folder = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
    if not (folder / "pyproject.toml").is_file():
        return ""
    editable = "true" if info.get("dir_info", {}).get("editable") else "false"
    return f"\n[tool.uv.sources]\nlitellm-plugin-core = {{ path = {json.dumps(str(folder))}, editable = {editable} }}\n"


def _core_requirements() -> tuple[str, str, str]:
    """A range on core's own minor version, and core's LiteLLM and Python requirements, copied."""
    major, minor = (int(part) for part in version("litellm-plugin-core").split(".")[:2])
    upper = f"{major}.{minor + 1}" if major == 0 else f"{major + 1}"
    litellm_requirement = next(
        (
            req
            for req in requires("litellm-plugin-core") or []
            if re.match(r"litellm\s*[<>=!~]", req) and ";" not in req
        ),
        "litellm>=1.108.7,<2",
    )
    requires_python = (metadata("litellm-plugin-core").get_all("Requires-Python") or [">=3.10"])[0]
    return f"litellm-plugin-core>={major}.{minor},<{upper}", litellm_requirement.replace(" ", ""), requires_python


def _template(path: str) -> str:
    return (resources.files("litellm_plugin.core.scaffold") / "templates" / f"{path}.tmpl").read_text("utf-8")


def render_package(spec: PackageSpec) -> dict[PurePosixPath, str]:
    """The new package's files (relative paths) and their text."""
    values = spec.values()
    files = {
        PurePosixPath(Template(target).substitute(values)): Template(_template(source)).substitute(values)
        for source, target in _FILES[spec.kind].items()
    }
    package_dir = PurePosixPath(f"src/litellm_plugin/{spec.namespace}/{spec.name}")
    files[package_dir / "py.typed"] = ""
    return files


def create_package(
    kind: str,
    name: str,
    *,
    directory: Path | None = None,
    description: str | None = None,
) -> PackageSpec:
    """Create ``<directory>/<providers|loggers>-<name>``; ``directory`` defaults to the workspace's packages/
    (outside a workspace: ./packages if there is one, else the current folder).

    Refuses a bad name or an existing folder before writing anything. In a uv workspace the new folder must be
    a member (matched by ``[tool.uv.workspace] members``); its ``src`` is added to the root mypy_path.
    """
    check_name(kind, name)
    if description is not None:
        check_description(description)
    typed_kind: Kind = "provider" if kind == "provider" else "logger"
    if directory is None:
        found = find_workspace(Path.cwd())
        if found is not None:
            directory = found.root / "packages"
        else:
            directory = Path.cwd() / "packages" if (Path.cwd() / "packages").is_dir() else Path.cwd()
    directory = directory.resolve()
    folder = directory / f"{_NAMESPACE[typed_kind]}-{name.replace('_', '-')}"
    if folder.exists():
        raise ScaffoldError(f"{folder} already exists; remove it or choose another name")
    workspace = find_workspace(directory)
    if workspace is not None and not workspace.is_member(folder):
        raise ScaffoldError(
            f"{folder} would not be a member of the uv workspace at {workspace.root} "
            f"(members: {', '.join(workspace.members)}); create it under one of those, e.g. with --dir packages"
        )
    spec = PackageSpec(
        kind=typed_kind,
        name=name,
        description=check_description(description or f"A LiteLLM {typed_kind} plugin: {name}."),
        folder=folder,
        workspace=workspace,
    )
    files = render_package(spec)
    try:
        for relative, text in files.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)  # no half-written package left behind
        raise
    if workspace is not None:
        workspace.add_mypy_path(folder / "src")
    return spec
