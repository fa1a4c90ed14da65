"""Client construction: every bad setting fails early, clearly, and without echoing the key."""

from __future__ import annotations

import pytest

from lattice_core import AsyncClient, AsyncTransport, Client, ConfigurationError, Request, Response
from lattice_core.billing_portal import Session
from lattice_core.testing import StubTransport, json_response

from .conftest import API_KEY, SESSION_JSON, UNMASKED_KEY


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("", "empty"),
        ("pk_test_51PublishableKeyabcdef", "publishable"),
        ("sk_test_51Has Space", "whitespace inside it"),
        ("sk_test_51TrailingNewline\n", "whitespace"),
        ("whsec_51WebhookSecretabcdef", "malformed"),
        ("51NoPrefixAtAllabcdef", "malformed"),
        (None, "must be a str"),
        (b"sk_test_51Bytesabcdef", "must be a str"),
    ],
)
def test_malformed_api_key_is_a_configuration_error_without_the_key(key: object, hint: str) -> None:
    with pytest.raises(ConfigurationError, match=hint) as info:
        Client(key)  # type: ignore[arg-type]
    message = str(info.value)
    if isinstance(key, str) and key:
        assert key.strip() not in message
        assert key[8:].strip() not in message
    assert "dashboard.stripe.com/apikeys" in message


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (API_KEY + "\n", "api_key has trailing whitespace (a newline)"),
        (API_KEY + "\r\n", "trailing whitespace (a carriage return and a newline)"),
        (" " + API_KEY, "api_key has leading whitespace (a space)"),
        ("\t" + API_KEY + " ", "leading and trailing whitespace (a tab and a space)"),
        ("\u00a0" + API_KEY, "leading whitespace (a Unicode space U+00A0)"),
        (API_KEY[:20] + " " + API_KEY[20:], "api_key has whitespace inside it (a space)"),
        (API_KEY[:20] + "\n" + API_KEY[20:], "whitespace inside it (a newline)"),
        ("   ", "api_key is only whitespace (a space)"),
    ],
)
def test_whitespace_in_a_key_is_named_as_such_without_echoing_the_key(key: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Client(key, transport=StubTransport())
    message = str(info.value)
    assert says in message
    assert "malformed" not in message
    if key.strip():
        assert "key.strip()" in message or "Copy it again in one piece" in message
    for part in key.split():
        assert part[8:] not in message  # no piece of the key, masked or not
    assert "dashboard.stripe.com/apikeys" in message


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (f'"{API_KEY}"', "api_key is wrapped in quotes"),
        (f"'{API_KEY}'", "api_key is wrapped in quotes"),
        (f"STRIPE_API_KEY={API_KEY}", "api_key starts with 'STRIPE_API_KEY='"),
        (f"STRIPE_API_KEY='{API_KEY}'", "pass only the value, e.g. os.environ['STRIPE_API_KEY']"),
        ("\ufeff" + API_KEY, "invisible character (U+FEFF ZERO WIDTH NO-BREAK SPACE)"),
        (API_KEY + "\u200b", "invisible character (U+200B ZERO WIDTH SPACE)"),
        (API_KEY[:12] + "\x00" + API_KEY[12:], "invisible character (U+0000 CONTROL CHARACTER)"),
    ],
)
def test_a_key_wrapped_in_something_says_what_without_echoing_it(key: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Client(key, transport=StubTransport())
    message = str(info.value)
    assert says in message
    assert "malformed" not in message
    assert API_KEY[8:] not in message
    assert API_KEY[-4:] not in message


def test_an_async_def_sleep_on_a_sync_client_is_refused() -> None:
    async def sleep(seconds: float) -> None:
        pass

    with pytest.raises(ConfigurationError, match=r"an async def function.*AsyncClient"):
        Client(API_KEY, transport=StubTransport(), sleep=sleep)


def test_a_key_wrong_even_without_its_whitespace_says_both() -> None:
    with pytest.raises(ConfigurationError) as info:
        Client(" whsec_51WebhookSecretabcdef\n", transport=StubTransport())
    message = str(info.value)
    assert "leading and trailing whitespace" in message
    assert "Even without it, api_key is not a key ('sk_' or 'rk_' followed by" in message
    assert "WebhookSecret" not in message


@pytest.mark.parametrize(
    ("length", "article"),
    [
        (8, "an 8-character"),
        (11, "an 11-character"),
        (18, "an 18-character"),
        (10, "a 10-character"),
        (80, "an 80-character"),
        (110, "a 110-character"),
    ],
)
def test_the_malformed_key_message_reads_right(length: int, article: str) -> None:
    with pytest.raises(ConfigurationError, match="malformed") as info:
        Client("x" * length, transport=StubTransport())
    assert f"({article} string that is not 'sk_' or 'rk_'" in str(info.value)


@pytest.mark.parametrize(
    "key", ["sk_test_51Abcdefghijkl", "rk_" + "live_51Abcdefghijkl", "sk_51Abcdefg"]
)
def test_secret_and_restricted_keys_are_accepted(key: str) -> None:
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(key, transport=stub) as client:
        Session.create(client, {"customer": "cus_1"})
    assert stub.requests[0].headers["Authorization"] == f"Bearer {key}"


@pytest.mark.parametrize(
    "base_url",
    [
        "http://api.stripe.com",
        "http://10.0.0.5:12111",
        "http://192.168.1.2",
        "ftp://127.0.0.1",
        "api.stripe.com",
        "",
        "https://user:pass@api.stripe.com",
        "https://api.stripe.com/?debug=1",
    ],
)
def test_base_url_must_be_https_or_loopback_http(base_url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        Client(API_KEY, base_url=base_url, transport=StubTransport())


@pytest.mark.parametrize(
    ("base_url", "says", "suggests"),
    [
        ("https://[::1", "IPv6 address in brackets", "https://api.stripe.com'"),
        ("https://api.stripe.com:99999", "port from 1 to 65535", "https://api.stripe.com'"),
        ("http://127.0.0.1:0", "port from 1 to 65535", "https://api.stripe.com'"),
        ("https://api.stripe.com/v1", "must not include /v1", "'https://api.stripe.com'"),
        ("https://api.stripe.com/v1/", "must not include /v1", "'https://api.stripe.com'"),
        ("http://127.0.0.1:12111/v1", "must not include /v1", "'http://127.0.0.1:12111'"),
        # No scheme: said so, and the URL to pass instead (http:// only for loopback).
        ("localhost:12111", "has no scheme", "pass 'http://localhost:12111'"),
        ("127.0.0.1:12111", "has no scheme", "pass 'http://127.0.0.1:12111'"),
        ("[::1]:12111", "has no scheme", "pass 'http://[::1]:12111'"),
        ("api.stripe.com", "has no scheme", "pass 'https://api.stripe.com'"),
        ("//api.stripe.com", "has no scheme", "pass 'https://api.stripe.com'"),
        ("api.stripe.com/v1", "has no scheme", "pass 'https://api.stripe.com'"),
        ("user:pw@api.stripe.com", "has no scheme", "pass 'https://api.stripe.com'"),
        ("/v1", "has no scheme", "'http://127.0.0.1:12111' (a local fake server)"),
        # A scheme half typed.
        ("https:api.stripe.com", "must start with 'https://', not 'https:'", "'https://api"),
        ("http:/localhost:12111", "not 'http:/'", "pass 'http://localhost:12111'"),
        ("https//api.stripe.com", "not 'https//'", "pass 'https://api.stripe.com'"),
        # A scheme, but the wrong one or no host.
        ("ftp://127.0.0.1", "not ftp://", "pass 'https://127.0.0.1'"),
        ("https://", "no host after 'https://'", "'https://api.stripe.com'"),
        ("https:///v1", "no host after 'https://'", "'https://api.stripe.com'"),
        ("http://api.stripe.com", "not a loopback host", "pass 'https://api.stripe.com'"),
        ("http://10.0.0.5:12111", "not a loopback host", "pass 'https://10.0.0.5:12111'"),
    ],
)
def test_malformed_base_urls_say_what_to_pass(base_url: str, says: str, suggests: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url") as info:
        Client(API_KEY, base_url=base_url, transport=StubTransport())
    assert says in str(info.value)
    assert suggests in str(info.value)
    assert "'none'" not in str(info.value)
    assert "user" not in str(info.value)  # credentials are never repeated


def test_a_base_url_message_repeats_no_path_query_or_credentials() -> None:
    for base_url in ("api.stripe.com/v1/x?token=SECRET", "user:SECRET@api.stripe.com"):
        with pytest.raises(ConfigurationError) as info:
            Client(API_KEY, base_url=base_url, transport=StubTransport())
        assert "SECRET" not in str(info.value)
        assert "'https://api.stripe.com'" in str(info.value)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.stripe.com",
        "https://api.stripe.com/",
        "http://127.0.0.1:12111",
        "http://127.8.9.10",
        "http://localhost:12111/",
        "http://[::1]:12111",
    ],
)
def test_https_and_loopback_http_base_urls_are_accepted(base_url: str) -> None:
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, base_url=base_url, transport=stub) as client:
        Session.create(client, {"customer": "cus_1"})
    assert stub.requests[0].url == base_url.rstrip("/") + "/v1/billing_portal/sessions"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"max_retries": True}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "80"}, "timeout"),
        ({"api_version": ""}, "api_version"),
        ({"api_version": "2026-10-28.endive\r\nX-Evil: 1"}, "api_version"),
        ({"api_version": "2026-10-28 endive"}, "api_version"),
        ({"stripe_account": ""}, "stripe_account"),
        ({"stripe_account": "acct_1\nX-Evil: 1"}, "stripe_account"),
        ({"stripe_account": "cus_123"}, "stripe_account"),
        ({"disable_plugins": "telemetry"}, "disable_plugins"),
        ({"transport": 42}, "transport"),
    ],
)
def test_bad_options_name_the_option(options: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigurationError, match=field):
        Client(API_KEY, **options)  # type: ignore[arg-type]


