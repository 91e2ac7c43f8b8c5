"""Actions service figures: service-side time for one customer's actions.

The standalone service (``advisor_tui.services.actions``) reads the mock's
customers, history and faults in process with the backends at zero latency:
each distinct upstream request is answered by the mock once and replayed from
then on (``Replay``), so the figure is the service's own work: its upstream
calls through the clients (requests built, answers validated and made safe),
the rules, and its answer. Without the replay the 100,000-event customer's
figure was mostly the mock generating events on demand, not the service.

Prints:
- a seed customer's actions (the outage customer), p50 / p95 (goal <= 20 ms);
- the 100,000-event customer against the same customer with 10 and with 1,000
  events, p50 each and the ratios (goal: no slower than 10 events). The service
  reads one short page of the newest events (50) and one of the newest
  complaints (20) whatever the history's size. The calls alternate between the
  customers compared, so a busy machine slows both alike.

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


class Replay(httpx.AsyncBaseTransport):
    """Backends at zero latency: each distinct request is asked of the mock once, and
    its answer (status, headers, body bytes) replayed from then on. What remains is
    the service's own work: building requests, reading and validating answers
    through the clients, the rules, and its own answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.answers: dict[tuple[str, str], tuple[int, list[tuple[bytes, bytes]], bytes]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.method, str(request.url))
        if key not in self.answers:
            response = await self.inner.handle_async_request(request)
            body = await response.aread()
            self.answers[key] = (response.status_code, list(response.headers.raw), body)
        status, headers, body = self.answers[key]
        return httpx.Response(status, headers=headers, content=body, request=request)


def service_app(state: MockState) -> httpx.ASGITransport:
    upstreams = Upstreams(
        customers_url=BASE + routes.PREFIXES[Backend.CUSTOMERS],
        faults_url=BASE + routes.PREFIXES[Backend.FAULTS],
        identity_url=BASE + routes.PREFIXES[Backend.IDENTITY],
        options=ClientOptions(transport=Replay(httpx.ASGITransport(app=create_mock_app(state)))),
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


async def timings_ms(
    transports: dict[str, httpx.ASGITransport], customer_id: str, runs: int
) -> dict[str, list[float]]:
    """``runs`` timed calls per transport, alternating between them."""
    url = routes.NEXT_ACTIONS.format(customer_id=customer_id)
    clients = {
        name: httpx.AsyncClient(transport=t, base_url="http://actions")
        for name, t in transports.items()
    }
    times: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for client in clients.values():
            for _ in range(3):  # warm-up: imports, validators, the replay's first asks
                (await client.get(url)).raise_for_status()
        for _ in range(runs):
            for name, client in clients.items():
                start = time.perf_counter()
                response = await client.get(url)
                times[name].append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
    finally:
        for client in clients.values():
            await client.aclose()
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


async def main(runs: int) -> int:
    seed = load_state()
    seed_times = (await timings_ms({"seed": service_app(seed)}, SEED_CUSTOMER, runs))["seed"]
    sized = await timings_ms(
        {
            "big": service_app(seed),
            "small": service_app(history_of(10)),
            "page": service_app(history_of(1000)),
        },
        BIG_CUSTOMER,
        runs,
    )
    seed_p50 = statistics.median(seed_times)
    big_p50, small_p50 = statistics.median(sized["big"]), statistics.median(sized["small"])
    page_p50 = statistics.median(sized["page"])
    print(
        f"seed customer {SEED_CUSTOMER}: p50 {seed_p50:.1f} ms, p95 {p95(seed_times):.1f} ms "
        f"service-side over {runs} calls (goal <= {GOAL_MS:g} ms): "
        + ("ok" if seed_p50 <= GOAL_MS else "MISSED")
    )
    print(
        f"100,000-event customer: p50 {big_p50:.1f} ms; with 1,000 events {page_p50:.1f} ms "
        f"(ratio {big_p50 / page_p50:.2f}); with 10 events {small_p50:.1f} ms (ratio "
        f"{big_p50 / small_p50:.2f}, goal <= 1: "
        + ("ok" if big_p50 <= small_p50 * 1.1 else "MISSED")
        + ")"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few calls only (the test run)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(runs=5 if args.quick else 200)))
