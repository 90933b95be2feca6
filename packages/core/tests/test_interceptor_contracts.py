"""Interceptor mistakes are reported when the class is defined, with the fix (issue 12, item 7)."""

from __future__ import annotations

import asyncio
import functools
import inspect
import warnings
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import litellm
import pytest
from litellm.integrations.custom_logger import CustomLogger
from litellm.types.utils import ModelResponse

from litellm_plugin.core import (
    BaseCustomLogger,
    BaseCustomProvider,
    InterceptorContractError,
    InterceptorDefinitionError,
    InterceptorDefinitionWarning,
    InterceptorError,
    TextTransform,
)
from litellm_plugin.core.testing.settle import drain_litellm_logging

Route = Callable[[Any], str]  # the ``route`` fixture from conftest
USER: list[Any] = [{"role": "user", "content": "hi"}]


def test_plain_def_where_litellm_awaits() -> None:
    with pytest.raises(InterceptorDefinitionError, match=r"async_pre_call_hook is written as plain `def`.*async def"):

        class Sync(BaseCustomLogger):
            def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
                return data


def test_async_def_where_litellm_does_not_await() -> None:
    with pytest.raises(
        InterceptorDefinitionError, match=r"log_success_event is written as `async def`.*async_log_success_event"
    ):

        class Async(BaseCustomLogger):
            async def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:  # type: ignore[override]
                return None


def test_stream_iterator_hook_must_yield() -> None:
    with pytest.raises(InterceptorDefinitionError, match=r"async_post_call_streaming_iterator_hook.*yields each chunk"):

        class NoYield(BaseCustomLogger):
            async def async_post_call_streaming_iterator_hook(  # type: ignore[override]
                self, user_api_key_dict: Any, response: Any, request_data: Any
            ) -> Any:
                return response


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("self, data", r"LiteLLM passes user_api_key_dict, cache, call_type by name"),
        ("self, user_api_key_dict, cache, request, call_type", r"passes data by name.*requires request"),
        ("self, user_api_key_dict, cache, data, call_type, tenant", r"requires tenant, which LiteLLM never passes"),
    ],
)
def test_wrong_signature(signature: str, message: str) -> None:
    namespace: dict[str, Any] = {}
    exec(f"async def async_pre_call_hook({signature}):\n    return None", namespace)
    with pytest.raises(InterceptorDefinitionError, match=message) as caught:
        type("Wrong", (BaseCustomLogger,), {"async_pre_call_hook": namespace["async_pre_call_hook"]})
    assert "Write it as async_pre_call_hook(self, user_api_key_dict, cache, data, call_type)" in str(caught.value)


def test_kwargs_and_defaults_are_accepted() -> None:
    class Flexible(BaseCustomLogger):
        async def async_pre_call_hook(self, *args: Any, **kwargs: Any) -> Any:
            return None

        async def async_log_success_event(
            self, kwargs: Any, response_obj: Any, *rest: Any, extra: int = 0, **more: Any
        ) -> None:
            return None

    assert Flexible is not None


