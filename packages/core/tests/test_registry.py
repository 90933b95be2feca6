"""PluginRegistry: validation, LiteLLM wiring, ownership of map entries, thread safety, global helpers."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import litellm
import pytest
from litellm.llms.custom_llm import CustomLLM
from litellm.types.llms.custom_llm import CustomLLMItem
from litellm.types.utils import ModelResponse

from litellm_plugin.core import (
    BaseCustomLogger,
    BaseCustomProvider,
    DuplicateProviderError,
    InvalidProviderError,
    InvalidProviderNameError,
    PluginRegistry,
    ProviderNotFoundError,
    ProviderNotRoutableError,
    ProviderRegistrationError,
    get_provider,
    get_registry,
    initialize_plugins,
    register_provider,
)

MESSAGES = [{"role": "user", "content": "ping"}]


class Answer(BaseCustomProvider):
    reply = "pong"

    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return self.make_response(model, messages, self.reply)


class OtherAnswer(Answer):
    reply = "other"


class PlainLLM(CustomLLM):
    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return ModelResponse(model="m", choices=[{"message": {"role": "assistant", "content": "plain"}}])


class NeedsArgument(Answer):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url


def _entries(name: str) -> list[Any]:
    return [entry for entry in litellm.custom_provider_map if entry["provider"] == name]


def _ask(name: str) -> str:
    response = litellm.completion(model=f"{name}/m", messages=MESSAGES)
    return str(response.choices[0].message.content)


def test_register_initialize_and_call(registry: PluginRegistry) -> None:
    instance = registry.register("reg_answer", Answer)
    assert registry.list_providers() == ["reg_answer"]
    assert registry.get_provider("reg_answer") is instance
    assert isinstance(instance, Answer)
    assert instance.provider_name == "reg_answer"
    assert _entries("reg_answer") == []  # not routable before initialize
    assert registry.initialize() == ["reg_answer"]
    assert _ask("reg_answer") == "pong"


def test_initialize_is_idempotent(registry: PluginRegistry) -> None:
    registry.register("reg_idem", Answer)
    registry.initialize()
    registry.initialize()
    registry.initialize_provider("reg_idem")
    assert len(_entries("reg_idem")) == 1
    assert litellm.provider_list.count("reg_idem") == 1


def test_unregister_removes_from_litellm(registry: PluginRegistry) -> None:
    registry.register("reg_gone", Answer)
    registry.initialize()
    registry.unregister("reg_gone")
    assert _entries("reg_gone") == []
    assert "reg_gone" not in litellm.provider_list
    with pytest.raises(litellm.exceptions.BadRequestError):
        _ask("reg_gone")
    with pytest.raises(ProviderNotFoundError):
        registry.get_provider("reg_gone")


def test_reregistering_after_unregister_works(registry: PluginRegistry) -> None:
    registry.register("reg_again", Answer)
    registry.initialize()
    registry.unregister("reg_again")
    registry.register("reg_again", OtherAnswer)
    registry.initialize()
    assert _ask("reg_again") == "other"


def test_user_entries_are_left_alone(registry: PluginRegistry) -> None:
    user_handler = OtherAnswer()
    user_entry = CustomLLMItem(provider="user_owned", custom_handler=user_handler)
    clash_entry = CustomLLMItem(provider="reg_clash", custom_handler=user_handler)
    litellm.custom_provider_map = [user_entry, clash_entry]
    registry.register("reg_mine", Answer)
    registry.register("reg_clash", Answer)
    assert registry.initialize() == ["reg_mine"]  # the user's own "reg_clash" stays in charge
    assert litellm.custom_provider_map[:2] == [user_entry, clash_entry]
    assert _ask("reg_clash") == "other"
    registry.unregister("reg_mine")
    registry.unregister("reg_clash")
    assert litellm.custom_provider_map == [user_entry, clash_entry]


def test_plain_custom_llm_and_instances_are_accepted(registry: PluginRegistry) -> None:
    registry.register("reg_plain", PlainLLM)
    ready = NeedsArgument("http://127.0.0.1:1")
    assert registry.register("reg_ready", ready) is ready
    assert ready.provider_name == "reg_ready"  # an unnamed instance takes its registered name
    named = Answer()
    named.provider_name = "custom_label"
    registry.register("reg_named", named)
    assert named.provider_name == "custom_label"  # a named instance keeps its name
    registry.initialize()
    assert _ask("reg_plain") == "plain"


class _Backend:
    def complete(self, model: str, messages: Any, *args: Any, **kwargs: Any) -> ModelResponse:
        return BaseCustomProvider.make_response(model, messages, "from the backend")


class Delegating(BaseCustomProvider):
    """Sets its method on the instance (a delegate chosen when it is built)."""

    def __init__(self) -> None:
        super().__init__()
        self.completion = _Backend().complete  # type: ignore[method-assign]


def test_a_class_whose_constructor_sets_its_method_is_accepted_as_its_instance_is(registry: PluginRegistry) -> None:
    """The class was checked before it was built, and refused as implementing nothing."""
    registry.register("reg_delegating", Delegating)
    registry.initialize()
    assert _ask("reg_delegating") == "from the backend"


def test_a_class_implementing_nothing_is_named_so_even_when_it_cannot_be_built(registry: PluginRegistry) -> None:
    """Not "register a ready instance instead", which would be refused next for implementing nothing."""

    class NeedsKey(BaseCustomProvider):
        def __init__(self, key: str) -> None:
            super().__init__()

    with pytest.raises(InvalidProviderError, match="implements none of LiteLLM's provider methods"):
        registry.register("reg_needs_key", NeedsKey)


@pytest.mark.parametrize("name", ["", "a/b", "openai", "anthropic", "has space", "-dash", 42])
def test_invalid_names_are_refused(registry: PluginRegistry, name: Any) -> None:
    before = list(litellm.custom_provider_map)
    with pytest.raises(InvalidProviderNameError):
        registry.register(name, Answer)
    assert registry.list_providers() == []
    assert litellm.custom_provider_map == before


@pytest.mark.parametrize("provider", [object, dict, "module:Class", Answer.completion, NeedsArgument])
def test_invalid_providers_are_refused(registry: PluginRegistry, provider: Any) -> None:
    with pytest.raises(InvalidProviderError):
        registry.register("reg_bad", provider)
    assert registry.list_providers() == []


def test_duplicates_are_refused_unless_replacing(registry: PluginRegistry) -> None:
    first = registry.register("reg_dup", Answer)
    registry.initialize()
    with pytest.raises(DuplicateProviderError):
        registry.register("reg_dup", OtherAnswer)
    assert registry.get_provider("reg_dup") is first
    assert _ask("reg_dup") == "pong"
    second = registry.register("reg_dup", OtherAnswer, replace=True)
    assert registry.get_provider("reg_dup") is second
    assert _ask("reg_dup") == "other"  # an active name switches over at once
    assert len(_entries("reg_dup")) == 1


def test_registration_errors_are_value_errors() -> None:
    for error in (InvalidProviderNameError, InvalidProviderError, DuplicateProviderError):
        assert issubclass(error, ProviderRegistrationError)
        assert issubclass(error, ValueError)
    assert issubclass(ProviderNotFoundError, LookupError)


def test_unknown_names(registry: PluginRegistry) -> None:
    for call in (registry.get_provider, registry.unregister, registry.initialize_provider):
        with pytest.raises(ProviderNotFoundError):
            call("reg_missing")


def test_initialize_provider_activates_only_that_one(registry: PluginRegistry) -> None:
    registry.register("reg_one", Answer)
    registry.register("reg_two", Answer)
    registry.initialize_provider("reg_one")
    assert len(_entries("reg_one")) == 1
    assert _entries("reg_two") == []


def test_concurrent_register_initialize_unregister(registry: PluginRegistry) -> None:
    threads_count, per_thread = 8, 15
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for index in range(per_thread):
                registry.register(f"reg_t{worker}_{index}", Answer)
                registry.initialize()
                if index % 3 == 0:
                    registry.unregister(f"reg_t{worker}_{index}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = sorted(
        f"reg_t{worker}_{index}" for worker in range(threads_count) for index in range(per_thread) if index % 3
    )
    assert registry.list_providers() == expected
    mapped = [entry["provider"] for entry in litellm.custom_provider_map if entry["provider"].startswith("reg_t")]
    assert sorted(mapped) == expected  # each exactly once, none of the removed ones
    assert all(registry.get_provider(name) is _entries(name)[0]["custom_handler"] for name in expected)


def test_global_helpers(global_registry: PluginRegistry) -> None:
    assert get_registry() is global_registry
    instance = register_provider("reg_global", Answer)
    assert get_provider("reg_global") is instance
    assert initialize_plugins(discover=False) == ["reg_global"]
    assert _ask("reg_global") == "pong"


def test_a_provider_registered_after_initialize_plugins_is_routable_at_once(global_registry: PluginRegistry) -> None:
    """Before, a registration after ``initialize_plugins()`` needed a second call, or LiteLLM answered "LLM
    Provider NOT provided"."""
    initialize_plugins(discover=False)
    register_provider("reg_later", Answer)
    assert _ask("reg_later") == "pong"


