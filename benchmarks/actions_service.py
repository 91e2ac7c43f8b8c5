"""Actions service figures: service-side time for one customer's actions.

The standalone service (``advisor_tui.services.actions``) reads the mock's
customers, history and faults in process (``httpx.ASGITransport``, no injected
latency), so the figure is the service's own work: three upstream calls through
the clients, the rules and the answer, without network time.

Prints:
- a seed customer's actions (the outage customer), p50 / p95 (goal <= 20 ms);
- the 100,000-event customer against the same customer with 10 and with 1,000
  events, p50 each and the ratios (goal: no slower than 10 events). The service
  reads one page (200 events) whatever the history's size, so 100,000 and 1,000
  events cost the same; 10 events are cheaper only because the page is shorter.

Run: ``python benchmarks/actions_service.py`` (``--quick`` for a short run; ``make
bench`` runs every benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from advisor_tui.contract import Backend, routes
from advisor_tui.mock.app import create_app as create_mock_app
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.state import MockState
from advisor_tui.services.actions.app import create_app
from advisor_tui.services.actions.service import ActionsService, ClientOptions, Upstreams

SEED_CUSTOMER = "cus-outage"
BIG_CUSTOMER = "cus-bighistory"
GOAL_MS = 20.0
SCENARIOS = Path(__file__).resolve().parents[1] / "advisor_tui" / "mock" / "scenarios"
BASE = "http://upstream.invalid"


def service_app(state: MockState) -> httpx.ASGITransport:
    upstreams = Upstreams(
        customers_url=BASE + routes.PREFIXES[Backend.CUSTOMERS],
        faults_url=BASE + routes.PREFIXES[Backend.FAULTS],
        identity_url=BASE + routes.PREFIXES[Backend.IDENTITY],
        options=ClientOptions(transport=httpx.ASGITransport(app=create_mock_app(state))),
    )
    service = ActionsService(upstreams=upstreams, clock=state.clock)
    return httpx.ASGITransport(app=create_app(service))


def history_of(count: int) -> MockState:
    """The 100,000-event customer again, with a history of ``count`` events."""
    scenario = json.loads((SCENARIOS / "large_history.json").read_text(encoding="utf-8"))
    for customer in scenario["customers"]:
        if customer["profile"]["id"] == BIG_CUSTOMER:
            customer["history_generated"]["count"] = count
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small_history.json"
        path.write_text(json.dumps(scenario), encoding="utf-8")
        return load_state([path], include_seed=False)


async def timings_ms(transport: httpx.ASGITransport, customer_id: str, runs: int) -> list[float]:
    url = routes.NEXT_ACTIONS.format(customer_id=customer_id)
    async with httpx.AsyncClient(transport=transport, base_url="http://actions") as client:
        for _ in range(3):  # warm-up: imports, validators, first-call caches
            (await client.get(url)).raise_for_status()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = await client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            response.raise_for_status()
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


async def main(runs: int) -> int:
    seed = load_state()
    seed_times = await timings_ms(service_app(seed), SEED_CUSTOMER, runs)
    big_times = await timings_ms(service_app(seed), BIG_CUSTOMER, runs)
    small_times = await timings_ms(service_app(history_of(10)), BIG_CUSTOMER, runs)
    page_times = await timings_ms(service_app(history_of(1000)), BIG_CUSTOMER, runs)
    seed_p50 = statistics.median(seed_times)
    big_p50, small_p50 = statistics.median(big_times), statistics.median(small_times)
    page_p50 = statistics.median(page_times)
    print(
        f"seed customer {SEED_CUSTOMER}: p50 {seed_p50:.1f} ms, p95 {p95(seed_times):.1f} ms "
        f"service-side over {runs} calls (goal <= {GOAL_MS:g} ms): "
        + ("ok" if seed_p50 <= GOAL_MS else "MISSED")
    )
    print(
        f"100,000-event customer: p50 {big_p50:.1f} ms; with 1,000 events {page_p50:.1f} ms "
        f"(ratio {big_p50 / page_p50:.2f}); with 10 events {small_p50:.1f} ms (ratio "
        f"{big_p50 / small_p50:.2f}, goal <= 1: "
        + ("ok" if big_p50 <= small_p50 * 1.1 else "MISSED, one 200-event page vs 10 events")
        + ")"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few calls only (the test run)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(runs=5 if args.quick else 200)))
