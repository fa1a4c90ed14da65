"""Hostile params never reach the wire and never crash the SDK.

Every shape below must raise ``InvalidParamsError`` (with ``param`` naming where) before
any request is sent, through ``Session.create``, ``Session.create_async`` and the generic
``client.request``: never ``RecursionError``, a bare ``ValueError`` / ``TypeError`` /
``UnicodeError``, and never with a secret value in the message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import Phase, event, given, settings
from hypothesis import strategies as st

from lattice_core import AsyncClient, Client, InvalidParamsError
from lattice_core.billing_portal import Session
from lattice_core.limits import MAX_DEPTH
from lattice_core.testing import AsyncStubTransport, StubTransport, json_response

from ..conftest import API_KEY, SESSION_JSON
from .test_leak_scan import CUSTOM_DOMAIN_URL, PORTAL_TOKEN, fail, leak_kinds

PATH = "/v1/billing_portal/sessions"
# No "explain" phase: it reruns a failing example a hundred times for little news here.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
QUANTITY = "flow_data.subscription_update_confirm.items[0].quantity"
EXPIRES_AT = "after_expiration.customer_login.expires_at"
REDIRECT_URL = "flow_data.after_completion.redirect.return_url"


# --------------------------------------------------------------------------- builders


def deep(levels: int, leaf: Any = "x", key: str = "a") -> Any:
    """``{"a": {"a": ... leaf}}``, ``levels`` mappings deep (built without recursion)."""
    value = leaf
    for _ in range(levels):
        value = {key: value}
    return value


def deep_list(levels: int, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def base() -> dict[str, Any]:
    return {"customer": "cus_123"}


def confirm(quantity: Any = 1, **item: Any) -> dict[str, Any]:
    return {
        "customer": "cus_123",
        "flow_data": {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": "sub_1",
                "items": [{"id": "si_1", "quantity": quantity, **item}],
            },
        },
    }


def expiring(expires_at: Any) -> dict[str, Any]:
    return {
        "customer": "cus_123",
        "after_expiration": {
            "type": "customer_login",
            "customer_login": {"expires_at": expires_at},
        },
    }


def redirect(url: Any) -> dict[str, Any]:
    return {
        "customer": "cus_123",
        "flow_data": {
            "type": "payment_method_update",
            "after_completion": {"type": "redirect", "redirect": {"return_url": url}},
        },
    }


def self_cycle() -> dict[str, Any]:
    params: dict[str, Any] = {"customer": "cus_123"}
    params["self"] = params
    return params


def flow_cycle() -> dict[str, Any]:
    flow: dict[str, Any] = {"type": "payment_method_update"}
    flow["payment_method_update"] = flow
    return {"customer": "cus_123", "flow_data": flow}


def flow_data_contains_itself() -> dict[str, Any]:
    flow: dict[str, Any] = {"type": "payment_method_update"}
    flow["flow_data"] = flow
    return {"customer": "cus_123", "flow_data": flow}


def list_cycle() -> dict[str, Any]:
    items: list[Any] = []
    items.append(items)
    return {"customer": "cus_123", "expand": items}


def unknown_key_cycle() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["again"] = loop
    return {"customer": "cus_123", "metadata_typo": loop}


def two_step_cycle() -> dict[str, Any]:
    first: dict[str, Any] = {}
    second: dict[str, Any] = {"first": first}
    first["second"] = second
    return {"customer": "cus_123", "flow_data": {"type": "customer_update", "x": first}}


def item_cycle() -> dict[str, Any]:
    params = confirm()
    item = params["flow_data"]["subscription_update_confirm"]["items"][0]
    item["self"] = item
    return params


def items_list_cycle() -> dict[str, Any]:
    params = confirm()
    items = params["flow_data"]["subscription_update_confirm"]["items"]
    items.append(items)
    return params


@attrs.frozen
class Case:
    build: Callable[[], Any]
    param: str | None  # the path (prefix) ``.param`` must name; None: any
    generic: bool = False  # hostile for the generic ``client.request`` too (no schema)


def nul_in(path: tuple[str, ...], value: Any) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        params = confirm()
        node = params
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return params

    return build


CASES: dict[str, Case] = {
    # Malformed URLs, top level and in the redirect.
    **{
        f"return_url-{name}": Case(lambda url=url: {**base(), "return_url": url}, "return_url")
        for name, url in {
            "unclosed-ipv6": "https://[abc",
            "unclosed-ipv6-loopback": "https://[::1",
            "port-out-of-range": "https://a:99999",
            "port-65536": "https://a:65536",
            "port-negative": "https://a:-1",
            "port-not-a-number": "https://a:port",
            "no-host": "http://",
            "empty-authority": "https:///path",
            "space-in-host": "https://exa mple.com",
            "nul": "https://example.com/\x00",
            "crlf": "https://example.com/\r\nSet-Cookie: a=b",
            "lf": "https://example.com/\n",
            "tab": "https://example.com/\tx",
            "lone-surrogate": "https://example.com/\ud800",
            "not-http": "javascript:alert(1)",
            "scheme-relative": "//example.com/account",
        }.items()
    },
    **{
        f"redirect-url-{name}": Case(lambda url=url: redirect(url), REDIRECT_URL)
        for name, url in {
            "unclosed-ipv6": "https://[abc",
            "port-out-of-range": "https://a:99999",
            "no-host": "http://",
            "space-in-host": "https://exa mple.com",
            "nul": "https://example.com/\x00",
            "crlf": "https://example.com/\r\n",
        }.items()
    },
    # Integers outside signed 64-bit.
    **{
        f"quantity-{name}": Case(lambda n=n: confirm(n), QUANTITY, generic=True)
        for name, n in {
            "10**5000": 10**5000,
            "-10**5000": -(10**5000),
            "2**63": 2**63,
            "-2**63-1": -(2**63) - 1,
            "2**64": 2**64,
        }.items()
    },
    **{
        f"expires_at-{name}": Case(lambda n=n: expiring(n), EXPIRES_AT, generic=True)
        for name, n in {"10**5000": 10**5000, "2**63": 2**63, "-2**63-1": -(2**63) - 1}.items()
    },
    # NUL anywhere.
    "nul-customer": Case(lambda: {"customer": "cus_\x00123"}, "customer", generic=True),
    "nul-configuration": Case(
        lambda: {**base(), "configuration": "bpc_\x00"}, "configuration", generic=True
    ),
    "nul-on-behalf-of": Case(
        lambda: {**base(), "on_behalf_of": "acct_1\x00"}, "on_behalf_of", generic=True
    ),
    "nul-expand-item": Case(lambda: {**base(), "expand": ["flow\x00"]}, "expand", generic=True),
    "nul-subscription": Case(
        nul_in(("flow_data", "subscription_update_confirm", "subscription"), "sub_\x00"),
        "flow_data.subscription_update_confirm.subscription",
        generic=True,
    ),
    "nul-item-id": Case(
        lambda: confirm(1, id="si_\x001"), "flow_data.subscription_update_confirm.items[0]", True
    ),
    "nul-custom-message": Case(
        lambda: {
            **base(),
            "flow_data": {
                "type": "customer_update",
                "after_completion": {
                    "type": "hosted_confirmation",
                    "hosted_confirmation": {"custom_message": "thanks\x00"},
                },
            },
        },
        "flow_data.after_completion.hosted_confirmation.custom_message",
        generic=True,
    ),
    "nul-in-key": Case(lambda: {**base(), "cust\x00omer": "cus_1"}, None, generic=True),
    "nul-only": Case(lambda: {"customer": "\x00"}, "customer", generic=True),
    # Nesting deeper than MAX_DEPTH.
    "deep-5000-unknown-key": Case(lambda: {**base(), "zzz": deep(5000)}, "zzz", generic=True),
    "deep-5000-under-flow_data": Case(
        lambda: {**base(), "flow_data": {"type": "customer_update", "customer_update": deep(5000)}},
        "flow_data",
        generic=True,
    ),
    "deep-5000-as-flow_data": Case(
        lambda: {**base(), "flow_data": deep(5000, key="flow_data")}, "flow_data", generic=True
    ),
    "deep-5000-lists-in-expand": Case(
        lambda: {**base(), "expand": deep_list(5000)}, "expand", generic=True
    ),
    "deep-5000-under-item": Case(
        lambda: confirm(1, price=deep(5000)), "flow_data.subscription_update_confirm", True
    ),
    "deep-just-over-max-depth": Case(
        lambda: {**base(), "zzz": deep(MAX_DEPTH + 2)}, "zzz", generic=True
    ),
    "deep-mixed-dicts-and-lists": Case(
        lambda: {**base(), "zzz": deep_list(3, deep(3000, leaf=deep_list(2000)))},
        "zzz",
        generic=True,
    ),
    # Cycles.
    "cycle-params-contain-themselves": Case(self_cycle, None, generic=True),
    "cycle-flow_data-holds-itself": Case(flow_cycle, "flow_data", generic=True),
    "cycle-flow_data-under-flow_data": Case(flow_data_contains_itself, "flow_data", True),
    "cycle-list-contains-itself": Case(list_cycle, "expand", generic=True),
    "cycle-under-unknown-key": Case(unknown_key_cycle, "metadata_typo", generic=True),
    "cycle-two-step": Case(two_step_cycle, "flow_data", generic=True),
    "cycle-item-holds-itself": Case(item_cycle, "flow_data.subscription_update_confirm", True),
    "cycle-items-list-holds-itself": Case(
        items_list_cycle, "flow_data.subscription_update_confirm", True
    ),
    # Keys that are not strings.
    "int-key-top": Case(lambda: {**base(), 1: "x"}, None, generic=True),
    "bytes-key-top": Case(lambda: {**base(), b"return_url": "https://a.com"}, None, True),
    "none-key-in-flow_data": Case(
        lambda: {**base(), "flow_data": {"type": "customer_update", None: 1}}, "flow_data", True
    ),
    "tuple-key-in-flow_data": Case(
        lambda: {**base(), "flow_data": {"type": "customer_update", ("type",): "x"}},
        "flow_data",
        generic=True,
    ),
    "int-key-in-after_expiration": Case(
        lambda: {**base(), "after_expiration": {0: "customer_login", "type": "customer_login"}},
        "after_expiration",
        generic=True,
    ),
    "float-key-deep": Case(lambda: {**base(), "zzz": deep(3, leaf={1.5: "x"})}, "zzz", True),
    # bytes instead of str.
    "bytes-customer": Case(lambda: {"customer": b"cus_123"}, "customer", generic=True),
    "bytearray-customer": Case(lambda: {"customer": bytearray(b"cus_1")}, "customer", True),
    "memoryview-customer": Case(lambda: {"customer": memoryview(b"cus_1")}, "customer", True),
    "bytes-return_url": Case(
        lambda: {**base(), "return_url": b"https://example.com"}, "return_url", generic=True
    ),
    "bytes-flow-type": Case(
        lambda: {**base(), "flow_data": {"type": b"customer_update"}}, "flow_data.type", True
    ),
    "bytes-expand-item": Case(lambda: {**base(), "expand": [b"flow"]}, "expand", generic=True),
    "bytes-item-id": Case(
        lambda: confirm(1, id=b"si_1"), "flow_data.subscription_update_confirm.items[0]", True
    ),
    # Floats and bools for integers.
    "float-quantity": Case(lambda: confirm(1.0), QUANTITY),
    "float-quantity-half": Case(lambda: confirm(2.5), QUANTITY),
    "nan-quantity": Case(lambda: confirm(float("nan")), QUANTITY),
    "inf-quantity": Case(lambda: confirm(float("inf")), QUANTITY),
    "bool-quantity": Case(lambda: confirm(True), QUANTITY),
    "float-expires_at": Case(lambda: expiring(1764028800.0), EXPIRES_AT),
    "bool-expires_at": Case(lambda: expiring(False), EXPIRES_AT),
    "str-quantity": Case(lambda: confirm("2"), QUANTITY),
    # Lone surrogates.
    "surrogate-customer": Case(lambda: {"customer": "cus_\ud800"}, "customer", generic=True),
    "surrogate-return_url": Case(
        lambda: {**base(), "return_url": "https://example.com/\udfff"}, "return_url", True
    ),
    "surrogate-key": Case(lambda: {**base(), "\ud800": "x"}, None, generic=True),
    "surrogate-custom-message": Case(
        lambda: {
            **base(),
            "flow_data": {
                "type": "customer_update",
                "after_completion": {
                    "type": "hosted_confirmation",
                    "hosted_confirmation": {"custom_message": "\udc80bye"},
                },
            },
        },
        "flow_data.after_completion.hosted_confirmation.custom_message",
        generic=True,
    ),
    # The params object itself.
    "params-is-a-list": Case(lambda: [("customer", "cus_1")], None, generic=True),
    "params-is-a-string": Case(lambda: "customer=cus_1", None, generic=True),
    "params-is-none": Case(lambda: None, None, generic=True),
}

# Secrets planted in hostile values: no message may quote them. The flag says whether
# the generic ``client.request`` must refuse the shape too (it has no schema).
SECRET_CASES: dict[str, tuple[Callable[[], Any], bool]] = {
    "key-with-nul-as-customer": (lambda: {"customer": API_KEY + "\x00"}, True),
    "key-with-surrogate-as-customer": (lambda: {"customer": API_KEY + "\ud800"}, True),
    "portal-url-with-space": (lambda: {**base(), "return_url": CUSTOM_DOMAIN_URL + " x"}, False),
    "portal-url-bad-port": (
        lambda: {**base(), "return_url": CUSTOM_DOMAIN_URL.replace(".com", ".com:99999")},
        False,
    ),
    "portal-url-unclosed-ipv6": (lambda: redirect("https://[" + CUSTOM_DOMAIN_URL[8:]), False),
    "portal-url-with-nul": (lambda: redirect(CUSTOM_DOMAIN_URL + "\x00"), True),
    "key-as-unknown-key-over-a-cycle": (lambda: {**base(), API_KEY: unknown_key_cycle()}, True),
    "key-as-deep-unknown-key": (lambda: {**base(), "zzz": deep(5000, key=API_KEY)}, True),
    "key-in-a-non-str-key": (lambda: {**base(), (API_KEY,): 1}, True),
    "key-as-locale": (lambda: {**base(), "locale": API_KEY}, False),
    "key-as-flow-type": (lambda: {**base(), "flow_data": {"type": API_KEY}}, False),
    "key-as-bytes": (lambda: {"customer": API_KEY.encode()}, True),
    "portal-url-beside-a-huge-int": (lambda: confirm(10**5000, price=CUSTOM_DOMAIN_URL), True),
    "bearer-as-a-key-with-nul": (
        lambda: {**base(), f"Authorization: Bearer {API_KEY}\x00": "x"},
        True,
    ),
    "portal-url-as-deep-key": (lambda: {**base(), "zzz": deep(100, key=CUSTOM_DOMAIN_URL)}, True),
}


# --------------------------------------------------------------------------- driving


def _sync_create(params: Any) -> tuple[BaseException | None, int]:
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub, max_retries=0) as client:
        try:
            Session.create(client, params)
        except Exception as exc:
            return exc, len(stub.requests)
    return None, len(stub.requests)


def _async_create(params: Any) -> tuple[BaseException | None, int]:
    stub = AsyncStubTransport(json_response(200, SESSION_JSON))

    async def run() -> BaseException | None:
        async with AsyncClient(API_KEY, transport=stub, max_retries=0) as client:
            try:
                await Session.create_async(client, params)
            except Exception as exc:
                return exc
        return None

    error = asyncio.run(run())
    return error, len(stub.requests)


def _sync_request(params: Any) -> tuple[BaseException | None, int]:
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub, max_retries=0) as client:
        try:
            client.request("POST", PATH, params)
        except Exception as exc:
            return exc, len(stub.requests)
    return None, len(stub.requests)


def _async_request(params: Any) -> tuple[BaseException | None, int]:
    stub = AsyncStubTransport(json_response(200, SESSION_JSON))

    async def run() -> BaseException | None:
        async with AsyncClient(API_KEY, transport=stub, max_retries=0) as client:
            try:
                await client.request("POST", PATH, params)
            except Exception as exc:
                return exc
        return None

    error = asyncio.run(run())
    return error, len(stub.requests)


ENTRY_POINTS: dict[str, Callable[[Any], tuple[BaseException | None, int]]] = {
    "create": _sync_create,
    "create_async": _async_create,
    "request": _sync_request,
    "request_async": _async_request,
}


def expect_refused(
    error: BaseException | None, sent: int, param: str | None, secrets: tuple[str, ...] = ()
) -> InvalidParamsError:
    """``error`` is an InvalidParamsError naming ``param``, and nothing was sent.

    Failures name only types and paths, never values (they may be secrets).
    """
    if error is None:
        fail(f"accepted and sent {sent} request(s); expected InvalidParamsError")
    if not isinstance(error, InvalidParamsError):
        fail(f"raised {type(error).__name__}, expected InvalidParamsError")
    if sent:
        fail(f"InvalidParamsError, but after {sent} request(s) went out")
    where = error.param
    if param is not None and not (isinstance(where, str) and where.startswith(param)):
        shown = where if isinstance(where, str) and not leak_kinds(where) else type(where)
        fail(f".param is {shown!r}, expected it to start with {param!r}")
    if not isinstance(error.reason, (str, type(None))):
        fail(f".reason is a {type(error.reason).__name__}")
    texts = [str(error), repr(error), str(error.param), str(error.reason)]
    for text in texts:
        kinds = leak_kinds(text, secrets)
        if kinds:
            fail(f"{', '.join(kinds)} in the InvalidParamsError")
    return error


# --------------------------------------------------------------------------- tests


def test_max_depth_is_a_public_constant_of_32() -> None:
    assert MAX_DEPTH == 32


@pytest.mark.parametrize("entry", ["create", "create_async"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_params_are_refused_before_sending(case: str, entry: str) -> None:
    error, sent = ENTRY_POINTS[entry](CASES[case].build())
    expect_refused(error, sent, CASES[case].param)


GENERIC = sorted(name for name, case in CASES.items() if case.generic)


@pytest.mark.parametrize("entry", ["request", "request_async"])
@pytest.mark.parametrize("case", GENERIC)
def test_hostile_params_are_refused_by_the_generic_request(case: str, entry: str) -> None:
    # No schema here: the shapes no Stripe endpoint can take (too deep, cyclic, NUL,
    # surrogates, non-str keys, bytes, integers beyond 64 bits) are still refused.
    error, sent = ENTRY_POINTS[entry](CASES[case].build())
    expect_refused(error, sent, None)


@pytest.mark.parametrize(
    ("case", "entry"),
    [
        (case, entry)
        for case, (_, generic) in sorted(SECRET_CASES.items())
        for entry in sorted(ENTRY_POINTS)
        if generic or entry.startswith("create")
    ],
)
def test_refusals_never_quote_a_secret(case: str, entry: str) -> None:
    error, sent = ENTRY_POINTS[entry](SECRET_CASES[case][0]())
    expect_refused(error, sent, None, secrets=(PORTAL_TOKEN, API_KEY))


@pytest.mark.parametrize(
    "params",
    [
        confirm(INT64_MAX),
        confirm(INT64_MIN),
        expiring(INT64_MAX),
        {**base(), "zzz_generic_ok": None},
        {**base(), "return_url": "https://example.com:443/account?x=1#y"},
        redirect("http://[::1]:8080/done"),
    ],
    ids=[
        "quantity-int64-max",
        "quantity-int64-min",
        "expires-int64-max",
        "none-is-absent",
        "url-with-port",
        "ipv6-url",
    ],
)
def test_the_edges_that_are_fine_are_sent(params: dict[str, Any]) -> None:
    error, sent = _sync_create(params)
    if error is not None:
        fail(f"refused with {type(error).__name__}")
    assert sent == 1


def test_generic_request_still_sends_ordinary_nesting() -> None:
    params = {**base(), "metadata": deep(MAX_DEPTH // 2 - 2), "expand": ["flow"]}
    error, sent = _sync_request(params)
    if error is not None:
        fail(f"refused with {type(error).__name__}")
    assert sent == 1


# --------------------------------------------------------------------------- properties

_KEYS = [
    "customer",
    "customer_account",
    "configuration",
    "expand",
    "flow_data",
    "locale",
    "on_behalf_of",
    "return_url",
    "after_expiration",
    "type",
    "subscription",
    "items",
    "id",
    "quantity",
    "price",
    "redirect",
    "after_completion",
    "customer_login",
    "expires_at",
    "subscription_update_confirm",
    "payment_method_update",
    "customer_update",
    "hosted_confirmation",
    "custom_message",
    "discounts",
    "coupon",
]
_GOOD_STRINGS = [
    "cus_1",
    "sub_1",
    "si_1",
    "https://example.com/a",
    "subscription_update_confirm",
    "payment_method_update",
    "customer_update",
    "redirect",
    "customer_login",
    "en",
    "flow",
    "{KEY}",
    "{URL}",
]


@attrs.frozen
class Big:
    """A stand-in for a huge integer: hypothesis cannot print 10**5000 (too many digits)."""

    name: str

    @property
    def value(self) -> int:
        return _BIG[self.name]


_BIG = {
    "2**63": 2**63,
    "-2**63-1": -(2**63) - 1,
    "10**5000": 10**5000,
    "-10**5000": -(10**5000),
    "int64-max": INT64_MAX,
    "int64-min": INT64_MIN,
}
_HOSTILE_INTS = [Big(name) for name in _BIG]
_CHAR = st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udfff", "\r", "\n", " "]))
_TEXT = st.text(_CHAR, max_size=8)  # NUL, lone surrogates, CR/LF among ordinary text
_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(_HOSTILE_INTS),
    st.floats(),
    st.sampled_from(_GOOD_STRINGS),
    _TEXT,
    st.binary(max_size=6),
)
_KEY = st.one_of(
    st.sampled_from(_KEYS),
    _TEXT,
    st.integers(-2, 2),
    st.binary(max_size=3),
    st.none(),
    st.tuples(st.just("k")),
)
_TREE = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(_KEY, inner, max_size=4),
    ),
    max_leaves=16,
)
_PARAMS = st.one_of(
    st.dictionaries(_KEY, _TREE, max_size=5).map(lambda d: {"customer": "cus_1", **d}),
    st.dictionaries(_KEY, _TREE, max_size=5),
    _TREE,
)
# Applied inside the test so a failing example prints no cycle and no secret.
_TWIST = st.tuples(st.sampled_from(["none", "deep", "deep-list", "cycle"]), st.integers(0, 50))


def _containers(value: Any) -> list[Any]:
    found: list[Any] = []
    seen: set[int] = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            found.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            found.append(node)
            stack.extend(node)
    return found


def _fill(value: Any) -> Any:
    """Swap the placeholders for real secrets (kept out of hypothesis' printed examples)."""
    if isinstance(value, Big):
        return value.value
    if isinstance(value, str):
        return value.replace("{KEY}", API_KEY).replace("{URL}", CUSTOM_DOMAIN_URL)
    if isinstance(value, dict):
        return {_fill(key): _fill(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item) for item in value]
    return value


def _twist(params: Any, twist: tuple[str, int]) -> tuple[Any, bool]:
    """Plant a too deep or cyclic value somewhere; says whether it planted one."""
    kind, where = twist
    containers = _containers(params)
    if kind == "none" or not containers:
        return params, False
    target = containers[where % len(containers)]
    if kind == "deep":
        hostile: Any = deep(MAX_DEPTH + 1 + where * 60)
    elif kind == "deep-list":
        hostile = deep_list(MAX_DEPTH + 1 + where * 60)
    else:
        hostile = target
    if isinstance(target, dict):
        target["flow_data" if where % 2 else "zz"] = hostile
    else:
        target.append(hostile)
    return params, True


def _check_outcome(error: BaseException | None, sent: int, *, must_refuse: bool) -> None:
    """Refused before sending (InvalidParamsError, no secret), or sent exactly once."""
    event("sent" if error is None else f"refused: {getattr(error, 'reason', None)}")
    if error is None:
        if must_refuse:
            fail("a too deep or cyclic params object was sent")
        if sent != 1:
            fail(f"accepted but sent {sent} requests")
        return
    expect_refused(error, sent, None, secrets=(PORTAL_TOKEN,))


@settings(max_examples=100, deadline=None, derandomize=True, phases=PHASES)
@given(params=_PARAMS, twist=_TWIST)
def test_any_params_are_refused_cleanly_or_sent_once(params: Any, twist: tuple[str, int]) -> None:
    params, planted = _twist(_fill(params), twist)
    error, sent = _sync_create(params)
    _check_outcome(error, sent, must_refuse=planted)


@settings(max_examples=30, deadline=None, derandomize=True, phases=PHASES)
@given(params=_PARAMS, twist=_TWIST)
def test_any_params_are_refused_cleanly_or_sent_once_async(
    params: Any, twist: tuple[str, int]
) -> None:
    params, planted = _twist(_fill(params), twist)
    error, sent = _async_create(params)
    _check_outcome(error, sent, must_refuse=planted)


@settings(max_examples=60, deadline=None, derandomize=True, phases=PHASES)
@given(params=_PARAMS, twist=_TWIST)
def test_any_params_through_the_generic_request(params: Any, twist: tuple[str, int]) -> None:
    params, planted = _twist(_fill(params), twist)
    error, sent = _sync_request(params)
    _check_outcome(error, sent, must_refuse=planted)


# --------------------------------------------------------------------------- one bad leaf

TEMPLATES: list[dict[str, Any]] = [
    {
        "customer": "cus_1",
        "configuration": "bpc_1",
        "expand": ["flow", "configuration"],
        "locale": "en",
        "on_behalf_of": "acct_1",
        "return_url": "https://example.com/account",
        "after_expiration": {
            "type": "customer_login",
            "customer_login": {"expires_at": 1764028800},
        },
        "flow_data": {
            "type": "subscription_update_confirm",
            "after_completion": {
                "type": "redirect",
                "redirect": {"return_url": "https://example.com/done"},
            },
            "subscription_update_confirm": {
                "subscription": "sub_1",
                "items": [{"id": "si_1", "quantity": 2, "price": "price_1"}],
                "discounts": [{"coupon": "co_1"}],
            },
        },
    },
    {
        "customer_account": "acct_1",
        "flow_data": {
            "type": "subscription_cancel",
            "after_completion": {
                "type": "hosted_confirmation",
                "hosted_confirmation": {"custom_message": "Thanks!"},
            },
            "subscription_cancel": {
                "subscription": "sub_1",
                "retention": {"type": "coupon_offer", "coupon_offer": {"coupon": "co_1"}},
            },
        },
    },
]
Path = tuple[Any, ...]


def _leaves(value: Any, path: Path = ()) -> list[Path]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path]


