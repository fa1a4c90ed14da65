"""`lattice-stripe billing_portal configurations ...` against the fake Stripe.

In this process through `main` (the `run` and `served` fixtures of test_cli, over
loopback HTTP), and once as the console script. The commands are made from
`billing_portal.RESOURCES`; the last tests hold the command line to that.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from typing import Any

import pytest

from lattice_core import cli as lattice_cli
from lattice_core import cli_parser
from lattice_core.billing_portal import RESOURCES, Configuration
from lattice_core.billing_portal.configuration_rules import configuration_retrieve_rule
from lattice_core.resources import Operation, Resource
from lattice_core.testing import FakeStripe
from lattice_core.testing.fake_billing_portal import FakeConfigurations

from .conftest import API_KEY
from .test_cli import Run, _shown, assert_nothing_secret, cli, run, served

__all__ = ["run", "served"]  # test_cli's fixtures, used here

GROUP = ("billing_portal", "configurations")
FEATURE = "features[invoice_history][enabled]=true"
LOGIN_URL = re.compile(r"https://billing\.stripe\.com/p/login/[\w-]+")

Served = tuple[FakeStripe, str]


def here(run: Run, url: str, operation: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`billing_portal configurations OPERATION ...` in this process, against `url`."""
    result: subprocess.CompletedProcess[str] = run(
        *GROUP, operation, *args, "--api-key", API_KEY, "--api-base", url
    )
    return result


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    """The JSON a successful run printed."""
    assert result.returncode == 0, _shown(result)
    assert result.stderr == "", _shown(result)
    return json.loads(result.stdout)


def stored(fake: FakeStripe) -> list[dict[str, Any]]:
    """The fake's configurations, in creation order (the default first)."""
    return fake.served(FakeConfigurations).configurations


def make(run: Run, url: str, *data: str) -> str:
    """Create a configuration; its id."""
    flags = [f"-d{item}" for item in (FEATURE, *data)]
    created = ok(here(run, url, "create", *flags))
    assert isinstance(created["id"], str)
    return created["id"]


# ---------------------------------------------------------------------------------------
# The four operations


def test_create_sends_the_data_and_prints_the_configuration(served: Served, run: Run) -> None:
    fake, url = served
    printed = ok(
        here(
            run,
            url,
            "create",
            "-d",
            FEATURE,
            "-d",
            "features[customer_update][enabled]=true",
            "-d",
            "features[customer_update][allowed_updates][]=email",
            "-d",
            "business_profile[headline]=Manage your plan",
            "--name",
            "Gold",
            "--default-return-url",
            "https://example.com/account",
        )
    )
    method, path, headers, params = fake.requests[-1]
    assert (method, path) == ("POST", "/v1/billing_portal/configurations")
    assert "idempotency-key" in headers
    assert params == {
        "features": {
            "invoice_history": {"enabled": "true"},
            "customer_update": {"enabled": "true", "allowed_updates": ["email"]},
        },
        "business_profile": {"headline": "Manage your plan"},
        "name": "Gold",
        "default_return_url": "https://example.com/account",
    }
    assert printed["object"] == "billing_portal.configuration"
    assert printed["id"].startswith("bpc_")
    assert printed["features"]["invoice_history"] == {"enabled": True}
    assert printed["features"]["customer_update"]["allowed_updates"] == ["email"]
    assert printed["business_profile"]["headline"] == "Manage your plan"
    assert (printed["name"], printed["default_return_url"]) == (
        "Gold",
        "https://example.com/account",
    )
    # Printed whole, as the model has it: every field of to_dict(), nothing more.
    assert printed == Configuration._decode(stored(fake)[-1]).to_dict()


def test_create_sends_the_idempotency_key_given(served: Served, run: Run) -> None:
    fake, url = served
    ok(here(run, url, "create", "-d", FEATURE, "--idempotency-key", "cfg-key-1"))
    assert fake.requests[-1][2]["idempotency-key"] == "cfg-key-1"


def test_retrieve_takes_the_id_as_a_positional(served: Served, run: Run) -> None:
    fake, url = served
    made = make(run, url, "name=Silver")
    printed = ok(here(run, url, "retrieve", made, "--expand", "application"))
    assert (printed["id"], printed["name"]) == (made, "Silver")
    method, path, headers, params = fake.requests[-1]
    assert (method, path.partition("?")[0]) == ("GET", f"/v1/billing_portal/configurations/{made}")
    assert params == {"expand": ["application"]}
    assert "idempotency-key" not in headers  # a GET sends none
    default = ok(here(run, url, "retrieve", "bpc_fakedefault"))
    assert default["is_default"] is True


