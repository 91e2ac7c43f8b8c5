"""Follow the decisions waiting for approval, printing each new one as it arrives.

    python examples/tail_approvals.py              # poll every 5 s until Ctrl+C
    python examples/tail_approvals.py --polls 1    # what is pending now, then stop

Signs in with the configured token; against a mock with none configured, as
the demo supervisor. Each poll reads every page of
``decisions.list(DecisionFilters(needs_approval=True, approval=pending))`` and prints the
decisions not seen before, oldest first, like ``tail -f``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from advisor_tui.clients import BackendError, Backends
from advisor_tui.contract import ApprovalState, DecisionFilters, DecisionView, Role
from advisor_tui.formatting import pounds
from advisor_tui.scripting import open_backends
from advisor_tui.text import clean


async def pending(backends: Backends) -> list[DecisionView]:
    views: list[DecisionView] = []
    cursor: str | None = None
    while True:
        page = await backends.decisions.list(
            DecisionFilters(needs_approval=True, approval=ApprovalState.PENDING),
            cursor=cursor,
            limit=200,
        )
        views.extend(page.items)
        if page.next_cursor is None:
            return views
        cursor = page.next_cursor


def describe(view: DecisionView) -> str:
    d = view.decision
    changes = ", ".join(
        f"{name}={pounds(v) if isinstance(v, int) and name.endswith('_pence') else v}"
        for name, v in d.changed_parameters.items()
    )
    return clean(
        f"{d.decided_at:%Y-%m-%d %H:%M}  {d.advisor_id} ({view.team})  {d.customer_id}  "
        f"{d.kind.value} {d.action_label}"
        + (f" [{changes}]" if changes else "")
        + f"  needs a {d.approver_role}  id {d.id}",
        None,
    )


async def tail(interval: float, polls: int | None) -> int:
    seen: set[str] = set()
    async with open_backends(role=Role.SUPERVISOR) as backends:
        done = 0
        while polls is None or done < polls:
            if done:
                await asyncio.sleep(interval)
            views = await pending(backends)
            for view in sorted(views, key=lambda v: v.decision.id):  # ULIDs sort by time
                if view.decision.id not in seen:
                    seen.add(view.decision.id)
                    print(describe(view), flush=True)
            done += 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between polls")
    parser.add_argument("--polls", type=int, default=None, help="stop after this many polls")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(tail(args.interval, args.polls))
    except BackendError as error:
        print(f"failed: {clean(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
