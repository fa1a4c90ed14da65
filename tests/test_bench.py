"""``bench/run.py --quick`` runs end to end: every target row has numbers, no key leaks.

The harness is what docs/performance.md is generated from, so a broken contender
or a renamed row must fail the suite, not the next person regenerating the page.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

TARGET_ROWS = (
    "sync client CPU per create",
    "sync calls/s",
    "async calls/s, concurrency 1",
    "async calls/s, concurrency 64",
    "async client CPU per create, c64",
    "cold start: fresh process → first session (sync)",
    "`import lattice_core`",
    "`Client(...)` after the first in a process",
)
NUMBER = re.compile(r"\d[\d,]*(\.\d+)?")


def test_quick_run_prints_every_target_with_numbers_and_no_key(tmp_path: Path) -> None:
    key = "sk_test_" + secrets.token_hex(12)
    page = tmp_path / "performance.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--write", str(page)],
        cwd=ROOT,
        env={**os.environ, "LATTICE_BENCH_KEY": key},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    output += page.read_text()
    assert key[len("sk_test_") :] not in output
    assert "sk_test_" not in output
    blocks = [block for block in done.stdout.split("\n\n") if block.startswith("| ")]
    tables = [  # each markdown table, its rows by their first cell
        {row[0]: row for row in (_cells(line) for line in block.splitlines())} for block in blocks
    ]
    targets = tables[0]
    assert list(targets)[1:] == ["---", *TARGET_ROWS]
    for metric in TARGET_ROWS:
        _, _, lattice, reference, ratio, per_round, target, result = targets[metric]
        for cell in (lattice, reference, ratio, per_round, target):
            assert NUMBER.search(cell), (metric, cell)
        assert result in {"PASS", "MISS"}, (metric, result)
    details = ("plain `requests", "Lattice `AsyncClient` + `create_async`, c64", "telemetry")
    for detail in details:  # a detail table's row, by its first words
        assert any(name.startswith(detail) for table in tables for name in table), detail
    assert blocks[0] in page.read_text()  # the page holds the same targets table


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split(" | ")]
