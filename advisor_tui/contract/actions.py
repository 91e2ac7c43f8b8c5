"""Next-actions backend: ranked actions with their why, process step and what may change."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from advisor_tui.contract._base import (
    BoundedList,
    ContractModel,
    IdText,
    LineText,
    ProseText,
    UtcDatetime,
)

ParamValue = int | bool | ProseText
"""A parameter value. Money is integer pence; times are ISO 8601 UTC strings."""


class ActionKind(StrEnum):
    """The kinds of next action the actions backend proposes."""

    HONEST_ETA = "honest_eta"
    INTERIM_SERVICE = "interim_service"
    AUTOMATIC_COMPENSATION = "automatic_compensation"
    GOODWILL_CREDIT = "goodwill_credit"
    FORMAL_COMPLAINT = "formal_complaint"
    FOLLOW_UP = "follow_up"
    ESCALATE_STEP = "escalate_step"
    RETENTION_OFFER = "retention_offer"
    BOOK_ENGINEER = "book_engineer"
    VULNERABILITY_SUPPORT = "vulnerability_support"


class ParamType(StrEnum):
    """How a parameter's value is typed and entered (money is integer pence)."""

    PENCE = "pence"
    INTEGER = "integer"
    TEXT = "text"
    DATETIME = "datetime"
    CHOICE = "choice"
    BOOLEAN = "boolean"


class ProcessStepRef(ContractModel):
    """The process step an action follows, by id and version."""

    id: IdText
    version: int = Field(ge=1)
    title: LineText
    outcome: LineText | None = Field(
        default=None, description="What the process says, e.g. 'unrecoverable'."
    )


class ParameterSpec(ContractModel):
    """One parameter of an action: its proposed value and how far it may change."""

    name: IdText
    label: LineText
    type: ParamType
    value: ParamValue
    editable: bool = False
    minimum: int | None = None
    maximum: int | None = Field(
        default=None, description="Hard bound of the action; beyond it is not allowed at all."
    )
    choices: BoundedList[LineText] | None = None
    permission_limit: IdText | None = Field(
        default=None,
        description="Name of the advisor permission that caps, without approval, how far "
        "this value may go above its minimum, e.g. 'max_goodwill_credit_pence'.",
    )


class Fact(ContractModel):
    """One fact behind an action, with the backend or record it comes from."""

    label: LineText
    value: ProseText
    source: LineText = Field(description="Backend or record the fact comes from.")


class NextAction(ContractModel):
    """One proposed action: what, why (facts), which process step, and its parameters."""

    id: IdText
    kind: ActionKind
    rank: int = Field(ge=1)
    label: LineText
    why: BoundedList[Fact]
    process_step: ProcessStepRef
    parameters: BoundedList[ParameterSpec] = Field(default_factory=list)
    script: ProseText | None = Field(default=None, description="What the advisor can honestly say.")
    working: BoundedList[ProseText] = Field(
        default_factory=list, description="How an amount or date was computed, line by line."
    )

    def parameter(self, name: str) -> ParameterSpec | None:
        return next((p for p in self.parameters if p.name == name), None)


class CoachingValue(StrEnum):
    """The values a coaching hint appeals to."""

    CURIOUS = "curious"
    ACCOUNTABLE = "accountable"
    BRAVE = "brave"


class CoachingHint(ContractModel):
    """A short coaching note shown beside the actions."""

    value: CoachingValue
    text: ProseText


class NextActions(ContractModel):
    """The ranked next actions for one customer (actions backend)."""

    customer_id: IdText
    generated_at: UtcDatetime
    actions: BoundedList[NextAction]
    coaching: BoundedList[CoachingHint] = Field(default_factory=list)
    facts_missing: BoundedList[IdText] = Field(
        default_factory=list,
        description="Facts the actions service could not fetch (e.g. 'faults', 'history'), "
        "so the actions that need them are absent, never computed without them. Empty "
        "when the answer is complete.",
    )


class ReasonUse(StrEnum):
    """Whether a reason code may explain a decline, an override, or both."""

    DECLINE = "decline"
    OVERRIDE = "override"


class ReasonCode(ContractModel):
    """A reason an advisor may give for declining or overriding an action."""

    code: IdText
    label: LineText
    applies_to: BoundedList[ReasonUse]
    free_text_required: bool = False
