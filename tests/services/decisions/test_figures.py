"""Figures from rollups equal the direct aggregate over the log, for ranges that cut
months and days anywhere, on SQLite and (when it is there) PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from advisor_tui.contract import DecisionStats
from advisor_tui.services.decisions import sqlite_figures, sqlite_queries
from advisor_tui.services.decisions.postgres_engine import PostgresEngine
from advisor_tui.services.decisions.postgres_seed import postgres_bulk_seed
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger
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
