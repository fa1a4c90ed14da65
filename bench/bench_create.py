"""Client CPU per portal-session create: Lattice vs plain requests vs the official SDK.

All three talk over real HTTP to the bundled fake Stripe, which runs in a
separate process so that only client work is counted (``time.process_time``).
The three run interleaved in rounds, in one process and one run, and the
median round is reported. Run: ``.venv/bin/python bench/bench_create.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

import requests

from lattice_core import AsyncClient, Client
from lattice_core.billing_portal import Session

API_KEY = "sk_test_bench_0000000000000000"
PARAMS = {"customer": "cus_bench", "return_url": "https://example.com/account"}
# The suite installs an example third-party plugin; measure what users get: the built-ins.
TEST_ONLY_PLUGINS = ["example"]


def start_fake() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "lattice_core.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.rsplit(" ", 1)[-1].strip()


def plain_requests(url: str) -> Callable[[], object]:
    session = requests.Session()
    endpoint = f"{url}/v1/billing_portal/sessions"
    body = urlencode(PARAMS)

    def call() -> object:
        headers = {
            "Authorization": f"Bearer {API_KEY}",
            "Stripe-Version": "2026-10-28.endive",
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return session.post(endpoint, data=body, headers=headers, timeout=80).json()

    return call


def lattice(url: str) -> Callable[[], object]:
    client = Client(API_KEY, base_url=url, disable_plugins=TEST_ONLY_PLUGINS)
    return lambda: Session.create(client, PARAMS)


def official(url: str) -> Callable[[], object] | None:
    try:
        import stripe
    except ImportError:
        return None
    client = stripe.StripeClient(API_KEY, base_addresses={"api": url})
    return lambda: client.v1.billing_portal.sessions.create(params=dict(PARAMS))  # type: ignore[arg-type]


def async_pair(url: str, loop: asyncio.AbstractEventLoop) -> dict[str, Callable[[], object]]:
    """Plain aiohttp post + json vs Lattice's AsyncClient, each call run to completion."""
    import aiohttp

    endpoint = f"{url}/v1/billing_portal/sessions"
    body = urlencode(PARAMS)

    async def make() -> tuple[aiohttp.ClientSession, AsyncClient]:
        return aiohttp.ClientSession(), AsyncClient(
            API_KEY, base_url=url, disable_plugins=TEST_ONLY_PLUGINS
        )

    session, client = loop.run_until_complete(make())

    async def plain() -> object:
        headers = {
            "Authorization": f"Bearer {API_KEY}",
            "Stripe-Version": "2026-10-28.endive",
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        async with session.post(endpoint, data=body, headers=headers) as response:
            return await response.json()

    CLOSERS.append(lambda: loop.run_until_complete(session.close()))
    CLOSERS.append(lambda: loop.run_until_complete(client.close()))
    return {
        "plain aiohttp (post + json)": lambda: loop.run_until_complete(plain()),
        "lattice AsyncClient, aiohttp transport": lambda: loop.run_until_complete(
            Session.create_async(client, PARAMS)
        ),
    }


CLOSERS: list[Callable[[], object]] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    proc, url = start_fake()
    try:
        contenders = {
            "plain requests (post + json)": plain_requests(url),
            "lattice Client, requests transport": lattice(url),
        }
        sdk = official(url)
        if sdk is not None:
            contenders["stripe 16 StripeClient"] = sdk
        loop = asyncio.new_event_loop()
        contenders.update(async_pair(url, loop))
        for call in contenders.values():  # warm up: connections, imports, caches
            for _ in range(50):
                call()
        per_call: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(args.rounds):
            for name, call in contenders.items():
                start = time.process_time()
                for _ in range(args.calls):
                    call()
                per_call[name].append((time.process_time() - start) / args.calls * 1e6)
    finally:
        for close in CLOSERS:
            close()
        proc.terminate()
        proc.wait()
    print(f"client CPU per create, median of {args.rounds} rounds x {args.calls} calls")
    for name, samples in per_call.items():
        base_name = "plain aiohttp" if "aiohttp" in name else "plain requests"
        base = statistics.median(per_call[f"{base_name} (post + json)"])
        median = statistics.median(samples)
        print(f"  {name:<40} {median:8.1f} us   {median / base:5.2f}x {base_name}")


if __name__ == "__main__":
    main()
