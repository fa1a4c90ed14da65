"""One measurement in a fresh process, printed as one JSON line for ``bench/run.py``.

A process per measurement keeps imports from mixing and makes ``ru_maxrss`` the
peak RSS of that contender alone. The API key comes from ``LATTICE_BENCH_KEY``,
never the command line, so no process listing or error message can show it.

    worker.py throughput NAME URL --warmup W [--calls N] [--concurrency C] [--server-pid P]

Without ``--calls`` a throughput worker warms up, prints ``ready`` and then runs one
timed batch per ``run N`` line on stdin (answering ``ok``) until ``done``, so
bench/run.py can interleave several contenders' processes batch by batch.
    worker.py plugins URL --calls N --warmup W --batch B
    worker.py construct lattice|stripe URL --count N
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

from contenders import (
    ASYNC,
    PLUGIN_VARIANTS,
    SYNC,
    TEST_ONLY_PLUGINS,
    async_contender,
    check,
    sync_contender,
)

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def server_cpu(pid: int | None) -> float | None:
    """CPU seconds the server process has used so far (Linux ``/proc``), else ``None``."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


class Tally:
    """Wall, client CPU, server CPU and per-call latencies, summed over timed batches."""

    def __init__(self, server_pid: int | None) -> None:
        self.pid = server_pid
        self.latencies: list[float] = []
        self.wall = self.cpu = 0.0
        self.server: float | None = 0.0 if server_cpu(server_pid) is not None else None
        self._marks = (0.0, 0.0, 0.0)

    def start(self) -> None:
        self._marks = (server_cpu(self.pid) or 0.0, time.process_time(), time.perf_counter())

    def stop(self) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        server, cpu0, wall0 = self._marks
        self.wall += wall - wall0
        self.cpu += cpu - cpu0
        if self.server is not None:
            self.server += (server_cpu(self.pid) or 0.0) - server

    def summary(self, plugins: list[str]) -> dict[str, Any]:
        calls = len(self.latencies)
        return {
            "calls": calls,
            "calls_per_s": calls / self.wall,
            "cpu_us": self.cpu / calls * 1e6,
            "client_busy": self.cpu / self.wall,  # 1.0: a core's worth, the client is the limit
            "p50_us": statistics.median(self.latencies) * 1e6,
            "p99_us": _p99(self.latencies) * 1e6,
            "server_cpu_us": None if self.server is None else self.server / calls * 1e6,
            "server_busy": None if self.server is None else self.server / self.wall,
            "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "plugins": plugins,
        }


def batches(calls: int | None) -> Iterator[int]:
    """Batch sizes: ``calls`` once, or each ``run N`` line on stdin until ``done``.

    Reading stdin blocks (an event loop too) between batches: the worker is meant to
    sit idle while another contender's batch runs.
    """
    if calls is not None:
        yield calls
        return
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "done":
            return
        yield int(line.split()[1])
        print("ok", flush=True)


def run_sync(
    name: str, url: str, key: str, warmup: int, pid: int | None, calls: int | None
) -> dict[str, Any]:
    """Warm up, then time the batches asked for, calls back to back on one client."""
    with sync_contender(name, url, key) as (call, plugins):
        for _ in range(warmup):
            check(name, call())
        tally = Tally(pid)
        clock, append = time.perf_counter, tally.latencies.append
        for size in batches(calls):
            tally.start()
            for _ in range(size):
                begin = clock()
                call()
                append(clock() - begin)
            tally.stop()
        check(name, call())
    return tally.summary(plugins)


