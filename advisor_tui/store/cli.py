"""``advisor-tui decisions ...``: the local decision log from a shell.

Each ``cmd_*`` function is one subcommand; ``advisor_tui.cli`` wires them into
argparse. They take the store path and the streams to write to, and return the
process exit code:

====  ==============================================================
code  meaning
====  ==============================================================
0     done: listed, reported, everything delivered, chain intact, exported
1     a problem was found: ``sync`` left decisions undelivered (pending,
      or refused by the server); ``verify`` found a broken record
2     could not run: no store at the path, not a decision store, bad argument
====  ==============================================================

``list`` and ``status`` on a path with no store report an empty log (exit 0):
a fresh install has recorded nothing yet. ``verify`` and ``export`` exit 2
there instead, since an absent log must not read as an intact one. No
read-only command creates, initialises or rewrites a store: an empty (0-byte)
or damaged file is reported (exit 2), never turned into an empty log.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TextIO

from pydantic import ValidationError

from advisor_tui.contract import ChainAuditPage, ChainLinkPage, DecisionKind
from advisor_tui.formatting import LONDON, DisplayTime
from advisor_tui.store.decisions import (
    DecisionStore,
    DeliveryStatus,
    StoreDamaged,
    StoredDecision,
    StoreStatus,
    check_store,
)
from advisor_tui.store.export import FORMATS, ExportFormat, export, open_export
from advisor_tui.store.outbox import DecisionOutbox, DecisionRecorder, DeliveryResult
from advisor_tui.store.server_check import AdvisorCheck
from advisor_tui.store.verify import verify
from advisor_tui.text import clean, fit_cells

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2

KINDS = tuple(k.value for k in DecisionKind)
STATUSES = tuple(s.value for s in DeliveryStatus)


class ClosableRecorder(DecisionRecorder, Protocol):
    """A decisions client the command owns: ``DecisionsClient`` fits."""

    async def aclose(self) -> None: ...


ClientFactory = Callable[[], ClosableRecorder]


class ServiceClient(Protocol):
    """What verify --server and audit need of ``DecisionsClient``."""

    async def chain_links(
        self, advisor_id: str, *, after: int = 0, limit: int = 1000
    ) -> ChainLinkPage: ...

    async def audit(self, *, after: str | None = None, limit: int = 50) -> ChainAuditPage: ...

    async def aclose(self) -> None: ...


# -- list ------------------------------------------------------------------

_LIST_COLUMNS = (
    ("SEQ", 6),
    ("DECIDED", 20),
    ("CUSTOMER", 12),
    ("KIND", 8),
    ("ACTION", 28),
    ("REASON", 18),
    ("APPROVAL", 8),
    ("STATUS", 9),
    ("ID", 26),
)


def cmd_list(
    store_path: Path,
    customer: str | None,
    kind: str | None,
    status: str | None,
    out: TextIO,
    *,
    limit: int = 50,
    err: TextIO = sys.stderr,
    times: DisplayTime = LONDON,
) -> int:
    """Newest first, at most ``limit`` rows, as a fixed-width table; times in ``times``'
    zone, with its abbreviation."""
    problem = _check_filters(kind, status) or (None if limit >= 1 else "--limit must be >= 1")
    if problem:
        print(f"decisions list: {problem}", file=err)
        return EXIT_USAGE
    if not store_path.exists():
        print(f"no decisions recorded yet ({store_path})", file=out)
        return EXIT_OK
    try:
        with DecisionStore(store_path, read_only=True) as store:
            page = store.list(customer_id=customer, kind=kind, status=status, limit=limit)
    except (sqlite3.DatabaseError, StoreDamaged) as exc:
        return _unreadable("list", store_path, exc, err)
    print(_table_row([name for name, _ in _LIST_COLUMNS]), file=out)
    for record in page.items:
        print(_table_row(_list_cells(record, times)), file=out)
    more = f"; more with --limit above {limit}" if page.next_cursor is not None else ""
    print(f"{len(page.items)} decision(s){more}", file=out)
    return EXIT_OK


def _list_cells(record: StoredDecision, times: DisplayTime) -> list[str]:
    try:
        decision = record.decision
    except ValidationError:
        # Listed anyway: hiding a record because someone broke it would be worse.
        action, reason, approval = "(unreadable: run decisions verify)", "", ""
    else:
        action, reason = decision.action_label, decision.reason_code or ""
        approval = "needed" if decision.needs_approval else ""
    return [
        str(record.seq),
        times.stamp(record.decided_at),
        record.customer_id,
        record.kind,
        action,
        reason,
        approval,
        record.status.value,
        record.id,
    ]


def _table_row(cells: list[str]) -> str:
    parts = []
    for (_, width), cell in zip(_LIST_COLUMNS, cells, strict=True):
        # Cleaned first (controls, bidi and zero-width shown as symbols), then
        # fitted by terminal cells so a wide character cannot push a column.
        parts.append(fit_cells(clean(cell, 4 * width), width))
    return "  ".join(parts).rstrip()


# -- status ----------------------------------------------------------------


def cmd_status(
    store_path: Path, out: TextIO, *, err: TextIO = sys.stderr, times: DisplayTime = LONDON
) -> int:
    """Pending, delivered and refused counts and the last delivery error. Exit 0
    whenever the store is readable: this reports, ``sync`` is what signals."""
    if not store_path.exists():
        status = StoreStatus(0, 0, 0, None, None)
    else:
        try:
            with DecisionStore(store_path, read_only=True) as store:
                status = store.status()
        except (sqlite3.DatabaseError, StoreDamaged) as exc:
            return _unreadable("status", store_path, exc, err)
    print(f"store:        {store_path}", file=out)
    print(f"pending:      {status.pending}", file=out)
    print(f"delivered:    {status.delivered}", file=out)
    if status.rejected:
        print(f"refused:      {status.rejected} (the server will not accept these)", file=out)
    print(f"last attempt: {times.stamp(status.last_attempt_at, seconds=True)}", file=out)
    print(f"last error:   {clean(status.last_error or 'none')}", file=out)
    return EXIT_OK


# -- sync ------------------------------------------------------------------


async def sync(store: DecisionStore, client: DecisionRecorder) -> DeliveryResult:
    """One delivery pass now, for callers already inside an event loop."""
    return await DecisionOutbox(store, client).deliver_pending()


def cmd_sync(
    store_path: Path,
    client_factory: ClientFactory,
    out: TextIO,
    *,
    err: TextIO = sys.stderr,
) -> int:
    """Deliver every pending decision now. Exit 1 if any remain undelivered."""
    if not store_path.exists():
        print("nothing to deliver: no decisions recorded yet", file=out)
        return EXIT_OK

    async def run(store: DecisionStore) -> DeliveryResult:
        client = client_factory()
        try:
            return await sync(store, client)
        finally:
            await client.aclose()

    try:
        with DecisionStore(store_path) as store:
            result = asyncio.run(run(store))
            refused = store.status().rejected
    except (sqlite3.DatabaseError, StoreDamaged) as exc:
        return _unreadable("sync", store_path, exc, err)
    print(
        f"delivered {result.delivered}, still pending {result.remaining}, "
        f"refused by the server {refused}",
        file=out,
    )
    if result.last_error:
        print(f"last error: {clean(result.last_error)}", file=err)
    return EXIT_OK if result.remaining == 0 and refused == 0 else EXIT_PROBLEM


# -- verify ----------------------------------------------------------------


def cmd_verify(store_path: Path, out: TextIO, *, err: TextIO = sys.stderr) -> int:
    """Check the hash chain. Exit 0 intact, 1 with the first broken record named."""
    problem = check_store(store_path) if store_path.is_file() else None
    if problem is not None:
        return _unreadable("verify", store_path, StoreDamaged(store_path, problem), err)
    try:
        report = verify(store_path)
    except FileNotFoundError:
        print(f"decisions verify: no decision store at {store_path}", file=err)
        return EXIT_USAGE
    except sqlite3.DatabaseError as exc:
        return _unreadable("verify", store_path, exc, err)
    print(clean(report.describe(), None, multiline=True), file=out)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def cmd_verify_server(
    store_path: Path, client: ServiceClient, out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Compare the log with the service's chain per advisor; exit 1 naming the first
    differing sequence of any advisor whose records differ."""
    from advisor_tui.store.server_check import check_against_server

    async def run() -> list[AdvisorCheck]:
        try:
            store = DecisionStore(store_path)
            try:
                records = list(store.iter_all())
            finally:
                store.close()
            return await check_against_server(records, client)
        finally:
            await client.aclose()

    checks = asyncio.run(run())
    for check in checks:
        print(clean(check.describe(), None), file=out)
    if not checks:
        print("no local decisions to compare with the server", file=out)
    return EXIT_OK if all(c.ok for c in checks) else EXIT_PROBLEM


