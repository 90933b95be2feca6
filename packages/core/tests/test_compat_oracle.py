"""LiteLLM's own classes as the oracle: loggers written for ``CustomLogger`` behave the same on BaseCustomLogger.

Each scenario runs twice with only the base class changed (LiteLLM's ``CustomLogger``, then ours) against the
same LiteLLM ``CustomLLM`` provider, and what the logger observes must be equal. The loggers are written the
way LiteLLM users write them: constructor arguments passed positionally, an attribute of the author's own
named ``call_types``, an old-style ``log_event`` override that LiteLLM never calls on a registered logger.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, ClassVar
from unittest.mock import patch

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import EmbeddingResponse, ModelResponse
from litellm.utils import custom_llm_setup

from litellm_plugin.core import BaseCustomLogger, CallType
from litellm_plugin.core.testing.settle import drain_litellm_logging

pytestmark = pytest.mark.usefixtures("clean_callbacks")

BASES: dict[str, type[CustomLogger]] = {"litellm": CustomLogger, "ours": BaseCustomLogger}


class Provider(CustomLLM):
    """LiteLLM's own provider class: only the logger's base class differs between the two runs."""

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        response = ModelResponse(model=model)
        response.choices[0].message.content = "reply"
        return response

    async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return self.completion(model, messages)

    def embedding(self, model: str, input: list[Any], *args: Any, **kwargs: Any) -> EmbeddingResponse:
        return EmbeddingResponse(model=model, data=[{"object": "embedding", "index": 0, "embedding": [0.5]}])

    async def aembedding(self, model: str, input: list[Any], *args: Any, **kwargs: Any) -> EmbeddingResponse:
        return self.embedding(model, input)


@pytest.fixture
def model() -> str:
    name = f"oracle_{uuid.uuid4().hex[:8]}"
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": Provider()}]
    custom_llm_setup()
    return f"{name}/m"


def _is_this_tests(kwargs: dict[str, Any], model: str) -> bool:
    """Whether a logged call is this test's: LiteLLM logs sync calls on its own threads, so a call an earlier
    test made may still reach the logger now."""
    return bool(kwargs.get("litellm_params", {}).get("custom_llm_provider") == model.split("/")[0])


async def _calls(model: str, logger: CustomLogger) -> None:
    """A sync and an async chat call and an async embedding, observed by ``logger`` alone."""
    litellm.logging_callback_manager._reset_all_callbacks()
    litellm.callbacks = [logger]
    messages = [{"role": "user", "content": "secret words"}]
    await asyncio.to_thread(litellm.completion, model=model, messages=messages)
    await litellm.acompletion(model=model, messages=messages)
    await litellm.aembedding(model=model, input=["secret words"])
    await drain_litellm_logging()
    await asyncio.sleep(0.3)  # LiteLLM logs sync calls on its own threads
    litellm.logging_callback_manager._reset_all_callbacks()


def _positional_logger(base: type[CustomLogger], model: str) -> type[CustomLogger]:
    class Redacting(base):  # type: ignore[valid-type,misc]
        """Passes CustomLogger's ``turn_off_message_logging`` positionally, as its signature allows."""

        def __init__(self) -> None:
            super().__init__(True)
            self.messages: list[str] = []

        async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            self.messages.append(str(kwargs["standard_logging_object"]["messages"]))

        def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            if _is_this_tests(kwargs, model):
                self.messages.append(str(kwargs["standard_logging_object"]["messages"]))

    return Redacting


async def test_constructor_arguments_passed_positionally_work_as_on_litellms_class(model: str) -> None:
    seen = {}
    for flavour, base in BASES.items():
        logger = _positional_logger(base, model)()
        await _calls(model, logger)
        seen[flavour] = (logger.turn_off_message_logging, sorted(logger.messages))  # type: ignore[attr-defined]
    assert seen["ours"] == seen["litellm"]
    assert seen["litellm"][0] is True
    assert len(seen["litellm"][1]) == 3


def _call_types_logger(base: type[CustomLogger], model: str) -> type[CustomLogger]:
    class CallTypeCounter(base):  # type: ignore[valid-type,misc]
        """Keeps its own list named ``call_types`` (LiteLLM's CustomLogger has no such attribute)."""

        def __init__(self) -> None:
            self.call_types: list[str] = []

        async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            self.call_types.append(kwargs["call_type"])

        def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            if _is_this_tests(kwargs, model):
                self.call_types.append(kwargs["call_type"])

    return CallTypeCounter


