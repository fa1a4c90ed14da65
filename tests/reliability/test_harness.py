"""The harness can fail: its leak scanner and its time bounds catch what they claim to.

A load test that passes proves little unless the same checks are seen failing
on a broken client; these tests build the broken clients on purpose.
"""

from __future__ import annotations

import asyncio
import http.client
import logging
import threading
import warnings
from typing import Any
from urllib.parse import urlsplit

import attrs
import pytest

from lattice_core import (
    APIConnectionError,
    AsyncTransport,
    Request,
    Response,
    Transport,
    hookimpl,
)

from ..conftest import API_KEY
from .faultserver import FaultServer
from .harness import Load, problems, run_load
from .leaks import SecretLookup, find_leaks, record_text, scan_exception

SECRET = "test_Zq8RkPortalSecret0123456"
URL = f"https://billing.example.com/p/session/{SECRET}"


def test_masked_spellings_are_clean() -> None:
    masked = [
        "sk_test_…cdef",
        "rk_live_…",
        "Authorization: Bearer ***",
        "https://billing.example.com/p/session/***",
        "https:%2F%2Fportal.example%2Fp%2Fsession%2F***",
        '{"url": "https:\\/\\/x.example\\/p\\/session\\/***"}',
        "task_sk_1 is not a key",
    ]
    for text in masked:
        assert find_leaks(text, secrets={SECRET}, api_key=API_KEY) == [], text


def test_each_kind_of_leak_is_named_and_the_secret_never_is() -> None:
    cases = {
        f"key={API_KEY}": "the API key",
        # Assembled here so no live-shaped key sits in the source for scanners to flag.
        "_".join(("rk", "live", "abcdef123456")): "an unmasked sk_/rk_ key",
        "Authorization: Bearer abc": "a Bearer credential",
        URL: "a portal url",
        "https%3A%2F%2Fx.example%2Fp%2Fsession%2Fabc": "a portal url (URL-encoded)",
        '"https:\\/\\/x.example\\/p\\/session\\/abc"': "a portal url (JSON-escaped)",
        "https:\\u002f\\u002fx\\u002fp\\u002fsession\\u002fabc": "a portal url (JSON-escaped)",
        f"token={SECRET};": "an issued portal secret",
    }
    for text, name in cases.items():
        found = find_leaks(text, secrets={SECRET}, api_key=API_KEY)
        assert name in found, name
        assert not any(SECRET in f or API_KEY[8:-4] in f for f in found)


def test_a_large_live_secret_set_is_scanned_in_one_pass() -> None:
    issued = {f"test_{n:024d}" for n in range(20_000)}
    lookup = SecretLookup(issued.__contains__, frozenset({29}))
    assert lookup.found_in("... test_000000000000000000012345 ...")
    assert not lookup.found_in("test_00000000000000000002000000 " * 1000)
    issued.add("test_late_addition_0000000000")  # the set may grow while scanning
    assert lookup.found_in("x test_late_addition_0000000000 y")


def test_an_exception_chain_is_scanned_down_to_attributes() -> None:
    class Prepared:
        def __init__(self) -> None:
            self.headers = {"Authorization": f"Bearer {API_KEY}"}

    cause = OSError("connection reset")
    cause.request = Prepared()  # type: ignore[attr-defined]
    context = ValueError("decoding failed")
    context.body = {"url": URL}  # type: ignore[attr-defined]
    try:
        try:
            raise context
        except ValueError:
            raise APIConnectionError("could not reach Stripe") from cause
    except APIConnectionError as exc:
        found = scan_exception(exc, secrets={SECRET}, api_key=API_KEY)
    assert "a Bearer credential at exc.__cause__.request.headers" in found
    assert "a portal url at exc.__context__.body" in found
    assert not any(SECRET in f for f in found)


def test_every_field_of_a_log_record_is_read() -> None:
    record = logging.LogRecord("lattice", logging.INFO, "x.py", 1, "ok %s", ("fine",), None)
    record.lattice = {"url": URL}  # structured fields a JSON handler would print
    assert find_leaks(record.getMessage()) == []
    assert "a portal url" in find_leaks(record_text(record))


class LeakyPlugin:
    """Logs the raw secret of each session and warns with its url: both must be caught."""

    @hookimpl
    def after_response(self, response: Response | None) -> None:
        body: Any = response.body if response is not None else None
        if isinstance(body, dict) and "url" in body:
            logging.getLogger("lattice").debug("issued %s", body["url"].rsplit("/", 1)[1])
            warnings.warn(f"portal at {body['url']}", UserWarning, stacklevel=1)


def test_the_harness_catches_a_secret_in_logs_and_warnings() -> None:
    with FaultServer(probability=0.0) as server:
        load = Load("requests", calls=6, concurrency=2)
        result = run_load(server, load, plugins=[LeakyPlugin()])
    assert result.leaks["an issued portal secret in log record of 'lattice'"] == 6
    assert result.leaks["a portal url in a warning"] == 6
    assert any(p.startswith("leaks:") for p in problems(result, kinds=()))


class PerReadTimeout(Transport):
    """The bug the attempt bound exists for: a timeout per socket read, not per attempt."""

    def handle_request(self, request: Request) -> Response:
        parts = urlsplit(request.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, request.timeout)
        try:
            connection.request(request.method, parts.path, request.content, request.headers)
            raw = connection.getresponse()
            headers = {k.lower(): v for k, v in raw.getheaders()}
            return Response(raw.status, headers, raw.read())
        except (OSError, http.client.HTTPException) as exc:
            raise APIConnectionError(f"no answer: {type(exc).__name__}") from None
        finally:
            connection.close()


def test_the_harness_catches_an_attempt_that_outlives_its_timeout() -> None:
    with FaultServer(kinds=("trickle",), probability=1.0, trickle=1.5) as server:
        load = Load("requests", calls=4, concurrency=4, max_retries=0)
        result = run_load(server, load, transport=PerReadTimeout())
    assert result.succeeded == 4  # every read was quick, so nothing timed out
    assert result.worst_attempt > load.attempt_bound
    assert any(p.startswith("worst attempt") for p in problems(result, kinds=("trickle",)))


class Hangs(Transport):
    """Never answers until released: the harness must call that a hang, not wait for ever."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def handle_request(self, request: Request) -> Response:
        self.release.wait()
        raise APIConnectionError("released")


class AsyncHangs(AsyncTransport):
    async def handle_async_request(self, request: Request) -> Response:
        await asyncio.Event().wait()  # cancelled by the harness
        raise AssertionError("unreachable")


@pytest.mark.parametrize("kind", ["requests", "aiohttp"])
def test_the_harness_calls_a_call_that_never_ends_a_hang(kind: str) -> None:
    load = Load(kind, calls=2, concurrency=2, timeout=0.2, max_retries=0, call_slack=0.1)
    load = attrs.evolve(load, hang_grace=0.3)
    transport = Hangs() if kind == "requests" else AsyncHangs()
    try:
        with FaultServer(probability=0.0) as server:
            result = run_load(server, load, transport=transport)
    finally:
        if isinstance(transport, Hangs):
            transport.release.set()  # no thread left blocked once the test is over
    assert result.hangs == 2
    assert "2 call(s) hung" in problems(result, kinds=())
