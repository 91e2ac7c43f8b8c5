"""Decisions backend: idempotent decision records, reviews, and the per-advisor hash chain."""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, PrivateAttr

from advisor_tui.contract._base import (
    BoundedList,
    ContractModel,
    IdText,
    LineText,
    ProseText,
    Ulid,
    UtcDatetime,
)
from advisor_tui.contract.actions import ActionKind, ParamValue, ProcessStepRef
from advisor_tui.contract.identity import Role
from advisor_tui.contract.routes import AUDIT_PAGE_MAX, CHAIN_LINKS_PAGE_MAX, DECISIONS_PAGE_MAX

PARAMETERS_MAX = 100
"""Parameters of one decision: an action has a handful."""
STATS_BUCKETS_MAX = 10_000
"""Rows of one statistics table: ten thousand advisors, steps or days."""

Parameters = Annotated[dict[IdText, ParamValue], Field(max_length=PARAMETERS_MAX)]

GENESIS_HASH = "0" * 64


class DecisionKind(StrEnum):
    """What the advisor did with a proposed action."""

    ACCEPT = "accept"
    DECLINE = "decline"
    OVERRIDE = "override"


class Decision(ContractModel):
    """One advisor decision on one next action. ``id`` is the idempotency key."""

    id: Ulid
    customer_id: IdText
    action_id: IdText
    action_kind: ActionKind
    action_label: LineText
    process_step: ProcessStepRef
    proposed_parameters: Parameters = Field(
        default_factory=dict, description="What the process said."
    )
    kind: DecisionKind
    reason_code: IdText | None = None
    free_text: ProseText | None = None
    changed_parameters: Parameters = Field(
        default_factory=dict, description="What was done instead (override only)."
    )
    alternative: LineText | None = Field(
        default=None, description="An override that does something else entirely."
    )
    advisor_id: IdText
    decided_at: UtcDatetime
    needs_approval: bool = False
    approver_role: Role | None = None
    situation: BoundedList[LineText] = Field(
        default_factory=list, description="The customer's situation at the time, as facts."
    )

    def canonical_bytes(self) -> bytes:
        """The bytes that are hashed: sorted keys, no whitespace, UTF-8."""
        return canonical_json(self.model_dump(mode="json"))


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, decision: Decision) -> str:
    """SHA-256 over the previous hash and this record's canonical content."""
    return chain_hash_of(prev_hash, decision.canonical_bytes())


def chain_hash_of(prev_hash: str, canonical: bytes) -> str:
    """``chain_hash`` over already-canonical bytes: for stored bodies, which are
    hashed exactly as stored rather than re-serialised."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical).hexdigest()


class DecisionReceipt(ContractModel):
    """The decisions backend's proof of recording: the decision's place in the chain."""

    id: Ulid
    advisor_id: IdText
    sequence: int = Field(ge=1, description="Position in the server's chain for this advisor.")
    prev_hash: IdText
    hash: IdText
    recorded_at: UtcDatetime


class Verdict(StrEnum):
    """What a reviewer concluded about a decision."""

    ENDORSE = "endorse"
    COACH = "coach"
    PROPOSE_PROCESS_CHANGE = "propose_process_change"
    APPROVE = "approve"
    REJECT = "reject"


class ReviewCreate(ContractModel):
    """A review of a decision (``POST`` body); approving is a verdict too."""

    id: Ulid = Field(description="Client-chosen ULID; doubles as the idempotency key.")
    verdict: Verdict
    note: ProseText = ""
    proposed_step: ProcessStepRef | None = None


class Review(ReviewCreate):
    """A review as the decisions backend keeps it."""

    decision_id: Ulid
    reviewer_id: IdText
    reviewer_name: LineText | None = Field(
        default=None,
        description="The reviewer's display name, from their verified identity when the "
        "review was recorded: what the advisor is told ('Approved by …'), since advisors "
        "may not read the advisor directory. Absent on reviews recorded before it was kept.",
    )
    at: UtcDatetime


class ApprovalState(StrEnum):
    """Whether a decision needs approval, and whether it got it."""

    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReviewState(StrEnum):
    """Where a decision stands in supervisors' review."""

    UNREVIEWED = "unreviewed"
    ENDORSED = "endorsed"
    COACHED = "coached"
    PROPOSED = "proposed"