def test_a_registration_litellm_s_map_refuses_leaves_nothing_registered(global_registry: PluginRegistry) -> None:
    """A user's broken entry in ``litellm.custom_provider_map`` makes ``register_provider`` fail after
    ``initialize_plugins()``. Before, the name stayed registered but unroutable, and registering it again once the
    map was fixed was refused as a duplicate."""
    initialize_plugins(discover=False)
    broken: Any = {"provider": "openai", "custom_handler": Answer()}
    litellm.custom_provider_map = [*litellm.custom_provider_map, broken]
    with pytest.raises(InvalidProviderNameError, match="openai"):
        register_provider("reg_refused", Answer)
    assert "reg_refused" not in global_registry.list_providers()
    litellm.custom_provider_map = [entry for entry in litellm.custom_provider_map if entry is not broken]
    register_provider("reg_refused", Answer)
    assert _ask("reg_refused") == "pong"


class _AnyInterceptor(BaseCustomLogger):
    """Defined so the engine is installed, as it is in any program with an interceptor."""


@pytest.mark.parametrize("call", ["sync", "async"])
def test_a_registered_provider_never_initialized_is_named_in_the_error(
    global_registry: PluginRegistry, call: str
) -> None:
    register_provider("reg_forgot", Answer)

    def ask() -> object:
        if call == "sync":
            return litellm.completion(model="reg_forgot/m", messages=MESSAGES)
        return asyncio.run(litellm.acompletion(model="reg_forgot/m", messages=MESSAGES))

    with pytest.raises(ProviderNotRoutableError, match=r"'reg_forgot' is registered.*call initialize_plugins\(\)"):
        ask()
    with pytest.raises(litellm.BadRequestError) as unknown:  # not ours: LiteLLM's error as it is
        litellm.completion(model="reg_nobody/m", messages=MESSAGES)
    assert not isinstance(unknown.value, ProviderNotRoutableError)
    initialize_plugins(discover=False)
    assert _ask("reg_forgot") == "pong"
