"""Whatever comes back, a call returns a ``Session`` or raises a ``LatticeError``.

Bodies are fuzzed through the stub transports (random bytes, cut or mistyped sessions,
invalid UTF-8, JSON nested far too deep, ~5 MB bodies, lists, nulls, numbers, HTML);
status lines and headers are fuzzed over real HTTP from a raw socket server on
127.0.0.1, through the ``requests`` and ``aiohttp`` transports. Nothing may escape as
``RecursionError`` or any other exception; a decoded ``Session`` must re-encode; and no
error, nor anything reachable from it, may show the API key, an ``Authorization``
value or a portal url.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
import requests
from hypothesis import Phase, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from lattice_core import (
    APIError,
    AsyncClient,
    Client,
    LatticeError,
    Response,
    StripeError,
)
from lattice_core.billing_portal import Session
from lattice_core.limits import MAX_DEPTH
from lattice_core.testing import AsyncStubTransport, StubTransport

from ..conftest import API_KEY, SESSION_JSON
from .rawserver import RawServer
from .test_leak_scan import CUSTOM_DOMAIN_URL, PORTAL_TOKEN, fail, leak_kinds

PARAMS = {"customer": "cus_123"}
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
#: A value no error message may quote: it only ever sits in a body that parsed as JSON.
MARKER = "QuoteMeNot7f3a"
#: An error message quoting a non-JSON body keeps it to a short snippet.
MAX_MESSAGE = 1000
SECRETS = (PORTAL_TOKEN, API_KEY)
STATUSES = (200, 201, 299, 302, 400, 401, 402, 403, 404, 409, 418, 429, 500, 502, 503)

# --------------------------------------------------------------------------- judging


def note_outcome(name: str) -> None:
    """Count outcomes in hypothesis' statistics (a no-op in a plain test)."""
    if currently_in_test_context():
        event(name)


def _is_json(content: bytes) -> bool:
    try:
        json.loads(content)
    except (ValueError, RecursionError):
        return False
    return True


def _stripe_fields(content: bytes) -> list[str]:
    """The string fields of a Stripe error object (``message``, ``code``, ``param``...):
    the parts of a JSON body an error may show, masked."""
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        return []
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return []
    return [value for value in error.values() if isinstance(value, str)]


def _texts_of(error: BaseException) -> list[str]:
    texts = [str(error), repr(error)]
    message = getattr(error, "message", None)
    if isinstance(message, str):
        texts.append(message)
    return texts


def judge(outcome: Session | BaseException, status: int, content: bytes) -> None:
    """A ``Session`` only for a 2xx (and one that re-encodes), else a typed error that
    quotes no JSON body, no long snippet and no secret."""
    if isinstance(outcome, Session):
        note_outcome("session")
        if not 200 <= status < 300:
            fail(f"HTTP {status} decoded to a Session")
        try:
            data = outcome.to_dict()
            shown = repr(outcome)
        except Exception as exc:
            fail(f"a decoded Session cannot be re-encoded: {type(exc).__name__}")
        if not isinstance(data, dict):
            fail(f"to_dict() gave a {type(data).__name__}")
        kinds = leak_kinds(shown, secrets=(PORTAL_TOKEN,))
        if kinds:
            fail(f"{', '.join(kinds)} in repr(session)")
        return
    note_outcome(type(outcome).__name__)
    if not isinstance(outcome, LatticeError):
        fail(f"raised {type(outcome).__name__}, expected a Session or a LatticeError")
    if 200 <= status < 300 and not isinstance(outcome, APIError):
        fail(f"a 2xx that is not a session raised {type(outcome).__name__}, expected APIError")
    if not 200 <= status < 300 and not isinstance(outcome, StripeError):
        fail(f"HTTP {status} raised {type(outcome).__name__}, expected a StripeError")
    texts = _texts_of(outcome)
    for text in texts:
        kinds = leak_kinds(text, secrets=SECRETS)
        if kinds:
            fail(f"{', '.join(kinds)} in the {type(outcome).__name__}")
    stripe_fields = _stripe_fields(content)
    if any(MARKER in field for field in stripe_fields):
        return  # Stripe's own words (message, code...): shown, masked (checked above)
    if _is_json(content):
        if any(MARKER in text for text in texts):
            fail(f"the {type(outcome).__name__} quotes a response body that parsed as JSON")
    elif len(getattr(outcome, "message", "")) > MAX_MESSAGE:
        fail(f"the {type(outcome).__name__} message is not a short snippet")


