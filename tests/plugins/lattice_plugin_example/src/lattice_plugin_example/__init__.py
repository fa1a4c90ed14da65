"""A third-party Lattice plugin: counts attempts and calls, adds a header.

The entry point names the class, so every client gets its own counters.
``EVENTS`` records the order hooks ran in, across all instances, for tests.
"""

from __future__ import annotations

from typing import Any

from lattice_core import Request, hookimpl

__all__ = ["EVENTS", "HEADER", "ExamplePlugin"]

HEADER = "X-Lattice-Example"
EVENTS: list[str] = []


class ExamplePlugin:
    """Counts attempts and finished calls of one client."""

    def __init__(self) -> None:
        self.attempts = 0
        self.calls = 0

    @hookimpl
    def before_request(self, request: Request) -> None:
        self.attempts += 1
        request.headers[HEADER] = str(self.attempts)
        EVENTS.append("example.before_request")

    @hookimpl
    def after_response(self, request: Request, response: Any, error: Any) -> None:
        EVENTS.append("example.after_response")

    @hookimpl
    def after_call(self, request: Request) -> None:
        self.calls += 1
        EVENTS.append("example.after_call")