def test_update_takes_the_id_as_a_positional_and_the_changes_with_data(
    served: Served, run: Run
) -> None:
    fake, url = served
    made = make(run, url, "name=Silver", "metadata[team]=billing")
    printed = ok(here(run, url, "update", made, "-d", "name=Bronze", "-d", "active=false"))
    assert (printed["id"], printed["name"], printed["active"]) == (made, "Bronze", False)
    assert printed["metadata"] == {"team": "billing"}  # only what was sent changes
    method, path, headers, params = fake.requests[-1]
    assert (method, path) == ("POST", f"/v1/billing_portal/configurations/{made}")
    assert params == {"name": "Bronze", "active": "false"}
    assert "idempotency-key" in headers
    assert stored(fake)[-1]["active"] is False


def test_list_prints_the_page_with_limit_and_data_filters(served: Served, run: Run) -> None:
    fake, url = served
    first, second, third = (make(run, url, f"name=n{i}") for i in range(3))
    ok(here(run, url, "update", second, "-d", "active=false"))
    page = ok(here(run, url, "list", "--limit", "2", "-d", "active=true"))
    assert list(page) == ["object", "data", "has_more", "url"]
    assert page["object"] == "list"
    assert page["url"] == "/v1/billing_portal/configurations"
    assert [item["id"] for item in page["data"]] == [third, first]  # newest first
    assert page["has_more"] is True  # the default is active too
    assert all(item["active"] for item in page["data"])
    method, path, _, params = fake.requests[-1]
    assert (method, path.partition("?")[0]) == ("GET", "/v1/billing_portal/configurations")
    assert params == {"limit": "2", "active": "true"}
    inactive = ok(here(run, url, "list", "-d", "active=false"))
    assert [item["id"] for item in inactive["data"]] == [second]
    assert inactive["has_more"] is False


@pytest.mark.parametrize("transport", ["requests", "aiohttp"])
def test_list_all_walks_every_page_one_configuration_a_line(
    served: Served, run: Run, transport: str
) -> None:
    fake, url = served
    for i in range(4):
        make(run, url, f"name=n{i}")
    newest_first = [config["id"] for config in reversed(stored(fake))]
    assert len(newest_first) == 5  # the default too
    before = len(fake.requests)
    result = here(run, url, "list", "--all", "--limit", "2", "--transport", transport)
    assert result.returncode == 0, _shown(result)
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert [json.loads(line)["id"] for line in lines] == newest_first
    assert all(json.loads(line)["object"] == "billing_portal.configuration" for line in lines)
    pages = fake.requests[before:]
    assert len(pages) == 3  # 2 + 2 + 1
    assert [params for _, _, _, params in pages] == [
        {"limit": "2"},
        {"limit": "2", "starting_after": newest_first[1]},
        {"limit": "2", "starting_after": newest_first[3]},
    ]


def test_list_all_keeps_the_filters_on_every_page(served: Served, run: Run) -> None:
    fake, url = served
    made = [make(run, url) for _ in range(4)]
    for inactive in (made[0], made[2]):
        ok(here(run, url, "update", inactive, "-d", "active=false"))
    before = len(fake.requests)
    result = here(run, url, "list", "--all", "--limit", "1", "-d", "active=false")
    assert result.returncode == 0, _shown(result)
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [made[2], made[0]]
    assert [params for _, _, _, params in fake.requests[before:]] == [
        {"limit": "1", "active": "false"},
        {"limit": "1", "active": "false", "starting_after": made[2]},
    ]


