"""Entry-point discovery with stand-in entry points: broken plugins, name clashes, switching it off."""

from __future__ import annotations

import inspect
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import litellm
import pytest
from litellm.types.router import Deployment
from litellm.types.utils import ModelResponse

from litellm_plugin.core import (
    ENTRY_POINT_GROUP,
    BaseCustomLogger,
    BaseCustomProvider,
    Messages,
    PluginLoadWarning,
    PluginRegistry,
    ProviderNotRoutableError,
    initialize_plugins,
)
from litellm_plugin.core import discovery as discovery_module


class Found(BaseCustomProvider):
    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "found")


class Explicit(BaseCustomProvider):
    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "explicit")


@dataclass
class _Dist:
    name: str


@dataclass
class FakeEntryPoint:
    """What ``importlib.metadata.entry_points`` yields, reduced to the attributes discovery reads."""

    name: str
    target: object
    distribution: str
    value: str = "pkg.module:Thing"
    dist: _Dist = field(init=False)

    def __post_init__(self) -> None:
        self.dist = _Dist(self.distribution)

    def load(self) -> object:
        if isinstance(self.target, BaseException):
            raise self.target
        return self.target


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> list[FakeEntryPoint]:
    """The entry points discovery will see; tests append to it."""
    points: list[FakeEntryPoint] = []

    def fake_entry_points(*, group: str) -> list[FakeEntryPoint]:
        assert group == ENTRY_POINT_GROUP
        return points

    monkeypatch.setattr(discovery_module, "entry_points", fake_entry_points)
    return points


def test_discovers_classes_and_instances(registry: PluginRegistry, installed: list[FakeEntryPoint]) -> None:
    ready = Found()
    installed += [FakeEntryPoint("disc_class", Found, "dist-a"), FakeEntryPoint("disc_inst", ready, "dist-b")]
    assert registry.discover() == ["disc_class", "disc_inst"]
    assert isinstance(registry.get_provider("disc_class"), Found)
    assert registry.get_provider("disc_inst") is ready


def test_broken_plugin_is_reported_and_others_load(registry: PluginRegistry, installed: list[FakeEntryPoint]) -> None:
    installed += [
        FakeEntryPoint("disc_broken", ImportError("No module named 'missing_dep'"), "broken-dist"),
        FakeEntryPoint("openai", Found, "shadowing-dist"),
        FakeEntryPoint("disc_notllm", object(), "odd-dist"),
        FakeEntryPoint("disc_good", Found, "good-dist"),
    ]
    with pytest.warns(PluginLoadWarning) as caught:
        assert registry.discover() == ["disc_good"]
    messages = [str(warning.message) for warning in caught]
    assert any("broken-dist" in m and "missing_dep" in m for m in messages)
    assert any("shadowing-dist" in m and "built-in" in m for m in messages)
    assert any("odd-dist" in m for m in messages)


def test_explicit_registration_wins(registry: PluginRegistry, installed: list[FakeEntryPoint]) -> None:
    mine = registry.register("disc_clash", Explicit)
    installed.append(FakeEntryPoint("disc_clash", Found, "dist-a"))
    assert registry.discover() == []
    assert registry.get_provider("disc_clash") is mine


def test_explicit_registration_replaces_a_discovered_one(
    registry: PluginRegistry, installed: list[FakeEntryPoint]
) -> None:
    installed.append(FakeEntryPoint("disc_later", Found, "dist-a"))
    registry.discover()
    registry.initialize()
    mine = registry.register("disc_later", Explicit)  # no replace=True needed over a discovered provider
    assert registry.get_provider("disc_later") is mine
    with pytest.raises(ValueError, match="already registered"):
        registry.register("disc_later", Found)


