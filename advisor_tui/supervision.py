"""Supervisor review without a UI: filters, chain checks, figures and server-side export.

The review screen and the ``decisions export --source server`` command share
this module, so a filter means the same thing on screen and in a spreadsheet.
No Textual here.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from advisor_tui.clients.decisions import DecisionsClient
from advisor_tui.contract import routes
from advisor_tui.contract.actions import ParamValue
from advisor_tui.contract.decisions import (
    ChainHead,
    Decision,
    DecisionFilters,
    DecisionKind,
    DecisionPage,
    DecisionStats,
    DecisionView,
    RateBucket,
    RepeatedOverride,
    chain_hash,
)
from advisor_tui.formatting import pounds
from advisor_tui.store.export import FORMATS, ExportFormat, neutralise_cell

# The figures' periods, cycled by a key on the review screen.
PERIODS: tuple[int, ...] = (7, 30, 90)

CHAIN_OK = "chain OK"
CHAIN_BROKEN = "chain BROKEN"

# A page of the largest size the backend serves: an export makes the fewest
# round trips while still holding only one page in memory.
EXPORT_PAGE = routes.DECISIONS_PAGE_MAX


# -- filters ------------------------------------------------------------------


class DecisionQuery(DecisionFilters):
    """The contract's decision filters, as the review screen and export use them.

    ``until`` is exclusive, as the backend reads it; ``day_bounds`` turns the
    inclusive dates a person types into these bounds.
    """

    def describe(self) -> str:
        """The filters in force, as one line: 'kind override · step goodwill'."""
        parts: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, datetime):
                value = _describe_bound(value, inclusive_end=name == "until")
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            parts.append(f"{name.replace('_id', '').replace('_', ' ')} {value}")
        return " · ".join(parts) or "none"


def _describe_bound(at: datetime, *, inclusive_end: bool) -> str:
    """A bound as typed: whole days as dates (an exclusive midnight ``until`` as the
    last day it includes, as ``day_bounds`` made it), anything else in full."""
    if at.time() != time() or at.utcoffset() != timedelta(0):
        return at.isoformat()
    return (at.date() - timedelta(days=1) if inclusive_end else at.date()).isoformat()


async def list_page(
    client: DecisionsClient, query: DecisionQuery, *, cursor: str | None = None, limit: int = 50
) -> DecisionPage:
    """One page of decisions matching ``query``, newest first."""
    return await client.list(
        advisor_id=query.advisor_id,
        team=query.team,
        customer_id=query.customer_id,
        kind=query.kind,
        step_id=query.step_id,
        reason_code=query.reason_code,
        needs_approval=query.needs_approval,
        approval=query.approval,
        review_state=query.review_state,
        since=query.since,
        until=query.until,
        cursor=cursor,
        limit=limit,
    )


def parse_day(text: str, label: str) -> date | None:
    """A YYYY-MM-DD date typed into a filter; blank means no bound."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{label}: {text!r} is not a date (YYYY-MM-DD)") from None


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """UTC bounds for an inclusive range of days: 'until 2026-11-26' includes that day."""
    if since is not None and until is not None and until < since:
        raise ValueError(f"until {until.isoformat()} is before since {since.isoformat()}")
    start = datetime.combine(since, time(), UTC) if since is not None else None
    end = datetime.combine(until + timedelta(days=1), time(), UTC) if until is not None else None
    return start, end


# -- what a decision did ------------------------------------------------------------


def format_param(name: str, value: ParamValue | None) -> str:
    """A parameter value as a person reads it; money follows the contract's
    naming convention (integer pence under a ``*_pence`` name)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and (name == "pence" or name.endswith("_pence")):
        return pounds(value)
    return str(value)


def param_label(name: str) -> str:
    return name.removesuffix("_pence").replace("_", " ")


def done_summary(decision: Decision) -> str:
    """What was done, in one line: 'as proposed', 'declined', or the override."""
    if decision.kind is DecisionKind.ACCEPT:
        return "as proposed"
    if decision.kind is DecisionKind.DECLINE:
        return "declined"
    parts: list[str] = []
    if decision.alternative:
        parts.append(decision.alternative)
    for name, value in decision.changed_parameters.items():
        before = format_param(name, decision.proposed_parameters.get(name))
        parts.append(f"{param_label(name)} {before} → {format_param(name, value)}")
    return "; ".join(parts) or "override without changes"


# -- the hash chain -------------------------------------------------------------


def chain_intact(view: DecisionView) -> bool:
    """Whether the record's stored hash is what its content and predecessor hash to."""
    return chain_hash(view.receipt.prev_hash, view.decision) == view.receipt.hash


