"""The SQLite ledger behind the async engine interface.

sqlite3 calls block, so each runs in a worker thread (sqlite3 releases the
GIL while it works); the ledger's own lock serialises them on its connection.
"""

from __future__ import annotations

import asyncio
import builtins
from datetime import datetime
from pathlib import Path

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
from advisor_tui.services.decisions.chain import Link
from advisor_tui.services.decisions.sqlite_ledger import SqliteLedger


class SqliteEngine:
    name = "sqlite"

    def __init__(self, target: Path | SqliteLedger | None) -> None:
        """On a ledger already open (the demo and tests), or a file opened by ``start``."""
        self._path = target.path if isinstance(target, SqliteLedger) else target
        self._ledger = target if isinstance(target, SqliteLedger) else None

    @property
    def ledger(self) -> SqliteLedger:
        if self._ledger is None:
            raise RuntimeError("the SQLite engine is not started")
        return self._ledger

    async def start(self, *, migrate: bool = False) -> None:
        if self._ledger is None:
            self._ledger = await asyncio.to_thread(SqliteLedger, self._path, migrate=migrate)

    async def record(
        self, decision: Decision, advisor: Advisor, now: datetime, link: Link | None
    ) -> tuple[DecisionReceipt, bool]:
        return await asyncio.to_thread(self.ledger.record, decision, advisor, now, link=link)

    async def get(self, decision_id: str) -> DecisionView | None:
        return await asyncio.to_thread(self.ledger.get, decision_id)

    async def list(self, filters: DecisionFilters, cursor: str | None, limit: int) -> DecisionPage:
        return await asyncio.to_thread(self.ledger.list, filters, cursor, limit)

    async def add_review(
        self, decision_id: str, review: ReviewCreate, reviewer: Advisor, now: datetime
    ) -> tuple[Review, bool]:
        return await asyncio.to_thread(self.ledger.add_review, decision_id, review, reviewer, now)

    async def chain_head(self, advisor_id: str) -> ChainHead:
        return await asyncio.to_thread(self.ledger.chain_head, advisor_id)

    async def chain_links(
        self, advisor_id: str, after: int, limit: int
    ) -> builtins.list[ChainLink]:
        return await asyncio.to_thread(self.ledger.chain_links, advisor_id, after, limit)

    async def audit(self, after: str | None, limit: int) -> builtins.list[ChainAudit]:
        return await asyncio.to_thread(self.ledger.audit, after, limit)

    async def stats(
        self, since: datetime | None, until: datetime | None, team: str | None
    ) -> DecisionStats:
        return await asyncio.to_thread(self.ledger.stats, since, until, team)

    async def ping(self) -> None:
        await asyncio.to_thread(self.ledger.schema_version)

    async def aclose(self) -> None:
        if self._ledger is not None:
            await asyncio.to_thread(self._ledger.close)
