"""A tiny threaded HTTP/1.1 server on a loopback address, for fakes and tests.

It serves any *app*: a function `(method, path, headers, body) -> (status,
headers, body)`. It refuses to bind anything but a loopback address unless
`force=True`, so a test can never expose a fake Stripe on the network. An app
that raises still answers the client, with a Stripe-shaped error (400 for
undecodable input, 500 `api_error` otherwise), never a dropped connection; an app
drops one on purpose by raising [`Disconnect`][lattice_core.testing.Disconnect].
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from ..errors import ConfigurationError, InvalidParamsError
from ..http import is_loopback_host

__all__ = ["App", "Disconnect", "LoopbackServer", "address_family"]

App = Callable[[str, str, Mapping[str, str], bytes], tuple[int, Mapping[str, str], bytes]]
"""An HTTP-shaped app: `(method, path, headers, body) -> (status, headers, body)`.

It may raise [`Disconnect`][lattice_core.testing.Disconnect] to answer nothing."""


class Disconnect(Exception):
    """Raised by an app to fail the request as a network fault: no answer at all.

    [`LoopbackServer`][lattice_core.testing.LoopbackServer] closes the connection
    without a response, and a stub made with
    [`StubTransport.from_app`][lattice_core.testing.StubTransport.from_app] raises an
    [`APIConnectionError`][lattice_core.APIConnectionError].
    [`FakeStripe.disconnect_next`][lattice_core.testing.FakeStripe.disconnect_next]
    plans one.
    """


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one write, without Nagle: no 40 ms delayed-ACK stalls.
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0:
                raise ValueError(length)
        except ValueError:
            self.close_connection = True  # the body cannot be framed, so the stream is lost
            self._reply(*_failure(400, "invalid_request_error", "Invalid Content-Length header."))
            return
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            answer = self.server.app(self.command, self.path, headers, body)
        except Disconnect:  # a network fault on purpose: close without a byte of answer
            self.close_connection = True
            return
        except (UnicodeError, InvalidParamsError):
            answer = _failure(400, "invalid_request_error", "Invalid request: undecodable input.")
        except Exception as exc:  # a client gets an answer, never a reset
            # Only the type: an exception's text could hold a key or a portal url.
            message = f"The app raised {type(exc).__name__}."
            answer = _failure(500, "api_error", message)
        self._reply(*answer)

    def _reply(self, status: int, out_headers: Mapping[str, str], out_body: bytes) -> None:
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(out_body)))
        self.end_headers()
        self.wfile.write(out_body)

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: request lines could carry ids a test prints."""


def _failure(status: int, err_type: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """A Stripe-shaped error answer, for what the app could not answer itself."""
    body = json.dumps({"error": {"type": err_type, "message": message}}).encode()
    return status, {"Content-Type": "application/json"}, body


def address_family(host: str) -> socket.AddressFamily:
    """The socket family to bind `host` with: IPv6 for an IPv6 literal such as `::1`."""
    try:
        ipv6 = ipaddress.ip_address(host).version == 6
    except ValueError:  # a name such as localhost
        ipv6 = False
    return socket.AF_INET6 if ipv6 else socket.AF_INET


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.address_family = address_family(address[0])
        self.app = app
        self.lock = threading.Lock()
        self.connections = 0
        super().__init__(address, _Handler)


class LoopbackServer:
    """Serve `app` on `host:port` in a background thread.

    Use it as a context manager (or call `start` and `stop`);
    [`url`][lattice_core.testing.LoopbackServer.url] is the base URL to give a
    client.

    Args:
        app: What answers each request, such as a
            [`FakeStripe`][lattice_core.testing.FakeStripe].
        host: The address to bind: a loopback one unless `force` is set.
        port: The port; 0 picks a free one.
        force: Serve on a host that is not loopback.

    Raises:
        ConfigurationError: `host` is not a loopback address and `force` is not set.
    """

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0, *, force: bool = False):
        if not force and not is_loopback_host(host):
            raise ConfigurationError(
                f"refusing to serve on {host!r}: use a loopback address such as 127.0.0.1 "
                "(pass force=True only if you really mean to expose it).",
                option="force",
            )
        self._server = _Server((host, port), app)
        # A short poll interval makes stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.host: str = host
        """The address served on."""
        self.port: int = self._server.server_address[1]
        """The port served on (the one picked, when 0 was asked)."""

    @property
    def connections(self) -> int:
        """How many TCP connections clients have opened so far."""
        return self._server.connections

    @property
    def url(self) -> str:
        """The base URL to give a client: `http://127.0.0.1:<port>`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> LoopbackServer:
        """Start serving in a background thread; returns the server itself."""
        self._thread.start()
        return self

    def wait(self) -> None:
        """Block until the server is stopped (from another thread, or by a signal)."""
        self._thread.join()

    def stop(self) -> None:
        """Stop serving and close the socket; returns when the thread has ended."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