def chain_status(view: DecisionView) -> str:
    return CHAIN_OK if chain_intact(view) else CHAIN_BROKEN


def head_status(view: DecisionView, head: ChainHead) -> str:
    """How this record sits in its advisor's chain as the server reports it now.

    The record alone proves its own content; the head shows whether anything
    after it was cut away (a head behind the record) or rewritten (a head at
    this record with another hash).
    """
    sequence = view.receipt.sequence
    short = head.head_hash[:12] + "…"
    if head.advisor_id != view.receipt.advisor_id:
        return f"head is for {head.advisor_id}, not this record's advisor"
    if head.count < sequence:
        return f"BROKEN: the head is at #{head.count}, before this record #{sequence}"
    if head.count == sequence:
        if head.head_hash == view.receipt.hash:
            return f"record #{sequence} is the head of the chain ({short})"
        return f"BROKEN: the head #{sequence} has another hash ({short})"
    return f"record #{sequence} of {head.count}; head {short}"


# -- figures ----------------------------------------------------------------------


def period_since(days: int, today: date) -> datetime:
    """Start of a period of ``days`` calendar days (UTC) ending with ``today``."""
    return datetime.combine(today - timedelta(days=days - 1), time(), UTC)


def ranked(buckets: Sequence[RateBucket]) -> list[RateBucket]:
    """Highest override rate first; more overrides breaks ties, so one override in
    one decision does not hide a step overridden forty times in a hundred."""
    return sorted(buckets, key=lambda b: (-b.rate, -b.overrides, b.key))


def daily_rates(by_day: Sequence[RateBucket], first_day: date, days: int) -> list[float]:
    """Override rate per day for ``days`` days from ``first_day``; days without
    decisions count as 0, so the chart's horizontal axis is time, not data."""
    rates = {b.key: b.rate for b in by_day}
    return [rates.get((first_day + timedelta(days=i)).isoformat(), 0.0) for i in range(days)]


@dataclass(frozen=True, slots=True)
class FiguresSummary:
    """The override figures of one period, shaped for display."""

    days: int
    first_day: date
    decisions: int
    overrides: int
    by_advisor: list[RateBucket]
    by_step: list[RateBucket]
    daily: list[float]
    repeated: list[RepeatedOverride]

    @property
    def rate(self) -> float:
        return self.overrides / self.decisions if self.decisions else 0.0


def summarise(stats: DecisionStats, *, days: int, today: date) -> FiguresSummary:
    first_day = today - timedelta(days=days - 1)
    return FiguresSummary(
        days=days,
        first_day=first_day,
        decisions=sum(b.decisions for b in stats.by_day),
        overrides=sum(b.overrides for b in stats.by_day),
        by_advisor=ranked(stats.by_advisor),
        by_step=ranked(stats.by_step),
        daily=daily_rates(stats.by_day, first_day, days),
        repeated=sorted(stats.repeated_overrides, key=lambda r: (-r.count, r.step_id)),
    )


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


# -- export from the server ---------------------------------------------------------

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


def _compact(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
        _compact(d.proposed_parameters) if d.proposed_parameters else "",
        _compact(d.changed_parameters) if d.changed_parameters else "",
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
            out.write(_compact(server_jsonl_record(view)))
            out.write("\n")
            n += 1
    return n


__all__ = [
    "CHAIN_BROKEN",
    "CHAIN_OK",
    "EXPORT_PAGE",
    "PERIODS",
    "SERVER_CSV_COLUMNS",
    "DecisionQuery",
    "FiguresSummary",
    "chain_intact",
    "chain_status",
    "daily_rates",
    "day_bounds",
    "done_summary",
    "export_server",
    "format_param",
    "head_status",
    "iter_decisions",
    "list_page",
    "param_label",
    "parse_day",
    "percent",
    "period_since",
    "ranked",
    "server_csv_row",
    "server_jsonl_record",
    "summarise",
]
