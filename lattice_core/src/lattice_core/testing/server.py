"""A tiny threaded HTTP/1.1 server on a loopback address, for fakes and tests.

It serves any *app*: a function ``(method, path, headers, body) -> (status,
headers, body)``. It refuses to bind anything but a loopback address unless
``force=True``, so a test can never expose a fake Stripe on the network.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from ..errors import ConfigurationError
from ..http import is_loopback_host

__all__ = ["App", "LoopbackServer"]

App = Callable[[str, str, Mapping[str, str], bytes], tuple[int, Mapping[str, str], bytes]]


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
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, out_headers, out_body = self.server.app(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in out_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(out_body)))
        self.end_headers()
        self.wfile.write(out_body)

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: request lines could carry ids a test prints."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.connections = 0
        super().__init__(address, _Handler)


class LoopbackServer:
    """Serve ``app`` on ``host:port`` (port 0 picks a free one) in a background thread.

    Use as a context manager; :attr:`url` is the base URL to give a client.
    """

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0, *, force: bool = False):
        if not force and not is_loopback_host(host):
            raise ConfigurationError(
                f"refusing to serve on {host!r}: use a loopback address such as 127.0.0.1 "
                "(pass force=True, or --force, only if you really mean to expose it)."
            )
        self._server = _Server((host, port), app)
        # A short poll interval makes stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.host = host
        self.port: int = self._server.server_address[1]

    @property
    def connections(self) -> int:
        """How many TCP connections clients have opened so far."""
        return self._server.connections

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def wait(self) -> None:
        """Block until the server is stopped (from another thread, or by a signal)."""
        self._thread.join()

    def stop(self) -> None:
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
