"""``lattice-stripe`` end to end: a subprocess against the fake Stripe over HTTP."""

from __future__ import annotations

import json
import selectors
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lattice_core import cli as lattice_cli
from lattice_core import hookimpl
from lattice_core.builtin.redaction import mask
from lattice_core.plugins import make_plugin_manager
from lattice_core.testing import AsyncStubTransport, FakeStripe, LoopbackServer, StubTransport

from .conftest import API_KEY, UNMASKED_KEY

FLOWS = {
    "payment_method_update": [],
    "customer_update": [],
    "subscription_cancel": ["flow_data[subscription_cancel][subscription]=sub_1"],
    "subscription_pause": ["flow_data[subscription_pause][subscription]=sub_1"],
    "subscription_update": ["flow_data[subscription_update][subscription]=sub_1"],
    "subscription_update_confirm": [
        "flow_data[subscription_update_confirm][subscription]=sub_1",
        "flow_data[subscription_update_confirm][items][0][id]=si_1",
        "flow_data[subscription_update_confirm][items][0][quantity]=2",
    ],
}


@pytest.fixture
def served() -> Iterator[tuple[FakeStripe, str]]:
    fake = FakeStripe()
    with LoopbackServer(fake) as server:
        yield fake, server.url


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lattice_core.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)


def create(url: str, *data: str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    flags = [f"-d{item}" for item in data]
    return cli(
        "billing_portal",
        "sessions",
        "create",
        "--api-key",
        API_KEY,
        "--api-base",
        url,
        *flags,
        *extra,
    )


def test_create_prints_the_session_as_json_with_the_url_masked(
    served: tuple[FakeStripe, str],
) -> None:
    fake, url = served
    result = create(url, "customer=cus_123", "return_url=https://example.com/account")
    assert result.returncode == 0, result.stderr
    session = json.loads(result.stdout)
    assert session["url"] == "***"
    assert session["id"] == fake.sessions[0]["id"]
    assert session["customer"] == "cus_123"
    assert session["return_url"] == "https://example.com/account"
    assert "billing.stripe.com" not in result.stdout + result.stderr
    assert not UNMASKED_KEY.search(result.stdout + result.stderr)


def test_show_url_prints_the_url_alone(served: tuple[FakeStripe, str]) -> None:
    fake, url = served
    result = create(url, "customer=cus_123", extra=("--show-url",))
    assert result.returncode == 0, result.stderr
    assert result.stdout == fake.sessions[0]["url"] + "\n"


@pytest.mark.parametrize("flow_type", sorted(FLOWS))
def test_each_flow_type(served: tuple[FakeStripe, str], flow_type: str) -> None:
    fake, url = served
    result = create(url, "customer=cus_1", f"flow_data[type]={flow_type}", *FLOWS[flow_type])
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)["flow"]
    assert printed["type"] == flow_type
    assert "sub_1" not in result.stdout  # the flow's ids are masked, its shape kept
    if flow_type in ("subscription_cancel", "subscription_pause", "subscription_update"):
        assert printed[flow_type]["subscription"] == "***"
    sent = fake.requests[0][3]["flow_data"]
    assert sent["type"] == flow_type


@pytest.mark.parametrize("transport", ["requests", "aiohttp"])
def test_both_transports_and_connect_options(
    served: tuple[FakeStripe, str], transport: str
) -> None:
    fake, url = served
    options = (
        "--transport",
        transport,
        "--stripe-account",
        "acct_9",
        "--idempotency-key",
        "idem-9",
    )
    result = create(url, "customer=cus_1", extra=options)
    assert result.returncode == 0, result.stderr
    headers = fake.requests[0][2]
    assert headers["stripe-account"] == "acct_9"
    assert headers["idempotency-key"] == "idem-9"
    assert headers["user-agent"].endswith(transport, 0, headers["user-agent"].rindex("/"))


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (["flow_data[type]=payment_method_update"], "customer"),
        (
            ["customer=cus_1", "flow_data[type]=subscription_cancel"],
            "flow_data.subscription_cancel",
        ),
        (["customer=cus_1", "locale=klingon"], "locale"),
        (["customer"], "KEY=VALUE"),
        (["customer=cus_1", "flow_date[type]=x"], "flow_date"),
        (["customer=cus_1", "customer=cus_2"], "-d customer is given more than once"),
        (["customer=cus_1", "customer[a]=1"], "customer was sent in two shapes"),
        (["customer=cus_1", "expand=flow"], "expand must be a list"),
    ],
)
def test_bad_input_exits_2_names_the_field_and_sends_nothing(
    served: tuple[FakeStripe, str], data: list[str], named: str
) -> None:
    fake, url = served
    result = create(url, *data)
    assert result.returncode == 2
    assert named in result.stderr
    assert fake.requests == []


def test_list_params_in_the_stripe_cli_spelling(served: tuple[FakeStripe, str]) -> None:
    fake, url = served
    result = create(url, "customer=cus_1", "expand[]=flow", "expand[]=configuration")
    assert result.returncode == 0, result.stderr
    assert fake.requests[0][3]["expand"] == ["flow", "configuration"]


