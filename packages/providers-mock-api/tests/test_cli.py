"""The ``litellm-plugin-mock-api`` console script."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from litellm_plugin.core.testing.servers import ServerProcess
from litellm_plugin.providers.mock_api.cli import build_parser, main


def test_help_lists_serve_and_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--api-key", "--fault", "--no-auth", "--model"):
        assert option in out


def test_console_script_help_runs_without_a_server() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "litellm_plugin.providers.mock_api.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0
    assert "serve" in result.stdout


def test_invalid_fault_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["serve", "--fault", "status=99"])
    assert exited.value.code == 2
    assert "status" in capsys.readouterr().err


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2


def test_serve_applies_key_models_and_fault_options(start_server: Callable[..., ServerProcess]) -> None:
    server = start_server("--api-key", "other-key", "--model", "only-model", "--fault", "status=503")
    auth = {"Authorization": "Bearer other-key"}
    models = httpx.get(f"{server.base_url}/v1/models", headers={**auth, "X-Mock-Fault": "none"}).json()
    assert [model["id"] for model in models["data"]] == ["only-model"]
    body = {"model": "only-model", "messages": [{"role": "user", "content": "hi"}]}
    assert httpx.post(f"{server.base_url}/v1/chat/completions", json=body, headers=auth).status_code == 503
    ok = httpx.post(f"{server.base_url}/v1/chat/completions", json=body, headers={**auth, "X-Mock-Fault": "none"})
    assert ok.status_code == 200
    wrong = httpx.post(f"{server.base_url}/v1/chat/completions", json=body, headers={"X-Mock-Fault": "none"})
    assert wrong.status_code == 401
    server.stop()
    assert server.process.returncode is not None


def test_invalid_script_is_a_usage_error_naming_the_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: greet\n    match: {turn: zero}\n    reply: {text: hi}\n")
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["serve", "--script", str(rules)])
    assert exited.value.code == 2
    assert "rule 0 ('greet'): match.turn" in capsys.readouterr().err
