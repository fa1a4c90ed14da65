"""The command line never prints a secret: the API key, an ``Authorization`` value or a
portal url (on any host), on success or on any failure path. A created session's url is
printed by design, in its JSON and by ``--show-url``; ``--mask`` hides it.

Also home of the small leak scanner the other reliability tests share: it reports *what
kind* of secret it found, never the secret itself, so a failing test cannot print one.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lattice_core import cli as lattice_cli
from lattice_core.testing import FakeStripe, LoopbackServer

from ..conftest import API_KEY, SESSION_JSON

# --------------------------------------------------------------------------- leak scanner

#: All of the suite key a masked form never shows (masking may keep the last four).
KEY_BODY = API_KEY[len("sk_test_") : -4]
PORTAL_TOKEN = "test_SECRET_PortalToken_q7Z"
CUSTOM_DOMAIN_URL = f"https://billing.example.com/p/session/{PORTAL_TOKEN}"

_UNMASKED_KEY = re.compile(r"(?<![0-9A-Za-z])(?:sk|rk)_(?:test_|live_)?[0-9A-Za-z]{6,}")
_BEARER = re.compile(r"Bearer (?!\*\*\*)")
# "Authorization: Bearer sk_...", "'Authorization': 'Bearer ...'" (a header dict's repr);
# the masked spellings ("***", "Bearer ***") are fine.
_AUTH_VALUE = re.compile(
    r"authorization['\"]?\s*[:=]\s*['\"]?(?!\*\*\*|Bearer \*\*\*)[^\s'\"]", re.IGNORECASE
)
_SEP = r"(?:/|%2F|\\/|\\u002f)"
_PORTAL = re.compile(rf"{_SEP}p{_SEP}session{_SEP}(?!\*\*\*)", re.IGNORECASE)
_PATTERNS = (
    (_UNMASKED_KEY, "an unmasked key"),
    (_BEARER, "a Bearer value"),
    (_AUTH_VALUE, "an Authorization value"),
    (_PORTAL, "a portal url secret"),
)


def leak_kinds(text: str, secrets: Iterable[str] = ()) -> list[str]:
    """What kinds of secret ``text`` shows (names only: safe to put in a failure message)."""
    found = [what for pattern, what in _PATTERNS if pattern.search(text)]
    if API_KEY in text or KEY_BODY in text:
        found.append("the suite API key")
    if any(secret and secret in text for secret in secrets):
        found.append("a planted secret")
    return found


def fail(message: str) -> NoReturn:
    """Fail with ``message`` only: a plain ``AssertionError`` shows no local values (unlike
    a rewritten ``assert``), and keeps hypothesis' notes on which example failed."""
    raise AssertionError(message)


def assert_no_leak(text: str, where: str, secrets: Iterable[str] = ()) -> None:
    """Fail (without quoting ``text``) if ``text`` shows a secret."""
    kinds = leak_kinds(text, secrets)
    if kinds:
        fail(f"{', '.join(sorted(set(kinds)))} in {where}")


# --------------------------------------------------------------------------- helpers