def call_stub(status: int, content: bytes, headers: dict[str, str] | None = None) -> Any:
    response = Response(status, {"content-type": "application/json", **(headers or {})}, content)
    with Client(API_KEY, transport=StubTransport(response), max_retries=0) as client:
        try:
            return Session.create(client, PARAMS)
        except Exception as exc:
            return exc


def call_async_stub(status: int, content: bytes, headers: dict[str, str] | None = None) -> Any:
    response = Response(status, {"content-type": "application/json", **(headers or {})}, content)

    async def run() -> Any:
        transport = AsyncStubTransport(response)
        async with AsyncClient(API_KEY, transport=transport, max_retries=0) as client:
            try:
                return await Session.create_async(client, PARAMS)
            except Exception as exc:
                return exc

    return asyncio.run(run())


# --------------------------------------------------------------------------- bodies


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def _nested(levels: int, leaf: str = "1", opener: str = '{"a":', closer: str = "}") -> bytes:
    return (opener * levels + leaf + closer * levels).encode()


def _session(**changes: Any) -> dict[str, Any]:
    return {**SESSION_JSON, "url": CUSTOM_DOMAIN_URL, **changes}


def _deep_value(levels: int) -> Any:
    value: Any = MARKER
    for _ in range(levels):
        value = {"a": value}
    return value


SESSION_BYTES = _dumps(_session(extra_note=MARKER))
# What hypothesis draws from holds a placeholder, filled in inside the test: a failing
# example is printed, and must not print a portal url.
URL_PLACEHOLDER = b"{URL}"
FUZZ_SESSION = SESSION_BYTES.replace(CUSTOM_DOMAIN_URL.encode(), URL_PLACEHOLDER)


def _fill(content: bytes) -> bytes:
    return content.replace(URL_PLACEHOLDER, CUSTOM_DOMAIN_URL.encode())


BIG = 5 * 1024 * 1024

