"""Drive many ``Session.create`` calls against a :class:`FaultServer` and count what happened.

One run is one client (16 threads sharing a ``Client``, or many concurrent
tasks on one ``AsyncClient``). Every call's outcome is checked as it ends
(a session must be the one the server created for the call's key; an error must
be a ``LatticeError``; neither may show a secret) and dropped, so a long run
keeps flat memory. :func:`problems` turns the :class:`Figures` into the list of
broken promises a test asserts empty.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import logging
import os
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lattice_core import AsyncClient, Client, LatticeError, Request, Response, hookimpl
from lattice_core.billing_portal import Session
from lattice_core.builtin.retry import MAX_DELAY, Retry
from lattice_core.builtin.telemetry import Telemetry

from ..conftest import API_KEY
from .faultserver import FAULT_KINDS, FaultServer
from .leaks import SecretLookup, find_leaks, record_text, scan_exception, span_text

PARAMS = {"customer": "cus_123", "return_url": "https://example.com/account"}
FULL = os.environ.get("LATTICE_RELIABILITY") == "full"
# Installs FreshKeyPerAttempt into every load: the suite must then fail (duplicates).
BREAK = os.environ.get("LATTICE_RELIABILITY_BREAK") == "1"
SEED = 20261028
THREADS = 16
# CI keeps the directory well under a minute on 2 cores; "full" is scripts/reliability.sh.
# Sync calls are shared by THREADS threads; async calls all run at once.
CI_CALLS = {"requests": 400, "aiohttp": 200}
FULL_CALLS = {"requests": 32_000, "aiohttp": 1_000}
# The deadline runs: faults that eat time, slower than the deadline on their own.
DEADLINE_FAULTS: dict[str, Any] = {
    "kinds": ("stall", "trickle", "http_429", "reset_before", "reset_after", "http_503"),
    "probability": 0.5,
    "stall": 2.5,
    "trickle": 2.5,
}
CALL = contextvars.ContextVar[int | None]("lattice_reliability_call", default=None)


@attrs.frozen
class Load:
    """One run's shape and its time bounds.

    A call may take ``timeout`` per attempt plus the retry waits (at most
    ``MAX_DELAY`` each, ``Retry-After`` capped there too), or, with a
    ``deadline``, the deadline. ``*_slack`` absorbs scheduling on a busy machine.
    """

    transport: str  # "requests" (threads) or "aiohttp" (tasks)
    calls: int
    concurrency: int
    timeout: float = 0.5
    max_retries: int = 2
    deadline: float | None = None
    broken: bool = BREAK
    call_slack: float = 1.0
    attempt_slack: float = 0.5
    hang_grace: float = 5.0  # a call still running this long after its bound has hung

    @property
    def label(self) -> str:
        return self.transport + (f", deadline {self.deadline:g} s" if self.deadline else "")

    @property
    def call_bound(self) -> float:
        if self.deadline is not None:
            return self.deadline + self.call_slack
        waits = self.max_retries * MAX_DELAY
        return self.timeout * (self.max_retries + 1) + waits + self.call_slack

    @property
    def attempt_bound(self) -> float:
        return self.timeout + self.attempt_slack


@attrs.define
class Figures:
    """What one run did; :func:`problems` says what it should not have."""

    transport: str
    calls: int = 0
    succeeded: int = 0
    errors: Counter[str] = attrs.field(factory=Counter)  # LatticeError subclasses
    untyped: Counter[str] = attrs.field(factory=Counter)  # anything else: must stay empty
    attempts: int = 0
    requests: int = 0  # as the server counted them
    faults: Counter[str] = attrs.field(factory=Counter)
    sessions_created: int = 0
    replays: int = 0
    duplicate_calls: int = 0
    duplicate_keys: int = 0
    wrong_sessions: int = 0  # returned, but not what the server made for the call's key
    leaks: Counter[str] = attrs.field(factory=Counter)
    scanned: int = 0  # texts scanned for leaks
    warnings: int = 0
    hangs: int = 0
    worst_call: float = 0.0
    call_bound: float = 0.0
    worst_attempt: float = 0.0
    attempt_bound: float = 0.0
    worst_attempt_at: str = ""  # which attempt, what fault the server drew, what came of it
    lag: float = 0.0  # the longest the process went unscheduled (see _LagMonitor)
    wall: float = 0.0

    @property
    def retries(self) -> int:
        return self.attempts - self.calls


class CallTag:
    """Plugin: tags each attempt with ``X-Test-Call``; records attempts, keys, the slowest."""

    def __init__(self) -> None:
        self.attempts = 0
        self.last_key: dict[int, str] = {}
        self.worst_attempt = 0.0
        self.worst_at: tuple[int, int, str] = (-1, 0, "")  # call, attempt, outcome
        self._lock = threading.Lock()

    @hookimpl
    def before_request(self, request: Request) -> None:
        call = CALL.get()
        if call is not None:
            request.headers["X-Test-Call"] = str(call)

    @hookimpl
    def after_response(
        self, request: Request, response: Response | None, error: Any, elapsed: float
    ) -> None:
        call = int(request.headers.get("X-Test-Call", "-1"))
        with self._lock:
            self.attempts += 1
            self.last_key[call] = request.headers.get("Idempotency-Key", "")
            if elapsed > self.worst_attempt:
                outcome = str(response.status_code) if response else type(error).__name__
                self.worst_attempt = elapsed
                self.worst_at = (call, request.attempt, outcome)


class _LagMonitor:
    """The longest this process went unscheduled (GIL waits, a machine pausing it).

    A time bound is the SDK's promise, not the machine's: a freeze that stretches
    every call in flight is measured here and reported next to the worst times.
    """

    TICK = 0.02

    def __init__(self) -> None:
        self.worst = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        before = time.perf_counter()
        while not self._stop.wait(self.TICK):
            now = time.perf_counter()
            self.worst = max(self.worst, now - before - self.TICK)
            before = now

    def __enter__(self) -> _LagMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


class FreshKeyPerAttempt:
    """Plugin: the classic retry bug, a new ``Idempotency-Key`` on every attempt."""

    @hookimpl
    def before_request(self, request: Request) -> None:
        request.headers["Idempotency-Key"] = str(uuid.uuid4())


class _Scanner(logging.Handler):
    """Scans every log record as it is emitted, and anything else handed to it."""

    def __init__(self, secrets: SecretLookup) -> None:
        super().__init__(logging.DEBUG)
        self.secrets = secrets
        self.found: Counter[str] = Counter()
        self.scanned = 0
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        self.text(f"log record of {record.name!r}", record_text(record))

    def text(self, where: str, text: str) -> None:
        names = find_leaks(text, secrets=self.secrets, api_key=API_KEY)
        with self._guard:
            self.scanned += 1
            self.found.update(f"{name} in {where}" for name in names)

    def exception(self, exc: BaseException) -> None:
        labels = scan_exception(exc, secrets=self.secrets, api_key=API_KEY)
        with self._guard:
            self.scanned += 1
            self.found.update(f"{label} of {type(exc).__name__}" for label in labels)


@contextmanager
def _captured(scanner: _Scanner, exporter: InMemorySpanExporter) -> Iterator[list[Any]]:
    """DEBUG logs on ``lattice`` (and warnings from anything) go to the scanner."""
    lattice = logging.getLogger("lattice")
    root = logging.getLogger()
    old_level = lattice.level
    root.addHandler(scanner)
    lattice.setLevel(logging.DEBUG)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield caught
    finally:
        root.removeHandler(scanner)
        lattice.setLevel(old_level)
    for warning in caught:
        scanner.text("a warning", f"{warning.category.__name__}: {warning.message}")
    for span in exporter.get_finished_spans():
        scanner.text("a span", span_text(span))
    exporter.clear()


class _Run:
    """The bookkeeping of one run, shared by the thread and the task drivers."""

    def __init__(
        self, server: FaultServer, load: Load, transport: object, plugins: list[object]
    ) -> None:
        self.server = server
        self.load = load
        self.transport = transport if transport is not None else load.transport
        self.extra_plugins = plugins
        self.tag = CallTag()
        self.scanner = _Scanner(SecretLookup(server.is_issued, frozenset({server.SECRET_LENGTH})))
        self.exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = provider.get_tracer("lattice")
        self.figures = Figures(load.label, call_bound=load.call_bound)
        self.figures.attempt_bound = load.attempt_bound
        self.returned: dict[int, str] = {}  # call -> session id
        self.running: dict[int, float] = {}  # call -> start
        self._lock = threading.Lock()

    def client_options(self) -> dict[str, Any]:
        plugins: list[object] = [self.tag, Telemetry(tracer=self.tracer), *self.extra_plugins]
        disable = ["telemetry"]
        if self.load.deadline is not None:
            plugins.append(Retry(deadline=self.load.deadline))
            disable.append("retry")
        if self.load.broken:
            plugins.append(FreshKeyPerAttempt())
        return {
            "transport": self.transport,
            "base_url": self.server.url,
            "timeout": self.load.timeout,
            "max_retries": self.load.max_retries,
            "plugins": plugins,
            "disable_plugins": disable,
        }

    def start(self, call: int) -> float:
        CALL.set(call)
        started = time.perf_counter()
        with self._lock:
            self.running[call] = started
        return started

    def finish(self, call: int, outcome: object, started: float) -> None:
        """Check and scan one call's outcome, then forget it."""
        duration = time.perf_counter() - started
        if isinstance(outcome, Session):
            expected = self.server.session_for_key(self.tag.last_key.get(call, ""))
            same = expected is not None and (expected["id"], expected["url"]) == (
                outcome.id,
                outcome.url,
            )
            self.scanner.text("a session's repr", f"{outcome!r} {outcome!s}")
        else:
            assert isinstance(outcome, BaseException)
            self.scanner.exception(outcome)
        fig = self.figures
        with self._lock:
            self.running.pop(call, None)
            fig.calls += 1
            fig.worst_call = max(fig.worst_call, duration)
            if isinstance(outcome, Session):
                fig.succeeded += 1
                fig.wrong_sessions += not same
                self.returned[call] = outcome.id
            elif isinstance(outcome, LatticeError):
                fig.errors[type(outcome).__name__] += 1
            else:
                fig.untyped[type(outcome).__name__] += 1

    def hung(self, call: int) -> None:
        with self._lock:
            self.running.pop(call, None)
            self.figures.hangs += 1

    def overdue(self) -> int:
        """Calls running longer than their bound plus the grace: hung."""
        limit = time.perf_counter() - self.load.call_bound - self.load.hang_grace
        with self._lock:
            return sum(1 for started in self.running.values() if started < limit)

    def close(self, wall: float) -> Figures:
        fig, stats = self.figures, self.server.stats()
        fig.attempts, fig.worst_attempt = self.tag.attempts, self.tag.worst_attempt
        call, attempt, outcome = self.tag.worst_at
        drawn = stats.faults_per_call.get(call, [])
        fault = drawn[attempt - 1] if 0 < attempt <= len(drawn) else "?"
        fig.worst_attempt_at = f"call {call} attempt {attempt}: {fault or 'no fault'} -> {outcome}"
        fig.requests, fig.faults = stats.requests, stats.faults
        fig.sessions_created, fig.replays = stats.sessions_created, stats.replays
        fig.duplicate_calls, fig.duplicate_keys = stats.duplicate_calls, stats.duplicate_keys
        fig.wrong_sessions += sum(
            1 for call, sid in self.returned.items() if sid not in stats.sessions_per_call[call]
        )
        fig.leaks, fig.scanned = self.scanner.found, self.scanner.scanned
        fig.wall = wall
        return fig


