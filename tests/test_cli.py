"""`lattice-stripe` end to end: a subprocess against the fake Stripe over HTTP, and in-process.

The session JSON on stdout carries the real portal url (that is what the
command is for), so these tests compare it without showing it: a failed
comparison names what differed, never the url.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import selectors
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import lattice_core.client
from lattice_core import (
    DEFAULT_API_VERSION,
    Client,
    ConfigurationError,
    InvalidParamsError,
    PluginInfo,
    cli_parser,
    hookimpl,
)
from lattice_core import cli as lattice_cli
from lattice_core import plugins as lattice_plugins
from lattice_core.billing_portal.rules import session_create_rule
from lattice_core.billing_portal.validation import validate_create_params
from lattice_core.builtin.redaction import mask
from lattice_core.cli_errors import OPTION_FLAGS, explain, flag_of, flag_params, option_message
from lattice_core.plugins import list_plugins, make_plugin_manager
from lattice_core.testing import AsyncStubTransport, FakeStripe, LoopbackServer, StubTransport

from .conftest import API_KEY, ROOT, UNMASKED_KEY, UNMASKED_PORTAL_URL

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
CREATE = ("billing_portal", "sessions", "create")


@pytest.fixture
def served() -> Iterator[tuple[FakeStripe, str]]:
    fake = FakeStripe()
    with LoopbackServer(fake) as server:
        yield fake, server.url


def cli(
    *args: str, env: dict[str, str] | None = None, pythonpath: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command; the environment is this one without a key or disabled plugins."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("STRIPE_API_KEY", "LATTICE_DISABLE_PLUGINS")
    }
    if pythonpath is not None:
        base["PYTHONPATH"] = pythonpath
    command = [sys.executable, "-m", "lattice_core.cli", *args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, **(env or {})},
        check=False,
    )


def create(
    url: str, *data: str, extra: tuple[str, ...] = (), **options: Any
) -> subprocess.CompletedProcess[str]:
    flags = [f"-d{item}" for item in data]
    return cli(*CREATE, "--api-key", API_KEY, "--api-base", url, *flags, *extra, **options)


Run = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """`main` in this process (fast), its outputs captured; no key or disabled plugins set."""
    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    monkeypatch.delenv("LATTICE_DISABLE_PLUGINS", raising=False)

    def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = lattice_cli.main(list(argv))
        except SystemExit as exit:  # --help, --version, argparse's errors
            code = exit.code if isinstance(exit.code, int) else 1
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(argv), code, out, err)

    return run


def create_here(
    run: Run, url: str, *data: str, extra: tuple[str, ...] = (), **options: Any
) -> subprocess.CompletedProcess[str]:
    """`create` in this process."""
    flags = [f"-d{item}" for item in data]
    result: subprocess.CompletedProcess[str] = run(
        *CREATE, "--api-key", API_KEY, "--api-base", url, *flags, *extra, **options
    )
    return result


def assert_nothing_secret(text: str, where: str = "stderr") -> None:
    """No unmasked portal url or key in `text`; the failure names neither."""
    if UNMASKED_PORTAL_URL.search(text):
        pytest.fail(f"{where} carries a portal url", pytrace=False)
    if UNMASKED_KEY.search(text):
        pytest.fail(f"{where} carries a key", pytrace=False)


def _shown(result: subprocess.CompletedProcess[str]) -> str:
    """What to show when a run failed: its output, masked."""
    return mask(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")


# ---------------------------------------------------------------------------------------
# The session on stdout


def test_create_prints_the_whole_session_url_and_flow_included(
    served: tuple[FakeStripe, str],
) -> None:
    fake, url = served
    result = create(
        url,
        "customer=cus_123",
        "return_url=https://example.com/account",
        "flow_data[type]=subscription_cancel",
        "flow_data[subscription_cancel][subscription]=sub_1",
    )
    assert result.returncode == 0, _shown(result)
    session = json.loads(result.stdout)
    same_url = session["url"] == fake.sessions[0]["url"]
    assert same_url, "stdout's url is not the session's"
    assert session["url"].startswith("https://billing.stripe.com/p/session/")
    assert session["id"] == fake.sessions[0]["id"]
    assert session["customer"] == "cus_123"
    assert session["return_url"] == "https://example.com/account"
    assert session["flow"]["subscription_cancel"]["subscription"] == "sub_1"
    assert set(session) >= {"object", "created", "livemode", "configuration", "flow"}
    assert_nothing_secret(result.stderr)
    assert not UNMASKED_KEY.search(result.stdout)


def test_the_url_pipes_into_jq_style_tools(served: tuple[FakeStripe, str]) -> None:
    """`... | jq -r .url` gives the link: stdout is JSON and nothing else."""
    fake, url = served
    result = create(url, "customer=cus_123")
    assert result.returncode == 0, _shown(result)
    same = json.loads(result.stdout)["url"] == fake.sessions[0]["url"]
    assert same, "the JSON's url is not the session's"


def test_mask_hides_the_url_and_the_flow_ids(served: tuple[FakeStripe, str], run: Run) -> None:
    _, url = served
    cancel = ("flow_data[type]=subscription_cancel", *FLOWS["subscription_cancel"])
    result = create_here(run, url, "customer=cus_123", *cancel, extra=("--mask",))
    assert result.returncode == 0, _shown(result)
    session = json.loads(result.stdout)
    assert session["url"] == "***"
    assert session["flow"]["type"] == "subscription_cancel"  # the shape and types stay
    assert session["flow"]["subscription_cancel"]["subscription"] == "***"
    assert session["customer"] == "cus_123"
    assert_nothing_secret(result.stdout + result.stderr, "output")
    assert "sub_1" not in result.stdout


def test_show_url_prints_the_url_alone(served: tuple[FakeStripe, str]) -> None:
    fake, url = served
    result = create(url, "customer=cus_123", extra=("--show-url",))
    assert result.returncode == 0, _shown(result)
    same = result.stdout == fake.sessions[0]["url"] + "\n"
    assert same, "--show-url did not print the session's url alone"


def test_mask_and_show_url_exclude_each_other(run: Run) -> None:
    result = create_here(
        run, "http://127.0.0.1:1", "customer=cus_1", extra=("--mask", "--show-url")
    )
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


@pytest.mark.parametrize("flow_type", sorted(FLOWS))
@pytest.mark.parametrize("masked", [False, True], ids=["plain", "mask"])
def test_each_flow_type(
    served: tuple[FakeStripe, str], run: Run, flow_type: str, masked: bool
) -> None:
    fake, url = served
    extra = ("--mask",) if masked else ()
    result = create_here(
        run, url, "customer=cus_1", f"flow_data[type]={flow_type}", *FLOWS[flow_type], extra=extra
    )
    assert result.returncode == 0, _shown(result)
    printed = json.loads(result.stdout)["flow"]
    assert printed["type"] == flow_type
    if flow_type.startswith("subscription_"):
        assert printed[flow_type]["subscription"] == ("***" if masked else "sub_1")
    assert ("sub_1" in result.stdout) == (not masked and flow_type.startswith("subscription_"))
    sent = fake.requests[0][3]["flow_data"]
    assert sent["type"] == flow_type


# ---------------------------------------------------------------------------------------
# A flag per top-level param, from the table


TOP_LEVEL_VALUES = {
    name
    for name, rule in session_create_rule().fields.items()
    if rule.kind in ("string", "integer")
    or (rule.kind == "array" and rule.items is not None and rule.items.kind == "string")
}


def test_every_top_level_value_param_has_a_flag(run: Run) -> None:
    assert {name for name, _ in flag_params()} == TOP_LEVEL_VALUES
    assert {
        "customer",
        "customer_account",
        "return_url",
        "configuration",
        "locale",
        "on_behalf_of",
        "expand",
    } <= TOP_LEVEL_VALUES
    result = run(*CREATE, "--help")
    for name in TOP_LEVEL_VALUES:
        assert f"--{name.replace('_', '-')} " in result.stdout, name


def test_flag_help_comes_from_the_table(run: Run) -> None:
    help_text = " ".join(run(*CREATE, "--help").stdout.split())
    for name, rule in flag_params():
        item = rule.items if rule.kind == "array" and rule.items is not None else rule
        if item.what:
            assert item.what in help_text, name
        if item.enum is not None:
            assert "one of: " + ", ".join(item.enum) in help_text, name
    assert "repeat for more" in help_text  # --expand


@pytest.mark.parametrize(
    ("flags", "sent"),
    [
        (["--customer", "cus_123"], {"customer": "cus_123"}),
        (["--customer=cus_123"], {"customer": "cus_123"}),
        (["--customer-account", "acct_123"], {"customer_account": "acct_123"}),
        (
            ["--customer", "cus_1", "--configuration", "bpc_fakedefault"],
            {"configuration": "bpc_fakedefault"},
        ),
        (["--customer", "cus_1", "--locale", "fr-CA"], {"locale": "fr-CA"}),
        (["--customer", "cus_1", "--on-behalf-of", "acct_9"], {"on_behalf_of": "acct_9"}),
        (
            ["--customer", "cus_1", "--return-url", "https://example.com/back"],
            {"return_url": "https://example.com/back"},
        ),
        (
            ["--customer", "cus_1", "--expand", "flow", "--expand", "configuration"],
            {"expand": ["flow", "configuration"]},
        ),
    ],
)
def test_each_flag_is_sent_as_its_param(
    served: tuple[FakeStripe, str], run: Run, flags: list[str], sent: dict[str, Any]
) -> None:
    fake, url = served
    result = create_here(run, url, extra=tuple(flags))
    assert result.returncode == 0, _shown(result)
    params = fake.requests[0][3]
    assert {key: params[key] for key in sent} == sent


def test_flags_and_data_combine(served: tuple[FakeStripe, str], run: Run) -> None:
    fake, url = served
    result = create_here(
        run,
        url,
        "flow_data[type]=payment_method_update",
        extra=("--customer", "cus_1", "--locale", "de"),
    )
    assert result.returncode == 0, _shown(result)
    params = fake.requests[0][3]
    assert (params["customer"], params["locale"], params["flow_data"]["type"]) == (
        "cus_1",
        "de",
        "payment_method_update",
    )


@pytest.mark.parametrize(
    ("flags", "data", "named"),
    [
        (["--customer", "cus_1"], ["customer=cus_2"], "--customer and -d customer=... both"),
        (
            ["--customer", "cus_1", "--expand", "flow"],
            ["expand[]=flow"],
            "--expand and -d expand[]",
        ),
        (["--customer", "cus_1", "--locale", "de"], ["locale=fr"], "--locale and -d locale=..."),
    ],
)
def test_a_flag_and_data_for_the_same_key_is_an_error(
    served: tuple[FakeStripe, str], run: Run, flags: list[str], data: list[str], named: str
) -> None:
    fake, url = served
    result = create_here(run, url, *data, extra=tuple(flags))
    assert result.returncode == 2
    assert named in result.stderr
    assert "pass it one way" in result.stderr
    assert fake.requests == []


def test_an_unknown_locale_flag_lists_the_choices(run: Run) -> None:
    result = create_here(
        run, "http://127.0.0.1:1", extra=("--customer", "cus_1", "--locale", "klingon")
    )
    assert result.returncode == 2
    assert "invalid choice: 'klingon'" in result.stderr
    assert "'fr-CA'" in result.stderr


# ---------------------------------------------------------------------------------------
# Errors in the command line's spelling


@pytest.mark.parametrize(
    ("data", "wanted"),
    [
        (
            ["flow_data[type]=payment_method_update"],
            [
                "customer is required",
                "--customer cus_...",
                "-d customer=cus_...",
                "--customer-account",
            ],
        ),
        (
            ["customer=cus_1", "flow_data[type]=subscription_cancel"],
            [
                "flow_data[subscription_cancel] is required when flow_data[type] is "
                "'subscription_cancel'",
                '-d "flow_data[subscription_cancel][subscription]=sub_..."',
            ],
        ),
        (
            [
                "customer=cus_1",
                "flow_data[type]=subscription_update_confirm",
                "flow_data[subscription_update_confirm][subscription]=sub_1",
                "flow_data[subscription_update_confirm][items][0][price]=price_1",
            ],
            [
                "flow_data[subscription_update_confirm][items][0][id] is required",
                '-d "flow_data[subscription_update_confirm][items][0][id]=si_..."',
            ],
        ),
        (["customer=cus_1", "locale=klingon"], ["locale must be one of: auto,", "got 'klingon'"]),
        (["customer=cus_1", "locale=FR_ca"], ["got 'FR_ca'. Did you mean fr-CA?"]),
        (["customer"], ["-d expects KEY=VALUE"]),
        (["customer=cus_1", "flow_date[type]=x"], ["flow_date is not a parameter", "flow_data"]),
        (
            ["customer=cus_1", "flow_data[type]=subscription_cancel", "flow_data[subscription]=s"],
            ["did you mean flow_data[subscription_cancel][subscription]?"],
        ),
        (["customer=cus_1", "flow_data[customer]=x"], ["did you mean customer (--customer)?"]),
        (["customer=cus_1", "customer=cus_2"], ["-d customer is given more than once"]),
        (["customer=cus_1", "customer[a]=1"], ["customer was sent in two shapes"]),
        (["customer[a]=1"], ["customer takes a single value", "--customer cus_..."]),
        (
            ["customer=cus_1", "expand=flow"],
            ["expand is a list", '--expand flow (or -d "expand[]=flow")'],
        ),
        (
            ["customer=cus_1", "customer_account=acct_1"],
            ["--customer and --customer-account are mutually exclusive"],
        ),
        (["customer="], ["customer is empty", "--customer cus_..."]),
        (["customer=cus_1", "return_url=example.com"], ["return_url must be an absolute URL"]),
        (
            ["customer=cus_1", "flow_data=x"],
            ["flow_data takes nested keys", '-d "flow_data[type]=TYPE"', "subscription_cancel"],
        ),
        (
            [
                "customer=cus_1",
                "flow_data[type]=subscription_update_confirm",
                "flow_data[subscription_update_confirm][subscription]=sub_1",
                "flow_data[subscription_update_confirm][items][0][id]=si_1",
                "flow_data[subscription_update_confirm][items][0][quantity]=two",
            ],
            ["flow_data[subscription_update_confirm][items][0][quantity] must be a whole number"],
        ),
        (
            [
                "customer=cus_1",
                "after_expiration[type]=customer_login",
                f"after_expiration[customer_login][expires_at]={'9' * 30}",
            ],
            ["after_expiration[customer_login][expires_at] must be an integer from"],
        ),
    ],
)
def test_bad_input_exits_2_in_the_cli_spelling_with_the_fix_and_sends_nothing(
    served: tuple[FakeStripe, str], run: Run, data: list[str], wanted: list[str]
) -> None:
    fake, url = served
    result = create_here(run, url, *data)
    assert result.returncode == 2, _shown(result)
    for words in wanted:
        assert words in result.stderr
    assert "params[" not in result.stderr  # Python's spelling
    assert not re.search(r"\b(?:flow_data|after_expiration)\.\w", result.stderr)
    assert "Traceback" not in result.stderr
    assert fake.requests == []


BAD_PARAMS = [
    {},
    {"customer": ""},
    {"customer": "cus_1", "customer_account": "acct_1"},
    {"customer": "cus_1", "locale": "xx"},
    {"customer": "cus_1", "expand": "flow"},
    {"customer": "cus_1", "expand": [1]},
    {"customer": "cus_1", "return_url": "nope"},
    {"customer": "cus_1", "configuration": "x" * 6000},
    {"customer": "cus_1", "flow_data": "x"},
    {"customer": "cus_1", "flow_data": {}},
    {"customer": "cus_1", "flow_data": {"type": "subscription_cancel"}},
    {"customer": "cus_1", "flow_data": {"type": "subscription_cancel", "subscription": "s"}},
    {"customer": "cus_1", "flow_data": {"type": "subscription_pause", "subscription_pause": {}}},
    {
        "customer": "cus_1",
        "flow_data": {
            "type": "subscription_cancel",
            "subscription_cancel": {"subscription": "s", "retention": {"type": "coupon_offer"}},
        },
    },
    {
        "customer": "cus_1",
        "flow_data": {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {"subscription": "s", "items": []},
        },
    },
    {
        "customer": "cus_1",
        "flow_data": {
            "type": "subscription_update_confirm",
            "subscription_update_confirm": {
                "subscription": "s",
                "items": [{"id": "si_1", "qty": 1}],
            },
        },
    },
    {
        "customer": "cus_1",
        "flow_data": {"type": "customer_update", "after_completion": {"type": "redirect"}},
    },
    {"customer": "cus_1", "after_expiration": {"type": "customer_login", "customer_login": "x"}},
    {"customer": "cus_1", "custmer": "x"},
]


@pytest.mark.parametrize("params", BAD_PARAMS, ids=range(len(BAD_PARAMS)))
def test_every_validator_error_is_reworded_from_its_fields(params: dict[str, Any]) -> None:
    with pytest.raises(InvalidParamsError) as info:
        validate_create_params(params)
    original = info.value
    assert original.param is not None
    worded = explain(original, params)
    assert worded.reason == original.reason
    assert worded.param is not None
    assert "params[" not in worded.message
    if "." in original.param:  # nested: the dotted path is gone
        assert original.param not in worded.message
    named = "--customer-account" if original.reason == "exclusive" else worded.param
    assert named in worded.message


def test_a_stripe_error_exits_1_with_the_fields_it_has(
    served: tuple[FakeStripe, str], run: Run
) -> None:
    _, url = served
    result = create_here(run, url, "customer=nobody")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "lattice-stripe: InvalidRequestError: No such customer: 'nobody'" in lines
    assert any(line.startswith("request_id: req_") for line in lines)
    assert "http_status: 400" in lines
    assert "param: customer" in lines
    assert_nothing_secret(result.stderr)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: a connection to it is refused


def test_a_network_error_exits_1_with_no_empty_fields() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = create(url, "customer=cus_1", extra=("--max-retries", "0"))
    assert result.returncode == 1
    assert "lattice-stripe: APIConnectionError: could not reach Stripe" in result.stderr
    assert "none" not in result.stderr.lower().split()
    assert "request_id" not in result.stderr
    assert not re.search(r"^\w+: *$", result.stderr, re.M)  # no label without a value
    assert_nothing_secret(result.stderr)


@pytest.mark.parametrize("given", ["-1", "101", "2.5", "two", "\u0663"])
def test_max_retries_is_refused_by_the_parser_outside_the_clients_range(
    run: Run, given: str
) -> None:
    result = create_here(
        run, "http://127.0.0.1:1", "customer=cus_1", extra=("--max-retries", given)
    )
    assert result.returncode == 2
    assert "argument --max-retries: must be a whole number from 0 to 100" in result.stderr
    assert "Traceback" not in result.stderr


def test_max_retries_bounds_are_the_clients() -> None:
    Client(API_KEY, transport=StubTransport(), max_retries=cli_parser.MAX_RETRIES).close()
    with pytest.raises(ConfigurationError) as info:
        Client(API_KEY, transport=StubTransport(), max_retries=cli_parser.MAX_RETRIES + 1)
    assert info.value.option == "max_retries"


def test_list_params_in_the_stripe_cli_spelling(served: tuple[FakeStripe, str], run: Run) -> None:
    fake, url = served
    result = create_here(run, url, "customer=cus_1", "expand[]=flow", "expand[]=configuration")
    assert result.returncode == 0, _shown(result)
    assert fake.requests[0][3]["expand"] == ["flow", "configuration"]


# ---------------------------------------------------------------------------------------
# The API key


def test_missing_api_key_exits_2(run: Run) -> None:
    result = run(*CREATE, "-d", "customer=cus_1")
    assert result.returncode == 2
    assert "STRIPE_API_KEY" in result.stderr


def test_api_key_comes_from_the_environment(served: tuple[FakeStripe, str]) -> None:
    fake, url = served
    result = cli(*CREATE, "--api-base", url, "-dcustomer=cus_1", env={"STRIPE_API_KEY": API_KEY})
    assert result.returncode == 0, _shown(result)
    assert fake.requests[0][2]["authorization"] == f"Bearer {mask(API_KEY)}"


ODD_KEY = "notakey-but-a-secret-0123456789"  # no key shape: masking alone would not hide it


@pytest.mark.parametrize(
    "how",
    [
        ["--api-key", ODD_KEY],
        [f"--api-key={ODD_KEY}"],
        [],  # from the environment
    ],
    ids=["flag", "flag=", "env"],
)
def test_the_api_key_is_never_echoed(how: list[str], run: Run) -> None:
    env = {} if how else {"STRIPE_API_KEY": ODD_KEY}
    runs = [
        run(*CREATE, *how, "--api-base", "http://127.0.0.1:1", "-dcustomer=cus_1", env=env),
        run(*CREATE, *how, "--bogus", ODD_KEY, env=env),  # argparse quotes what it refused
        run(*CREATE, *how, "-d", ODD_KEY, env=env),  # a key pasted as a param
        run(*CREATE, *how, "--help", env=env),
    ]
    assert runs[0].returncode == 2  # malformed key: refused before any request
    assert "the API key (--api-key or STRIPE_API_KEY)" in runs[0].stderr
    for result in runs:
        if ODD_KEY in result.stdout + result.stderr:
            pytest.fail("the API key was printed", pytrace=False)
        assert ODD_KEY[8:-4] not in result.stdout + result.stderr


def test_help_shows_no_key_from_the_environment(run: Run) -> None:
    result = run(*CREATE, "--help", env={"STRIPE_API_KEY": API_KEY})
    assert "(default: $STRIPE_API_KEY)" in result.stdout
    assert API_KEY not in result.stdout
    assert not UNMASKED_KEY.search(result.stdout)


# ---------------------------------------------------------------------------------------
# stderr and logs never carry the url


def test_debug_logs_go_to_stderr_masked(served: tuple[FakeStripe, str]) -> None:
    _, url = served
    cancel = ("flow_data[type]=subscription_cancel", *FLOWS["subscription_cancel"])
    result = create(url, "customer=cus_1", *cancel, extra=("--log-level", "debug"))
    assert result.returncode == 0, _shown(result)
    assert "DEBUG lattice: POST /v1/billing_portal/sessions" in result.stderr
    assert_nothing_secret(result.stderr)


def test_in_process_debug_records_and_stderr_carry_no_url(
    capsys: pytest.CaptureFixture[str], no_secret_in_logs: list[Any]
) -> None:
    """The suite's log guard reads every record; stderr is checked here."""
    fake = FakeStripe()
    with LoopbackServer(fake) as server:
        argv = [*CREATE, "--api-key", API_KEY, "--api-base", server.url, "--customer", "cus_1"]
        code = lattice_cli.main([*argv, "--log-level", "debug"])
    out, err = capsys.readouterr()
    assert code == 0
    same = json.loads(out)["url"] == fake.sessions[0]["url"]
    assert same, "stdout's url is not the session's"
    assert any(record.name == "lattice" for record in no_secret_in_logs)
    assert "DEBUG lattice:" in err
    assert_nothing_secret(err)


