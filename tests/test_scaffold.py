"""``litellm-plugin new``: what it refuses, what it writes, and that the result passes the workspace's checks.

The end-to-end tests (marked ``slow``: not in the default run; ``-m slow`` runs them, and CI does) scaffold
packages in a copy of this workspace, with its own virtualenv, and run there what CI runs: uv sync, ruff,
mypy --strict, the package's tests, and its ``--no-sources`` wheel installed alone next to core's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import litellm
import pytest
from litellm.types.utils import LlmProviders

from litellm_plugin.core import __version__ as core_version
from litellm_plugin.core.cli import main
from litellm_plugin.core.scaffold import MAX_NAME_LENGTH, ScaffoldError, check_name, create_package
from litellm_plugin.core.scaffold.workspace import find_workspace

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ROOT = Path(__file__).resolve().parent.parent
KIT = "litellm-plugin-core[testing]"
ENTRY_POINTS = re.compile(r'\n\[project\.entry-points\."litellm_plugin\.providers"\]\n[^\n]*\n')


def _core_range() -> str:
    """Generated packages ask for core's current minor version (0.2.x: ``>=0.2,<0.3``)."""
    major, minor = (int(part) for part in core_version.split(".")[:2])
    return f"litellm-plugin-core>={major}.{minor},<{major}.{minor + 1}"


def _workspace(tmp_path: Path) -> Path:
    """An empty uv workspace with a root mypy_path, as this repository has."""
    (tmp_path / "packages").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.uv.workspace]\nmembers = ["packages/*"]\n\n[tool.mypy]\nmypy_path = [\n    "packages/core/src",\n]\n'
    )
    return tmp_path


def _toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        config: dict[str, Any] = tomllib.load(file)
    return config


