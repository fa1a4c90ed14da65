"""What each contender does per call: one portal session created over loopback HTTP.

Every contender encodes the params, sends the same four headers Lattice sends
(``Authorization``, ``Stripe-Version``, a fresh ``Idempotency-Key``, the form
``Content-Type``) and decodes the JSON answer, so the comparison is of client work
only. Lattice always runs with the test-only ``example`` plugin disabled: it is
installed for the suite, not by users. Heavy imports happen inside the factories,
so a worker process loads only its own contender's libraries.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import urlencode

PARAMS = {"customer": "cus_bench", "return_url": "https://example.com/account"}
API_VERSION = "2026-10-28.endive"
SESSIONS = "/v1/billing_portal/sessions"
# The suite installs an example third-party plugin; measure what users get: the built-ins.
TEST_ONLY_PLUGINS = ("example",)
BUILTIN_PLUGINS = ("retry", "telemetry", "redaction")

SyncCall = Callable[[], object]
AsyncCall = Callable[[], Awaitable[object]]

SYNC = ("requests", "lattice", "stripe")
ASYNC = ("aiohttp", "lattice-async", "stripe-async")
# Lattice sync with one built-in plugin off (or all three), priced against "lattice".
PLUGIN_VARIANTS = (*(f"lattice-no-{name}" for name in BUILTIN_PLUGINS), "lattice-no-plugins")


def plain_headers(api_key: str) -> dict[str, str]:
    """The headers Lattice sends, built per call as a hand-written client would."""
    return {
        "Authorization": f"Bearer {api_key}",
        "Stripe-Version": API_VERSION,
        "Idempotency-Key": str(uuid.uuid4()),
        "Content-Type": "application/x-www-form-urlencoded",
    }


def check(name: str, result: object) -> None:
    """Fail loudly unless ``result`` is a decoded ``billing_portal.session``."""
    if name.startswith(("requests", "aiohttp")):
        assert isinstance(result, dict), type(result)
        kind, session_id = result.get("object"), result.get("id")
    elif name.startswith("lattice"):
        from lattice_core.billing_portal import Session

        assert isinstance(result, Session), type(result)
        kind, session_id = result.object, result.id
    else:
        import stripe

        assert isinstance(result, stripe.billing_portal.Session), type(result)
        kind, session_id = result.object, result.id
    assert kind == "billing_portal.session", kind
    assert isinstance(session_id, str), session_id
    assert session_id.startswith("bps_"), session_id


def _disabled(name: str) -> list[str]:
    off = name.removeprefix("lattice-no-") if name.startswith("lattice-no-") else None
    extra = BUILTIN_PLUGINS if off == "plugins" else (off,) if off else ()
    return [*TEST_ONLY_PLUGINS, *extra]


def _active(name: str, plugins: list[str]) -> list[str]:
    """The built-ins ``plugins`` holds, checked against what ``name`` should have on."""
    active = sorted(p for p in plugins if p in BUILTIN_PLUGINS)
    expected = sorted(set(BUILTIN_PLUGINS) - set(_disabled(name)))
    if active != expected or "example" in plugins:
        raise RuntimeError(f"{name}: plugins {plugins}, expected built-ins {expected}")
    return active


@contextmanager
def sync_contender(name: str, url: str, api_key: str) -> Iterator[tuple[SyncCall, list[str]]]:
    """Yield ``(call, active plugins)`` for a sync contender; closes what it opened."""
    if name == "requests":
        import requests

        with requests.Session() as http:
            endpoint = url + SESSIONS

            def plain() -> object:
                body, headers = urlencode(PARAMS), plain_headers(api_key)
                return http.post(endpoint, data=body, headers=headers, timeout=80).json()

            yield plain, []
    elif name == "lattice" or name in PLUGIN_VARIANTS:
        from lattice_core import Client
        from lattice_core.billing_portal import Session

        with Client(api_key, base_url=url, disable_plugins=_disabled(name)) as client:
            yield (lambda: Session.create(client, PARAMS)), _active(name, client.plugins)
    elif name == "stripe":
        import stripe

        sdk = stripe.StripeClient(api_key, base_addresses={"api": url}, max_network_retries=0)
        sessions = sdk.v1.billing_portal.sessions
        yield (lambda: sessions.create(params=dict(PARAMS))), []  # type: ignore[arg-type]
    else:
        raise ValueError(f"unknown sync contender {name!r}")


@asynccontextmanager
async def async_contender(
    name: str, url: str, api_key: str
) -> AsyncIterator[tuple[AsyncCall, list[str]]]:
    """Yield ``(call, active plugins)`` for an async contender, one client shared by all tasks."""
    if name == "aiohttp":
        import aiohttp

        async with aiohttp.ClientSession() as http:
            endpoint = url + SESSIONS

            async def plain() -> object:
                headers = plain_headers(api_key)
                async with http.post(endpoint, data=urlencode(PARAMS), headers=headers) as r:
                    return await r.json()

            yield plain, []
    elif name == "lattice-async":
        from lattice_core import AsyncClient
        from lattice_core.billing_portal import Session

        async with AsyncClient(api_key, base_url=url, disable_plugins=_disabled(name)) as client:
            yield (lambda: Session.create_async(client, PARAMS)), _active(name, client.plugins)
    elif name == "stripe-async":
        import stripe

        transport = stripe.AIOHTTPClient()
        sdk = stripe.StripeClient(
            api_key, base_addresses={"api": url}, max_network_retries=0, http_client=transport
        )
        sessions = sdk.v1.billing_portal.sessions

        def official() -> Awaitable[Any]:
            return sessions.create_async(params=dict(PARAMS))  # type: ignore[arg-type]

        try:
            yield official, []
        finally:
            await transport.close_async()  # type: ignore[no-untyped-call]
    else:
        raise ValueError(f"unknown async contender {name!r}")
