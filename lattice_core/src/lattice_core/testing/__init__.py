"""Test doubles shipped with Lattice: a stub transport, a fake Stripe, a loopback server."""

from ..encoding import decode_form
from .fake_stripe import FakeStripe
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