def test_misspelt_hook_warns_at_the_class_definition() -> None:
    with pytest.warns(
        InterceptorDefinitionWarning, match=r"async_pre_call_hooks is not a LiteLLM hook.*async_pre_call_hook\?"
    ) as caught:

        class Typo(BaseCustomLogger):
            async def async_pre_call_hooks(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
                return data

    # Only ours: a warning about an earlier test's objects (an unclosed event loop) may be collected meanwhile.
    ours = [warning for warning in caught if issubclass(warning.category, InterceptorDefinitionWarning)]
    assert [warning.filename for warning in ours] == [__file__]


def test_unrelated_helpers_do_not_warn() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", InterceptorDefinitionWarning)

        class Helpers(BaseCustomLogger):
            def redact(self, text: str) -> str:
                return text

            async def fetch_policy(self) -> None:
                return None

    assert Helpers is not None


def test_invalid_call_types_attribute() -> None:
    with pytest.raises(InterceptorDefinitionError, match=r"call_types: unknown call type 'chat'"):

        class Wrong(BaseCustomLogger):
            call_types = frozenset({"chat"})  # type: ignore[arg-type]


def test_a_call_types_attribute_set_to_none_is_refused_at_definition() -> None:
    """``None`` is not "every call type": refused where it is written, not with a TypeError on the first call."""
    with pytest.raises(InterceptorDefinitionError, match=r"Wrong.call_types: .*not NoneType"):

        class Wrong(BaseCustomLogger):
            call_types = None  # type: ignore[assignment]


def test_one_call_type_given_as_a_string_means_that_call_type() -> None:
    class ResponsesOnly(BaseCustomLogger):
        call_types = "aresponses"  # type: ignore[assignment]

    declared: object = ResponsesOnly.call_types  # a string in the class body, a set once defined
    assert declared == frozenset({"responses"})
    assert BaseCustomLogger(call_types="embedding").call_types == frozenset({"embedding"})
    with pytest.raises(ValueError, match=r"unknown call type 'all'"):
        BaseCustomLogger(call_types="all")
    with pytest.raises(TypeError, match=r"not int"):
        BaseCustomLogger(call_types=5)  # type: ignore[arg-type]


@pytest.mark.parametrize("empty", [[], (), set(), frozenset()], ids=["list", "tuple", "set", "frozenset"])
def test_no_call_types_is_refused_as_it_would_switch_the_interceptor_off(empty: Any) -> None:
    """An empty declaration handles no call: a filter built that way would let everything through, silently."""
    with pytest.raises(
        InterceptorDefinitionError, match=r"BaseCustomLogger\(call_types=...\): no call types"
    ) as refused:
        BaseCustomLogger(call_types=empty)
    assert isinstance(refused.value, ValueError)  # a bad value, as pydantic-validated settings report it
    with pytest.raises(InterceptorDefinitionError, match=r"Nothing.call_types: no call types"):

        class Nothing(BaseCustomLogger):
            call_types = empty


@pytest.mark.parametrize("value", [{"completion": 1}, b"completion"], ids=["dict", "bytes"])
def test_call_types_that_are_not_a_list_of_names_are_refused(value: Any) -> None:
    with pytest.raises(InterceptorDefinitionError, match=rf"not {type(value).__name__}"):
        BaseCustomLogger(call_types=value)


class Words(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return self.make_response(model, messages, "some words")


async def _read_reply(model: str, *, stream: bool) -> None:
    """One ``acompletion``, a stream read to its end."""
    response = await litellm.acompletion(model=model, messages=USER, stream=stream)
    if stream:
        async for _ in response:
            pass


class Upper(TextTransform):
    def transform(self, text: str) -> str:
        return text.upper()


@pytest.fixture(autouse=True)
def _clean_callbacks() -> Iterator[None]:
    litellm.logging_callback_manager._reset_all_callbacks()
    yield
    litellm.logging_callback_manager._reset_all_callbacks()


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (lambda: Upper, r"returned the class Upper; return an instance: Upper\(\)"),
        (lambda: "upper", r"returned a str; it must return a TextTransform instance or None"),
        (lambda: str.upper, r"returned a method_descriptor"),
    ],
)
@pytest.mark.parametrize("stream", [False, True], ids=["reply", "stream"])
async def test_response_transform_returning_a_non_transform(
    route: Route, returned: Callable[[], Any], message: str, stream: bool
) -> None:
    class Broken(BaseCustomLogger):
        def response_transform(self, request_data: dict[str, Any]) -> Any:
            return returned()

    litellm.callbacks = [Broken(fail_open=True)]  # a contract error fails the call even when fail_open
    with pytest.raises(
        InterceptorContractError, match=r"interceptor 'Broken' failed in response_transform: .*" + message
    ):
        await _read_reply(f"{route(Words)}/m", stream=stream)


