"""Rows of the decisions log as contract objects, the same on both engines.

Each engine reads ``recorded_at`` in its own storage form and hands a datetime here.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from advisor_tui.contract.decisions import (
    ApprovalState,
    Decision,
    DecisionReceipt,
    DecisionView,
    Review,
    ReviewCreate,
    ReviewState,
)
from advisor_tui.contract.identity import Advisor
from advisor_tui.services.decisions.errors import IdempotencyConflict
from advisor_tui.services.decisions.rules import override_key

# The decisions table's columns as both engines write them, in ``new_row``'s
# order. PostgreSQL keeps the hashed body in a further ``body`` column, SQLite
# in ``decision_bodies``.
DECISION_COLUMNS = (
    "id, advisor_id, team, customer_id, kind, step_id, step_title, reason_code, needs_approval, "
    "approval, review_state, decided_at, action_kind, alternative, sequence, prev_hash, hash, "
    "recorded_at"
)


def alternative(decision: Decision) -> str | None:
    """What the decision's row keeps as its alternative (and the rollups count)."""
    return override_key(decision.kind, decision.alternative, decision.changed_parameters)


def new_row(
    decision: Decision,
    advisor: Advisor,
    *,
    decided_at: object,
    alternative: str | None,
    sequence: int,
    prev_hash: str,
    digest: str,
    recorded_at: object,
) -> tuple[object, ...]:
    """A decision's row as recorded, in ``DECISION_COLUMNS`` order: pending approval
    if it needs it, unreviewed. The times come in the engine's storage form, and
    ``alternative`` as ``alternative(decision)`` gave it (the rollups take it too)."""
    return (
        decision.id,
        advisor.id,
        advisor.team,
        decision.customer_id,
        decision.kind.value,
        decision.process_step.id,
        decision.process_step.title,
        decision.reason_code,
        decision.needs_approval,
        (ApprovalState.PENDING if decision.needs_approval else ApprovalState.NOT_NEEDED).value,
        ReviewState.UNREVIEWED.value,
        decided_at,
        decision.action_kind.value,
        alternative,
        sequence,
        prev_hash,
        digest,
        recorded_at,
    )


def receipt(
    decision_id: str,
    advisor_id: str,
    sequence: int,
    prev_hash: str,
    digest: str,
    recorded_at: datetime,
) -> DecisionReceipt:
    return DecisionReceipt(
        id=decision_id,
        advisor_id=advisor_id,
        sequence=sequence,
        prev_hash=prev_hash,
        hash=digest,
        recorded_at=recorded_at,
    )


def view(row: Sequence[Any], reviews: builtins.list[Review]) -> DecisionView:
    decision_id, advisor_id, team, approval, review_state, body = row[:6]
    sequence, prev_hash, digest, recorded_at = row[6:10]
    return DecisionView(
        decision=Decision.model_validate_json(body),
        receipt=receipt(decision_id, advisor_id, sequence, prev_hash, digest, recorded_at),
        team=team,
        approval=ApprovalState(approval),
        review_state=ReviewState(review_state),
        reviews=reviews,
    )


def stored_review(
    review: ReviewCreate, decision_id: str, reviewer: Advisor, at: datetime
) -> Review:
    """A review as both engines keep it: what was sent, and who sent it as their
    verified identity says: the id, and the display name when it gives one (an
    identity without a name claim repeats the id, which names no one)."""
    name = reviewer.display_name.strip()
    return Review(
        **review.model_dump(),
        decision_id=decision_id,
        reviewer_id=reviewer.id,
        reviewer_name=name if name and name != reviewer.id else None,
        at=at,
    )


def check_decision_replay(decision_id: str, stored_body: str, sent_body: str) -> None:
    """A decision id already in the log may come again only with the same body."""
    if stored_body != sent_body:
        raise IdempotencyConflict(
            f"decision {decision_id} was already recorded with a different body"
        )


def replayed_review(
    stored_body: str, review: ReviewCreate, decision_id: str, reviewer: Advisor
) -> Review:
    """The review kept under ``review.id``, which ``review`` replays: the same body,
    decision and reviewer, or IdempotencyConflict. The reviewer's name is not
    compared: it is the identity's, not the request's, and a review kept before
    names were may be replayed after."""
    stored = Review.model_validate_json(stored_body)
    wanted = {**review.model_dump(), "decision_id": decision_id, "reviewer_id": reviewer.id}
    if stored.model_dump(exclude={"at", "reviewer_name"}) != wanted:
        raise IdempotencyConflict(f"review {review.id} was already recorded with a different body")
    return stored
