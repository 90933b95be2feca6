"""A call an interceptor refused, reported to LiteLLM's observers as a failed call, where LiteLLM logs nothing.

The engine runs request hooks before LiteLLM starts an SDK call, so LiteLLM never hears of a call they refuse; a
stream an interceptor ends before LiteLLM's stream has ended is never logged either; and LiteLLM's proxy logs
a refusal only when it is one of its own exception types. Without this, no observer (a ``RequestLogger``,
Langfuse, a plain ``CustomLogger``) would record such a call. Each is reported through LiteLLM's own logging
object, so every observer gets the failure event it gets for any failed call, once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import logging
import traceback
import uuid
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future, InvalidStateError
from contextvars import Context, ContextVar
from typing import Any, NamedTuple

import litellm
from litellm import constants
from litellm import utils as litellm_utils
from litellm.utils import Rules, function_setup

__all__ = [
    "HOLDING_SUCCESS_LOGS",
    "HeldSuccessLogs",
    "hold_success_log",
    "hold_sync_success_logs",
    "logged_call_type",
    "logged_elsewhere",
    "proxy_stream_cut_short",
    "proxy_stream_ended",
    "report_proxy_refusal",
    "report_refused_request",
    "report_refused_request_sync",
    "report_refused_stream",
    "report_refused_stream_sync",
    "stop_holding_sync_success_logs",
    "success_log_withheld",
    "watch_proxy_stream",
]

logger = logging.getLogger("litellm_plugin.core")

# 1.84 does not take the keyword (its ``function_setup`` reads every call the same way).
_TAKES_IS_ASYNC = "is_async_call" in inspect.signature(function_setup).parameters
# Recent releases mark a failure logged for a call that never reached a provider, so that tracing callbacks
# open no span for it (the proxy sets it for the requests it refuses).
_NO_UPSTREAM_CALL: str | None = getattr(constants, "LITELLM_LOGGING_NO_UPSTREAM_LLM_CALL", None)


# LiteLLM's name for each kind of call (its ``CallTypes``), sync and async: what its own entry points log, and what
# observers read from ``call_type``. The function called may be named otherwise (a Router's per-instance
# ``async_wrapper``, ``anthropic_interface.messages.create``); LiteLLM logs an Anthropic Messages call under one name.
_LOGGED_CALL_TYPES: dict[str, tuple[str, str]] = {
    "completion": ("completion", "acompletion"),
    "embedding": ("embedding", "aembedding"),
    "image_generation": ("image_generation", "aimage_generation"),
    "text_completion": ("text_completion", "atext_completion"),
    "responses": ("responses", "aresponses"),
    "anthropic_messages": ("anthropic_messages", "anthropic_messages"),
}


def logged_call_type(call_type: str, *, is_async: bool) -> str:
    """What LiteLLM's logging calls a call of ``call_type`` (one of ours, or the LiteLLM function name the engine
    uses for an entry point it cannot read, which is LiteLLM's name already)."""
    names = _LOGGED_CALL_TYPES.get(call_type)
    return call_type if names is None else names[is_async]


def _logging_for(entry_point: str, data: dict[str, Any], *, is_async: bool, existing: Any = None) -> Any:
    """LiteLLM's logging object for the refused call: ``existing`` (the proxy makes one per request before its
    hooks run), or one made as LiteLLM makes it for a call it starts."""
    call = dict(data)  # LiteLLM takes ``callbacks`` out of what it is given
    call.setdefault("litellm_call_id", getattr(existing, "litellm_call_id", None) or str(uuid.uuid4()))
    if existing is not None:
        logging_obj = existing
    else:
        if _TAKES_IS_ASYNC:
            call["is_async_call"] = is_async
        logging_obj, _ = function_setup(entry_point, Rules(), dt.datetime.now(), **call)
    metadata = data.get("metadata")
    model, provider = _model_and_provider(data)
    logging_obj.update_environment_variables(
        model=model,
        user=data.get("user"),
        optional_params={},
        litellm_params={
            "metadata": metadata if isinstance(metadata, dict) else {},
            "litellm_call_id": call["litellm_call_id"],
            "custom_llm_provider": provider,
            # What LiteLLM sets on an async call: its failure reaches the async observer hooks only.
            **({_async_flag(entry_point): True} if is_async else {}),
        },
        custom_llm_provider=provider,
    )
    if _NO_UPSTREAM_CALL is not None:
        logging_obj.model_call_details[_NO_UPSTREAM_CALL] = True
    return logging_obj