def test_missing_api_key_exits_2() -> None:
    env = {"PATH": "/usr/bin:/bin"}
    result = cli("billing_portal", "sessions", "create", "-d", "customer=cus_1", env=env)
    assert result.returncode == 2
    assert "STRIPE_API_KEY" in result.stderr


def test_api_key_comes_from_the_environment(served: tuple[FakeStripe, str]) -> None:
    fake, url = served
    env = {"PATH": "/usr/bin:/bin", "STRIPE_API_KEY": API_KEY}
    result = cli(
        "billing_portal", "sessions", "create", "--api-base", url, "-dcustomer=cus_1", env=env
    )
    assert result.returncode == 0, result.stderr
    assert fake.requests[0][2]["authorization"] == f"Bearer {mask(API_KEY)}"


def test_api_errors_exit_1_with_the_message_and_request_id(served: tuple[FakeStripe, str]) -> None:
    _, url = served
    result = create(url, "customer=nobody")
    assert result.returncode == 1
    assert "InvalidRequestError: No such customer: 'nobody'" in result.stderr
    assert "request_id: req_" in result.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: a connection to it is refused


def test_network_errors_exit_1() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = create(url, "customer=cus_1", extra=("--max-retries", "0"))
    assert result.returncode == 1
    assert "APIConnectionError" in result.stderr


def test_max_retries_must_be_a_whole_number() -> None:
    result = create("http://127.0.0.1:1", "customer=cus_1", extra=("--max-retries", "-1"))
    assert result.returncode == 2
    assert "max retries must be a whole number" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("billing_portal",),
        ("billing_portal", "sessions"),
        ("billing_portal", "sessions", "create"),
        ("fake-stripe",),
        ("plugins",),
    ],
)
def test_help_everywhere(args: tuple[str, ...]) -> None:
    result = cli(*args, "--help")
    assert result.returncode == 0
    assert "usage: lattice-stripe" in result.stdout


def test_plugins_lists_what_is_installed() -> None:
    result = cli("plugins")
    assert result.returncode == 0
    names = {line.split()[0] for line in result.stdout.splitlines()}
    assert {"retry", "telemetry", "redaction", "requests", "aiohttp", "example"} <= names


def test_fake_stripe_refuses_non_loopback_hosts() -> None:
    result = cli("fake-stripe", "--host", "0.0.0.0", "--port", "0")  # noqa: S104 - refused
    assert result.returncode == 2
    assert "refusing to serve on '0.0.0.0'" in result.stderr
    assert "--force" in result.stderr


@pytest.mark.parametrize(
    ("port", "message"),
    [("99999", "port must be 0-65535"), ("twelve", "port must be a number")],
)
def test_fake_stripe_refuses_impossible_ports(port: str, message: str) -> None:
    result = cli("fake-stripe", "--port", port)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_fake_stripe_on_a_taken_port_exits_2_cleanly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("fake-stripe", "--port", str(port))
    assert result.returncode == 2
    assert f"cannot serve on 127.0.0.1 port {port}" in result.stderr
    assert "Traceback" not in result.stderr


CONSOLE_SCRIPT = Path(sys.executable).with_name("lattice-stripe")


def _banner_url(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """The url from the server's first line, waiting at most ``timeout`` (no hang, no sleep)."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError(f"fake-stripe printed nothing within {timeout} s")
    return proc.stdout.readline().rsplit(" ", 1)[-1].strip()


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "lattice_core.cli"], [str(CONSOLE_SCRIPT)]],
    ids=["python-m", "console-script"],
)
def test_fake_stripe_serves_until_stopped(command: list[str]) -> None:
    with subprocess.Popen(
        [*command, "fake-stripe", "--port", "0"], stdout=subprocess.PIPE, text=True
    ) as proc:
        try:
            url = _banner_url(proc)
            args = ["--api-key", API_KEY, "--api-base", url, "-dcustomer=cus_1", "--show-url"]
            result = subprocess.run(
                [*command, "billing_portal", "sessions", "create", *args],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        finally:
            proc.terminate()
    assert url.startswith("http://127.0.0.1:")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://billing.stripe.com/p/session/test_")


def test_the_banner_wait_is_bounded() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as silent:
        try:
            with pytest.raises(AssertionError, match="printed nothing"):
                _banner_url(silent, timeout=0)
        finally:
            silent.kill()


class _ThirdPartyTransports:
    """A plugin offering an async and a sync transport under names the CLI has never heard of."""

    def __init__(self, fake: FakeStripe) -> None:
        self.fake = fake

    @hookimpl
    def register_transports(self, register: Callable[[str, Any], None]) -> None:
        register("acme-async", lambda options: AsyncStubTransport.from_app(self.fake))
        register("acme-sync", lambda options: StubTransport.from_app(self.fake))


@pytest.mark.parametrize("name", ["acme-async", "acme-sync"])
def test_the_transport_kind_not_its_name_picks_the_client(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    fake = FakeStripe()
    plugin = _ThirdPartyTransports(fake)
    monkeypatch.setattr(
        lattice_cli, "make_plugin_manager", lambda: make_plugin_manager(plugins=[plugin])
    )
    argv = ["billing_portal", "sessions", "create", "--api-key", API_KEY, "--transport", name]
    code = lattice_cli.main([*argv, "-d", "customer=cus_1"])
    assert code == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["id"] == fake.sessions[0]["id"]
