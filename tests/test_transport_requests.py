"""The requests transport against a real HTTP server on 127.0.0.1: pooling, proxies, TLS."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from lattice_core import APIConnectionError, Client, ConfigurationError, Request
from lattice_core.billing_portal import Session
from lattice_core.errors import CauseSummary
from lattice_core.testing import FakeStripe, LoopbackServer
from lattice_transport_requests import RequestsTransport

from .conftest import API_KEY, SESSION_JSON, ScriptedApp


@pytest.fixture
def fake_stripe() -> Iterator[tuple[FakeStripe, str]]:
    fake = FakeStripe()
    with LoopbackServer(fake) as server:
        yield fake, server.url


def test_sessions_are_created_against_the_fake_over_http(
    fake_stripe: tuple[FakeStripe, str],
) -> None:
    fake, url = fake_stripe
    with Client(API_KEY, base_url=url) as client:
        session = Session.create(
            client, {"customer": "cus_abc", "return_url": "https://example.com/r"}
        )
    assert session.id.startswith("bps_")
    assert session.url.startswith("https://billing.stripe.com/p/session/test_")
    assert session.customer == "cus_abc"
    assert session.return_url == "https://example.com/r"
    assert fake.sessions[0]["id"] == session.id


def test_connections_are_kept_alive_and_reused() -> None:
    fake = FakeStripe()
    with LoopbackServer(fake) as server, Client(API_KEY, base_url=server.url) as client:
        for _ in range(5):
            Session.create(client, {"customer": "cus_1"})
        assert server.connections == 1  # one pooled connection served all five calls
    assert len(fake.sessions) == 5


def test_idempotent_replay_returns_the_same_session(fake_stripe: tuple[FakeStripe, str]) -> None:
    fake, url = fake_stripe
    with Client(API_KEY, base_url=url) as client:
        first = Session.create(client, {"customer": "cus_1"}, idempotency_key="same-key")
        again = Session.create(client, {"customer": "cus_1"}, idempotency_key="same-key")
    assert first == again
    assert len(fake.sessions) == 1


def test_proxy_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, scripted: tuple[ScriptedApp, str]
) -> None:
    app, proxy_url = scripted
    app.add(200, SESSION_JSON)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        unused_port = sock.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    target = f"http://127.0.0.1:{unused_port}"
    with Client(API_KEY, base_url=target) as client:
        Session.create(client, {"customer": "cus_1"})
    # The request went to the proxy, in absolute form, not to the dead target port.
    assert app.seen[0].path == f"{target}/v1/billing_portal/sessions"


def test_no_proxy_is_honoured(
    monkeypatch: pytest.MonkeyPatch, scripted: tuple[ScriptedApp, str]
) -> None:
    app, url = scripted
    app.add(200, SESSION_JSON)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would refuse
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with Client(API_KEY, base_url=url) as client:
        Session.create(client, {"customer": "cus_1"})
    assert app.seen[0].path == "/v1/billing_portal/sessions"


def test_tls_verification_is_on_and_netrc_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    transport = RequestsTransport()
    assert transport._verify is True
    assert transport._session.trust_env is False
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    assert RequestsTransport()._verify == "/etc/ssl/certs/ca-certificates.crt"


def test_every_requests_exception_becomes_api_connection_error() -> None:
    class Exploding(requests.Session):
        def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
            raise requests.exceptions.SSLError("certificate verify failed")

    transport = RequestsTransport(session=Exploding())
    request = Request("POST", "https://api.stripe.com/v1/x", {}, {}, b"a=1")
    with pytest.raises(APIConnectionError) as info:
        transport.handle_request(request)
    # The cause names requests' exception but is a summary: the original holds the request.
    assert isinstance(info.value.__cause__, CauseSummary)
    assert info.value.__cause__.type_name == "requests.exceptions.SSLError"
    assert info.value.__cause__.__cause__ is None
    assert info.value.__context__ is None
    assert "SSLError" in str(info.value)
    assert info.value.should_retry is False  # a failed certificate check cannot pass later


def test_close_releases_the_pool_and_is_idempotent(fake_stripe: tuple[FakeStripe, str]) -> None:
    _, url = fake_stripe
    transport = RequestsTransport()
    client = Client(API_KEY, base_url=url, transport=transport)
    Session.create(client, {"customer": "cus_1"})
    client.close()
    client.close()
    assert transport._session.adapters == {} or all(
        not adapter.poolmanager.pools for adapter in transport._session.adapters.values()
    )


def test_the_pool_is_made_on_first_use_and_never_after_close(
    fake_stripe: tuple[FakeStripe, str],
) -> None:
    # A client built per web request pays for a connection pool only if it calls.
    _, url = fake_stripe
    transport = RequestsTransport()
    assert transport._pool is None
    with Client(API_KEY, base_url=url, transport=transport) as client:
        assert transport._pool is None
        Session.create(client, {"customer": "cus_1"})
        assert isinstance(transport._pool, requests.Session)
    unused = RequestsTransport()
    unused.close()
    assert unused._pool is None
    with pytest.raises(ConfigurationError, match="closed"):
        unused.handle_request(Request("POST", f"{url}/v1/x", {}, {}, b""))
    assert unused._pool is None
