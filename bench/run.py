"""The benchmark of issue 10: Lattice against plain HTTP clients and ``stripe``, in one run.

    .venv/bin/python bench/run.py [--rounds 3] [--calls 2000] [--write docs/performance.md]

Each round measures everything once: throughput (sync; async at concurrency 1 and
64), each contender in its own worker process, the processes of a group taking
turns batch by batch so a busy spell of the machine lands on all of them; each
built-in plugin's price; cold starts; import times; ``Client(...)`` construction.
The fake Stripe runs in a process of its own (``bench/fast_server.py`` unless
``--server bundled``). Headline values are medians over rounds, ratios medians of
per-round ratios. Exit status: 0 unless a measurement failed (2), or 1 with
``--check`` when a target is missed."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import secrets
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import report
from contenders import ASYNC, PARAMS, SYNC, TEST_ONLY_PLUGINS

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
CONCURRENCY = (1, 64)
T = TypeVar("T")

_CONNECT = f"""\
import os
KEY, URL = os.environ["LATTICE_BENCH_KEY"], os.environ["LATTICE_BENCH_URL"]
PARAMS = {PARAMS!r}
"""
# Fresh process -> first session created -> exit, as an app's first request would go.
COLD_SCRIPTS = {
    "pass": "pass",
    "lattice": _CONNECT
    + f"""\
from lattice_core import Client
from lattice_core.billing_portal import Session
with Client(KEY, base_url=URL, disable_plugins={list(TEST_ONLY_PLUGINS)!r}) as client:
    assert Session.create(client, PARAMS).id.startswith("bps_")
""",
    "stripe": _CONNECT
    + """\
import stripe
client = stripe.StripeClient(KEY, base_addresses={"api": URL}, max_network_retries=0)
assert client.v1.billing_portal.sessions.create(params=PARAMS).id.startswith("bps_")
""",
    "lattice-async": _CONNECT
    + f"""\
import asyncio
from lattice_core import AsyncClient
from lattice_core.billing_portal import Session
async def main():
    async with AsyncClient(KEY, base_url=URL, disable_plugins={list(TEST_ONLY_PLUGINS)!r}) as c:
        return await Session.create_async(c, PARAMS)
assert asyncio.run(main()).id.startswith("bps_")
""",
    "stripe-async": _CONNECT
    + """\
import asyncio
import stripe
async def main():
    http = stripe.AIOHTTPClient()
    client = stripe.StripeClient(
        KEY, base_addresses={"api": URL}, max_network_retries=0, http_client=http
    )
    try:
        return await client.v1.billing_portal.sessions.create_async(params=PARAMS)
    finally:
        await http.close_async()