def _drive_threads(run: _Run) -> None:
    client = Client(API_KEY, **run.client_options())
    numbers = itertools.count()
    all_done = threading.Event()
    left = [run.load.concurrency]
    guard = threading.Lock()

    def worker() -> None:
        try:
            while (call := next(numbers)) < run.load.calls:
                started = run.start(call)
                try:
                    outcome: object = Session.create(client, PARAMS)
                except Exception as exc:  # judged by finish(): typed or not
                    outcome = exc
                run.finish(call, outcome, started)
        finally:
            with guard:
                left[0] -= 1
                if not left[0]:
                    all_done.set()

    for _ in range(run.load.concurrency):
        threading.Thread(target=worker, daemon=True).start()
    # A watchdog, not a sleep: wake to look for hung calls until every worker is done.
    while not all_done.wait(0.25):
        run.figures.hangs = run.overdue()
        if run.figures.hangs:
            break  # the daemon threads are abandoned; stopping the server frees them
    client.close()


async def _drive_tasks(run: _Run) -> None:
    client = AsyncClient(API_KEY, **run.client_options())
    hard = run.load.call_bound + run.load.hang_grace

    gate = asyncio.Semaphore(run.load.concurrency)  # all at once unless the load says fewer

    async def one(call: int) -> None:
        async with gate:
            await one_call(call)

    async def one_call(call: int) -> None:
        started = run.start(call)
        task = asyncio.ensure_future(Session.create_async(client, PARAMS))
        await asyncio.wait({task}, timeout=hard)  # an exception the call raises stays in it
        if not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=1.0)  # let it unwind before the client closes
            run.hung(call)
            return
        if task.cancelled():  # the SDK cancelled itself: not a LatticeError
            run.finish(call, asyncio.CancelledError(), started)
            return
        error = task.exception()
        run.finish(call, task.result() if error is None else error, started)

    try:
        await asyncio.gather(*(one(call) for call in range(run.load.calls)))
    finally:
        await client.close()