BODIES: dict[str, bytes] = {
    "empty": b"",
    "whitespace": b" \r\n\t ",
    "null": b"null",
    "true": b"true",
    "number": b"42",
    "float-overflow": b"1e999",
    "nan": b"NaN",
    "string": _dumps(MARKER),
    "list": _dumps([MARKER, 1]),
    "list-of-session": _dumps([_session()]),
    "empty-object": b"{}",
    "truncated-session": SESSION_BYTES[: len(SESSION_BYTES) // 2],
    "truncated-after-url": SESSION_BYTES[: SESSION_BYTES.index(b"q7Z") + 3],
    "invalid-utf8": SESSION_BYTES.replace(b"cus_123", b"cus_\xff\xfe"),
    "invalid-utf8-in-url": SESSION_BYTES.replace(b"billing.example", b"billing.\xc3("),
    "utf16": json.dumps(_session()).encode("utf-16"),
    "bom": b"\xef\xbb\xbf" + SESSION_BYTES,
    "random-bytes": bytes(range(256)) * 3,
    "html": (
        b"<html><body><h1>502 Bad Gateway</h1>" + CUSTOM_DOMAIN_URL.encode() + b"</body></html>"
    ),
    "html-echoing-key": f"<pre>Authorization: Bearer {API_KEY}</pre>".encode(),
    "json-lists-1000-deep": _nested(1000, "1", "[", "]"),
    "json-objects-1000-deep": _nested(1000),
    "json-lists-100000-deep": _nested(100_000, "1", "[", "]"),
    "json-objects-just-over-max-depth": _nested(MAX_DEPTH + 3, f'"{MARKER}"'),
    "session-with-unknown-field-over-max-depth": _dumps(_session(zzz=_deep_value(MAX_DEPTH + 3))),
    "session-with-unknown-field-1000-deep": (
        SESSION_BYTES[:-1] + b', "zzz": ' + _nested(1000, f'"{MARKER}"') + b"}"
    ),
    "session-with-deep-flow": _dumps(
        _session(flow={"type": "customer_update", "x": _deep_value(200)})
    ),
    "session-with-deep-configuration": _dumps(_session(configuration=_deep_value(MAX_DEPTH + 3))),
    "session-with-deep-list": SESSION_BYTES[:-1]
    + b', "zzz": '
    + _nested(MAX_DEPTH + 3, "[]", "[", "]")
    + b"}",
    "huge-non-json": b"<html>" + b"A" * BIG + CUSTOM_DOMAIN_URL.encode() + b"</html>",
    "huge-json-string-in-session": _dumps(_session(padding="x" * BIG)),
    "huge-json-list": _dumps([MARKER + "x" * 1000] * (BIG // 1000)),
    "huge-truncated-json": _dumps(_session(padding="x" * BIG))[:-100],
    "huge-int": b'{"id": "bps_1", "url": "u", "created": ' + b"9" * 5000 + b"}",
    "session-without-url": _dumps({k: v for k, v in _session().items() if k != "url"}),
    "session-without-id": _dumps({k: v for k, v in _session().items() if k != "id"}),
    "stripe-error-with-secrets": _dumps(
        {
            "error": {
                "type": "api_error",
                "message": f"Key {API_KEY} and {CUSTOM_DOMAIN_URL}",
                "param": CUSTOM_DOMAIN_URL,
                "code": "api_key_expired",
            },
            "echo": CUSTOM_DOMAIN_URL,
            "note": MARKER,
        }
    ),
    "stripe-error-of-wrong-types": _dumps({"error": {"type": 1, "message": [MARKER]}}),
    "stripe-error-is-a-list": _dumps({"error": [MARKER]}),
    "stripe-error-deep": _dumps({"error": _deep_value(MAX_DEPTH + 3)}),
}
# Wrong types for every field of the session, one field at a time.
for _field in SESSION_JSON:
    for _name, _wrong in {
        "int": 7,
        "float": 1.5,
        "bool": True,
        "list": [MARKER],
        "object": {"x": MARKER},
        "string": MARKER,
        "null": None,
    }.items():
        BODIES[f"session-{_field}-as-{_name}"] = _dumps(_session(**{_field: _wrong}))
for _name, _wrong in {
    "flow-type-int": {"type": 3},
    "flow-items-not-list": {
        "type": "subscription_update_confirm",
        "subscription_update_confirm": {"subscription": "sub_1", "items": MARKER},
    },
    "flow-item-quantity-str": {
        "type": "subscription_update_confirm",
        "subscription_update_confirm": {"subscription": "sub_1", "items": [{"quantity": "1"}]},
    },
    "flow-after-completion-list": {"type": "customer_update", "after_completion": [MARKER]},
    "flow-redirect-url-int": {
        "type": "customer_update",
        "after_completion": {"type": "redirect", "redirect": {"return_url": 5}},
    },
    "after-expiration-str": MARKER,
}.items():
    key = "after_expiration" if _name.startswith("after-expiration") else "flow"
    BODIES[f"session-{_name}"] = _dumps(_session(**{key: _wrong}))

DEEP_2XX = [
    "json-lists-1000-deep",
    "json-objects-1000-deep",
    "json-lists-100000-deep",
    "json-objects-just-over-max-depth",
    "session-with-unknown-field-over-max-depth",
    "session-with-unknown-field-1000-deep",
    "session-with-deep-flow",
    "session-with-deep-configuration",
    "session-with-deep-list",
    "stripe-error-deep",
]


@pytest.mark.parametrize("name", sorted(BODIES))
def test_every_body_gives_a_session_or_a_lattice_error(name: str) -> None:
    content = BODIES[name]
    for status in (200, 400, 500):
        judge(call_stub(status, content), status, content)


@pytest.mark.parametrize("name", sorted(BODIES))
def test_every_body_gives_a_session_or_a_lattice_error_async(name: str) -> None:
    content = BODIES[name]
    judge(call_async_stub(200, content), 200, content)


@pytest.mark.parametrize("name", DEEP_2XX)
def test_a_2xx_nested_deeper_than_max_depth_is_an_api_error(name: str) -> None:
    outcome = call_stub(200, BODIES[name])
    if not isinstance(outcome, APIError):
        fail(f"got {type(outcome).__name__}, expected APIError")


def test_a_session_with_an_unknown_field_of_ordinary_depth_decodes() -> None:
    content = _dumps(_session(zzz=_deep_value(MAX_DEPTH // 2 - 2)))
    outcome = call_stub(200, content)
    if not isinstance(outcome, Session):
        fail(f"got {type(outcome).__name__}, expected a Session")
    assert "zzz" in outcome.extra
    judge(outcome, 200, content)


def test_a_large_valid_session_decodes() -> None:
    content = BODIES["huge-json-string-in-session"]
    outcome = call_stub(201, content)
    if not isinstance(outcome, Session):
        fail(f"got {type(outcome).__name__}, expected a Session")
    judge(outcome, 201, content)


def test_session_from_dict_of_a_deep_object_is_an_api_error() -> None:
    try:
        Session.from_dict(_session(zzz=_deep_value(5000)))
    except APIError:
        return
    except Exception as exc:
        fail(f"raised {type(exc).__name__}, expected APIError")
    fail("a session nested 5,000 deep decoded")


# --------------------------------------------------------------------------- fuzzed bodies

_JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.just(MARKER),
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=20,
)
_FIELDS = [*SESSION_JSON, "flow", "after_expiration", "extra_field"]
_BODY = st.one_of(
    st.binary(max_size=400),
    _JSON.map(lambda value: _dumps([MARKER, value])),
    _JSON.map(lambda value: _dumps({"x": MARKER, "y": value})),
    st.dictionaries(st.sampled_from(_FIELDS), _JSON, max_size=4).map(
        lambda changes: _dumps({**SESSION_JSON, "url": "{URL}", "note": MARKER, **changes})
    ),
    st.integers(0, len(FUZZ_SESSION)).map(lambda cut: FUZZ_SESSION[:cut]),
    st.tuples(st.integers(0, len(FUZZ_SESSION) - 1), st.binary(min_size=1, max_size=3)).map(
        lambda spliced: FUZZ_SESSION[: spliced[0]] + spliced[1] + FUZZ_SESSION[spliced[0] + 1 :]
    ),
    _JSON.map(lambda value: _dumps({"error": value, "x": MARKER})),
    st.integers(MAX_DEPTH - 2, 3000).map(
        lambda levels: FUZZ_SESSION[:-1] + b', "z": ' + _nested(levels, f'"{MARKER}"') + b"}"
    ),
)
_STATUS = st.one_of(st.sampled_from([200, 201]), st.sampled_from(STATUSES), st.integers(100, 599))
_HEADER_VALUE = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
_HEADERS = st.dictionaries(
    st.sampled_from(
        ["request-id", "retry-after", "stripe-should-retry", "content-type", "idempotent-replayed"]
    ),
    _HEADER_VALUE,
    max_size=3,
)


@settings(max_examples=200, deadline=None, derandomize=True, phases=PHASES)
@given(status=_STATUS, content=_BODY, headers=_HEADERS)
def test_fuzzed_responses(status: int, content: bytes, headers: dict[str, str]) -> None:
    content = _fill(content)
    judge(call_stub(status, content, headers), status, content)


@settings(max_examples=40, deadline=None, derandomize=True, phases=PHASES)
@given(status=_STATUS, content=_BODY)
def test_fuzzed_responses_async(status: int, content: bytes) -> None:
    content = _fill(content)
    judge(call_async_stub(status, content), status, content)


@settings(max_examples=60, deadline=None, derandomize=True, phases=PHASES)
@given(
    data=st.dictionaries(
        st.sampled_from(_FIELDS),
        st.one_of(_JSON, st.sampled_from([None, "bps_9", 1764028800, False, {}])),
        max_size=5,
    )
)
def test_whatever_from_dict_accepts_re_encodes(data: dict[str, Any]) -> None:
    body = {**_session(), **data}
    try:
        session = Session.from_dict(body)
    except APIError:
        return
    except Exception as exc:
        fail(f"from_dict raised {type(exc).__name__}, expected a Session or APIError")
    assert session is not None
    judge(session, 200, _dumps(body))
    again = Session.from_dict(session.to_dict())
    assert again == session, "a decoded Session does not survive to_dict() and back"


# --------------------------------------------------------------------------- real HTTP

SESSION_OK = _dumps(SESSION_JSON)


class _Keep(logging.Filter):
    """Keeps every record it sees and lets none through."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.records.append(record)
        return False


_LIBRARIES = ("urllib3", "aiohttp", "requests")


@pytest.fixture(autouse=True)
def library_logs() -> Iterator[list[logging.LogRecord]]:
    """The HTTP libraries' own log records, kept here and judged here.

    urllib3 logs a header line it cannot parse, raw: a hostile server echoing the
    Authorization header puts the key there. The records are judged like the suite's
    log guard does, but stopped at the logger that made them (a filter there), so a
    failure names what leaked without pytest's log capture printing it.
    """
    keep = _Keep()
    names = [
        name
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and name.split(".")[0] in _LIBRARIES
    ]
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addFilter(keep)
    try:
        yield keep.records
    finally:
        for logger in loggers:
            logger.removeFilter(keep)
    formatter = logging.Formatter()
    for record in keep.records:
        text = " ".join([record.getMessage(), *map(_safe_repr, vars(record).values())])
        if record.exc_info:
            text += formatter.formatException(record.exc_info)
        kinds = leak_kinds(text, secrets=(PORTAL_TOKEN,))
        if kinds:
            fail(f"{', '.join(sorted(set(kinds)))} in a log record of {record.name!r}")


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    with RawServer() as server:
        yield server


def call_requests(url: str) -> Any:
    with Client(API_KEY, transport="requests", base_url=url, max_retries=0, timeout=2) as client:
        try:
            return Session.create(client, PARAMS)
        except Exception as exc:
            return exc


def call_aiohttp(url: str) -> Any:
    async def run() -> Any:
        async with AsyncClient(
            API_KEY, transport="aiohttp", base_url=url, max_retries=0, timeout=2
        ) as client:
            try:
                return await Session.create_async(client, PARAMS)
            except Exception as exc:
                return exc

    return asyncio.run(run())


CALLERS = {"requests": call_requests, "aiohttp": call_aiohttp}

# Attributes HTTP libraries hang secrets on, read even when not in ``vars()``.
_NAMED_ATTRIBUTES = ("args", "request", "request_info", "response", "headers", "history")


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a repr that raises shows nothing
        return f"<repr raised {type(exc).__name__}>"


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception as exc:
        return f"<str raised {type(exc).__name__}>"


def _attributes(obj: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    with contextlib.suppress(TypeError):  # no __dict__
        found.update(vars(obj))
    for name in (*_NAMED_ATTRIBUTES, *getattr(type(obj), "__slots__", ())):
        try:
            found.setdefault(name, getattr(obj, name))
        except Exception:  # noqa: S112 - an attribute that cannot be read holds nothing
            continue
    return found


def chain_texts(error: BaseException, *, deep: bool = False) -> Iterator[tuple[str, str]]:
    """(where, text) for the error, every exception in its cause/context chain, and the
    ``repr`` of every attribute of each; with ``deep``, also the attributes (``headers``
    above all) of the non-exception objects those hold, such as a library's request."""
    stack: list[tuple[BaseException, str]] = [(error, type(error).__name__)]
    seen: set[int] = set()
    while stack:
        exc, where = stack.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        yield where, _safe_str(exc)
        yield where, _safe_repr(exc)
        for name, value in _attributes(exc).items():
            yield f"{where}.{name}", _safe_repr(value)
            values = value if isinstance(value, (tuple, list)) else (value,)
            for item in values:
                if isinstance(item, BaseException):
                    stack.append((item, f"{where}.{name}:{type(item).__name__}"))
                elif deep and item is not None and not isinstance(item, (str, bytes, int)):
                    for sub, sub_value in _attributes(item).items():
                        yield f"{where}.{name}.{sub}", _safe_repr(sub_value)
        for link, nxt in (("__cause__", exc.__cause__), ("__context__", exc.__context__)):
            if nxt is not None:
                stack.append((nxt, f"{where}.{link}:{type(nxt).__name__}"))


def judge_http(outcome: Any, *, deep: bool = False) -> None:
    """A Session, or a LatticeError with nothing anywhere in its chain showing a secret."""
    if isinstance(outcome, Session):
        note_outcome("session")
        outcome.to_dict()
        repr(outcome)
        return
    note_outcome(type(outcome).__name__)
    if not isinstance(outcome, LatticeError):
        fail(f"raised {type(outcome).__name__}, expected a Session or a LatticeError")
    for where, text in chain_texts(outcome, deep=deep):
        kinds = leak_kinds(text, secrets=(PORTAL_TOKEN,))
        if kinds:
            fail(f"{', '.join(sorted(set(kinds)))} in {where}")


def _ok_head(extra: bytes = b"", status: bytes = b"200 OK") -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
        b"Request-Id: req_raw\r\nConnection: close\r\n" + extra + b"Content-Length: {LEN}\r\n\r\n"
    )


ECHO_PAGE = b"<html><pre>Authorization: {AUTH}\r\nBearer: {AUTH}</pre></html>"
SCRIPTS: dict[str, bytes] = {
    "valid-session": _ok_head() + SESSION_OK,
    "garbage": b"GARBAGE\r\n\r\n",
    "garbage-no-crlf": b"GARBAGE",
    "status-not-a-number": b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
    "status-negative": b"HTTP/1.1 -200 OK\r\nContent-Length: 0\r\n\r\n",
    "status-five-digits": b"HTTP/1.1 99999 OK\r\nContent-Length: 0\r\n\r\n",
    "status-missing": b"HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    "status-line-without-crlf": b"HTTP/1.1 200 OK",
    "lf-only-line-ends": (
        b"HTTP/1.1 200 OK\nContent-Type: application/json\nConnection: close\n"
        b"Content-Length: " + str(len(SESSION_OK)).encode() + b"\n\n" + SESSION_OK
    ),
    "head-never-ends": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
    "closed-mid-header": b"HTTP/1.1 200 OK\r\nContent-Ty",
    "closed-at-once": b"",
    "header-without-colon": _ok_head(b"NoColonHere\r\n") + SESSION_OK,
    "header-only-colon": _ok_head(b": \r\n") + SESSION_OK,
    "header-with-nul": _ok_head(b"X-A: a\x00b\r\n") + SESSION_OK,
    "header-obs-fold": _ok_head(b"X-A: a\r\n  folded\r\n") + SESSION_OK,
    "huge-header": _ok_head(b"X-Big: " + b"a" * 200_000 + b"\r\n") + SESSION_OK,
    "many-headers": _ok_head(b"".join(b"X-%d: v\r\n" % i for i in range(1000))) + SESSION_OK,
    "duplicate-content-length-differs": (
        _ok_head(b"Content-Length: " + str(len(SESSION_OK) + 7).encode() + b"\r\n") + SESSION_OK
    ),
    "duplicate-content-length-same": (
        _ok_head(b"Content-Length: " + str(len(SESSION_OK)).encode() + b"\r\n") + SESSION_OK
    ),
    "negative-content-length": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n"
        + SESSION_OK
    ),
    "content-length-not-a-number": (b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n" + SESSION_OK),
    "content-length-longer-than-body": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(SESSION_OK) + 500).encode()
        + b"\r\n\r\n"
        + SESSION_OK
    ),
    "closed-mid-body": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(SESSION_OK)).encode()
        + b"\r\n\r\n"
        + SESSION_OK[:20]
    ),
    "chunked-garbage": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n"
    ),
    "chunked-cut": b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n{"id"',
    "chunked-and-content-length": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
        b"3\r\n{}\n\r\n0\r\n\r\n"
    ),
    "gzip-that-is-not": _ok_head(b"Content-Encoding: gzip\r\n") + SESSION_OK,
    "deflate-that-is-not": _ok_head(b"Content-Encoding: deflate\r\n") + SESSION_OK,
    "continue-then-garbage": b"HTTP/1.1 100 Continue\r\n\r\nGARBAGE\r\n\r\n",
    "http-0.9-style": SESSION_OK,
    "http-1.0-until-close": (
        b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + SESSION_OK
    ),
    "http-2-status-line": b"HTTP/2 200\r\nContent-Length: 0\r\n\r\n",
    "no-content-length-keep-alive-cut": b"HTTP/1.1 200 OK\r\n\r\n" + SESSION_OK[:30],
    "redirect-to-elsewhere": (
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/x\r\nContent-Length: 0\r\n\r\n"
    ),
    # A hostile proxy echoing the Authorization header back, everywhere it can.
    "echo-auth-in-html-500": _ok_head(status=b"500 Oops").replace(b"json", b"html") + ECHO_PAGE,
    "echo-auth-in-html-200": _ok_head().replace(b"json", b"html") + ECHO_PAGE,
    "echo-auth-in-json-error": _ok_head(status=b"401 Unauthorized")
    + b'{"error": {"type": "invalid_request_error", "message": "bad key {AUTH}",'
    b' "param": "{AUTH}", "code": "{AUTH}"}, "echo": "{AUTH}"}',
    "echo-auth-in-json-session": _ok_head() + SESSION_OK[:-1] + b', "echo": "{AUTH}"}',
    "echo-auth-in-header": _ok_head(b"X-Echo: {AUTH}\r\nWWW-Authenticate: {AUTH}\r\n", b"500 Oops")
    + b"{}",
    "echo-auth-in-request-id": _ok_head(status=b"400 Bad").replace(b"req_raw", b"{AUTH}") + b"{}",
    "echo-auth-in-status-line": b"HTTP/1.1 abc {AUTH}\r\n\r\n",
    "echo-auth-in-reason-phrase": b"HTTP/1.1 500 {AUTH}\r\nContent-Length: 0\r\n\r\n",
    "echo-auth-as-header-line": _ok_head(b"{AUTH}\r\n") + SESSION_OK,
    "echo-auth-in-huge-header": _ok_head(b"X-Big: {AUTH}" + b"a" * 100_000 + b"\r\n") + SESSION_OK,
    "echo-auth-in-chunk-size": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{AUTH}\r\nabc\r\n0\r\n\r\n"
    ),
    "echo-auth-in-location": (
        b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/{AUTH}\r\nContent-Length: 0\r\n\r\n"
    ),
    "echo-portal-url-in-garbage": b"GARBAGE " + CUSTOM_DOMAIN_URL.encode() + b"\r\n\r\n",
}