assert asyncio.run(main()).id.startswith("bps_")
""",
}
IMPORT_SCRIPT = """\
import time
start = time.perf_counter()
import {module}
print(time.perf_counter() - start)
"""
MODULES = ("lattice_core", "stripe")


class BenchError(RuntimeError):
    """A measurement failed; the message never holds the API key."""


@dataclass(frozen=True)
class Settings:
    rounds: int
    calls: int
    warmup: int
    batch: int
    reps: int
    constructions: int
    server: str
    headroom: bool


@dataclass
class Server:
    kind: str
    proc: subprocess.Popen[str]
    url: str


def rotated(items: Sequence[T], by: int) -> list[T]:
    """``items`` starting at ``by``: who goes first changes every round."""
    k = by % len(items)
    return [*items[k:], *items[:k]]


class Runner:
    """Spawns every child process with one environment and scrubs what they print."""

    def __init__(self, key: str, pycache: str) -> None:
        self.key = key
        env = {**os.environ, "LATTICE_BENCH_KEY": key, "PYTHONPYCACHEPREFIX": pycache}
        # Bytecode is cached for every library alike (as after pip install), in a private
        # directory, so an edited source tree cannot make Lattice alone recompile.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env = env

    def scrub(self, text: str) -> str:
        return text.replace(self.key, "sk_test_***")

    def run(self, label: str, args: Sequence[str], url: str | None = None) -> str:
        env = self.env if url is None else {**self.env, "LATTICE_BENCH_URL": url}
        done = subprocess.run(  # noqa: S603 - our own interpreter and scripts
            [PY, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
        )
        if done.returncode != 0:
            tail = self.scrub(done.stderr)[-3000:]
            raise BenchError(f"{label} exited {done.returncode}:\n{tail}")
        return done.stdout

    def worker(self, *args: str) -> dict[str, Any]:
        label = "worker " + " ".join(a for a in args if not a.startswith("http"))
        out: dict[str, Any] = json.loads(self.run(label, [str(BENCH / "worker.py"), *args]))
        return out

    def timed(self, label: str, script: str, url: str) -> tuple[float, str]:
        """Wall seconds from spawning ``python -c script`` to its exit, and its stdout."""
        start = time.perf_counter()
        out = self.run(label, ["-c", script], url)
        return time.perf_counter() - start, out

    @contextlib.contextmanager
    def server(self, kind: str) -> Iterator[Server]:
        script = (
            [str(BENCH / "fast_server.py")] if kind == "fast" else ["-m", "lattice_core.testing"]
        )
        command = [PY, *script] + (["--port", "0"] if kind == "bundled" else [])
        proc = subprocess.Popen(  # noqa: S603
            command,
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().rsplit(" ", 1)[-1].strip()
            if not url.startswith("http://127.0.0.1:"):
                raise BenchError(f"the {kind} fake server did not start")
            yield Server(kind, proc, url)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class LiveWorker:
    """A throughput worker process that runs one timed batch per command, idle in between."""

    def __init__(self, runner: Runner, label: str, args: Sequence[str]) -> None:
        self.runner, self.label = runner, label
        # A file, not a pipe, so a chatty worker cannot block; close() closes it.
        self.stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self.proc = subprocess.Popen(  # noqa: S603
            [PY, str(BENCH / "worker.py"), *args],
            env=runner.env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )

    def expect(self, start: str) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 600)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith(start):
            self.close()
            self.stderr.seek(0)
            tail = self.runner.scrub(self.stderr.read())[-3000:]
            raise BenchError(f"{self.label} stopped (exit {self.proc.returncode}):\n{tail}")
        return line

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def run(self, calls: int) -> None:
        self.send(f"run {calls}")
        self.expect("ok")

    def finish(self) -> dict[str, Any]:
        self.send("done")
        result: dict[str, Any] = json.loads(self.expect("{"))
        self.proc.wait(timeout=60)
        return result

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.stderr.close()


def interleaved(
    runner: Runner, server: Server, names: Sequence[str], concurrency: int, s: Settings, shift: int
) -> dict[str, dict[str, Any]]:
    """Throughput of ``names``, one process each, taking turns batch by batch.

    Only one process runs at a time; the others wait on their stdin. A busy spell of
    the machine then lands on every contender alike, not on whichever ran during it.
    """
    if server.proc.poll() is not None:
        raise BenchError(f"the {server.kind} fake server died")
    batch = min(s.calls, max(s.batch, 4 * concurrency))
    sizes = [batch] * (s.calls // batch) + ([s.calls % batch] if s.calls % batch else [])
    workers: dict[str, LiveWorker] = {}
    try:
        for name in names:
            args = [
                "throughput",
                name,
                server.url,
                f"--warmup={s.warmup}",
                f"--concurrency={concurrency}",
                f"--server-pid={server.proc.pid}",
            ]
            workers[name] = LiveWorker(runner, f"{name} (concurrency {concurrency})", args)
        for worker in workers.values():
            worker.expect("ready")
        for number, size in enumerate(sizes):
            for name in rotated(names, shift + number):
                workers[name].run(size)
        return {name: worker.finish() for name, worker in workers.items()}
    finally:
        for worker in workers.values():
            worker.close()


def one_round(
    number: int, runner: Runner, fast: Server, bundled: Server | None, s: Settings
) -> report.Round:
    """Every measurement once; each group's order rotated by the round number."""
    out: report.Round = {}
    sync = interleaved(runner, fast, SYNC, 1, s, number)
    out.update((f"sync/{name}", result) for name, result in sync.items())
    plugins = runner.worker("plugins", fast.url, f"--calls={s.calls}", f"--warmup={s.warmup}")
    out.update((f"plugin/{name}", result) for name, result in plugins.items())
    for concurrency in CONCURRENCY:
        results = interleaved(runner, fast, ASYNC, concurrency, s, number)
        out.update((f"c{concurrency}/{name}", result) for name, result in results.items())
    if bundled is not None:
        # The same clients against the bundled fake: is it fast enough to measure with?
        for job, name, concurrency in (
            ("c64/aiohttp", "aiohttp", 64),
            ("sync/requests", "requests", 1),
        ):
            results = interleaved(runner, bundled, [name], concurrency, s, 0)
            out[f"bundled/{job}"] = results[name]
    cold: dict[str, list[float]] = {name: [] for name in COLD_SCRIPTS}
    imports: dict[str, list[tuple[float, float]]] = {module: [] for module in MODULES}
    for rep in range(s.reps):
        for name in rotated(list(COLD_SCRIPTS), number + rep):
            cold[name].append(runner.timed(f"cold start {name}", COLD_SCRIPTS[name], fast.url)[0])
        for module in rotated(MODULES, number + rep):
            script = IMPORT_SCRIPT.format(module=module)
            wall, printed = runner.timed(f"import {module}", script, fast.url)
            imports[module].append((float(printed) * 1e3, wall * 1e3))
    for name, walls in cold.items():
        out[f"cold/{name}"] = {"ms": statistics.median(walls) * 1e3}
    for module, pairs in imports.items():
        out[f"import/{module}"] = {
            "ms": statistics.median(p[0] for p in pairs),
            "process_ms": statistics.median(p[1] for p in pairs),
        }
    for library in rotated(("lattice", "stripe"), number):
        out[f"construct/{library}"] = runner.worker(
            "construct", library, fast.url, f"--count={s.constructions}"
        )
    return out


