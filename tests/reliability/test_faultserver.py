"""The fault server does what the load tests count on: each fault, replay, seeding, release.

Spoken to with ``http.client`` and raw sockets, not the SDK, so a bug in one
cannot hide a bug in the other.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from ..conftest import API_KEY
from .faultserver import PORTAL_HOST, SESSIONS_PATH, FaultServer

BODY = b"customer=cus_123&return_url=https%3A%2F%2Fexample.com%2Faccount"


def _headers(key: str, call: int | None = None) -> dict[str, str]:
    headers = {
        "Authorization": f"Bearer {API_KEY}",
        "Content-Type": "application/x-www-form-urlencoded",
        "Idempotency-Key": key,
    }
    if call is not None:
        headers["X-Test-Call"] = str(call)
    return headers


@attrs.frozen
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _post(server: FaultServer, key: str, call: int | None = None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("POST", SESSIONS_PATH, BODY, _headers(key, call))
        raw = connection.getresponse()
        return Answer(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
    finally:
        connection.close()


def _raw(server: FaultServer, key: str) -> socket.socket:
    """A socket that has sent one request, for faults below HTTP."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    head = "".join(f"{k}: {v}\r\n" for k, v in _headers(key).items())
    head += f"Content-Length: {len(BODY)}\r\n"
    sock.sendall(f"POST {SESSIONS_PATH} HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode() + BODY)
    return sock


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(probability=0.0, stall=0.3, trickle=0.3) as fault_server:
        yield fault_server


def test_one_session_per_key_replayed_with_the_header(server: FaultServer) -> None:
    first = _post(server, "key-1", call=7)
    session = first.json()
    again = _post(server, "key-1", call=7)
    assert again.json() == session
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert session["url"].startswith(f"{PORTAL_HOST}/p/session/test_")  # a custom domain
    assert session["url"].rsplit("/", 1)[1] in server.issued_secrets()
    stats = server.stats()
    assert (stats.sessions_created, stats.replays, stats.requests) == (1, 1, 2)
    assert stats.sessions_per_call == {7: [session["id"]]}
    assert (stats.duplicate_calls, stats.duplicate_keys) == (0, 0)


def test_a_new_key_per_attempt_counts_as_a_duplicate_call(server: FaultServer) -> None:
    _post(server, "key-1", call=3)
    _post(server, "key-2", call=3)
    assert server.stats().duplicate_calls == 1


def test_forced_http_faults_come_in_order_and_create_nothing(server: FaultServer) -> None:
    server.force("http_500", "http_502_html", "http_503", "http_409_lock", "http_429")
    server.force("no_retry_5xx", None)
    answers = [_post(server, "key-1") for _ in range(7)]
    assert [a.status for a in answers] == [500, 502, 503, 409, 429, 500, 200]
    assert answers[1].headers["content-type"] == "text/html"
    assert answers[3].json()["error"]["code"] == "lock_timeout"
    assert answers[4].headers["retry-after"] == "1"
    assert answers[5].headers["stripe-should-retry"] == "false"
    assert "idempotent-replayed" not in answers[6].headers  # the first to execute
    assert server.stats().sessions_created == 1


@pytest.mark.parametrize(("kind", "created"), [("reset_before", 0), ("reset_after", 1)])
def test_a_reset_before_or_after_the_session_exists(
    server: FaultServer, kind: str, created: int
) -> None:
    server.force(kind)
    with _raw(server, "key-1") as sock, pytest.raises(ConnectionResetError):
        sock.recv(1024)
    assert server.stats().sessions_created == created
    replay = _post(server, "key-1")
    assert (replay.headers.get("idempotent-replayed") == "true") == bool(created)


def test_a_cut_body_is_shorter_than_its_content_length(server: FaultServer) -> None:
    server.force("cut_body")
    with pytest.raises(http.client.IncompleteRead):
        _post(server, "key-1")
    assert server.stats().sessions_created == 1


def test_bad_json_is_a_200_that_does_not_parse(server: FaultServer) -> None:
    server.force("bad_json")
    answer = _post(server, "key-1")
    assert answer.status == 200
    with pytest.raises(ValueError):  # noqa: PT011 - json's error is a ValueError
        answer.json()


def test_a_trickle_sends_one_byte_per_write_and_takes_its_time(server: FaultServer) -> None:
    server.force("trickle")
    started = time.perf_counter()
    with _raw(server, "key-1") as sock:
        reads = list(iter(lambda: sock.recv(1 << 16), b""))
    assert time.perf_counter() - started >= server.trickle
    assert len(reads) > 100  # many small reads, each quick: a per-read timeout never fires
    assert b"".join(reads).startswith(b"HTTP/1.1 200 OK\r\n")


def test_a_stall_answers_nothing_and_stop_releases_it() -> None:
    with FaultServer(probability=0.0, stall=60.0) as server:
        server.force("stall")
        sock = _raw(server, "key-1")
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recv(1)  # held: no answer
        started = time.perf_counter()
    assert time.perf_counter() - started < 5  # stop() ended the held connection
    sock.settimeout(5)
    with sock:
        assert sock.recv(1) == b""
    assert server.stats().sessions_created == 0


def test_draws_are_seeded_per_call_and_attempt() -> None:
    """The same seed gives each (call, attempt) the same fault, whatever the arrival order."""

    def statuses(order: list[int]) -> dict[int, int]:
        kinds = ("http_500", "http_503", "http_409_lock")
        with FaultServer(probability=0.5, kinds=kinds, seed=5) as server:
            return {n: _post(server, f"key-{n}", call=n).status for n in order}

    forward = statuses(list(range(30)))
    assert forward == statuses(list(reversed(range(30))))
    assert {200, 500, 503, 409} == set(forward.values())
