"""List every customer whose fault ETA moved more than twice.

    python examples/eta_moved.py                 # sweep the directory by name
    python examples/eta_moved.py "TW11 9LL"      # or only who these searches find
    python examples/eta_moved.py --min-moves 1 --json

The customers backend has no "list everyone" call, only search, so the
customers are whoever the given searches find; with none, a sweep of name
searches (every vowel) finds anyone with a vowel in their name. Fault status
is then fetched for each customer concurrently (a few at a time, so a real
backend is not flooded), and a fault counts when its ETA history holds more
than ``--min-moves`` changes after the first promise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from advisor_tui.clients import BackendError, Backends, NotFound
from advisor_tui.contract import CustomerSummary, Fault
from advisor_tui.scripting import open_backends
from advisor_tui.scripting.jsonout import dumps
from advisor_tui.text import clean

SWEEP = ["a", "e", "i", "o", "u"]
AT_ONCE = 8


async def customers(backends: Backends, queries: list[str]) -> dict[str, CustomerSummary]:
    found: dict[str, CustomerSummary] = {}
    for query in queries:
        result = await backends.customers.search(query)
        found.update({match.id: match for match in result.matches})
    return found


async def moved_faults(
    backends: Backends, customer_id: str, more_than: int, gate: asyncio.Semaphore
) -> list[Fault]:
    async with gate:
        try:
            status = await backends.faults.status(customer_id)
        except NotFound:  # known to customers, unknown to faults: nothing to report
            return []
    return [fault for fault in status.faults if fault.eta_moves > more_than]


async def report(queries: list[str], more_than: int, as_json: bool) -> int:
    async with open_backends() as backends:
        found = await customers(backends, queries)
        gate = asyncio.Semaphore(AT_ONCE)
        ids = sorted(found)
        results = await asyncio.gather(
            *(moved_faults(backends, cid, more_than, gate) for cid in ids)
        )
    hits = 0
    for customer_id, faults in zip(ids, results, strict=True):
        for fault in faults:
            hits += 1
            who = found[customer_id]
            if as_json:
                print(dumps({"customer": who, "fault": fault, "eta_moves": fault.eta_moves}))
                continue
            slip_hours = fault.eta_slip.total_seconds() / 3600
            print(
                f"{clean(customer_id)}  {clean(who.name)}: {clean(fault.id)} ETA moved "
                f"{fault.eta_moves} times (+{slip_hours:.0f} h): {clean(fault.summary)}"
            )
    print(f"{hits} faults among {len(found)} customers searched", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("queries", nargs="*", help="searches that find the customers to check")
    parser.add_argument(
        "--min-moves", type=int, default=2, help="report ETAs moved more than this (default 2)"
    )
    parser.add_argument("--json", action="store_true", help="JSON Lines instead of text")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(report(args.queries or SWEEP, args.min_moves, args.json))
    except BackendError as error:
        print(f"failed: {clean(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
