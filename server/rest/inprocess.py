"""In-process calls: the REST shim runs a method's registered handler itself, wrapped in
the same call rules as a gRPC call (server/api/interceptors.py), on the gRPC server's
worker pool - no channel, no second hop. A LocalContext stands in for grpc's
ServicerContext; the outcome is what a gRPC client would have seen: the response, or
an RpcError with the status code, message and google.rpc.Status details.

Handlers are synchronous and may block (database), so they never run on the event
loop. A stream is iterated on one worker thread from start to end (its PostgreSQL
named cursor lives in that thread's transaction) and handed to the loop in chunks
through a bounded Pipe; when the HTTP side leaves, the worker closes the stream there.

A call keeps the exact JSON numbers of its request and response beside the messages
(server/api/numbers.py): the worker runs with the ExactNumbers the transcoder left in
the calling task, or a fresh one.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import grpc
from google.protobuf.message import Message
from google.rpc import status_pb2

from server.api import numbers
from server.api.context import AbortedCall, LocalContext
from server.api.interceptors import CallChain
from server.domain.limits import MAX_MESSAGE_BYTES

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 60.0  # the deadline of every in-process call
PIPE_CHUNKS = 16  # rendered stream messages waiting for the loop, at most


class RpcError(Exception):
    """A call that did not end OK, as a gRPC client sees it; `user` is who called."""

    def __init__(self, code: grpc.StatusCode, details: str, status: status_pb2.Status | None = None, user: str = "-"):
        super().__init__(f"{code.name}: {details}")
        self.code, self.details, self.status, self.user = code, details, status, user


def deadline_exceeded() -> RpcError:
    return RpcError(grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")


class InProcessCalls:
    """The registered handlers ("/package.Service/Method" -> handler), called through
    `chain` on `executor` (the gRPC server's own pool, so one bound for both)."""

    def __init__(self, chain: CallChain, handlers: dict[str, grpc.RpcMethodHandler], executor: Executor) -> None:
        self.chain, self.handlers, self.executor = chain, handlers, executor

    def knows(self, method: str) -> bool:
        return method in self.handlers

    async def unary(
        self, method: str, request: Message, metadata: tuple, render: Callable[[Message], Any], peer: str = ""
    ) -> tuple[Any, str]:
        """Calls a unary method: (render(response), user), or raises RpcError. `render`
        (the response as JSON data) runs in the worker too, off the loop."""
        context = LocalContext(metadata, CALL_TIMEOUT_S, peer)
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        exact = numbers.CURRENT.get() or numbers.ExactNumbers()
        job = self.executor.submit(self._unary_job, method, request, context, render, loop, done, exact)
        timer = loop.call_later(CALL_TIMEOUT_S, _expire, done, job, context)  # cheaper than asyncio.timeout
        try:
            return await done
        finally:
            timer.cancel()

    def stream(
        self, method: str, request: Message, metadata: tuple, render: Callable[[Message], bytes], peer: str = ""
    ) -> Pipe:
        """Starts a server-streaming method on a worker thread; its rendered messages
        arrive through the Pipe returned. Close the Pipe to leave the stream early."""
        context = LocalContext(metadata, CALL_TIMEOUT_S, peer)
        loop = asyncio.get_running_loop()
        pipe = Pipe(loop, context)
        work = contextvars.Context().run
        exact = numbers.CURRENT.get() or numbers.ExactNumbers()
        loop.run_in_executor(self.executor, work, self._stream, method, request, context, render, pipe, exact)
        return pipe

    # ------------------------------------------------------------ worker side

    def _start(self, method: str, request: Message) -> tuple[grpc.RpcMethodHandler, Any]:
        """The wrapped handler and the request as the gRPC listener would get it: the
        same size limit and the same decoding (the registered deserializer)."""
        handler = self.chain.wrap(method, self.handlers[method])
        data = request.SerializeToString()
        if len(data) > MAX_MESSAGE_BYTES:
            raise RpcError(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"CLIENT: Sent message larger than max ({len(data)} vs. {MAX_MESSAGE_BYTES})",
            )
        return handler, handler.request_deserializer(data)

    def _unary_job(self, method, request, context, render, loop, done: asyncio.Future, exact) -> None:
        """Runs the call in a fresh contextvars context (as grpcio does) and hands the
        outcome to the loop: one wake-up, no concurrent.futures chaining."""
        try:
            outcome, error = contextvars.Context().run(self._unary, method, request, context, render, exact), None
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
            outcome, error = None, exc
        try:
            loop.call_soon_threadsafe(_settle, done, outcome, error)
        except RuntimeError:  # the loop is closed: nobody waits any more
            pass

    def _unary(self, method: str, request: Message, context: LocalContext, render: Callable, exact) -> tuple[Any, str]:
        numbers.CURRENT.set(exact)
        handler, parsed = self._start(method, request)
        try:
            response = handler.unary_unary(parsed, context)
        except Exception as exc:  # noqa: BLE001 - every failure becomes the status a client sees
            raise _failure(context, exc, method) from None
        finally:
            context.finish()
        _check(context, response)
        return render(response), context.user

    def _stream(
        self, method: str, request: Message, context: LocalContext, render: Callable, pipe: Pipe, exact
    ) -> None:
        numbers.CURRENT.set(exact)
        responses = None
        try:
            handler, parsed = self._start(method, request)
            responses = handler.unary_stream(parsed, context)
            for response in responses:
                _check(context, response)
                if not pipe.put(render(response)):
                    return  # the HTTP side left: the stream is closed below, on this thread
            if context.code() not in (None, grpc.StatusCode.OK):
                raise AbortedCall(context.details_text())
            pipe.finish(None)
        except Exception as exc:  # noqa: BLE001 - every failure becomes the status a client sees
            pipe.finish(_failure(context, exc, method))
        finally:
            if responses is not None:
                responses.close()  # a no-op once exhausted; else GeneratorExit in the stream
            context.finish()


def _failure(context: LocalContext, exc: Exception, method: str) -> RpcError:
    if isinstance(exc, RpcError):
        return exc
    code = context.code()
    if code is None or code == grpc.StatusCode.OK:  # escaped every rule: grpcio says UNKNOWN
        log.error("Exception calling application: %s", method, exc_info=exc)
        return RpcError(grpc.StatusCode.UNKNOWN, f"Exception calling application: {exc}", user=context.user)
    status = None
    for key, value in context.trailing_metadata():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
    return RpcError(code, context.details_text(), status, context.user)


def _check(context: LocalContext, response: Message) -> None:
    """What grpcio would refuse to send: a status set without aborting, a message over
    the size limit."""
    if context.code() not in (None, grpc.StatusCode.OK):
        raise _failure(context, AbortedCall(context.details_text()), "")
    size = response.ByteSize()
    if size > MAX_MESSAGE_BYTES:
        raise RpcError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            f"SERVER: Sent message larger than max ({size} vs. {MAX_MESSAGE_BYTES})",
            user=context.user,
        )