@pytest.mark.parametrize("client", sorted(CALLERS))
def test_the_raw_server_serves_a_valid_session(raw_server: RawServer, client: str) -> None:
    raw_server.script = SCRIPTS["valid-session"]
    outcome = CALLERS[client](raw_server.url)
    if not isinstance(outcome, Session):
        fail(f"got {type(outcome).__name__} from a valid answer")
    assert raw_server.served == 1


@pytest.mark.parametrize("client", sorted(CALLERS))
@pytest.mark.parametrize("case", sorted(SCRIPTS))
def test_broken_http_answers(raw_server: RawServer, case: str, client: str) -> None:
    raw_server.script = SCRIPTS[case]
    judge_http(CALLERS[client](raw_server.url))


# The answers a library fails to parse, so its own exception (holding the request) is made.
_LIBRARY_EXCEPTIONS = [
    name
    for name in SCRIPTS
    if name.startswith(("garbage", "status", "closed", "header", "content-length", "chunked"))
    or name
    in (
        "echo-auth-as-header-line",
        "echo-auth-in-status-line",
        "echo-auth-in-reason-phrase",
        "echo-auth-in-huge-header",
        "echo-auth-in-chunk-size",
        "echo-portal-url-in-garbage",
        "huge-header",
        "many-headers",
        "negative-content-length",
    )
]