def test_unknown_transport_name_lists_the_installed_ones() -> None:
    with pytest.raises(ConfigurationError, match="'httpx' is not installed") as info:
        Client(API_KEY, transport="httpx")
    assert "Installed transports: aiohttp, requests." in str(info.value)


def test_a_known_but_missing_transport_says_what_to_install() -> None:
    with pytest.raises(ConfigurationError, match="pip install lattice-stripe-aiohttp"):
        AsyncClient(API_KEY, disable_plugins=["aiohttp"])


def test_sync_transport_in_async_client_says_which_to_use() -> None:
    with pytest.raises(ConfigurationError) as info:
        AsyncClient(API_KEY, transport="requests")
    message = str(info.value)
    assert "transport 'requests' is not asynchronous" in message
    assert "'aiohttp' (pip install lattice-stripe-aiohttp)" in message
    with pytest.raises(ConfigurationError, match="for asyncio use AsyncClient"):
        Client(API_KEY, transport="aiohttp")


def test_disabled_transport_plugin_cannot_be_used() -> None:
    with pytest.raises(ConfigurationError, match="'requests' is not installed"):
        Client(API_KEY, disable_plugins=["requests"])


class _AsyncOnly(AsyncTransport):
    async def handle_async_request(self, request: Request) -> Response:
        raise NotImplementedError