async def test_response_transform_returning_a_transform_works(route: Route) -> None:
    class Fine(BaseCustomLogger):
        def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
            return Upper()

    litellm.callbacks = [Fine()]
    reply = await litellm.acompletion(model=f"{route(Words)}/m", messages=USER)
    assert reply.choices[0].message.content == "SOME WORDS"


class _SyncHookMixin:
    def async_post_call_success_hook(self, data: Any, user_api_key_dict: Any, response: Any) -> Any:
        return response


def test_hooks_from_a_mixin_are_checked_too() -> None:
    with pytest.raises(InterceptorDefinitionError, match=r"async_post_call_success_hook is written as plain `def`"):

        class FromMixin(_SyncHookMixin, BaseCustomLogger):
            pass


@pytest.mark.usefixtures("clean_callbacks")
def test_an_interceptor_class_in_litellm_callbacks_is_reported() -> None:
    """``litellm.callbacks = [MyFilter]`` (the class, not an instance) is never called: said, once per class,
    instead of leaving the filter silently off. LiteLLM's own loggers and instances are not warned about."""

    class Forgotten(BaseCustomLogger):
        async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
            return data

    litellm.callbacks = [Forgotten, CustomLogger()]
    messages = [{"role": "user", "content": "hi"}]
    with pytest.warns(InterceptorDefinitionWarning, match=r"holds the class Forgotten.*Forgotten\(\)"):
        litellm.completion(model="gpt-4o", messages=messages, mock_response="ok")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", InterceptorDefinitionWarning)
        litellm.completion(model="gpt-4o", messages=messages, mock_response="ok")  # once per class
        litellm.callbacks = [Forgotten(), CustomLogger()]
        litellm.completion(model="gpt-4o", messages=messages, mock_response="ok")


