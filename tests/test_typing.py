"""Types serve the call site: `mypy --strict` rejects typical mistakes and accepts good code.

`tests/typing_cases/mistakes.py` marks each line mypy must report (a `# E: <code>
<text>` line above it); `correct.py` must check cleanly. Both are also run, so the types and
the run-time checks are held to the same cases: every mistake is refused before
anything is sent, and every correct call creates a session.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

from lattice_core import AsyncClient, Client, ConfigurationError, InvalidParamsError
from lattice_core.testing import AsyncStubTransport, FakeStripe, StubTransport

from .conftest import API_KEY, ROOT
from .typing_cases import configuration_mistakes, correct, mistakes

CASES = ROOT / "tests" / "typing_cases"
MARK = re.compile(r"^\s*#\s*E:\s*(?P<code>[a-z-]+)\s+(?P<text>.+)$")  # marks the next line
REPORT = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*)  \[(?P<code>[a-z-]+)\]$"
)


def _mypy(*files: str) -> list[dict[str, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--warn-unused-ignores", "--no-pretty", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    reports = [m.groupdict() for m in map(REPORT.match, result.stdout.splitlines()) if m]
    assert result.returncode == 0 or reports, result.stdout + result.stderr
    return reports


def _cases(module: ModuleType) -> list[Callable[..., Any]]:
    cases = [f for name, f in vars(module).items() if name.startswith("case_")]
    assert len(cases) >= 5
    return cases


@pytest.mark.parametrize(
    ("name", "module"),
    [("mistakes.py", mistakes), ("configuration_mistakes.py", configuration_mistakes)],
)
def test_mypy_reports_each_marked_mistake_and_nothing_else(name: str, module: ModuleType) -> None:
    path = CASES / name
    marked = {
        number + 1: match.groupdict()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if (match := MARK.search(line))
    }
    reports = _mypy(str(path.relative_to(ROOT)))
    reported = {int(r["line"]): r for r in reports}
    assert sorted(reported) == sorted(marked), reports
    for number, want in marked.items():
        got = reported[number]
        assert got["code"] == want["code"], (number, got)
        assert want["text"] in got["message"], (number, got)
    # Every case holds exactly one mistake.
    assert len(marked) == len(_cases(module))


@pytest.mark.parametrize("name", ["correct.py", "configuration_correct.py"])
def test_correct_call_sites_check_cleanly(name: str) -> None:
    assert _mypy(str((CASES / name).relative_to(ROOT))) == []


def _documented_param(case: Callable[..., Any]) -> str | None:
    match = re.search(r"on `([^`]+)`", inspect.getdoc(case) or "")
    return match.group(1) if match else None


@pytest.mark.parametrize("case", _cases(mistakes), ids=lambda f: f.__name__)
def test_each_mistake_is_refused_at_run_time_before_sending(case: Callable[..., Any]) -> None:
    param = _documented_param(case)
    if param is None:  # the async client handed to the sync create
        transport = AsyncStubTransport.from_app(FakeStripe())
        with pytest.raises(ConfigurationError, match="create_async"):
            case(AsyncClient(API_KEY, transport=transport))
        assert transport.requests == []
        return
    stub = StubTransport.from_app(FakeStripe())
    with Client(API_KEY, transport=stub) as client, pytest.raises(InvalidParamsError) as caught:
        case(client)
    assert caught.value.param == param, str(caught.value)
    assert stub.requests == []


@pytest.mark.parametrize("case", _cases(correct), ids=lambda f: f.__name__)
def test_each_correct_call_creates_a_session(case: Callable[..., Any]) -> None:
    if inspect.iscoroutinefunction(case):
        transport = AsyncStubTransport.from_app(FakeStripe())

        async def run() -> None:
            async with AsyncClient(API_KEY, transport=transport) as client:
                await case(client)

        asyncio.run(run())
    else:
        transport = StubTransport.from_app(FakeStripe())
        with Client(API_KEY, transport=transport) as client:
            case(client)
    assert len(transport.requests) == 1


def test_the_params_annotation_resolves_at_run_time() -> None:
    """Run-time checkers (typeguard, pydantic's validate_call) can read the signatures."""
    import typing

    from lattice_core.billing_portal import Session, SessionCreateParams

    for method in (Session.create, Session.create_async):
        assert typing.get_type_hints(method)["params"] is SessionCreateParams