def test_warnings_from_other_loggers_reach_stderr_masked(
    served: tuple[FakeStripe, str], noisy_plugin: str
) -> None:
    _, url = served
    quiet = create(url, "customer=cus_1", pythonpath=noisy_plugin)
    assert quiet.returncode == 0, _shown(quiet)
    assert "noisy log" not in quiet.stderr  # only errors by default
    result = create(
        url, "customer=cus_1", extra=("--log-level", "warning"), pythonpath=noisy_plugin
    )
    assert result.returncode == 0, _shown(result)
    assert "WARNING noisy: noisy log:" in result.stderr
    assert "/p/session/***" in result.stderr  # the plugin logged the url: masked
    assert_nothing_secret(result.stderr)


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (
            (
                "--customer",
                "https://billing.stripe.com/p/session/test_SECRET_TOKEN_1",
                "-dlocale=x",
            ),
            2,
        ),
        (("--locale", "https://billing.stripe.com/p/session/test_SECRET_TOKEN_1"), 2),
        (("-dhttps://billing.stripe.com/p/session/test_SECRET_TOKEN_1",), 2),
        (
            ("--customer", "cus_1", "-dflow_date=https://billing.stripe.com/p/session/test_SECRET"),
            2,
        ),
    ],
    ids=["a-value", "a-choice", "a-pair", "an-unknown-key"],
)
def test_error_paths_never_echo_a_portal_url(
    served: tuple[FakeStripe, str], run: Run, extra: tuple[str, ...], code: int
) -> None:
    _, url = served
    result = create_here(run, url, extra=extra)
    assert result.returncode == code
    assert_nothing_secret(result.stdout + result.stderr, "output")


