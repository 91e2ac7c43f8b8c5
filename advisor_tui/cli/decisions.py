"""``advisor-tui decisions``: the local decision log (list, status, sync, verify,
export) and the decisions service's view of it (audit, export --source server)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from advisor_tui.cli._common import UsageError, _mock_url, _settings, _store_path
from advisor_tui.config import Settings
from advisor_tui.contract import ApprovalState, DecisionKind, ReviewState


def _add_mock_url(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--base-url",
        "--mock-url",
        dest="base_url",
        type=_mock_url,
        default=None,
        metavar="URL",
        help=f"{what} a running 'advisor-tui mock serve' at URL (its root) instead of config",
    )


def add_decisions_parser(sub: Any) -> None:
    decisions = sub.add_parser(
        "decisions", help="the local decision log: list, status, sync, verify, export"
    )
    decisions.add_argument(
        "--store",
        type=Path,
        default=None,
        metavar="PATH",
        help="decision store file (default: the one in the user data directory)",
    )
    decisions.add_argument(
        "--demo", action="store_true", help="use the demo's decision store instead of the live one"
    )
    dsub = decisions.add_subparsers(dest="decisions_command", metavar="COMMAND", required=True)
    kinds = [k.value for k in DecisionKind]
    listing = dsub.add_parser("list", help="list recorded decisions, newest first")
    listing.add_argument("--customer", help="only this customer id")
    listing.add_argument("--kind", choices=kinds, help="only this kind")
    listing.add_argument("--status", choices=["pending", "delivered", "rejected"])
    listing.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    dsub.add_parser("status", help="pending count and the last delivery error")
    sync = dsub.add_parser("sync", help="deliver pending decisions now; exit 1 if any remain")
    _add_mock_url(sync, "deliver to")
    verify = dsub.add_parser(
        "verify", help="check the hash chain; exit 1 naming the first broken record"
    )
    verify.add_argument(
        "--server",
        default=None,
        metavar="URL",
        help="also compare with the decisions service's chain at URL, sequence by sequence",
    )
    audit = dsub.add_parser(
        "audit", help="have the decisions service recompute every advisor's chain (reviewers)"
    )
    audit.add_argument("--server", required=True, metavar="URL", help="the decisions service")
    export = dsub.add_parser(
        "export",
        help="export decisions as CSV or JSON Lines, from the local log or the decisions backend",
    )
    export.add_argument("--format", choices=["csv", "jsonl"], default="csv", help="default csv")
    export.add_argument("--output", type=Path, default=None, metavar="PATH", help="default stdout")
    export.add_argument(
        "--source",
        choices=["local", "server"],
        default="local",
        help="local: this machine's log (default); server: the decisions backend, as a "
        "supervisor sees it, with the review screen's filters",
    )
    _add_mock_url(export, "server:")
    export.add_argument("--customer", help="only this customer id")
    export.add_argument("--kind", choices=kinds, help="only this kind")
    export.add_argument("--status", choices=["pending", "delivered", "rejected"], help="local only")
    export.add_argument("--advisor", help="server: only this advisor id")
    export.add_argument("--team", help="server: only this team")
    export.add_argument("--step", help="server: only this process step id")
    export.add_argument("--reason", help="server: only this reason code")
    export.add_argument(
        "--needs-approval", action="store_true", default=None, help="server: only those"
    )
    export.add_argument(
        "--approval", choices=[a.value for a in ApprovalState], help="server: approval state"
    )
    export.add_argument(
        "--review-state", choices=[r.value for r in ReviewState], help="server: review state"
    )
    export.add_argument("--since", metavar="YYYY-MM-DD", help="server: from this day")
    export.add_argument("--until", metavar="YYYY-MM-DD", help="server: to this day, inclusive")


def cmd_decisions(args: argparse.Namespace) -> int:
    from advisor_tui.store import cli as store_cli

    settings = _settings(args)
    store_path = args.store or _store_path(settings, demo=args.demo)
    command = args.decisions_command
    reads_store = not (command == "export" and args.source == "server")
    if args.store is not None and reads_store and not args.store.exists():
        # A path given by hand that is not there is a mistake (a typo, a
        # missing mount), not an empty log: say so instead of reporting nothing.
        raise UsageError(f"decisions {command}: no decision store at {args.store}")
    if command == "list":
        return store_cli.cmd_list(
            store_path,
            args.customer,
            args.kind,
            args.status,
            sys.stdout,
            limit=args.limit,
            times=settings.display.times,
        )
    if command == "status":
        return store_cli.cmd_status(store_path, sys.stdout, times=settings.display.times)
    if command == "verify":
        local = store_cli.cmd_verify(store_path, sys.stdout)
        if args.server is None or local == store_cli.EXIT_USAGE:
            return local
        server = store_cli.cmd_verify_server(store_path, _service_client(args.server, settings))
        return max(local, server)
    if command == "audit":
        return store_cli.cmd_audit(_service_client(args.server, settings))
    if command == "export" and args.source == "server":
        return _export_from_server(args, settings)
    if command == "export":
        return store_cli.cmd_export(
            store_path,
            args.format,
            args.output,
            sys.stdout,
            customer=args.customer,
            kind=args.kind,
            status=args.status,
        )

    return store_cli.cmd_sync(store_path, lambda: _decisions_client(args, settings), sys.stdout)


def _decisions_client(args: argparse.Namespace, settings: Settings) -> Any:
    from advisor_tui.clients import Backends

    if args.base_url is None and settings.is_demo:
        raise UsageError(
            f"decisions {args.decisions_command}: no decisions backend configured; pass "
            "--mock-url (e.g. a running advisor-tui mock serve), or use the demo's screens"
        )
    return Backends.from_settings(settings, base_url=args.base_url).decisions


def _service_client(url: str, settings: Settings) -> Any:
    """A client for the decisions service at ``url`` itself (not a mock-style base)."""
    from advisor_tui.clients import DecisionsClient, http_timeout, retry_policy

    return DecisionsClient(
        url, token=settings.token, timeout=http_timeout(settings), retry=retry_policy(settings)
    )


def _export_from_server(args: argparse.Namespace, settings: Settings) -> int:
    """Stream the backend's decisions page by page (memory stays flat), written
    beside the target and renamed at the end so a failed export leaves no file."""
    import asyncio

    from advisor_tui.clients import BackendError
    from advisor_tui.store.export import open_export
    from advisor_tui.supervision import DecisionQuery, day_bounds, export_server, parse_day

    try:
        since, until = day_bounds(
            parse_day(args.since or "", "since"), parse_day(args.until or "", "until")
        )
    except ValueError as error:
        raise UsageError(f"decisions export: {error}") from None
    query = DecisionQuery(
        advisor_id=args.advisor,
        team=args.team,
        customer_id=args.customer,
        kind=DecisionKind(args.kind) if args.kind else None,
        step_id=args.step,
        reason_code=args.reason,
        needs_approval=args.needs_approval,
        approval=ApprovalState(args.approval) if args.approval else None,
        review_state=ReviewState(args.review_state) if args.review_state else None,
        since=since,
        until=until,
    )
    client = _decisions_client(args, settings)

    async def run(out: Any) -> int:
        try:
            rows: int = await export_server(client, query, args.format, out)
            return rows
        finally:
            await client.aclose()

    try:
        if args.output is None:
            rows = asyncio.run(run(sys.stdout))
        else:
            with open_export(args.output.resolve()) as out:
                rows = asyncio.run(run(out))
    except BackendError as error:
        print(f"decisions export: {error}", file=sys.stderr)
        return 1
    print(f"exported {rows} decisions ({query.describe() or 'no filters'})", file=sys.stderr)
    return 0