async def run_async(
    name: str, url: str, key: str, warmup: int, concurrency: int, pid: int | None, calls: int | None
) -> dict[str, Any]:
    """Per batch, ``concurrency`` tasks on one loop share one client, each looping its share."""
    async with async_contender(name, url, key) as (call, plugins):
        tally = Tally(pid)
        clock = time.perf_counter

        async def loop(count: int, latencies: list[float], results: list[object]) -> None:
            for _ in range(count):
                begin = clock()
                results.append(await call())
                latencies.append(clock() - begin)

        def shares(total: int) -> list[int]:
            return [total // concurrency + (i < total % concurrency) for i in range(concurrency)]

        warm: list[object] = []  # at the same concurrency, so every connection is open
        await asyncio.gather(*(loop(n, [], warm) for n in shares(max(warmup, concurrency))))
        for result in warm:
            check(name, result)
        for size in batches(calls):
            results: list[object] = []
            tally.start()
            await asyncio.gather(*(loop(n, tally.latencies, results) for n in shares(size)))
            tally.stop()
        check(name, await call())
    return tally.summary(plugins)


def run_plugins(url: str, key: str, calls: int, warmup: int, batch: int) -> dict[str, Any]:
    """Lattice sync with each built-in off and all on, taking turns in small batches.

    A plugin costs a few µs of a ~600 µs call, less than the CPU time of the same
    batch moves when a neighbour on the machine gets busy. So the five clients live
    in one process, and a plugin's cost is the median over turns of the difference
    between the all-on batch and the plugin-off batch of the same turn.
    """
    names = ("lattice", *PLUGIN_VARIANTS)
    with contextlib.ExitStack() as stack:
        clients = {name: stack.enter_context(sync_contender(name, url, key)) for name in names}
        for name, (call, _) in clients.items():
            for _ in range(warmup):
                check(name, call())
        per_call: dict[str, list[float]] = {name: [] for name in names}
        for turn in range(max(1, calls // batch)):
            shift = turn % len(names)
            for name in names[shift:] + names[:shift]:
                call = clients[name][0]
                start = time.process_time()
                for _ in range(batch):
                    call()
                per_call[name].append((time.process_time() - start) / batch * 1e6)
    all_on = per_call["lattice"]
    return {
        name: {
            "cpu_us": statistics.fmean(values),
            "cost_us": statistics.median(on - off for on, off in zip(all_on, values, strict=True)),
            "plugins": clients[name][1],
        }
        for name, values in per_call.items()
    }


def construct(library: str, url: str, key: str, count: int) -> dict[str, Any]:
    """Median time of a client construction after the first one in this process."""
    close: Any
    if library == "lattice":
        from lattice_core import Client

        def make() -> Any:
            return Client(key, base_url=url, disable_plugins=list(TEST_ONLY_PLUGINS))

        close = Client.close
    else:
        import stripe

        def make() -> Any:
            return stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)

        close = None  # StripeClient has nothing to close
    first = make()
    if close is not None:
        close(first)
    build: list[float] = []
    with_close: list[float] = []
    clock = time.perf_counter
    for _ in range(count):
        start = clock()
        client = make()
        built = clock()
        if close is not None:
            close(client)
        build.append(built - start)
        with_close.append(clock() - start)
    return {
        "construct_ms": statistics.median(build) * 1e3,
        "construct_close_ms": statistics.median(with_close) * 1e3 if close else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    throughput = commands.add_parser("throughput")
    throughput.add_argument("name", choices=[*SYNC, *ASYNC])
    throughput.add_argument("url")
    throughput.add_argument("--calls", type=int)
    throughput.add_argument("--warmup", type=int, required=True)
    throughput.add_argument("--concurrency", type=int, default=1)
    throughput.add_argument("--server-pid", type=int)
    plugins = commands.add_parser("plugins")
    plugins.add_argument("url")
    plugins.add_argument("--calls", type=int, required=True)
    plugins.add_argument("--warmup", type=int, required=True)
    plugins.add_argument("--batch", type=int, default=20)
    build = commands.add_parser("construct")
    build.add_argument("library", choices=["lattice", "stripe"])
    build.add_argument("url")
    build.add_argument("--count", type=int, required=True)
    args = parser.parse_args(argv)
    key = os.environ["LATTICE_BENCH_KEY"]
    result: dict[str, Any]
    if args.command == "construct":
        result = construct(args.library, args.url, key, args.count)
    elif args.command == "plugins":
        result = run_plugins(args.url, key, args.calls, args.warmup, args.batch)
    elif args.name in ASYNC:
        result = asyncio.run(
            run_async(
                args.name,
                args.url,
                key,
                args.warmup,
                args.concurrency,
                args.server_pid,
                args.calls,
            )
        )
    else:
        result = run_sync(args.name, args.url, key, args.warmup, args.server_pid, args.calls)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
