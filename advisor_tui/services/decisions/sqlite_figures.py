"""Override figures on SQLite from rollups kept as decisions arrive (as on PostgreSQL).

The same cut of a range as ``postgres_figures.plan``: whole months from the
monthly rollups, the whole days of partial months from the daily ones, partial
days from the log. Periods are ISO date text (``YYYY-MM-DD``), which sorts as
dates do; the log keeps ``decided_at`` as microseconds since the epoch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from advisor_tui.contract.decisions import DecisionStats
from advisor_tui.services.decisions.postgres_figures import plan, stats_from
from advisor_tui.services.decisions.rules import us

_DAY = "date(decided_at / 1000000, 'unixepoch')"

REBUILD = [
    "DELETE FROM rollup_advisor_month",
    "DELETE FROM rollup_advisor_day",
    "DELETE FROM rollup_step_month",
    "DELETE FROM rollup_step_day",
    "DELETE FROM rollup_repeats_month",
    "DELETE FROM rollup_repeats_day",
    "DELETE FROM rollup_day_team",
    f"INSERT INTO rollup_advisor_day SELECT {_DAY}, team, advisor_id, count(*), "
    "sum(kind = 'override') FROM decisions GROUP BY 1, 2, 3",
    f"INSERT INTO rollup_step_day SELECT {_DAY}, team, step_id, count(*), "
    "sum(kind = 'override') FROM decisions GROUP BY 1, 2, 3",
    "INSERT INTO rollup_advisor_month SELECT substr(period, 1, 8) || '01', team, advisor_id, "
    "sum(decisions), sum(overrides) FROM rollup_advisor_day GROUP BY 1, 2, 3",
    "INSERT INTO rollup_step_month SELECT substr(period, 1, 8) || '01', team, step_id, "
    "sum(decisions), sum(overrides) FROM rollup_step_day GROUP BY 1, 2, 3",
    "INSERT INTO rollup_day_team SELECT period, team, sum(decisions), sum(overrides) "
    "FROM rollup_advisor_day GROUP BY 1, 2",
    f"INSERT INTO rollup_repeats_day SELECT {_DAY}, team, step_id, alternative, count(*) "
    "FROM decisions WHERE kind = 'override' AND alternative IS NOT NULL GROUP BY 1, 2, 3, 4",
    "INSERT INTO rollup_repeats_month SELECT substr(period, 1, 8) || '01', team, step_id, "
    "alternative, sum(overrides) FROM rollup_repeats_day GROUP BY 1, 2, 3, 4",
]
"""Recompute the rollups from the log (the migration that adds them, and bulk loads)."""


def add_to_rollups(
    db: sqlite3.Connection,
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
    periods = {"day": day.isoformat(), "month": day.replace(day=1).isoformat()}
    o = int(override)
    for grain in ("month", "day"):
        for table, key, value in (
            ("advisor", "advisor_id", advisor_id),
            ("step", "step_id", step_id),
        ):
            db.execute(
                f"INSERT INTO rollup_{table}_{grain} (period, team, {key}, decisions, overrides) "
                f"VALUES (?, ?, ?, 1, ?) ON CONFLICT (period, team, {key}) DO UPDATE SET "
                "decisions = decisions + 1, overrides = overrides + excluded.overrides",
                (periods[grain], team, value, o),
            )
        if override and alternative is not None:
            db.execute(
                f"INSERT INTO rollup_repeats_{grain} (period, team, step_id, alternative, "
                "overrides) VALUES (?, ?, ?, ?, 1) ON CONFLICT (period, team, step_id, "
                "alternative) DO UPDATE SET overrides = overrides + 1",
                (periods[grain], team, step_id, alternative),
            )
    db.execute(
        "INSERT INTO rollup_day_team (period, team, decisions, overrides) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (period, team) DO UPDATE SET decisions = decisions + 1, "
        "overrides = overrides + excluded.overrides",
        (periods["day"], team, o),
    )


def _where(
    column: str, ranges: Sequence[tuple[Any, Any]], team: str | None, *, raw: bool
) -> tuple[str, list[Any]]:
    parts: list[str] = []
    args: list[Any] = []
    for lo, hi in ranges:
        conditions = ["1"]
        for bound, op in ((lo, ">="), (hi, "<")):
            if bound is None:
                continue
            conditions.append(f"{column} {op} ?")
            args.append(us(bound) if raw else bound.isoformat())
        parts.append("(" + " AND ".join(conditions) + ")")
    where = "(" + " OR ".join(parts) + ")" if parts else "0"
    if team is not None:
        where += " AND team = ?"
        args.append(team)
    return where, args


def stats(
    db: sqlite3.Connection, since: datetime | None, until: datetime | None, team: str | None
) -> DecisionStats:
    p = plan(since, until)
    raw_where, raw_args = _where("decided_at", p.raw, team, raw=True)
    month_where, month_args = _where("period", p.months, team, raw=False)
    day_where, day_args = _where("period", p.days, team, raw=False)
    whole_where, whole_args = _where("period", [*p.days, *p.months], team, raw=False)

    totals = []
    for table, key in (("advisor", "advisor_id"), ("step", "step_id")):
        # Per advisor and per step from rollups of their own (see migration 4).
        totals.append(
            db.execute(
                f"SELECT key, sum(decisions), sum(overrides) FROM ("
                f"SELECT {key} AS key, decisions, overrides FROM rollup_{table}_month "
                f"WHERE {month_where} UNION ALL SELECT {key}, decisions, overrides "
                f"FROM rollup_{table}_day WHERE {day_where} UNION ALL "
                f"SELECT {key}, 1, kind = 'override' FROM decisions WHERE {raw_where}) "
                "GROUP BY key",
                (*month_args, *day_args, *raw_args),
            ).fetchall()
        )
    by_advisor, by_step = totals
    by_day = db.execute(
        "SELECT day, sum(decisions), sum(overrides) FROM ("
        f"SELECT period AS day, decisions, overrides FROM rollup_day_team WHERE {whole_where}"
        f" UNION ALL SELECT {_DAY}, 1, kind = 'override' FROM decisions WHERE {raw_where}"
        ") GROUP BY day ORDER BY day",
        (*whole_args, *raw_args),
    ).fetchall()
    repeated = db.execute(
        "SELECT step_id, alternative, sum(overrides) AS n FROM ("
        f"SELECT step_id, alternative, overrides FROM rollup_repeats_month WHERE {month_where}"
        f" UNION ALL SELECT step_id, alternative, overrides FROM rollup_repeats_day "
        f"WHERE {day_where} UNION ALL SELECT step_id, alternative, 1 FROM decisions "
        f"WHERE kind = 'override' AND alternative IS NOT NULL AND {raw_where}"
        ") GROUP BY step_id, alternative HAVING n >= 2 ORDER BY n DESC, step_id, alternative",
        (*month_args, *day_args, *raw_args),
    ).fetchall()
    titles = {}
    for step_id in {r[0] for r in repeated}:
        row = db.execute(
            "SELECT step_title FROM decisions INDEXED BY ix_decisions_step "
            "WHERE step_id = ? ORDER BY id DESC LIMIT 1",
            (step_id,),
        ).fetchone()
        titles[step_id] = str(row[0]) if row else step_id
    return stats_from(by_advisor, by_step, by_day, repeated, titles)


__all__ = ["REBUILD", "add_to_rollups", "stats"]
