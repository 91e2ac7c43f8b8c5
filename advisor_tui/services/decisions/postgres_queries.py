"""Supervisor reads on PostgreSQL: one decision, a filtered page, its count.

Pages are a keyset walk on ``(decided_at, id)``; the total is exact up to
``COUNT_CAP`` and the planner's estimate beyond (not counted at all when the
estimate is far beyond). These reads may go to a read
replica (``serve decisions --read-database``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import AsyncConnection, sql

from advisor_tui.contract.decisions import DecisionFilters, DecisionPage, DecisionView, Review
from advisor_tui.services.decisions import postgres_rows
from advisor_tui.services.decisions.postgres_pool import Pool
from advisor_tui.services.decisions.rows import view
from advisor_tui.services.decisions.rules import decode_cursor, encode_cursor, us

COUNT_CAP = 10_000
"""Counting stops here and the planner's estimate is given instead (``total_exact``
false): an exact count of millions of rows would cost seconds per page."""

NOT_COUNTED_ABOVE = 5 * COUNT_CAP
"""A planner's estimate above this is answered as it is, without the capped count:
counting the first 10,001 of 140,000 overrides still read ~70,000 rows (50-65 ms
at 1M decisions). An estimate is rarely off by 5x for these equality filters, and
the answer says it is an estimate either way."""


async def get(pool: Pool, decision_id: str) -> DecisionView | None:
    async with pool.connection() as conn:
        row = await (
            await conn.execute(
                f"SELECT {postgres_rows.VIEW} FROM decisions WHERE id = %s", (decision_id,)
            )
        ).fetchone()
        if row is None:
            return None
        reviews = await reviews_for(conn, [decision_id])
    return view(row, reviews.get(decision_id, []))


async def page(
    pool: Pool, filters: DecisionFilters, cursor: str | None, limit: int
) -> DecisionPage:
    """One page newest first, keyset on (decided_at, id): a walk down one index."""
    conditions, args = postgres_rows.where(filters)
    page_conditions, page_args = list(conditions), list(args)
    if cursor is not None:
        decided_us, last_id = decode_cursor(cursor, "v2")
        page_conditions.append(sql.SQL("(decided_at, id) < (%s, %s)"))
        page_args += [postgres_rows.from_us(int(decided_us)), last_id]
    async with pool.connection() as conn:
        rows = await (
            await conn.execute(
                sql.SQL(
                    "SELECT {} FROM decisions{} ORDER BY decided_at DESC, id DESC LIMIT %s"
                ).format(sql.SQL(postgres_rows.VIEW), postgres_rows.sql_where(page_conditions)),
                (*page_args, limit + 1),
                # Never a prepared statement: after psycopg's fifth run PostgreSQL may
                # switch to a generic plan, which cannot know that one advisor's 500
                # rows are few and walked the time index instead (36-40 ms, not 1).
                prepare=False,
            )
        ).fetchall()
        total, exact = await count(conn, conditions, args)
        more = len(rows) > limit
        rows = rows[:limit]
        reviews = await reviews_for(conn, [r[0] for r in rows])
    items = [view(r, reviews.get(r[0], [])) for r in rows]
    next_cursor = encode_cursor(str(us(rows[-1][10])), rows[-1][0]) if more else None
    return DecisionPage(items=items, next_cursor=next_cursor, total=total, total_exact=exact)


async def count(
    conn: AsyncConnection[Any], conditions: list[sql.Composable], args: list[Any]
) -> tuple[int, bool]:
    """Exact up to COUNT_CAP (an index walk that stops there), else the planner's
    estimate; a large estimate is trusted without counting (NOT_COUNTED_ABOVE)."""
    where = postgres_rows.sql_where(conditions)
    plan = await (
        await conn.execute(
            sql.SQL("EXPLAIN (FORMAT JSON) SELECT 1 FROM decisions{}").format(where), args
        )
    ).fetchone()
    estimate = int(plan[0][0]["Plan"]["Plan Rows"]) if plan else 0
    if estimate > NOT_COUNTED_ABOVE:
        return estimate, False
    row = await (
        await conn.execute(
            sql.SQL("SELECT count(*) FROM (SELECT 1 FROM decisions{} LIMIT %s) capped").format(
                where
            ),
            (*args, COUNT_CAP + 1),
            prepare=False,
        )
    ).fetchone()
    counted = int(row[0]) if row else 0
    if counted <= COUNT_CAP:
        return counted, True
    return max(estimate, counted), False


async def reviews_for(
    conn: AsyncConnection[Any], decision_ids: Sequence[str]
) -> dict[str, list[Review]]:
    if not decision_ids:
        return {}
    out: dict[str, list[Review]] = {}
    cursor = await conn.execute(
        "SELECT decision_id, body FROM reviews WHERE decision_id = ANY(%s) "
        "ORDER BY decision_id, at, id",
        (list(decision_ids),),
    )
    for decision_id, body in await cursor.fetchall():
        out.setdefault(decision_id, []).append(Review.model_validate_json(body))
    return out