async def test_an_own_attribute_named_call_types_does_not_silence_the_logger(model: str) -> None:
    seen = {}
    for flavour, base in BASES.items():
        logger = _call_types_logger(base, model)()
        await _calls(model, logger)
        seen[flavour] = sorted(logger.call_types)  # type: ignore[attr-defined]
    assert seen["ours"] == seen["litellm"] == ["acompletion", "aembedding", "completion"]


def _legacy_logger(base: type[CustomLogger], model: str) -> type[CustomLogger]:
    class Legacy(base):  # type: ignore[valid-type,misc]
        """Overrides ``log_event`` with an older release's signature (no ``callback_func``)."""

        def __init__(self) -> None:
            self.events: list[str] = []

        def log_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any, print_verbose: Any) -> None:
            if _is_this_tests(kwargs, model):
                self.events.append("log_event")

        def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            if _is_this_tests(kwargs, model):
                self.events.append(f"log_success_event:{kwargs['call_type']}")

        async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            if _is_this_tests(kwargs, model):
                self.events.append(f"async_log_success_event:{kwargs['call_type']}")

    return Legacy


async def test_an_old_style_log_event_override_is_accepted_as_on_litellms_class(model: str) -> None:
    seen = {}
    for flavour, base in BASES.items():
        logger = _legacy_logger(base, model)()
        await _calls(model, logger)
        seen[flavour] = sorted(logger.events)  # type: ignore[attr-defined]
    assert seen["ours"] == seen["litellm"]
    assert "log_success_event:completion" in seen["litellm"]


def _renamed_parameters_logger(base: type[CustomLogger]) -> type[CustomLogger]:
    class RenamedParameters(base):  # type: ignore[valid-type,misc]
        """Names the parameters of the hooks LiteLLM calls positionally its own way."""

        def __init__(self) -> None:
            self.events: list[str] = []

        async def async_pre_call_deployment_hook(self, data: dict[str, Any], kind: Any) -> None:
            self.events.append("deployment request")

        async def async_post_call_success_deployment_hook(self, data: dict[str, Any], reply: Any, kind: Any) -> None:
            self.events.append(f"deployment reply {type(reply).__name__}")

        async def async_post_call_failure_deployment_hook(self, data: Any, error: Exception, kind: Any) -> None:
            self.events.append(f"deployment failure {type(error).__name__}")

        async def async_pre_call_check(self, chosen: dict[str, Any], span: Any) -> None:
            self.events.append(f"check {chosen['model_name']}")

    return RenamedParameters


class _Refusing(Provider):
    async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        raise litellm.BadRequestError(message="refused", model=model, llm_provider="oracle")


async def test_hooks_litellm_calls_positionally_may_name_their_parameters_freely(model: str) -> None:
    name = f"oracle_{uuid.uuid4().hex[:8]}"
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": _Refusing()}]
    router = litellm.Router(model_list=[{"model_name": "group", "litellm_params": {"model": model}}])
    seen = {}
    for flavour, base in BASES.items():
        logger = _renamed_parameters_logger(base)()
        litellm.logging_callback_manager._reset_all_callbacks()
        litellm.callbacks = [logger]
        await router.acompletion(model="group", messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(litellm.BadRequestError):
            await litellm.acompletion(model=f"{name}/m", messages=[{"role": "user", "content": "hi"}])
        litellm.logging_callback_manager._reset_all_callbacks()
        seen[flavour] = logger.events  # type: ignore[attr-defined]
    assert seen["ours"] == seen["litellm"]
    assert {"check group", "deployment request"} <= set(seen["litellm"])
    # The failure deployment hook is called by newer releases only (not by 1.84): compared above where it is.


class _Marker(BaseCustomLogger):
    """Replaces the messages of every request it is applied to; declared for embeddings only."""

    call_types: ClassVar[frozenset[CallType]] = frozenset({"embedding"})

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any]:
        data["messages"] = [{"role": "user", "content": "marked"}]
        return data


@pytest.mark.parametrize("declared", [{"completion"}, ["completion"], ("completion",), frozenset({"completion"})])
async def test_call_types_set_on_an_instance_as_our_names_still_declare(model: str, declared: Any) -> None:
    """The other side of an author's own ``call_types``: a set, list or tuple of our call type names set on the
    instance is a declaration (honoured), never mistaken for the author's data (a filter silently skipped)."""
    marker = _Marker()
    marker.call_types = declared  # type: ignore[misc]
    litellm.callbacks = [marker]
    seen: list[Any] = []

    class Recorder(CustomLLM):
        async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
            seen.append(messages[0]["content"])
            return ModelResponse(model=model)

    name = f"oracle_{uuid.uuid4().hex[:8]}"
    litellm.custom_provider_map = [*litellm.custom_provider_map, {"provider": name, "custom_handler": Recorder()}]
    custom_llm_setup()
    await litellm.acompletion(model=f"{name}/m", messages=[{"role": "user", "content": "plain"}])
    assert seen == ["marked"]