def _async_flag(entry_point: str) -> str:
    return "aembedding" if "embedding" in entry_point else "acompletion"


def _model_and_provider(data: dict[str, Any]) -> tuple[Any, str | None]:
    """The model and provider as LiteLLM logs a call it made ("echo/x" -> "x", "echo"); a Router's model group
    name, or a model LiteLLM cannot route, as given."""
    model = data.get("model")
    given = data.get("custom_llm_provider")
    if not isinstance(model, str):
        return model, given if isinstance(given, str) else None
    try:
        routed, provider, *_ = litellm.get_llm_provider(
            model=model, custom_llm_provider=given if isinstance(given, str) else None
        )
    except Exception:  # the call's own error, had it been made: not ours to raise here
        return model, given if isinstance(given, str) else None
    return routed, provider


def _run_sync_handler(make_logging: Callable[[], Any], error: Exception, what: str) -> Any:
    """The logging object with its sync failure handler run (as LiteLLM runs it for a failed call: inline), or
    None if it could not be had."""
    try:
        logging_obj = make_logging()
        if logging_obj is None:
            return None
        _not_against_the_deployment(logging_obj)
        logging_obj.failure_handler(error, _traceback(error))
    except Exception:  # reporting must never replace the refusal the caller is about to get
        logger.warning("could not report the refused %s to LiteLLM's observers", what, exc_info=True)
        return None
    return logging_obj


async def _run_handlers(make_logging: Callable[[], Any], error: Exception, what: str) -> None:
    """The sync failure handler, then the async one, as LiteLLM runs them for a failed async call."""
    logging_obj = _run_sync_handler(make_logging, error, what)
    if logging_obj is None:
        return
    try:
        await logging_obj.async_failure_handler(error, _traceback(error))
    except Exception:
        logger.warning("could not report the refused %s to LiteLLM's observers", what, exc_info=True)


def _not_against_the_deployment(logging_obj: Any) -> None:
    """A refusal is about the call's text, not the health of the deployment that served it, but a Router counts a
    failure event naming a deployment (``litellm_params.model_info``) against it, and takes it out after a few. The
    call is over: its failure event names none (the model and provider stay)."""
    params = getattr(logging_obj, "litellm_params", None)
    if isinstance(params, dict):
        params.pop("model_info", None)
    details = getattr(logging_obj, "model_call_details", None)
    params = details.get("litellm_params") if isinstance(details, dict) else None
    if isinstance(params, dict):
        params.pop("model_info", None)


def _traceback(error: Exception) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def report_refused_request_sync(entry_point: str, data: dict[str, Any], error: Exception) -> None:
    """Report a sync call's refusal (``entry_point``: the LiteLLM function called, ``data``: its arguments)."""
    _run_sync_handler(lambda: _logging_for(entry_point, data, is_async=False), error, f"{entry_point} call")


async def report_refused_request(entry_point: str, data: dict[str, Any], error: Exception) -> None:
    """Report an async call's refusal."""
    await _run_handlers(lambda: _logging_for(entry_point, data, is_async=True), error, f"{entry_point} call")


# A stream an interceptor ends with an error before LiteLLM's stream has ended: LiteLLM logs a stream when it is
# read to its end (or fails itself), so it would log nothing. Its stream carries the call's logging object.


def _stream_logging(stream: Any) -> Any:
    logging_obj = getattr(stream, "logging_obj", None)
    return logging_obj if callable(getattr(logging_obj, "failure_handler", None)) else None


def report_refused_stream_sync(stream: Any, error: Exception) -> None:
    _run_sync_handler(lambda: _stream_logging(stream), error, "stream")


async def report_refused_stream(stream: Any, error: Exception) -> None:
    await _run_handlers(lambda: _stream_logging(stream), error, "stream")