BASE = ["billing_portal", "sessions", "create"]
TRANSPORTS = ("requests", "aiohttp")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``lattice-stripe argv`` in-process; argparse's own exits count as exit codes."""
    try:
        code = lattice_cli.main(list(argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def create_args(base_url: str, *data: str, transport: str = "requests") -> list[str]:
    args = [*BASE, "--api-key", API_KEY, "--api-base", base_url, "--transport", transport]
    args += ["--max-retries", "0"]
    for item in data:
        args += ["-d", item]
    return args


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: connecting is refused


App = Callable[[str, str, Mapping[str, str], bytes], tuple[int, Mapping[str, str], bytes]]


def _answer(status: int, body: bytes, content_type: str = "application/json") -> App:
    def app(method: str, path: str, headers: Mapping[str, str], raw: bytes) -> Any:
        return status, {"Content-Type": content_type, "Request-Id": "req_leakscan"}, body

    return app


def _echo_authorization(status: int) -> App:
    """A proxy's error page that echoes the request's Authorization header back."""

    def app(method: str, path: str, headers: Mapping[str, str], raw: bytes) -> Any:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        page = (
            "<html><head><title>502 Bad Gateway</title></head><body>"
            f"<h1>Upstream failed</h1><pre>POST {path}\nAuthorization: {auth}\n"
            f"X-Debug: {auth}\nreturn to {CUSTOM_DOMAIN_URL}</pre></body></html>"
        )
        return status, {"Content-Type": "text/html", "Request-Id": "req_echo"}, page.encode()

    return app


CUT_SESSION = json.dumps({**SESSION_JSON, "url": CUSTOM_DOMAIN_URL}).encode()
CUT_SESSION = CUT_SESSION[: CUT_SESSION.index(PORTAL_TOKEN.encode()) + len(PORTAL_TOKEN)]

FAILURE_APPS: dict[str, Callable[[], App]] = {
    # A 200 whose body was cut right after a custom-domain portal url.
    "cut-200-custom-domain-url": lambda: _answer(200, CUT_SESSION),
    "cut-200-url-json-escaped": lambda: _answer(200, CUT_SESSION.replace(b"/", b"\\/")),
    "html-500-echoing-authorization": lambda: _echo_authorization(500),
    "html-200-echoing-authorization": lambda: _echo_authorization(200),
    "html-400-echoing-authorization": lambda: _echo_authorization(400),
    "stripe-error-echoing-secrets": lambda: _answer(
        400,
        json.dumps(
            {
                "error": {
                    "type": "invalid_request_error",
                    "message": f"Invalid API Key provided: {API_KEY}; see {CUSTOM_DOMAIN_URL}",
                    "param": f"return_url={CUSTOM_DOMAIN_URL}",
                    "doc_url": CUSTOM_DOMAIN_URL,
                }
            }
        ).encode(),
    ),
    "json-500-not-an-error-object": lambda: _answer(
        500, json.dumps({"url": CUSTOM_DOMAIN_URL, "key": API_KEY}).encode()
    ),
    "session-of-wrong-shape-200": lambda: _answer(
        200, json.dumps({**SESSION_JSON, "url": CUSTOM_DOMAIN_URL, "id": 7}).encode()
    ),
    "plain-text-502-with-url-encoded-secret": lambda: _answer(
        502,
        b"bad gateway: https%3A%2F%2Fbilling.example.com%2Fp%2Fsession%2F" + PORTAL_TOKEN.encode(),
        "text/plain",
    ),
}


@pytest.fixture
def failure_server(request: pytest.FixtureRequest) -> Iterator[str]:
    with LoopbackServer(FAILURE_APPS[request.param]()) as server:
        yield server.url


# --------------------------------------------------------------------------- successes


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_created_session_prints_with_its_url_masked_under_mask(
    capsys: pytest.CaptureFixture[str],
    fake_stripe: FakeStripe,
    fake_stripe_server: LoopbackServer,
    transport: str,
) -> None:
    flow = [
        "flow_data[type]=subscription_update_confirm",
        "flow_data[subscription_update_confirm][subscription]=sub_1",
        "flow_data[subscription_update_confirm][items][0][id]=si_1",
        "flow_data[subscription_update_confirm][items][0][quantity]=2",
        "flow_data[after_completion][type]=redirect",
        "flow_data[after_completion][redirect][return_url]=https://example.com/done",
    ]
    args = create_args(fake_stripe_server.url, "customer=cus_1", *flow, transport=transport)
    code, out, err = run_cli(capsys, *args, "--mask")
    assert code == 0, "create failed (stderr is checked for leaks below)"
    url = fake_stripe.sessions[0]["url"]
    assert_no_leak(out, "stdout", secrets=[url])
    assert_no_leak(err, "stderr", secrets=[url])
    assert json.loads(out)["url"] == "***"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_show_url_prints_the_url_and_nothing_else(
    capsys: pytest.CaptureFixture[str],
    fake_stripe: FakeStripe,
    fake_stripe_server: LoopbackServer,
    transport: str,
) -> None:
    args = create_args(fake_stripe_server.url, "customer=cus_1", transport=transport)
    code, out, err = run_cli(capsys, *args, "--show-url")
    assert code == 0, "create --show-url failed"
    exactly_the_url = out == fake_stripe.sessions[0]["url"] + "\n"
    assert exactly_the_url, "stdout is not exactly the session url and a newline"
    assert_no_leak(err, "stderr")
    assert_no_leak(out.replace(fake_stripe.sessions[0]["url"], ""), "stdout besides the url")


def _session_with_secrets_in_extra() -> App:
    body = {
        **SESSION_JSON,
        "url": CUSTOM_DOMAIN_URL,
        # Fields a newer API version might add: kept in ``extra``, printed by the CLI.
        "previous_url": CUSTOM_DOMAIN_URL.replace("q7Z", "old"),
        "links": {"portal": CUSTOM_DOMAIN_URL, "nested": [{"href": CUSTOM_DOMAIN_URL}]},
        "configuration": {"id": "bpc_1", "login_page": {"url": CUSTOM_DOMAIN_URL}},
    }
    return _answer(200, json.dumps(body).encode())


@pytest.mark.parametrize("show_url", [False, True], ids=["mask", "show-url"])
def test_portal_urls_in_unknown_or_expanded_fields_are_never_printed(
    capsys: pytest.CaptureFixture[str], show_url: bool
) -> None:
    with LoopbackServer(_session_with_secrets_in_extra()) as server:
        extra = ["--show-url"] if show_url else ["--mask"]
        code, out, err = run_cli(capsys, *create_args(server.url, "customer=cus_1"), *extra)
    assert code == 0, "a session with extra fields did not decode"
    assert_no_leak(err, "stderr", secrets=[PORTAL_TOKEN])
    if show_url:
        exactly_the_url = out == CUSTOM_DOMAIN_URL + "\n"
        assert exactly_the_url, "stdout is not exactly the session url and a newline"
    else:
        assert_no_leak(out, "stdout", secrets=[PORTAL_TOKEN, "q7Z", "_old"])


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("show_url", [False, True], ids=["json", "show-url"])
@pytest.mark.parametrize("failure_server", sorted(FAILURE_APPS), indirect=True)
def test_failure_paths_print_no_secret(
    capsys: pytest.CaptureFixture[str], failure_server: str, show_url: bool, transport: str
) -> None:
    extra = ["--show-url"] if show_url else []
    args = create_args(failure_server, "customer=cus_1", transport=transport)
    code, out, err = run_cli(capsys, *args, *extra)
    assert code == 1, f"exit code {code}, expected 1 (a Stripe or network error)"
    assert out == "", "a failed create printed to stdout"
    assert_no_leak(err, "stderr", secrets=[PORTAL_TOKEN])
    assert err.startswith("lattice-stripe: "), "the error is not the CLI's one-line report"
    assert "Traceback" not in err


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("show_url", [False, True], ids=["json", "show-url"])
def test_a_refused_connection_prints_no_secret(
    capsys: pytest.CaptureFixture[str], show_url: bool, transport: str
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    extra = ["--show-url"] if show_url else []
    code, out, err = run_cli(
        capsys, *create_args(url, "customer=cus_1", transport=transport), *extra
    )
    assert code == 1, f"exit code {code}, expected 1"
    assert out == ""
    assert "APIConnectionError" in err
    assert_no_leak(err, "stderr")


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_key_from_the_environment_is_not_printed_on_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", API_KEY)
    with LoopbackServer(_echo_authorization(503)) as server:
        argv = [*BASE, "--api-base", server.url, "--transport", transport, "--max-retries", "0"]
        code, out, err = run_cli(capsys, *argv, "-d", "customer=cus_1")
    assert code == 1
    assert out == ""
    assert_no_leak(err, "stderr", secrets=[PORTAL_TOKEN])


def test_stripe_echoing_a_key_sent_as_a_param_is_masked(
    capsys: pytest.CaptureFixture[str], fake_stripe_server: LoopbackServer
) -> None:
    # The fake answers "No such customer: '<what was sent>'", as Stripe does.
    args = create_args(fake_stripe_server.url, f"customer={API_KEY}")
    code, out, err = run_cli(capsys, *args)
    assert code == 1
    assert out == ""
    assert "No such customer" in err
    assert_no_leak(err, "stderr")


# --------------------------------------------------------------------------- bad input

BAD_INPUT: dict[str, list[str]] = {
    "pasted-key-without-equals": ["-d", API_KEY],
    "key-as-param-name": ["-d", "customer=cus_1", "-d", f"{API_KEY}=1"],
    "key-as-nested-param-name": ["-d", "customer=cus_1", "-d", f"flow_data[{API_KEY}]=1"],
    "key-as-locale": ["-d", "customer=cus_1", "-d", f"locale={API_KEY}"],
    "key-as-flow-type": ["-d", "customer=cus_1", "-d", f"flow_data[type]={API_KEY}"],
    "portal-url-with-space-as-return-url": [
        "-d",
        "customer=cus_1",
        "-d",
        f"return_url=https://exa mple.com{CUSTOM_DOMAIN_URL[26:]}",
    ],
    "portal-url-with-nul-as-return-url": [
        "-d",
        "customer=cus_1",
        "-d",
        f"return_url={CUSTOM_DOMAIN_URL}\x00",
    ],
    "key-repeated": ["-d", f"customer={API_KEY}", "-d", f"customer={API_KEY}"],
    "key-as-stripe-account": ["-d", "customer=cus_1", "--stripe-account", API_KEY],
    "key-as-idempotency-key-with-space": [
        "-d",
        "customer=cus_1",
        "--idempotency-key",
        f" {API_KEY} ",
    ],
    "key-as-max-retries": ["-d", "customer=cus_1", "--max-retries", API_KEY],
    "misspelled-api-key-flag": ["-d", "customer=cus_1", "--apikey", API_KEY],
    "stray-key-argument": ["-d", "customer=cus_1", API_KEY],
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_never_echoes_a_secret(
    capsys: pytest.CaptureFixture[str], fake_stripe: FakeStripe, case: str
) -> None:
    with LoopbackServer(fake_stripe) as server:
        argv = [*BASE, "--api-key", API_KEY, "--api-base", server.url, *BAD_INPUT[case]]
        # --max-retries given twice is fine for argparse: the last one wins.
        code, out, err = run_cli(capsys, *argv)
    assert code == 2, f"exit code {code}, expected 2 (bad input)"
    assert fake_stripe.requests == [], "bad input reached the server"
    assert_no_leak(out, "stdout", secrets=[PORTAL_TOKEN])
    assert_no_leak(err, "stderr", secrets=[PORTAL_TOKEN])


@pytest.mark.parametrize(
    "api_key",
    [
        API_KEY + "!",
        API_KEY + " ",
        " " + API_KEY,
        API_KEY.replace("_51", "-51"),
        "pk" + API_KEY[2:],
    ],
    ids=["trailing-bang", "trailing-space", "leading-space", "dash", "publishable"],
)
def test_a_malformed_key_is_refused_without_echoing_it(
    capsys: pytest.CaptureFixture[str], api_key: str
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    code, out, err = run_cli(capsys, *BASE, "--api-key", api_key, "--api-base", url, "-dcustomer=c")
    assert code == 2
    assert out == ""
    assert_no_leak(err, "stderr", secrets=[api_key.strip()[8:-4]])


@pytest.mark.parametrize(
    "api_base",
    [
        f"https://user:{API_KEY}@api.example.com",
        f"http://example.com/{API_KEY}",
        f"https://api.example.com/v1?key={API_KEY}",
        f"http://[{API_KEY}",
        f"https://api.example.com:{API_KEY}",
    ],
    ids=["credentials", "non-loopback-http", "query", "broken-ipv6", "port"],
)
def test_a_bad_api_base_is_refused_without_echoing_secrets_in_it(
    capsys: pytest.CaptureFixture[str], api_base: str
) -> None:
    code, out, err = run_cli(capsys, *BASE, "--api-key", API_KEY, "--api-base", api_base)
    assert code == 2
    assert out == ""
    assert_no_leak(err, "stderr")


# --------------------------------------------------------------------------- fuzzed -d pairs

_PLACEHOLDERS = {
    "{KEY}": API_KEY,
    "{URL}": CUSTOM_DOMAIN_URL,
    "{BEARER}": f"Bearer {API_KEY}",
}
_FORM_KEYS = [
    "customer",
    "customer_account",
    "return_url",
    "locale",
    "configuration",
    "on_behalf_of",
    "expand[]",
    "flow_data[type]",
    "flow_data[after_completion][type]",
    "flow_data[after_completion][redirect][return_url]",
    "flow_data[subscription_cancel][subscription]",
    "flow_data[subscription_update_confirm][items][0][quantity]",
    "after_expiration[customer_login][expires_at]",
    "{KEY}",
    "flow_data[{KEY}]",
]
_VALUES = st.one_of(
    st.sampled_from(["cus_1", "{KEY}", "{URL}", "{BEARER}", "https://example.com", "7", ""]),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
    st.lists(st.sampled_from(["{KEY}", "{URL}", " ", "x", "%", "[", "]"]), max_size=4).map("".join),
)
_PAIRS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(_FORM_KEYS), _VALUES).map(lambda kv: f"{kv[0]}={kv[1]}"),
        st.sampled_from(["{KEY}", "{URL}", "=", "customer"]),
    ),
    max_size=5,
)


def _fill(text: str) -> str:
    for placeholder, secret in _PLACEHOLDERS.items():
        text = text.replace(placeholder, secret)
    return text


def test_fuzzed_data_pairs_never_print_a_secret(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeStripe()
    with LoopbackServer(fake) as server:

        @settings(
            max_examples=40,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(pairs=_PAIRS, show_url=st.booleans())
        def check(pairs: list[str], show_url: bool) -> None:
            fake.sessions.clear()
            argv = create_args(server.url, *(_fill(pair) for pair in pairs))
            code, out, err = run_cli(capsys, *argv, *(["--show-url"] if show_url else ["--mask"]))
            assert code in (0, 1, 2), f"exit code {code}"
            assert_no_leak(err, "stderr", secrets=[PORTAL_TOKEN])
            if code == 0 and show_url:
                url = fake.sessions[-1]["url"]
                exactly_the_url = out == url + "\n"
                assert exactly_the_url, "stdout is not exactly the session url"
            else:
                assert_no_leak(out, "stdout", secrets=[PORTAL_TOKEN])
                if code == 0:
                    assert json.loads(out)["url"] == "***"

        check()