def standard_load(transport: str, *, full: bool = FULL) -> Load:
    """The load under the default fault mix: 16 threads, or every call at once.

    The async timeout is longer because one event loop runs every call's CPU
    work (validation, DEBUG telemetry, the leak scans) and the timeout includes
    the wait for a pooled connection: with 1,000 calls in flight, 0.5 s would
    time out calls that were merely queued.
    """
    calls = (FULL_CALLS if full else CI_CALLS)[transport]
    if transport == "requests":
        return Load(transport, calls, THREADS, timeout=0.5)
    return Load(transport, calls, calls, timeout=3.0 if full else 1.0)


def serve(load: Load, **options: Any) -> FaultServer:
    """A seeded fault server for ``load``: stalls and trickles last 3 timeouts unless bounded."""
    defaults = {"seed": SEED, "stall": 3 * load.timeout, "trickle": 3 * load.timeout}
    return FaultServer(**{**defaults, **options})


def deadline_load(transport: str, *, full: bool = FULL) -> Load:
    """``Retry(deadline=1.5)``, many retries allowed: the deadline must be what ends a call.

    16 calls in flight on either transport: the point is how close to the deadline
    a call ends, and a saturated event loop (or GIL) delays every timer whatever
    the SDK does. The all-at-once async load is :func:`standard_load`'s.
    """
    calls = 400 if full else 48
    concurrency = THREADS
    return Load(
        transport, calls=calls, concurrency=concurrency, timeout=1.0, max_retries=6, deadline=1.5
    )


