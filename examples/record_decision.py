"""Record an advisor's decision on a next action, safely repeatable by its idempotency key.

    python examples/record_decision.py cus-outage goodwill_credit accept
    python examples/record_decision.py cus-outage goodwill_credit override \\
        --reason customer_circumstances --note "third missed ETA" --set amount_pence=20.00
    python examples/record_decision.py --resend decision-01JX....json   # retry it

A decision's ``id`` is a ULID chosen here, and the decisions backend treats it
as the idempotency key: the same decision sent again (a retry after a lost
answer) gets the first receipt back, never a second record; the same id with
a different body is refused (409). So the record is saved to a file *before*
it is sent, and a retry resends that file byte for byte (``--resend``, or
``advisor-tui call decisions record --file``). ``advisor_tui.deciding`` builds
the record with the screen's own rules (reason codes, approval limits).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from advisor_tui.clients import BackendError, Backends
from advisor_tui.contract import ActionKind, Decision, DecisionKind, NextAction, ParamValue
from advisor_tui.deciding import InputError, build_decision, parse_parameter
from advisor_tui.scripting import open_backends
from advisor_tui.text import clean


def parse_settings(action: NextAction, settings: list[str]) -> dict[str, ParamValue]:
    """``NAME=VALUE`` as the screen's form reads it (money in pounds, yes/no, ISO times)."""
    changed: dict[str, ParamValue] = {}
    for text in settings:
        name, _, raw = text.partition("=")
        spec = action.parameter(name)
        if spec is None:
            known = ", ".join(p.name for p in action.parameters) or "none"
            raise InputError(name, f"{action.kind.value} has no parameter {name!r} ({known})")
        changed[name] = parse_parameter(spec, raw)
    return changed


async def decide(backends: Backends, args: argparse.Namespace) -> Decision | None:
    advisor = await backends.identity.me()
    actions = await backends.actions.next_actions(args.customer_id)
    action = next((a for a in actions.actions if a.kind.value == args.action), None)
    if action is None:
        offered = ", ".join(a.kind.value for a in actions.actions)
        print(f"no {args.action} action for this customer (offered: {offered})", file=sys.stderr)
        return None
    try:
        return build_decision(
            advisor=advisor,
            customer_id=args.customer_id,
            action=action,
            kind=DecisionKind(args.kind),
            reason_code=args.reason,
            free_text=args.note,
            changed=parse_settings(action, args.set),
            codes=await backends.actions.reason_codes(),
        )
    except InputError as error:
        print(f"{clean(error.field)}: {clean(error)}", file=sys.stderr)
        return None


async def record(args: argparse.Namespace) -> int:
    async with open_backends() as backends:
        if args.resend is not None:
            saved = args.resend
            decision = Decision.model_validate_json(saved.read_text(encoding="utf-8"))
        else:
            made = await decide(backends, args)
            if made is None:
                return 2
            decision = made
            saved = args.save or Path(f"decision-{decision.id}.json")
            saved.write_text(decision.model_dump_json(), encoding="utf-8")
        print(f"decision {decision.id}, saved in {saved} (--resend {saved} retries it)")
        receipt = await backends.decisions.record(decision)
        print(f"recorded: #{receipt.sequence} in {clean(receipt.advisor_id)}'s chain")
        again = await backends.decisions.record(decision)
        same = "the same receipt" if again == receipt else "A DIFFERENT RECEIPT"
        print(f"sent again with the same id: {same} (hash {receipt.hash[:12]})")
        if decision.needs_approval and decision.approver_role is not None:
            print(f"waits for a {decision.approver_role.value}'s approval")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("customer_id", nargs="?")
    parser.add_argument("action", nargs="?", choices=[k.value for k in ActionKind])
    parser.add_argument("kind", nargs="?", choices=[k.value for k in DecisionKind])
    parser.add_argument("--reason", help="reason code (decline and override need one)")
    parser.add_argument("--note", default="", help="free text")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="override a parameter"
    )
    parser.add_argument("--save", type=Path, help="where to keep the record before sending it")
    parser.add_argument("--resend", type=Path, metavar="FILE", help="send a saved record again")
    args = parser.parse_args(argv)
    if args.resend is None and not (args.customer_id and args.action and args.kind):
        parser.error("give CUSTOMER_ID ACTION KIND, or --resend FILE")
    try:
        return asyncio.run(record(args))
    except BackendError as error:
        print(f"not recorded: {clean(error)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
