"""Decisions backend client: idempotent recording, supervisor listing, reviews, chain heads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advisor_tui.clients._http import BackendHttp, path
from advisor_tui.contract import routes
from advisor_tui.contract.common import Backend
from advisor_tui.contract.decisions import (
    ApprovalState,
    ChainHead,
    Decision,
    DecisionKind,
    DecisionPage,
    DecisionReceipt,
    DecisionStats,
    DecisionView,
    Review,
    ReviewCreate,
    ReviewState,
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

    async def record(self, decision: Decision) -> DecisionReceipt:
        """Record a decision. Safe to repeat: the decision id is the idempotency key, so a
        retry (ours or the outbox's) answers with the first receipt, never a second record."""
        return await self.post_model(
            routes.DECISIONS, decision, DecisionReceipt, idempotency_key=decision.id
        )

    async def list(
        self,
        *,
        advisor_id: str | None = None,
        team: str | None = None,
        customer_id: str | None = None,
        kind: DecisionKind | None = None,
        step_id: str | None = None,
        reason_code: str | None = None,
        needs_approval: bool | None = None,
        approval: ApprovalState | None = None,
        review_state: ReviewState | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> DecisionPage:
        """One page, newest first; filters combine with AND and ``until`` is exclusive."""
        if not 1 <= limit <= routes.DECISIONS_PAGE_MAX:
            raise ValueError(f"limit must be 1..{routes.DECISIONS_PAGE_MAX}, got {limit}")
        params = {
            "advisor_id": advisor_id,
            "team": team,
            "customer_id": customer_id,
            "kind": kind,
            "step_id": step_id,
            "reason_code": reason_code,
            "needs_approval": needs_approval,
            "approval": approval,
            "review_state": review_state,
            "since": since,
            "until": until,
            "cursor": cursor,
            "limit": limit,
        }
        query = {k: _query_value(v) for k, v in params.items()}
        return await self.get_model(routes.DECISIONS, DecisionPage, query)

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