def cmd_audit(client: ServiceClient, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """The service recomputes each advisor's chain from its stored bytes; one line per
    advisor; exit 1 if any chain is broken."""
    from advisor_tui.clients.errors import BackendError

    async def run() -> list[str]:
        lines: list[str] = []
        broken = 0
        after: str | None = None
        try:
            while True:
                page = await client.audit(after=after, limit=100)
                for item in page.items:
                    state = (
                        "intact"
                        if item.first_broken is None
                        else f"BROKEN at sequence {item.first_broken}"
                    )
                    broken += item.first_broken is not None
                    lines.append(
                        f"{item.advisor_id}: {state}: {item.count} records chain, "
                        f"{item.refused_links} refused links; {item.detail}"
                    )
                if page.next_after is None:
                    break
                after = page.next_after
        finally:
            await client.aclose()
        lines.append(f"{len(lines)} advisors audited, {broken} broken")
        return lines

    try:
        lines = asyncio.run(run())
    except BackendError as exc:
        print(f"decisions audit: {exc}", file=err)
        return EXIT_PROBLEM
    for line in lines:
        print(clean(line, None), file=out)
    return EXIT_PROBLEM if "BROKEN" in " ".join(lines) else EXIT_OK


# -- export ----------------------------------------------------------------


def cmd_export(
    store_path: Path,
    fmt: str,
    output: Path | None,
    out: TextIO,
    *,
    customer: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    err: TextIO = sys.stderr,
) -> int:
    """Stream the log as CSV or JSON Lines to ``out``, or to ``output`` if given.

    A file is written beside its final name and renamed into place at the end,
    so an interrupted export never leaves half a file that looks complete.
    """
    problem = _check_filters(kind, status)
    if fmt not in FORMATS:
        problem = f"--format must be one of {', '.join(FORMATS)}"
    if problem:
        print(f"decisions export: {problem}", file=err)
        return EXIT_USAGE
    export_fmt: ExportFormat = "csv" if fmt == "csv" else "jsonl"
    if not store_path.is_file():
        print(f"decisions export: no decision store at {store_path}", file=err)
        return EXIT_USAGE
    problem = check_store(store_path)
    if problem is not None:
        return _unreadable("export", store_path, StoreDamaged(store_path, problem), err)
    try:
        if output is None:
            export(store_path, export_fmt, out, customer_id=customer, kind=kind, status=status)
            return EXIT_OK
        n = _export_to_file(store_path, export_fmt, output, customer, kind, status)
    except sqlite3.DatabaseError as exc:
        return _unreadable("export", store_path, exc, err)
    print(f"exported {n} decision(s) to {output}", file=err)
    return EXIT_OK


def _export_to_file(
    store_path: Path,
    fmt: ExportFormat,
    output: Path,
    customer: str | None,
    kind: str | None,
    status: str | None,
) -> int:
    with open_export(output) as f:
        return export(store_path, fmt, f, customer_id=customer, kind=kind, status=status)


# -- shared ----------------------------------------------------------------


def _check_filters(kind: str | None, status: str | None) -> str | None:
    if kind is not None and kind not in KINDS:
        return f"--kind must be one of {', '.join(KINDS)}"
    if status is not None and status not in STATUSES:
        return f"--status must be one of {', '.join(STATUSES)}"
    return None


def _unreadable(
    command: str, path: Path, exc: sqlite3.DatabaseError | StoreDamaged, err: TextIO
) -> int:
    what = exc.problem if isinstance(exc, StoreDamaged) else str(exc)
    print(
        clean(f"decisions {command}: cannot read the decision store at {path}: {what}", None),
        file=err,
    )
    return EXIT_USAGE
