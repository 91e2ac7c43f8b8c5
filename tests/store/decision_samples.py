"""Decisions for the store tests and the crash-test recorder (a plain module, not a
conftest, so the recorder subprocess can import it too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ulid import ULID

from advisor_tui.contract import (
    ActionKind,
    Decision,
    DecisionKind,
    DecisionReceipt,
    ProcessStepRef,
    chain_hash,
)
from advisor_tui.contract.decisions import GENESIS_HASH

BASE_TIME = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
STEP = ProcessStepRef(id="goodwill-credit", version=3, title="Goodwill credit")


def make_decision(
    n: int = 0,
    *,
    customer_id: str = "cus-1",
    kind: DecisionKind = DecisionKind.ACCEPT,
    advisor_id: str = "adv-1",
    free_text: str | None = None,
    decided_at: datetime | None = None,
) -> Decision:
    """Decision number ``n``: a goodwill credit accepted, declined or overridden."""
    when = decided_at or BASE_TIME + timedelta(seconds=n)
    override = kind is DecisionKind.OVERRIDE
    return Decision(
        id=str(ULID.from_datetime(when)),
        customer_id=customer_id,
        action_id=f"act-{n}",
        action_kind=ActionKind.GOODWILL_CREDIT,
        action_label="Goodwill credit for days without service",
        process_step=STEP,
        proposed_parameters={"amount_pence": 1000},
        kind=kind,
        reason_code=None if kind is DecisionKind.ACCEPT else "customer_circumstances",
        free_text=free_text,
        changed_parameters={"amount_pence": 2500} if override else {},
        advisor_id=advisor_id,
        decided_at=when,
        needs_approval=override,
        situation=[f"decision {n}"],
    )


class FakeServerChain:
    """Receipts as the decisions backend makes them: one chain per advisor."""

    def __init__(self) -> None:
        self.heads: dict[str, tuple[int, str]] = {}

    def receipt(self, decision: Decision) -> DecisionReceipt:
        sequence, prev = self.heads.get(decision.advisor_id, (0, GENESIS_HASH))
        digest = chain_hash(prev, decision)
        self.heads[decision.advisor_id] = (sequence + 1, digest)
        return DecisionReceipt(
            id=decision.id,
            advisor_id=decision.advisor_id,
            sequence=sequence + 1,
            prev_hash=prev,
            hash=digest,
            recorded_at=decision.decided_at + timedelta(milliseconds=5),
        )
