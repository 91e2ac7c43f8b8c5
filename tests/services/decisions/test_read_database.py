"""``serve decisions --read-database``: pages and figures from a read replica,
writes, the chain and one decision by id from the primary.

A real streaming replica needs a second server; here the "replica" is a second
database on the same server that replication has not caught up with (it stays
empty), which tells apart exactly which queries read which URL. A second pool
on the primary's own database then checks the wiring end to end through the
HTTP API (what a caught-up replica gives). Without PostgreSQL these are skipped
with the reason; mixing in SQLite is refused with a clear message on any machine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import psycopg
import pytest

from advisor_tui.cli import main
from advisor_tui.contract import GENESIS_HASH, DecisionFilters, DecisionPage, DecisionStats, routes
from advisor_tui.services.decisions.cli import ServiceSettings
from advisor_tui.services.decisions.engine import make_engine
from advisor_tui.services.decisions.migrations import SchemaOutOfDate
from advisor_tui.services.decisions.postgres_engine import PostgresEngine
from tests.services.decisions.builders import AMY, TOKENS, auth, make_decision
from tests.services.decisions.conftest import (
    HOW_TO_RUN,
    empty_postgres,
    fresh_postgres_database,
    postgres_server,
)


@pytest.fixture(scope="module")
def lagging_replica() -> Iterator[str]:
    """A second migrated database: a "replica" that has seen none of the writes."""
    base = postgres_server()
    if base is None:
        pytest.skip(HOW_TO_RUN)
    with fresh_postgres_database(base) as url:
        yield url


@pytest.fixture
async def split_engine(postgres_url: str, lagging_replica: str) -> AsyncIterator[PostgresEngine]:
    empty_postgres(postgres_url)
    engine = PostgresEngine(postgres_url, pool_size=2, read_url=lagging_replica)
    await engine.start()
    yield engine
    await engine.aclose()


async def test_pages_and_figures_read_the_replica_writes_and_chain_the_primary(
    split_engine: PostgresEngine,
) -> None:
    decision = make_decision(AMY, minutes_ago=5)
    receipt, created = await split_engine.record(decision, AMY, decision.decided_at, None)
    assert created and receipt.sequence == 1
    # The primary: the chain and one decision by id see the write at once.
    assert (await split_engine.chain_head(AMY.id)).count == 1
    assert [link.id for link in await split_engine.chain_links(AMY.id, 0, 10)] == [decision.id]
    assert (await split_engine.get(decision.id)) is not None
    assert [a.count for a in await split_engine.audit(None, 10)] == [1]
    # The replica (which has not caught up): pages and figures do not.
    page = await split_engine.list(DecisionFilters(), None, 50)
    assert page.items == [] and page.total == 0
    assert (await split_engine.stats(None, None, None)).by_advisor == []
    # A replay is still answered from the primary, not recorded twice.
    again, created = await split_engine.record(decision, AMY, decision.decided_at, None)
    assert not created and again == receipt


async def test_a_replica_behind_on_migrations_is_refused_at_start(postgres_url: str) -> None:
    base = postgres_server()
    assert base is not None
    with fresh_postgres_database(base) as replica:
        with psycopg.connect(replica, autocommit=True) as conn:
            conn.execute(
                "DELETE FROM schema_migrations WHERE version = (SELECT max(version) "
                "FROM schema_migrations)"
            )
        engine = PostgresEngine(postgres_url, pool_size=1, read_url=replica)
        with pytest.raises(SchemaOutOfDate, match="advisor_tui_test_"):
            await engine.start()
        await engine.aclose()


async def test_the_service_built_from_settings_serves_pages_from_the_read_database(
    postgres_url: str,
) -> None:
    """``serve decisions`` settings to app: a second pool on the same database
    (a caught-up replica) shows what the primary took, through the HTTP API."""
    empty_postgres(postgres_url)
    settings = ServiceSettings(
        database=postgres_url,
        read_database=postgres_url,
        pool_size=2,
        insecure_demo_tokens=True,
        demo_tokens=TOKENS,
    )
    app = settings.build_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            decision = make_decision(AMY, minutes_ago=3)
            posted = await client.post(
                routes.DECISIONS,
                content=decision.model_dump_json(),
                headers={
                    **auth("demo-advisor"),
                    "Content-Type": "application/json",
                    routes.IDEMPOTENCY_HEADER: decision.id,
                    routes.CHAIN_SEQUENCE_HEADER: "1",
                    routes.CHAIN_PREV_HEADER: GENESIS_HASH,
                },
            )
            assert posted.status_code in (200, 201), posted.text
            listed = await client.get(routes.DECISIONS, headers=auth("demo-supervisor"))
            assert listed.status_code == 200, listed.text
            page = DecisionPage.model_validate(listed.json())
            assert [item.decision.id for item in page.items] == [decision.id]
            figures = await client.get(routes.STATS, headers=auth("demo-supervisor"))
            stats = DecisionStats.model_validate(figures.json())
            assert [(b.key, b.decisions) for b in stats.by_advisor] == [(AMY.id, 1)]
            assert (await client.get(routes.HEALTH)).status_code == 200


@pytest.mark.parametrize(
    ("primary", "read"),
    [
        ("sqlite:///decisions.sqlite3", "postgresql://db/decisions"),
        ("postgresql://db/decisions", "sqlite:///copy.sqlite3"),
    ],
)
def test_a_read_database_with_sqlite_on_either_side_is_refused(
    primary: str, read: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="SQLite has no replicas"):
        make_engine(primary, read_url=read)
    code = main(
        [
            "serve",
            "decisions",
            "--database",
            primary,
            "--read-database",
            read,
            "--insecure-demo-tokens",
            "--port",
            "1",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "SQLite has no replicas" in err and "drop --read-database" in err
