"""SQLite's filtered pages, counts and figures: which index answers what.

The filterable fields are copied out of the body into their own columns
(denormalised) with one ``(column, id, decided_at)`` index each, so a filtered
page is a walk down one index in id order that stops after ``limit`` rows:
decision ids are ULIDs, which sort by time, so ``id DESC`` is newest first and
doubles as the keyset cursor. Totals are index-only counts (see
``count_hint``). Measured by ``benchmarks/decisions_scale.py``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from advisor_tui.contract.decisions import (
    DecisionFilters,
    DecisionKind,
    DecisionStats,
    RateBucket,
    RepeatedOverride,
    ReviewState,
)
from advisor_tui.services.decisions.rules import EPOCH, US_PER_DAY, us

FACETS = "ix_decisions_facets"
BY_TIME = "ix_decisions_by_time"
UNREVIEWED_OVERRIDES = "ix_decisions_unreviewed_override"

# One index per filter, (column, id, decided_at): a filtered page is read in id
# order straight off the index (no sort), a date range is checked without
# touching the row, and counting one filter is an index-only range scan.
# Kept apart from the migrations so a bulk load can build them after loading an empty
# table, which is several times faster than maintaining them row by row.
FILTER_INDEXES: dict[str, str] = {
    "ix_decisions_time": "id, decided_at",
    "ix_decisions_advisor": "advisor_id, id, decided_at",
    "ix_decisions_team": "team, id, decided_at",
    "ix_decisions_customer": "customer_id, id, decided_at",
    "ix_decisions_kind": "kind, id, decided_at",
    "ix_decisions_step": "step_id, id, decided_at",
    "ix_decisions_reason": "reason_code, id, decided_at",
    "ix_decisions_needs_approval": "needs_approval, id, decided_at",
    "ix_decisions_approval": "approval, id, decided_at",
    "ix_decisions_review": "review_state, id, decided_at",
    # Counting a combination of the low-cardinality filters: every such column
    # is in here, so the count is an index-only scan (a row lookup per match
    # costs ~10x more). kind, step_id, alternative lead so the repeated
    # overrides query groups straight off it too.
    FACETS: "kind, step_id, alternative, review_state, approval, needs_approval, team, "
    "reason_code, decided_at",
    # Date ranges and the per-advisor/step/day figures, index-only.
    BY_TIME: "decided_at, kind, team, advisor_id, step_id",
    # The review queue, a supervisor's most used page: counted off the facets
    # index it read every override's entry (140k of 1M) to find 91k, ~50 ms.
    # Partial, so only pending work is in it (as on PostgreSQL).
    UNREVIEWED_OVERRIDES: "id, decided_at WHERE kind = 'override' AND review_state = 'unreviewed'",
}

EQUALITY_COLUMNS = (
    "advisor_id",
    "team",
    "customer_id",
    "kind",
    "step_id",
    "reason_code",
    "needs_approval",
    "approval",
    "review_state",
)


def create_filter_indexes(db: sqlite3.Connection) -> None:
    for name, definition in FILTER_INDEXES.items():
        columns, _, partial = definition.partition(" WHERE ")
        db.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON decisions ({columns})"
            + (f" WHERE {partial}" if partial else "")
        )


def where(filters: DecisionFilters, *, page: bool = False) -> tuple[list[str], list[Any]]:
    """SQL conditions for ``filters``.

    For a page the date conditions are written ``+decided_at``, which keeps
    the planner off the decided_at-first index: that index finds a range
    quickly but in time order, so a page would sort every row of the range by
    id (0.3 s for a month of a million-row log). Walking an id-ordered index
    and checking the date in the index entry stops after ``limit`` rows.
    """
    date_column = "+decided_at" if page else "decided_at"
    clauses: list[str] = []
    args: list[Any] = []
    for column in EQUALITY_COLUMNS:
        value = getattr(filters, column)
        if value is None:
            continue
        if column in LITERAL_COLUMNS:
            # From a fixed set (enums, a bool), never caller text: written as a
            # literal, which a partial index's condition can be matched against
            # (a bound parameter cannot).
            literal = str(int(value)) if isinstance(value, bool) else f"'{_plain(value)}'"
            clauses.append(f"{column} = {literal}")
            continue
        clauses.append(f"{column} = ?")
        if isinstance(value, str):
            args.append(str(value))  # StrEnum members to their plain value
        else:
            args.append(value)
    if filters.since is not None:
        clauses.append(f"{date_column} >= ?")
        args.append(us(filters.since))
    if filters.until is not None:
        clauses.append(f"{date_column} < ?")
        args.append(us(filters.until))
    return clauses, args


LITERAL_COLUMNS = frozenset({"kind", "needs_approval", "approval", "review_state"})


def _plain(value: object) -> str:
    text = str(value)
    if not text.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"not an enum value: {text!r}")
    return text


def count_hint(filters: DecisionFilters) -> str:
    """Which index counts ``filters`` fastest, chosen here rather than by the planner.

    One filter (with or without a date range) is counted off its own index,
    index-only, and so are advisor and customer filters, which are narrow
    enough that row lookups for the rest are cheap. Two or more of the
    low-cardinality filters go to the facets index, which holds them all: the
    planner would pick one single-column index and look up every matching
    row, ~10x slower (0.5 s instead of 50 ms on a million decisions).
    """
    if filters.advisor_id is not None or filters.customer_id is not None:
        return ""
    if _review_queue(filters):
        return f" INDEXED BY {UNREVIEWED_OVERRIDES}"
    given = sum(getattr(filters, c) is not None for c in EQUALITY_COLUMNS)
    return f" INDEXED BY {FACETS}" if given >= 2 else ""


def page_hint(filters: DecisionFilters) -> str:
    """The review queue's page off its partial index (in id order, nothing else in
    it): the planner took the review_state index and looked up every unreviewed
    row for its kind, ~30 ms for page 21 of a million decisions instead of 0.2."""
    return f" INDEXED BY {UNREVIEWED_OVERRIDES}" if _review_queue(filters) else ""


def _review_queue(filters: DecisionFilters) -> bool:
    """Unreviewed overrides and nothing else (a date range aside)."""
    given = {c for c in EQUALITY_COLUMNS if getattr(filters, c) is not None}
    return (
        given == {"kind", "review_state"}
        and filters.kind is DecisionKind.OVERRIDE
        and filters.review_state is ReviewState.UNREVIEWED
    )


def sql_where(clauses: Sequence[str]) -> str:
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


# where reads the filters by column name; a filter added without its column would be ignored.
assert set(DecisionFilters.model_fields) == {*EQUALITY_COLUMNS, "since", "until"}


def stats(
    db: sqlite3.Connection, since: datetime | None, until: datetime | None, team: str | None
) -> DecisionStats:
    """Override rates per advisor, step and day, and the most repeated overrides."""
    clauses, args = where(DecisionFilters(team=team, since=since, until=until))
    clause = sql_where(clauses)
    override = f"sum(kind = '{DecisionKind.OVERRIDE.value}')"

    # INDEXED BY: both indexes hold every column these read, so each query
    # is one index-only scan; the planner would otherwise take the team
    # index and look up every row for its kind and advisor.
    # Advisor and step come from one (advisor, step) grouping: each GROUP BY
    # over a period is a sort of every row in it, the expensive part.
    repeat_where = [*clauses, "kind = ?"]
    cells = db.execute(
        f"SELECT advisor_id, step_id, count(*), {override} "
        f"FROM decisions INDEXED BY {BY_TIME}{clause} GROUP BY advisor_id, step_id",
        args,
    ).fetchall()
    by_day = db.execute(
        f"SELECT decided_at / {US_PER_DAY} AS k, count(*), {override} "
        f"FROM decisions INDEXED BY {BY_TIME}{clause} GROUP BY k ORDER BY k",
        args,
    ).fetchall()
    repeated = db.execute(
        f"SELECT step_id, alternative, count(*) AS n FROM decisions INDEXED BY {FACETS}"
        f"{sql_where(repeat_where)} GROUP BY step_id, alternative HAVING n >= 2 "
        "ORDER BY n DESC, step_id, alternative",
        (*args, DecisionKind.OVERRIDE.value),
    ).fetchall()
    titles = {step_id: _step_title(db, step_id) for step_id in {r[0] for r in repeated}}
    by_advisor: dict[str, tuple[int, int]] = {}
    by_step: dict[str, tuple[int, int]] = {}
    for advisor_id, step_id, n, o in cells:
        for totals, key in ((by_advisor, advisor_id), (by_step, step_id)):
            seen, overridden = totals.get(key, (0, 0))
            totals[key] = (seen + n, overridden + o)
    day = timedelta(days=1)
    return DecisionStats(
        by_advisor=[
            RateBucket(key=k, decisions=n, overrides=o) for k, (n, o) in sorted(by_advisor.items())
        ],
        by_step=[
            RateBucket(key=k, decisions=n, overrides=o) for k, (n, o) in sorted(by_step.items())
        ],
        by_day=[
            RateBucket(key=(EPOCH + k * day).date().isoformat(), decisions=n, overrides=o)
            for k, n, o in by_day
        ],
        repeated_overrides=[
            RepeatedOverride(step_id=s, step_title=titles[s], alternative=a, count=n)
            for s, a, n in repeated
        ],
    )


def _step_title(db: sqlite3.Connection, step_id: str) -> str:
    """The step's title as of its latest decision (titles change with versions)."""
    row = db.execute(
        "SELECT step_title FROM decisions INDEXED BY ix_decisions_step "
        "WHERE step_id = ? ORDER BY id DESC LIMIT 1",
        (step_id,),
    ).fetchone()
    return str(row[0]) if row else step_id