class Pipe:
    """Rendered stream messages from one worker thread to the event loop. At most
    PIPE_CHUNKS wait: the worker blocks while the HTTP client reads slower. `put`
    answers False once the loop side has closed the pipe (client gone, deadline)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, context: LocalContext) -> None:
        self.loop, self.context = loop, context
        self._lock = threading.Condition(threading.Lock())
        self._chunks: collections.deque[bytes] = collections.deque()
        self._waiter: asyncio.Future | None = None
        self.ended = False  # the stream is over: error is None (OK) or its RpcError
        self.error: RpcError | None = None
        self.closed = False

    # worker side
    def put(self, chunk: bytes) -> bool:
        with self._lock:
            while len(self._chunks) >= PIPE_CHUNKS and not self.closed:
                self._lock.wait()
            if self.closed:
                return False
            self._chunks.append(chunk)
            waiter, self._waiter = self._waiter, None
        self._wake(waiter)
        return True

    def finish(self, error: RpcError | None) -> None:
        with self._lock:
            self.ended, self.error = True, error
            waiter, self._waiter = self._waiter, None
        self._wake(waiter)

    def _wake(self, waiter: asyncio.Future | None) -> None:
        if waiter is not None:
            try:
                self.loop.call_soon_threadsafe(_resolve, waiter)
            except RuntimeError:  # the loop is closed: nobody waits any more
                pass

    # loop side
    async def take(self) -> list[bytes]:
        """Every chunk waiting, once there is one or the stream ended (or the pipe was
        closed): an empty list means no more."""
        while True:
            with self._lock:
                if self._chunks or self.ended or self.closed:
                    chunks = list(self._chunks)
                    self._chunks.clear()
                    self._lock.notify_all()
                    return chunks
                self._waiter = waiter = self.loop.create_future()
            await waiter

    def close(self) -> None:
        """The loop side leaves: the worker stops and closes the stream in its thread."""
        with self._lock:
            self.closed = True
            self._chunks.clear()
            self._lock.notify_all()
            waiter, self._waiter = self._waiter, None
        self.context.cancel()
        if waiter is not None:
            _resolve(waiter)


def _expire(done: asyncio.Future, job: Future, context: LocalContext) -> None:
    """The deadline passed: the caller gets DEADLINE_EXCEEDED; a job not started yet
    never starts, one running finishes unheard (as a gRPC server's would)."""
    if not done.done():
        job.cancel()
        context.cancel()
        done.set_exception(deadline_exceeded())


def _settle(done: asyncio.Future, outcome: Any, error: BaseException | None) -> None:
    if done.done():  # given up on (deadline, the HTTP task cancelled)
        return
    if error is None:
        done.set_result(outcome)
    else:
        done.set_exception(error)


def _resolve(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)
