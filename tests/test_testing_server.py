"""LoopbackServer: an app that fails still answers, Stripe-shaped; the family follows the host."""

from __future__ import annotations

import socket
from collections.abc import Mapping

import pytest
import requests

from lattice_core.errors import InvalidParamsError
from lattice_core.testing import FakeStripe, LoopbackServer
from lattice_core.testing.server import App, address_family

from .conftest import API_KEY


def _raising(exc: Exception) -> App:
    def app(
        method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        raise exc

    return app


@pytest.mark.parametrize(
    ("exc", "status", "err_type"),
    [
        (
            UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
            400,
            "invalid_request_error",
        ),
        (InvalidParamsError("two shapes", param="customer"), 400, "invalid_request_error"),
        (RuntimeError("sk_test_secret_in_a_message"), 500, "api_error"),
    ],
)
def test_an_app_that_raises_still_answers_with_a_stripe_shaped_error(
    exc: Exception, status: int, err_type: str
) -> None:
    with LoopbackServer(_raising(exc)) as server:
        response = requests.post(f"{server.url}/v1/billing_portal/sessions", data="x=1", timeout=5)
        again = requests.post(f"{server.url}/v1/billing_portal/sessions", data="x=1", timeout=5)
    assert response.status_code == again.status_code == status
    assert response.json()["error"]["type"] == err_type
    assert "secret" not in response.text


def test_undecodable_bodies_reach_the_fake_over_http_as_400s() -> None:
    with LoopbackServer(FakeStripe()) as server:
        response = requests.post(
            f"{server.url}/v1/billing_portal/sessions",
            data=b"customer=\xff",
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=5,
        )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_a_bad_content_length_is_a_400_not_a_reset() -> None:
    with (
        LoopbackServer(FakeStripe()) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn,
    ):
        conn.sendall(b"POST /v1/billing_portal/sessions HTTP/1.1\r\nContent-Length: nope\r\n\r\n")
        reply = conn.makefile("rb").read()
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert b'"invalid_request_error"' in reply


@pytest.mark.parametrize(
    ("host", "family"),
    [
        ("127.0.0.1", socket.AF_INET),
        ("127.0.0.2", socket.AF_INET),
        ("localhost", socket.AF_INET),
        ("::1", socket.AF_INET6),
        ("0:0:0:0:0:0:0:1", socket.AF_INET6),
    ],
)
def test_the_address_family_follows_the_host(host: str, family: socket.AddressFamily) -> None:
    assert address_family(host) == family
