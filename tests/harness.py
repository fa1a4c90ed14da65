"""The suite's one sync/async harness, and the small helpers more than one test file needs.

``Wire`` is a client of one kind -- ``stub``, ``requests`` (sync) or ``async-stub``,
``aiohttp`` (async) -- behind blocking calls, answered by a scripted app (over real
HTTP on 127.0.0.1 for ``requests`` and ``aiohttp``) or by canned answers, waiting on
a fake clock. The ``wire`` fixture in ``conftest.py`` yields one per kind; a test
that needs fewer kinds says which with ``over``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import pytest

from lattice_core import AsyncClient, Client, Request, Response, StripeError, hookimpl
from lattice_core.billing_portal import Session
from lattice_core.builtin.retry import Retry
from lattice_core.testing import AsyncStubTransport, LoopbackServer, StubTransport, decode_form
from lattice_core.transport import AsyncTransport

# The suite's key: the guards in conftest.py fail a test whose output or errors show it.
API_KEY = "sk_test_51LatticeSuiteKey0123456789abcdef"

SYNC_KINDS = ("stub", "requests")
ASYNC_KINDS = ("async-stub", "aiohttp")
KINDS = SYNC_KINDS + ASYNC_KINDS
STUB_KINDS = ("stub", "async-stub")
HTTP_KINDS = ("requests", "aiohttp")

PARAMS = {"customer": "cus_1"}


def over(*kinds: str) -> pytest.MarkDecorator:
    """Run a test's ``wire`` over only these kinds (by default it runs over all four)."""
    return pytest.mark.parametrize("wire", kinds, indirect=True)