@pytest.mark.usefixtures("clean_callbacks")
def test_a_modifying_interceptor_in_an_observer_list_is_reported() -> None:
    """``litellm.success_callback = [MyModifier()]``: LiteLLM only calls observer hooks from there, so the
    changes never happen. Said once, naming the list; an observing logger there is fine and not reported."""

    class Modifying(BaseCustomLogger):
        async def async_post_call_success_hook(self, data: Any, user_api_key_dict: Any, response: Any) -> Any:
            return response

    class Observing(BaseCustomLogger):
        async def async_log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            return None

    import warnings

    messages = [{"role": "user", "content": "hi"}]
    litellm.callbacks = [Observing()]  # an interceptor of ours in the list: the engine takes part in the call
    litellm.success_callback = [Modifying(), Observing()]
    with pytest.warns(InterceptorDefinitionWarning, match=r"Modifying is in litellm.success_callback") as caught:
        litellm.completion(model="gpt-4o", messages=messages, mock_response="ok")
    assert not [w for w in caught if "Observing" in str(w.message)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", InterceptorDefinitionWarning)
        litellm.completion(model="gpt-4o", messages=messages, mock_response="ok")  # once


@pytest.mark.usefixtures("clean_callbacks")
def test_an_interceptor_removed_by_the_user_is_not_reported_as_listed_by_them() -> None:
    """The engine lists an observing interceptor of ``litellm.callbacks`` in LiteLLM's observer lists itself.
    Resetting one of them (as LiteLLM's own test fixtures do) and putting a new interceptor in
    ``litellm.callbacks`` must not blame the user for the old one, still in another list the engine keeps."""

    class Old(BaseCustomLogger):
        async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
            return data

        async def async_log_failure_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            return None

    class New(Old):
        pass

    import warnings

    messages = [{"role": "user", "content": "hi"}]
    litellm.callbacks = [Old()]
    litellm.completion(model="gpt-4o", messages=messages, mock_response="ok")
    litellm.success_callback = []
    litellm.callbacks = [New()]
    with warnings.catch_warnings():
        warnings.simplefilter("error", InterceptorDefinitionWarning)
        litellm.completion(model="gpt-4o", messages=messages, mock_response="ok")
    assert [type(c).__name__ for c in litellm.failure_callback if isinstance(c, Old)] == ["New"]


class _Upper(TextTransform):
    def transform(self, text: str) -> str:
        return text.upper()


class _Quiet(BaseCustomProvider):
    def completion(self, model: str, messages: list[Any], **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        return self.make_response(model, messages, "quiet reply")


def test_fail_open_as_a_string_class_attribute_is_refused_at_definition() -> None:
    """``fail_open = "false"`` is truthy: before, the interceptor silently failed open."""
    with pytest.raises(InterceptorDefinitionError, match=r"Guard\.fail_open must be True or False, not 'false'"):

        class Guard(BaseCustomLogger):
            fail_open = "false"  # type: ignore[assignment]


@pytest.mark.usefixtures("clean_callbacks")
def test_fail_open_set_to_a_string_on_the_instance_fails_closed(route: Route, caplog: pytest.LogCaptureFixture) -> None:
    class Guard(BaseCustomLogger):
        def __init__(self) -> None:
            super().__init__()
            self.fail_open = "false"  # type: ignore[assignment]

        async def async_pre_call_hook(
            self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
        ) -> Any:
            raise ValueError("the check is down")

    litellm.callbacks = [Guard()]
    with pytest.raises(InterceptorError, match="the check is down"):
        litellm.completion(model=f"{route(_Quiet)}/m", messages=USER)
    assert "neither True nor False: it fails closed" in caplog.text


@pytest.mark.parametrize(
    ("channels", "hint"), [({"text", "reasonning"}, "did you mean 'reasoning'"), (["txt"], "did you mean 'text'")]
)
def test_an_unknown_response_channel_is_refused_at_definition(channels: Any, hint: str) -> None:
    """Before, a misspelt kind was accepted, and the transform silently skipped the text it was meant for."""
    with pytest.raises(InterceptorDefinitionError, match=rf"Upper\.response_channels: unknown channel kind.*{hint}"):

        class Upper(BaseCustomLogger):
            response_channels = channels

            def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
                return _Upper()


@pytest.mark.usefixtures("clean_callbacks")
def test_response_channels_given_as_a_list_or_a_string_work(route: Route) -> None:
    class ListUpper(BaseCustomLogger):
        response_channels: ClassVar[Any] = ["text"]

        def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
            return _Upper()

    class StringUpper(ListUpper):
        response_channels: ClassVar[Any] = "text"

    for interceptor in (ListUpper(), StringUpper()):
        litellm.callbacks = [interceptor]
        reply: Any = litellm.completion(model=f"{route(_Quiet)}/m", messages=USER)
        assert reply.choices[0].message.content == "QUIET REPLY"


def test_a_misspelt_setting_is_reported_at_definition() -> None:
    with pytest.warns(
        InterceptorDefinitionWarning, match=r"Narrow\.call_type is not a setting.*did you mean call_types"
    ):

        class Narrow(BaseCustomLogger):
            call_type: ClassVar[list[str]] = ["embedding"]


def test_response_channels_given_to_the_constructor_are_checked_and_used() -> None:
    """Before, ``response_channels=`` went into CustomLogger's ``**kwargs`` and changed nothing."""

    class Upper(BaseCustomLogger):
        def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
            return _Upper()

    assert Upper(response_channels=["text", "reasoning"]).response_channels == frozenset({"text", "reasoning"})
    with pytest.raises(InterceptorDefinitionError, match=r"Upper\(response_channels=...\): unknown channel kind 'txt'"):
        Upper(response_channels="txt")


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (
            {"call_type": ["embedding"]},
            r"(Quiet|WithInit)\(call_type=\.\.\.\) is not an argument.*did you mean call_types\?",
        ),
        ({"callTypes": "embedding"}, r"did you mean call_types\?"),
        ({"fail_opn": True}, r"did you mean fail_open\?"),
        ({"checks_guardrail_rules": True}, r"changes nothing: checks_guardrail_rules is set as a class attribute"),
    ],
)
def test_a_misspelt_constructor_argument_is_reported(arguments: dict[str, Any], said: str) -> None:
    """LiteLLM's CustomLogger takes any keyword argument: before, ``Quiet(call_type=[...])`` silently left the
    interceptor on chat calls only."""

    class Quiet(BaseCustomLogger):
        pass

    class WithInit(Quiet):  # its own __init__, forwarding what it does not know
        def __init__(self, word: str = "", **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.word = word

    for make in (Quiet, WithInit):
        line = inspect.currentframe().f_lineno + 2  # type: ignore[union-attr]
        with pytest.warns(InterceptorDefinitionWarning, match=said) as caught:
            make(**arguments)
        # pointing at the line that built it, not at a subclass's super().__init__
        assert (caught[0].filename, caught[0].lineno) == (__file__, line)


def test_litellm_s_own_constructor_arguments_are_not_reported() -> None:
    class Quiet(BaseCustomLogger):
        pass

    with warnings.catch_warnings():
        warnings.simplefilter("error", InterceptorDefinitionWarning)
        Quiet(turn_off_message_logging=True, message_logging=False)


# --- what a TextTransform returns, and how it is written ------------------------------------------------


class _ForgotReturn(TextTransform):
    def transform(self, text: str) -> str:
        text.upper()  # no return
        return None  # type: ignore[return-value]


class _CountsChars(TextTransform):
    def transform(self, text: str) -> str:
        return len(text)  # type: ignore[return-value]


class _FlushNone(TextTransform):
    def flush(self) -> str:
        return None  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("transform", "message"),
    [
        (_ForgotReturn, r"returned a NoneType \(a missing `return`\?\); _ForgotReturn.transform must return"),
        (_CountsChars, r"returned a int; _CountsChars.transform must return the text to emit now, a str"),
        (_FlushNone, r"returned a NoneType \(a missing `return`\?\); _FlushNone.flush must return"),
    ],
)
@pytest.mark.parametrize("stream", [False, True], ids=["reply", "stream"])
async def test_a_transform_returning_no_text_fails_the_call_saying_so(
    route: Route, transform: type[TextTransform], message: str, stream: bool
) -> None:
    """On a stream its result went into each chunk as it was: a missing ``return`` emptied the reply, silently."""

    class Uses(BaseCustomLogger):
        def response_transform(self, request_data: dict[str, Any]) -> TextTransform | None:
            return transform()

    litellm.callbacks = [Uses(fail_open=True)]
    with pytest.raises(InterceptorContractError, match=message):
        await _read_reply(f"{route(Words)}/m", stream=stream)


