"""Export decisions from the decisions backend as CSV or JSON Lines, one page in memory."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from typing import Any, TextIO

from advisor_tui.clients.decisions import DecisionsClient
from advisor_tui.contract import routes
from advisor_tui.contract.decisions import DecisionView
from advisor_tui.store.export import FORMATS, ExportFormat, compact_json, neutralise_cell
from advisor_tui.supervision.chain import chain_intact
from advisor_tui.supervision.filters import DecisionQuery, list_page

# A page of the largest size the backend serves: an export makes the fewest
# round trips while still holding only one page in memory.
EXPORT_PAGE = routes.DECISIONS_PAGE_MAX


SERVER_CSV_COLUMNS = (
    "id",
    "decided_at",
    "advisor_id",
    "team",
    "customer_id",
    "kind",
    "action_id",
    "action_kind",
    "action_label",
    "process_step_id",
    "process_step_version",
    "process_step_title",
    "process_step_outcome",
    "proposed_parameters",
    "changed_parameters",
    "alternative",
    "reason_code",
    "free_text",
    "situation",
    "needs_approval",
    "approver_role",
    "approval",
    "review_state",
    "reviews",
    "last_verdict",
    "last_reviewer",
    "last_note",
    "server_sequence",
    "prev_hash",
    "hash",
    "chain",
)


def server_csv_row(view: DecisionView) -> list[str]:
    """One decision as CSV cells, every cell through the spreadsheet-formula gate:
    free text, parameters and situation facts are typed by people."""
    d = view.decision
    step = d.process_step
    last = view.reviews[-1] if view.reviews else None
    cells: list[object] = [
        d.id,
        d.decided_at.isoformat(),
        d.advisor_id,
        view.team,
        d.customer_id,
        d.kind.value,
        d.action_id,
        d.action_kind.value,
        d.action_label,
        step.id,
        step.version,
        step.title,
        step.outcome or "",
        compact_json(d.proposed_parameters) if d.proposed_parameters else "",
        compact_json(d.changed_parameters) if d.changed_parameters else "",
        d.alternative or "",
        d.reason_code or "",
        d.free_text or "",
        "; ".join(d.situation),
        "yes" if d.needs_approval else "no",
        d.approver_role.value if d.approver_role else "",
        view.approval.value,
        view.review_state.value,
        len(view.reviews),
        last.verdict.value if last else "",
        last.reviewer_id if last else "",
        last.note if last else "",
        view.receipt.sequence,
        view.receipt.prev_hash,
        view.receipt.hash,
        "ok" if chain_intact(view) else "BROKEN",
    ]
    return [neutralise_cell(str(c)) for c in cells]


def server_jsonl_record(view: DecisionView) -> dict[str, Any]:
    """The whole view as the server sent it, plus the chain check made here."""
    record: dict[str, Any] = view.model_dump(mode="json")
    record["chain"] = "ok" if chain_intact(view) else "BROKEN"
    return record


async def iter_decisions(
    client: DecisionsClient, query: DecisionQuery, *, page_size: int = EXPORT_PAGE
) -> AsyncIterator[DecisionView]:
    """Every matching decision, newest first, one page in memory at a time.

    Keyset paging (the cursor is the last id seen) means decisions recorded
    while this runs never shift a page or appear twice.
    """
    cursor: str | None = None
    while True:
        page = await list_page(client, query, cursor=cursor, limit=page_size)
        for view in page.items:
            yield view
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


async def export_server(
    client: DecisionsClient,
    query: DecisionQuery,
    fmt: ExportFormat,
    out: TextIO,
    *,
    page_size: int = EXPORT_PAGE,
) -> int:
    """Write every decision matching ``query`` from the decisions backend to ``out``,
    newest first, as CSV (with a header) or JSON Lines; return how many.

    Streams page by page, so memory stays flat however many match. For CSV
    open ``out`` with ``newline=""`` (the csv module writes CRLF itself).
    Raises the client's ``BackendError`` subclasses if the backend fails
    part-way; what was written before stays written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    n = 0
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(SERVER_CSV_COLUMNS)
        async for view in iter_decisions(client, query, page_size=page_size):
            writer.writerow(server_csv_row(view))
            n += 1
    else:
        async for view in iter_decisions(client, query, page_size=page_size):
            out.write(compact_json(server_jsonl_record(view)))
            out.write("\n")
            n += 1
    return n
