"""How long a customer whose data is huge or hostile takes to open, against a normal one.

A broken or hostile backend can put a 50,000-line string or a 1 MB line in any
text field. The contract bounds every string (ids 100, lines 500, prose 10,000
characters), so such an answer is refused as "bad data" in that panel; within
the bounds, every panel must still bound what it shows. Four customers, all
copies of the seed outage customer:

- the normal one;
- every string (but lookup keys) at its contract maximum, as short lines each
  holding an escape sequence, in the profile, 50 history events, the fault
  status and its area incidents;
- an address line and every history body a 50,000-line string (over the
  bound: the mock's own response check refuses to serve it, so the profile
  and history panels show an error);
- the same with a 1,000,000-character line.

Prints, for each, the time from "open customer" to every panel settled (ready,
or showing its error), the median of several opens against the demo backends
on loopback, its ratio to the normal customer (goal <= 2), and each panel's
final state.

Run: ``python benchmarks/hostile_customer.py`` (``--quick``: 2 runs and a
5,000-line / 100,000-character oversize, for the test suite).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import typing
from collections.abc import Iterable
from enum import Enum
from typing import Any

from annotated_types import MaxLen
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from advisor_tui.app import AdvisorApp
from advisor_tui.clients import Backends
from advisor_tui.config import Settings
from advisor_tui.demo import create_demo_app
from advisor_tui.mock.history import ListHistory
from advisor_tui.mock.scenario import load_state
from advisor_tui.mock.server import BackgroundServer
from advisor_tui.mock.state import CustomerRecord, MockState
from advisor_tui.session import RunKind, RunMode, Session
from advisor_tui.widgets import BackendPanel

PANELS = ("customer", "history", "faults", "actions")
SOURCE = "cus-outage"
HOSTILE_ID = "cus-hostile-bench"
HOSTILE_ACCOUNT = "6666 0000 67"


# Fields the mock looks customers and faults up by: kept, so the copy opens.
KEEP = {"id", "customer_id", "account_number", "postcode", "product_ids", "fault_id", "incident_id"}


def filler(limit: int, *, n_lines: int | None = None) -> str:
    """Text of ``limit`` characters: short lines with an escape in each, the
    worst shape for a panel that forgets to bound lines."""
    text = "".join(f"line {i} \x1b[2J\n" for i in range(n_lines or limit // 8 + 1))
    return text if n_lines else text[:limit]


def _limit(meta: Iterable[Any]) -> int | None:
    for m in meta:
        if isinstance(m, MaxLen):
            return int(m.max_length)
        if isinstance(m, FieldInfo):  # Annotated[str, Field(max_length=...)]
            found = _limit(m.metadata)
            if found is not None:
                return found
    return None


def _union_limit(annotation: Any) -> int | None:
    """The bound inside ``Annotated[str, ...] | None``, if any."""
    for arm in typing.get_args(annotation):
        if typing.get_origin(arm) is typing.Annotated:
            return _limit(typing.get_args(arm)[1:])
    return None


def _item_limit(annotation: Any) -> int | None:
    """The bound on each item of ``list[Annotated[str, ...]]``, if any."""
    args = typing.get_args(annotation)
    item = args[0] if args else None
    if typing.get_origin(item) is typing.Annotated:
        return _limit(typing.get_args(item)[1:])
    return None


def stretch(value: Any, limit: int | None = None, oversize: str | None = None) -> Any:
    """``value`` with every string (not the lookup keys) at its contract maximum,
    or replaced by ``oversize`` when given (more than the contract allows)."""
    if isinstance(value, BaseModel):
        updates = {}
        for name, info in type(value).model_fields.items():
            if name in KEEP:
                continue
            field = getattr(value, name)
            if isinstance(field, list):
                item = _item_limit(info.annotation)
                updates[name] = [stretch(v, item, oversize) for v in field]
            else:
                bound = _limit(info.metadata) or _union_limit(info.annotation)
                updates[name] = stretch(field, bound, oversize)
        return value.model_copy(update=updates)
    if isinstance(value, Enum) or not isinstance(value, str):
        return value
    return oversize if oversize is not None else filler(limit or 500)


def plant(state: MockState, oversize: str | None) -> str:
    """Add a copy of the outage customer with stretched text; return its account."""
    source = state.customers[SOURCE]
    suffix = "oversize" if oversize else "limits"
    customer_id = f"cus-bench-{suffix}"
    account = "6666 0000 68" if oversize else "6666 0000 67"
    profile = stretch(source.profile, oversize=oversize).model_copy(
        update={"id": customer_id, "account_number": account}
    )
    events = [
        stretch(e, oversize=oversize).model_copy(update={"customer_id": customer_id})
        for e in source.history.latest(50)
    ]
    status = source.fault_status
    assert status is not None
    status = stretch(status, oversize=oversize).model_copy(update={"customer_id": customer_id})
    for incident in status.incidents:
        state.incidents[incident.id] = stretch(incident, oversize=oversize)
    state.customers[customer_id] = CustomerRecord(
        profile=profile,
        history=ListHistory(events),
        fault_status=status,
        process_outcomes=source.process_outcomes,
    )
    return account


def states(app: AdvisorApp) -> list[str]:
    return [app.screen.query_one(f"#{p}", BackendPanel).state for p in PANELS]


def settled(app: AdvisorApp) -> bool:
    return all(state in ("ready", "error") for state in states(app))


async def open_times(base_url: str, account: str, runs: int) -> tuple[list[float], list[str]]:
    settings = Settings(token=SecretStr("demo-advisor"))
    backends = Backends.from_settings(settings, base_url=base_url)
    app = AdvisorApp(Session(backends=backends, mode=RunMode(RunKind.TEST, "benchmark")))
    times: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        for _ in range(runs):
            screen: Any = app.screen
            summary = (await backends.customers.search(account)).matches[0]
            start = time.perf_counter()
            screen.open_customer(summary)
            await pilot.pause()
            while not settled(app):
                if time.perf_counter() - start > 120:
                    raise TimeoutError(f"{account} did not open within 120 s")
                await asyncio.sleep(0.002)
            await pilot.pause()  # and painted
            times.append(time.perf_counter() - start)
        final = states(app)
    return times, final


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller oversize")
    args = parser.parse_args(argv)
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    runs, n_lines, line_bytes = (2, 5_000, 100_000) if args.quick else (5, 50_000, 1_000_000)
    state = load_state()
    normal_account = state.customers[SOURCE].profile.account_number
    limits_account = plant(state, None)
    lines_account = plant_oversize(state, filler(0, n_lines=n_lines), "6666 0000 69")
    line_account = plant_oversize(state, "B" * line_bytes, "6666 0000 70")
    with BackgroundServer(create_demo_app(state)) as server:
        normal, normal_states = asyncio.run(open_times(server.base_url, normal_account, runs))
        rows = [("normal customer", normal, normal_states)]
        for label, account in (
            ("every string at its contract limit, newline-heavy", limits_account),
            (f"{n_lines:,}-line strings (over the contract limit)", lines_account),
            (f"{line_bytes:,}-character lines (over the contract limit)", line_account),
        ):
            times, final = asyncio.run(open_times(server.base_url, account, runs))
            rows.append((label, times, final))
    base = statistics.median(normal)
    worst = 0.0
    for label, times, final in rows:
        median = statistics.median(times)
        worst = max(worst, median / base)
        panels = ", ".join(f"{p} {s}" for p, s in zip(PANELS, final, strict=True))
        print(
            f"{label}: opens in {median * 1000:.0f} ms (median of {runs}), "
            f"{median / base:.2f}x normal [{panels}]"
        )
    print(f"worst ratio hostile/normal {worst:.2f} (goal <= 2)")
    return 0


def plant_oversize(state: MockState, text: str, account: str) -> str:
    customer_id = f"cus-bench-{account[-2:]}"
    source = state.customers[SOURCE]
    # Not in the name: search results carry it, and the mock would refuse the
    # search itself; an address line reaches the profile only.
    profile = source.profile.model_copy(
        update={"id": customer_id, "account_number": account, "address": [text]}
    )
    events = [
        e.model_copy(update={"customer_id": customer_id, "body": text})
        for e in source.history.latest(50)
    ]
    status = source.fault_status
    assert status is not None
    status = status.model_copy(update={"customer_id": customer_id})
    state.customers[customer_id] = CustomerRecord(
        profile=profile,
        history=ListHistory(events),
        fault_status=status,
        process_outcomes=source.process_outcomes,
    )
    return account


if __name__ == "__main__":
    sys.exit(main())