@pytest.mark.parametrize("name", ["transform", "flush"])
def test_a_transform_method_written_async_or_as_a_generator_is_refused_at_definition(name: str) -> None:
    async def as_coroutine(self: Any, *args: Any) -> str:
        return ""

    def as_generator(self: Any, *args: Any) -> Any:
        yield ""

    for method, kind in ((as_coroutine, "an `async def`"), (as_generator, r"a generator \(`def` with `yield`\)")):
        with pytest.raises(InterceptorDefinitionError, match=rf"Broken.{name} is {kind}: .*write it as plain `def"):
            type("Broken", (TextTransform,), {name: method})


def test_a_transform_method_named_close_to_transform_is_reported() -> None:
    with pytest.warns(InterceptorDefinitionWarning, match=r"Redact.transfrom is never called; did you mean transform"):

        class Redact(TextTransform):
            def transfrom(self, text: str) -> str:
                return text.replace("secret", "***")


def test_an_observer_hook_written_as_a_generator_is_refused_at_definition() -> None:
    """A stray ``yield`` makes ``log_success_event`` a generator: LiteLLM calls it and never runs its body."""
    with pytest.raises(InterceptorDefinitionError, match=r"Audit.log_success_event is a generator.*remove the `yield`"):

        class Audit(BaseCustomLogger):
            def log_success_event(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> Any:
                yield


def test_bad_constructor_settings_are_definition_errors_naming_the_class() -> None:
    class Filter(BaseCustomLogger):
        async def async_pre_call_hook(
            self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
        ) -> Any:
            return data

    with pytest.raises(
        InterceptorDefinitionError, match=r"Filter\(call_types=...\): unknown call type 'chat'"
    ) as caught:
        Filter(call_types="chat")
    assert isinstance(caught.value, ValueError)  # what it was before, still caught as such
    with pytest.raises(InterceptorDefinitionError, match=r"Filter: fail_open must be True or False, not 'false'"):
        Filter(fail_open="false")  # type: ignore[arg-type]


def test_a_typo_in_a_rebased_guardrails_arguments_is_reported_not_left_to_switch_it_off() -> None:
    """LiteLLM's ``CustomGuardrail`` swallows ``defualt_on=True`` and never runs an ``event_hook`` it does not
    know: either leaves a guardrail off, silently."""
    from litellm.integrations.custom_guardrail import CustomGuardrail

    class NoPasswords(BaseCustomLogger, CustomGuardrail):
        async def async_pre_call_hook(
            self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
        ) -> Any:
            return data

    with pytest.warns(InterceptorDefinitionWarning, match=r"NoPasswords\(defualt_on=...\) .* did you mean default_on"):
        NoPasswords(guardrail_name="g", event_hook="pre_call", defualt_on=True)
    with pytest.raises(InterceptorDefinitionError, match=r"event_hook='precall'.*did you mean 'pre_call'") as caught:
        NoPasswords(guardrail_name="g", event_hook="precall", default_on=True)
    assert isinstance(caught.value, ValueError)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InterceptorDefinitionWarning)
        built = NoPasswords(guardrail_name="g", event_hook=["pre_call", "post_call"], default_on=True)
    assert built.default_on is True


