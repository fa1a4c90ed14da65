"""A stub transport: answers from a queue, then from a function; records every request.

Use it in unit tests instead of the network:

```python
from lattice_core import Client
from lattice_core.billing_portal import Session
from lattice_core.testing import StubTransport, json_response

stub = StubTransport(json_response(200, {"id": "bps_123", "url": "https://example.com/p"}))
with Client("sk_test_123", transport=stub) as client:
    session = Session.create(client, {"customer": "cus_123"})
assert stub.requests[0].url.endswith("/v1/billing_portal/sessions")
```

Any [`FakeStripe`][lattice_core.testing.FakeStripe]-style app can answer too:
`StubTransport.from_app(FakeStripe())`. Queued answers come first: a stub answered by
an app still answers from its queue while one is left.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..encoding import decode_form, encode_form
from ..errors import APIConnectionError
from ..http import Request, Response
from ..masking import mask, mask_value
from ..transport import AsyncTransport, Transport
from .faults import error_body, error_headers
from .server import App, Disconnect

__all__ = [
    "Answer",
    "AsyncStubTransport",
    "Handler",
    "StubTransport",
    "connection_error",
    "error_response",
    "json_response",
]

Handler = Callable[[Request], "Response | Exception"]
"""A function that answers a request: a response, or an exception to raise."""

Answer = Response | Exception | int
"""What a stub can queue: a response, an exception to raise, or an error status
(`500` is [`error_response(500)`][lattice_core.testing.error_response])."""


def json_response(
    status: int, body: Any, headers: dict[str, str] | None = None, *, request_id: str = "req_stub"
) -> Response:
    """A JSON response with a `Request-Id`, as Stripe sends.

    Args:
        status: The HTTP status.
        body: What to encode as JSON.
        headers: More headers; names are lower-cased.
        request_id: The `Request-Id` header.

    Returns:
        The response, to queue into a [`StubTransport`][lattice_core.testing.StubTransport].
    """
    all_headers = {"content-type": "application/json", "request-id": request_id}
    all_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    return Response(status_code=status, headers=all_headers, content=json.dumps(body).encode())


def error_response(
    status: int,
    *,
    type: str | None = None,
    code: str | None = None,
    message: str | None = None,
    param: str | None = None,
    headers: Mapping[str, str] | None = None,
    request_id: str = "req_stub",
) -> Response:
    """A Stripe-shaped error answer with a `Request-Id`, to queue into a stub.

    The body is the one [`FakeStripe.fail_next`][lattice_core.testing.FakeStripe.fail_next]
    sends; queuing a bare status, `stub.queue([500])`, queues `error_response(500)`.

    Args:
        status: The HTTP status, from 400 to 599.
        type: The error type; `None` picks Stripe's for the status (`api_error` for
            a 5xx, `card_error` for a 402, `invalid_request_error` for any other).
        code: The error code; `None` sends `rate_limit` with a 429, `card_declined`
            with a 402, and no code otherwise.
        message: The error message; `None` picks one like Stripe's.
        param: The parameter at fault, in form spelling.
        headers: More headers, such as `{"Retry-After": "2"}`.
        request_id: The `Request-Id` header.

    Returns:
        The response, to queue into a [`StubTransport`][lattice_core.testing.StubTransport].

    Raises:
        TypeError: An argument has the wrong type.
        ValueError: `status` is not from 400 to 599, `type` is not one of Stripe's, or a
            header cannot be sent.
    """
    body = error_body(status, type=type, code=code, message=message, param=param)
    return json_response(status, body, error_headers(headers), request_id=request_id)


def _answer(item: object) -> Response | Exception:
    """A queued item as the stub answers it; refused at once when it could never be one."""
    if isinstance(item, (Response, Exception)):
        return item
    if isinstance(item, int) and not isinstance(item, bool):
        return error_response(item)
    raise TypeError(
        f"a stub answers with a Response, an Exception or an error status such as 500, "
        f"not {type(item).__name__}: use json_response(200, body) for a success."
    )


class StubTransport(Transport):
    """Answer each request from `handler` or, in order, from canned `responses`.

    [`requests`][lattice_core.testing.StubTransport.requests] records every
    request; [`params`][lattice_core.testing.StubTransport.params] decodes the
    body that was actually sent.

    Queued answers come first, one per request in order; when none is left, the
    handler answers (a stub made by
    [`from_app`][lattice_core.testing.StubTransport.from_app], such as the
    `lattice_stub` fixture, has the app as its handler). A request with neither a
    queued answer nor a handler fails with `AssertionError`.

    Args:
        *responses: Answers, one per request in order. An `Exception` in place of
            a response is raised instead: use
            [`connection_error`][lattice_core.testing.connection_error] to simulate
            an outage. A status such as `500` is a Stripe-shaped error
            ([`error_response`][lattice_core.testing.error_response]).
        handler: Answers the requests that find the queue empty.

    Raises:
        TypeError: An answer is none of those.
        ValueError: A status is not an error status (400 to 599).
    """

    user_agent = "stub/1"
    """Product token for the `User-Agent` header."""

    def __init__(
        self,
        *responses: Answer,
        handler: Handler | None = None,
    ) -> None:
        self._queue: deque[Response | Exception] = deque(_answer(item) for item in responses)
        self._handler = handler
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        """Every request sent, in order: copies, as each attempt had it."""
        self.closed: bool = False
        """Whether the client closed it."""

    @classmethod
    def from_app(cls, app: App) -> StubTransport:
        """Answer through an HTTP-shaped app such as `FakeStripe()`.

        Args:
            app: Called with each request's method, path, headers and body.

        Returns:
            A stub whose handler calls `app`.
        """

        def handler(request: Request) -> Response | Exception:
            path = request.url.split("://", 1)[-1]
            path = path[path.find("/") :] if "/" in path else "/"
            try:
                status, headers, body = app(request.method, path, request.headers, request.content)
            except Disconnect as exc:
                return connection_error(f"simulated network failure: {exc}")
            return Response(status, {k.lower(): v for k, v in headers.items()}, body)

        return cls(handler=handler)

    def queue(self, responses: Iterable[Answer]) -> None:
        """Add canned answers to the end of the queue; they come before the handler's.

        `lattice_stub.queue([500, 500])` answers the next two requests with Stripe's
        500, then the fake answers again.

        Args:
            responses: Responses, exceptions to raise, or error statuses, in order.

        Raises:
            TypeError: An answer is none of those (nothing is queued).
            ValueError: A status is not an error status (nothing is queued).
        """
        answers = [_answer(item) for item in responses]
        with self._lock:
            self._queue.extend(answers)

    @property
    def pending(self) -> int:
        """How many queued answers are still to be used.

        The `lattice_stub` fixtures fail the test at teardown when some are left:
        an answer that was never used tested nothing.
        """
        return len(self._queue)

    def handle_request(self, request: Request) -> Response:
        """Record `request` and answer it from the queue, or else the handler.

        Args:
            request: The attempt the client sends.

        Returns:
            The next answer.

        Raises:
            Exception: The queued exception, when the answer is one.
            AssertionError: The queue is empty and there is no handler.
        """
        with self._lock:
            # Copy: the request object is reused across retry attempts.
            self.requests.append(attrs.evolve(request, headers=dict(request.headers), context={}))
            if self._queue:
                answer = self._queue.popleft()
            elif self._handler is not None:
                answer = self._handler(request)
            else:
                raise AssertionError(
                    f"StubTransport got request #{len(self.requests)} but has no answer left; "
                    "queue more responses or pass handler=."
                )
        if isinstance(answer, Exception):
            raise answer
        return answer

    @staticmethod
    def params(request: Request) -> dict[str, Any]:
        """Decode the params of a recorded request: a POST's form body, a GET's query string.

        Args:
            request: One of [`requests`][lattice_core.testing.StubTransport.requests].

        Returns:
            The params as Stripe would read them (values are strings).
        """
        if request.method == "GET":
            return decode_form(request.url.partition("?")[2].encode())
        return decode_form(request.content)

    @property
    def last_request(self) -> Request:
        """The most recent request; `AssertionError` if none was made."""
        if not self.requests:
            raise AssertionError("no request was sent through this StubTransport")
        return self.requests[-1]

    def assert_not_called(self) -> None:
        """Fail unless no request was sent (pre-flight checks stop bad input)."""
        if self.requests:
            raise AssertionError(f"expected no request, got {len(self.requests)}")

    def assert_called_once_with(
        self, *, params: dict[str, Any] | None = None, path: str | None = None, **headers: str
    ) -> None:
        """Fail unless exactly one request was sent, with these params, path and headers.

        Args:
            params: The params expected, compared as Stripe decodes them (form
                values are strings).
            path: The API path expected at the end of the URL.
            **headers: Headers expected, names given with underscores:
                `stripe_account="acct_1"` for `Stripe-Account`.

        Raises:
            AssertionError: What differs; everything shown is masked.
        """
        if len(self.requests) != 1:
            raise AssertionError(f"expected 1 request, got {len(self.requests)}")
        request = self.requests[0]
        # Failure messages land in pytest's output and CI logs: everything shown is masked.
        if params is not None:
            sent = self.params(request)
            wanted = decode_form(encode_form(params))
            if sent != wanted:
                where = ", ".join(mask(p) for p in _differences(sent, wanted))
                raise AssertionError(
                    f"params differ at {where}:\n sent:   {mask_value(sent)}\n"
                    f" wanted: {mask_value(wanted)}"
                )
        if path is not None and not request.url.endswith(path):
            raise AssertionError(f"expected a request to {mask(path)}, got {mask(request.url)}")
        for name, value in headers.items():
            header = name.replace("_", "-").title()
            if request.headers.get(header) != value:
                expected, got = (
                    mask_value({header: v})[header] for v in (value, request.headers.get(header))
                )
                if expected == got:  # both fully masked (Authorization): say that they differ
                    raise AssertionError(
                        f"header {header}: the value sent differs from the one expected "
                        "(both masked; compare them in your test, not in this message)"
                    )
                raise AssertionError(f"header {header}: expected {expected!r}, got {got!r}")

    def close(self) -> None:
        """Mark the stub closed; it still answers (a test may inspect it after)."""
        self.closed = True


def _differences(sent: Any, wanted: Any, path: str = "") -> list[str]:
    """Form paths (`flow_data[type]`) where two decoded bodies differ."""
    if isinstance(sent, dict) and isinstance(wanted, dict):
        return [
            found
            for key in sorted(sent.keys() | wanted.keys())
            for found in _differences(
                sent.get(key), wanted.get(key), f"{path}[{key}]" if path else key
            )
        ]
    if isinstance(sent, list) and isinstance(wanted, list) and len(sent) == len(wanted):
        return [
            found
            for index, (one, other) in enumerate(zip(sent, wanted, strict=True))
            for found in _differences(one, other, f"{path}[{index}]")
        ]
    return [] if sent == wanted else [path or "the top level"]


def connection_error(message: str = "simulated network failure") -> APIConnectionError:
    """An outage to queue into a [`StubTransport`][lattice_core.testing.StubTransport].

    Args:
        message: The error's message.

    Returns:
        An [`APIConnectionError`][lattice_core.APIConnectionError] (retried, as a
            network failure is).
    """
    return APIConnectionError(message)


class AsyncStubTransport(AsyncTransport):
    """A stub transport for an [`AsyncClient`][lattice_core.AsyncClient].

    The same answers and record as
    [`StubTransport`][lattice_core.testing.StubTransport], which it wraps.

    Args:
        *responses: Answers, one per request in order; an `Exception` is raised, a
            status is a Stripe-shaped error.
        handler: Answers the requests that find the queue empty.

    Raises:
        TypeError: An answer is none of those.
        ValueError: A status is not an error status (400 to 599).
    """

    user_agent = "stub/1"
    """Product token for the `User-Agent` header."""

    def __init__(self, *responses: Answer, handler: Handler | None = None) -> None:
        self.stub = StubTransport(*responses, handler=handler)
        """The synchronous stub that answers and records."""
        self.requests = self.stub.requests
        """Every request sent, in order."""
        self.params = self.stub.params
        """Decode a recorded request's form body back into nested params."""
        self.closed: bool = False
        """Whether the client closed it."""

    @classmethod
    def from_app(cls, app: App) -> AsyncStubTransport:
        """Answer through an HTTP-shaped app such as `FakeStripe()`.

        Args:
            app: Called with each request's method, path, headers and body.

        Returns:
            A stub whose handler calls `app`.
        """
        transport = cls()
        transport.stub = StubTransport.from_app(app)
        transport.requests = transport.stub.requests
        return transport

    def queue(self, responses: Iterable[Answer]) -> None:
        """Add canned answers to the end of the queue; they come before the handler's.

        Args:
            responses: Responses, exceptions to raise, or error statuses, in order.

        Raises:
            TypeError: An answer is none of those (nothing is queued).
            ValueError: A status is not an error status (nothing is queued).
        """
        self.stub.queue(responses)

    @property
    def pending(self) -> int:
        """How many queued answers are still to be used."""
        return self.stub.pending

    @property
    def last_request(self) -> Request:
        """The most recent request; `AssertionError` if none was made."""
        return self.stub.last_request

    def assert_not_called(self) -> None:
        """Fail unless no request was sent."""
        self.stub.assert_not_called()

    def assert_called_once_with(
        self, *, params: dict[str, Any] | None = None, path: str | None = None, **headers: str
    ) -> None:
        """Fail unless exactly one request was sent, with these params, path and headers.

        Args:
            params: The params expected, compared as Stripe decodes them.
            path: The API path expected at the end of the URL.
            **headers: Headers expected, names with underscores
                (`stripe_account="acct_1"`).

        Raises:
            AssertionError: What differs, masked.
        """
        self.stub.assert_called_once_with(params=params, path=path, **headers)

    async def handle_async_request(self, request: Request) -> Response:
        """Record `request` and answer it, as `StubTransport.handle_request` does.

        Args:
            request: The attempt the client sends.

        Returns:
            The next answer.
        """
        return self.stub.handle_request(request)

    async def aclose(self) -> None:
        """Mark the stub closed; it still answers."""
        self.closed = True
