"""A raw-socket HTTP server on 127.0.0.1 that answers with exactly the bytes it is given.

Broken status lines, header lines without a colon, cut bodies, a byte at a
time, a certificate no client trusts: what a real server library would refuse
to send. Each connection is served on a thread of its own (a trickle to one
client must not hold up the next); :meth:`close` (or leaving the ``with``
block) stops them all, a trickle included, without waiting out any delay.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import threading
from pathlib import Path
from types import TracebackType

__all__ = ["HEAD_END", "RawServer"]

HEAD_END = b"\r\n\r\n"
DATA = Path(__file__).parent / "data"


class RawServer:
    """Answers every connection with :attr:`script`, then closes it.

    In the script, ``{AUTH}`` becomes the request's ``Authorization`` value (a
    hostile proxy echoing it) and ``{LEN}`` the length of what follows the head.
    ``trickle`` sends one byte per that many seconds; ``tls`` wraps each
    connection in a self-signed certificate, so the client's check fails.
    :attr:`served` counts answers, :attr:`connections` accepted connections.
    """

    def __init__(self, script: bytes = b"", *, trickle: float = 0.0, tls: bool = False) -> None:
        self.script = script
        self.trickle = trickle
        self.served = 0
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self._listener.getsockname()[1]}"
        self._tls: ssl.SSLContext | None = None
        if tls:
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(DATA / "selfsigned.pem", DATA / "selfsigned-key.pem")
        self._stop = threading.Event()
        self._workers: list[threading.Thread] = []
        self._wake_read, self._wake_write = socket.socketpair()
        self._thread = threading.Thread(target=self._run, name="raw-http-server", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._wake_read:
                        return
                    try:
                        conn, _ = self._listener.accept()
                    except OSError:
                        continue
                    self.connections += 1
                    worker = threading.Thread(target=self._serve_and_close, args=(conn,))
                    worker.start()
                    self._workers.append(worker)

    def _serve_and_close(self, conn: socket.socket) -> None:
        with conn:
            self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        if self._tls is not None:
            with contextlib.suppress(OSError):  # the client refuses the certificate
                conn.settimeout(5)
                self._tls.wrap_socket(conn, server_side=True).close()
            return
        conn.settimeout(5)
        try:
            fields = _read_request(conn)
            if fields is None:
                return
            script = self.script.replace(b"{AUTH}", fields.get(b"authorization", b""))
            if b"{LEN}" in script:
                rest = script.split(HEAD_END, 1)[-1]
                script = script.replace(b"{LEN}", str(len(rest)).encode())
            self.served += 1
            if not self.trickle:
                conn.sendall(script)
            else:
                for index in range(len(script)):
                    if self._stop.wait(self.trickle):  # the fault: one byte per interval
                        return
                    conn.sendall(script[index : index + 1])
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            return  # the client gave up mid-answer: that is one of the cases

    def close(self) -> None:
        self._stop.set()
        self._wake_write.send(b"x")
        self._thread.join(timeout=10)
        for worker in self._workers:
            worker.join(timeout=10)
        alive = self._thread.is_alive() or any(w.is_alive() for w in self._workers)
        for sock in (self._listener, self._wake_read, self._wake_write):
            sock.close()
        assert not alive, "the raw server thread did not stop"

    def __enter__(self) -> RawServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _read_request(conn: socket.socket) -> dict[bytes, bytes] | None:
    """Read one request whole; its header fields (lower-cased names), or ``None`` if cut."""
    received = b""
    while HEAD_END not in received:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        received += chunk
    head, _, body = received.partition(HEAD_END)
    lines = head.split(b"\r\n")
    pairs = (line.split(b":", 1) for line in lines[1:] if b":" in line)
    fields = {name.strip().lower(): value.strip() for name, value in pairs}
    wanted = int(fields.get(b"content-length", b"0") or 0)
    while len(body) < wanted:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return fields