def _bare_logger(base: type[CustomLogger]) -> type[CustomLogger]:
    class Bare(base):  # type: ignore[valid-type,misc]
        """No hook of its own: LiteLLM's tests patch hooks onto such a handler."""

    return Bare


def _hooks_set_in_init(base: type[CustomLogger], model: str, tag: str) -> type[CustomLogger]:
    class PicksItsHooks(base):  # type: ignore[valid-type,misc]
        """Writes one outcome hook in the class and sets the others on itself when it is built."""

        def __init__(self) -> None:
            super().__init__()
            self.events: list[str] = []
            self.log_pre_api_call = lambda model, messages, kwargs: (
                self.events.append("pre_api_call") if tag in str(model) else None
            )
            self.async_log_success_event = self._record_async

        async def _record_async(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            if _is_this_tests(kwargs, model):
                self.events.append(f"async success {kwargs['call_type']}")

        def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            if _is_this_tests(kwargs, model):
                self.events.append(f"success {kwargs['call_type']}")

    return PicksItsHooks


async def test_hooks_set_on_the_instance_are_called_as_on_litellms_class(model: str) -> None:
    """A logger that picks its hooks when it is built (an input hook LiteLLM calls for its own providers)."""
    seen = {}
    tag = f"oracle-{uuid.uuid4().hex[:8]}"
    for flavour, base in BASES.items():
        logger = _hooks_set_in_init(base, model, tag)()
        await _calls(model, logger)
        litellm.callbacks = [logger]
        await litellm.acompletion(
            model=f"openai/{tag}", messages=[{"role": "user", "content": "hi"}], mock_response="x"
        )
        await drain_litellm_logging()
        litellm.logging_callback_manager._reset_all_callbacks()
        seen[flavour] = sorted(logger.events)  # type: ignore[attr-defined]
    assert seen["ours"] == seen["litellm"]
    assert {"pre_api_call", "success completion", "async success acompletion"} <= set(seen["litellm"])


async def test_a_hook_patched_onto_a_logger_is_called_as_on_litellms_class(model: str) -> None:
    """``patch.object(handler, "async_log_success_event", AsyncMock())``, also after the logger's first call."""
    seen = {}
    for flavour, base in BASES.items():
        logger = _bare_logger(base)()
        events: list[str] = []

        async def record(
            kwargs: Any, response_obj: Any, start_time: Any, end_time: Any, into: list[str] = events
        ) -> None:
            if _is_this_tests(kwargs, model):
                into.append(f"{kwargs['call_type']} {kwargs['messages'][0]['content']}")

        litellm.callbacks = [logger]
        await litellm.acompletion(model=model, messages=[{"role": "user", "content": "before"}])
        await drain_litellm_logging()
        with patch.object(logger, "async_log_success_event", new=record):
            await litellm.acompletion(model=model, messages=[{"role": "user", "content": "while"}])
            await drain_litellm_logging()
        await litellm.acompletion(model=model, messages=[{"role": "user", "content": "after"}])
        await drain_litellm_logging()
        litellm.logging_callback_manager._reset_all_callbacks()
        seen[flavour] = events
    assert seen["ours"] == seen["litellm"] == ["acompletion while"]


async def test_a_per_call_logger_with_hooks_of_its_own_stops_when_the_lists_are_reset(model: str) -> None:
    """``callbacks=[h]`` once, then LiteLLM's lists emptied by assignment: h is called no more, as on LiteLLM's
    class (the engine had listed it again, and hooks set on an instance are called directly by LiteLLM)."""
    tag = f"oracle-{uuid.uuid4().hex[:8]}"
    seen = {}
    for flavour, base in BASES.items():
        logger = _hooks_set_in_init(base, model, tag)()
        await litellm.acompletion(model=model, messages=[{"role": "user", "content": "named"}], callbacks=[logger])
        await drain_litellm_logging()
        for name in ("callbacks", "success_callback", "_async_success_callback", "input_callback"):
            setattr(litellm, name, [])
        litellm.failure_callback, litellm._async_failure_callback = [], []
        before = len(logger.events)  # type: ignore[attr-defined]
        await litellm.acompletion(model=model, messages=[{"role": "user", "content": "not named"}])
        await drain_litellm_logging()
        seen[flavour] = (before, logger.events[before:])  # type: ignore[attr-defined]
    assert seen["ours"] == seen["litellm"] == (1, [])
