"""Figures from rollups equal the direct aggregate over the log, for ranges that cut
months and days anywhere, on SQLite and (when it is there) PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from advisor_tui.contract import DecisionStats
from advisor_tui.services.decisions import migrations, sqlite_figures, sqlite_queries
from advisor_tui.services.decisions.postgres_engine import PostgresEngine
from advisor_tui.services.decisions.postgres_seed import postgres_bulk_seed
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger, _statements
from tests.services.decisions.builders import AMY, BOB, SAM, TESS
from tests.services.decisions.conftest import empty_postgres

NOW = datetime(2026, 3, 17, 15, 42, 7, tzinfo=UTC)
PEOPLE = [AMY, BOB, TESS, SAM]
RANGES = {
    "everything": (None, None),
    "a year to now": (NOW - timedelta(days=365), None),
    "mid-month to mid-month": (
        datetime(2025, 11, 14, 9, 30, tzinfo=UTC),
        datetime(2026, 2, 3, 17, 5, tzinfo=UTC),
    ),
    "whole months": (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
    "inside one day": (
        datetime(2026, 1, 9, 8, tzinfo=UTC),
        datetime(2026, 1, 9, 19, tzinfo=UTC),
    ),
    "until only": (None, datetime(2025, 12, 24, 6, tzinfo=UTC)),
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("figures") / "seeded.sqlite3"
    with SqliteLedger(path) as ledger:
        ledger.bulk_seed(4000, seed=5, advisors=PEOPLE, now=NOW, days=200)
    return path


def same(a: DecisionStats, b: DecisionStats) -> None:
    assert a.by_advisor == b.by_advisor
    assert a.by_step == b.by_step
    assert a.by_day == b.by_day
    assert [(r.step_id, r.alternative, r.count) for r in a.repeated_overrides] == [
        (r.step_id, r.alternative, r.count) for r in b.repeated_overrides
    ]


@pytest.mark.parametrize("name", list(RANGES))
@pytest.mark.parametrize("team", [None, "north"])
def test_sqlite_rollups_match_the_direct_aggregate(
    seeded: Path, name: str, team: str | None
) -> None:
    since, until = RANGES[name]
    with SqliteLedger(seeded) as ledger:
        direct = sqlite_queries.stats(ledger.connection, since, until, team)
        rolled = sqlite_figures.stats(ledger.connection, since, until, team)
    assert direct.by_advisor, "the range should hold decisions"
    same(rolled, direct)


async def test_postgres_figures_match_sqlite_on_the_same_log(
    seeded: Path, postgres_url: str
) -> None:
    empty_postgres(postgres_url)
    await asyncio.to_thread(postgres_bulk_seed, postgres_url, 4000, 5, PEOPLE, NOW, days=200)
    engine = PostgresEngine(postgres_url, pool_size=2)
    await engine.start()
    try:
        with SqliteLedger(seeded) as ledger:
            for since, until in RANGES.values():
                for team in (None, "north"):
                    direct = sqlite_queries.stats(ledger.connection, since, until, team)
                    same(await engine.stats(since, until, team), direct)
            assert ledger.audit(None, 10)[0].first_broken is None
        audit = await engine.audit(None, 10)
        assert {a.advisor_id for a in audit} <= {p.id for p in PEOPLE}
        assert all(a.first_broken is None for a in audit)
    finally:
        await engine.aclose()


def test_sqlite_migration_4_turns_the_old_cells_into_the_same_figures(
    seeded: Path, tmp_path: Path
) -> None:
    """A log at schema 3 (figures from (team, advisor, step) cells) upgrades in place."""
    old = tmp_path / "v3.sqlite3"
    shutil.copy(seeded, old)
    with sqlite3.connect(old) as db:
        for grain in ("advisor", "step"):
            for period in ("month", "day"):
                db.execute(f"DROP TABLE rollup_{grain}_{period}")
        for statement in _statements(migrations.SQLITE[2]):  # step 3, as released
            db.execute(statement)
        db.execute("PRAGMA user_version = 3")
    with SqliteLedger(old) as ledger:
        assert ledger.schema_version() == migrations.LATEST_SQLITE
        tables = {r[0] for r in ledger.connection.execute("SELECT name FROM sqlite_master")}
        assert "rollup_cells_month" not in tables
        for since, until in RANGES.values():
            for team in (None, "north"):
                direct = sqlite_queries.stats(ledger.connection, since, until, team)
                same(sqlite_figures.stats(ledger.connection, since, until, team), direct)


async def test_postgres_migration_3_turns_the_old_cells_into_the_same_figures(
    seeded: Path, postgres_url: str
) -> None:
    """A database at schema 2 upgrades in place: per-advisor and per-step rollups
    from the old cells, the same figures, and the reason index."""
    empty_postgres(postgres_url)
    await asyncio.to_thread(postgres_bulk_seed, postgres_url, 4000, 5, PEOPLE, NOW, days=200)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        # Back to schema 2, its cells built from the log as step 2's rollups were.
        conn.execute(
            "DROP TABLE rollup_advisor_month, rollup_advisor_day, rollup_step_month, "
            "rollup_step_day; DROP INDEX ix_decisions_reason"
        )
        conn.execute(
            "CREATE TABLE rollup_cells_month (period date NOT NULL, team text NOT NULL, "
            "advisor_id text NOT NULL, step_id text NOT NULL, decisions bigint NOT NULL, "
            "overrides bigint NOT NULL, PRIMARY KEY (period, team, advisor_id, step_id)); "
            "CREATE TABLE rollup_cells_day (LIKE rollup_cells_month INCLUDING ALL); "
            "INSERT INTO rollup_cells_day SELECT (decided_at AT TIME ZONE 'UTC')::date, team, "
            "advisor_id, step_id, count(*), count(*) FILTER (WHERE kind = 'override') "
            "FROM decisions GROUP BY 1, 2, 3, 4; "
            "INSERT INTO rollup_cells_month SELECT date_trunc('month', period)::date, team, "
            "advisor_id, step_id, sum(decisions), sum(overrides) FROM rollup_cells_day "
            "GROUP BY 1, 2, 3, 4; DELETE FROM schema_migrations WHERE version >= 3"
        )
    stale = PostgresEngine(postgres_url, pool_size=1)
    with pytest.raises(migrations.SchemaOutOfDate):
        await stale.start()
    await stale.aclose()
    engine = PostgresEngine(postgres_url, pool_size=2)
    try:
        await engine.start(migrate=True)
        with SqliteLedger(seeded) as ledger:
            for since, until in RANGES.values():
                for team in (None, "north"):
                    direct = sqlite_queries.stats(ledger.connection, since, until, team)
                    same(await engine.stats(since, until, team), direct)
    finally:
        await engine.aclose()
    with psycopg.connect(postgres_url) as conn:
        found = conn.execute(
            "SELECT to_regclass('rollup_cells_month'), to_regclass('ix_decisions_reason')"
        ).fetchone()
    assert found == (None, "ix_decisions_reason")