# ---------------------------------------------------------------------------------------
# Bad input: exit 2, the field named, nothing sent


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("retrieve", "../x"), "id must be a configuration id such as 'bpc_123'"),
        (("retrieve", "bpc_a/b"), "id must be a configuration id such as 'bpc_123'"),
        (("update", "bpc_a/b", "-d", "name=x"), "id must be a configuration id such as 'bpc_123'"),
        (("retrieve", "cus_123"), "id must be a configuration id such as 'bpc_123'"),
        (("retrieve", ""), "got an empty string"),
        (
            ("create", "-d", "feature[invoice_history][enabled]=true"),
            "feature is not a parameter at the top level; did you mean features?",
        ),
        (
            ("create", "-d", "features[invoce_history][enabled]=true"),
            "features[invoce_history] is not a parameter in features; "
            "did you mean features[invoice_history]?",
        ),
        (("list", "-d", "colour=red"), "colour is not a parameter at the top level"),
        (("list", "--limit", "0"), "limit must be an integer from 1 to 100, got 0."),
        (("list", "--limit", "101"), "limit must be an integer from 1 to 100, got 101."),
        (("list", "--limit", "ten"), "limit must be a whole number: pass --limit N"),
        (("list", "-d", "active=maybe"), "active must be true or false: pass -d active=true."),
        (
            ("list", "--starting-after", "bpc_1", "--ending-before", "bpc_2"),
            "--starting-after and --ending-before are mutually exclusive",
        ),
        (
            ("list", "--limit", "2", "-d", "limit=3"),
            "--limit and -d limit=... both give limit; pass it one way.",
        ),
        (
            ("create",),
            'features is required; pass one of its keys, e.g. -d "features[',
        ),
        (
            ("create", "-d", "features[invoice_history][enabled]=yes"),
            "features[invoice_history][enabled] must be true or false",
        ),
        (
            ("update", "bpc_fakedefault", "-d", "name=a", "-d", "name=b"),
            "-d name is given more than once",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_field_and_sends_nothing(
    served: Served, run: Run, args: tuple[str, ...], words: str
) -> None:
    fake, url = served
    result = here(run, url, *args)
    assert result.returncode == 2, _shown(result)
    assert result.stdout == ""
    assert result.stderr.startswith("lattice-stripe: error: "), result.stderr
    assert words in result.stderr, result.stderr
    assert fake.requests == []


def test_a_bad_id_is_named_before_the_key_is_looked_for(run: Run) -> None:
    result = run(*GROUP, "retrieve", "../x")
    assert result.returncode == 2
    assert "id must be a configuration id" in result.stderr
    assert "no API key" not in result.stderr


def test_argparse_errors_exit_2(run: Run) -> None:
    missing = run(*GROUP, "retrieve", "--api-key", API_KEY)
    assert missing.returncode == 2
    assert "the following arguments are required: ID" in missing.stderr
    unknown = run(*GROUP, "list", "--show-url")
    assert unknown.returncode == 2
    assert "unrecognized arguments: --show-url" in unknown.stderr


# ---------------------------------------------------------------------------------------
# Stripe's refusals: exit 1, as for sessions


def test_an_unknown_id_is_stripes_404_exit_1(served: Served, run: Run) -> None:
    _, url = served
    result = here(run, url, "retrieve", "bpc_nope")
    assert result.returncode == 1, _shown(result)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "lattice-stripe: InvalidRequestError: No such configuration: 'bpc_nope'"
    assert lines[1:5] == [
        "http_status: 404",
        "type: invalid_request_error",
        "code: resource_missing",
        "param: id",
    ]
    assert lines[5].startswith("request_id: req_")
    assert len(lines) == 6  # a 404 is answered the same again: no idempotency key to reuse
    updated = here(run, url, "update", "bpc_nope", "-d", "name=x")
    assert updated.returncode == 1
    assert "No such configuration: 'bpc_nope'" in updated.stderr
    assert "idempotency_key" not in updated.stderr


def test_a_refused_update_exits_1(served: Served, run: Run) -> None:
    _, url = served
    result = here(run, url, "update", "bpc_fakedefault", "-d", "active=false")
    assert result.returncode == 1, _shown(result)
    assert "The default configuration cannot be deactivated." in result.stderr


def test_a_failure_the_same_post_may_get_past_shows_the_key(served: Served, run: Run) -> None:
    fake, url = served
    fake.disconnect_next()
    result = here(run, url, "create", "-d", FEATURE, "--max-retries", "0")
    assert result.returncode == 1
    assert re.search(r"^idempotency_key: [0-9a-f-]{36}$", result.stderr, re.M)
    fake.disconnect_next()
    listed = here(run, url, "list", "--max-retries", "0")
    assert listed.returncode == 1
    assert "idempotency_key" not in listed.stderr  # a GET sends none


# ---------------------------------------------------------------------------------------
# --mask


def test_mask_hides_the_login_page_url_and_metadata_values(served: Served, run: Run) -> None:
    _, url = served
    args = ("-d", FEATURE, "-d", "login_page[enabled]=true", "-d", "metadata[team]=billing")
    plain = ok(here(run, url, "create", *args))
    assert LOGIN_URL.fullmatch(plain["login_page"]["url"])
    masked = ok(here(run, url, "create", *args, "--mask"))
    assert masked["login_page"] == {"enabled": True, "url": "***"}
    assert masked["metadata"] == {"team": "***"}
    assert masked["features"] == plain["features"]  # the rest as it was
    retrieved = ok(here(run, url, "retrieve", plain["id"], "--mask"))
    assert retrieved["login_page"]["url"] == "***"
    disabled = ok(here(run, url, "retrieve", "bpc_fakedefault", "--mask"))
    assert disabled["login_page"] == {"enabled": False, "url": None}  # nothing to hide


def test_mask_hides_the_login_page_url_in_pages_and_lines(served: Served, run: Run) -> None:
    _, url = served
    ok(here(run, url, "create", "-d", FEATURE, "-d", "login_page[enabled]=true"))
    page = here(run, url, "list")
    assert LOGIN_URL.search(page.stdout)
    masked = ok(here(run, url, "list", "--mask"))
    assert masked["data"][0]["login_page"]["url"] == "***"
    lines = here(run, url, "list", "--all", "--mask")
    assert lines.returncode == 0
    assert not LOGIN_URL.search(lines.stdout)
    assert json.loads(lines.stdout.splitlines()[0])["login_page"]["url"] == "***"


class _ClosedPipe(io.StringIO):
    """A stdout whose reader has gone (`... | head -n 1`)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_stops_early_ends_the_walk_quietly(
    served: Served, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, url = served
    make(run, url)
    before = len(fake.requests)
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = lattice_cli.main(
        [*GROUP, "list", "--all", "--limit", "1", "--api-key", API_KEY, "--api-base", url]
    )
    assert code == 0
    assert len(fake.requests) == before + 1  # no page fetched after the reader left


# ---------------------------------------------------------------------------------------
# Help, and the commands made from the declarations


@pytest.mark.parametrize("operation", ["create", "retrieve", "update", "list"])
def test_help_reads_well(run: Run, operation: str) -> None:
    result = run(*GROUP, operation, "--help")
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith(f"usage: lattice-stripe billing_portal configurations {operation}")
    assert "/v1/billing_portal/configurations" in text
    assert "exit status:\n  0  success\n  1  Stripe refused" in text
    assert "\n  2  bad input" in text
    assert "--show-url" not in text  # a configuration has no url of its own
    assert "mask login_page.url and metadata" in " ".join(text.split())
    assert ("  ID  " in text) is (operation in ("retrieve", "update"))
    assert ("--idempotency-key" in text) is (operation in ("create", "update"))
    assert ("--limit N" in text and "--all" in text) is (operation == "list")
    if operation == "list":
        assert "--limit N             an integer from 1 to 100" in text
        assert "Other params with -d in Stripe's form spelling." in text
    assert "%" not in text.replace("%%", "")  # argparse formatted every help
    assert_nothing_secret(text, "help")


def test_the_group_lists_both_resources(run: Run) -> None:
    text = run("billing_portal", "--help").stdout
    assert "sessions            Portal sessions." in text
    assert "configurations      Portal configurations." in text
    listed = run(*GROUP, "--help").stdout
    assert "{create,retrieve,update,list}" in listed


def test_every_declared_operation_is_a_command(run: Run) -> None:
    for resource in RESOURCES:
        group, _, name = resource.object_name.rpartition(".")
        for operation in resource.operations:
            result = run(group, f"{name}s", operation, "--help")
            assert result.returncode == 0, (resource.object_name, operation)


def test_a_new_resource_needs_no_cli_plumbing(
    served: Served, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A declared resource is a command: its id positional, its flags, its output."""
    fake, url = served
    retrieve: Operation[Configuration] = Operation(
        "retrieve",
        "GET",
        "/v1/billing_portal/configurations/{id}",
        Configuration,
        configuration_retrieve_rule,
        id_prefix="bpc_",
    )
    widget = Resource("billing_portal.widget", Configuration, {"retrieve": retrieve})
    monkeypatch.setattr(cli_parser, "RESOURCES", (*RESOURCES, widget))
    help_text = run("billing_portal", "widgets", "retrieve", "--help").stdout
    assert "Retrieve a portal widget" in help_text
    assert "the portal widget's id (bpc_...)" in help_text
    printed = ok(
        run(
            *("billing_portal", "widgets", "retrieve", "bpc_fakedefault"),
            *("--api-key", API_KEY, "--api-base", url),
        )
    )
    assert printed["id"] == "bpc_fakedefault"
    bad = run("billing_portal", "widgets", "retrieve", "../x", "--api-key", API_KEY)
    assert bad.returncode == 2
    assert len(fake.requests) == 1


# ---------------------------------------------------------------------------------------
# The console script, over HTTP


def test_the_console_script_creates_updates_and_walks(served: Served) -> None:
    fake, url = served
    base = ("--api-key", API_KEY, "--api-base", url)
    created = cli(*GROUP, "create", *base, "-d", FEATURE, "-d", "login_page[enabled]=true")
    assert created.returncode == 0, _shown(created)
    made = json.loads(created.stdout)["id"]
    updated = cli(*GROUP, "update", made, *base, "-d", "name=Gold", "--mask")
    assert updated.returncode == 0, _shown(updated)
    assert json.loads(updated.stdout)["login_page"]["url"] == "***"
    walked = cli(*GROUP, "list", *base, "--all", "--limit", "1", "--transport", "aiohttp")
    assert walked.returncode == 0, _shown(walked)
    assert [json.loads(line)["id"] for line in walked.stdout.splitlines()] == [
        made,
        "bpc_fakedefault",
    ]
    bad = cli(*GROUP, "retrieve", "bpc_a/b", *base)
    assert bad.returncode == 2
    assert bad.stderr.startswith("lattice-stripe: error: id must be a configuration id")
    assert [method for method, *_ in fake.requests] == ["POST", "POST", "GET", "GET"]