def run_load(
    server: FaultServer, load: Load, *, transport: object = None, plugins: Iterable[object] = ()
) -> Figures:
    """Run ``load`` against ``server`` (started, fresh) and count what happened.

    ``transport`` overrides ``load.transport`` with an instance (same kind of
    client); ``plugins`` are added to the client's.
    """
    run = _Run(server, load, transport, list(plugins))
    began = time.perf_counter()
    with _LagMonitor() as lag, _captured(run.scanner, run.exporter) as caught:
        if load.transport == "requests":
            _drive_threads(run)
        else:
            asyncio.run(_drive_tasks(run))
    run.figures.warnings, run.figures.lag = len(caught), lag.worst
    return run.close(time.perf_counter() - began)


def problems(fig: Figures, *, kinds: tuple[str, ...] = FAULT_KINDS) -> list[str]:
    """Every broken promise in ``fig``, worded without any secret."""
    found = []
    if fig.untyped:
        found.append(f"exceptions that are not LatticeError: {dict(fig.untyped)}")
    if fig.duplicate_calls or fig.duplicate_keys:
        found.append(
            f"duplicate sessions: {fig.duplicate_calls} logical call(s) and "
            f"{fig.duplicate_keys} idempotency key(s) created more than one"
        )
    if fig.wrong_sessions:
        found.append(
            f"{fig.wrong_sessions} returned session(s) the server did not make for the call"
        )
    if fig.leaks:
        found.append(f"leaks: {dict(fig.leaks.most_common(12))}")
    if fig.hangs:
        found.append(f"{fig.hangs} call(s) hung")
    # A freeze of the whole process (fig.lag) stretches any call; it is not the SDK's doing.
    if fig.worst_call > fig.call_bound + fig.lag:
        found.append(
            f"worst call took {fig.worst_call:.2f} s, bound {fig.call_bound:.2f} s "
            f"(+ {fig.lag:.2f} s the process went unscheduled)"
        )
    if fig.worst_attempt > fig.attempt_bound + fig.lag:
        found.append(
            f"worst attempt took {fig.worst_attempt:.2f} s, over timeout + slack "
            f"{fig.attempt_bound:.2f} s (+ {fig.lag:.2f} s unscheduled): "
            f"{fig.worst_attempt_at} (the timeout must bound the whole attempt)"
        )
    missing = sorted(set(kinds) - set(fig.faults))
    if missing:
        found.append(f"fault kinds never drawn (the run is too small): {missing}")
    if not fig.succeeded:
        found.append("no call succeeded")
    return found