# ---------------------------------------------------------------------------------------
# Plugins: a user's plugin, --disable-plugin, LATTICE_DISABLE_PLUGINS, the table

NOISY = '''
"""A user's plugin that prints and logs every answer, portal url included."""

import logging
import sys

from lattice_core import hookimpl


class Noisy:
    @hookimpl
    def after_response(self, request, response, error):
        body = response.content.decode() if response is not None else repr(error)
        print("noisy stdout:", body)
        print("noisy stderr:", body, file=sys.stderr)
        logging.getLogger("noisy").warning("noisy log: %s", body)
'''


@pytest.fixture(scope="module")
def noisy_plugin(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A directory holding an installed plugin `noisy` (a module and its dist-info)."""
    where = tmp_path_factory.mktemp("noisy")
    (where / "lattice_noisy.py").write_text(NOISY)
    info = where / "lattice_noisy-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lattice-noisy\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[lattice]\nnoisy = lattice_noisy:Noisy\n")
    return str(where)


def test_a_plugins_prints_go_to_stderr_so_stdout_stays_json(
    served: tuple[FakeStripe, str], noisy_plugin: str
) -> None:
    fake, url = served
    result = create(url, "customer=cus_1", pythonpath=noisy_plugin)
    assert result.returncode == 0, _shown(result)
    same = json.loads(result.stdout)["url"] == fake.sessions[0]["url"]  # nothing else on stdout
    assert same, "stdout's url is not the session's"
    assert "noisy stdout:" in result.stderr
    assert "noisy stderr:" in result.stderr
    assert_nothing_secret(result.stderr)


@pytest.mark.parametrize(
    ("extra", "env"),
    [
        (("--disable-plugin", "noisy", "--disable-plugin", "example"), {}),
        ((), {"LATTICE_DISABLE_PLUGINS": "noisy,example"}),
        (("--disable-plugin", "example"), {"LATTICE_DISABLE_PLUGINS": " noisy , "}),
    ],
    ids=["flags", "env", "both"],
)
def test_disabled_plugins_are_not_loaded(
    served: tuple[FakeStripe, str], noisy_plugin: str, extra: tuple[str, ...], env: dict[str, str]
) -> None:
    fake, url = served
    result = create(url, "customer=cus_1", extra=extra, env=env, pythonpath=noisy_plugin)
    assert result.returncode == 0, _shown(result)
    assert "noisy" not in result.stderr
    assert "x-lattice-example" not in fake.requests[0][2]  # the example plugin adds it


def test_plugins_are_loaded_unless_disabled(served: tuple[FakeStripe, str], run: Run) -> None:
    fake, url = served
    result = create_here(run, url, "customer=cus_1")
    assert result.returncode == 0, _shown(result)
    assert fake.requests[0][2]["x-lattice-example"] == "1"


def test_disabling_telemetry_silences_its_logs(served: tuple[FakeStripe, str], run: Run) -> None:
    _, url = served
    env = {"LATTICE_DISABLE_PLUGINS": "telemetry"}
    result = create_here(run, url, "customer=cus_1", extra=("--log-level", "debug"), env=env)
    assert result.returncode == 0, _shown(result)
    assert "lattice: POST" not in result.stderr


def test_disabling_a_transport_picks_the_other(served: tuple[FakeStripe, str], run: Run) -> None:
    fake, url = served
    result = create_here(run, url, "customer=cus_1", extra=("--disable-plugin", "requests"))
    assert result.returncode == 0, _shown(result)
    agent = fake.requests[0][2]["user-agent"]
    assert agent.endswith("aiohttp", 0, agent.rindex("/"))


def test_an_unknown_plugin_name(served: tuple[FakeStripe, str], run: Run) -> None:
    fake, url = served
    flagged = create_here(run, url, "customer=cus_1", extra=("--disable-plugin", "nope"))
    assert flagged.returncode == 2
    assert "--disable-plugin: no installed plugin is named 'nope'" in flagged.stderr
    assert "installed: aiohttp, example" in flagged.stderr
    from_env = create_here(run, url, "customer=cus_1", env={"LATTICE_DISABLE_PLUGINS": "nope"})
    assert from_env.returncode == 0, _shown(from_env)
    assert "warning: LATTICE_DISABLE_PLUGINS names no installed plugin: 'nope'; ignored" in (
        from_env.stderr
    )
    assert len(fake.requests) == 1


def test_plugins_lists_what_is_installed_and_what_is_disabled(noisy_plugin: str) -> None:
    result = cli("plugins", "--disable-plugin", "example", pythonpath=noisy_plugin)
    assert result.returncode == 0, _shown(result)
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert {"retry", "telemetry", "redaction", "requests", "aiohttp", "example", "noisy"} <= set(
        rows
    )
    assert rows["example"][1] == "disabled"
    assert rows["noisy"][1:4] == ["enabled", "lattice-noisy", "0.1"]
    assert result.stdout.splitlines()[0].split() == [
        "NAME",
        "STATUS",
        "DISTRIBUTION",
        "VERSION",
        "LOADS",
    ]


def test_the_plugins_table_is_aligned_whatever_the_name_lengths(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = [
        PluginInfo("a" * 41, "a_very_long_module_name.with.parts:AndAVeryLongClassName", "x"),
        PluginInfo("b", "b", "lattice-plugin-" + "z" * 30),
        *list_plugins(),
    ]
    monkeypatch.setattr(lattice_cli, "list_plugins", lambda: plugins)
    assert lattice_cli.main(["plugins", "--disable-plugin", "b"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0]
    starts = [0, *(header.index(title) for title in ("STATUS", "DISTRIBUTION", "VERSION", "LOADS"))]
    assert len(lines) == len(plugins) + 1
    for line, plugin in zip(lines[1:], plugins, strict=True):
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        status = "disabled" if plugin.name == "b" else "enabled"
        assert cells[:3] == [plugin.name, status, plugin.distribution]
        assert cells[4] == plugin.value
        for start in starts[1:]:
            assert line[start - 2 : start] == "  "  # two spaces before every column


# ---------------------------------------------------------------------------------------
# --version, --help


def test_version_names_every_distribution_and_the_api_version(run: Run) -> None:
    result = run("--version")
    assert result.returncode == 0
    lines = {
        line.rsplit(None, 1)[0].strip(): line.split()[-1] for line in result.stdout.splitlines()
    }
    for name in ("lattice-stripe-core", "lattice-stripe-requests", "lattice-stripe-aiohttp"):
        assert lines[name] == importlib.metadata.version(name)
    assert lines["Stripe API version"] == DEFAULT_API_VERSION
    assert lines["Python"] == ".".join(map(str, sys.version_info[:3]))


def test_version_says_what_is_not_installed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.metadata.version

    def version(name: str) -> str:
        if name == "lattice-stripe-aiohttp":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    with pytest.raises(SystemExit) as info:
        lattice_cli.main(["--version"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert re.search(r"^lattice-stripe-aiohttp +not installed$", out, re.M)


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("billing_portal",),
        ("billing_portal", "sessions"),
        CREATE,
        ("fake-stripe",),
        ("plugins",),
    ],
)
def test_help_everywhere(args: tuple[str, ...], run: Run) -> None:
    result = run(*args, "--help")
    assert result.returncode == 0
    assert "usage: lattice-stripe" in result.stdout


@pytest.mark.parametrize("args", [(), CREATE])
def test_help_documents_exit_codes_and_environment(args: tuple[str, ...], run: Run) -> None:
    text = run(*args, "--help").stdout
    assert "exit status:\n  0  success\n  1  Stripe refused" in text
    assert "\n  2  bad input" in text
    assert "\n  3  an unexpected failure inside the command" in text
    assert "--log-level\n     debug adds the traceback, masked" in text
    assert "also the idempotency_key sent" in text
    assert "An option that takes one value may be given once" in text
    assert "STRIPE_API_KEY" in text
    assert "LATTICE_DISABLE_PLUGINS" in text


def test_docs_describe_the_generated_flags_and_every_option(run: Run) -> None:
    page = (ROOT / "docs" / "cli.md").read_text()
    rows = re.findall(r"^\| `(--[a-z-]+)` \| (.+?) \|$", page, re.M)
    assert [flag for flag, _ in rows] == [flag_of(name) for name, _ in flag_params()]
    for (_, takes), (_, rule) in zip(rows, flag_params(), strict=True):
        item = rule.items if rule.kind == "array" and rule.items is not None else rule
        assert takes.startswith(item.what or "one of"), takes
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", run(*CREATE, "--help").stdout))
    options |= {"--version"}
    mentioned = set(re.findall(r"`(--[a-z][a-z-]+)", page))
    assert options - {"--help", "--data"} <= mentioned
    assert mentioned <= options
    prose = " ".join(page.split())
    assert (
        "Exit status 0 is success, 1 means Stripe refused the request or could not be "
        "reached, 2 means bad input: nothing was sent, and 3 means something failed "
        "unexpectedly inside the command" in prose
    )
    for words in (
        "`--log-level debug` prints the traceback",
        "ends with `idempotency_key:`",
        "any option that takes one value twice",
        "`--expand`, `-d` and `--disable-plugin` repeat",
        "`error: ModuleNotFoundError`",
        "`--max-retries` (0 to 100, default 2)",
    ):
        assert " ".join(words.split()) in prose, words
    assert "LATTICE_DISABLE_PLUGINS" in prose


# ---------------------------------------------------------------------------------------
# Transports


@pytest.mark.parametrize("transport", ["requests", "aiohttp"])
def test_both_transports_and_connect_options(
    served: tuple[FakeStripe, str], transport: str, run: Run
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
    result = create_here(run, url, "customer=cus_1", extra=options)
    assert result.returncode == 0, _shown(result)
    headers = fake.requests[0][2]
    assert headers["stripe-account"] == "acct_9"
    assert headers["idempotency-key"] == "idem-9"
    assert headers["user-agent"].endswith(transport, 0, headers["user-agent"].rindex("/"))


class _ThirdPartyTransports:
    """A plugin offering an async and a sync transport under names the CLI has never heard of."""

    def __init__(self, fake: FakeStripe) -> None:
        self.fake = fake

    @hookimpl
    def register_transports(self, register: Callable[[str, Any], None]) -> None:
        register("acme-async", lambda options: AsyncStubTransport.from_app(self.fake))
        register("acme-sync", lambda options: StubTransport.from_app(self.fake))


class _AcmeEntryPoint:
    """Quacks like the entry point a third-party transport distribution installs."""

    group = "lattice"
    name = "acme"
    value = "lattice_acme:transports"

    class dist:
        name = "lattice-acme"

    def __init__(self, plugin: object) -> None:
        self._plugin = plugin

    def load(self) -> object:
        return self._plugin


@pytest.mark.parametrize("name", ["acme-async", "acme-sync"])
def test_the_transport_kind_not_its_name_picks_the_client(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    fake = FakeStripe()
    found = (*lattice_plugins._entry_points(), _AcmeEntryPoint(_ThirdPartyTransports(fake)))
    monkeypatch.setattr(lattice_plugins, "_entry_points", lambda: found)
    built: list[dict[str, Any]] = []
    monkeypatch.setattr(lattice_cli, "make_plugin_manager", lambda **options: built.append(options))
    argv = [*CREATE, "--api-key", API_KEY, "--transport", name, "--mask"]
    try:
        code = lattice_cli.main([*argv, "-d", "customer=cus_1"])
    finally:
        lattice_plugins._load.cache_clear()
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["id"] == fake.sessions[0]["id"]
    assert built == []  # the kind was learnt without a plugin manager of the CLI's own


# ---------------------------------------------------------------------------------------
# fake-stripe


def test_fake_stripe_refuses_non_loopback_hosts(run: Run) -> None:
    result = run("fake-stripe", "--host", "0.0.0.0", "--port", "0")  # noqa: S104 - refused
    assert result.returncode == 2
    assert "refusing to serve on '0.0.0.0'" in result.stderr
    assert "--force" in result.stderr


@pytest.mark.parametrize(
    ("port", "message"),
    [("99999", "port must be 0-65535"), ("twelve", "port must be a number")],
)
def test_fake_stripe_refuses_impossible_ports(port: str, message: str, run: Run) -> None:
    result = run("fake-stripe", "--port", port)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_fake_stripe_on_a_taken_port_exits_2_cleanly(run: Run) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("fake-stripe", "--port", str(port))
    assert result.returncode == 2
    assert f"cannot serve on 127.0.0.1 port {port}" in result.stderr
    assert "Traceback" not in result.stderr


CONSOLE_SCRIPT = Path(sys.executable).with_name("lattice-stripe")


def _banner_url(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    """The url from the server's first line, waiting at most `timeout` (no hang, no sleep)."""
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
            args = ["--api-key", API_KEY, "--api-base", url, "--customer", "cus_1", "--show-url"]
            result = subprocess.run(
                [*command, *CREATE, *args],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        finally:
            proc.terminate()
    assert url.startswith("http://127.0.0.1:")
    assert result.returncode == 0, _shown(result)
    shaped = result.stdout.startswith("https://billing.stripe.com/p/session/test_")
    assert shaped, "--show-url printed something else than a portal url"


def test_the_console_script_prints_versions() -> None:
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert DEFAULT_API_VERSION in result.stdout


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


# ---------------------------------------------------------------------------------------
# An option that takes one value is given once


REPEATABLE = {"--expand", "-d", "--disable-plugin"}


def _options(parser: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (command, argparse action) of the command line, subcommands included."""
    for action in parser._actions:
        if action.option_strings:
            yield (), action
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                for command, found in _options(sub):
                    yield (name, *command), found


def _value_for(action: Any) -> str:
    if action.choices:
        return str(next(iter(action.choices)))
    if action.type is not None:
        return "1"
    return "acct_1" if action.dest == "stripe_account" else "x_1"


ONCE = [
    (command, action)
    for command, action in _options(cli_parser.build_parser())
    if isinstance(action, cli_parser._Once)
]


def test_every_option_either_takes_one_value_once_or_is_meant_to_repeat() -> None:
    for command, action in _options(cli_parser.build_parser()):
        if isinstance(action, cli_parser._Once) or action.nargs == 0:  # a switch: no value
            continue
        assert set(action.option_strings) & REPEATABLE, (command, action.option_strings)
    flags = {action.option_strings[0] for _, action in ONCE}
    assert {flag_of(name) for name, rule in flag_params() if rule.kind != "array"} <= flags
    assert {"--api-key", "--api-base", "--stripe-account", "--idempotency-key"} <= flags
    assert {"--max-retries", "--transport", "--log-level", "--host", "--port"} <= flags


@pytest.mark.parametrize(
    ("command", "action"),
    ONCE,
    ids=[" ".join((*command, action.option_strings[0])) for command, action in ONCE],
)
def test_a_one_value_option_given_twice_is_an_error_naming_it(
    served: tuple[FakeStripe, str], run: Run, command: tuple[str, ...], action: Any
) -> None:
    fake, url = served
    flag, value = action.option_strings[0], _value_for(action)
    base = ["--api-key", API_KEY, "--api-base", url] if command == CREATE else []
    if command == CREATE and flag in ("--api-key", "--api-base"):
        base = base[2:] if flag == "--api-key" else base[:2]
    if command == CREATE and flag not in ("--customer", "--customer-account"):
        base += ["--customer", "cus_1"]
    result = run(*command, *base, flag, value, f"{flag}={value}")
    assert result.returncode == 2, _shown(result)
    assert f"error: argument {flag}: given more than once; pass it once" in result.stderr
    assert fake.requests == []


def test_a_repeated_flag_sends_nothing_and_echoes_no_value(
    served: tuple[FakeStripe, str], run: Run
) -> None:
    fake, url = served
    result = create_here(run, url, extra=("--customer", "cus_1", "--customer", "cus_2"))
    assert result.returncode == 2
    assert "argument --customer: given more than once" in result.stderr
    assert "cus_2" not in result.stderr
    keys = run(*CREATE, "--api-key", ODD_KEY, "--api-key", ODD_KEY, "--customer", "cus_1")
    assert keys.returncode == 2
    assert "argument --api-key: given more than once" in keys.stderr
    if ODD_KEY in keys.stderr:
        pytest.fail("the API key was printed", pytrace=False)
    assert fake.requests == []


def test_repeatable_options_still_repeat(served: tuple[FakeStripe, str], run: Run) -> None:
    fake, url = served
    expand = ("--expand", "flow", "--expand", "configuration")
    switches = ("--mask", "--mask")  # a switch twice is the same switch
    result = create_here(run, url, "customer=cus_1", "locale=de", extra=(*expand, *switches))
    assert result.returncode == 0, _shown(result)
    assert fake.requests[0][3]["expand"] == ["flow", "configuration"]
    assert fake.requests[0][3]["locale"] == "de"


# ---------------------------------------------------------------------------------------
# A plugin that raises: one masked line, exit 3


class _Raises:
    """A plugin whose hook raises with the request's Authorization header in its message."""

    def __init__(self, hook: str) -> None:
        self.hook = hook

    def _boom(self, request: Any) -> None:
        raise RuntimeError(f"boom with key {request.headers['Authorization']}\nsecond line")

    @hookimpl
    def before_request(self, request: Any) -> None:
        if self.hook == "before_request":
            self._boom(request)

    @hookimpl
    def after_response(self, request: Any, response: Any, error: Any, elapsed: float) -> None:
        if self.hook == "after_response":
            self._boom(request)

    @hookimpl
    def register_flow_types(self, register: Any) -> None:
        if self.hook == "register_flow_types":
            raise ValueError(f"bad flow type for {API_KEY}")

    @hookimpl
    def client_created(self, client: Any) -> None:
        if self.hook == "client_created":
            raise KeyError(f"no {client.base_url} with {API_KEY}")


@pytest.fixture
def raising(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Give every client's plugin manager a `_Raises` plugin for `hook`."""

    def install(hook: str) -> None:
        plugin = _Raises(hook)

        def with_plugin(plugins: Any = (), disable_plugins: Any = ()) -> Any:
            return make_plugin_manager([*plugins, plugin], disable_plugins)

        monkeypatch.setattr(lattice_core.client, "make_plugin_manager", with_plugin)

    return install


@pytest.mark.parametrize("transport", ["requests", "aiohttp"])
@pytest.mark.parametrize("hook", ["before_request", "client_created", "register_flow_types"])
def test_a_plugin_raising_in_a_hook_is_one_masked_line_exit_3(
    served: tuple[FakeStripe, str],
    run: Run,
    raising: Callable[[str], None],
    hook: str,
    transport: str,
) -> None:
    _, url = served
    raising(hook)
    result = create_here(run, url, "customer=cus_1", extra=("--transport", transport))
    assert result.returncode == lattice_cli.EXIT_INTERNAL == 3, _shown(result)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, _shown(result)
    if hook == "client_created":
        assert lines[0].startswith("lattice-stripe: error: KeyError: ")
    elif hook == "register_flow_types":
        assert lines[0] == f"lattice-stripe: error: ValueError: bad flow type for {mask(API_KEY)}"
    else:
        assert (
            lines[0] == "lattice-stripe: error: RuntimeError: boom with key Bearer *** second line"
        )
    assert "Traceback" not in result.stderr
    assert_nothing_secret(result.stderr)


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no")


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (_Unprintable(), "_Unprintable: (its message could not be read)"),
        (RuntimeError(), "RuntimeError"),
        (OSError(5, "disk on fire"), "OSError: [Errno 5] disk on fire"),
    ],
)
def test_any_unexpected_exception_is_one_line_exit_3(
    monkeypatch: pytest.MonkeyPatch, run: Run, error: Exception, line: str
) -> None:
    def fail(args: Any) -> None:
        raise error

    monkeypatch.setattr(lattice_cli, "_run", fail)
    result = run("plugins")
    assert result.returncode == 3
    assert result.stderr == f"lattice-stripe: error: {line}\n"


def test_log_level_debug_adds_the_traceback_masked(
    served: tuple[FakeStripe, str], run: Run, raising: Callable[[str], None]
) -> None:
    _, url = served
    raising("before_request")
    result = create_here(run, url, "customer=cus_1", extra=("--log-level", "debug"))
    assert result.returncode == 3, _shown(result)
    assert "Traceback (most recent call last):" in result.stderr
    assert "in before_request" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("lattice-stripe: error: RuntimeError: boom")
    assert_nothing_secret(result.stderr)


def test_an_observe_only_hook_raising_is_a_warning_not_a_failure(
    served: tuple[FakeStripe, str], run: Run, raising: Callable[[str], None]
) -> None:
    _, url = served
    raising("after_response")
    quiet = create_here(run, url, "customer=cus_1", extra=("--mask",))
    assert quiet.returncode == 0, _shown(quiet)
    assert quiet.stderr == ""
    told = create_here(run, url, "customer=cus_1", extra=("--mask", "--log-level", "warning"))
    assert told.returncode == 0, _shown(told)
    assert "raised RuntimeError in after_response; ignored: boom with key Bearer ***" in told.stderr
    assert_nothing_secret(told.stderr)


RAISES = '''
"""An installed plugin whose before_request hook raises, quoting the Authorization header."""

from lattice_core import hookimpl


class Raises:
    @hookimpl
    def before_request(self, request):
        raise RuntimeError(f"boom with key {request.headers['Authorization']}")
'''


def _installed(where: Path, name: str, module: str, entry_point: str) -> None:
    """An installed distribution `lattice-<name>` in `where`: a module and its dist-info."""
    (where / f"lattice_{name}.py").write_text(module)
    info = where / f"lattice_{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: lattice-{name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[lattice]\n{name} = {entry_point}\n")


def test_an_installed_plugin_raising_prints_no_traceback(
    served: tuple[FakeStripe, str], tmp_path: Path
) -> None:
    """The console script's own path: nothing is printed after `main` returns."""
    fake, url = served
    _installed(tmp_path, "raises", RAISES, "lattice_raises:Raises")
    result = create(url, "customer=cus_1", pythonpath=str(tmp_path))
    assert result.returncode == 3, _shown(result)
    assert result.stderr == "lattice-stripe: error: RuntimeError: boom with key Bearer ***\n"
    assert fake.requests == []
    debug = create(url, "customer=cus_1", extra=("--log-level", "debug"), pythonpath=str(tmp_path))
    assert debug.returncode == 3, _shown(debug)
    assert 'lattice_raises.py", line ' in debug.stderr
    assert_nothing_secret(debug.stderr)
    disabled = create(
        url, "customer=cus_1", extra=("--disable-plugin", "raises"), pythonpath=str(tmp_path)
    )
    assert disabled.returncode == 0, _shown(disabled)


# ---------------------------------------------------------------------------------------
# Options in the command line's spelling

PYTHON_SPELLING = re.compile(
    r"\b(?:api_key|base_url|stripe_account|idempotency_key|max_retries|disable_plugins)\b"
    r"|=True\b|\bNone\b|\bos\.environ|\.strip\(\)|\ban int\b"
)


def _assert_cli_spelling(text: str) -> None:
    found = PYTHON_SPELLING.search(text)
    assert found is None, f"Python's spelling {found[0]!r} in: {mask(text)}"


@pytest.mark.parametrize(
    ("extra", "env", "wanted"),
    [
        (
            ("--api-base", "http://example.com"),
            {},
            "error: --api-base is plain http:// to 'example.com'",
        ),
        (
            ("--api-base", "http://127.0.0.1:1/?key=1"),
            {},
            "pass the API key with --api-key or STRIPE_API_KEY.",
        ),
        (("--api-base", "ftp://127.0.0.1"), {}, "error: --api-base must be https://"),
        (
            ("--stripe-account", "acme"),
            {},
            "error: --stripe-account must be a connected account id such as 'acct_",
        ),
        (
            ("--idempotency-key", " padded"),
            {},
            "error: --idempotency-key must be 1 to 255 printable ASCII characters",
        ),
        (
            ("--api-key", f"{API_KEY} "),
            {},
            "error: the API key (--api-key or STRIPE_API_KEY) has trailing whitespace",
        ),
        (
            (),
            {"STRIPE_API_KEY": f"STRIPE_API_KEY={API_KEY}"},
            "error: the API key (--api-key or STRIPE_API_KEY) starts with 'STRIPE_API_KEY='",
        ),
        (("--api-key", "pk_test_123456789"), {}, "the API key (--api-key or STRIPE_API_KEY) is"),
        (("--transport", "carrier-pigeon"), {}, "transport 'carrier-pigeon' is not installed"),
    ],
    ids=[
        "http",
        "query",
        "scheme",
        "account",
        "idempotency",
        "whitespace",
        "name=",
        "publishable",
        "transport",
    ],
)
def test_option_errors_name_the_flag_not_the_client_argument(
    served: tuple[FakeStripe, str],
    run: Run,
    extra: tuple[str, ...],
    env: dict[str, str],
    wanted: str,
) -> None:
    fake, url = served
    options = list(extra)
    if "--api-base" not in options:
        options += ["--api-base", url]
    if "--api-key" not in options and not env:
        options += ["--api-key", API_KEY]
    result = run(*CREATE, *options, "--customer", "cus_1", env=env)
    assert result.returncode == 2, _shown(result)
    assert wanted in result.stderr
    assert len(result.stderr.splitlines()) == 1
    _assert_cli_spelling(result.stderr)
    assert_nothing_secret(result.stderr)
    assert fake.requests == []


def test_fake_stripe_on_a_public_host_names_only_the_flag(run: Run) -> None:
    result = run("fake-stripe", "--host", "0.0.0.0", "--port", "0")  # noqa: S104 - refused
    assert result.returncode == 2
    assert "(pass --force only if you really mean to expose it)" in result.stderr
    _assert_cli_spelling(result.stderr)


@pytest.mark.parametrize(
    ("message", "option", "wanted"),
    [
        ("api_key is empty; pass your Stripe secret key.", "api_key", "the API key (--api-key"),
        ("api_key has trailing whitespace; strip it, e.g. key.strip().", "api_key", "strip it."),
        ("Even without it, api_key is not a key.", "api_key", "the API key is not a key"),
        ("base_url has port 0; pass a port.", "base_url", "--api-base has port 0"),
        ("stripe_account must be an id, or None.", "stripe_account", "or leave the flag out."),
        ("idempotency_key must be short or None, got 3.", "idempotency_key", "flag out, got 3"),
        (
            "max_retries must be an int from 0 to 100, got 101.",
            "max_retries",
            "--max-retries must be a whole number",
        ),
        (
            "plugin 'a' failed to load: ImportError. Fix it, or pass disable_plugins=['a'].",
            "disable_plugins",
            "pass --disable-plugin a (or LATTICE_DISABLE_PLUGINS=a).",
        ),
        ("disable_plugins=['a', 'b']", "disable_plugins", "--disable-plugin a --disable-plugin b"),
        ("refusing (pass force=True only if you mean it).", "force", "(pass --force only if"),
        (
            "The object may have been created: retry with idempotency_key='k-1' to get it.",
            None,
            "retry with --idempotency-key 'k-1' to get it.",
        ),
        ("Check the network, proxy settings and base_url.", None, "settings and --api-base."),
    ],
)
def test_option_message_respells_each_option(message: str, option: str | None, wanted: str) -> None:
    worded = option_message(message, option)
    assert wanted in worded
    _assert_cli_spelling(worded)


def test_or_none_is_respelled_only_for_an_optional_option() -> None:
    assert option_message("pass a URL or None.", "base_url") == "pass a URL or None."
    assert option_message("a URL, or None.", None) == "a URL, or None."


def test_every_client_option_has_a_flag_or_is_not_on_the_command_line() -> None:
    """A new Client option is either given a flag (and respelled) or listed here."""
    import inspect

    from lattice_core.client import CallOptions

    not_on_the_command_line = {"api_version", "timeout", "plugins", "sleep"}
    options = set(inspect.signature(Client).parameters) | set(CallOptions.__annotations__)
    options |= {"force"}  # LoopbackServer's, for fake-stripe
    assert options - not_on_the_command_line == set(OPTION_FLAGS)
    flags = {
        flag for _, action in _options(cli_parser.build_parser()) for flag in action.option_strings
    }
    assert set(OPTION_FLAGS.values()) <= flags


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"base_url": "ftp://x"}, "base_url"),
        ({"max_retries": -1}, "max_retries"),
        ({"timeout": 0}, "timeout"),
        ({"stripe_account": "nope"}, "stripe_account"),
        ({"api_version": "a b"}, "api_version"),
        ({"disable_plugins": "retry"}, "disable_plugins"),
        ({"sleep": 3}, "sleep"),
    ],
)
def test_configuration_errors_name_their_option(options: dict[str, Any], option: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Client(API_KEY, transport=StubTransport(), **options)
    assert info.value.option == option


def test_key_and_server_errors_name_their_option() -> None:
    with pytest.raises(ConfigurationError) as bad_key:
        Client("pk_test_123", transport=StubTransport())
    assert bad_key.value.option == "api_key"
    with pytest.raises(ConfigurationError) as public:
        LoopbackServer(FakeStripe(), "0.0.0.0")  # noqa: S104 - refused
    assert public.value.option == "force"


# ---------------------------------------------------------------------------------------
# A plugin that fails to load: the table says so, and the error names the flag

BROKEN = "import lattice_no_such_module_anywhere  # an ImportError on load\n"
HOOKLESS = "class Hookless:\n    def before_request(self, request):  # no @hookimpl\n        pass\n"


@pytest.fixture(scope="module")
def broken_plugins(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Installed plugins `broken` (its module fails to import) and `hookless` (no hooks)."""
    where = tmp_path_factory.mktemp("broken")
    _installed(where, "broken", BROKEN, "lattice_broken:Broken")
    _installed(where, "hookless", HOOKLESS, "lattice_hookless:Hookless")
    return str(where)


def test_plugins_shows_a_plugin_that_fails_to_load_as_failing(broken_plugins: str) -> None:
    result = cli("plugins", pythonpath=broken_plugins)
    assert result.returncode == 0, _shown(result)
    lines = result.stdout.splitlines()
    header = lines[0]
    rows = {line.split()[0]: line for line in lines[1:]}
    start = header.index("STATUS")
    end = header.index("DISTRIBUTION")
    status = {name: line[start:end].strip() for name, line in rows.items()}
    assert status["broken"] == "error: ModuleNotFoundError"
    assert status["hookless"] == "error: not a valid plugin"
    assert status["retry"] == status["example"] == "enabled"
    for line in lines[1:]:
        assert line[end - 2 : end] == "  ", line  # aligned: the long status widened its column
        assert line[end] != " "
    warnings = result.stderr.splitlines()
    assert len(warnings) == 2
    assert any(
        "'broken'" in line and "--disable-plugin broken (or LATTICE_DISABLE_PLUGINS=broken)" in line
        for line in warnings
    )
    _assert_cli_spelling(result.stderr)
    disabled = cli("plugins", "--disable-plugin", "broken", pythonpath=broken_plugins)
    assert re.search(r"^broken +disabled ", disabled.stdout, re.M)
    assert "'broken'" not in disabled.stderr


def test_create_with_a_plugin_that_fails_to_load_names_the_flag(
    served: tuple[FakeStripe, str], broken_plugins: str
) -> None:
    fake, url = served
    result = create(
        url, "customer=cus_1", extra=("--disable-plugin", "hookless"), pythonpath=broken_plugins
    )
    assert result.returncode == 2, _shown(result)
    assert "plugin 'broken'" in result.stderr
    assert "or pass --disable-plugin broken (or LATTICE_DISABLE_PLUGINS=broken)." in result.stderr
    _assert_cli_spelling(result.stderr)
    assert "Traceback" not in result.stderr
    fixed = create(
        url,
        "customer=cus_1",
        env={"LATTICE_DISABLE_PLUGINS": "broken,hookless"},
        pythonpath=broken_plugins,
    )
    assert fixed.returncode == 0, _shown(fixed)
    assert len(fake.requests) == 1


# ---------------------------------------------------------------------------------------
# The idempotency key, shown when rerunning with it is the safe retry

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _shown_key(stderr: str) -> str | None:
    found = re.findall(r"^idempotency_key: (.+)$", stderr, re.M)
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize("transport", ["requests", "aiohttp"])
def test_a_dropped_connection_shows_the_key_and_a_rerun_with_it_is_the_same_call(
    served: tuple[FakeStripe, str], run: Run, transport: str
) -> None:
    fake, url = served
    fake.disconnect_next()
    options = ("--customer", "cus_1", "--max-retries", "0", "--transport", transport)
    failed = create_here(run, url, extra=options)
    assert failed.returncode == 1, _shown(failed)
    assert "lattice-stripe: APIConnectionError: " in failed.stderr
    assert "with the same idempotency key" in failed.stderr
    key = _shown_key(failed.stderr)
    assert key is not None, _shown(failed)
    assert UUID4.match(key)
    assert fake.requests[0][2]["idempotency-key"] == key  # the key that was sent
    assert fake.sessions == []
    again = create_here(run, url, extra=(*options, "--idempotency-key", key))
    assert again.returncode == 0, _shown(again)
    assert fake.requests[1][2]["idempotency-key"] == key
    _assert_cli_spelling(failed.stderr.splitlines()[0])  # the message; fields are labels


def test_an_unreachable_api_shows_the_key_it_would_have_sent() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    result = create(url, "customer=cus_1", extra=("--max-retries", "0", "--idempotency-key", "k-1"))
    assert result.returncode == 1
    assert "idempotency_key: k-1" in result.stderr.splitlines()
    assert "Check the network, proxy settings and --api-base." in result.stderr
    _assert_cli_spelling(result.stderr.splitlines()[0])


@pytest.mark.parametrize(
    ("status", "shown"),
    [(500, True), (503, True), (429, True), (409, True), (400, False), (402, False), (404, False)],
)
def test_the_key_is_shown_after_a_failure_the_same_call_may_get_past(
    served: tuple[FakeStripe, str], run: Run, status: int, shown: bool
) -> None:
    fake, url = served
    fake.fail_next(status)
    result = create_here(run, url, "customer=cus_1", extra=("--max-retries", "0"))
    assert result.returncode == 1, _shown(result)
    assert f"http_status: {status}" in result.stderr
    key = _shown_key(result.stderr)
    assert (key is not None) == shown, _shown(result)
    if key is not None:
        assert fake.requests[0][2]["idempotency-key"] == key
