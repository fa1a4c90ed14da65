"""The full reliability run behind ``bash scripts/reliability.sh``; publishes its figures.

Runs the default fault mix at full size on both transports (16 threads sharing
32,000 ``Session.create`` calls; 1,000 concurrent ``create_async`` calls) and
the ``Retry(deadline=...)`` runs, prints the figures, and, when every check
passes, writes them into docs/reliability.md between the figures markers. A
failing run exits 1 and leaves the published figures alone: they must come from
a passing run.

    python -m tests.reliability.run_full [--sync-calls N] [--async-calls N] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from typing import Any

import attrs

from ..conftest import ROOT
from .harness import (
    DEADLINE_FAULTS,
    FAULT_KINDS,
    Figures,
    Load,
    deadline_load,
    figures_table,
    problems,
    run_load,
    serve,
    standard_load,
)

DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"
COMMAND = "bash scripts/reliability.sh"


def _run(load: Load, server_options: dict[str, object]) -> Figures:
    print(f"running {load.label}: {load.calls} calls, concurrency {load.concurrency}", flush=True)
    with serve(load, **server_options) as server:
        figures = run_load(server, load)
    print(f"  done in {figures.wall:.1f} s", flush=True)
    return figures


def _commit() -> str:
    """The commit the SDK came from, marked when its sources differ from it (read-only git)."""
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    try:
        head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], **_QUIET).stdout.strip()
        sdk = ["lattice_core", "lattice_transport_requests", "lattice_transport_aiohttp"]
        dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--", *sdk], **_QUIET)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head if dirty.returncode == 0 else f"{head} + uncommitted SDK changes"


_QUIET: dict[str, Any] = {"capture_output": True, "text": True, "check": False}


def publish(table: str, wall: float) -> None:
    """Replace the figures between the markers of docs/reliability.md."""
    text = DOC.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    stamp = (
        f"Last full run: {datetime.date.today().isoformat()}, `{COMMAND}` "
        f"(commit {_commit()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{wall / 60:.1f} min in all). Every check passed."
    )
    DOC.write_text(f"{head}{START}\n{stamp}\n\n{table}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sync-calls", type=int, help="override the requests run's calls")
    parser.add_argument("--async-calls", type=int, help="override the aiohttp run's calls")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the docs")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    plan: list[tuple[Load, dict[str, object], tuple[str, ...]]] = []
    for transport, override in (("requests", args.sync_calls), ("aiohttp", args.async_calls)):
        load = standard_load(transport, full=True)
        if override:
            concurrency = load.concurrency if transport == "requests" else override
            load = attrs.evolve(load, calls=override, concurrency=concurrency)
        plan.append((load, {}, FAULT_KINDS))
    for transport in ("requests", "aiohttp"):
        plan.append(
            (deadline_load(transport, full=True), DEADLINE_FAULTS, DEADLINE_FAULTS["kinds"])
        )
    runs, failed = [], False
    for load, options, kinds in plan:
        figures = _run(load, options)
        runs.append(figures)
        for problem in problems(figures, kinds=kinds):
            failed = True
            print(f"  FAILED: {problem}", flush=True)
    table = figures_table(runs)
    print(table)
    if failed:
        print("some checks failed: docs/reliability.md keeps its figures", file=sys.stderr)
        return 1
    if not args.no_write:
        publish(table, time.perf_counter() - began)
        print(f"figures written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
