"""Export decisions from the decisions backend as CSV or JSON Lines, one page in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TextIO

from advisor_tui.clients.decisions import DecisionsClient
from advisor_tui.contract import routes
from advisor_tui.contract.decisions import DecisionView
from advisor_tui.store.export import ExportFormat, ExportWriter
from advisor_tui.supervision.chain import chain_intact
from advisor_tui.supervision.filters import DecisionQuery, list_page

# A page of the largest size the backend serves: an export makes the fewest
# round trips while still holding only one page in memory.
EXPORT_PAGE = routes.DECISIONS_PAGE_MAX


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
    newest first, by the one exporter (``store.export``: same CSV columns and
    rules as the local log's export); return how many.

    Streams page by page, so memory stays flat however many match. For CSV
    open ``out`` with ``newline=""`` (the csv module writes CRLF itself).
    Raises the client's ``BackendError`` subclasses if the backend fails
    part-way; what was written before stays written (``open_export`` keeps it
    from becoming a file).
    """
    writer = ExportWriter(out, fmt)
    views = iter_decisions(client, query, page_size=page_size)
    return await writer.write_views(views, chain_intact)
