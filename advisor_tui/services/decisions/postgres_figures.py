"""Override figures on PostgreSQL from rollups kept as decisions arrive.

A range ``[since, until)`` is cut into whole months (read from the monthly
rollups), the whole days of the partial months at either end (daily rollups)
and the partial days at either end (the log itself, through the
``(decided_at, id)`` index). A year's figures so read a few thousand rollup
rows: shared/TRIALS.md measured a monthly rollup at about 110 ms for a year
of 10 million decisions, against 2.1 s for the direct aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from psycopg import AsyncConnection, sql

from advisor_tui.contract.decisions import DecisionStats, RateBucket, RepeatedOverride

_Range = tuple[Any, Any]  # (from inclusive or None, to exclusive or None)


@dataclass(slots=True)
class Plan:
    raw: list[tuple[datetime | None, datetime | None]] = field(default_factory=list)
    days: list[tuple[date | None, date | None]] = field(default_factory=list)
    months: list[tuple[date | None, date | None]] = field(default_factory=list)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def plan(since: datetime | None, until: datetime | None) -> Plan:
    """Which parts of ``[since, until)`` each source answers."""
    if since is not None and until is not None and since >= until:
        return Plan()
    d_lo: date | None = None
    if since is not None:
        d_lo = since.astimezone(UTC).date()
        if _midnight(d_lo) < since:
            d_lo += timedelta(days=1)
    d_hi = None if until is None else until.astimezone(UTC).date()
    if d_lo is not None and d_hi is not None and d_lo >= d_hi:
        return Plan(raw=[(since, until)])
    out = Plan()
    if since is not None and d_lo is not None and since < _midnight(d_lo):
        out.raw.append((since, _midnight(d_lo)))
    if until is not None and d_hi is not None and _midnight(d_hi) < until:
        out.raw.append((_midnight(d_hi), until))
    m_lo = None if d_lo is None else (d_lo if d_lo.day == 1 else _next_month(d_lo))
    m_hi = None if d_hi is None else _month_start(d_hi)
    if m_lo is not None and m_hi is not None and m_lo >= m_hi:
        out.days.append((d_lo, d_hi))
        return out
    if d_lo is not None and m_lo is not None and d_lo < m_lo:
        out.days.append((d_lo, m_lo))
    if d_hi is not None and m_hi is not None and m_hi < d_hi:
        out.days.append((m_hi, d_hi))
    out.months.append((m_lo, m_hi))
    return out


def _ranges(column: str, ranges: Sequence[_Range]) -> tuple[sql.Composable, list[Any]]:
    """``(column >= a AND column < b) OR ...`` for the ranges; None ends are open."""
    parts: list[sql.Composable] = []
    args: list[Any] = []
    for lo, hi in ranges:
        conditions: list[sql.Composable] = [sql.SQL("true")]
        if lo is not None:
            conditions.append(sql.SQL("{} >= %s").format(sql.Identifier(column)))
            args.append(lo)
        if hi is not None:
            conditions.append(sql.SQL("{} < %s").format(sql.Identifier(column)))
            args.append(hi)
        parts.append(sql.SQL("(") + sql.SQL(" AND ").join(conditions) + sql.SQL(")"))
    return sql.SQL("(") + sql.SQL(" OR ").join(parts) + sql.SQL(")"), args


def _union(
    sources: Sequence[tuple[str, str, Sequence[_Range]]], columns: str, team: str | None
) -> tuple[sql.Composable, list[Any]]:
    """A UNION ALL of ``columns`` from each (table, period column, ranges) with ranges."""
    selects: list[sql.Composable] = []
    args: list[Any] = []
    for table, column, ranges in sources:
        if not ranges:
            continue
        where, where_args = _ranges(column, ranges)
        if team is not None:
            where = where + sql.SQL(" AND team = %s")
            where_args.append(team)
        selects.append(
            sql.SQL("SELECT {} FROM {} WHERE {}").format(
                sql.SQL(columns.replace("{period}", column)), sql.Identifier(table), where
            )
        )
        args += where_args
    if not selects:
        table, column, _ = sources[0]
        return sql.SQL("SELECT {} FROM {} WHERE false").format(
            sql.SQL(columns.replace("{period}", column)), sql.Identifier(table)
        ), []
    return sql.SQL(" UNION ALL ").join(selects), args


async def stats(
    conn: AsyncConnection[Any], since: datetime | None, until: datetime | None, team: str | None
) -> DecisionStats:
    p = plan(since, until)
    raw_override = "(kind = 'override')::int"
    totals: list[Sequence[Sequence[Any]]] = []
    for key in ("advisor_id", "step_id"):
        # Per advisor and per step from rollups of their own: a (team, advisor,
        # step) cell per month barely compresses with thousands of advisors.
        grain = "advisor" if key == "advisor_id" else "step"
        rolled_sql, rolled_args = _union(
            [
                (f"rollup_{grain}_month", "period", p.months),
                (f"rollup_{grain}_day", "period", p.days),
            ],
            f"{key} AS key, decisions, overrides",
            team,
        )
        raw_sql, raw_args = _union(
            [("decisions", "decided_at", p.raw)],
            f"{key} AS key, 1 AS decisions, {raw_override} AS overrides",
            team,
        )
        totals.append(
            await (
                await conn.execute(
                    sql.SQL(
                        "SELECT key, sum(decisions)::bigint, sum(overrides)::bigint "
                        "FROM ({} UNION ALL {}) x GROUP BY key"
                    ).format(rolled_sql, raw_sql),
                    (*rolled_args, *raw_args),
                )
            ).fetchall()
        )
    by_advisor, by_step = totals

    whole_days = [(lo, hi) for lo, hi in p.days] + [(lo, hi) for lo, hi in p.months]
    days_sql, days_args = _union(
        [("rollup_day_team", "period", whole_days)], "{period} AS day, decisions, overrides", team
    )
    raw_days, raw_days_args = _union(
        [("decisions", "decided_at", p.raw)],
        "(decided_at AT TIME ZONE 'UTC')::date AS day, 1 AS decisions, "
        f"{raw_override} AS overrides",
        team,
    )
    by_day = await (
        await conn.execute(
            sql.SQL(
                "SELECT day, sum(decisions)::bigint, sum(overrides)::bigint "
                "FROM ({} UNION ALL {}) x GROUP BY day ORDER BY day"
            ).format(days_sql, raw_days),
            (*days_args, *raw_days_args),
        )
    ).fetchall()

    repeats_sql, repeats_args = _union(
        [
            ("rollup_repeats_month", "period", p.months),
            ("rollup_repeats_day", "period", p.days),
        ],
        "step_id, alternative, overrides",
        team,
    )
    raw_repeats, raw_repeats_args = _union(
        [("decisions", "decided_at", p.raw)],
        "step_id, alternative, 1 AS overrides",
        team,
    )
    raw_repeats = sql.SQL("SELECT * FROM ({}) r WHERE alternative IS NOT NULL").format(raw_repeats)
    repeated = await (
        await conn.execute(
            sql.SQL(
                "SELECT step_id, alternative, sum(overrides)::bigint AS n "
                "FROM ({} UNION ALL {}) x GROUP BY step_id, alternative HAVING sum(overrides) >= 2 "
                "ORDER BY n DESC, step_id, alternative"
            ).format(repeats_sql, raw_repeats),
            (*repeats_args, *raw_repeats_args),
        )
    ).fetchall()
    titles: dict[str, str] = {}
    for step_id in {r[0] for r in repeated}:
        # The latest override of the step names it (titles change with versions);
        # the partial step index answers this with one probe.
        row = await (
            await conn.execute(
                "SELECT step_title FROM decisions WHERE kind = 'override' AND step_id = %s "
                "ORDER BY decided_at DESC, id DESC LIMIT 1",
                (step_id,),
            )
        ).fetchone()
        titles[step_id] = str(row[0]) if row else step_id

    return stats_from(by_advisor, by_step, by_day, repeated, titles)


def stats_from(
    by_advisor: Sequence[Sequence[Any]],
    by_step: Sequence[Sequence[Any]],
    by_day: Sequence[Sequence[Any]],
    repeated: Sequence[Sequence[Any]],
    titles: dict[str, str],
) -> DecisionStats:
    """The figures from rollup rows, the same on both engines: ``by_advisor`` and
    ``by_step`` are (key, decisions, overrides), ``by_day`` (day, decisions,
    overrides), ``repeated`` (step, alternative, count)."""

    def buckets(rows: Sequence[Sequence[Any]]) -> list[RateBucket]:
        return [
            RateBucket(key=str(k), decisions=int(n), overrides=int(o))
            for k, n, o in sorted(rows, key=lambda row: str(row[0]))
        ]

    return DecisionStats(
        by_advisor=buckets(by_advisor),
        by_step=buckets(by_step),
        by_day=[RateBucket(key=str(d), decisions=int(n), overrides=int(o)) for d, n, o in by_day],
        repeated_overrides=[
            RepeatedOverride(step_id=s, step_title=titles[s], alternative=a, count=int(n))
            for s, a, n in repeated
        ],
    )


_UPSERT_TOTALS = (
    "INSERT INTO {table} AS r (period, team, {key}, decisions, overrides) "
    "VALUES (%s, %s, %s, 1, %s) ON CONFLICT (period, team, {key}) "
    "DO UPDATE SET decisions = r.decisions + 1, overrides = r.overrides + excluded.overrides"
)
_UPSERT_REPEATS = (
    "INSERT INTO {table} AS r (period, team, step_id, alternative, overrides) "
    "VALUES (%s, %s, %s, %s, 1) ON CONFLICT (period, team, step_id, alternative) "
    "DO UPDATE SET overrides = r.overrides + 1"
)
_UPSERT_DAY_TEAM = (
    "INSERT INTO rollup_day_team AS r (period, team, decisions, overrides) "
    "VALUES (%s, %s, 1, %s) ON CONFLICT (period, team) "
    "DO UPDATE SET decisions = r.decisions + 1, overrides = r.overrides + excluded.overrides"
)


async def add_to_rollups(
    conn: AsyncConnection[Any],
    *,
    decided_at: datetime,
    team: str,
    advisor_id: str,
    step_id: str,
    override: bool,
    alternative: str | None,
) -> None:
    """Count one new decision into every rollup, in the caller's transaction."""
    day = decided_at.astimezone(UTC).date()
    month = _month_start(day)
    o = int(override)
    for grain, key, value in (("advisor", "advisor_id", advisor_id), ("step", "step_id", step_id)):
        for table, period in ((f"rollup_{grain}_month", month), (f"rollup_{grain}_day", day)):
            await conn.execute(
                sql.SQL(_UPSERT_TOTALS).format(
                    table=sql.Identifier(table), key=sql.Identifier(key)
                ),
                (period, team, value, o),
            )
    await conn.execute(_UPSERT_DAY_TEAM, (day, team, o))
    if override and alternative is not None:
        for table, period in (("rollup_repeats_month", month), ("rollup_repeats_day", day)):
            await conn.execute(
                sql.SQL(_UPSERT_REPEATS).format(table=sql.Identifier(table)),
                (period, team, step_id, alternative),
            )


