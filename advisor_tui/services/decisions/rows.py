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
    ReviewState,
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