def dotted(path: Path) -> str:
    """The path as ``.param`` spells it: ``flow_data.items[0].quantity``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@pytest.mark.parametrize("index", range(len(TEMPLATES)))
def test_the_templates_are_valid(index: int) -> None:
    error, sent = _sync_create(_copy(TEMPLATES[index]))
    if error is not None:
        fail(f"template {index} refused with {type(error).__name__}")
    assert sent == 1


LEAVES = [(index, leaf) for index, template in enumerate(TEMPLATES) for leaf in _leaves(template)]
MUTATIONS = [
    "nul",
    "surrogate",
    "cr-lf",
    "bytes",
    "too-big",
    "too-small",
    "huge",
    "float",
    "bool",
    "deep",
    "deep-list",
    "cycle",
    "non-str-key-beside",
    "key-with-nul",
    "url-with-nul",
]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _mutate(root: dict[str, Any], path: Path, kind: str, at: int) -> Path:
    """Make the leaf at ``path`` hostile; returns the path ``.param`` must name (or be below)."""
    parent = root
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    old = parent[last]
    text = old if isinstance(old, str) else str(old)
    cut = at % (len(text) + 1)
    if kind in ("non-str-key-beside", "key-with-nul"):
        bad_key: Any = ((at,) if at % 2 else at) if kind == "non-str-key-beside" else "k\x00"
        if isinstance(parent, list):
            parent.append({bad_key: old})
        else:
            parent[bad_key] = old
        return path[:-1]
    if kind == "cr-lf" and "url" not in str(last):
        kind = "nul"  # CR/LF is only wrong in a URL; elsewhere plant a NUL with it
        text = text[:cut] + "\r\n" + text[cut:]
    new: Any
    if kind == "nul":
        new = text[:cut] + "\x00" + text[cut:]
    elif kind == "surrogate":
        new = text[:cut] + "\udc80" + text[cut:]
    elif kind == "cr-lf":
        new = text[:cut] + "\r\n" + text[cut:]
    elif kind == "bytes":
        new = text.encode()
    elif kind == "too-big":
        new = INT64_MAX + 1 + at
    elif kind == "too-small":
        new = INT64_MIN - 1 - at
    elif kind == "huge":
        new = 10 ** (4300 + at)
    elif kind == "float":
        new = float(at) + 0.5
    elif kind == "bool":
        new = bool(at % 2)
    elif kind == "deep":
        new = deep(MAX_DEPTH + 1 + at * 80, leaf=old)
    elif kind == "deep-list":
        new = deep_list(MAX_DEPTH + 1 + at * 80, leaf=old)
    elif kind == "cycle":
        new = root
    else:  # url-with-nul: a portal url (a secret) with a NUL in it, where a string goes
        new = CUSTOM_DOMAIN_URL[: 10 + at] + "\x00" + CUSTOM_DOMAIN_URL[10 + at :]
    parent[last] = new
    return path


def _expect_param_within(error: InvalidParamsError, where: Path) -> None:
    named = error.param
    # A cycle or a deep value may be reported a level or more below the planted leaf.
    wanted = dotted(where)
    if wanted and not (isinstance(named, str) and named.startswith(wanted)):
        shown = named if isinstance(named, str) and not leak_kinds(named) else type(named)
        fail(f".param is {shown!r}, expected the path {wanted!r} or below")


@settings(max_examples=120, deadline=None, derandomize=True, phases=PHASES)
@given(
    leaf=st.sampled_from(LEAVES),
    kind=st.sampled_from(MUTATIONS),
    at=st.integers(0, 12),
)
def test_one_hostile_leaf_anywhere_is_refused_and_named(
    leaf: tuple[int, Path], kind: str, at: int
) -> None:
    index, path = leaf
    params = _copy(TEMPLATES[index])
    where = _mutate(params, path, kind, at)
    error, sent = _sync_create(params)
    refused = expect_refused(error, sent, None, secrets=(PORTAL_TOKEN,))
    _expect_param_within(refused, where)


@settings(max_examples=60, deadline=None, derandomize=True, phases=PHASES)
@given(
    leaf=st.sampled_from(LEAVES),
    kind=st.sampled_from([m for m in MUTATIONS if m not in ("float", "bool", "cr-lf")]),
    at=st.integers(0, 12),
)
def test_one_hostile_leaf_anywhere_is_refused_by_the_generic_request(
    leaf: tuple[int, Path], kind: str, at: int
) -> None:
    index, path = leaf
    params = _copy(TEMPLATES[index])
    _mutate(params, path, kind, at)
    error, sent = _sync_request(params)
    expect_refused(error, sent, None, secrets=(PORTAL_TOKEN,))