class DecisionView(ContractModel):
    """A recorded decision as a supervisor sees it: receipt, approval, reviews."""

    decision: Decision
    receipt: DecisionReceipt
    team: LineText
    approval: ApprovalState
    review_state: ReviewState
    reviews: BoundedList[Review] = Field(default_factory=list)

    # Set by the client from the record exactly as received, before its text is
    # made safe to show (which changes the hashed bytes of a record holding
    # control characters); None when the view was built any other way.
    _hash_matched_as_received: bool | None = PrivateAttr(default=None)

    @property
    def hash_matched_as_received(self) -> bool | None:
        return self._hash_matched_as_received


class DecisionFilters(ContractModel):
    """Filters of the decisions list (query parameters of GET decisions).

    All optional, combined with AND; ``until`` is exclusive. The ledger, the
    review screen and the server export all take this one model.
    """

    advisor_id: IdText | None = None
    team: LineText | None = None
    customer_id: IdText | None = None
    kind: DecisionKind | None = None
    step_id: IdText | None = None
    reason_code: IdText | None = None
    needs_approval: bool | None = None
    approval: ApprovalState | None = None
    review_state: ReviewState | None = None
    since: UtcDatetime | None = None
    until: UtcDatetime | None = None


class DecisionPage(ContractModel):
    """One page of decisions, newest first, with the total across all pages."""

    items: Annotated[list[DecisionView], Field(max_length=DECISIONS_PAGE_MAX)]
    next_cursor: IdText | None = None
    total: int = Field(ge=0, description="How many match the filters, across all pages.")
    total_exact: bool = Field(
        default=True,
        description="False when counting was cut short and ``total`` is the database's "
        "estimate (very large logs).",
    )


class ChainHead(ContractModel):
    """The end of one advisor's hash chain: how many decisions, and the last hash."""

    advisor_id: IdText
    count: int = Field(ge=0)
    head_hash: IdText


class RateBucket(ContractModel):
    """Decisions and overrides counted for one advisor, step or day."""

    key: IdText = Field(description="Advisor id, process step id, or period start (ISO date).")
    decisions: int = Field(ge=0)
    overrides: int = Field(ge=0)

    @property
    def rate(self) -> float:
        return self.overrides / self.decisions if self.decisions else 0.0


class RepeatedOverride(ContractModel):
    """An override advisors keep making on the same step (a process smell)."""

    step_id: IdText
    step_title: LineText
    alternative: LineText
    count: int = Field(ge=1)


Buckets = Annotated[list[RateBucket], Field(max_length=STATS_BUCKETS_MAX)]


class DecisionStats(ContractModel):
    """Override rates per advisor, step and day, and the most repeated overrides."""

    by_advisor: Buckets
    by_step: Buckets
    by_day: Buckets
    repeated_overrides: Annotated[list[RepeatedOverride], Field(max_length=STATS_BUCKETS_MAX)]


class DecisionListQuery(DecisionFilters):
    """GET decisions' query parameters: the filters plus the page (one model end to end)."""

    cursor: IdText | None = Field(
        default=None, description="next_cursor of the previous page; empty or absent: the first."
    )
    limit: int = Field(default=50, ge=1, le=DECISIONS_PAGE_MAX)

    def filters(self) -> DecisionFilters:
        """Only the filters, without the page."""
        return DecisionFilters.model_validate(
            self.model_dump(include=set(DecisionFilters.model_fields))
        )


class ChainLink(ContractModel):
    """One record's place in its advisor's chain on the server."""

    sequence: int = Field(ge=1)
    id: Ulid
    prev_hash: IdText
    hash: IdText


class ChainLinkPage(ContractModel):
    """A page of an advisor's chain on the server, in sequence order."""

    items: Annotated[list[ChainLink], Field(max_length=CHAIN_LINKS_PAGE_MAX)]
    next_after: int | None = Field(
        default=None, description="Pass as after= for the next page; None on the last."
    )


class ChainAudit(ContractModel):
    """The server's own check of one advisor's chain, recomputed from stored bytes."""

    advisor_id: IdText
    count: int = Field(ge=0, description="Records that chain correctly from the start.")
    head_hash: IdText = Field(description="Hash of the last record that chains correctly.")
    first_broken: int | None = Field(
        default=None,
        description="Sequence of the first record that does not chain; None if intact.",
    )
    detail: LineText
    refused_links: int = Field(
        ge=0, description="Records refused on the way in for a broken link (never stored)."
    )


class ChainAuditPage(ContractModel):
    """A page of the server's audit, one advisor per item, in advisor id order."""

    items: Annotated[list[ChainAudit], Field(max_length=AUDIT_PAGE_MAX)]
    next_after: IdText | None = Field(
        default=None, description="Pass as after= for the next page of advisors."
    )
