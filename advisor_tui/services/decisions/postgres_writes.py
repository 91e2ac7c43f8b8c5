"""Writes on PostgreSQL: a decision appended to its advisor's chain, a review.

Concurrency across worker processes and hosts lives in the database:
- each append takes ``pg_advisory_xact_lock`` on the advisor, in its own
  statement, before reading that advisor's head, so two appends for one
  advisor run one after the other wherever they come from, and the second
  sees the first's row (a fresh statement, READ COMMITTED);
- ``UNIQUE (advisor_id, sequence)`` makes a fork impossible even so, and the
  primary key on id makes a duplicate impossible; a unique violation (the same
  id sent as two different advisors) is answered by re-reading in a new
  transaction.
Writes always go to the primary.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.errors import UniqueViolation

from advisor_tui.contract.decisions import (
    GENESIS_HASH,
    Decision,
    DecisionKind,
    DecisionReceipt,
    Review,
    ReviewCreate,
)
from advisor_tui.contract.identity import Advisor
from advisor_tui.services.decisions import chain, postgres_figures, rows
from advisor_tui.services.decisions.chain import Link
from advisor_tui.services.decisions.errors import (
    ChainLinkBroken,
    DecisionNotFound,
)
from advisor_tui.services.decisions.postgres_pool import Pool
from advisor_tui.services.decisions.rows import receipt, stored_review
from advisor_tui.services.decisions.rules import review_outcome

_INSERT = (
    f"INSERT INTO decisions ({rows.DECISION_COLUMNS}, body) VALUES "
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


async def record(
    pool: Pool, decision: Decision, advisor: Advisor, now: datetime, link: Link | None
) -> tuple[DecisionReceipt, bool]:
    if decision.advisor_id != advisor.id:
        raise ValueError(f"decision is by {decision.advisor_id!r}, not {advisor.id!r}")
    body = decision.canonical_bytes()
    text = body.decode()
    try:
        async with pool.connection() as conn:
            return await _record(conn, decision, advisor, now, link, body, text)
    except UniqueViolation:
        # The same id arrived for two advisors at once (each held only their
        # own lock). The winner's row is committed now: answer from it.
        async with pool.connection() as conn:
            existing = await _existing(conn, decision.id)
        if existing is None:
            raise
    # Out of the except block: a conflict is the answer, not a failed insert.
    rows.check_decision_replay(decision.id, existing[0], text)
    return receipt(decision.id, *existing[1:]), False


async def _record(
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
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (advisor.id,))
        # The replay check and the advisor's head in one round trip.
        found = await (
            await conn.execute(
                "SELECT 0, body, advisor_id, sequence, prev_hash, hash, recorded_at "
                "FROM decisions WHERE id = %s UNION ALL "
                "(SELECT 1, NULL, NULL, sequence, NULL, hash, NULL FROM decisions "
                "WHERE advisor_id = %s ORDER BY sequence DESC LIMIT 1)",
                (decision.id, advisor.id),
            )
        ).fetchall()
        for which, body_text, owner, seq, prev, digest_, at in found:
            if which == 0:
                rows.check_decision_replay(decision.id, body_text, text)
                return receipt(decision.id, owner, int(seq), prev, digest_, at), False
        count, head = next(((int(r[3]), str(r[5])) for r in found if r[0] == 1), (0, GENESIS_HASH))
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
            alternative = rows.alternative(decision)
            row = rows.new_row(
                decision,
                advisor,
                decided_at=decision.decided_at,
                alternative=alternative,
                sequence=sequence,
                prev_hash=head,
                digest=digest,
                recorded_at=now,
            )
            async with conn.pipeline():
                await conn.execute(_INSERT, (*row, text))
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


async def add_review(
    pool: Pool, decision_id: str, review: ReviewCreate, reviewer: Advisor, now: datetime
) -> tuple[Review, bool]:
    async with pool.connection() as conn, conn.transaction():
        # One decision's reviews are decided one at a time (approve vs reject races).
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 1))", (decision_id,))
        existing = await (
            await conn.execute("SELECT body FROM reviews WHERE id = %s", (review.id,))
        ).fetchone()
        if existing is not None:
            return rows.replayed_review(existing[0], review, decision_id, reviewer), False
        row = await (
            await conn.execute(
                "SELECT advisor_id, needs_approval, approval, body FROM decisions WHERE id = %s",
                (decision_id,),
            )
        ).fetchone()
        if row is None:
            raise DecisionNotFound(f"no decision {decision_id}")
        new_approval, new_review_state = review_outcome(
            decision_id, review, reviewer, row[0], bool(row[1]), row[2], row[3]
        )
        stored = stored_review(review, decision_id, reviewer, now)
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