stubs_only = over(*STUB_KINDS)
"""For a test that answers with canned responses or exceptions (``Wire.run``)."""


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (a connection to it is refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class FakeClock:
    """Monotonic time that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


@attrs.define
class Seen:
    """One request as the far end saw it."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    peer: Any = None

    @property
    def params(self) -> dict[str, Any]:
        return decode_form(self.body)


class ScriptedApp:
    """Answers from a queue of (status, headers, body); records what it saw.

    Each request waits at the ``release`` gate (open unless a test clears it);
    ``arrived`` counts the requests that came, before they wait.
    """

    def __init__(self) -> None:
        self.answers: deque[tuple[int, dict[str, str], bytes]] = deque()
        self.seen: list[Seen] = []
        self.release = threading.Event()
        self.release.set()
        self.arrived = threading.Semaphore(0)
        self._lock = threading.Lock()

    def add(self, status: int, body: Any = None, headers: Mapping[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", "Request-Id": "req_scripted"}
        all_headers.update(headers or {})
        self.answers.append((status, all_headers, raw))

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        with self._lock:
            self.seen.append(Seen(method, path, {k.lower(): v for k, v in headers.items()}, body))
            answer = self.answers.popleft() if self.answers else None
        self.arrived.release()
        self.release.wait(timeout=30)
        if answer is None:
            return 500, {"Content-Type": "text/plain"}, b"no scripted answer"
        return answer


class Hanging(AsyncTransport):
    """An async transport whose request never answers; ``entered`` is set once it is in flight."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def handle_async_request(self, request: Request) -> Response:
        self.entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class Recorder:
    """A user plugin that records every hook call, as a metrics plugin would.

    ``calls`` holds ``(hook, what)`` in order: the attempt for ``before_request``, the
    status or error class for ``after_response``, the error (``None`` when the call
    succeeded) for ``after_call``. ``header``, when given, is added to every request.
    """

    def __init__(self, header: tuple[str, str] | None = None) -> None:
        self.header = header
        self.calls: list[tuple[str, Any]] = []

    @property
    def hooks(self) -> list[str]:
        """The hooks called, in order."""
        return [hook for hook, _ in self.calls]

    @property
    def ends(self) -> list[BaseException | None]:
        """How each call ended, one entry a call: its error, or ``None``."""
        return [what for hook, what in self.calls if hook == "after_call"]

    @hookimpl
    def before_request(self, request: Request) -> None:
        if self.header is not None:
            request.headers[self.header[0]] = self.header[1]
        self.calls.append(("before_request", request.attempt))

    @hookimpl
    def after_response(self, response: Response | None, error: BaseException | None) -> None:
        outcome = response.status_code if response is not None else type(error).__name__
        self.calls.append(("after_response", outcome))

    @hookimpl
    def after_call(self, error: BaseException | None) -> None:
        self.calls.append(("after_call", error))


class Caller:
    """A client of either kind behind one blocking ``create``."""

    def __init__(self, client: Client | AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self._loop = loop

    def create(self, params: Any, **options: Any) -> Session:
        if isinstance(self.client, AsyncClient):
            call = Session.create_async(self.client, params, **options)
            return self._loop.run_until_complete(call)
        return Session.create(self.client, params, **options)

    def close(self) -> None:
        if isinstance(self.client, AsyncClient):
            self._loop.run_until_complete(self.client.close())
        else:
            self.client.close()


class Wire:
    """A client of one kind plus what the far end saw, the same for sync and async.

    ``answer(status, body, headers)`` scripts the next response; ``seen`` lists the
    requests as they arrived; ``client(**options)`` makes a client answered by that
    script. ``run(*answers)`` makes a call over a stub with canned answers instead.
    Async calls run on the wire's own event loop; every wait is on ``clock``.
    Use it as a context manager: it serves HTTP on 127.0.0.1 for the HTTP kinds.
    """

    def __init__(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"no such kind {kind!r}; one of {KINDS}")
        self.kind = kind
        self.app = ScriptedApp()
        self.is_async = kind in ASYNC_KINDS
        self.clock = FakeClock()
        self.loop = asyncio.new_event_loop()
        self.base_url: str | None = None
        self._clients: list[Caller] = []
        self._resources = contextlib.ExitStack()

    def __enter__(self) -> Wire:
        if self.kind in HTTP_KINDS:
            self.base_url = self._resources.enter_context(LoopbackServer(self.app)).url
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.app.release.set()  # never leave a server thread waiting at the gate
        with self._resources:
            for caller in self._clients:
                caller.close()
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()

    @property
    def sleep(self) -> Callable[[float], Any]:
        """The fake clock's sleep, as this kind's client wants it (awaitable when async)."""
        return self.clock.asleep if self.is_async else self.clock.sleep

    def client(self, **options: Any) -> Caller:
        """A client answered by the script; ``max_retries`` is 0 unless given."""
        options.setdefault("max_retries", 0)
        if self.kind in HTTP_KINDS:
            return self._connect(self.kind, options)
        if self.is_async:
            return self._connect(AsyncStubTransport.from_app(self.app), options)
        return self._connect(StubTransport.from_app(self.app), options)

    def answer(
        self, status: int, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        self.app.add(status, body, headers)

    @property
    def seen(self) -> list[Seen]:
        return self.app.seen

    def run(
        self,
        *answers: Response | Exception,
        retry: Retry | None = None,
        extra: Sequence[object] = (),
        **options: Any,
    ) -> tuple[Session | StripeError, list[Request]]:
        """One create over a stub answering ``answers`` in order; the stub kinds only.

        Retried by ``retry``, by default a ``Retry`` on the fake clock at the lowest
        jitter, with the ``extra`` plugins after it. Returns the session or the
        ``StripeError``, and the requests the stub got; any other exception is raised.
        """
        if self.kind not in STUB_KINDS:
            raise ValueError(f"canned answers need a stub kind, not {self.kind!r}")
        plugin = retry or Retry(clock=self.clock.monotonic, rand=lambda: 0.0)
        options = {
            "disable_plugins": ["retry"],
            "plugins": [plugin, *extra],
            "sleep": self.sleep,
            **options,
        }
        stub = AsyncStubTransport(*answers) if self.is_async else StubTransport(*answers)
        caller = self._connect(stub, options)
        try:
            return caller.create(PARAMS), stub.requests
        except StripeError as exc:
            return exc, stub.requests
        finally:
            caller.close()

    def cancel_mid_call(self, **options: Any) -> asyncio.Task[Session]:
        """Start a create whose request never answers, cancel it once it is in flight.

        The async kinds only. Returns the task once the cancellation has ended it.
        """
        if not self.is_async:
            raise ValueError(f"only an async call can be cancelled, not a {self.kind!r} one")
        hanging = Hanging()
        caller = self._connect(hanging, options)

        async def main() -> asyncio.Task[Session]:
            task = asyncio.ensure_future(Session.create_async(caller.client, PARAMS))
            await hanging.entered.wait()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return task

        try:
            return self.loop.run_until_complete(main())
        finally:
            caller.close()

    def _connect(self, transport: Any, options: dict[str, Any]) -> Caller:
        if self.base_url is not None:
            options.setdefault("base_url", self.base_url)
        client: Client | AsyncClient
        if self.is_async:
            client = AsyncClient(API_KEY, transport=transport, **options)
        else:
            client = Client(API_KEY, transport=transport, **options)
        caller = Caller(client, self.loop)
        self._clients.append(caller)
        return caller