def warm_caches(runner: Runner, url: str) -> None:
    """Compile every library into the bytecode cache once, untimed."""
    for name, script in COLD_SCRIPTS.items():
        runner.timed(f"cold start {name}", script, url)
    for module in MODULES:
        runner.timed(f"import {module}", IMPORT_SCRIPT.format(module=module), url)


def _git(*args: str) -> str:
    git = shutil.which("git")
    if git is None:
        return "unknown"
    done = subprocess.run([git, *args], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def machine() -> dict[str, str]:
    """Where and on what the run happened, for the page."""
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
        cpu = next(
            (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu
        )
    versions = []
    for dist in ("lattice-stripe-core", "stripe", "requests", "aiohttp", "opentelemetry-api"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain") else ""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git("rev-parse", "--short", "HEAD") + dirty,
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "versions": ", ".join(versions),
    }


def _load() -> str:
    with contextlib.suppress(OSError, AttributeError):
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return "unknown"


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Settings]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measurement (3)")
    parser.add_argument(
        "--calls", type=int, default=2000, help="timed calls per contender per round (2000)"
    )
    parser.add_argument("--reps", type=int, default=5, help="cold starts and imports per round (5)")
    parser.add_argument(
        "--quick", action="store_true", help="tiny numbers: checks the harness runs"
    )
    parser.add_argument(
        "--server",
        choices=["fast", "bundled"],
        default="fast",
        help="fake Stripe to measure against",
    )
    parser.add_argument(
        "--write", type=Path, metavar="PATH", help="write the page (docs/performance.md)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if any target is missed")
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also save every round's raw numbers"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.calls, args.reps = 1, 40, 1
    if min(args.rounds, args.calls, args.reps) < 1:
        parser.error("--rounds, --calls and --reps must be positive")
    settings = Settings(
        rounds=args.rounds,
        calls=args.calls,
        warmup=max(20, args.calls // 5),
        batch=100,
        reps=args.reps,
        constructions=50 if args.quick else 500,
        server=args.server,
        headroom=args.server == "fast" and not args.quick,
    )
    return args, settings


def main(argv: Sequence[str] | None = None) -> int:
    args, s = parse(argv)
    key = os.environ.get("LATTICE_BENCH_KEY") or "sk_test_" + secrets.token_hex(12)
    began, load_before = time.perf_counter(), _load()
    rounds: list[report.Round] = []
    with tempfile.TemporaryDirectory(prefix="lattice-bench-pycache-") as pycache:
        runner = Runner(key, pycache)
        try:
            with contextlib.ExitStack() as stack:
                main_server = stack.enter_context(runner.server(s.server))
                bundled = stack.enter_context(runner.server("bundled")) if s.headroom else None
                warm_caches(runner, main_server.url)
                for number in range(s.rounds):
                    print(f"round {number + 1}/{s.rounds} ...", file=sys.stderr, flush=True)
                    rounds.append(one_round(number, runner, main_server, bundled, s))
        except (BenchError, subprocess.TimeoutExpired) as exc:
            print(f"bench failed: {runner.scrub(str(exc))}", file=sys.stderr)
            return 2
    seconds = time.perf_counter() - began
    print(report.console(rounds))
    print(f"\n{s.rounds} rounds x {s.calls} calls in {seconds:.0f} s (server: {s.server})")
    meta = {
        **machine(),
        "load": f"{load_before} before, {_load()} after",
        "seconds": f"{seconds:.0f}",
    }
    if args.json:
        raw = {"meta": meta, "settings": dataclasses.asdict(s), "rounds": rounds}
        args.json.write_text(json.dumps(raw, indent=1) + "\n")
    if args.write:
        args.write.write_text(report.document(rounds, meta, dataclasses.asdict(s)))
        print(f"wrote {args.write}")
    missed = [v.row.metric for v in report.verdicts(rounds) if not v.passed]
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
