"""Hostile input to registration and discovery: every refusal is typed, names what was wrong, changes nothing."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import ModelResponse

from litellm_plugin.core import (
    BaseCustomProvider,
    InvalidProviderError,
    InvalidProviderNameError,
    Messages,
    PluginLoadWarning,
    PluginRegistry,
    ProviderNotFoundError,
    ProviderRegistrationError,
)

MESSAGES = [{"role": "user", "content": "ping"}]


class Answer(BaseCustomProvider):
    def completion(self, model: str, messages: Messages, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "custom handler ran")


class Other(Answer):
    pass


def _set_map(*entries: Any) -> None:
    """Write the map as a user or the proxy YAML may: entries LiteLLM's types do not allow included."""
    litellm.custom_provider_map = list(entries)


def _state(registry: PluginRegistry) -> tuple[list[Any], list[str], list[str]]:
    return list(litellm.custom_provider_map), list(litellm.provider_list), registry.list_providers()


# --- names LiteLLM routes to its own providers ------------------------------------------------------------


# Not in LiteLLM's LlmProviders enum, yet routed to a built-in: providers.json ("JSON-configured") providers,
# checked before custom providers, and the OpenAI-compatible "anyscale".
SHADOWED = ["veniceai", "sarvam", "crusoe", "aihubmix", "anyscale"]


@pytest.mark.parametrize("name", SHADOWED)
def test_names_litellm_routes_elsewhere_are_refused(registry: PluginRegistry, name: str) -> None:
    before = _state(registry)
    with pytest.raises(InvalidProviderNameError, match=f"'{name}' is a built-in LiteLLM provider"):
        registry.register(name, Answer)
    assert _state(registry) == before


@pytest.mark.parametrize("name", SHADOWED)
def test_shadowed_names_in_the_provider_map_are_refused(name: str) -> None:
    litellm.custom_provider_map = [{"provider": name, "custom_handler": Answer()}]
    with pytest.raises(InvalidProviderNameError, match=rf"custom_provider_map\[0\] \(provider '{name}'.*Rename"):
        litellm.completion(model=f"{name}/m", messages=MESSAGES, api_key="k", api_base="http://127.0.0.1:9")


@pytest.mark.parametrize("name", ["OpenAI", "my.provider", "a-b", "x" * 300])
def test_unusual_but_routable_names_work(registry: PluginRegistry, name: str) -> None:
    registry.register(name, Answer)
    registry.initialize()
    reply = litellm.completion(model=f"{name}/m", messages=MESSAGES)
    assert reply.choices[0].message.content == "custom handler ran"


@pytest.mark.parametrize("name", [" ", "my provider", "ñame", "name\n", "café", "tab\t"])
def test_unroutable_names_are_refused_by_name(registry: PluginRegistry, name: str) -> None:
    before = _state(registry)
    with pytest.raises(InvalidProviderNameError, match=repr(name).replace("\\", "\\\\")):
        registry.register(name, Answer)
    assert _state(registry) == before


# --- the provider map as the proxy YAML or a user writes it -------------------------------------------------


def test_a_class_as_custom_handler_is_refused_naming_the_fix() -> None:
    """``custom_handler: pkg.MyProvider`` (a class path, as guardrails take) instead of an instance."""
    _set_map({"provider": "yaml_provider", "custom_handler": Answer})
    with pytest.raises(InvalidProviderError, match=r"custom_provider_map\[0\].*class Answer.*instance"):
        litellm.completion(model="yaml_provider/m", messages=MESSAGES)


@pytest.mark.parametrize(
    "entry",
    [
        {"custom_handler": Answer()},
        {"provider": "", "custom_handler": Answer()},
        {"provider": "a/b", "custom_handler": Answer()},
        {"provider": 7, "custom_handler": Answer()},
        "yaml_provider",
    ],
)
def test_malformed_provider_map_entries_are_refused(entry: Any) -> None:
    litellm.custom_provider_map = [{"provider": "fine_one", "custom_handler": Answer()}, entry]
    with pytest.raises(ProviderRegistrationError, match=r"custom_provider_map\[1\]"):
        litellm.completion(model="fine_one/m", messages=MESSAGES)


class Observer(CustomLogger):
    pass


@pytest.mark.parametrize(
    ("handler", "said"),
    [
        (Observer(), r"a Observer, which is not a provider.*goes into litellm\.callbacks"),
        ("pkg.my_provider", r"'pkg.my_provider', which is not a provider.*dotted path is resolved in the proxy"),
        (None, r"None, which is not a provider"),
        (5, r"5, which is not a provider"),
        (uuid, r"a module, which is not a provider.*provider instance inside the module"),
        (lambda **kwargs: None, r"a function, which is not a provider"),
        (Answer().completion, r"a method, which is not a provider"),
    ],
    ids=["interceptor", "dotted-path", "none", "number", "module", "function", "bound-method"],
)
def test_a_handler_that_is_no_provider_is_refused_not_answered_unmapped(handler: Any, said: str) -> None:
    """Before: accepted everywhere, and every call answered LiteLLM's "Unmapped LLM provider"."""
    _set_map({"provider": "yaml_provider", "custom_handler": handler})
    model_list: Any = [{"model_name": "m", "litellm_params": {"model": "yaml_provider/m"}}]
    with pytest.raises(InvalidProviderError, match=said):
        litellm.completion(model="yaml_provider/m", messages=MESSAGES)
    with pytest.raises(InvalidProviderError, match=said):
        litellm.Router(model_list=model_list).completion(model="m", messages=MESSAGES)
    with pytest.raises(InvalidProviderError, match=said):
        PluginRegistry().initialize()


