"""The hash chains on PostgreSQL: an advisor's head and links, the audit of every chain.

Always read from the primary: a chain check against a lagging replica would
report a head the advisor's client has already moved past.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from advisor_tui.contract.decisions import GENESIS_HASH, ChainAudit, ChainHead, ChainLink
from advisor_tui.services.decisions import chain
from advisor_tui.services.decisions.postgres_pool import Pool


async def head(conn: AsyncConnection[Any], advisor_id: str) -> tuple[int, str]:
    row = await (
        await conn.execute(
            "SELECT sequence, hash FROM decisions WHERE advisor_id = %s "
            "ORDER BY sequence DESC LIMIT 1",
            (advisor_id,),
        )
    ).fetchone()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


async def chain_head(pool: Pool, advisor_id: str) -> ChainHead:
    async with pool.connection() as conn:
        count, digest = await head(conn, advisor_id)
    return ChainHead(advisor_id=advisor_id, count=count, head_hash=digest)


async def chain_links(pool: Pool, advisor_id: str, after: int, limit: int) -> list[ChainLink]:
    async with pool.connection() as conn:
        rows = await (
            await conn.execute(
                "SELECT sequence, id, prev_hash, hash FROM decisions "
                "WHERE advisor_id = %s AND sequence > %s ORDER BY sequence LIMIT %s",
                (advisor_id, after, limit),
            )
        ).fetchall()
    return [ChainLink(sequence=s, id=i, prev_hash=p, hash=h) for s, i, p, h in rows]


async def audit(pool: Pool, after: str | None, limit: int) -> list[ChainAudit]:
    out: list[ChainAudit] = []
    async with pool.connection() as conn:
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