@pytest.mark.parametrize("value", [None, "off", 0])
@pytest.mark.parametrize(
    ("hook", "how"),
    [
        ("async_pre_call_hook", "async def async_pre_call_hook"),
        ("log_success_event", "plain `def log_success_event"),
        ("response_transform", "plain `def response_transform"),
    ],
)
def test_a_hook_set_to_a_value_that_cannot_be_called_is_refused_at_definition(
    hook: str, how: str, value: object
) -> None:
    """``async_pre_call_hook = None`` (to switch a hook off) would fail every call with a bare TypeError."""
    with pytest.raises(InterceptorDefinitionError) as refused:
        type("SwitchedOff", (BaseCustomLogger,), {hook: value})
    message = str(refused.value)
    assert f"SwitchedOff.{hook} is set to {value!r}" in message
    assert f"Delete the assignment to keep the inherited {hook}" in message
    assert how in message


def test_a_staticmethod_hook_that_kept_self_is_told_to_drop_staticmethod() -> None:
    """Suggesting the signature with self, as written, would leave the author where they started."""
    with pytest.raises(InterceptorDefinitionError) as refused:

        class KeptSelf(BaseCustomLogger):
            @staticmethod
            async def async_pre_call_hook(  # type: ignore[override]
                self: Any, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any
            ) -> Any:
                return data

    message = str(refused.value)
    assert "is a @staticmethod, so LiteLLM calls it without self" in message
    assert "remove @staticmethod (or the self parameter)" in message
    assert "Write it as" not in message


@pytest.mark.parametrize(
    "signature",
    ["self, user_api_key_dict, cache, data, call_type, /", "self, user_api_key_dict, cache, data, /, call_type"],
)
def test_a_positional_only_hook_is_told_to_remove_the_slash(signature: str) -> None:
    namespace: dict[str, Any] = {}
    exec(f"async def async_pre_call_hook({signature}):\n    return None", namespace)
    with pytest.raises(InterceptorDefinitionError) as refused:
        type("Slashed", (BaseCustomLogger,), {"async_pre_call_hook": namespace["async_pre_call_hook"]})
    message = str(refused.value)
    assert "positional-only (before the `/`), but LiteLLM passes them by name: remove the `/`" in message
    assert "Write it as" not in message  # the signature it would suggest is the one written, without the `/`