@pytest.mark.parametrize("whole_map", [{"provider": "yaml_provider", "custom_handler": Answer()}, None])
def test_a_map_that_is_no_list_is_refused_naming_what_it_is(whole_map: Any) -> None:
    litellm.custom_provider_map = whole_map
    with pytest.raises(InvalidProviderError, match=r"custom_provider_map is (a dict|None): it must be a list"):
        litellm.completion(model="yaml_provider/m", messages=MESSAGES)
    with pytest.raises(InvalidProviderError, match=r"it must be a list"):
        PluginRegistry().initialize()


def test_a_fixed_map_works_again() -> None:
    _set_map({"provider": "yaml_provider", "custom_handler": Answer})
    with pytest.raises(InvalidProviderError):
        litellm.completion(model="yaml_provider/m", messages=MESSAGES)
    litellm.custom_provider_map = [{"provider": "yaml_provider", "custom_handler": Answer()}]
    reply = litellm.completion(model="yaml_provider/m", messages=MESSAGES)
    assert reply.choices[0].message.content == "custom handler ran"


# --- user entries survive ---------------------------------------------------------------------------------


def test_initialize_twice_after_the_user_edited_the_map_keeps_their_entries(registry: PluginRegistry) -> None:
    registry.register("mine_a", Answer)
    registry.initialize()
    user_entry: Any = {"provider": "users_own", "custom_handler": Other()}
    litellm.custom_provider_map.append(user_entry)  # in place, after the registry wrote the map
    registry.initialize()
    registry.initialize()
    assert user_entry in litellm.custom_provider_map
    assert [e["provider"] for e in litellm.custom_provider_map].count("mine_a") == 1
    registry.unregister("mine_a")
    assert user_entry in litellm.custom_provider_map
    assert litellm.completion(model="users_own/m", messages=MESSAGES).choices[0].message.content


def test_plain_custom_llm_subclass_instance_is_accepted(registry: PluginRegistry) -> None:
    class Plain(CustomLLM):
        def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
            return ModelResponse(model="m", choices=[{"message": {"role": "assistant", "content": "plain"}}])

    registry.register("plain_one", Plain())
    registry.initialize()
    assert litellm.completion(model="plain_one/m", messages=MESSAGES).choices[0].message.content == "plain"


# --- all or nothing when the user's map is broken ---------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [{"custom_handler": Other()}, {"provider": "openai", "custom_handler": Other()}, {"provider": "x/y"}],
)
def test_initialize_with_a_broken_user_map_changes_nothing_and_names_the_entry(
    registry: PluginRegistry, bad: dict[str, Any]
) -> None:
    """Before: LiteLLM's setup raised KeyError after the registry's entry was written, which then stayed in the map
    unowned for good (a later initialize() called it the user's, unregister() left it behind)."""
    registry.register("mine_b", Answer)
    _set_map(bad)
    before = _state(registry)
    with pytest.raises(ProviderRegistrationError, match=r"custom_provider_map\[0\]"):
        registry.initialize()
    assert _state(registry) == before
    litellm.custom_provider_map = []  # the user fixes the map
    assert registry.initialize() == ["mine_b"]
    assert litellm.completion(model="mine_b/m", messages=MESSAGES).choices[0].message.content == "custom handler ran"
    registry.unregister("mine_b")
    assert litellm.custom_provider_map == []
    assert "mine_b" not in litellm.provider_list


def test_unregister_works_even_when_the_user_broke_the_map(registry: PluginRegistry) -> None:
    registry.register("mine_c", Answer)
    registry.initialize()
    bad: Any = {"custom_handler": Other()}
    _set_map(*litellm.custom_provider_map, bad)
    registry.unregister("mine_c")
    assert litellm.custom_provider_map == [bad]
    assert registry.list_providers() == []


# --- real installed distributions (a dist-info folder on sys.path, as an installer leaves it) -------------

GOOD_PLUGIN = """
from litellm_plugin.core import BaseCustomProvider


class Plugin(BaseCustomProvider):
    def completion(self, model, messages, *args, **kwargs):
        return self.make_response(model, messages, {reply!r})
"""


def _install(site: Path, distribution: str, entry_name: str, module: str, source: str) -> None:
    info = site / f"{distribution.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[litellm_plugin.providers]\n{entry_name} = {module}:Plugin\n")
    (site / f"{module}.py").write_text(source)