def figures_table(runs: list[Figures]) -> str:
    """The figures as a Markdown table, one column per run."""

    def worst(seconds: float, bound: float) -> str:
        return f"{seconds:.2f} s / {bound:.2f} s"

    rows: list[tuple[str, Any]] = [
        ("calls", lambda f: f.calls),
        ("succeeded", lambda f: f.succeeded),
        ("failed, typed (LatticeError)", lambda f: _counts(f.errors)),
        ("untyped exceptions", lambda f: sum(f.untyped.values())),
        ("attempts (server saw)", lambda f: f"{f.attempts} ({f.requests})"),
        ("retries", lambda f: f.retries),
        *((f"fault: {kind}", lambda f, k=kind: f.faults[k]) for kind in FAULT_KINDS),
        ("sessions created (replayed)", lambda f: f"{f.sessions_created} ({f.replays})"),
        ("duplicates per call / per key", lambda f: f"{f.duplicate_calls} / {f.duplicate_keys}"),
        ("wrong sessions returned", lambda f: f.wrong_sessions),
        ("leaks (texts scanned)", lambda f: f"{sum(f.leaks.values())} ({f.scanned})"),
        ("warnings (scanned too)", lambda f: f.warnings),
        ("hangs", lambda f: f.hangs),
        ("worst call / bound", lambda f: worst(f.worst_call, f.call_bound)),
        ("worst attempt / timeout + slack", lambda f: worst(f.worst_attempt, f.attempt_bound)),
        ("slowest attempt: fault -> outcome", lambda f: f.worst_attempt_at),
        ("longest process stall (added to bounds)", lambda f: f"{f.lag:.2f} s"),
        ("wall time", lambda f: f"{f.wall:.1f} s"),
    ]
    lines = ["| | " + " | ".join(f.transport for f in runs) + " |"]
    lines.append("| --- |" + " --- |" * len(runs))
    lines += [f"| {name} | " + " | ".join(str(get(f)) for f in runs) + " |" for name, get in rows]
    return "\n".join(lines)


def _counts(counter: Counter[str]) -> str:
    total = sum(counter.values())
    detail = ", ".join(f"{name} {n}" for name, n in counter.most_common())
    return f"{total} ({detail})" if detail else "0"