@pytest.mark.parametrize("client", sorted(CALLERS))
@pytest.mark.parametrize("case", _LIBRARY_EXCEPTIONS)
def test_no_request_object_reachable_from_the_error_holds_the_key(
    raw_server: RawServer, case: str, client: str
) -> None:
    # One level further than the attributes: the headers of a library's request object
    # (requests' PreparedRequest, aiohttp's RequestInfo) hanging off any exception.
    raw_server.script = SCRIPTS[case]
    judge_http(CALLERS[client](raw_server.url), deep=True)


_STATUS_LINES = st.one_of(
    st.just(b"HTTP/1.1 200 OK"),
    st.sampled_from(
        [
            b"HTTP/1.1 200 OK",
            b"HTTP/1.1 500 Internal Server Error",
            b"HTTP/1.1 abc OK",
            b"HTTP/1.1 -1 X",
            b"HTTP/1.1 99999 OK",
            b"HTTP/1.0 200 OK",
            b"HTTP/9.9 200 OK",
            b"GARBAGE",
            b"",
            b"HTTP/1.1 200",
            b"HTTP/1.1 {AUTH}",
        ]
    ),
    st.binary(max_size=30).filter(lambda line: b"\n" not in line and b"\r" not in line),
)
_HEADER_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                b"NoColon",
                b": empty-name",
                b"Content-Length: -1",
                b"Content-Length: 5",
                b"Content-Length: {LEN}",
                b"Content-Length: abc",
                b"Content-Length: 99999999999999999999999",
                b"Transfer-Encoding: chunked",
                b"Content-Encoding: gzip",
                b"Content-Type: application/json",
                b"Connection: keep-alive",
                b"X-Big: " + b"b" * 70_000,
                b" folded",
                b"X-Echo: {AUTH}",
            ]
        ),
        st.binary(max_size=30).filter(lambda line: b"\n" not in line and b"\r" not in line),
    ),
    max_size=6,
)
_LINE_ENDS = st.one_of(st.just(b"\r\n"), st.sampled_from([b"\r\n", b"\n", b"\r", b"\n\r"]))
_RAW_BODIES = st.sampled_from(
    [
        b"",
        _dumps({**SESSION_JSON, "url": "{URL}"}),
        SESSION_OK[:25],
        ECHO_PAGE,
        b"ZZZ\r\n",
        b"0\r\n\r\n",
        _nested(2000),
    ]
)