def test_installed_plugins_that_exit_raise_or_clash_are_reported_and_the_good_one_works(
    registry: PluginRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tag = uuid.uuid4().hex[:8]
    good = f"hx_good_{tag}"
    _install(tmp_path, f"hx-exit-{tag}", f"hx_exit_{tag}", f"hx_exit_mod_{tag}", "import sys\nsys.exit(3)\n")
    _install(tmp_path, f"hx-raise-{tag}", f"hx_raise_{tag}", f"hx_raise_mod_{tag}", "raise RuntimeError('boom')\n")
    exits_when_built = "import sys\n" + GOOD_PLUGIN.format(reply="x") + "    def __init__(self):\n        sys.exit(4)\n"
    _install(tmp_path, f"hx-ctor-{tag}", f"hx_ctor_{tag}", f"hx_ctor_mod_{tag}", exits_when_built)
    _install(tmp_path, f"hx-good-{tag}", good, f"hx_good_mod_{tag}", GOOD_PLUGIN.format(reply="good"))
    _install(tmp_path, f"hx-twin-{tag}", good, f"hx_twin_mod_{tag}", GOOD_PLUGIN.format(reply="twin"))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(PluginLoadWarning) as caught:
        added = registry.discover()
    assert good in added
    assert f"hx_exit_{tag}" not in added
    assert f"hx_raise_{tag}" not in added
    assert f"hx_ctor_{tag}" not in added
    messages = " | ".join(str(warning.message) for warning in caught)
    assert f"hx-exit-{tag}" in messages
    assert "SystemExit" in messages
    assert f"hx-raise-{tag}" in messages
    assert "boom" in messages
    assert f"hx-ctor-{tag}" in messages
    assert f"hx-good-{tag}" in messages
    assert f"hx-twin-{tag}" in messages
    assert "uninstall one" in messages
    registry.initialize()
    reply = litellm.completion(model=f"{good}/m", messages=MESSAGES)
    assert reply.choices[0].message.content in {"good", "twin"}


def test_racing_registrations_of_one_name_leave_exactly_one(registry: PluginRegistry) -> None:
    workers = 8
    barrier = threading.Barrier(workers)
    outcomes: list[object] = []

    def race() -> None:
        barrier.wait()
        try:
            outcomes.append(registry.register("raced_name", Answer))
            registry.initialize()
        except ProviderRegistrationError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=race) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [outcome for outcome in outcomes if isinstance(outcome, Answer)]
    assert len(winners) == 1
    assert len(outcomes) == workers
    assert all("already registered" in str(o) for o in outcomes if not isinstance(o, Answer))
    entries = [entry for entry in litellm.custom_provider_map if entry["provider"] == "raced_name"]
    assert [entry["custom_handler"] for entry in entries] == winners


# --- refusals say what to do instead ----------------------------------------------------------------------


class NeedsUrl(Answer):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url


class Exploding(Answer):
    def __init__(self) -> None:
        raise RuntimeError("no config file")


@pytest.mark.parametrize(("provider", "cause"), [(NeedsUrl, "TypeError"), (Exploding, "RuntimeError: no config file")])
def test_a_class_that_cannot_be_built_without_arguments_suggests_an_instance(
    registry: PluginRegistry, provider: type[Answer], cause: str
) -> None:
    before = _state(registry)
    with pytest.raises(InvalidProviderError) as excinfo:
        registry.register("needs_args", provider)
    message = str(excinfo.value)
    assert cause in message
    assert (
        f"register a ready instance instead, e.g. register_provider('needs_args', {provider.__name__}(...))" in message
    )
    assert _state(registry) == before


def test_an_interceptor_registered_as_a_provider_is_pointed_to_callbacks(registry: PluginRegistry) -> None:
    from litellm_plugin.core import BaseCustomLogger

    class Interceptor(BaseCustomLogger):
        pass

    for wrong in (Interceptor, Interceptor()):
        with pytest.raises(InvalidProviderError, match=r"goes into litellm\.callbacks"):
            registry.register("not_a_provider", wrong)  # type: ignore[arg-type]
    assert registry.list_providers() == []


def test_a_router_over_a_map_with_a_class_handler_is_refused_at_construction() -> None:
    """What the proxy does right after loading ``litellm_settings.custom_provider_map``: it stops at startup."""
    _set_map({"provider": "yaml_provider", "custom_handler": Answer})
    model_list: Any = [{"model_name": "m", "litellm_params": {"model": "yaml_provider/m"}}]
    # Refused when the Router is built or, on LiteLLM releases whose Router builds no deployments in Python,
    # on its first call.
    with pytest.raises(InvalidProviderError, match=r"custom_provider_map\[0\] \(provider 'yaml_provider'\)"):
        litellm.Router(model_list=model_list).completion(model="m", messages=[{"role": "user", "content": "hi"}])


@pytest.mark.parametrize("name", [[], {}, None, 3])
def test_looking_up_a_name_that_is_no_string_is_a_typed_error(registry: PluginRegistry, name: Any) -> None:
    for lookup in (registry.get_provider, registry.unregister, registry.initialize_provider):
        with pytest.raises(ProviderNotFoundError, match="a provider name is a string"):
            lookup(name)
