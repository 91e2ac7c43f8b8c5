"""Decisions backend: idempotent decision records, reviews, and the per-advisor hash chain."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any

from pydantic import Field

from advisor_tui.contract._base import ContractModel, Ulid, UtcDatetime
from advisor_tui.contract.actions import ActionKind, ParamValue, ProcessStepRef
from advisor_tui.contract.identity import Role

GENESIS_HASH = "0" * 64


class DecisionKind(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    OVERRIDE = "override"


class Decision(ContractModel):
    """One advisor decision on one next action. ``id`` is the idempotency key."""

    id: Ulid
    customer_id: str
    action_id: str
    action_kind: ActionKind
    action_label: str
    process_step: ProcessStepRef
    proposed_parameters: dict[str, ParamValue] = Field(
        default_factory=dict, description="What the process said."
    )
    kind: DecisionKind
    reason_code: str | None = None
    free_text: str | None = None
    changed_parameters: dict[str, ParamValue] = Field(
        default_factory=dict, description="What was done instead (override only)."
    )
    alternative: str | None = Field(
        default=None, description="An override that does something else entirely."
    )
    advisor_id: str
    decided_at: UtcDatetime
    needs_approval: bool = False
    approver_role: Role | None = None
    situation: list[str] = Field(
        default_factory=list, description="The customer's situation at the time, as facts."
    )

    def canonical_bytes(self) -> bytes:
        """The bytes that are hashed: sorted keys, no whitespace, UTF-8."""
        return canonical_json(self.model_dump(mode="json"))


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, decision: Decision) -> str:
    """SHA-256 over the previous hash and this record's canonical content."""
    return hashlib.sha256(
        prev_hash.encode("ascii") + b"\n" + decision.canonical_bytes()
    ).hexdigest()


class DecisionReceipt(ContractModel):
    id: Ulid
    advisor_id: str
    sequence: int = Field(ge=1, description="Position in the server's chain for this advisor.")
    prev_hash: str
    hash: str
    recorded_at: UtcDatetime


class Verdict(StrEnum):
    ENDORSE = "endorse"
    COACH = "coach"
    PROPOSE_PROCESS_CHANGE = "propose_process_change"
    APPROVE = "approve"
    REJECT = "reject"


class ReviewCreate(ContractModel):
    id: Ulid = Field(description="Client-chosen ULID; doubles as the idempotency key.")
    verdict: Verdict
    note: str = ""
    proposed_step: ProcessStepRef | None = None


class Review(ReviewCreate):
    decision_id: Ulid
    reviewer_id: str
    at: UtcDatetime


class ApprovalState(StrEnum):
    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReviewState(StrEnum):
    UNREVIEWED = "unreviewed"
    ENDORSED = "endorsed"
    COACHED = "coached"
    PROPOSED = "proposed"


class DecisionView(ContractModel):
    decision: Decision
    receipt: DecisionReceipt
    team: str
    approval: ApprovalState
    review_state: ReviewState
    reviews: list[Review] = Field(default_factory=list)


class DecisionFilters(ContractModel):
    """Filters of the decisions list (query parameters of GET decisions).

    All optional, combined with AND; ``until`` is exclusive. The ledger, the
    review screen and the server export all take this one model.
    """

    advisor_id: str | None = None
    team: str | None = None
    customer_id: str | None = None
    kind: DecisionKind | None = None
    step_id: str | None = None
    reason_code: str | None = None
    needs_approval: bool | None = None
    approval: ApprovalState | None = None
    review_state: ReviewState | None = None
    since: UtcDatetime | None = None
    until: UtcDatetime | None = None


class DecisionPage(ContractModel):
    items: list[DecisionView]
    next_cursor: str | None = None
    total: int = Field(ge=0, description="How many match the filters, across all pages.")


class ChainHead(ContractModel):
    advisor_id: str
    count: int = Field(ge=0)
    head_hash: str


class RateBucket(ContractModel):
    key: str = Field(description="Advisor id, process step id, or period start (ISO date).")
    decisions: int = Field(ge=0)
    overrides: int = Field(ge=0)

    @property
    def rate(self) -> float:
        return self.overrides / self.decisions if self.decisions else 0.0


class RepeatedOverride(ContractModel):
    step_id: str
    step_title: str
    alternative: str
    count: int = Field(ge=1)


class DecisionStats(ContractModel):
    by_advisor: list[RateBucket]
    by_step: list[RateBucket]
    by_day: list[RateBucket]
    repeated_overrides: list[RepeatedOverride]