def test_async_transport_in_sync_client_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not synchronous"):
        Client(API_KEY, transport=_AsyncOnly())


def test_repr_masks_the_key() -> None:
    with Client(API_KEY, transport=StubTransport()) as client:
        text = repr(client)
    assert API_KEY not in text
    assert not UNMASKED_KEY.search(text)
    assert "sk_test_…" in text
    assert "api.stripe.com" in text


def test_context_manager_closes_the_transport_and_the_client() -> None:
    stub = StubTransport(json_response(200, SESSION_JSON))
    with Client(API_KEY, transport=stub) as client:
        Session.create(client, {"customer": "cus_1"})
        assert not stub.closed
    assert stub.closed
    client.close()  # twice is harmless
    with pytest.raises(ConfigurationError, match="closed"):
        Session.create(client, {"customer": "cus_1"})
    assert len(stub.requests) == 1


def test_requests_is_the_default_transport() -> None:
    with Client(API_KEY) as client:
        assert "requests/" in repr(client)


def test_one_client_is_safe_to_share_between_threads() -> None:
    import concurrent.futures

    stub = StubTransport(handler=lambda request: json_response(200, SESSION_JSON))
    with (
        Client(API_KEY, transport=stub) as client,
        concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool,
    ):
        sessions = list(
            pool.map(lambda i: Session.create(client, {"customer": f"cus_{i}"}), range(200))
        )
    assert len(sessions) == 200
    keys = {request.headers["Idempotency-Key"] for request in stub.requests}
    assert len(keys) == 200
    customers = sorted(stub.params(request)["customer"] for request in stub.requests)
    assert customers == sorted(f"cus_{i}" for i in range(200))
