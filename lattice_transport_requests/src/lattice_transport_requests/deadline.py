"""A whole-attempt time limit for `requests`, which only knows per-read timeouts.

`requests`' read timeout restarts on every byte, so a server that trickles
its answer can hold a call for ever. Here each attempt gets a deadline: every
read of the response (status line, headers and body alike) may wait only for
the time left, and none starts once it has passed. It works at the one place
every read goes through, the `http.client` response's file object, by
giving the pool's connections a response class that reads through
`_DeadlineReader`. The deadline travels in a thread-local, set by the
transport around `Session.send` (requests is blocking: the reads run on the
caller's thread).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import requests.adapters
import urllib3.connection
import urllib3.connectionpool

__all__ = ["DeadlineAdapter", "attempt_deadline"]

_local = threading.local()


@contextlib.contextmanager
def attempt_deadline(seconds: float) -> Iterator[float]:
    """Reads on this thread must finish within `seconds`; yields the deadline (monotonic)."""
    deadline = time.monotonic() + seconds
    _local.deadline = deadline
    try:
        yield deadline
    finally:
        _local.deadline = None


class _DeadlineReader(io.RawIOBase):
    """Raw reads from a socket, each allowed only the time left before the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the attempt's time limit passed while reading the response")
        usual = self._sock.gettimeout()
        self._sock.settimeout(left if usual is None else min(left, usual))
        try:
            return self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(usual)


class _SocketView:
    """What `http.client.HTTPResponse` needs of a socket: `makefile`, deadline-bound."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        deadline = getattr(_local, "deadline", None)
        view: Any = sock if deadline is None else _SocketView(sock, deadline)
        super().__init__(view, *args, **kwargs)


class _HTTPConnection(urllib3.connection.HTTPConnection):
    response_class = _DeadlineResponse


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    response_class = _DeadlineResponse


class _HTTPConnectionPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSConnectionPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPConnectionPool, "https": _HTTPSConnectionPool}


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """`HTTPAdapter` whose connections (direct or through a proxy) honour the deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager
