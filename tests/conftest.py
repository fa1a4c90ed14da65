"""Shared fixtures: a scripted loopback HTTP server, the ``wire`` harness over every kind
of client (``tests/harness.py``), and suite-wide guards that no log record or Lattice
error ever carries a secret."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lattice_core import LatticeError
from lattice_core.testing import LoopbackServer

from .harness import API_KEY, KINDS, ScriptedApp, Wire

__all__ = ["API_KEY", "ScriptedApp", "Wire"]  # the harness, where tests import it from

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "stripe-openapi"

# An unmasked Stripe key anywhere in output is a leak; masked ones read "sk_test_…abcd".
# Only a letter or digit before the prefix makes it another word: "x_sk_live_..." is a key.
UNMASKED_KEY = re.compile(r"(?<![0-9A-Za-z])(?:sk|rk)_(?:test_|live_)?[0-9A-Za-z]{6,}")
UNMASKED_BEARER = re.compile(r"Bearer (?!\*\*\*)")
UNMASKED_PORTAL_URL = re.compile(
    r"billing\.stripe\.com(?:/|%2F)p(?:/|%2F)session(?:/|%2F)(?!\*\*\*)", re.IGNORECASE
)
LEAKS = (
    (UNMASKED_KEY, "a secret key"),
    (UNMASKED_BEARER, "an Authorization value"),
    (UNMASKED_PORTAL_URL, "a portal url"),
)

SESSION_JSON: dict[str, Any] = {
    "id": "bps_123",
    "object": "billing_portal.session",
    "configuration": "bpc_123",
    "created": 1764028800,
    "customer": "cus_123",
    "customer_account": None,
    "flow": None,
    "livemode": False,
    "locale": None,
    "on_behalf_of": None,
    "return_url": "https://example.com/account",
    "url": "https://billing.stripe.com/p/session/test_SECRET_PORTAL_TOKEN",
}


@pytest.fixture
def scripted() -> Iterator[tuple[ScriptedApp, str]]:
    """A real HTTP server on 127.0.0.1 answering from a script."""
    app = ScriptedApp()
    with LoopbackServer(app) as server:
        yield app, server.url
        app.release.set()


@pytest.fixture(params=KINDS)
def wire(request: pytest.FixtureRequest) -> Iterator[Wire]:
    """The one sync/async harness: the same test over stub and real HTTP, sync and async.

    A test that needs fewer kinds says which with ``@over(...)`` (``tests/harness.py``).
    """
    with Wire(request.param) as wire:
        yield wire


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_secret_in_logs() -> Iterator[list[logging.LogRecord]]:
    """Every test runs with DEBUG logging captured; no record may hold a key or portal URL."""
    handler = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    for record in handler.records:
        # The message, and every field a handler could print (structured ``record.lattice``
        # fields, arguments, an exception's text), not only the formatted message.
        text = " ".join([record.getMessage(), *map(repr, vars(record).values())])
        for pattern, what in LEAKS:
            if pattern.search(text):  # pytest.fail, not assert: an assert would print the match
                pytest.fail(f"{what} in a log record of {record.name!r}", pytrace=False)


def leaked_errors(errors: list[LatticeError]) -> list[str]:
    """Names of the errors whose message or repr shows the suite's key."""
    secret = API_KEY[len("sk_test_") : -4]  # all but what masking may show
    texts = ((e, (str(e), repr(e), str(getattr(e, "message", "")))) for e in errors)
    return [type(e).__name__ for e, shown in texts if any(secret in t for t in shown)]


@pytest.fixture(autouse=True)
def no_key_in_errors(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[LatticeError]]:
    """No Lattice error made during a test may show the suite's key, even one a test catches.

    Checked at teardown, not when made: the pipeline redacts some messages in place.
    """
    created: list[LatticeError] = []
    original = LatticeError.__init__

    def recording_init(self: LatticeError, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(LatticeError, "__init__", recording_init)
    yield created
    leaked = leaked_errors(created)
    if leaked:  # pytest.fail, not assert: the rewritten assert would print the key
        pytest.fail(f"suite API key in the message of {', '.join(leaked)}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Fail any test whose captured stdout, stderr or log shows an unmasked key or portal URL."""
    report = yield
    # The teardown report carries the sections of all three phases.
    if report.when == "teardown" and report.passed:
        captured = "\n".join(text for _, text in report.sections)
        leak = UNMASKED_KEY.search(captured) or UNMASKED_PORTAL_URL.search(captured)
        if leak:
            report.outcome = "failed"
            report.longrepr = f"secret leaked into captured output of {item.nodeid}"
            report.sections = []  # reporting the failure must not print the secret again
    return report
