"""A pooled, keep-alive ``requests`` transport.

One ``requests.Session`` per transport keeps connections alive between calls.
Proxy and CA-bundle settings are read from the environment once per host
instead of on every call (plain ``requests`` re-reads them each time, which is
most of its per-call overhead), and netrc is never consulted: the API key is the
only credential sent.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import requests
import requests.utils

from lattice_core import Request, Response, Transport
from lattice_core.transport import attempt_timeout, closed_error, connection_error

__all__ = ["RequestsTransport"]


@contextlib.contextmanager
def _map_errors(request: Request, transport: RequestsTransport) -> Iterator[None]:
    """Turn every ``requests`` failure into ``APIConnectionError`` (cause chained).

    A failure because the client was closed mid-call is the ``ConfigurationError``
    of a closed client instead, so it is not retried.
    """
    try:
        yield
    except requests.RequestException as exc:
        if transport.closed:
            raise closed_error() from exc
        raise connection_error(request, exc, timed_out=isinstance(exc, requests.Timeout)) from exc


class RequestsTransport(Transport):
    """Send requests through one pooled ``requests.Session``.

    Each attempt may take ``request.timeout`` seconds to connect and again to
    read (the client's ``timeout``); ``timeout`` here, if given, caps that. TLS
    certificates are always verified (``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``
    choose the bundle); proxies come from the environment (``HTTPS_PROXY``,
    ``NO_PROXY``...), read once per host.
    """

    user_agent = f"requests/{requests.__version__}"

    def __init__(
        self, *, timeout: float | None = None, session: requests.Session | None = None
    ) -> None:
        self._own_timeout = timeout
        self._session = session or requests.Session()
        # Settings come from us, not re-read from the environment per call.
        self._session.trust_env = False
        self._verify: str | bool = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._proxies: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self.closed = False

    def _proxies_for(self, url: str) -> dict[str, str]:
        origin = url[: url.find("/", url.find("//") + 2)] if url.count("/") > 2 else url
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = dict(requests.utils.get_environ_proxies(url))
            with self._lock:
                self._proxies[origin] = proxies
        return proxies

    def handle_request(self, request: Request) -> Response:
        if self.closed:  # requests would quietly open a new pool
            raise closed_error()
        prepared = requests.PreparedRequest()
        prepared.method = request.method
        prepared.url = request.url
        prepared.headers = requests.structures.CaseInsensitiveDict(request.headers)
        prepared.body = request.content or None
        if request.content:
            prepared.headers["Content-Length"] = str(len(request.content))
        seconds = attempt_timeout(request, self._own_timeout)
        with _map_errors(request, self):
            raw = self._session.send(
                prepared,
                timeout=(seconds, seconds),
                verify=self._verify,
                proxies=self._proxies_for(request.url),
                allow_redirects=False,
                stream=False,
            )
        return Response(
            status_code=raw.status_code,
            headers={k.lower(): v for k, v in raw.headers.items()},
            content=raw.content,
        )

    def close(self) -> None:
        self.closed = True
        self._session.close()