# A whole reply an interceptor refuses: LiteLLM logs a call's success as its call returns, before the engine's
# reply hooks run. For a call with reply interceptors the engine has LiteLLM hold that log back, then lets it go,
# or reports the refusal as the call's failure with the same logging object, as LiteLLM's proxy does. An async
# call's log is held by the flag that proxy sets while its post_call guardrails run; a sync call's, which LiteLLM
# hands to its logging thread pool as the call returns, by that pool handing it here instead (see
# ``hold_sync_success_logs``).


class HeldSuccessLogs:
    """The success logs of the calls LiteLLM makes for one engine call, held back until its reply hooks have run.
    Once released or refused it holds nothing more (a task LiteLLM started meanwhile keeps it in its context)."""

    __slots__ = ("_logging_objs", "_open", "_seen", "_submissions")

    def __init__(self) -> None:
        self._logging_objs: list[Any] = []
        self._open = True
        self._seen: object = None  # the last ``kwargs`` read: LiteLLM hands the same to each interceptor
        self._submissions: list[_Submission] = []

    def hold(self, kwargs: dict[str, Any]) -> None:
        """The call LiteLLM made with ``kwargs``, whose reply it is about to log (its logging object is in them)."""
        if kwargs is self._seen or not self._open:
            return
        self._seen = kwargs
        logging_obj = kwargs.get("litellm_logging_obj")
        held = self._logging_objs
        if logging_obj is None or kwargs.get("stream") is True or (held and any(logging_obj is o for o in held)):
            return  # a stream is logged when it is read to its end (see ``report_refused_stream``)
        # LiteLLM 1.84 has the attributes, later releases the same names as properties.
        if getattr(logging_obj, "_defer_async_logging", True) is not False:
            return  # a LiteLLM without the flag, or one its proxy already holds back
        logging_obj._defer_async_logging = True
        held.append(logging_obj)

    def hold_submission(
        self, submit: Callable[..., Any], fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Future[Any] | None:
        """A sync call's success log as LiteLLM hands it to its logging thread pool (``submit(context.run,
        logging_obj.success_handler, reply, start, end)``): held, and a future that follows the pool's in its
        place. None if it is something else, or nothing is held any more."""
        if not self._open or _success_logged_by(fn, args) is None:
            return None
        stand_in: Future[Any] = Future()
        self._submissions.append(_Submission(submit, stand_in, fn, args, kwargs))
        return stand_in

    def release(self) -> None:
        """The call ended without a refusal: each held success log goes out, as LiteLLM would have sent it."""
        self._open = False
        while self._logging_objs:
            logging_obj = self._logging_objs.pop()
            enqueue = _take_held_log(logging_obj)
            try:
                if enqueue is not None:
                    enqueue()  # before the flag goes: recent releases run the sync observers here while it is set
            except Exception:
                logger.warning("could not release a held success log to LiteLLM's observers", exc_info=True)
            finally:
                logging_obj._defer_async_logging = False
        submissions, self._submissions = self._submissions, []
        if not submissions:
            return
        # One pool task, running them in the order LiteLLM handed them in: a bridged call (a Responses call
        # LiteLLM serves with ``completion``) hands in two for one logging object, whose "logged already" check
        # two threads running them at once would both pass (the call logged twice).
        try:
            future = submissions[0].submit(_run_in_order, submissions)
        except Exception:
            future = None
            logger.warning("could not release a held success log to LiteLLM's observers", exc_info=True)
        if not isinstance(future, Future):  # the pool refused it (or is shut down): no log will come
            for submission in submissions:
                submission.stand_in.cancel()

    async def refuse(self, error: Exception) -> None:
        """A reply hook refused the reply (or failed closed): each held success log is dropped, and the refusal is
        the call's failure, reported with the call's own logging object (once, however many logs it held)."""
        refused = self._drop_submissions()
        while self._logging_objs:
            logging_obj = self._logging_objs.pop()
            enqueue = _take_held_log(logging_obj)
            logging_obj._defer_async_logging = False
            if enqueue is not None and not any(logging_obj is o for o in refused):
                refused.append(logging_obj)
        for logging_obj in refused:
            await _report_failure(logging_obj, error, "reply")

    def refuse_sync(self, error: Exception) -> None:
        """``refuse`` for a sync call: its failure is logged inline, as LiteLLM logs a sync call's failure."""
        for logging_obj in self._drop_submissions():
            _report_failure_sync(logging_obj, error, "reply")

    def _drop_submissions(self) -> list[Any]:
        """Closes the holder and drops the held submissions: the logging objects they were for, each once."""
        self._open = False
        dropped: list[Any] = []
        submissions, self._submissions = self._submissions, []
        for submission in submissions:
            submission.stand_in.cancel()
            logging_obj = _success_logged_by(submission.fn, submission.args)
            if not any(logging_obj is o for o in dropped):
                dropped.append(logging_obj)
        return dropped


class _Submission(NamedTuple):
    submit: Callable[..., Any]
    stand_in: Future[Any]
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def _run_in_order(submissions: list[_Submission]) -> None:
    """Each held submission in turn, as the pool would have run it; its stand-in ends as it does (unless whoever
    held the stand-in cancelled it: the log still goes out)."""
    for submission in submissions:
        stand_in = submission.stand_in
        try:
            result = submission.fn(*submission.args, **submission.kwargs)
        except BaseException as error:  # the pool would keep it in the future, as this does
            with contextlib.suppress(InvalidStateError):  # cancelled meanwhile
                stand_in.set_exception(error)
        else:
            with contextlib.suppress(InvalidStateError):
                stand_in.set_result(result)


def _success_logged_by(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """The logging object whose success handler this submission to LiteLLM's logging pool runs, or None."""
    if not (args and isinstance(getattr(fn, "__self__", None), Context)):
        return None
    handler = args[0]
    logging_obj = getattr(handler, "__self__", None)
    if getattr(handler, "__name__", None) != "success_handler" or not callable(
        getattr(logging_obj, "failure_handler", None)
    ):
        return None
    return logging_obj


# Where the calls LiteLLM makes are held (None: nowhere). Set around a call by the engine, read from LiteLLM's
# post-call success deployment hook, which it calls for each interceptor of ours in ``litellm.callbacks`` after an
# async call, before it logs the call's success, and from LiteLLM's logging thread pool (sync calls).
HOLDING_SUCCESS_LOGS: ContextVar[HeldSuccessLogs | None] = ContextVar(
    "litellm_plugin_holding_success_logs", default=None
)


def hold_success_log(request_data: object) -> None:
    """LiteLLM is about to log the success of the call made with ``request_data`` (its post-call deployment
    hooks run first): held back, if the engine holds this call's logs for its reply hooks."""
    held = HOLDING_SUCCESS_LOGS.get()
    if held is not None and isinstance(request_data, dict):
        held.hold(request_data)


def _logging_pool() -> Any:
    """The thread pool LiteLLM's sync calls hand their success logs to, as they look it up (None: no such pool)."""
    pool = getattr(litellm_utils, "executor", None)
    return pool if callable(getattr(pool, "submit", None)) and hasattr(pool, "__dict__") else None


_HOLDS_MARK = "_litellm_plugin_holds_success_logs"


def hold_sync_success_logs() -> None:
    """Have LiteLLM's logging thread pool hand a sync call's success log to the call's holder, if the engine holds
    its logs (idempotent). Anything else submitted there, and every call the engine holds nothing for, costs one
    context variable read."""
    pool = _logging_pool()
    if pool is None or getattr(pool.submit, _HOLDS_MARK, False):
        return
    original: Callable[..., Any] = pool.submit

    def submit(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        held = HOLDING_SUCCESS_LOGS.get()
        if held is not None:
            stand_in = held.hold_submission(original, fn, args, kwargs)
            if stand_in is not None:
                return stand_in
        return original(fn, *args, **kwargs)

    setattr(submit, _HOLDS_MARK, True)
    pool.submit = submit


def stop_holding_sync_success_logs() -> None:
    pool = _logging_pool()
    if pool is not None and getattr(vars(pool).get("submit"), _HOLDS_MARK, False):
        del pool.submit


def _take_held_log(logging_obj: Any) -> Callable[[], None] | None:
    """What logs ``logging_obj``'s held success (None if LiteLLM logged nothing there); it is held no longer."""
    enqueue: Callable[[], None] | None = getattr(logging_obj, "_enqueue_deferred_logging", None)
    logging_obj._enqueue_deferred_logging = None
    return enqueue


async def _report_failure(logging_obj: Any, error: Exception, what: str) -> None:
    await _run_handlers(lambda: logging_obj, error, what)


def _report_failure_sync(logging_obj: Any, error: Exception, what: str) -> None:
    _run_sync_handler(lambda: logging_obj, error, what)


# Through the proxy, the proxy runs the request hooks and logs a refusal only when it is one of its own exception
# types (``HTTPException``, ``ProxyException``, ``GuardrailRaisedException``; what a hook's string result becomes).
# Ours (``InterceptorRejectedError`` is a ``litellm.BadRequestError``, a crash an ``InterceptorError``) it does not.
_LOGGED_ELSEWHERE: ContextVar[bool] = ContextVar("litellm_plugin_refusal_logged_elsewhere", default=False)


@contextlib.contextmanager
def logged_elsewhere() -> Iterator[None]:
    """Request hooks run here whose refusal LiteLLM logs itself (a deployment hook, inside LiteLLM's call) or
    that belong to no call (the proxy's token counting): nothing to report."""
    token = _LOGGED_ELSEWHERE.set(True)
    try:
        yield
    finally:
        _LOGGED_ELSEWHERE.reset(token)


def _logged_by_proxy(error: Exception) -> bool:
    from fastapi import HTTPException  # a proxy request: the proxy's dependencies are there
    from litellm.proxy._types import ProxyException

    guardrail_raised: Any = getattr(litellm.exceptions, "GuardrailRaisedException", None)
    return isinstance(error, (HTTPException, ProxyException)) or (
        isinstance(guardrail_raised, type) and isinstance(error, guardrail_raised)
    )


# A proxy stream: LiteLLM logs it when its stream is read to its end (or fails itself). A reply interceptor that
# ends it with an error before that leaves it unlogged, and the proxy logs no refusal of ours. The first of our
# stream hooks reads LiteLLM's own stream, and notes here whether it ended, for whichever hook refuses.
_PROXY_STREAMS: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def watch_proxy_stream(source: Any) -> Any:
    """The logging object of ``source`` if it is LiteLLM's stream (else None), noted as not ended yet."""
    logging_obj = getattr(source, "logging_obj", None)
    if not callable(getattr(logging_obj, "failure_handler", None)):
        return None
    with contextlib.suppress(TypeError):
        _PROXY_STREAMS.setdefault(logging_obj, False)
        return logging_obj
    return None


def proxy_stream_ended(logging_obj: Any) -> None:
    if logging_obj is not None:
        _PROXY_STREAMS[logging_obj] = True


def proxy_stream_cut_short(data: dict[str, Any]) -> bool:
    """Whether LiteLLM's stream for this proxy request was seen and has not ended: then nobody logs the call. Not
    seen (no hook of ours read it) counts as not cut short, so a call is never logged twice."""
    logging_obj = data.get("litellm_logging_obj")
    try:
        return _PROXY_STREAMS.get(logging_obj) is False
    except TypeError:
        return False


def success_log_withheld(data: dict[str, Any]) -> bool:
    """Whether the proxy holds this request's success log back until its post_call guardrails have run (it does
    when one is configured): it drops that log when a reply hook refuses, and writes a failure for its own
    exception types only, so a refusal of ours would be logged by no one."""
    logging_obj = data.get("litellm_logging_obj")
    return callable(getattr(logging_obj, "enqueue_deferred_logging", None))


async def report_proxy_refusal(data: dict[str, Any], call_type: Any, error: Exception) -> None:
    """A proxy request an interceptor refused (its request, reply or stream hook, or the engine before the call),
    reported with the proxy's logging object for it, as the proxy reports the refusals it logs."""
    if _LOGGED_ELSEWHERE.get():
        return
    try:
        if _logged_by_proxy(error):
            return
    except ImportError:  # not LiteLLM's proxy after all
        return
    entry_point = str(getattr(call_type, "value", call_type))
    existing = data.get("litellm_logging_obj")
    if not callable(getattr(existing, "failure_handler", None)):
        existing = None
    await _run_handlers(
        lambda: _logging_for(entry_point, data, is_async=True, existing=existing), error, f"proxy {entry_point} request"
    )
