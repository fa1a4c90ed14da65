"""Test doubles shipped with Lattice: a stub transport, a fake Stripe, a loopback server."""

from .fake_stripe import FakeStripe, decode_form
from .server import Disconnect, LoopbackServer
from .stub import (
    AsyncStubTransport,
    StubTransport,
    connection_error,
    error_response,
    json_response,
)

__all__ = [
    "AsyncStubTransport",
    "Disconnect",
    "FakeStripe",
    "LoopbackServer",
    "StubTransport",
    "connection_error",
    "decode_form",
    "error_response",
    "json_response",
]