@settings(max_examples=25, deadline=None, derandomize=True, phases=PHASES)
@given(
    status_line=_STATUS_LINES,
    header_lines=_HEADER_LINES,
    line_end=_LINE_ENDS,
    body=_RAW_BODIES,
    cut=st.one_of(st.none(), st.none(), st.integers(0, 400)),
)
def test_fuzzed_status_lines_and_headers(
    status_line: bytes, header_lines: list[bytes], line_end: bytes, body: bytes, cut: int | None
) -> None:
    head = status_line + line_end + b"".join(line + line_end for line in header_lines)
    script = head + line_end + body
    if cut is not None:
        script = script[:cut]
    with RawServer() as server:
        server.script = _fill(script)
        for client in sorted(CALLERS):
            judge_http(CALLERS[client](server.url))


def test_the_raw_server_stops_cleanly() -> None:
    before = {thread.ident for thread in threading.enumerate()}
    with RawServer() as server:
        server.script = SCRIPTS["garbage"]
        call_requests(server.url)
    after = {t.ident for t in threading.enumerate() if t.name == "raw-http-server"}
    assert not after - before


def _wrapped(cause: BaseException) -> LatticeError:
    error = LatticeError("wrapper")
    error.__cause__ = cause
    return error


def test_the_chain_walk_would_see_a_key_on_an_exception_attribute() -> None:
    # The checks above are only worth something if a raw key in the chain is caught.
    cause = ValueError("upstream said no")
    cause.headers = {"Authorization": f"Bearer {API_KEY}"}  # type: ignore[attr-defined]
    found = [where for where, text in chain_texts(_wrapped(cause)) if leak_kinds(text)]
    assert found == ["LatticeError.__cause__:ValueError.headers"]


def test_the_chain_walk_would_see_aiohttps_request_info() -> None:
    headers = CIMultiDictProxy(CIMultiDict({"Authorization": f"Bearer {API_KEY}"}))
    info = aiohttp.RequestInfo(URL("http://127.0.0.1/v1"), "POST", headers, URL("http://x"))
    cause = aiohttp.ClientResponseError(info, (), status=400, message="Invalid status line")
    found = {where for where, text in chain_texts(_wrapped(cause)) if leak_kinds(text)}
    assert "LatticeError.__cause__:ClientResponseError.request_info" in found


def test_the_deep_walk_would_see_requests_prepared_request_headers() -> None:
    prepared = requests.PreparedRequest()
    prepared.prepare(
        method="POST", url="http://127.0.0.1/v1", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    cause = requests.ConnectionError("refused", request=prepared)
    assert not [w for w, text in chain_texts(_wrapped(cause)) if leak_kinds(text)]
    found = {w for w, text in chain_texts(_wrapped(cause), deep=True) if leak_kinds(text)}
    assert "LatticeError.__cause__:ConnectionError.request.headers" in found