REBUILD_ROLLUPS = [
    "TRUNCATE rollup_advisor_month, rollup_advisor_day, rollup_step_month, rollup_step_day, "
    "rollup_repeats_month, rollup_repeats_day, rollup_day_team",
    "INSERT INTO rollup_advisor_day SELECT (decided_at AT TIME ZONE 'UTC')::date, team, "
    "advisor_id, count(*), count(*) FILTER (WHERE kind = 'override') FROM decisions "
    "GROUP BY 1, 2, 3",
    "INSERT INTO rollup_step_day SELECT (decided_at AT TIME ZONE 'UTC')::date, team, step_id, "
    "count(*), count(*) FILTER (WHERE kind = 'override') FROM decisions GROUP BY 1, 2, 3",
    "INSERT INTO rollup_advisor_month SELECT date_trunc('month', period)::date, team, "
    "advisor_id, sum(decisions), sum(overrides) FROM rollup_advisor_day GROUP BY 1, 2, 3",
    "INSERT INTO rollup_step_month SELECT date_trunc('month', period)::date, team, step_id, "
    "sum(decisions), sum(overrides) FROM rollup_step_day GROUP BY 1, 2, 3",
    "INSERT INTO rollup_day_team SELECT period, team, sum(decisions), sum(overrides) "
    "FROM rollup_advisor_day GROUP BY 1, 2",
    "INSERT INTO rollup_repeats_day SELECT (decided_at AT TIME ZONE 'UTC')::date, team, step_id, "
    "alternative, count(*) FROM decisions WHERE kind = 'override' AND alternative IS NOT NULL "
    "GROUP BY 1, 2, 3, 4",
    "INSERT INTO rollup_repeats_month SELECT date_trunc('month', period)::date, team, step_id, "
    "alternative, sum(overrides) FROM rollup_repeats_day GROUP BY 1, 2, 3, 4",
]
"""Recompute every rollup from the log: after a bulk load (COPY bypasses the
record path), or to repair them. Run in one transaction."""
