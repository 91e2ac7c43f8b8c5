"""Decisions backend client: idempotent recording, supervisor listing, reviews, chains."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advisor_tui.clients._http import BackendHttp, path
from advisor_tui.contract import routes
from advisor_tui.contract.common import Backend
from advisor_tui.contract.decisions import (
    ChainAuditPage,
    ChainHead,
    ChainLinkPage,
    Decision,
    DecisionFilters,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    Review,
    ReviewCreate,
)


def _query_value(value: object) -> Any:
    # httpx does not encode datetimes; the backend expects ISO 8601 with offset.
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class DecisionsClient(BackendHttp):
    """The decisions backend: record decisions (hash-chained per advisor), and, for team
    leads and supervisors, list, review and approve them and read the figures."""

    backend = Backend.DECISIONS

    async def record(
        self, decision: Decision, *, after: ChainHead | None = None
    ) -> DecisionReceipt:
        """Record a decision. Safe to repeat: the decision id is the idempotency key, so a
        retry (ours or the outbox's) answers with the first receipt, never a second record.

        ``after`` is the last receipt the caller holds for this advisor (as a chain
        head): the server stores the record only if that is still its head, so a
        client whose log disagrees with the server's hears so (409) instead of
        forking the chain. Without it the server's current head is fetched and
        used: for callers with no log of their own.
        """
        if after is None:
            after = await self.chain_head(decision.advisor_id)
        return await self.post_model(
            routes.DECISIONS,
            decision,
            DecisionReceipt,
            idempotency_key=decision.id,
            extra_headers={
                routes.CHAIN_SEQUENCE_HEADER: str(after.count + 1),
                routes.CHAIN_PREV_HEADER: after.head_hash,
            },
        )

    async def list(
        self,
        filters: DecisionFilters | None = None,
        *,
        cursor: str | None = None,
        limit: int = 50,
    ) -> DecisionPage:
        """One page, newest first; filters combine with AND and ``until`` is exclusive."""
        if not 1 <= limit <= routes.DECISIONS_PAGE_MAX:
            raise ValueError(f"limit must be 1..{routes.DECISIONS_PAGE_MAX}, got {limit}")
        # Only the contract's filter fields travel, whatever subclass the caller holds.
        wanted = DecisionFilters.model_fields
        params = {
            name: _query_value(getattr(filters, name))
            for name in wanted
            if filters is not None and getattr(filters, name) is not None
        }
        return await self.get_model(
            routes.DECISIONS, DecisionPage, {**params, "cursor": cursor, "limit": limit}
        )

    async def get(self, decision_id: str) -> DecisionView:
        """One decision with its receipt, approval and review state, and its reviews."""
        return await self.get_model(path(routes.DECISION, decision_id=decision_id), DecisionView)

    async def review(self, decision_id: str, review: ReviewCreate) -> Review:
        """Review (or approve) a decision. Safe to repeat: the review id is the key."""
        return await self.post_model(
            path(routes.REVIEWS, decision_id=decision_id),
            review,
            Review,
            idempotency_key=review.id,
        )

    async def chain_head(self, advisor_id: str) -> ChainHead:
        """How many decisions the advisor's chain holds, and the hash of the last."""
        return await self.get_model(path(routes.CHAIN_HEAD, advisor_id=advisor_id), ChainHead)

    async def chain_links(
        self, advisor_id: str, *, after: int = 0, limit: int = 1000
    ) -> ChainLinkPage:
        """The server's chain for ``advisor_id`` from sequence ``after + 1``, in order."""
        return await self.get_model(
            path(routes.CHAIN_LINKS, advisor_id=advisor_id),
            ChainLinkPage,
            {"after": after, "limit": limit},
        )

    async def audit(self, *, after: str | None = None, limit: int = 50) -> ChainAuditPage:
        """The server's own check of a page of advisors' chains (reviewers only)."""
        return await self.get_model(routes.AUDIT, ChainAuditPage, {"after": after, "limit": limit})

    async def stats(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        team: str | None = None,
    ) -> DecisionStats:
        """Override rates per advisor, step and day, and the most repeated overrides."""
        params = {"since": since, "until": until, "team": team}
        query = {k: _query_value(v) for k, v in params.items()}
        return await self.get_model(routes.STATS, DecisionStats, query)
