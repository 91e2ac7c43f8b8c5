"""The decision log on PostgreSQL: the engine for a whole contact centre.

psycopg 3 with a ``psycopg_pool.AsyncConnectionPool``: a maintained async
driver whose COPY support the bulk load uses, and which (unlike asyncpg) does
not prepare every statement, so the literal conditions that match the partial
indexes stay literal (shared/TRIALS.md: a prepared ``kind = $1`` missed the
partial index, 18 ms instead of 0.09 ms).

Concurrency across worker processes and hosts lives in the database:
- each append takes ``pg_advisory_xact_lock`` on the advisor, in its own
  statement, before reading that advisor's head, so two appends for one
  advisor run one after the other wherever they come from, and the second
  sees the first's row (a fresh statement, READ COMMITTED);
- ``UNIQUE (advisor_id, sequence)`` makes a fork impossible even so, and the
  primary key on id makes a duplicate impossible; a unique violation (the same
  id sent as two different advisors) is answered by re-reading in a new
  transaction.
Any connection failure is ``StoreUnavailable`` (503 with Retry-After).
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import AsyncConnection, sql
from psycopg.errors import UniqueViolation
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from advisor_tui.contract.decisions import (
    GENESIS_HASH,
    ApprovalState,
    ChainAudit,
    ChainHead,
    ChainLink,
    Decision,
    DecisionFilters,
    DecisionKind,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    Review,
    ReviewCreate,
    ReviewState,
)
from advisor_tui.contract.identity import Advisor
from advisor_tui.services.decisions import (
    chain,
    migrations,
    postgres_figures,
    postgres_rows,
)
from advisor_tui.services.decisions.chain import Link
from advisor_tui.services.decisions.engine import describe_url
from advisor_tui.services.decisions.errors import (
    ChainLinkBroken,
    DecisionNotFound,
    IdempotencyConflict,
    StoreUnavailable,
)
from advisor_tui.services.decisions.rows import receipt, view
from advisor_tui.services.decisions.rules import (
    decode_cursor,
    encode_cursor,
    override_key,
    review_outcome,
    us,
)

COUNT_CAP = 10_000
"""Counting stops here and the planner's estimate is given instead (``total_exact``
false): an exact count of millions of rows would cost seconds per page."""

CONNECT_TIMEOUT_S = 5
POOL_TIMEOUT_S = 5

_INSERT = (
    "INSERT INTO decisions (id, advisor_id, team, customer_id, kind, step_id, step_title, "
    "reason_code, needs_approval, approval, review_state, decided_at, action_kind, alternative, "
    "sequence, prev_hash, hash, recorded_at, body) VALUES "
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


class PostgresEngine:
    name = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 8) -> None:
        self.url = url
        # 4-8 connections suit 2 cores (the trial: 40 was slower, not faster).
        self._pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            timeout=POOL_TIMEOUT_S,
            kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "autocommit": True},
            # No check on checkout (a round trip per request): a connection that
            # broke while idle (restart, failover) fails its request with 503 and
            # the pool discards it; the client's retry gets a fresh one.
            name="decisions",
        )
        self._started = False

    # -- lifecycle -------------------------------------------------------------

    async def start(self, *, migrate: bool = False) -> None:
        if self._started:
            return
        try:
            await self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S * 2)
        except PoolTimeout as exc:
            raise StoreUnavailable(
                f"cannot connect to the decisions database {describe_url(self.url)}"
            ) from exc
        self._started = True
        if migrate:
            await self.migrate()
        else:
            found = await self.schema_version()
            if found != migrations.LATEST_POSTGRES:
                raise migrations.SchemaOutOfDate(
                    found, migrations.LATEST_POSTGRES, describe_url(self.url)
                )

    async def aclose(self) -> None:
        await self._pool.close()
        self._started = False

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A pooled connection; any connection-level failure becomes StoreUnavailable."""
        try:
            async with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StoreUnavailable("the decisions database is not answering") from exc
        except psycopg.OperationalError as exc:
            raise StoreUnavailable("the decisions database is unreachable or failing over") from exc

    async def ping(self) -> None:
        async with self._conn() as conn:
            await conn.execute("SELECT 1")

    async def schema_version(self) -> int:
        async with self._conn() as conn:
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
        async with self._conn() as conn:
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

    # -- decisions -------------------------------------------------------------

    async def record(
        self, decision: Decision, advisor: Advisor, now: datetime, link: Link | None
    ) -> tuple[DecisionReceipt, bool]:
        if decision.advisor_id != advisor.id:
            raise ValueError(f"decision is by {decision.advisor_id!r}, not {advisor.id!r}")
        body = decision.canonical_bytes()
        text = body.decode()
        try:
            async with self._conn() as conn:
                return await self._record(conn, decision, advisor, now, link, body, text)
        except UniqueViolation:
            # The same id arrived for two advisors at once (each held only their
            # own lock). The winner's row is committed now: answer from it.
            async with self._conn() as conn:
                existing = await self._existing(conn, decision.id)
            if existing is None:
                raise
            if existing[0] != text:
                raise IdempotencyConflict(
                    f"decision {decision.id} was already recorded with a different body"
                ) from None
            return receipt(decision.id, *existing[1:]), False

    async def _record(
        self,
        conn: AsyncConnection[Any],
        decision: Decision,
        advisor: Advisor,
        now: datetime,
        link: Link | None,
        body: bytes,
        text: str,
    ) -> tuple[DecisionReceipt, bool]:
        refused: ChainLinkBroken | None = None
        async with conn.transaction():
            # Its own statement, before the reads: the trial's simplest correct order.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (advisor.id,)
            )
            # The replay check and the advisor's head in one round trip.
            rows = await (
                await conn.execute(
                    "SELECT 0, body, advisor_id, sequence, prev_hash, hash, recorded_at "
                    "FROM decisions WHERE id = %s UNION ALL "
                    "(SELECT 1, NULL, NULL, sequence, NULL, hash, NULL FROM decisions "
                    "WHERE advisor_id = %s ORDER BY sequence DESC LIMIT 1)",
                    (decision.id, advisor.id),
                )
            ).fetchall()
            for which, body_text, owner, seq, prev, digest_, at in rows:
                if which == 0:
                    if body_text != text:
                        raise IdempotencyConflict(
                            f"decision {decision.id} was already recorded with a different body"
                        )
                    return receipt(decision.id, owner, int(seq), prev, digest_, at), False
            count, head = next(
                ((int(r[3]), str(r[5])) for r in rows if r[0] == 1), (0, GENESIS_HASH)
            )
            refused = chain.check_link(advisor.id, count, head, link)
            if refused is not None:
                await conn.execute(
                    "INSERT INTO chain_refusals AS r (advisor_id, refused, last_at) "
                    "VALUES (%s, 1, %s) ON CONFLICT (advisor_id) DO UPDATE "
                    "SET refused = r.refused + 1, last_at = excluded.last_at",
                    (advisor.id, now),
                )
            else:
                sequence = count + 1
                digest = chain.link_hash(head, body)
                alternative = override_key(
                    decision.kind, decision.alternative, decision.changed_parameters
                )
                approval = (
                    ApprovalState.PENDING if decision.needs_approval else ApprovalState.NOT_NEEDED
                )
                async with conn.pipeline():
                    await conn.execute(
                        _INSERT,
                        (
                            decision.id,
                            advisor.id,
                            advisor.team,
                            decision.customer_id,
                            decision.kind.value,
                            decision.process_step.id,
                            decision.process_step.title,
                            decision.reason_code,
                            decision.needs_approval,
                            approval.value,
                            ReviewState.UNREVIEWED.value,
                            decision.decided_at,
                            decision.action_kind.value,
                            alternative,
                            sequence,
                            head,
                            digest,
                            now,
                            text,
                        ),
                    )
                    await postgres_figures.add_to_rollups(
                        conn,
                        decided_at=decision.decided_at,
                        team=advisor.team,
                        advisor_id=advisor.id,
                        step_id=decision.process_step.id,
                        override=decision.kind is DecisionKind.OVERRIDE,
                        alternative=alternative,
                    )
        if refused is not None:
            raise refused
        return receipt(decision.id, advisor.id, sequence, head, digest, now), True

    @staticmethod
    async def _existing(
        conn: AsyncConnection[Any], decision_id: str
    ) -> tuple[str, str, int, str, str, datetime] | None:
        row = await (
            await conn.execute(
                "SELECT body, advisor_id, sequence, prev_hash, hash, recorded_at "
                "FROM decisions WHERE id = %s",
                (decision_id,),
            )
        ).fetchone()
        return None if row is None else (row[0], row[1], int(row[2]), row[3], row[4], row[5])

    @staticmethod
    async def _head(conn: AsyncConnection[Any], advisor_id: str) -> tuple[int, str]:
        row = await (
            await conn.execute(
                "SELECT sequence, hash FROM decisions WHERE advisor_id = %s "
                "ORDER BY sequence DESC LIMIT 1",
                (advisor_id,),
            )
        ).fetchone()
        return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))

    async def get(self, decision_id: str) -> DecisionView | None:
        async with self._conn() as conn:
            row = await (
                await conn.execute(
                    f"SELECT {postgres_rows.VIEW} FROM decisions WHERE id = %s", (decision_id,)
                )
            ).fetchone()
            if row is None:
                return None
            reviews = await self._reviews_for(conn, [decision_id])
        return view(row, reviews.get(decision_id, []))

    async def list(self, filters: DecisionFilters, cursor: str | None, limit: int) -> DecisionPage:
        """One page newest first, keyset on (decided_at, id): a walk down one index."""
        conditions, args = postgres_rows.where(filters)
        page_conditions, page_args = list(conditions), list(args)
        if cursor is not None:
            decided_us, last_id = decode_cursor(cursor, "v2")
            page_conditions.append(sql.SQL("(decided_at, id) < (%s, %s)"))
            page_args += [postgres_rows.from_us(int(decided_us)), last_id]
        async with self._conn() as conn:
            rows = await (
                await conn.execute(
                    sql.SQL(
                        "SELECT {} FROM decisions{} ORDER BY decided_at DESC, id DESC LIMIT %s"
                    ).format(sql.SQL(postgres_rows.VIEW), postgres_rows.sql_where(page_conditions)),
                    (*page_args, limit + 1),
                )
            ).fetchall()
            total, exact = await self._count(conn, conditions, args)
            more = len(rows) > limit
            rows = rows[:limit]
            reviews = await self._reviews_for(conn, [r[0] for r in rows])
        items = [view(r, reviews.get(r[0], [])) for r in rows]
        next_cursor = encode_cursor(str(us(rows[-1][10])), rows[-1][0]) if more else None
        return DecisionPage(items=items, next_cursor=next_cursor, total=total, total_exact=exact)

    @staticmethod
    async def _count(
        conn: AsyncConnection[Any],
        conditions: builtins.list[sql.Composable],
        args: builtins.list[Any],
    ) -> tuple[int, bool]:
        """Exact up to COUNT_CAP (an index walk that stops there), else the estimate."""
        where = postgres_rows.sql_where(conditions)
        row = await (
            await conn.execute(
                sql.SQL("SELECT count(*) FROM (SELECT 1 FROM decisions{} LIMIT %s) capped").format(
                    where
                ),
                (*args, COUNT_CAP + 1),
            )
        ).fetchone()
        counted = int(row[0]) if row else 0
        if counted <= COUNT_CAP:
            return counted, True
        plan = await (
            await conn.execute(
                sql.SQL("EXPLAIN (FORMAT JSON) SELECT 1 FROM decisions{}").format(where), args
            )
        ).fetchone()
        estimate = int(plan[0][0]["Plan"]["Plan Rows"]) if plan else counted
        return max(estimate, counted), False

    @staticmethod
    async def _reviews_for(
        conn: AsyncConnection[Any], decision_ids: Sequence[str]
    ) -> dict[str, builtins.list[Review]]:
        if not decision_ids:
            return {}
        out: dict[str, builtins.list[Review]] = {}
        cursor = await conn.execute(
            "SELECT decision_id, body FROM reviews WHERE decision_id = ANY(%s) "
            "ORDER BY decision_id, at, id",
            (list(decision_ids),),
        )
        for decision_id, body in await cursor.fetchall():
            out.setdefault(decision_id, []).append(Review.model_validate_json(body))
        return out

    # -- the chain -------------------------------------------------------------

    async def chain_head(self, advisor_id: str) -> ChainHead:
        async with self._conn() as conn:
            count, head = await self._head(conn, advisor_id)
        return ChainHead(advisor_id=advisor_id, count=count, head_hash=head)

    async def chain_links(
        self, advisor_id: str, after: int, limit: int
    ) -> builtins.list[ChainLink]:
        async with self._conn() as conn:
            rows = await (
                await conn.execute(
                    "SELECT sequence, id, prev_hash, hash FROM decisions "
                    "WHERE advisor_id = %s AND sequence > %s ORDER BY sequence LIMIT %s",
                    (advisor_id, after, limit),
                )
            ).fetchall()
        return [ChainLink(sequence=s, id=i, prev_hash=p, hash=h) for s, i, p, h in rows]

    async def audit(self, after: str | None, limit: int) -> builtins.list[ChainAudit]:
        out: builtins.list[ChainAudit] = []
        async with self._conn() as conn:
            # A loose index scan over (advisor_id, sequence): one probe per advisor.
            advisors = await (
                await conn.execute(
                    "WITH RECURSIVE a AS ("
                    " (SELECT advisor_id FROM decisions WHERE advisor_id > %s"
                    "  ORDER BY advisor_id LIMIT 1)"
                    " UNION ALL"
                    " SELECT (SELECT d.advisor_id FROM decisions d"
                    "  WHERE d.advisor_id > a.advisor_id ORDER BY d.advisor_id LIMIT 1)"
                    "  FROM a WHERE a.advisor_id IS NOT NULL)"
                    " SELECT advisor_id FROM a WHERE advisor_id IS NOT NULL LIMIT %s",
                    (after or "", limit),
                )
            ).fetchall()
            for (advisor_id,) in advisors:
                rows = await (
                    await conn.execute(
                        "SELECT sequence, prev_hash, hash, body FROM decisions "
                        "WHERE advisor_id = %s ORDER BY sequence",
                        (advisor_id,),
                    )
                ).fetchall()
                refused = await (
                    await conn.execute(
                        "SELECT refused FROM chain_refusals WHERE advisor_id = %s", (advisor_id,)
                    )
                ).fetchone()
                checked = chain.check_rows(advisor_id, rows)
                out.append(checked.with_refused(int(refused[0]) if refused else 0))
        return out

    # -- reviews ---------------------------------------------------------------

    async def add_review(
        self, decision_id: str, review: ReviewCreate, reviewer: Advisor, now: datetime
    ) -> tuple[Review, bool]:
        wanted = {**review.model_dump(), "decision_id": decision_id, "reviewer_id": reviewer.id}
        async with self._conn() as conn, conn.transaction():
            # One decision's reviews are decided one at a time (approve vs reject races).
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 1))", (decision_id,)
            )
            existing = await (
                await conn.execute("SELECT body FROM reviews WHERE id = %s", (review.id,))
            ).fetchone()
            if existing is not None:
                stored = Review.model_validate_json(existing[0])
                if stored.model_dump(exclude={"at"}) != wanted:
                    raise IdempotencyConflict(
                        f"review {review.id} was already recorded with a different body"
                    )
                return stored, False
            row = await (
                await conn.execute(
                    "SELECT advisor_id, needs_approval, approval, body FROM decisions "
                    "WHERE id = %s",
                    (decision_id,),
                )
            ).fetchone()
            if row is None:
                raise DecisionNotFound(f"no decision {decision_id}")
            new_approval, new_review_state = review_outcome(
                decision_id, review, reviewer, row[0], bool(row[1]), row[2], row[3]
            )
            stored = Review(
                **review.model_dump(), decision_id=decision_id, reviewer_id=reviewer.id, at=now
            )
            await conn.execute(
                "INSERT INTO reviews (id, decision_id, reviewer_id, verdict, body, at) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    review.id,
                    decision_id,
                    reviewer.id,
                    review.verdict.value,
                    stored.model_dump_json(),
                    now,
                ),
            )
            # Caches the filters read (the hashed body is never touched). Updated
            # in place: reviews are rare next to decisions, so the write cost the
            # trial measured (no HOT update, ~39 KB of WAL) is paid rarely.
            if new_approval is not None:
                await conn.execute(
                    "UPDATE decisions SET approval = %s WHERE id = %s",
                    (new_approval.value, decision_id),
                )
            if new_review_state is not None:
                await conn.execute(
                    "UPDATE decisions SET review_state = %s WHERE id = %s",
                    (new_review_state.value, decision_id),
                )
        return stored, True

    # -- figures ---------------------------------------------------------------

    async def stats(
        self, since: datetime | None, until: datetime | None, team: str | None
    ) -> DecisionStats:
        async with self._conn() as conn:
            return await postgres_figures.stats(conn, since, until, team)
