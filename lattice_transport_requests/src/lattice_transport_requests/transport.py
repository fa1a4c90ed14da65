"""A pooled, keep-alive `requests` transport.

One `requests.Session` per transport keeps connections alive between calls.
Proxy and CA-bundle settings are read from the environment once per host
instead of on every call (plain `requests` re-reads them each time, which is
most of its per-call overhead), and netrc is never consulted: the API key is the
only credential sent. Each attempt is bounded as a whole (connect, send, and
reading the full response), not just per read: see `deadline.py`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback

import requests
import requests.cookies
import requests.utils

from lattice_core import LatticeError, Request, Response, Transport
from lattice_core.masking import mask
from lattice_core.transport import attempt_timeout, closed_error, no_answer_error

from .deadline import DeadlineAdapter, attempt_deadline

__all__ = ["RequestsTransport"]

_NO_COOKIES = requests.cookies.RequestsCookieJar()
# urllib3 gives the version it spoke as an int.
_HTTP_VERSIONS: dict[object, str] = {11: "1.1", 10: "1.0", 20: "2", 30: "3", 9: "0.9"}


class _MaskedRecords(logging.Filter):
    """Mask secrets in urllib3's own log records before any handler sees them.

    urllib3 logs a header line it cannot parse, with the exception, at WARNING:
    a server (or proxy) that reflects the `Authorization` header into a
    malformed line would put the key in the application's logs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep its template, drop its arguments
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = mask("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True


for _name in ("urllib3.connection", "urllib3.connectionpool"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _MaskedRecords) for f in _logger.filters):
        _logger.addFilter(_MaskedRecords())


def _mapped(
    request: Request, exc: BaseException, transport: RequestsTransport, deadline: float
) -> LatticeError:
    """The Lattice error for a `requests` failure (its cause a masked summary).

    A failure because the client was closed mid-call is the `ConfigurationError`
    of a closed client instead, so it is not retried. Running out of the
    attempt's time shows up as whatever the interrupted read raised; it is a timeout.
    """
    if transport.closed:
        return closed_error()
    timed_out = isinstance(exc, requests.Timeout) or time.monotonic() >= deadline
    return no_answer_error(request, exc, timed_out=timed_out)


class RequestsTransport(Transport):
    """Send requests through one pooled `requests.Session`.

    Each attempt may take `request.timeout` seconds in all, from connecting
    to reading the last byte (the client's `timeout`). TLS certificates are
    always verified (`REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` choose the
    bundle); proxies come from the environment (`HTTPS_PROXY`, `NO_PROXY`...),
    read once per host. Pass an instance as `Client(transport=RequestsTransport(...))`.

    Args:
        timeout: Caps each attempt's seconds, if given; the client's `timeout`
            applies too, and the shorter wins.
        session: A `requests.Session` to send through; it keeps any adapter of
            its own, and one with requests' default adapters gets the
            whole-attempt bound too. `None` makes one on the first request.
    """

    user_agent = f"requests/{requests.__version__}"
    """`requests/` and the installed requests version, for the `User-Agent` header."""

    def __init__(
        self, *, timeout: float | None = None, session: requests.Session | None = None
    ) -> None:
        self._own_timeout = timeout
        # Made on first use: a client built per web request pays for its pool only if it calls.
        self._pool: requests.Session | None = None if session is None else _adapted(session)
        self._verify: str | bool = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._proxies: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self.closed: bool = False
        """Whether `close()` was called; a closed transport sends nothing."""

    @property
    def _session(self) -> requests.Session:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self.closed:  # closed while this call started: no new pool
                    raise closed_error()
                if self._pool is None:
                    self._pool = _adapted(requests.Session())
                pool = self._pool
        return pool

    def _proxies_for(self, url: str) -> dict[str, str]:
        origin = url[: url.find("/", url.find("//") + 2)] if url.count("/") > 2 else url
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = dict(requests.utils.get_environ_proxies(url))
            with self._lock:
                self._proxies[origin] = proxies
        return proxies

    def handle_request(self, request: Request) -> Response:
        """Send `request` once, redirects not followed, and return the answer.

        Args:
            request: The attempt the client sends.

        Returns:
            The status, headers (lower-cased names) and whole body.

        Raises:
            APIConnectionError: No HTTP answer came in time (the cause summarised
                and masked).
            ConfigurationError: The transport (its client) was closed.
        """
        if self.closed:  # requests would quietly open a new pool
            raise closed_error()
        prepared = requests.PreparedRequest()
        prepared.method = request.method
        prepared.url = request.url
        prepared.headers = requests.structures.CaseInsensitiveDict(request.headers)
        prepared.body = request.content or None
        # requests' redirect bookkeeping reads the cookie jar even with redirects off;
        # an empty one, never written (it copies it first), so a 3xx is just a status.
        prepared.prepare_cookies(_NO_COOKIES)
        if request.content:
            prepared.headers["Content-Length"] = str(len(request.content))
        seconds = attempt_timeout(request, self._own_timeout)
        with attempt_deadline(seconds) as deadline:
            try:
                raw = self._session.send(
                    prepared,
                    timeout=(seconds, seconds),
                    verify=self._verify,
                    proxies=self._proxies_for(request.url),
                    allow_redirects=False,
                    stream=False,
                )
            except requests.RequestException as exc:
                failure: BaseException = exc
            else:
                return Response(
                    status_code=raw.status_code,
                    headers={k.lower(): v for k, v in raw.headers.items()},
                    content=raw.content,
                    http_version=_HTTP_VERSIONS.get(getattr(raw.raw, "version", None)),
                )
        # Raised here, outside the except block, so requests' exception (which holds the
        # request, Authorization header and all) is not chained as __context__ either.
        raise _mapped(request, failure, self, deadline)

    def close(self) -> None:
        """Close the pooled session; calling it twice is harmless."""
        self.closed = True
        with self._lock:
            if self._pool is not None:
                self._pool.close()


def _adapted(session: requests.Session) -> requests.Session:
    """`session` with each default adapter bounded per attempt, and settings fixed by us."""
    for prefix, adapter in list(session.adapters.items()):
        if type(adapter) is requests.adapters.HTTPAdapter:
            session.mount(prefix, _deadline_adapter_like(adapter))
    # Settings come from us, not re-read from the environment per call.
    session.trust_env = False
    return session


def _deadline_adapter_like(adapter: requests.adapters.HTTPAdapter) -> DeadlineAdapter:
    """A `DeadlineAdapter` with `adapter`'s pool sizes and retry settings."""
    defaults = requests.adapters
    return DeadlineAdapter(
        pool_connections=getattr(adapter, "_pool_connections", defaults.DEFAULT_POOLSIZE),
        pool_maxsize=getattr(adapter, "_pool_maxsize", defaults.DEFAULT_POOLSIZE),
        max_retries=adapter.max_retries,
        pool_block=getattr(adapter, "_pool_block", defaults.DEFAULT_POOLBLOCK),
    )
