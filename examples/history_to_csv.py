"""Page a customer's whole history into a CSV file, one page in memory at a time.

    python examples/history_to_csv.py cus-outage history.csv
    python examples/history_to_csv.py cus-bighistory big.csv --channel sms

The history backend answers newest first, a page at a time; ``next_cursor``
asks for the next (older) page until there is none. Rows are written as each
page arrives, so 100,000 events cost no more memory than 200. Every cell goes
through ``neutralise_cell``: a summary a backend sent as ``=HYPERLINK(...)``
opens in a spreadsheet as text, not as a formula.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from pathlib import Path

from advisor_tui.clients import BackendError
from advisor_tui.contract import Channel, routes
from advisor_tui.scripting import open_backends
from advisor_tui.store.export import neutralise_cell
from advisor_tui.text import clean

COLUMNS = ["id", "at", "channel", "direction", "handled_by", "via", "summary", "body"]


async def export(customer_id: str, out: Path, channel: Channel | None) -> int:
    rows = 0
    async with open_backends() as backends:
        with out.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(COLUMNS)
            cursor: str | None = None
            while True:
                page = await backends.customers.history(
                    customer_id, cursor=cursor, limit=routes.HISTORY_PAGE_MAX, channel=channel
                )
                for event in page.events:
                    record = event.model_dump(mode="json")
                    writer.writerow([neutralise_cell(record[column] or "") for column in COLUMNS])
                rows += len(page.events)
                if page.next_cursor is None:
                    return rows
                cursor = page.next_cursor


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("customer_id")
    parser.add_argument("output", type=Path, help="CSV file to write")
    parser.add_argument("--channel", choices=[c.value for c in Channel], help="only this channel")
    args = parser.parse_args(argv)
    channel = Channel(args.channel) if args.channel else None
    try:
        rows = asyncio.run(export(args.customer_id, args.output, channel))
    except BackendError as error:
        print(f"export failed: {clean(error)}", file=sys.stderr)
        return 1
    print(f"wrote {rows} events to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
