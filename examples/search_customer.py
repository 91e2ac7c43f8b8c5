"""Search for a customer the way the advisor's search box does, and show who matched.

    python examples/search_customer.py "@ballantyne70"
    python examples/search_customer.py "TW11 9LL Ballantyne"

Uses the app's config and environment (``ADVISOR_TUI_*``); with no backends
configured it answers from the embedded demo mock. Every string from a
backend goes through ``advisor_tui.text.clean`` before it reaches the
terminal, as the app's own screens do.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from advisor_tui.clients import BackendError
from advisor_tui.scripting import open_backends
from advisor_tui.text import clean


async def search(query: str) -> int:
    async with open_backends() as backends:
        result = await backends.customers.search(query)
        if not result.matches:
            print(f"no customer matches {clean(query)!r}")
            return 1
        for match in result.matches:
            profile = await backends.customers.profile(match.id)
            products = ", ".join(clean(p.name) for p in profile.products)
            print(
                f"{clean(match.id)}  {clean(profile.name)}  {clean(profile.postcode)}  "
                f"(matched on {match.matched_on.value})"
            )
            print(f"    products: {products or 'none'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("query", help="account number, phone, email, postcode + surname, @handle")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(search(args.query))
    except BackendError as error:
        print(f"search failed: {clean(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