# --- what it refuses --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["my-api", "1api", "my api", "", "class", "import", "café", "MyApi", "my__api", "my_api_", "_api", "a" * 21],
)
@pytest.mark.parametrize("kind", ["provider", "logger"])
def test_refuses_a_name_that_cannot_be_a_module(
    tmp_path: Path, kind: str, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _workspace(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(["new", kind, name, "--dir", str(root / "packages")])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert repr(name) in error
    assert list((root / "packages").iterdir()) == []


def test_the_name_limit_is_exact() -> None:
    assert check_name("provider", "a" * MAX_NAME_LENGTH) == "a" * MAX_NAME_LENGTH


@pytest.mark.parametrize("kind", ["provider", "logger"])
def test_refuses_every_builtin_provider_name(kind: str) -> None:
    builtin = {provider.value for provider in LlmProviders}  # litellm.provider_list before custom providers
    assert builtin <= {getattr(provider, "value", provider) for provider in litellm.provider_list}
    valid = sorted(name for name in builtin if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name))
    assert "openai" in valid
    for name in valid:
        with pytest.raises(ScaffoldError, match="built-in LiteLLM provider"):
            check_name(kind, name)


def test_refuses_a_provider_name_another_distribution_advertises(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    with pytest.raises(ScaffoldError, match="'echo' is already advertised by litellm-plugin-providers-echo"):
        create_package("provider", "echo", directory=root / "packages")
    assert list((root / "packages").iterdir()) == []
    create_package("logger", "echo", directory=root / "packages")  # a logger has no provider name to clash


def test_refuses_an_existing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _workspace(tmp_path)
    existing = root / "packages" / "providers-taken"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit) as exited:
        main(["new", "provider", "taken", "--dir", str(root / "packages")])
    assert exited.value.code == 2
    assert "already exists" in capsys.readouterr().err
    assert [path.name for path in existing.iterdir()] == ["keep.txt"]


def test_refuses_a_folder_outside_the_workspace_members(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    (root / "elsewhere").mkdir()
    with pytest.raises(ScaffoldError, match="would not be a member"):
        create_package("provider", "outside", directory=root / "elsewhere")
    assert list((root / "elsewhere").iterdir()) == []


def test_refuses_a_multiline_description(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    with pytest.raises(ScaffoldError, match="one line"):
        create_package("logger", "fine", directory=root / "packages", description='two\nlines """')


def test_the_console_script_refuses_a_builtin_name(tmp_path: Path) -> None:
    script = shutil.which("litellm-plugin", path=str(Path(sys.executable).parent))
    assert script, "the litellm-plugin console script is not installed"
    root = _workspace(tmp_path)
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    done = subprocess.run(
        [script, "new", "provider", "anthropic"], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 2
    assert "'anthropic' is a built-in LiteLLM provider" in done.stderr
    assert list((root / "packages").iterdir()) == []


# --- what it writes ---------------------------------------------------------------------------------------


def test_provider_package_follows_the_conventions(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    spec = create_package("provider", "my_api", directory=root / "packages", description='Talks to "My API" ✓')
    folder = root / "packages" / "providers-my-api"
    assert spec.folder == folder
    project = _toml(folder / "pyproject.toml")
    assert project["project"] == {
        "name": "litellm-plugin-providers-my-api",
        "version": "0.1.0",
        "description": 'Talks to "My API" ✓',
        "readme": "README.md",
        "requires-python": ">=3.10",
        "license": "MIT",
        "dependencies": [
            _core_range(),
            project["project"]["dependencies"][1],
        ],
        "entry-points": {"litellm_plugin.providers": {"my_api": "litellm_plugin.providers.my_api:MyApiProvider"}},
    }
    assert str(project["project"]["dependencies"][1]).startswith("litellm")
    assert project["build-system"] == {"requires": ["uv_build>=0.8,<0.14"], "build-backend": "uv_build"}
    assert project["tool"] == {
        "uv": {
            "build-backend": {"module-name": "litellm_plugin.providers.my_api"},
            "sources": {"litellm-plugin-core": {"workspace": True}},
        }
    }
    package = folder / "src" / "litellm_plugin" / "providers" / "my_api"
    assert sorted(path.name for path in package.iterdir()) == ["__init__.py", "provider.py", "py.typed"]
    assert not (folder / "src" / "litellm_plugin" / "__init__.py").exists()  # the namespace stays a namespace
    assert "my_api_provider = MyApiProvider()" in (package / "__init__.py").read_text()
    readme = (folder / "README.md").read_text()
    assert "custom_handler: litellm_plugin.providers.my_api.my_api_provider" in readme
    assert "Unreleased" in (folder / "CHANGELOG.md").read_text()
    assert 'entry_point = "my_api"' in (folder / "tests" / "test_my_api.py").read_text()
    assert "packages/providers-my-api/src" in _toml(root / "pyproject.toml")["tool"]["mypy"]["mypy_path"]


def test_logger_package_has_no_provider_entry_point(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    create_package("logger", "audit", directory=root / "packages")
    folder = root / "packages" / "loggers-audit"
    project = _toml(folder / "pyproject.toml")
    assert project["project"]["name"] == "litellm-plugin-loggers-audit"
    assert "entry-points" not in project["project"]
    assert project["tool"]["uv"]["build-backend"] == {"module-name": "litellm_plugin.loggers.audit"}
    init = (folder / "src" / "litellm_plugin" / "loggers" / "audit" / "__init__.py").read_text()
    assert "audit_logger = AuditLogger()" in init
    assert "callbacks: [litellm_plugin.loggers.audit.audit_logger]" in (folder / "README.md").read_text()


def test_default_folder_is_the_workspace_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _workspace(tmp_path)
    (root / "packages" / "core").mkdir()
    monkeypatch.chdir(root / "packages" / "core")
    spec = create_package("logger", "here")
    assert spec.folder == root / "packages" / "loggers-here"
    assert (spec.folder / "pyproject.toml").is_file()


def test_standalone_package_brings_its_own_tool_config(tmp_path: Path) -> None:
    create_package("provider", "solo", directory=tmp_path)
    project = _toml(tmp_path / "providers-solo" / "pyproject.toml")
    tool = project["tool"]
    assert isinstance(tool, dict)
    # Core is not on a package index yet: the package finds it where this environment's core comes from.
    core_folder = ROOT / "packages" / "core"
    assert tool["uv"]["sources"] == {"litellm-plugin-core": {"path": str(core_folder), "editable": True}}
    assert tool["mypy"]["strict"] is True
    assert any(str(req).startswith("litellm-plugin-core[testing]") for req in project["dependency-groups"]["dev"])


def test_root_mypy_path_lists_every_member() -> None:
    """The scaffold keeps the root mypy_path in step; a member added another way must be added there too."""
    workspace = find_workspace(ROOT)
    assert workspace is not None
    listed = set(workspace.mypy_path() or [])
    members = {(folder / "src").relative_to(ROOT).as_posix() for folder in workspace.member_folders()}
    assert members <= listed, f"add {sorted(members - listed)} to [tool.mypy] mypy_path in pyproject.toml"


# --- end to end, in a copy of the workspace ----------------------------------------------------------------

_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".ci-venvs",
    ".ci-logs",
    "dist",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "*.egg-info",
)


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}}
    return {**env, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "UV_NO_PROGRESS": "1"}


def _run(copy: Path, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=copy, env=_env(), capture_output=True, text=True, timeout=900)
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


@pytest.fixture(scope="module")
def workspace_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This workspace copied (sources only), with a provider and a logger scaffolded and synced."""
    if shutil.which("uv") is None:
        pytest.skip("uv is not on PATH")
    copy = tmp_path_factory.mktemp("workspace") / "repo"
    shutil.copytree(ROOT, copy, ignore=_IGNORE)
    _run(copy, "uv", "sync", "--quiet")
    _run(copy, "uv", "run", "--no-sync", "litellm-plugin", "new", "provider", "kit_probe")
    _run(copy, "uv", "run", "--no-sync", "litellm-plugin", "new", "logger", "kit_probe")
    _run(copy, "uv", "sync", "--quiet")
    return copy


@pytest.mark.slow
def test_scaffolded_packages_pass_ruff_mypy_and_their_tests(workspace_copy: Path) -> None:
    folders = ["packages/providers-kit-probe", "packages/loggers-kit-probe"]
    _run(workspace_copy, "uv", "run", "--no-sync", "ruff", "check", *folders)
    _run(workspace_copy, "uv", "run", "--no-sync", "ruff", "format", "--check", *folders)
    _run(workspace_copy, "uv", "run", "--no-sync", "mypy", *(f"{folder}/src" for folder in folders))
    for folder in folders:
        _run(workspace_copy, "uv", "run", "--no-sync", "mypy", f"{folder}/tests")
    tests = _run(workspace_copy, "uv", "run", "--no-sync", "pytest", "-v", "-p", "no:cacheprovider", *folders)
    assert "TestConformance::test_entry_point_discovered PASSED" in tests.stdout
    assert "test_tags_every_reply[router_async_stream] PASSED" in tests.stdout
    assert re.search(r"\b\d+ passed", tests.stdout)
    assert " failed" not in tests.stdout
    docs = _run(
        workspace_copy,
        *("uv", "run", "--no-sync", "pytest", "-v", "-p", "no:cacheprovider", "tests/test_docs.py", "-k", "kit-probe"),
    )
    for folder in folders:  # their READMEs' examples run, output comments included
        assert f"test_readme_examples[{folder}/README.md] PASSED" in docs.stdout


@pytest.mark.slow
def test_scaffolded_wheel_alone_is_discovered(workspace_copy: Path) -> None:
    dist = workspace_copy / "dist-kit"
    for package in ("litellm-plugin-core", "litellm-plugin-providers-kit-probe"):
        _run(workspace_copy, "uv", "build", "--quiet", "--package", package, "--no-sources", "--out-dir", str(dist))
    venv = workspace_copy / ".venv-wheel"
    _run(workspace_copy, "uv", "venv", "--quiet", str(venv))
    python = str(venv / "bin" / "python")
    (wheel,) = dist.glob("litellm_plugin_providers_kit_probe-0.1.0-*.whl")
    _run(workspace_copy, "uv", "pip", "install", "--quiet", "--python", python, "--find-links", str(dist), str(wheel))
    checked = _run(workspace_copy, python, ".ci/wheel_check.py", "litellm-plugin-providers-kit-probe")
    assert "advertised ['kit_probe']" in checked.stdout

    # The package's own tests in that plain venv, with core[testing] and no workspace config (no asyncio_mode).
    _run(workspace_copy, "uv", "pip", "install", "--quiet", "--python", python, "--find-links", str(dist), KIT)
    alone = workspace_copy.parent / "tests-alone"
    shutil.copytree(workspace_copy / "packages" / "providers-kit-probe" / "tests", alone / "tests")
    (alone / "pytest.ini").write_text("[pytest]\n")  # stops pytest from finding the workspace's configuration
    tests = _run(alone, python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    assert re.search(r"\b\d+ passed", tests.stdout)
    assert " failed" not in tests.stdout


@pytest.mark.slow
def test_a_provider_without_its_entry_point_fails_its_own_tests(workspace_copy: Path) -> None:
    _run(workspace_copy, "uv", "run", "--no-sync", "litellm-plugin", "new", "provider", "no_entry")
    pyproject = workspace_copy / "packages" / "providers-no-entry" / "pyproject.toml"
    text, removed = ENTRY_POINTS.subn("\n", pyproject.read_text())
    assert removed == 1
    pyproject.write_text(text)
    _run(workspace_copy, "uv", "sync", "--quiet")
    tests = _run(
        workspace_copy,
        *("uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider", "packages/providers-no-entry"),
        check=False,
    )
    assert tests.returncode == 1, tests.stdout[-3000:]
    assert (
        "FAILED packages/providers-no-entry/tests/test_no_entry.py::TestConformance::test_entry_point_discovered"
        in (tests.stdout)
    )
    assert "did not find a provider named 'no_entry'" in tests.stdout
    assert re.search(r"1 failed, \d+ passed", tests.stdout), tests.stdout[-3000:]