class _PreHookObject:
    """A callable object used as a hook: Python calls it without the interceptor (no ``__get__``)."""

    async def __call__(self, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
        return {**data, "temperature": 0.25}


class _LogObject:
    def __init__(self) -> None:
        self.seen = 0

    async def __call__(self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
        self.seen += 1


def _descriptor_interceptors() -> list[Any]:
    """A request hook and an observer written as a property, a ``partialmethod`` and a callable object, as
    LiteLLM's own CustomLogger accepts them (it looks the name up on the instance)."""

    class AsProperty(BaseCustomLogger):
        seen = 0

        @property
        def async_pre_call_hook(self) -> Any:
            async def hook(user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
                return {**data, "temperature": 0.25}

            return hook

        @property
        def async_log_success_event(self) -> Any:
            async def hook(kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
                type(self).seen += 1

            return hook

    class AsPartial(BaseCustomLogger):
        seen = 0

        async def _pre(self, temperature: float, user_api_key_dict: Any, cache: Any, data: Any, call_type: Any) -> Any:
            return {**data, "temperature": temperature}

        async def _log(self, step: int, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            type(self).seen += step

        async_pre_call_hook = functools.partialmethod(_pre, 0.25)
        async_log_success_event = functools.partialmethod(_log, 1)

    logged = _LogObject()

    class AsObject(BaseCustomLogger):
        async_pre_call_hook = _PreHookObject()
        async_log_success_event = logged

        @property
        def seen(self) -> int:
            return logged.seen

    return [AsProperty, AsPartial, AsObject]


@pytest.mark.usefixtures("clean_callbacks")
@pytest.mark.parametrize("interceptor_class", _descriptor_interceptors(), ids=lambda cls: cls.__name__)
def test_hooks_written_as_a_property_a_partialmethod_or_a_callable_object_run(
    interceptor_class: Any, route: Route
) -> None:
    """They passed the definition checks, then failed every call (a modifying hook) or were never called (an
    observer): the guards called the class attribute with ``self``, as if it were a function."""
    sent: list[Any] = []

    class Recording(BaseCustomProvider):
        def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
            sent.append(kwargs.get("optional_params", {}).get("temperature"))
            return self.make_response(model, messages, "ok")

    interceptor = interceptor_class()
    litellm.callbacks = [interceptor]
    asyncio.run(_completion_then_logs(f"{route(Recording)}/m"))
    assert sent == [0.25]
    assert interceptor.seen == 1


async def _completion_then_logs(model: str) -> None:
    await litellm.acompletion(model=model, messages=USER)
    await drain_litellm_logging()


def test_a_classmethod_hook_without_cls_is_told_to_add_it() -> None:
    with pytest.raises(InterceptorDefinitionError) as refused:

        class NoCls(BaseCustomLogger):
            @classmethod
            async def async_log_success_event(kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:  # type: ignore[override]
                pass

    assert "it is a @classmethod, so its first parameter receives the class" in str(refused.value)
    assert "add cls before kwargs (or remove @classmethod)" in str(refused.value)

    class WithCls(BaseCustomLogger):  # the right form is accepted
        @classmethod
        async def async_log_success_event(cls, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:
            pass


def test_a_hook_without_self_is_told_to_add_it() -> None:
    with pytest.raises(InterceptorDefinitionError) as refused:

        class NoSelf(BaseCustomLogger):
            async def async_log_success_event(kwargs: Any, response_obj: Any, start_time: Any, end_time: Any) -> None:  # type: ignore[override]
                pass

    assert "add self as the first parameter, before kwargs (or make it a @staticmethod)" in str(refused.value)