def test_discovery_can_be_switched_off(
    global_registry: PluginRegistry, installed: list[FakeEntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    installed.append(FakeEntryPoint("disc_off", Found, "dist-a"))
    assert initialize_plugins(discover=False) == []
    monkeypatch.setenv("LITELLM_PLUGIN_DISABLE_DISCOVERY", "1")
    assert initialize_plugins() == []
    monkeypatch.delenv("LITELLM_PLUGIN_DISABLE_DISCOVERY")
    assert initialize_plugins() == ["disc_off"]
    assert initialize_plugins() == ["disc_off"]  # idempotent


def test_two_distributions_claiming_one_name_are_reported(
    registry: PluginRegistry, installed: list[FakeEntryPoint]
) -> None:
    installed += [
        FakeEntryPoint("clash_name", Found, "first-dist"),
        FakeEntryPoint("clash_name", Explicit, "second-dist"),
    ]
    with pytest.warns(PluginLoadWarning) as caught:
        assert registry.discover() == ["clash_name"]
    [message] = [str(warning.message) for warning in caught]
    assert "second-dist" in message
    assert "first-dist" in message
    assert "uninstall one" in message
    assert type(registry.get_provider("clash_name")) is Found


def test_rediscovering_the_same_distribution_is_quiet(
    registry: PluginRegistry, installed: list[FakeEntryPoint]
) -> None:
    installed.append(FakeEntryPoint("quiet_name", Found, "only-dist"))
    registry.discover()
    with warnings.catch_warnings():
        warnings.simplefilter("error", PluginLoadWarning)
        assert registry.discover() == []
    registry.register("quiet_name", Explicit)  # an explicit registration over a discovered one: quiet too
    with warnings.catch_warnings():
        warnings.simplefilter("error", PluginLoadWarning)
        assert registry.discover() == []


class _AnyInterceptor(BaseCustomLogger):
    """Defined so the engine is installed, as it is in any program with an interceptor."""


class NeedsUrl(BaseCustomProvider):
    def __init__(self, url: str) -> None:
        super().__init__()

    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "never built")  # pragma: no cover


def _router_builds_its_deployments_in_set_model_list() -> bool:
    """Where the engine can step in when a Router is built. LiteLLM 1.110's Router builds its deployments in
    its own core, outside ``set_model_list``: building one there gives LiteLLM's own error (calls get ours)."""
    try:
        return "set_model_list" in inspect.getsource(litellm.Router.__init__)
    except (OSError, TypeError):
        return False


def _hint(error: BaseException) -> str:
    return str(error).split(" (LiteLLM: ")[0]


def _refusal(model: str) -> str:
    """The error a call to ``model`` gets; the same call naming the provider with ``custom_llm_provider=``, and
    building a Router or adding a deployment that names it, in either spelling, get the same one (each quoting
    what LiteLLM said)."""
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(ProviderNotRoutableError) as refused:
        litellm.completion(model=model, messages=messages)
    provider, bare = model.split("/", 1)
    with pytest.raises(ProviderNotRoutableError) as refused_by_name:  # was LiteLLM's "Unmapped LLM provider"
        litellm.completion(model=bare, custom_llm_provider=provider, messages=messages)
    assert _hint(refused_by_name.value) == _hint(refused.value)
    if _router_builds_its_deployments_in_set_model_list():
        for params in ({"model": model}, {"model": bare, "custom_llm_provider": provider}):
            deployment: dict[str, Any] = {"model_name": "x", "litellm_params": params}
            with pytest.raises(ProviderNotRoutableError) as refused_by_router:
                litellm.Router(model_list=[deployment])
            assert _hint(refused_by_router.value) == _hint(refused.value)
            router = litellm.Router(model_list=[])
            for add in (router.add_deployment, router.upsert_deployment):  # were "LLM Provider NOT provided"
                with pytest.raises(ProviderNotRoutableError) as refused_when_added:
                    add(Deployment(**deployment))
                assert _hint(refused_when_added.value) == _hint(refused.value)
    return str(refused.value)


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        (RuntimeError("SKIP_API_KEY is not set"), "RuntimeError: SKIP_API_KEY is not set"),
        (NeedsUrl, "NeedsUrl() failed"),
        (object(), "must be a litellm.CustomLLM"),
    ],
)
def test_a_plugin_skipped_as_broken_is_reported_as_skipped_at_call_time(
    global_registry: PluginRegistry, installed: list[FakeEntryPoint], target: object, reason: str
) -> None:
    installed.append(FakeEntryPoint("disc_skipped", target, "skipped-dist"))
    with pytest.warns(PluginLoadWarning, match=re.escape(reason)):
        initialize_plugins()
    message = _refusal("disc_skipped/m")
    assert "initialize_plugins() skipped the installed provider 'disc_skipped'" in message
    assert "skipped-dist" in message
    assert reason in message  # what the warning said
    assert "call initialize_plugins() once" not in message  # it ran: calling it again alone changes nothing


def test_an_installed_plugin_left_out_by_discover_false_says_discovery_was_off(
    global_registry: PluginRegistry, installed: list[FakeEntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    installed.append(FakeEntryPoint("disc_unasked", Found, "unasked-dist"))
    assert "call initialize_plugins() once" in _refusal("disc_unasked/m")  # never called: that is the fix
    initialize_plugins(discover=False)
    message = _refusal("disc_unasked/m")
    assert "discovery was off (initialize_plugins(discover=False) was called)" in message
    assert "call initialize_plugins() once" not in message
    monkeypatch.setenv("LITELLM_PLUGIN_DISABLE_DISCOVERY", "1")
    initialize_plugins()
    assert "discovery was off (LITELLM_PLUGIN_DISABLE_DISCOVERY is set)" in _refusal("disc_unasked/m")
