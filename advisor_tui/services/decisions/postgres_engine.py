"""The decision log on PostgreSQL: the engine for a whole contact centre.

psycopg 3 with a ``psycopg_pool.AsyncConnectionPool``: a maintained async
driver whose COPY support the bulk load uses, and which (unlike asyncpg) does
not prepare every statement, so the literal conditions that match the partial
indexes stay literal (shared/TRIALS.md: a prepared ``kind = $1`` missed the
partial index, 18 ms instead of 0.09 ms).

This module holds the lifecycle (connect, migrate, check the schema) and hands
each call to the module for its concern:
- ``postgres_writes``: a decision appended to its advisor's chain (the locks
  and constraints that keep it right across workers and hosts), a review;
- ``postgres_chain``: chain heads and links, the audit of every chain;
- ``postgres_queries``: one decision, a filtered page and its count;
- ``postgres_figures``: override figures from the rollups.
Any connection failure is ``StoreUnavailable`` (503 with Retry-After).

With a ``read_url`` (``serve decisions --read-database``, a streaming replica)
the supervisors' pages and figures read from a second pool on it; writes, the
chain (heads, links, audit: a lagging copy would report false differences) and
one decision by id (what a reviewer reads straight after their own review) stay
on the primary.
"""

from __future__ import annotations

import builtins
from datetime import datetime

from advisor_tui.contract.decisions import (
    ChainAudit,
    ChainHead,
    ChainLink,
    Decision,
    DecisionFilters,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    Review,
    ReviewCreate,
)
from advisor_tui.contract.identity import Advisor
from advisor_tui.services.decisions import (
    migrations,
    postgres_chain,
    postgres_figures,
    postgres_queries,
    postgres_writes,
)
from advisor_tui.services.decisions.chain import Link
from advisor_tui.services.decisions.engine import describe_url
from advisor_tui.services.decisions.postgres_pool import Pool


class PostgresEngine:
    name = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 8, read_url: str | None = None) -> None:
        self.url = url
        self.read_url = read_url
        self._pool = Pool(url, size=pool_size, name="decisions")
        # Pages and figures: the replica's pool when there is one, else the primary's.
        self._read = (
            self._pool
            if read_url is None
            else Pool(read_url, size=pool_size, name="decisions-read")
        )
        self._started = False

    # -- lifecycle -------------------------------------------------------------

    async def start(self, *, migrate: bool = False) -> None:
        if self._started:
            return
        await self._pool.open()
        if self._read is not self._pool:
            try:
                await self._read.open()
            except BaseException:
                await self._pool.close()
                raise
        self._started = True
        if migrate:
            await self.migrate()
        checked = [] if migrate else [self._pool]
        if self._read is not self._pool:
            # Migrations run on the primary only; the replica must have caught up.
            checked.append(self._read)
        for pool in checked:
            found = await self.schema_version(pool)
            if found != migrations.LATEST_POSTGRES:
                raise migrations.SchemaOutOfDate(
                    found, migrations.LATEST_POSTGRES, describe_url(pool.url)
                )

    async def aclose(self) -> None:
        await self._pool.close()
        if self._read is not self._pool:
            await self._read.close()
        self._started = False

    async def ping(self) -> None:
        """Health: the primary, and the replica when there is one."""
        await self._pool.ping()
        if self._read is not self._pool:
            await self._read.ping()

    async def schema_version(self, pool: Pool | None = None) -> int:
        async with (pool or self._pool).connection() as conn:
            exists = await (
                await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
            ).fetchone()
            if not exists or not exists[0]:
                return 0
            row = await (
                await conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
            ).fetchone()
            return int(row[0]) if row else 0

    async def migrate(self) -> builtins.list[int]:
        """Apply the missing steps in order, each in its own transaction. A lock
        keeps two workers started with --migrate from applying a step twice."""
        applied: builtins.list[int] = []
        async with self._pool.connection() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            for version, script in enumerate(migrations.POSTGRES, start=1):
                async with conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock(8675309)")
                    done = await (
                        await conn.execute(
                            "SELECT 1 FROM schema_migrations WHERE version = %s", (version,)
                        )
                    ).fetchone()
                    if done:
                        continue
                    await conn.execute(script.encode())
                    await conn.execute(
                        "INSERT INTO schema_migrations (version) VALUES (%s)", (version,)
                    )
                    applied.append(version)
        return applied

    # -- writes ----------------------------------------------------------------

    async def record(
        self, decision: Decision, advisor: Advisor, now: datetime, link: Link | None
    ) -> tuple[DecisionReceipt, bool]:
        return await postgres_writes.record(self._pool, decision, advisor, now, link)

    async def add_review(
        self, decision_id: str, review: ReviewCreate, reviewer: Advisor, now: datetime
    ) -> tuple[Review, bool]:
        return await postgres_writes.add_review(self._pool, decision_id, review, reviewer, now)

    # -- the chain -------------------------------------------------------------

    async def chain_head(self, advisor_id: str) -> ChainHead:
        return await postgres_chain.chain_head(self._pool, advisor_id)

    async def chain_links(
        self, advisor_id: str, after: int, limit: int
    ) -> builtins.list[ChainLink]:
        return await postgres_chain.chain_links(self._pool, advisor_id, after, limit)

    async def audit(self, after: str | None, limit: int) -> builtins.list[ChainAudit]:
        return await postgres_chain.audit(self._pool, after, limit)

    # -- reads -----------------------------------------------------------------

    async def get(self, decision_id: str) -> DecisionView | None:
        # The primary: a reviewer reads the decision again right after reviewing it.
        return await postgres_queries.get(self._pool, decision_id)

    async def list(self, filters: DecisionFilters, cursor: str | None, limit: int) -> DecisionPage:
        return await postgres_queries.page(self._read, filters, cursor, limit)

    async def stats(
        self, since: datetime | None, until: datetime | None, team: str | None
    ) -> DecisionStats:
        async with self._read.connection() as conn:
            return await postgres_figures.stats(conn, since, until, team)
